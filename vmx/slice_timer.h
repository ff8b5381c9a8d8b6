/*
 * When the running vCPU's guest exits next, and what runs then: the end of
 * its slice, the VM's device timers (a board pass: PIT, RTC, the LAPIC's
 * one-shot and periodic modes, computed in ns and cached in TSC units in
 * vm->dev_next_tsc), and the LAPIC's TSC deadline (vlapic_tsc_next), which
 * stays in TSC units: writing IA32_TSC_DEADLINE and taking the timer
 * interrupt it arms cost no conversion and no board pass.
 *
 * Guests run with TSC offset 0 (vmm/board.c's guest_tsc), so a guest's TSC
 * deadline is a host TSC time, comparable with the slice's end.
 *
 * The VMX-preemption timer counts down once every 2^rate TSC cycles, rate
 * being IA32_VMX_MISC bits 4:0 (SDM Vol. 3C, "VMX-Preemption Timer"); the
 * guest exits when it reaches 0. Without it the host LAPIC timer ends the
 * slice (vcpu.c). Static inline: vcpu.c's exit path and the host tests
 * (tests/unit/test_slice_timer.c) use them.
 */
#ifndef VMX_SLICE_TIMER_H
#define VMX_SLICE_TIMER_H

#include "vmx/vcpu.h"
#include "vmx/vcpu_lapic.h"
#include "vmx/vmcs.h"
#include "drivers/hw/lapic.h"
#include "boot/x86.h"

/* When the VM's own board timers are next due inside its slice: their next
 * event, but no sooner than timer_gap after they last ran (a timer chip set
 * to fire every microsecond is coalesced). The LAPIC's TSC deadline has no
 * such floor: each expiry costs the guest a WRMSR exit of its own. */
static inline uint64_t own_timers_due(const struct vcpu *v)
{
    return MAX(v->vm->dev_next_tsc, v->timers_tsc + run_params.timer_gap);
}

/* The TSC time the guest must exit at: the slice's end, its board timers,
 * its LAPIC's TSC deadline, whichever is first. */
static inline uint64_t slice_timer_wake(const struct vcpu *v)
{
    uint64_t t = MIN(v->slice_deadline, own_timers_due(v));
    return MIN(t, vlapic_tsc_next(&v->lapic));
}

/* The VMX-preemption timer value that expires no sooner than `deadline`
 * from `now`: rounded up to whole timer ticks, saturated at 32 bits. */
static inline uint32_t slice_timer_ticks(uint64_t deadline, uint64_t now, unsigned rate)
{
    if (deadline <= now)
        return 0;
    uint64_t ticks = ((deadline - now) + ((1ULL << rate) - 1)) >> rate;
    return ticks > 0xFFFFFFFFULL ? 0xFFFFFFFFu : (uint32_t)ticks;
}

/* Arm the exit for slice_timer_wake at TSC time `now`. */
static inline void slice_timer_arm(struct vcpu *v, uint64_t now)
{
    uint64_t deadline = slice_timer_wake(v);
    v->wake_tsc = deadline;
    if (vmx_ctls.preemption_timer)
        vmcs_write32(VMCS_VMX_PREEMPTION_TIMER_VALUE,
                     slice_timer_ticks(deadline, now, vmx_ctls.preempt_rate));
    else if (run_params.lapic_slice_timer)
        lapic_timer_arm(deadline);
}

/*
 * What is due at TSC time `now` runs: a board pass when a board timer was
 * touched (VCPU_WORK_TIMERS) or is due (it fires the LAPIC timer too when
 * that is due); else, when only the LAPIC's TSC deadline is due, that timer
 * alone (its vector goes to IRR, the kick asks for delivery). Returns
 * whether the board pass ran; the caller then arms the exit again
 * (slice_timer_arm), with a fresh TSC after a pass.
 */
static inline bool slice_timer_run(struct vcpu *v, uint64_t now)
{
    struct vm *vm = v->vm;
    bool pass = (v->work & VCPU_WORK_TIMERS) || now >= own_timers_due(v);
    v->work &= (uint8_t)~VCPU_WORK_WAKE;
    if (pass) {
        v->timers_tsc = now;
        vm->board_ops->update_timers(vm);
    } else if (now >= vlapic_tsc_next(&v->lapic)) {
        vcpu_lapic_timer_fire(v);
        vm->next_event_tsc = MIN(vm->dev_next_tsc, vlapic_tsc_next(&v->lapic));
    }
    return pass;
}

#endif
