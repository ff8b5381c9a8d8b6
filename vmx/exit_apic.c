/*
 * Exits of APIC virtualization (vmx/apicv.h; SDM Vol. 3C, "APIC
 * Virtualization and Virtual Interrupts" and "Exit Qualification for APIC-
 * Access VM Exits").
 */
#include "vmx/exit.h"
#include "vmx/apicv.h"
#include "vmx/vcpu_lapic.h"
#include <hv/log.h>
#include "hv/lab.h"

#define APIC_ACCESS_OFFSET(q)   ((q) & 0xFFF)
#define APIC_ACCESS_TYPE(q)     (((q) >> 12) & 0xF)
#define APIC_ACCESS_LINEAR_READ  0
#define APIC_ACCESS_LINEAR_WRITE 1

/* An access the CPU does not virtualize (the timer's current count, an
 * unaligned or narrow access, a register past the last one): emulate the
 * instruction against the model like any MMIO (fault-like: RIP is on it). */
enum exit_action exit_apic_access(struct vcpu *v)
{
    uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    unsigned type = APIC_ACCESS_TYPE(q);

    if (type != APIC_ACCESS_LINEAR_READ && type != APIC_ACCESS_LINEAR_WRITE) {
        /* Instruction fetch or an access during event delivery from the
         * APIC page: nothing a working guest does. */
        vm_stop(v->vm, VM_END_EMULATION_FAILED, 0,
                "APIC access of type %u at offset %#llx, RIP %#llx", type,
                (unsigned long long)APIC_ACCESS_OFFSET(q),
                (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
        return EXIT_STOP_VM;
    }
    enum exit_action a = exit_emulate_mmio(v, LAPIC_DEFAULT_BASE + APIC_ACCESS_OFFSET(q), false, 0);
    apicv_update(v);
    return a;
}

/* A virtualized write has completed into the virtual-APIC page (trap-like:
 * RIP is past the instruction): hand the value to the model, then refresh
 * the page (an EOI, for one, changes ISR and PPR and must read as 0). */
enum exit_action exit_apic_write(struct vcpu *v)
{
    /* LAB 7 BEGIN exit_apic_write: the register's offset from the exit qualification, its new value from the virtual-APIC page, to the model (vcpu_lapic_write); EOI reads 0; refresh the page */
    unsigned off = APIC_ACCESS_OFFSET(vmcs_readnat(VMCS_EXIT_QUALIFICATION)) & ~0xFu;
    vcpu_lapic_write(v, off, v->vapic[off / 4]);
    if (off == LAPIC_REG_EOI)
        v->vapic[off / 4] = 0;        /* write-only: reads 0 (the model may not refill) */
    apicv_update(v);
    return EXIT_RESUME;
    /* LAB 7 END */
}

/* With virtual-interrupt delivery: the CPU has ended a vector whose EOI-
 * exit bitmap bit is set, i.e. a level-triggered one (trap-like; the
 * qualification is the vector; SDM "EOI Virtualization"). */
enum exit_action exit_virtualized_eoi(struct vcpu *v)
{
    vcpu_lapic_eoi_done(v, (uint8_t)vmcs_readnat(VMCS_EXIT_QUALIFICATION));
    return EXIT_RESUME;
}

/* The guest lowered its TPR below the class of a waiting interrupt. */
enum exit_action exit_tpr_below_threshold(struct vcpu *v)
{
    apicv_sync(v);                    /* takes the TPR: the model kicks the vCPU */
    return EXIT_RESUME;
}
