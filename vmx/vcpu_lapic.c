/*
 * The vCPU's local APIC as the CPU reaches it without MMIO: its MSRs
 * (IA32_APIC_BASE, IA32_TSC_DEADLINE, the x2APIC range), CR8 (the task-
 * priority register in 64-bit mode) and the APIC-write and EOI-induced
 * exits of APIC virtualization. The model is drivers/virt/vlapic.c; the
 * rules are SDM Vol. 3A, "Advanced Programmable Interrupt Controller"
 * (x2APIC MSRs, TSC-deadline mode, "Task Priority Register").
 */
#include "vmx/vcpu_lapic.h"
#include "vmx/slice_timer.h"
#include "vmx/vmcs.h"
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

/*
 * The LAPIC's TSC deadline is due (vmx/slice_timer.h; a WRMSR of a passed
 * deadline). With virtual-interrupt delivery, while the virtual-APIC page is
 * the guest's (page_stale), the vector is posted straight into the page's
 * IRR and RVI raised, as posted-interrupt processing does: VM entry
 * evaluates pending virtual interrupts and the CPU delivers it (SDM Vol. 3C,
 * "Virtual-Interrupt Delivery", "Posted-Interrupt Processing"). The model's
 * IRR gets the bit too, so taking the page later finds nothing new. Else
 * the model is brought up to date and advanced; its kick asks for delivery.
 */
void vcpu_lapic_timer_fire(struct vcpu *v)
{
    if (v->vid && v->page_stale) {
        int vec = vlapic_fire_tsc_deadline(&v->lapic);
        if (vec >= 0) {
            v->vapic[(LAPIC_REG_IRR >> 2) + 4 * ((unsigned)vec >> 5)] |= 1u << (vec & 31);
            uint16_t status = vmcs_read16(VMCS_GUEST_INTERRUPT_STATUS);
            if ((status & 0xFF) < (unsigned)vec)
                vmcs_write16(VMCS_GUEST_INTERRUPT_STATUS, (uint16_t)((status & 0xFF00) | vec));
            return;
        }
        if (vec != VLAPIC_FIRE_ADVANCE)
            return;
    }
    vlapic_advance(vcpu_lapic(v));
}

/*
 * IA32_TSC_DEADLINE, the tick of a tickless guest: the deadline is stored in
 * TSC units and the slice timer re-armed here when the guest must now exit
 * at another time (vmx/slice_timer.h); no board pass, no conversion, no
 * division. The model's timer mode is current without the virtual-APIC
 * page (LVT writes exit), so the page is taken only when a deadline already
 * passed fires at once.
 */
int vcpu_lapic_write_tsc_deadline(struct vcpu *v, uint64_t val)
{
    int rc = vlapic_write_tsc_deadline_inline(&v->lapic, val);
    if (unlikely(rc < 0))
        return -1;
    if (rc > 0)
        vcpu_lapic_timer_fire(v);       /* a deadline already passed fires at once */
    vm_lapic_deadline_changed(v->vm);
    if (slice_timer_wake(v) != v->wake_tsc)
        slice_timer_arm(v, rdtsc());
    return 1;
}

int vcpu_lapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    int rc;
    if (msr == MSR_IA32_TSC_DEADLINE)
        return vcpu_lapic_write_tsc_deadline(v, val);
    if (msr == MSR_IA32_APIC_BASE)
        rc = vlapic_set_apic_base(vcpu_lapic(v), val);
    else if (vlapic_is_x2apic_msr(msr)) {
        rc = vlapic_msr_write(vcpu_lapic(v), msr, val);
        /* x2APIC MSR 0x800 + n is the xAPIC register at offset n * 16. */
        if (!vlapic_reg_affects_timer((uint64_t)(msr - MSR_X2APIC_FIRST) << 4))
            return rc < 0 ? -1 : 1;
    } else {
        return 0;
    }
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
