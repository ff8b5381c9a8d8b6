/*
 * The vCPU's local APIC reached by MSRs, CR8 and APIC-virtualization exits
 * (vmx/vcpu_lapic.c). Memory-mapped accesses that exit go to the same model
 * through the board's MMIO range (vmm/board.c).
 */
#ifndef VMX_VCPU_LAPIC_H
#define VMX_VCPU_LAPIC_H

#include "vmm/vm.h"

/* Before the model is used inside vmx/: vcpu_lapic (vmm/vm.h) without the
 * pointer. Needs no current VMCS. */
static inline void apicv_sync(struct vcpu *v)
{
    if (v->page_stale)
        vcpu_lapic_take_page(v);
}

/* The LAPIC timer's TSC deadline is due: it fires, and its vector goes to
 * the guest (posted into the virtual-APIC page with virtual-interrupt
 * delivery, else through the model's IRR and the kick). Current VMCS. */
void vcpu_lapic_timer_fire(struct vcpu *v);

/* The local APIC's MSRs. 1 = handled, 0 = not a LAPIC MSR, -1 = #GP. */
int vcpu_lapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vcpu_lapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* vcpu_lapic_wrmsr of IA32_TSC_DEADLINE, for the WRMSR exit's fast path. */
int vcpu_lapic_write_tsc_deadline(struct vcpu *v, uint64_t val);
/* A 32-bit write of the xAPIC register at `offset` that arrived without
 * MMIO emulation (APIC-write exits; the TPR taken from the virtual-APIC page). */
void vcpu_lapic_write(struct vcpu *v, unsigned offset, uint32_t val);
/* The CPU did the EOI of a level-triggered vector (an EOI-induced exit). */
void vcpu_lapic_eoi_done(struct vcpu *v, uint8_t vector);
/* CR8 is the local APIC's task-priority register (64-bit guests). */
void vcpu_set_cr8(struct vcpu *v, uint64_t cr8);
uint64_t vcpu_get_cr8(struct vcpu *v);

#endif
