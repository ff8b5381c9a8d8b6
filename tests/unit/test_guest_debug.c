/*
 * Host unit tests of guest debugging's VT-x mechanism (vmx/guest_debug.c:
 * vcpu_set_guest_debug and the MTF, #BP, #DB and caught-exception exits)
 * against the fake VMCS (tests/fakes/vmcs_fake.c): the monitor trap flag
 * and RFLAGS.TF of a single step, the exception-bitmap bits, DR0-DR3 and
 * DR7 of hardware breakpoints and the guest's own values coming back, and
 * the stops reported to vm->debug_ops (SDM Vol. 3C, "Exception Bitmap",
 * "Monitor Trap Flag"; Vol. 3B, "Debug Registers").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include <hv/errno.h>
#include "tests/fakes/vmx_fakes.h"

#define PROC_BASE   (PROC_CTL_HLT_EXITING | PROC_CTL_USE_IO_BITMAPS)
#define GUEST_RIP   0x101000ULL
#define INSN_LEN    1
#define DR6_BS      BIT(14)
#define GUEST_DR7   0x401ULL          /* the guest's own: L0 */

static struct vm vm;
static struct vcpu *v = &vm.vcpu;

/* What the debugger above saw, and what it answers. */
static struct {
    unsigned calls;
    struct vcpu_stop last;
    bool take;
} dbg;

static bool fake_stop(struct vcpu *vc, const struct vcpu_stop *why)
{
    assert_ptr_equal(vc, v);
    dbg.calls++;
    dbg.last = *why;
    return dbg.take;
}

static const struct vm_debug_ops fake_ops = { fake_stop };

static int setup(void **state)
{
    (void)state;
    vmx_fakes_reset();
    memset(&vm, 0, sizeof(vm));
    memset(&dbg, 0, sizeof(dbg));
    strcpy(vm.name, "t");
    vm.state = VM_RUNNABLE;
    v->vm = &vm;
    vm.debug_ops = &fake_ops;
    dbg.take = true;
    vmx_ctls.monitor_trap_flag = true;
    vmcs_fake_set(VMCS_EXCEPTION_BITMAP, 0);
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE);
    vmcs_fake_set(VMCS_GUEST_RIP, GUEST_RIP);
    vmcs_fake_set(VMCS_VM_EXIT_INSTRUCTION_LEN, INSN_LEN);
    for (unsigned i = 0; i < 4; i++)
        vmx_env_fake.dr[i] = 0x1000 * (i + 1);     /* the guest's own DR0-DR3 */
    vmcs_fake_set(VMCS_GUEST_DR7, GUEST_DR7);
    return 0;
}

static void set_debug(uint32_t control)
{
    const struct vcpu_debug d = { .control = control };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
}

static void test_enable_traps_breakpoints_only(void **state)
{
    (void)state;
    set_debug(VCPU_DEBUG_ENABLE);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(3));
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_BASE);
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_DR7), 0);
    assert_true(vmx_fake_insns.vmptrld > 0);       /* v's VMCS made current first */
}

static void test_step_by_monitor_trap_flag(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 0x202);
    set_debug(VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL),
                     PROC_BASE | PROC_CTL_MONITOR_TRAP_FLAG);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(3));   /* no #DB exits */
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_RFLAGS), 0);     /* TF untouched */

    /* The instruction is done: the trap flag goes off, the step is over. */
    assert_int_equal(exit_dispatch(v, EXIT_REASON_MONITOR_TRAP_FLAG), EXIT_YIELD);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_BASE);
    assert_int_equal(dbg.calls, 1);
    assert_int_equal(dbg.last.kind, VCPU_STOP_STEP);
    assert_int_equal(v->debug.set.control, VCPU_DEBUG_ENABLE);
}

/* An MTF exit with no step asked for (one left over) reports nothing. */
static void test_stray_monitor_trap_flag_exit(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE | PROC_CTL_MONITOR_TRAP_FLAG);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_MONITOR_TRAP_FLAG), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_BASE);
    assert_int_equal(dbg.calls, 0);
}

static void test_continue_turns_monitor_trap_flag_off(void **state)
{
    (void)state;
    set_debug(VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP);
    set_debug(VCPU_DEBUG_ENABLE);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_BASE);
}

/* Without the monitor trap flag: RFLAGS.TF and #DB exiting; the guest's own
 * TF is back when the step's #DB arrives. */
static void step_by_tf(uint64_t guest_tf)
{
    vmx_ctls.monitor_trap_flag = false;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 0x202 | guest_tf);
    set_debug(VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP);
    assert_int_equal(vmcs_fake_writes_to(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), 0);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RFLAGS), 0x202 | RFLAGS_TF);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(1) | BIT(3));

    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | 1);
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, DR6_BS);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_YIELD);
    assert_int_equal(dbg.calls, 1);
    assert_int_equal(dbg.last.kind, VCPU_STOP_STEP);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RFLAGS), 0x202 | guest_tf);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(3));
    assert_false(v->debug.step_tf);
    assert_int_equal(v->debug.set.control, VCPU_DEBUG_ENABLE);
    assert_false(vmcs_fake_is_set(VMCS_VM_ENTRY_INTERRUPTION_INFO));   /* not the guest's */
}

static void test_step_by_tf(void **state)
{
    (void)state;
    step_by_tf(0);
}

static void test_step_by_tf_keeps_guest_tf(void **state)
{
    (void)state;
    step_by_tf(RFLAGS_TF);
}

/* Hardware breakpoints: DR0-DR3 and DR7 (L<i>, R/W<i>, LEN<i>), the
 * guest's own values saved with the first and back after the last. */
static void test_hw_breakpoints_dr7(void **state)
{
    (void)state;
    struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE };
    d.hw[0] = (struct vcpu_hw_break){ VCPU_HW_EXEC, 0x100030, 1 };
    d.hw[1] = (struct vcpu_hw_break){ VCPU_HW_WRITE, 0x200004, 4 };
    d.hw[3] = (struct vcpu_hw_break){ VCPU_HW_ACCESS, 0x300008, 8 };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    /* L0 L1 L3; R/W1 01 LEN1 11; R/W3 11 LEN3 10; bit 10 */
    uint64_t dr7 = 0x400 | BIT(0) | BIT(2) | BIT(6) | (0xDULL << 20) | (0xBULL << 28);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_DR7), dr7);
    assert_int_equal(vmx_env_fake.dr[0], 0x100030);
    assert_int_equal(vmx_env_fake.dr[1], 0x200004);
    assert_int_equal(vmx_env_fake.dr[2], 0);
    assert_int_equal(vmx_env_fake.dr[3], 0x300008);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(1) | BIT(3));

    /* One less: the guest's values stay put away. */
    d.hw[0].kind = VCPU_HW_NONE;
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_DR7), dr7 & ~(uint64_t)BIT(0));
    assert_int_equal(vmx_env_fake.dr[0], 0);

    /* None: the guest's own DR0-DR3 and DR7 again, no #DB exits. */
    d.hw[1].kind = d.hw[3].kind = VCPU_HW_NONE;
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_DR7), GUEST_DR7);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vmx_env_fake.dr[i], 0x1000 * (i + 1));
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(3));
}

static void test_hw_breakpoint_hit_reports_slot(void **state)
{
    (void)state;
    struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE };
    d.hw[2] = (struct vcpu_hw_break){ VCPU_HW_WRITE, 0x200000, 2 };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | 1);
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(2));
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_YIELD);
    assert_int_equal(dbg.last.kind, VCPU_STOP_HW);
    assert_int_equal(dbg.last.slot, 2);
}

/* A #DB that is none of ours (the guest's own DR7 or TF) goes back to the
 * guest, with its DR6 bits from the exit qualification. */
static void test_guest_db_goes_to_guest(void **state)
{
    (void)state;
    struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE };
    d.hw[0] = (struct vcpu_hw_break){ VCPU_HW_EXEC, 0x100030, 1 };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    vmx_env_fake.dr[6] = 0xFFFF0FF0;
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | 1);
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, DR6_BS);           /* the guest's own TF */
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_RESUME);
    assert_int_equal(dbg.calls, 0);
    assert_int_equal(vmx_env_fake.dr[6], 0xFFFF0FF0 | DR6_BS);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | 1);
}

static void test_breakpoint_taken_by_debugger(void **state)
{
    (void)state;
    set_debug(VCPU_DEBUG_ENABLE);
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_YIELD);
    assert_int_equal(dbg.last.kind, VCPU_STOP_BREAKPOINT);
    assert_int_equal(dbg.last.addr, GUEST_RIP);
    assert_false(vmcs_fake_is_set(VMCS_VM_ENTRY_INTERRUPTION_INFO));
}

/* The guest's own INT3: declined, so the #BP is the guest's, delivered past
 * the INT3 as the software exception it was. */
static void test_breakpoint_declined_goes_to_guest(void **state)
{
    (void)state;
    set_debug(VCPU_DEBUG_ENABLE);
    dbg.take = false;
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_RESUME);
    assert_int_equal(dbg.calls, 1);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INSTRUCTION_LEN), INSN_LEN);
}

static void test_caught_exception(void **state)
{
    (void)state;
    const struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE, .exceptions = BIT(13) | BIT(6) };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), BIT(3) | BIT(6) | BIT(13));

    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO,
                  INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_ERROR_CODE | 13);
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE, 0x18);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_YIELD);
    assert_int_equal(dbg.last.kind, VCPU_STOP_EXCEPTION);
    assert_int_equal(dbg.last.vector, 13);
    assert_true(dbg.last.has_error_code);
    assert_int_equal(dbg.last.error_code, 0x18);
    assert_false(vmcs_fake_is_set(VMCS_VM_ENTRY_INTERRUPTION_INFO));

    /* Declined: the #GP goes to the guest with its error code. */
    dbg.take = false;
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_ERROR_CODE | 13);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 0x18);
}

/* Control 0 undoes everything: no exception exits, no trap flag, the
 * guest's TF and debug registers back. */
static void test_off_undoes_everything(void **state)
{
    (void)state;
    vmx_ctls.monitor_trap_flag = false;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 0x202);
    struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP,
                            .exceptions = BIT(0) };
    d.hw[1] = (struct vcpu_hw_break){ VCPU_HW_ACCESS, 0x200000, 1 };
    assert_int_equal(vcpu_set_guest_debug(v, &d), 0);
    const struct vcpu_debug off = { 0 };
    assert_int_equal(vcpu_set_guest_debug(v, &off), 0);
    assert_int_equal(vmcs_fake_get(VMCS_EXCEPTION_BITMAP), 0);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RFLAGS), 0x202);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_DR7), GUEST_DR7);
    assert_int_equal(vmx_env_fake.dr[1], 0x2000);
    assert_false(v->debug.step_tf);
}

/* What DR7 cannot express, and unknown bits, are refused with nothing
 * written. */
static void test_refused_settings(void **state)
{
    (void)state;
    static const struct vcpu_hw_break bad[] = {
        { VCPU_HW_WRITE, 0x200002, 4 },          /* not aligned to its length */
        { VCPU_HW_ACCESS, 0x200000, 3 },         /* no such length */
        { VCPU_HW_WRITE, 0x200000, 16 },
        { (enum vcpu_hw_break_kind)7, 0x200000, 1 },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE };
        d.hw[0] = bad[i];
        assert_int_equal(vcpu_set_guest_debug(v, &d), -HV_EINVAL);
    }
    struct vcpu_debug d = { .control = VCPU_DEBUG_ENABLE, .exceptions = BIT(14) };   /* #PF */
    assert_int_equal(vcpu_set_guest_debug(v, &d), -HV_EINVAL);
    d = (struct vcpu_debug){ .control = BIT(5) | VCPU_DEBUG_ENABLE };
    assert_int_equal(vcpu_set_guest_debug(v, &d), -HV_EINVAL);
    assert_int_equal(vmcs_fake_nwrites(), 0);
}

static void test_step_method(void **state)
{
    (void)state;
    assert_string_equal(vcpu_debug_step_method(), "the monitor trap flag");
    vmx_ctls.monitor_trap_flag = false;
    assert_string_equal(vcpu_debug_step_method(), "RFLAGS.TF");
}

/* No debugger registered (vm->debug_ops NULL): a step ends quietly. */
static void test_no_debugger_resumes(void **state)
{
    (void)state;
    vm.debug_ops = NULL;
    set_debug(VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_MONITOR_TRAP_FLAG), EXIT_RESUME);
    assert_int_equal(dbg.calls, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_enable_traps_breakpoints_only),
        T(test_step_by_monitor_trap_flag),
        T(test_stray_monitor_trap_flag_exit),
        T(test_continue_turns_monitor_trap_flag_off),
        T(test_step_by_tf),
        T(test_step_by_tf_keeps_guest_tf),
        T(test_hw_breakpoints_dr7),
        T(test_hw_breakpoint_hit_reports_slot),
        T(test_guest_db_goes_to_guest),
        T(test_breakpoint_taken_by_debugger),
        T(test_breakpoint_declined_goes_to_guest),
        T(test_caught_exception),
        T(test_off_undoes_everything),
        T(test_refused_settings),
        T(test_step_method),
        T(test_no_debugger_resumes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
