/*
 * Host unit tests of the tick path (vmx/slice_timer.h, vmx/vcpu_lapic.c):
 * a WRMSR to IA32_TSC_DEADLINE keeps the deadline in TSC units and re-arms
 * the VMX-preemption timer for min(slice end, board timers, LAPIC deadline)
 * without a board pass; when the deadline is due, the LAPIC timer alone
 * fires and its vector is posted into the virtual-APIC page (IRR and RVI)
 * with virtual-interrupt delivery. SDM Vol. 3A, "TSC-Deadline Mode"; Vol.
 * 3C, "VMX-Preemption Timer", "Virtual-Interrupt Delivery". The VMCS, the
 * board and the host are fakes (tests/fakes/vmx_fakes.h); the vLAPIC is
 * the real model, its guest TSC a settable counter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/slice_timer.h"
#include "vmx/apicv.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include <hv/apic_regs.h>
#include "tests/fakes/vmx_fakes.h"

#define GUEST_RIP   0x101000ULL
#define INSN_LEN    2
#define TSC_HZ      10000000ULL
#define VEC         0xECu
#define RATE        5                     /* IA32_VMX_MISC[4:0]: TSC / 32 */
#define GAP         1000ULL               /* run_params.timer_gap */
#define PROC_BASE   (PROC_CTL_HLT_EXITING | PROC_CTL_USE_IO_BITMAPS)
#define APICV_PROC2 (PROC2_CTL_VIRTUALIZE_APIC_ACCESSES | PROC2_CTL_APIC_REGISTER_VIRTUALIZATION)

static struct vm vm;
static struct vcpu *v = &vm.vcpu;
static struct vlapic *lapic = &vm.vcpu.lapic;
static uint64_t tsc;                      /* the guest TSC the model sees */

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return 0;
}

static uint64_t fake_tsc(void *ctx)
{
    (void)ctx;
    return tsc;
}

static void kick(void *ctx)
{
    vm_kick(ctx);
}

static const struct vclock clk = { clock_now, NULL };
static const struct vlapic_ops lapic_ops = { .kick = kick, .tsc_now = fake_tsc };

/* A vCPU with the LAPIC timer in TSC-deadline mode (vector VEC), in APIC
 * virtualization mode `mode`, its slice ending at tsc + 1e9; the model's
 * page given to the guest (as after an entry). */
static void start(enum apicv_mode mode)
{
    vlapic_mmio_write(lapic, LAPIC_LVT_TIMER, 4, LAPIC_LVT_TIMER_TSC_DEADLINE | VEC);
    apicv_configure(mode);
    assert_int_equal(apicv_mode(), mode);
    assert_int_equal(apicv_vcpu_init(v), 0);
    v->slice_deadline = tsc + 1000000000ULL;
    v->timers_tsc = tsc;
    slice_timer_arm(v, tsc);
    v->work = 0;
    vmcs_fake_forget_writes();
}

static int setup(void **state)
{
    (void)state;
    vmx_fakes_reset();
    memset(&vm, 0, sizeof(vm));
    strcpy(vm.name, "t");
    vm.state = VM_RUNNABLE;
    v->vm = &vm;
    vm.board_ops = &board_fake_ops;
    vm.next_event_tsc = vm.dev_next_tsc = UINT64_MAX;
    /* The WRMSR path arms from the host TSC: the guest's starts there. */
    tsc = rdtsc();
    vlapic_init(lapic, 0, true, &clk, TSC_HZ, &lapic_ops, &vm);
    vmx_ctls.preemption_timer = vmx_ctls.save_preemption_timer = true;
    vmx_ctls.preempt_rate = VMX_MISC_PREEMPT_RATE(0x7004C0 | RATE);
    run_params.timer_gap = GAP;
    vmx_ctls.apicv = vmx_ctls.apicv_vid = true;
    vmx_ctls.apicv_proc = PROC_CTL_USE_TPR_SHADOW;
    vmx_ctls.apicv_proc2 = APICV_PROC2;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE);
    vmcs_fake_set(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, 0);
    vmcs_fake_set(VMCS_GUEST_RIP, GUEST_RIP);
    vmcs_fake_set(VMCS_VM_EXIT_INSTRUCTION_LEN, INSN_LEN);
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 2);
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apicv_vcpu_free(v);
    return 0;
}

static void msr_regs(uint32_t msr, uint64_t value)
{
    v->regs.gpr[GPR_RCX] = msr;
    v->regs.gpr[GPR_RAX] = (uint32_t)value;
    v->regs.gpr[GPR_RDX] = value >> 32;
}

static void wrmsr_deadline(uint64_t value)
{
    msr_regs(MSR_IA32_TSC_DEADLINE, value);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 0);   /* no #GP */
}

static uint64_t rdmsr_deadline(void)
{
    msr_regs(MSR_IA32_TSC_DEADLINE, 0);
    assert_int_equal(exit_rdmsr(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 0);
    return (v->regs.gpr[GPR_RDX] << 32) | (uint32_t)v->regs.gpr[GPR_RAX];
}

static bool page_irr_has(unsigned vector)
{
    return v->vapic[(LAPIC_REG_IRR >> 2) + 4 * (vector / 32)] & (1u << (vector % 32));
}

static unsigned rvi(void)
{
    return vmcs_fake_get(VMCS_GUEST_INTERRUPT_STATUS) & 0xFF;
}

/* ---- the arithmetic ---- */

/* Whole timer ticks of 2^rate TSC cycles, rounded up (never early),
 * 32-bit saturated; a deadline not after now is 0 (exit at entry). */
static void test_ticks(void **state)
{
    (void)state;
    assert_int_equal(slice_timer_ticks(1000, 0, 0), 1000);
    assert_int_equal(slice_timer_ticks(1000, 0, 5), 32);          /* 31.25 */
    assert_int_equal(slice_timer_ticks(1024, 0, 5), 32);
    assert_int_equal(slice_timer_ticks(1025, 0, 5), 33);
    assert_int_equal(slice_timer_ticks(5000, 4000, 3), 125);
    assert_int_equal(slice_timer_ticks(10, 10, 0), 0);
    assert_int_equal(slice_timer_ticks(5, 10, 5), 0);
    assert_int_equal(slice_timer_ticks(1ULL << 40, 0, 0), 0xFFFFFFFFu);
    assert_int_equal(slice_timer_ticks(1ULL << 40, 0, 8), 0xFFFFFFFFu);      /* 2^32 */
    assert_int_equal(slice_timer_ticks(1ULL << 40, 0, 9), 1u << 31);
    assert_int_equal(VMX_MISC_PREEMPT_RATE(0x7004C0 | RATE), RATE);
}

/* The exit comes at the first of the slice's end, the board's timers (no
 * sooner than timer_gap after their last run) and the LAPIC deadline (no
 * floor). */
static void test_wake_is_the_minimum(void **state)
{
    (void)state;
    start(APICV_VID);
    uint64_t t0 = v->timers_tsc;
    assert_int_equal(slice_timer_wake(v), v->slice_deadline);
    vm.dev_next_tsc = t0 + 50000;
    assert_int_equal(slice_timer_wake(v), t0 + 50000);
    vm.dev_next_tsc = t0 + 10;                                     /* inside the gap */
    assert_int_equal(slice_timer_wake(v), t0 + GAP);
    assert_int_equal(vlapic_write_tsc_deadline(lapic, t0 + 20), 0);
    assert_int_equal(slice_timer_wake(v), t0 + 20);               /* no gap for it */
    vm.dev_next_tsc = UINT64_MAX;
    assert_int_equal(vlapic_write_tsc_deadline(lapic, v->slice_deadline + 1), 0);
    assert_int_equal(slice_timer_wake(v), v->slice_deadline);
}

/* The preemption timer gets the distance to the wake time in ticks of
 * 2^rate TSC cycles. */
static void test_arm_writes_scaled_value(void **state)
{
    (void)state;
    start(APICV_VID);
    uint64_t now = tsc;
    assert_int_equal(vlapic_write_tsc_deadline(lapic, now + 64000), 0);
    slice_timer_arm(v, now + 1000);
    assert_int_equal(v->wake_tsc, now + 64000);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VMX_PREEMPTION_TIMER_VALUE), 1);
    assert_int_equal(vmcs_fake_get(VMCS_VMX_PREEMPTION_TIMER_VALUE), 63000 / 32 + 1);
    /* Rate 0: one tick per TSC cycle. */
    vmx_ctls.preempt_rate = 0;
    slice_timer_arm(v, now);
    assert_int_equal(vmcs_fake_get(VMCS_VMX_PREEMPTION_TIMER_VALUE), 64000);
    /* Without the preemption timer (the host LAPIC timer ends slices) the
     * VMCS field is left alone. */
    vmx_ctls.preemption_timer = false;
    run_params.lapic_slice_timer = true;
    vmcs_fake_forget_writes();
    slice_timer_arm(v, now);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VMX_PREEMPTION_TIMER_VALUE), 0);
    assert_int_equal(v->wake_tsc, now + 64000);
}

/* ---- WRMSR IA32_TSC_DEADLINE ---- */

/* Stored in TSC units, read back as written, the VM's next event and the
 * preemption timer follow; no board pass, no board-timer work flagged. */
static void test_wrmsr_stores_and_arms(void **state)
{
    (void)state;
    start(APICV_VID);
    uint64_t deadline = tsc + 3200000;
    wrmsr_deadline(deadline);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RIP), GUEST_RIP + INSN_LEN);
    assert_int_equal(vlapic_tsc_next(lapic), deadline);
    assert_int_equal(rdmsr_deadline(), deadline);
    assert_int_equal(vm.next_event_tsc, deadline);
    assert_int_equal(v->wake_tsc, deadline);
    assert_int_equal(board_fake.timer_updates, 0);
    assert_false(v->work & (VCPU_WORK_TIMERS | VCPU_WORK_IRQ));
    /* Armed from the host TSC at the write, a little after `tsc`. */
    assert_int_equal(vmcs_fake_writes_to(VMCS_VMX_PREEMPTION_TIMER_VALUE), 1);
    uint64_t ticks = vmcs_fake_get(VMCS_VMX_PREEMPTION_TIMER_VALUE);
    assert_true(ticks <= 3200000 / 32);
    assert_true(ticks > 3200000 / 32 - 1000000 / 32);
    assert_false(page_irr_has(VEC));

    /* A later deadline than the slice's end leaves the timer as it was. */
    vmcs_fake_forget_writes();
    wrmsr_deadline(v->slice_deadline + 5);
    assert_int_equal(v->wake_tsc, v->slice_deadline);
    assert_int_equal(rdmsr_deadline(), v->slice_deadline + 5);
    vmcs_fake_forget_writes();
    wrmsr_deadline(v->slice_deadline + 7);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VMX_PREEMPTION_TIMER_VALUE), 0);
}

/* Writing 0 disarms: the MSR reads 0, the exit goes back to the slice's
 * end, nothing fires. */
static void test_wrmsr_zero_disarms(void **state)
{
    (void)state;
    start(APICV_VID);
    wrmsr_deadline(tsc + 100000);
    wrmsr_deadline(0);
    assert_true(vlapic_tsc_next(lapic) == UINT64_MAX);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_true(vm.next_event_tsc == UINT64_MAX);
    assert_int_equal(v->wake_tsc, v->slice_deadline);
    tsc += 200000;
    v->work |= VCPU_WORK_WAKE;
    assert_false(slice_timer_run(v, tsc));
    assert_false(page_irr_has(VEC));
    assert_int_equal(lapic->stats.timer_fired, 0);
}

/* A deadline in the past fires at once: with virtual-interrupt delivery the
 * vector is posted into the page's IRR and RVI; the MSR then reads 0. */
static void test_wrmsr_past_fires_at_once_posted(void **state)
{
    (void)state;
    start(APICV_VID);
    assert_int_equal(rvi(), 0);
    wrmsr_deadline(tsc - 1);
    assert_true(page_irr_has(VEC));
    assert_int_equal(rvi(), VEC);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_true(vlapic_tsc_next(lapic) == UINT64_MAX);
    assert_int_equal(lapic->stats.timer_fired, 1);
    assert_int_equal(board_fake.timer_updates, 0);
    assert_true(v->page_stale);                   /* the page stayed the guest's */
    /* Taking the page later finds the vector known, not a self-IPI. */
    apicv_sync(v);
    assert_int_equal(vlapic_pending(lapic), VEC);
    assert_int_equal(lapic->stats.ipi_self, 0);
}

/* The same without APIC virtualization: the model's IRR and a kick. */
static void test_wrmsr_past_fires_at_once_injected(void **state)
{
    (void)state;
    start(APICV_OFF);
    assert_null(v->vapic);
    wrmsr_deadline(tsc);                          /* equal to now: passed */
    assert_int_equal(vlapic_pending(lapic), VEC);
    assert_true(v->work & VCPU_WORK_IRQ);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_int_equal(lapic->stats.timer_fired, 1);
}

/* Outside TSC-deadline mode writes are ignored and the MSR reads 0. */
static void test_wrmsr_ignored_in_other_modes(void **state)
{
    (void)state;
    start(APICV_VID);
    apicv_sync(v);
    vlapic_mmio_write(lapic, LAPIC_LVT_TIMER, 4, VEC);            /* one-shot */
    wrmsr_deadline(tsc + 1000);
    assert_true(vlapic_tsc_next(lapic) == UINT64_MAX);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_int_equal(v->wake_tsc, v->slice_deadline);
    wrmsr_deadline(1);
    assert_int_equal(lapic->stats.timer_fired, 0);
    assert_int_equal(vlapic_pending(lapic), -1);
}

/* ---- the preemption-timer exit ---- */

/* Only the LAPIC deadline due: no board pass; the vector is posted (page
 * IRR, RVI), the MSR reads 0 and the timer goes back to the slice's end. */
static void test_fire_lapic_only(void **state)
{
    (void)state;
    start(APICV_VID);
    uint64_t deadline = tsc + 50000;
    wrmsr_deadline(deadline);
    tsc = deadline - 1;
    assert_false(slice_timer_run(v, tsc));                         /* not yet */
    assert_false(page_irr_has(VEC));
    assert_int_equal(rdmsr_deadline(), deadline);

    tsc = deadline;
    v->work |= VCPU_WORK_WAKE;
    assert_false(slice_timer_run(v, tsc));
    assert_false(v->work & VCPU_WORK_WAKE);
    assert_int_equal(board_fake.timer_updates, 0);
    assert_true(page_irr_has(VEC));
    assert_int_equal(rvi(), VEC);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_true(vm.next_event_tsc == UINT64_MAX);
    slice_timer_arm(v, tsc);
    assert_int_equal(v->wake_tsc, v->slice_deadline);
    assert_int_equal(vmcs_fake_get(VMCS_VMX_PREEMPTION_TIMER_VALUE),
                     (v->slice_deadline - tsc + 31) / 32);
}

/* RVI is the highest requested vector: a higher one stays. */
static void test_fire_keeps_higher_rvi(void **state)
{
    (void)state;
    start(APICV_VID);
    vmcs_fake_set(VMCS_GUEST_INTERRUPT_STATUS, 0x20F0);             /* SVI 0x20, RVI 0xF0 */
    wrmsr_deadline(tsc + 10);
    tsc += 10;
    slice_timer_run(v, tsc);
    assert_true(page_irr_has(VEC));
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPT_STATUS), 0x20F0);
}

/* A masked LVT: the timer fires (the MSR reads 0), nothing is posted. */
static void test_fire_masked(void **state)
{
    (void)state;
    start(APICV_VID);
    apicv_sync(v);
    vlapic_mmio_write(lapic, LAPIC_LVT_TIMER, 4,
                      LAPIC_LVT_TIMER_TSC_DEADLINE | LAPIC_LVT_MASKED | VEC);
    apicv_update(v);
    vmcs_fake_forget_writes();
    wrmsr_deadline(tsc + 10);
    tsc += 10;
    slice_timer_run(v, tsc);
    assert_int_equal(lapic->stats.timer_fired, 1);
    assert_int_equal(rdmsr_deadline(), 0);
    assert_false(page_irr_has(VEC));
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_INTERRUPT_STATUS), 0);
}

/* A board timer due, or touched (VCPU_WORK_TIMERS): the board pass runs
 * (it fires a due LAPIC timer itself) and starts the gap. */
static void test_board_pass_when_due(void **state)
{
    (void)state;
    start(APICV_VID);
    uint64_t t0 = tsc;
    vm.dev_next_tsc = t0 + 5000;
    tsc = t0 + 4999;
    assert_false(slice_timer_run(v, tsc));
    assert_int_equal(board_fake.timer_updates, 0);
    tsc = t0 + 5000;
    assert_true(slice_timer_run(v, tsc));
    assert_int_equal(board_fake.timer_updates, 1);
    assert_int_equal(v->timers_tsc, tsc);
    vm.dev_next_tsc = UINT64_MAX;
    v->work |= VCPU_WORK_TIMERS;
    assert_true(slice_timer_run(v, tsc + 1));
    assert_int_equal(board_fake.timer_updates, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wake_is_the_minimum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arm_writes_scaled_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrmsr_stores_and_arms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrmsr_zero_disarms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrmsr_past_fires_at_once_posted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrmsr_past_fires_at_once_injected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrmsr_ignored_in_other_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fire_lapic_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fire_keeps_higher_rvi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fire_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_board_pass_when_due, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
