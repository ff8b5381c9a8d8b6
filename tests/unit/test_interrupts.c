/*
 * Host unit tests of interrupt and NMI delivery (vmx/interrupts.c) against
 * the fake VMCS (tests/fakes/vmcs_fake.c), with the vCPU's local APIC the
 * real model and a fake board whose PIC raises its interrupt on LINT0: when an external interrupt is injected and when
 * the interrupt window is opened instead (RFLAGS.IF, STI and MOV-SS
 * blocking, an event already queued), re-injection of an event whose
 * delivery an exit interrupted, and the NMI rules with and without virtual
 * NMIs and NMI-window exiting (SDM Vol. 3C, "Event Injection",
 * "Interrupt-Window Exiting", "Virtual NMIs", "NMI-Window Exiting").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/interrupts.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "tests/fakes/vmx_fakes.h"

#define PROC_BASE   (PROC_CTL_HLT_EXITING | PROC_CTL_USE_IO_BITMAPS)
#define EXTINT(v)   (INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (v))
#define NMI_INFO    (INTR_INFO_VALID | INTR_TYPE_NMI | 2)

static struct vm vm;
static struct vcpu *v = &vm.vcpu;
static struct vlapic *lapic = &vm.vcpu.lapic;

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct vclock clk = { clock_now, NULL };

/* An edge on LINT1, which a BSP's LVT has in NMI mode: one NMI pending. */
static void raise_nmi(void)
{
    vlapic_set_lint(lapic, 1, false);
    vlapic_set_lint(lapic, 1, true);
    assert_true(vlapic_nmi_pending(lapic));
}

static void lapic_raise(uint8_t vector)
{
    assert_true(vlapic_accept(lapic, vector, false));
}

static bool in_service(uint8_t vector)
{
    return lapic->isr[vector / 32] & (1u << (vector % 32));
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
    vlapic_init(lapic, 0, true, &clk, 0, NULL, NULL);        /* virtual wire: the PIC passes */
    v->work = VCPU_WORK_IRQ;
    vmx_ctls.virtual_nmis = vmx_ctls.nmi_window = true;
    /* What the CPU leaves at an exit: no event queued for the next entry. */
    vmcs_fake_set(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE);
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE);       /* protected mode: exceptions carry codes */
    return 0;
}

static void guest_state(uint64_t rflags, uint32_t interruptibility)
{
    vmcs_fake_set(VMCS_GUEST_RFLAGS, rflags | 2);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, interruptibility);
}

static uint32_t proc(void)
{
    return (uint32_t)vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
}

static void assert_window(bool irq_window, bool nmi_window)
{
    assert_int_equal(!!(proc() & PROC_CTL_INTERRUPT_WINDOW_EXITING), irq_window);
    assert_int_equal(v->window_exiting, irq_window);
    assert_int_equal(!!(proc() & PROC_CTL_NMI_WINDOW_EXITING), nmi_window);
    assert_int_equal(v->nmi_window_exiting, nmi_window);
    assert_int_equal(proc() & ~(uint32_t)(PROC_CTL_INTERRUPT_WINDOW_EXITING |
                                          PROC_CTL_NMI_WINDOW_EXITING), PROC_BASE);
}

static void assert_nothing_injected(void)
{
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 0);
}

static void assert_injected(uint32_t info)
{
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 1);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO), info);
}

/* ---- external interrupts ---- */

static void test_nothing_pending_closes_windows(void **state)
{
    (void)state;
    v->window_exiting = true;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE | PROC_CTL_INTERRUPT_WINDOW_EXITING);
    vcpu_deliver_interrupts(v);
    assert_window(false, false);
    assert_nothing_injected();
    assert_false(v->work & VCPU_WORK_IRQ);
}

static void test_if0_opens_interrupt_window(void **state)
{
    (void)state;
    lapic_raise(0x30);
    guest_state(0, 0);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_int_equal(vlapic_pending(lapic), 0x30);  /* not acknowledged: still pending */
    assert_window(true, false);
    assert_true(v->work & VCPU_WORK_IRQ);
}

static void test_if1_injects_and_closes_window(void **state)
{
    (void)state;
    lapic_raise(0x30);
    v->window_exiting = true;                       /* opened earlier; this is its exit */
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE | PROC_CTL_INTERRUPT_WINDOW_EXITING);
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(EXTINT(0x30));
    assert_true(in_service(0x30));                  /* acknowledged: IRR -> ISR */
    assert_int_equal(vlapic_pending(lapic), -1);
    assert_int_equal(vm.irqs_injected, 1);
    assert_window(false, false);
    assert_false(v->work & VCPU_WORK_IRQ);
}

/* The PIC's interrupt, through LINT0 in virtual-wire mode (ExtINT). */
static void test_if1_window_already_closed_is_not_rewritten(void **state)
{
    (void)state;
    board_fake.pending = 0x41;
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(EXTINT(0x41));
    assert_int_equal(board_fake.acks, 1);
    assert_int_equal(vmcs_fake_writes_to(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), 0);
}

static void test_sti_blocking_waits_for_window(void **state)
{
    (void)state;
    lapic_raise(0x30);
    guest_state(RFLAGS_IF, INTERRUPTIBILITY_STI);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_window(true, false);
}

static void test_mov_ss_blocking_waits_for_window(void **state)
{
    (void)state;
    lapic_raise(0x30);
    guest_state(RFLAGS_IF, INTERRUPTIBILITY_MOV_SS);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_window(true, false);
}

static void test_second_pending_keeps_window_open(void **state)
{
    (void)state;
    board_fake.pending = 0x30;
    board_fake.after_ack = 0x28;                    /* another one behind it */
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(EXTINT(0x30));
    assert_window(true, false);
    assert_true(v->work & VCPU_WORK_IRQ);
}

/* An exception queued by the exit handler goes in first; the interrupt
 * waits for the window. */
static void test_queued_exception_goes_first(void **state)
{
    (void)state;
    lapic_raise(0x30);
    guest_state(RFLAGS_IF, 0);
    vcpu_inject_gp(v);
    vcpu_deliver_interrupts(v);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_ERROR_CODE | 13);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 1);
    assert_false(in_service(0x30));
    assert_window(true, false);
}

/* The local APIC's interrupt goes before the PIC's. */
static void test_lapic_before_pic(void **state)
{
    (void)state;
    lapic_raise(0x50);
    board_fake.pending = 0x20;
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(EXTINT(0x50));
    assert_int_equal(board_fake.acks, 0);
    assert_window(true, false);                     /* the PIC's waits for the next window */
}

/* With virtual-interrupt delivery the CPU delivers the local APIC's
 * interrupts itself (from RVI): nothing to inject, no window. */
static void test_vid_leaves_lapic_interrupts_to_the_cpu(void **state)
{
    (void)state;
    v->vid = true;
    lapic_raise(0x50);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_window(false, false);
    assert_false(v->work & VCPU_WORK_IRQ);
    assert_true(vcpu_interrupt_pending(v));         /* but a HLT must not sleep */
}

/* ---- re-injection from the IDT-vectoring information ---- */

static void test_reinjected_page_fault_goes_first(void **state)
{
    (void)state;
    uint32_t pf = INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_ERROR_CODE | 14;
    vmcs_fake_set(VMCS_IDT_VECTORING_ERROR_CODE, 0x2);
    v->work = 0;
    vcpu_reinject_vectoring(v, pf);
    assert_injected(pf);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 0x2);
    assert_true(v->work & VCPU_WORK_IRQ);

    lapic_raise(0x30);
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(pf);                            /* not replaced by the interrupt */
    assert_false(in_service(0x30));
    assert_window(true, false);
}

static void test_reinjected_external_interrupt(void **state)
{
    (void)state;
    vcpu_reinject_vectoring(v, EXTINT(0x30));
    assert_injected(EXTINT(0x30));
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INSTRUCTION_LEN), 0);
}

static void test_reinjected_software_interrupt_keeps_length(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_VM_EXIT_INSTRUCTION_LEN, 2);
    vcpu_reinject_vectoring(v, INTR_INFO_VALID | INTR_TYPE_SOFT_INTERRUPT | 0x80);
    assert_injected(INTR_INFO_VALID | INTR_TYPE_SOFT_INTERRUPT | 0x80);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INSTRUCTION_LEN), 2);
}

static void test_reinjected_nmi_clears_nmi_blocking(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI);
    /* bit 12 (NMI unblocking) is undefined in the entry field: dropped */
    vcpu_reinject_vectoring(v, NMI_INFO | BIT(12));
    assert_injected(NMI_INFO);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPTIBILITY_STATE), INTERRUPTIBILITY_STI);
}

/* ---- NMIs ---- */

static void test_nmi_injected_whatever_if_says(void **state)
{
    (void)state;
    raise_nmi();
    guest_state(0, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(NMI_INFO);
    assert_false(vlapic_nmi_pending(lapic));        /* taken */
    assert_int_equal(vm.nmis_injected, 1);
    assert_window(false, false);
    assert_false(v->work & VCPU_WORK_IRQ);
}

static void test_nmi_before_external_interrupt(void **state)
{
    (void)state;
    raise_nmi();
    lapic_raise(0x30);
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(NMI_INFO);
    assert_false(in_service(0x30));                 /* the interrupt waits */
    assert_window(true, false);
}

static void test_nmi_blocked_by_nmi_opens_nmi_window(void **state)
{
    (void)state;
    raise_nmi();
    guest_state(RFLAGS_IF, INTERRUPTIBILITY_NMI);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_true(vlapic_nmi_pending(lapic));
    assert_window(false, true);
    assert_true(v->work & VCPU_WORK_IRQ);
}

static void test_nmi_behind_sti_uses_interrupt_window(void **state)
{
    (void)state;
    raise_nmi();
    guest_state(0, INTERRUPTIBILITY_STI);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_window(true, false);
}

static void test_nmi_without_nmi_window_uses_interrupt_window(void **state)
{
    (void)state;
    vmx_ctls.nmi_window = false;
    raise_nmi();
    guest_state(RFLAGS_IF, INTERRUPTIBILITY_NMI);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_window(true, false);
}

/* Without virtual NMIs the hypervisor tracks the handler itself: blocked
 * until the guest is interruptible again at some exit. */
static void test_nmi_without_virtual_nmis(void **state)
{
    (void)state;
    vmx_ctls.virtual_nmis = vmx_ctls.nmi_window = false;
    raise_nmi();
    guest_state(RFLAGS_IF, INTERRUPTIBILITY_NMI);   /* the CPU's own NMI blocking */
    vcpu_deliver_interrupts(v);
    assert_injected(NMI_INFO);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPTIBILITY_STATE), 0);
    assert_true(v->nmi_soft_blocked);
    assert_window(true, false);                     /* to see the handler end */

    /* The next exit finds the handler still running (IF=0): a second NMI waits. */
    vmcs_fake_forget_writes();
    vmcs_fake_set(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
    raise_nmi();
    guest_state(0, 0);
    vcpu_deliver_interrupts(v);
    assert_nothing_injected();
    assert_true(v->nmi_soft_blocked);

    /* Interruptible again: the handler is over, the NMI goes in. */
    vmcs_fake_forget_writes();
    guest_state(RFLAGS_IF, 0);
    vcpu_deliver_interrupts(v);
    assert_injected(NMI_INFO);
    assert_int_equal(vm.nmis_injected, 2);
}

static void test_iret_unblocking_is_undone_after_ept_violation(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, EPT_QUAL_NMI_UNBLOCKING | BIT(0));
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, INTERRUPTIBILITY_STI);
    vcpu_check_nmi_unblocking(v, EXIT_REASON_EPT_VIOLATION);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPTIBILITY_STATE),
                     INTERRUPTIBILITY_STI | INTERRUPTIBILITY_NMI);
}

static void test_iret_unblocking_after_exception(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO,
                  INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_NMI_UNBLOCKING | 13);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
    vcpu_check_nmi_unblocking(v, EXIT_REASON_EXCEPTION_NMI);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPTIBILITY_STATE), INTERRUPTIBILITY_NMI);
}

static void test_no_unblocking_no_write(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(1));
    vcpu_check_nmi_unblocking(v, EXIT_REASON_EPT_VIOLATION);
    assert_int_equal(vmcs_fake_nwrites(), 0);
}

static void test_unblocking_ignored_without_virtual_nmis(void **state)
{
    (void)state;
    vmx_ctls.virtual_nmis = false;
    /* nothing set: the function must not even read the VMCS */
    vcpu_check_nmi_unblocking(v, EXIT_REASON_EPT_VIOLATION);
    assert_int_equal(vmcs_fake_nwrites(), 0);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_nothing_pending_closes_windows),
        T(test_if0_opens_interrupt_window),
        T(test_if1_injects_and_closes_window),
        T(test_if1_window_already_closed_is_not_rewritten),
        T(test_sti_blocking_waits_for_window),
        T(test_mov_ss_blocking_waits_for_window),
        T(test_second_pending_keeps_window_open),
        T(test_queued_exception_goes_first),
        T(test_lapic_before_pic),
        T(test_vid_leaves_lapic_interrupts_to_the_cpu),
        T(test_reinjected_page_fault_goes_first),
        T(test_reinjected_external_interrupt),
        T(test_reinjected_software_interrupt_keeps_length),
        T(test_reinjected_nmi_clears_nmi_blocking),
        T(test_nmi_injected_whatever_if_says),
        T(test_nmi_before_external_interrupt),
        T(test_nmi_blocked_by_nmi_opens_nmi_window),
        T(test_nmi_behind_sti_uses_interrupt_window),
        T(test_nmi_without_nmi_window_uses_interrupt_window),
        T(test_nmi_without_virtual_nmis),
        T(test_iret_unblocking_is_undone_after_ept_violation),
        T(test_iret_unblocking_after_exception),
        T(test_no_unblocking_no_write),
        T(test_unblocking_ignored_without_virtual_nmis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
