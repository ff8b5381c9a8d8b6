/*
 * APIC virtualization (SDM Vol. 3C, "APIC Virtualization and Virtual
 * Interrupts"), used where the CPU offers TPR shadow, virtualized APIC
 * accesses and APIC-register virtualization (vmx_ctls.apicv) and the boot
 * option apicv= does not turn it off.
 *
 * The guest-physical xAPIC page maps (EPT) to the APIC-access page, so the
 * CPU serves guest reads of most LAPIC registers from the vCPU's virtual-
 * APIC page, which the vLAPIC model keeps current (vlapic_fill_page): no VM
 * exit. Writes complete into that page and then exit (APIC-write, trap-
 * like) and go to the model; TPR and ICR_HI writes land in the page without
 * exits. Reads the CPU does not virtualize (the timer's current count, PPR,
 * APR, RRD, the CMCI LVT, reserved offsets) and odd accesses exit as APIC
 * accesses and are emulated like other MMIO (SDM "Virtualizing Reads from
 * the APIC-Access Page", "APIC-Write Emulation").
 *
 * With virtual-interrupt delivery as well (vmx_ctls.apicv_vid; apicv=on),
 * the LAPIC's interrupts are not injected: the hypervisor puts them in the
 * page's IRR and in RVI (guest interrupt status), and the CPU delivers them
 * when the guest can take them, ends them on EOI, follows TPR writes and
 * takes self-IPIs, all without exits. Only EOIs of level-triggered vectors
 * exit (EOI-exit bitmap = the model's TMR), for the IOAPIC.
 *
 * With apicv=regs (or a CPU without virtual-interrupt delivery) the
 * hypervisor injects every interrupt, EOIs exit as APIC writes, and TPR
 * writes exit only when they drop below the TPR threshold (a waiting
 * interrupt became deliverable).
 *
 * Either way, once the guest has run, the page holds what it wrote without
 * exits: every use of the model first takes that back (apicv_sync, called
 * by the platform for each access), and apicv_update gives the model's
 * changes to the page before the next entry. A self-IPI is recognised as
 * an IRR bit the model did not set; one on a vector already requested, or
 * taken and ended between two looks, goes unseen (it only matters for a
 * vector shared with a level-triggered IOAPIC line).
 *
 * While the guest's APIC is not in xAPIC mode at its default base, the page
 * is unmapped and the controls are off: the EPT-trapped path answers.
 */
#ifndef VMX_APICV_H
#define VMX_APICV_H

#include "vmm/vm.h"
#include "vmx/vcpu_lapic.h"      /* apicv_sync */
#include "boot/boot_options.h"     /* enum apicv_mode */


/* Boot option apicv=on|regs|off (default on): the most of `want` the CPU offers. */
void apicv_configure(enum apicv_mode want);
enum apicv_mode apicv_mode(void);
/* What the mode means, for the boot log. */
const char *apicv_describe(void);

/* Set up v's virtual-APIC page and controls (its VMCS current). Returns 0,
 * also when APIC virtualization is off, or -HV_ENOMEM. */
int apicv_vcpu_init(struct vcpu *v);
void apicv_vcpu_free(struct vcpu *v);

/* Before VM entry (v's VMCS current): follow the guest's APIC mode, give
 * the model's changes to the page (and RVI/SVI, the EOI-exit bitmap), set
 * the TPR threshold. */
void apicv_update(struct vcpu *v);

#endif
