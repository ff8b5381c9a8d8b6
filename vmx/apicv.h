/*
 * APIC virtualization (SDM Vol. 3C, "APIC Virtualization and Virtual
 * Interrupts"), used where the CPU offers TPR shadow, virtualized APIC
 * accesses and APIC-register virtualization (vmx_ctls.apicv) and the boot
 * option apicv=off does not turn it off.
 *
 * The guest-physical xAPIC page maps (EPT) to the APIC-access page, so the
 * CPU serves guest reads of most LAPIC registers from the vCPU's virtual-
 * APIC page, which the vLAPIC model keeps current (vlapic_fill_page): no VM
 * exit. Writes complete into that page and then exit (APIC-write, trap-
 * like), and go to the model; TPR writes only exit when they drop below
 * the TPR threshold (a waiting interrupt became deliverable). Reads of the
 * timer's current count and odd accesses exit as APIC accesses and are
 * emulated like other MMIO. Interrupts are still injected by the hypervisor
 * (no virtual-interrupt delivery). While the guest's APIC is not in xAPIC
 * mode at its default base, the page is unmapped and the controls are off:
 * the EPT-trapped path of before answers.
 */
#ifndef VMX_APICV_H
#define VMX_APICV_H

#include "vmx/vm.h"

/* Boot option apicv=on|off (default on where the CPU offers it). */
void apicv_configure(const char *cmdline);
bool apicv_enabled(void);

/* Set up v's virtual-APIC page and controls (its VMCS current). Returns 0,
 * also when APIC virtualization is off, or -HV_ENOMEM. */
int apicv_vcpu_init(struct vcpu *v);
void apicv_vcpu_free(struct vcpu *v);

/* Before VM entry: follow the guest's APIC mode, refresh the page where the
 * model changed, and set the TPR threshold. */
void apicv_update(struct vcpu *v);

/* Before the model's TPR is relied on or changed (CR8): take a TPR the
 * guest wrote into the virtual-APIC page (no exit) into the model. */
void apicv_take_tpr(struct vcpu *v);
static inline void apicv_pull_tpr(struct vcpu *v)
{
    if (v->apicv_active && v->vapic[LAPIC_REG_TPR / 4] != v->vtpr_seen)
        apicv_take_tpr(v);
}

#endif
