/*
 * Host unit tests of APIC virtualization (vmx/apicv.c, vmx/exit_apic.c)
 * against the fake VMCS (tests/fakes/vmcs_fake.c) and the real vLAPIC
 * model (drivers/virt/vlapic.c): what reaches the VMCS when the model
 * changes (RVI/SVI in the guest interrupt status, the EOI-exit bitmap from
 * the TMR, the TPR threshold), the controls and EPT mapping when the guest's
 * APIC leaves xAPIC mode, and the APIC-write and virtualized-EOI exits
 * (SDM Vol. 3C, "APIC Virtualization and Virtual Interrupts").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/apicv.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "mm/frames.h"
#include <hv/apic_regs.h>
#include "tests/fakes/vmx_fakes.h"

#define PROC_BASE   (PROC_CTL_HLT_EXITING | PROC_CTL_USE_IO_BITMAPS)
#define PROC2_BASE  (PROC2_CTL_ENABLE_EPT | PROC2_CTL_UNRESTRICTED_GUEST)
#define APICV_PROC2 (PROC2_CTL_VIRTUALIZE_APIC_ACCESSES | PROC2_CTL_APIC_REGISTER_VIRTUALIZATION)
#define EPTP        0x123401EULL

static struct vm vm;
static struct vcpu *v = &vm.vcpu;
static struct vlapic *lapic = &vm.vcpu.lapic;
static uint64_t now;

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return now;
}

static const struct vclock clk = { clock_now, NULL };

/* The IOAPIC's side of a level-triggered EOI (vlapic_ops.eoi). */
static int eoi_vector;

static void on_eoi(void *ctx, uint8_t vector)
{
    (void)ctx;
    eoi_vector = vector;
}

static const struct vlapic_ops lapic_ops = { .eoi = on_eoi };

static bool bit_in(const uint32_t *regs, uint8_t vector)
{
    return regs[vector / 32] & (1u << (vector % 32));
}

/* A vCPU with APIC virtualization in `mode`, set up as vm_create does. */
static void start(enum apicv_mode mode)
{
    apicv_configure(mode);
    assert_int_equal(apicv_mode(), mode);
    assert_int_equal(apicv_vcpu_init(v), 0);
}

static int setup(void **state)
{
    (void)state;
    vmx_fakes_reset();
    memset(&vm, 0, sizeof(vm));
    strcpy(vm.name, "t");
    vm.state = VM_RUNNABLE;
    vm.eptp = EPTP;
    v->vm = &vm;
    vm.board_ops = &board_fake_ops;
    vlapic_init(lapic, 0, true, &clk, 0, &lapic_ops, NULL);
    eoi_vector = -1;
    vmx_ctls.apicv = vmx_ctls.apicv_vid = true;
    vmx_ctls.apicv_proc = PROC_CTL_USE_TPR_SHADOW;
    vmx_ctls.apicv_proc2 = APICV_PROC2;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_BASE);
    vmcs_fake_set(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_BASE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apicv_vcpu_free(v);
    return 0;
}

/* The guest ran; the model is about to be used (as board.c does). */
static void guest_ran(void)
{
    apicv_sync(v);
    vmcs_fake_forget_writes();
}

static uint32_t page_reg(unsigned offset)
{
    return v->vapic[offset / 4];
}

/* An interrupt the guest has taken (IRR -> ISR). */
static void lapic_raise_and_take(uint8_t vector)
{
    assert_true(vlapic_accept(lapic, vector, false));
    vlapic_ack(lapic, vector);
}

/* ---- set-up ---- */

static void test_init_with_virtual_interrupt_delivery(void **state)
{
    (void)state;
    start(APICV_VID);
    assert_non_null(v->vapic);
    assert_int_equal(vmcs_fake_get(VMCS_VIRTUAL_APIC_PAGE_ADDR), virt_to_phys(v->vapic));
    assert_true(vmcs_fake_is_set(VMCS_APIC_ACCESS_ADDR));
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL),
                     PROC_BASE | PROC_CTL_USE_TPR_SHADOW);
    assert_int_equal(vmcs_fake_get(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL),
                     PROC2_BASE | APICV_PROC2 | PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY);
    /* the xAPIC page maps to the APIC-access page, and EPT is flushed */
    assert_int_equal(vmx_env_fake.ept_maps, 1);
    assert_int_equal(vmx_fake_insns.invept, 1);
    assert_int_equal(vmx_fake_insns.invept_type, INVEPT_SINGLE_CONTEXT);
    assert_int_equal(vmx_fake_insns.invept_eptp, EPTP);
    assert_int_equal(vmcs_fake_get(VMCS_TPR_THRESHOLD), 0);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0 + 2 * i), 1);
        assert_int_equal(vmcs_fake_get(VMCS_EOI_EXIT_BITMAP_0 + 2 * i), 0);
    }
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPT_STATUS), 0);
    assert_true(v->apicv_active);
    assert_true(v->vid);
    /* the page reads like the model: version register, SVR of a BSP */
    assert_int_equal(page_reg(LAPIC_REG_SVR), 0x1FF);
}

static void test_init_off_touches_nothing(void **state)
{
    (void)state;
    vmx_ctls.apicv = false;                      /* the CPU lacks it */
    apicv_configure(APICV_VID);
    assert_int_equal(apicv_mode(), APICV_OFF);
    assert_int_equal(apicv_vcpu_init(v), 0);
    assert_null(v->vapic);
    assert_int_equal(vmcs_fake_nwrites(), 0);
}

static void test_vid_falls_back_to_regs(void **state)
{
    (void)state;
    vmx_ctls.apicv_vid = false;
    apicv_configure(APICV_VID);
    assert_int_equal(apicv_mode(), APICV_REGS);
}

/* ---- virtual-interrupt delivery: RVI, SVI, EOI-exit bitmap ---- */

static void test_rvi_follows_irr(void **state)
{
    (void)state;
    start(APICV_VID);
    guest_ran();
    assert_true(vlapic_accept(lapic, 0x41, false));
    apicv_update(v);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPT_STATUS), 0x41);
    assert_true(page_reg(LAPIC_REG_IRR + 0x20) & BIT(1));     /* IRR bit 0x41 */
    assert_int_equal(vmcs_fake_writes_to(VMCS_TPR_THRESHOLD), 0);   /* unused with VID */
    /* edge-triggered: no EOI exit wanted, the bitmap is not rewritten */
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0 + 2), 0);
}

static void test_svi_follows_isr(void **state)
{
    (void)state;
    start(APICV_VID);
    guest_ran();
    lapic_raise_and_take(0x41);
    assert_true(vlapic_accept(lapic, 0x35, false));
    apicv_update(v);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPT_STATUS), 0x4135);
}

static void test_level_triggered_vector_sets_eoi_exit_bit(void **state)
{
    (void)state;
    start(APICV_VID);
    guest_ran();
    assert_true(vlapic_accept(lapic, 0x52, true));
    apicv_update(v);
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0 + 2), 1);   /* vectors 64-127 */
    assert_int_equal(vmcs_fake_get(VMCS_EOI_EXIT_BITMAP_0 + 2), BIT(0x52 - 64));
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0), 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0 + 4), 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0 + 6), 0);
}

static void test_update_without_change_writes_nothing(void **state)
{
    (void)state;
    start(APICV_VID);
    guest_ran();
    apicv_update(v);
    assert_int_equal(vmcs_fake_nwrites(), 0);
    /* and once the page is given, a second update is a no-op as well */
    apicv_update(v);
    assert_int_equal(vmcs_fake_nwrites(), 0);
}

/* ---- APIC-register virtualization only: the TPR threshold ---- */

static void test_regs_mode_tpr_threshold(void **state)
{
    (void)state;
    start(APICV_REGS);
    assert_int_equal(vmcs_fake_get(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL),
                     PROC2_BASE | APICV_PROC2);
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_INTERRUPT_STATUS), 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_EOI_EXIT_BITMAP_0), 0);
    assert_false(v->vid);

    guest_ran();
    assert_int_equal(vlapic_mmio_write(lapic, LAPIC_REG_TPR, 4, 0x50), 0);
    assert_true(vlapic_accept(lapic, 0x41, false));   /* class 4, held back by TPR class 5 */
    apicv_update(v);
    assert_int_equal(vmcs_fake_get(VMCS_TPR_THRESHOLD), 4);
    assert_int_equal(page_reg(LAPIC_REG_TPR), 0x50);

    /* the guest lowers its TPR in the page (no exit); the model takes it */
    v->vapic[LAPIC_REG_TPR / 4] = 0;
    guest_ran();
    apicv_update(v);
    assert_int_equal(vmcs_fake_get(VMCS_TPR_THRESHOLD), 0);
}

/* ---- leaving xAPIC mode ---- */

static void test_x2apic_mode_turns_virtualization_off(void **state)
{
    (void)state;
    start(APICV_VID);
    guest_ran();
    unsigned maps = vmx_env_fake.ept_maps;
    assert_true(vlapic_set_apic_base(lapic, LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_EN |
                                                APIC_BASE_EXTD) >= 0);
    apicv_update(v);
    assert_false(v->apicv_active);
    assert_false(v->vid);
    assert_int_equal(vmx_env_fake.ept_unmaps, 1);
    assert_int_equal(vmx_env_fake.ept_maps, maps);
    assert_int_equal(vmx_fake_insns.invept, 2);
    assert_int_equal(vmcs_fake_get(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL), PROC2_BASE);
    assert_int_equal(vmcs_fake_get(VMCS_TPR_THRESHOLD), 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_INTERRUPT_STATUS), 0);
}

static void test_moved_base_turns_virtualization_off(void **state)
{
    (void)state;
    start(APICV_REGS);
    guest_ran();
    assert_true(vlapic_set_apic_base(lapic, 0xFED00000ULL | APIC_BASE_BSP | APIC_BASE_EN) >= 0);
    apicv_update(v);
    assert_false(v->apicv_active);
    assert_int_equal(vmcs_fake_get(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL), PROC2_BASE);
}

static void test_ept_failure_keeps_state(void **state)
{
    (void)state;
    vmx_env_fake.ept_rc = -12;
    start(APICV_VID);
    assert_false(v->apicv_active);
    assert_int_equal(vmcs_fake_get(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL), PROC2_BASE);
    assert_int_equal(vmx_fake_insns.invept, 0);
}

/* ---- exits ---- */

/* With APIC-register virtualization an EOI is an APIC-write exit: the
 * model ends the vector, and the page shows it (and reads 0 at EOI). */
static void test_apic_write_exit_eoi(void **state)
{
    (void)state;
    start(APICV_REGS);
    guest_ran();
    lapic_raise_and_take(0x41);
    apicv_update(v);
    assert_true(page_reg(LAPIC_REG_ISR + 0x20) & BIT(1));
    v->vapic[LAPIC_REG_EOI / 4] = 0x1234;            /* what the guest stored */
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, LAPIC_REG_EOI);
    vmcs_fake_forget_writes();
    assert_int_equal(exit_apic_write(v), EXIT_RESUME);
    assert_false(bit_in(lapic->isr, 0x41));
    assert_false(page_reg(LAPIC_REG_ISR + 0x20) & BIT(1));
    assert_int_equal(page_reg(LAPIC_REG_EOI), 0);    /* write-only: reads 0 */
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_RIP), 0);   /* trap-like: RIP is past it */
}

/* A write inside a register (the CPU reports the byte offset) is the
 * register's: here the timer's divide configuration, which moves timers. */
static void test_apic_write_exit_offset_is_aligned(void **state)
{
    (void)state;
    start(APICV_REGS);
    guest_ran();
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, LAPIC_REG_TIMER_DCR + 4);
    v->vapic[LAPIC_REG_TIMER_DCR / 4] = 0xB;
    v->work = 0;
    assert_int_equal(exit_apic_write(v), EXIT_RESUME);
    assert_int_equal(lapic->timer_dcr, 0xB);
    assert_true(v->work & VCPU_WORK_TIMERS);
}

/* With virtual-interrupt delivery only a level-triggered vector's EOI
 * exits (its EOI-exit bitmap bit): the IOAPIC hears of it. */
static void test_virtualized_eoi_exit(void **state)
{
    (void)state;
    assert_true(vlapic_accept(lapic, 0x52, true));
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, 0x52);
    assert_int_equal(exit_virtualized_eoi(v), EXIT_RESUME);
    assert_int_equal(eoi_vector, 0x52);
}

static void test_apic_access_fetch_stops(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, 0x300 | (2u << 12));   /* instruction fetch */
    vmcs_fake_set(VMCS_GUEST_RIP, 0xFEE00300);
    assert_int_equal(exit_apic_access(v), EXIT_STOP_VM);
    assert_int_equal(vm.end, VM_END_EMULATION_FAILED);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_with_virtual_interrupt_delivery),
        T(test_init_off_touches_nothing),
        T(test_vid_falls_back_to_regs),
        T(test_rvi_follows_irr),
        T(test_svi_follows_isr),
        T(test_level_triggered_vector_sets_eoi_exit_bit),
        T(test_update_without_change_writes_nothing),
        T(test_regs_mode_tpr_threshold),
        T(test_x2apic_mode_turns_virtualization_off),
        T(test_moved_base_turns_virtualization_off),
        T(test_ept_failure_keeps_state),
        T(test_apic_write_exit_eoi),
        T(test_apic_write_exit_offset_is_aligned),
        T(test_virtualized_eoi_exit),
        T(test_apic_access_fetch_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
