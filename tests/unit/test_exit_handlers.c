/*
 * Host unit tests of the VM-exit handlers (vmx/exit*.c) and of event
 * injection, against the fake VMCS of tests/fakes/vmcs_fake.c: each test
 * sets the fields the CPU would have stored at the exit (and only those: a
 * handler reading any other fails the test), runs the handler, and checks
 * what it wrote (RIP advanced by the instruction length, the event queued
 * for the next entry, control-register shadows) and what the guest sees in
 * its registers. The vCPU's local APIC is the real model; the board's side
 * (the PIC's interrupt) and the host are fakes (tests/fakes/vmx_fakes.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/exit.h"
#include "vmx/cpuid.h"
#include "vmx/hypercall.h"
#include "vmx/vmcs.h"
#include <hv/apic_regs.h>
#include "tests/fakes/vmx_fakes.h"

#define GUEST_RIP   0x101000ULL
#define INSN_LEN    3
#define RAM_SIZE    GMEM_CHUNK_SIZE

/* SS access rights: a present read/write data segment at DPL 0 or 3. */
#define AR_SS_DPL0  0xC093u
#define AR_SS_DPL3  0xC0F3u
#define AR_CS64     0xA09Bu     /* L = 1 */
#define AR_CS32     0xC09Bu

static struct vm vm;
static struct vcpu *v = &vm.vcpu;
static char console_out[512];

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct vclock clk = { clock_now, NULL };

static void console_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    size_t have = strlen(console_out);
    if (have + len + 2 < sizeof(console_out)) {
        memcpy(console_out + have, line, len);
        console_out[have + len] = '\n';
        console_out[have + len + 1] = 0;
    }
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
    vlapic_init(&v->lapic, 0, true, &clk, 0, NULL, NULL);    /* as firmware leaves a BSP's */
    vconsole_init(&vm.console, console_sink, NULL);
    vconsole_init(&vm.debugcon, console_sink, NULL);
    console_out[0] = 0;
    io_bus_init(&vm.bus);
    vm.mem.size = RAM_SIZE;
    vm.mem.nchunks = 1;
    vm.mem.chunk[0] = calloc(1, RAM_SIZE);
    /* What every instruction exit stores: where it was and how long. */
    vmcs_fake_set(VMCS_GUEST_RIP, GUEST_RIP);
    vmcs_fake_set(VMCS_VM_EXIT_INSTRUCTION_LEN, INSN_LEN);
    /* Protected mode, TF clear: RIP advance and injections look at them. */
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 2);
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(vm.mem.chunk[0]);
    return 0;
}

/* ---- what the tests check ---- */

static void assert_rip_advanced(void)
{
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_RIP), 1);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RIP), GUEST_RIP + INSN_LEN);
}

static void assert_rip_kept(void)
{
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_RIP), 0);
}

static void assert_nothing_injected(void)
{
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 0);
}

/* The next VM entry delivers hardware exception `vector` (SDM Vol. 3C,
 * "VM-Entry Controls for Event Injection"). */
static void assert_exception(unsigned vector, bool has_ec, uint32_t ec)
{
    uint32_t want = INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | vector |
                    (has_ec ? INTR_INFO_DELIVER_ERROR_CODE : 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_INTERRUPTION_INFO), 1);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO), want);
    if (has_ec)
        assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), ec);
    else
        assert_int_equal(vmcs_fake_writes_to(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 0);
}

static void assert_gp0(void)
{
    assert_exception(VECTOR_GP, true, 0);
    assert_rip_kept();                  /* a fault: the instruction did not complete */
}

/* ---- the fake itself ---- */

static void test_width_rule(void **state)
{
    (void)state;
    assert_true(vmcs_width_ok(VMCS_VPID, VMCS_WIDTH_16));
    assert_false(vmcs_width_ok(VMCS_VPID, VMCS_WIDTH_32));
    assert_true(vmcs_width_ok(VMCS_EXIT_REASON, VMCS_WIDTH_32));
    assert_true(vmcs_width_ok(VMCS_GUEST_IA32_EFER, VMCS_WIDTH_64));
    assert_false(vmcs_width_ok(VMCS_GUEST_IA32_EFER, VMCS_WIDTH_NAT));
    /* the high half of a 64-bit field is a 32-bit field */
    assert_true(vmcs_width_ok(VMCS_GUEST_IA32_EFER + 1, VMCS_WIDTH_32));
    assert_false(vmcs_width_ok(VMCS_GUEST_IA32_EFER + 1, VMCS_WIDTH_64));
    assert_true(vmcs_width_ok(VMCS_GUEST_RIP, VMCS_WIDTH_NAT));
    assert_false(vmcs_width_ok(VMCS_GUEST_RIP, VMCS_WIDTH_64));
}

static void test_fake_high_access_and_truncation(void **state)
{
    (void)state;
    vmcs_write64(VMCS_TSC_OFFSET, 0x1111111122222222ULL);
    vmcs_write32(VMCS_TSC_OFFSET + 1, 0x33333333);
    assert_int_equal(vmcs_read64(VMCS_TSC_OFFSET), 0x3333333322222222ULL);
    assert_int_equal(vmcs_read32(VMCS_TSC_OFFSET + 1), 0x33333333);
    vmwrite(VMCS_GUEST_CS_SELECTOR, 0x12345);          /* the CPU keeps 16 bits */
    assert_int_equal(vmcs_read16(VMCS_GUEST_CS_SELECTOR), 0x2345);
    assert_int_equal(vmcs_fake_nwrites(), 3);
    assert_int_equal(vmcs_fake_write_at(2)->field, VMCS_GUEST_CS_SELECTOR);
}

/* ---- injection ---- */

static void test_inject_exception_with_error_code(void **state)
{
    (void)state;
    vcpu_inject_exception(v, 14, true, 0x6);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     0x80000000u | (3u << 8) | (1u << 11) | 14);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 6);
}

static void test_inject_ud_has_no_error_code(void **state)
{
    (void)state;
    vcpu_inject_ud(v);
    assert_exception(VECTOR_UD, false, 0);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO), 0x80000306u);
}

/* ---- CPUID ---- */

static void test_cpuid_cached_leaf(void **state)
{
    (void)state;
    cpuid_cache_basic[0] = (struct cpuid_cache_entry){ { 0xD, 0x756E6547, 0x6C65746E, 0x49656E69 },
                                                       true };
    v->regs.gpr[GPR_RAX] = 0xFFFFFFFF00000000ULL;     /* leaf 0: only EAX counts */
    v->regs.gpr[GPR_RBX] = v->regs.gpr[GPR_RCX] = v->regs.gpr[GPR_RDX] = ~0ULL;
    assert_int_equal(exit_cpuid(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0xD);
    assert_int_equal(v->regs.gpr[GPR_RBX], 0x756E6547);
    assert_int_equal(v->regs.gpr[GPR_RCX], 0x6C65746E);
    assert_int_equal(v->regs.gpr[GPR_RDX], 0x49656E69);
    assert_rip_advanced();
    assert_int_equal(vmcs_fake_nwrites(), 1);          /* RIP and nothing else */
    assert_int_equal(vmx_env_fake.cpuid_guest_calls, 0);
}

static void test_cpuid_computed_leaf_gets_subleaf(void **state)
{
    (void)state;
    v->regs.gpr[GPR_RAX] = 0xD;                        /* not in the cache */
    v->regs.gpr[GPR_RCX] = 0x100000001ULL;             /* sub-leaf: ECX only */
    assert_int_equal(exit_cpuid(v), EXIT_RESUME);
    assert_int_equal(vmx_env_fake.cpuid_guest_calls, 1);
    assert_int_equal(vmx_env_fake.cpuid_leaf, 0xD);
    assert_int_equal(vmx_env_fake.cpuid_sub, 1);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0xD);
    assert_int_equal(v->regs.gpr[GPR_RBX], 1);
    assert_int_equal(v->regs.gpr[GPR_RCX], (uint32_t)~0xDu);
    assert_int_equal(v->regs.gpr[GPR_RDX], 0xD ^ 1);
    assert_rip_advanced();
}

/* ---- HLT ---- */

static void test_hlt_if1_sleeps_and_ends_sti_blocking(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, INTERRUPTIBILITY_STI);
    assert_int_equal(exit_hlt(v), EXIT_YIELD);
    assert_int_equal(vm.state, VM_HALTED);
    assert_rip_advanced();
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_INTERRUPTIBILITY_STATE), 0);
}

static void test_hlt_if1_with_interrupt_waiting_does_not_sleep(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
    assert_true(vlapic_accept(&v->lapic, 0x30, false));       /* in the local APIC's IRR */
    assert_int_equal(exit_hlt(v), EXIT_RESUME);
    assert_int_equal(vm.state, VM_RUNNABLE);
    assert_true(v->work & VCPU_WORK_IRQ);
    assert_rip_advanced();
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_INTERRUPTIBILITY_STATE), 0);
}

static void test_hlt_if1_with_pic_interrupt_waiting_does_not_sleep(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
    board_fake.pending = 0x20;                                /* LINT0 is in virtual-wire mode */
    assert_int_equal(exit_hlt(v), EXIT_RESUME);
    assert_int_equal(vm.state, VM_RUNNABLE);
    assert_int_equal(board_fake.acks, 0);                     /* only looked, not acknowledged */
    assert_rip_advanced();
}

static void test_hlt_if0_stops_the_guest(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 2);
    vmcs_fake_set(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
    assert_int_equal(exit_hlt(v), EXIT_STOP_VM);
    assert_int_equal(vm.state, VM_STOPPED);
    assert_int_equal(vm.end, VM_END_HALTED);
    assert_non_null(strstr(vm.end_detail, "interrupts disabled"));
}

/* ---- XSETBV ---- */

static void xsetbv_regs(uint32_t ecx, uint64_t value, uint32_t ss_ar)
{
    v->regs.gpr[GPR_RCX] = ecx;
    v->regs.gpr[GPR_RAX] = 0xAAAAAAAA00000000ULL | (uint32_t)value;   /* high halves ignored */
    v->regs.gpr[GPR_RDX] = 0xBBBBBBBB00000000ULL | (value >> 32);
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, ss_ar);
}

static void test_xsetbv_valid(void **state)
{
    (void)state;
    v->xcr0 = XCR0_X87;
    xsetbv_regs(0, XCR0_X87 | XCR0_SSE | XCR0_AVX, AR_SS_DPL0);
    assert_int_equal(exit_xsetbv(v), EXIT_RESUME);
    assert_int_equal(v->xcr0, XCR0_X87 | XCR0_SSE | XCR0_AVX);
    assert_int_equal(vmx_env_fake.xsetbv_count, 1);
    assert_int_equal(vmx_env_fake.xcr0_written, XCR0_X87 | XCR0_SSE | XCR0_AVX);
    assert_rip_advanced();
    assert_nothing_injected();
}

static void check_xsetbv_gp(uint32_t ecx, uint64_t value, uint32_t ss_ar)
{
    v->xcr0 = XCR0_X87;
    xsetbv_regs(ecx, value, ss_ar);
    assert_int_equal(exit_xsetbv(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(v->xcr0, XCR0_X87);
    assert_int_equal(vmx_env_fake.xsetbv_count, 0);
}

static void test_xsetbv_avx_without_sse_gp(void **state)
{
    (void)state;
    check_xsetbv_gp(0, XCR0_X87 | XCR0_AVX, AR_SS_DPL0);
}

static void test_xsetbv_without_x87_gp(void **state)
{
    (void)state;
    check_xsetbv_gp(0, XCR0_SSE, AR_SS_DPL0);
}

static void test_xsetbv_unsupported_component_gp(void **state)
{
    (void)state;
    vmx_env_fake.xcr0_supported = XCR0_X87 | XCR0_SSE;       /* no AVX on this host */
    check_xsetbv_gp(0, XCR0_X87 | XCR0_SSE | XCR0_AVX, AR_SS_DPL0);
}

static void test_xsetbv_ecx_not_zero_gp(void **state)
{
    (void)state;
    check_xsetbv_gp(1, XCR0_X87, AR_SS_DPL0);
}

static void test_xsetbv_from_cpl3_gp(void **state)
{
    (void)state;
    check_xsetbv_gp(0, XCR0_X87 | XCR0_SSE, AR_SS_DPL3);
}

/* ---- RDMSR / WRMSR ---- */

static void msr_regs(uint32_t msr, uint64_t value)
{
    v->regs.gpr[GPR_RCX] = 0xFFFFFFFF00000000ULL | msr;        /* ECX only */
    v->regs.gpr[GPR_RAX] = 0xCCCCCCCC00000000ULL | (uint32_t)value;
    v->regs.gpr[GPR_RDX] = 0xDDDDDDDD00000000ULL | (value >> 32);
}

static void test_rdmsr_efer(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME | IA32_EFER_LMA | IA32_EFER_SCE);
    msr_regs(MSR_IA32_EFER, 0);
    assert_int_equal(exit_rdmsr(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], IA32_EFER_LME | IA32_EFER_LMA | IA32_EFER_SCE);
    assert_int_equal(v->regs.gpr[GPR_RDX], 0);
    assert_rip_advanced();
    assert_nothing_injected();
}

/* IA32_APIC_BASE of a BSP in xAPIC mode, from the vCPU's local APIC. */
static void test_rdmsr_apic_base(void **state)
{
    (void)state;
    msr_regs(MSR_IA32_APIC_BASE, 0);
    assert_int_equal(exit_rdmsr(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_EN);
    assert_int_equal(v->regs.gpr[GPR_RDX], 0);
    assert_rip_advanced();
}

static void test_rdmsr_unknown_gp0(void **state)
{
    (void)state;
    msr_regs(0x12345, 0);
    uint64_t rax = v->regs.gpr[GPR_RAX];
    assert_int_equal(exit_rdmsr(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(v->regs.gpr[GPR_RAX], rax);              /* nothing loaded */
}

/* x2APIC registers exist as MSRs only in x2APIC mode (SDM Vol. 3A,
 * "x2APIC Register Availability"). */
static void test_rdmsr_x2apic_register_in_xapic_mode_gp0(void **state)
{
    (void)state;
    msr_regs(0x802, 0);                                       /* the x2APIC ID register */
    assert_int_equal(exit_rdmsr(v), EXIT_RESUME);
    assert_gp0();
}

static void test_wrmsr_efer_keeps_lma(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE;                                    /* paging off: LME may change */
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    msr_regs(MSR_IA32_EFER, IA32_EFER_LME | IA32_EFER_NXE | IA32_EFER_LMA);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_IA32_EFER), IA32_EFER_LME | IA32_EFER_NXE);
    assert_rip_advanced();
    assert_nothing_injected();
}

static void test_wrmsr_efer_reserved_bit_gp0(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    msr_regs(MSR_IA32_EFER, BIT(1));
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_IA32_EFER), 0);
}

static void test_wrmsr_efer_lme_with_paging_on_gp0(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_PG;
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    msr_regs(MSR_IA32_EFER, IA32_EFER_LME);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_gp0();
}

static void test_wrmsr_pat(void **state)
{
    (void)state;
    vmx_ctls.load_pat = true;
    msr_regs(MSR_IA32_PAT, 0x0007040600070406ULL);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_IA32_PAT), 0x0007040600070406ULL);
    assert_int_equal(v->msr_pat, 0x0007040600070406ULL);
    assert_rip_advanced();
}

static void test_wrmsr_pat_reserved_type_gp0(void **state)
{
    (void)state;
    vmx_ctls.load_pat = true;
    msr_regs(MSR_IA32_PAT, 0x0007040600070402ULL);             /* type 2 is reserved */
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_IA32_PAT), 0);
}

static void test_wrmsr_unknown_gp0(void **state)
{
    (void)state;
    msr_regs(0x12345, 1);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_gp0();
}

static void test_wrmsr_apic_base_enters_x2apic_mode(void **state)
{
    (void)state;
    msr_regs(MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD);
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_int_equal(vlapic_mode(&v->lapic), VLAPIC_MODE_X2APIC);
    assert_true(v->work & VCPU_WORK_TIMERS);
    assert_rip_advanced();
    assert_nothing_injected();
}

static void test_wrmsr_apic_base_reserved_bit_gp0(void **state)
{
    (void)state;
    msr_regs(MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_EN | BIT(9));
    assert_int_equal(exit_wrmsr(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(vlapic_mode(&v->lapic), VLAPIC_MODE_XAPIC);
}

/* ---- control registers ---- */

/* Exit qualification of a MOV to CR`cr` from general register `gpr`. */
static uint64_t cr_mov_to(unsigned cr, unsigned gpr)
{
    return cr | (0u << 4) | (gpr << 8);
}

static void test_mov_to_cr0_sets_shadow_and_fixed_bits(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_ET;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(0, GPR_RBX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    v->regs.gpr[GPR_RBX] = 0xFFFFFFFF00000000ULL | CR0_PE | CR0_MP;   /* 32-bit operand */
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(v->cr0_shadow, CR0_PE | CR0_MP | CR0_ET);
    assert_int_equal(vmcs_fake_get(VMCS_CR0_READ_SHADOW), CR0_PE | CR0_MP | CR0_ET);
    /* the CPU gets the value with the VMX fixed bits (NE) */
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_CR0), CR0_PE | CR0_MP | CR0_ET | FAKE_CR0_FIXED0);
    assert_rip_advanced();
    assert_nothing_injected();
}

static void test_mov_to_cr0_pg_without_pe_gp0(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_ET;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(0, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    v->regs.gpr[GPR_RAX] = CR0_PG;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(v->cr0_shadow, CR0_ET);
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_CR0), 0);
}

static void test_mov_to_cr0_reserved_high_bit_gp0(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_PG | CR0_ET;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(0, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME | IA32_EFER_LMA);   /* 64-bit operand */
    v->regs.gpr[GPR_RAX] = BIT(32) | CR0_PE | CR0_PG;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
}

static void test_mov_to_cr0_enters_ia32e_mode(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_ET;
    v->cr4_shadow = CR4_PAE;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(0, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME);
    vmcs_fake_set(VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_LOAD_DEBUG_CONTROLS);
    v->regs.gpr[GPR_RAX] = CR0_PE | CR0_PG;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    /* SDM "Initializing IA-32e Mode": LMA follows, and VM entry must know */
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_IA32_EFER), IA32_EFER_LME | IA32_EFER_LMA);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_CONTROLS),
                     ENTRY_CTL_LOAD_DEBUG_CONTROLS | ENTRY_CTL_IA32E_MODE_GUEST);
    assert_int_equal(v->cr0_shadow, CR0_PE | CR0_PG | CR0_ET);
    assert_rip_advanced();
}

static void test_mov_to_cr0_paging_with_lme_without_pae_gp0(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_ET;
    v->cr4_shadow = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(0, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME);
    v->regs.gpr[GPR_RAX] = CR0_PE | CR0_PG;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
}

static void test_clts_clears_ts_in_shadow(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_ET | CR0_TS;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, 0 | (2u << 4));       /* CLTS */
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_CR0_READ_SHADOW), CR0_PE | CR0_ET);
    assert_rip_advanced();
}

static void test_mov_to_cr4(void **state)
{
    (void)state;
    v->cr4_shadow = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(4, GPR_RSI));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    v->regs.gpr[GPR_RSI] = CR4_PSE | CR4_OSFXSR;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(v->cr4_shadow, CR4_PSE | CR4_OSFXSR);
    assert_int_equal(vmcs_fake_get(VMCS_CR4_READ_SHADOW), CR4_PSE | CR4_OSFXSR);
    /* the guest's CR4 keeps VMXE, which it cannot see */
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_CR4), CR4_PSE | CR4_OSFXSR | CR4_VMXE);
    assert_rip_advanced();
}

static void test_mov_to_cr4_vmxe_gp0(void **state)
{
    (void)state;
    v->cr4_shadow = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(4, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    v->regs.gpr[GPR_RAX] = CR4_VMXE;                 /* VMX is not offered to guests */
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(v->cr4_shadow, 0);
    assert_int_equal(vmcs_fake_writes_to(VMCS_CR4_READ_SHADOW), 0);
}

static void test_mov_to_cr4_clearing_pae_in_long_mode_gp0(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_PG | CR0_ET;
    v->cr4_shadow = CR4_PAE;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(4, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME | IA32_EFER_LMA);
    v->regs.gpr[GPR_RAX] = 0;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
}

/* PAE paging turned on with a PDPTE that has a reserved bit: #GP, and the
 * PDPTEs stay as they were (SDM "MOV—Move to/from Control Registers"). */
static void test_mov_to_cr4_pae_with_bad_pdpte_gp0(void **state)
{
    (void)state;
    uint64_t pdpte[4] = { 0x2001, 0x3001 | BIT(5), 0, 0 };     /* bit 5 is reserved */
    assert_int_equal(gmem_write(&vm.mem, 0x1000, pdpte, sizeof(pdpte)), 0);
    v->cr0_shadow = CR0_PE | CR0_PG | CR0_ET;
    v->cr4_shadow = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(4, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    vmcs_fake_set(VMCS_GUEST_CR3, 0x1000);
    v->regs.gpr[GPR_RAX] = CR4_PAE;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(vmcs_fake_writes_to(VMCS_GUEST_PDPTE0), 0);
}

static void test_mov_to_cr4_pae_loads_pdptes(void **state)
{
    (void)state;
    uint64_t pdpte[4] = { 0x2001, 0x3001, 0, 0x5001 };
    assert_int_equal(gmem_write(&vm.mem, 0x1000, pdpte, sizeof(pdpte)), 0);
    v->cr0_shadow = CR0_PE | CR0_PG | CR0_ET;
    v->cr4_shadow = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(4, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    vmcs_fake_set(VMCS_GUEST_CR3, 0x1000);
    v->regs.gpr[GPR_RAX] = CR4_PAE;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_PDPTE0), 0x2001);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_PDPTE1), 0x3001);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_PDPTE2), 0);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_PDPTE3), 0x5001);
    assert_int_equal(v->cr4_shadow, CR4_PAE);
    assert_rip_advanced();
}

static void test_mov_to_cr8_reserved_bits_gp0(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(8, GPR_RAX));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME | IA32_EFER_LMA);
    v->regs.gpr[GPR_RAX] = 0x10;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_gp0();
    assert_int_equal(vlapic_get_cr8(&v->lapic), 0);
}

static void test_mov_cr8_to_and_from(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(8, GPR_R9));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, IA32_EFER_LME | IA32_EFER_LMA);
    v->regs.gpr[GPR_R9] = 0x7;
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(vlapic_get_cr8(&v->lapic), 7);
    assert_int_equal(v->lapic.tpr, 0x70);                     /* CR8 is TPR[7:4] */
    assert_true(v->work & VCPU_WORK_IRQ);                     /* a lower TPR may unblock one */
    assert_rip_advanced();

    vmcs_fake_forget_writes();
    vmcs_fake_set(VMCS_GUEST_RIP, GUEST_RIP);
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, 8 | (1u << 4) | (GPR_RDI << 8));   /* MOV from CR8 */
    vlapic_set_cr8(&v->lapic, 0xA);
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RDI], 0xA);
    assert_rip_advanced();
}

static void test_mov_to_cr3_counted(void **state)
{
    (void)state;
    v->cr0_shadow = CR0_PE | CR0_ET;                 /* no paging: no PDPTEs to load */
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, cr_mov_to(3, GPR_RSP));
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    vmcs_fake_set(VMCS_GUEST_RSP, 0x9000);           /* RSP lives in the VMCS */
    assert_int_equal(exit_cr_access(v), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_CR3), 0x9000);
    assert_int_equal(vm.cr3_writes, 1);
    assert_int_equal(vm.cr3_distinct, 1);
    assert_rip_advanced();
}

/* ---- VMCALL ---- */

static void test_vmcall_from_cpl3_refused(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, AR_SS_DPL3);
    v->regs.gpr[GPR_RAX] = HC_EXIT;
    v->regs.gpr[GPR_RBX] = 0;
    assert_int_equal(exit_vmcall(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], (uint64_t)(int64_t)HC_EPERM);
    assert_int_equal(vm.hypercalls_refused, 1);
    assert_int_equal(vm.state, VM_RUNNABLE);        /* the exit hypercall did nothing */
    assert_rip_advanced();
    assert_nothing_injected();
}

static void test_vmcall_console_write(void **state)
{
    (void)state;
    assert_int_equal(gmem_write(&vm.mem, 0x5000, "hi there\n", 9), 0);
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, AR_SS_DPL0);
    v->regs.gpr[GPR_RAX] = HC_CONSOLE_WRITE;
    v->regs.gpr[GPR_RBX] = 0x5000;
    v->regs.gpr[GPR_RCX] = 9;
    assert_int_equal(exit_vmcall(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0);
    assert_string_equal(console_out, "hi there\n");
    assert_rip_advanced();
}

static void test_vmcall_console_write_outside_ram(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, AR_SS_DPL0);
    v->regs.gpr[GPR_RAX] = HC_CONSOLE_WRITE;
    v->regs.gpr[GPR_RBX] = RAM_SIZE - 4;
    v->regs.gpr[GPR_RCX] = 8;
    assert_int_equal(exit_vmcall(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], (uint64_t)(int64_t)HC_EFAULT);
    assert_rip_advanced();
}

static void test_vmcall_exit_stops_with_status(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, AR_SS_DPL0);
    v->regs.gpr[GPR_RAX] = HC_EXIT;
    v->regs.gpr[GPR_RBX] = 42;
    assert_int_equal(exit_vmcall(v), EXIT_STOP_VM);
    assert_int_equal(vm.state, VM_STOPPED);
    assert_int_equal(vm.end, VM_END_EXIT_VMCALL);
    assert_int_equal(vm.exit_status, 42);
}

static void test_vmcall_unknown_function(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_GUEST_SS_ACCESS_RIGHTS, AR_SS_DPL0);
    v->regs.gpr[GPR_RAX] = 99;
    assert_int_equal(exit_vmcall(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], (uint64_t)(int64_t)HC_ENOSYS);
    assert_rip_advanced();
}

/* ---- I/O instructions ---- */

struct fake_dev {
    uint64_t reg;
    unsigned reads, writes;
    uint64_t last_offset;
    unsigned last_size;
};

static int dev_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct fake_dev *d = dev;
    d->reads++;
    d->last_offset = offset;
    d->last_size = size;
    *val = d->reg;
    return 0;
}

static int dev_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct fake_dev *d = dev;
    d->writes++;
    d->last_offset = offset;
    d->last_size = size;
    d->reg = val;
    return 0;
}

static const struct io_ops dev_ops = { dev_read, dev_write };
static struct fake_dev dev;

/* Exit qualification of IN/OUT (not string) of `size` bytes at `port`. */
static uint64_t io_qual(uint16_t port, unsigned size, bool in)
{
    return (uint64_t)(size - 1) | (in ? BIT(3) : 0) | ((uint64_t)port << 16);
}

static void add_device(void)
{
    memset(&dev, 0, sizeof(dev));
    assert_int_equal(io_bus_register(&vm.bus, IO_SPACE_PIO, 0x3F8, 8, &dev_ops, &dev, "dev"), 0);
}

static void test_in_byte_from_device_keeps_rest_of_rax(void **state)
{
    (void)state;
    add_device();
    dev.reg = 0x60;
    v->regs.gpr[GPR_RAX] = 0x1122334455667788ULL;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, io_qual(0x3FD, 1, true));
    assert_int_equal(exit_io_instruction(v), EXIT_RESUME);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(dev.last_offset, 5);           /* port - base */
    assert_int_equal(dev.last_size, 1);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0x1122334455667760ULL);
    assert_rip_advanced();
}

static void test_in_dword_zero_extends(void **state)
{
    (void)state;
    add_device();
    dev.reg = 0xDEADBEEF;
    v->regs.gpr[GPR_RAX] = ~0ULL;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, io_qual(0x3F8, 4, true));
    assert_int_equal(exit_io_instruction(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0xDEADBEEF);
}

static void test_out_word_to_device(void **state)
{
    (void)state;
    add_device();
    v->regs.gpr[GPR_RAX] = 0xFFFF1234;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, io_qual(0x3F9, 2, false));
    assert_int_equal(exit_io_instruction(v), EXIT_RESUME);
    assert_int_equal(dev.writes, 1);
    assert_int_equal(dev.reg, 0x1234);
    assert_int_equal(dev.last_size, 2);
    assert_rip_advanced();
}

static void test_in_from_unclaimed_port_reads_ones(void **state)
{
    (void)state;
    v->regs.gpr[GPR_RAX] = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, io_qual(0x1234, 2, true));
    assert_int_equal(exit_io_instruction(v), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0xFFFF);
    assert_rip_advanced();
}

/* ---- other exits ---- */

static void test_vmx_instruction_raises_ud(void **state)
{
    (void)state;
    assert_int_equal(exit_dispatch(v, EXIT_REASON_VMPTRLD), EXIT_RESUME);
    assert_exception(VECTOR_UD, false, 0);
    assert_rip_kept();
}

static void test_rdpmc_raises_gp(void **state)
{
    (void)state;
    assert_int_equal(exit_dispatch(v, EXIT_REASON_RDPMC), EXIT_RESUME);
    assert_gp0();
}

static void test_wbinvd_runs_and_skips(void **state)
{
    (void)state;
    assert_int_equal(exit_dispatch(v, EXIT_REASON_WBINVD), EXIT_RESUME);
    assert_int_equal(vmx_env_fake.wbinvd_count, 1);
    assert_rip_advanced();
}

static void test_triple_fault_stops(void **state)
{
    (void)state;
    assert_int_equal(exit_dispatch(v, EXIT_REASON_TRIPLE_FAULT), EXIT_STOP_VM);
    assert_int_equal(vm.end, VM_END_TRIPLE_FAULT);
}

static void test_unhandled_reason_stops_with_its_name(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_REASON, EXIT_REASON_INVLPG);
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, 0x1000);
    vmcs_fake_set(VMCS_GUEST_RSP, 0x8000);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_INVLPG), EXIT_STOP_VM);
    assert_int_equal(vm.end, VM_END_UNHANDLED_EXIT);
    assert_non_null(strstr(vm.end_detail, "INVLPG"));
}

static void test_interrupt_window_exit_turns_window_off(void **state)
{
    (void)state;
    v->window_exiting = true;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
                  PROC_CTL_HLT_EXITING | PROC_CTL_INTERRUPT_WINDOW_EXITING);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_INTERRUPT_WINDOW), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_CTL_HLT_EXITING);
    assert_false(v->window_exiting);
    assert_true(v->work & VCPU_WORK_IRQ);
    assert_rip_kept();
}

static void test_nmi_window_exit_turns_window_off(void **state)
{
    (void)state;
    v->nmi_window_exiting = true;
    vmcs_fake_set(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
                  PROC_CTL_HLT_EXITING | PROC_CTL_NMI_WINDOW_EXITING);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_NMI_WINDOW), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL), PROC_CTL_HLT_EXITING);
    assert_false(v->nmi_window_exiting);
    assert_true(v->work & VCPU_WORK_IRQ);
}

/* A #BP exit with no debugger (vm->debug_ops NULL) goes to guest debugging
 * (vmx/guest_debug.c, tests/unit/test_guest_debug.c), which gives the INT3's
 * #BP back to the guest, past the instruction. */
static void test_exception_exit_breakpoint_goes_to_guest_debug(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_VM_EXIT_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EXCEPTION_NMI), EXIT_RESUME);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INTERRUPTION_INFO),
                     INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3);
    assert_int_equal(vmcs_fake_get(VMCS_VM_ENTRY_INSTRUCTION_LEN), INSN_LEN);
}

static void test_ept_violation_fetch_from_unbacked_stops(void **state)
{
    (void)state;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(2));          /* instruction fetch */
    vmcs_fake_set(VMCS_GUEST_PHYSICAL_ADDRESS, 0xC0000000ULL);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EPT_VIOLATION), EXIT_STOP_VM);
    assert_int_equal(vm.end, VM_END_BAD_ACCESS);
    assert_non_null(strstr(vm.end_detail, "instruction fetch"));
}

/* Guest RAM is mapped at its first touch: a violation inside RAM maps the
 * whole 2 MiB chunk holding it (here the VM's only, shorter chunk), RWX, and
 * the guest retries the instruction; counted apart from EPT_VIOLATION. */
static void test_ept_violation_in_ram_maps_its_chunk(void **state)
{
    (void)state;
    vm.mem.size = RAM_SIZE / 2 + PAGE_SIZE;                  /* the last chunk is short */
    vm.exits[EXIT_REASON_EPT_VIOLATION].count = 1;           /* as vmx_handle_exit counts */
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(2));          /* instruction fetch */
    vmcs_fake_set(VMCS_GUEST_PHYSICAL_ADDRESS, RAM_SIZE / 2 + 0x123);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EPT_VIOLATION), EXIT_RESUME);
    assert_int_equal(vmx_env_fake.ept_maps, 1);
    assert_int_equal(vmx_env_fake.ept_map_gpa, 0);
    assert_int_equal(vmx_env_fake.ept_map_hpa, (uint64_t)(uintptr_t)vm.mem.chunk[0]);
    assert_int_equal(vmx_env_fake.ept_map_len, RAM_SIZE / 2 + PAGE_SIZE);
    assert_int_equal(vmx_env_fake.ept_map_prot, EPT_RWX);
    assert_int_equal(vm.exits[EXIT_REASON_EPT_VIOLATION].count, 0);
    assert_int_equal(vm.ram_faults.count, 1);
    assert_int_equal(vm.state, VM_RUNNABLE);
    assert_rip_kept();
    assert_nothing_injected();
}

static void test_ept_violation_in_ram_without_table_memory_stops(void **state)
{
    (void)state;
    vmx_env_fake.ept_rc = -HV_ENOMEM;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(1));          /* data write */
    vmcs_fake_set(VMCS_GUEST_PHYSICAL_ADDRESS, 0x1000);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EPT_VIOLATION), EXIT_STOP_VM);
    assert_int_equal(vm.state, VM_STOPPED);
    assert_non_null(strstr(vm.end_detail, "EPT tables"));
}

/* A MOV from an unbacked address in 32-bit protected mode: the emulator
 * reads all ones into EAX and the handler moves RIP past the instruction. */
static void test_ept_violation_read_of_unbacked_reads_ones(void **state)
{
    (void)state;
    static const uint8_t mov_eax_mem[] = { 0x8B, 0x03 };      /* mov eax, [ebx] */
    assert_int_equal(gmem_write(&vm.mem, GUEST_RIP, mov_eax_mem, sizeof(mov_eax_mem)), 0);
    v->regs.gpr[GPR_RBX] = 0xC0000000ULL;
    v->regs.gpr[GPR_RAX] = 0;
    vmcs_fake_set(VMCS_EXIT_QUALIFICATION, BIT(0));          /* data read, no linear address */
    vmcs_fake_set(VMCS_GUEST_PHYSICAL_ADDRESS, 0xC0000000ULL);
    vmcs_fake_set(VMCS_IDT_VECTORING_INFO, 0);
    vmcs_fake_set(VMCS_GUEST_RSP, 0x8000);
    vmcs_fake_set(VMCS_GUEST_RFLAGS, 2);
    vmcs_fake_set(VMCS_GUEST_CS_ACCESS_RIGHTS, AR_CS32);
    vmcs_fake_set(VMCS_GUEST_IA32_EFER, 0);
    static const enum vmcs_field zero[] = {
        VMCS_GUEST_CS_BASE, VMCS_GUEST_DS_BASE, VMCS_GUEST_ES_BASE, VMCS_GUEST_SS_BASE,
        VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE, VMCS_GUEST_CR3, VMCS_GUEST_CR4,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(zero); i++)
        vmcs_fake_set(zero[i], 0);
    vmcs_fake_set(VMCS_GUEST_CR0, CR0_PE | CR0_NE | CR0_ET);
    assert_int_equal(exit_dispatch(v, EXIT_REASON_EPT_VIOLATION), EXIT_RESUME);
    assert_int_equal(v->regs.gpr[GPR_RAX], 0xFFFFFFFF);
    assert_int_equal(vmcs_fake_get(VMCS_GUEST_RIP), GUEST_RIP + sizeof(mov_eax_mem));
    assert_int_equal(vm.unbacked_accesses, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_width_rule),
        T(test_fake_high_access_and_truncation),
        T(test_inject_exception_with_error_code),
        T(test_inject_ud_has_no_error_code),
        T(test_cpuid_cached_leaf),
        T(test_cpuid_computed_leaf_gets_subleaf),
        T(test_hlt_if1_sleeps_and_ends_sti_blocking),
        T(test_hlt_if1_with_interrupt_waiting_does_not_sleep),
        T(test_hlt_if1_with_pic_interrupt_waiting_does_not_sleep),
        T(test_hlt_if0_stops_the_guest),
        T(test_xsetbv_valid),
        T(test_xsetbv_avx_without_sse_gp),
        T(test_xsetbv_without_x87_gp),
        T(test_xsetbv_unsupported_component_gp),
        T(test_xsetbv_ecx_not_zero_gp),
        T(test_xsetbv_from_cpl3_gp),
        T(test_rdmsr_efer),
        T(test_rdmsr_apic_base),
        T(test_rdmsr_unknown_gp0),
        T(test_rdmsr_x2apic_register_in_xapic_mode_gp0),
        T(test_wrmsr_efer_keeps_lma),
        T(test_wrmsr_efer_reserved_bit_gp0),
        T(test_wrmsr_efer_lme_with_paging_on_gp0),
        T(test_wrmsr_pat),
        T(test_wrmsr_pat_reserved_type_gp0),
        T(test_wrmsr_unknown_gp0),
        T(test_wrmsr_apic_base_enters_x2apic_mode),
        T(test_wrmsr_apic_base_reserved_bit_gp0),
        T(test_mov_to_cr0_sets_shadow_and_fixed_bits),
        T(test_mov_to_cr0_pg_without_pe_gp0),
        T(test_mov_to_cr0_reserved_high_bit_gp0),
        T(test_mov_to_cr0_enters_ia32e_mode),
        T(test_mov_to_cr0_paging_with_lme_without_pae_gp0),
        T(test_clts_clears_ts_in_shadow),
        T(test_mov_to_cr4),
        T(test_mov_to_cr4_vmxe_gp0),
        T(test_mov_to_cr4_clearing_pae_in_long_mode_gp0),
        T(test_mov_to_cr4_pae_with_bad_pdpte_gp0),
        T(test_mov_to_cr4_pae_loads_pdptes),
        T(test_mov_to_cr8_reserved_bits_gp0),
        T(test_mov_cr8_to_and_from),
        T(test_mov_to_cr3_counted),
        T(test_vmcall_from_cpl3_refused),
        T(test_vmcall_console_write),
        T(test_vmcall_console_write_outside_ram),
        T(test_vmcall_exit_stops_with_status),
        T(test_vmcall_unknown_function),
        T(test_in_byte_from_device_keeps_rest_of_rax),
        T(test_in_dword_zero_extends),
        T(test_out_word_to_device),
        T(test_in_from_unclaimed_port_reads_ones),
        T(test_vmx_instruction_raises_ud),
        T(test_rdpmc_raises_gp),
        T(test_wbinvd_runs_and_skips),
        T(test_triple_fault_stops),
        T(test_unhandled_reason_stops_with_its_name),
        T(test_interrupt_window_exit_turns_window_off),
        T(test_nmi_window_exit_turns_window_off),
        T(test_exception_exit_breakpoint_goes_to_guest_debug),
        T(test_ept_violation_fetch_from_unbacked_stops),
        T(test_ept_violation_read_of_unbacked_reads_ones),
        T(test_ept_violation_in_ram_maps_its_chunk),
        T(test_ept_violation_in_ram_without_table_memory_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
