/*
 * The vCPU's local APIC as the CPU reaches it without MMIO: its MSRs
 * (IA32_APIC_BASE, IA32_TSC_DEADLINE, the x2APIC range), CR8 (the task-
 * priority register in 64-bit mode) and the APIC-write and EOI-induced
 * exits of APIC virtualization. The model is drivers/virt/vlapic.c; the
 * rules are SDM Vol. 3A, "Advanced Programmable Interrupt Controller"
 * (x2APIC MSRs, TSC-deadline mode, "Task Priority Register").
 */
#include "vmx/vcpu_lapic.h"
#include "boot/msr.h"

void vcpu_lapic_take_page(struct vcpu *v)
{
    v->page_stale = false;
    vlapic_take_page(&v->lapic, v->vapic, v->vid);
    v->work |= VCPU_WORK_APICV;       /* apicv_update before the guest runs again */
}

struct vlapic *vcpu_lapic(struct vcpu *v)
{
    apicv_sync(v);
    return &v->lapic;
}

int vcpu_lapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    if (msr == MSR_IA32_APIC_BASE) {
        *val = vlapic_get_apic_base(&v->lapic);
        return 1;
    }
    if (msr == MSR_IA32_TSC_DEADLINE)
        return vlapic_read_tsc_deadline(&v->lapic, val) < 0 ? -1 : 1;
    if (vlapic_is_x2apic_msr(msr))
        return vlapic_msr_read(vcpu_lapic(v), msr, val) < 0 ? -1 : 1;
    return 0;
}

int vcpu_lapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    int rc;
    if (msr == MSR_IA32_APIC_BASE)
        rc = vlapic_set_apic_base(vcpu_lapic(v), val);
    else if (msr == MSR_IA32_TSC_DEADLINE)
        rc = vlapic_write_tsc_deadline(vcpu_lapic(v), val);
    else if (vlapic_is_x2apic_msr(msr))
        rc = vlapic_msr_write(vcpu_lapic(v), msr, val);
    else
        return 0;
    vm_timers_changed(v->vm);
    return rc < 0 ? -1 : 1;
}

void vcpu_lapic_write(struct vcpu *v, unsigned offset, uint32_t val)
{
    vlapic_mmio_write(vcpu_lapic(v), offset, 4, val);
    if (vlapic_reg_affects_timer(offset))
        vm_timers_changed(v->vm);
}

void vcpu_lapic_eoi_done(struct vcpu *v, uint8_t vector)
{
    vlapic_eoi_done(vcpu_lapic(v), vector);
}

void vcpu_set_cr8(struct vcpu *v, uint64_t cr8)
{
    vlapic_set_cr8(vcpu_lapic(v), cr8);
    vm_kick(v->vm);                       /* a lower priority may unblock an interrupt */
}

uint64_t vcpu_get_cr8(struct vcpu *v)
{
    return vlapic_get_cr8(vcpu_lapic(v));
}
