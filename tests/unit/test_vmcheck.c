/*
 * Host tests for the VM-entry checker (vmx/vmcheck.c).
 *
 * A VMCS image (an array indexed by field encoding) starts from a valid
 * state like the one vmx/vmcs.c builds (write_controls, write_host_state,
 * write_guest_state) for a 32-bit protected-mode guest and a 64-bit guest
 * (with APIC virtualization), and from an unrestricted real-mode guest and
 * a virtual-8086 guest; control words come from vmx_compute_controls() on
 * the test_vmx_caps snapshot (Bochs corei7_skylake_x / Skylake). Each row
 * of the case table breaks one SDM rule and names the exact line(s) the
 * checker must print; the valid states must print nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmcheck.h"

/* The case table leaves the optional fields of a row out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct vmx_caps skylake = {
    .basic      = 0x00d810000000002bULL,
    .pinbased   = 0x0000007f00000016ULL,
    .procbased  = 0xfff9fffe04006172ULL,
    .procbased2 = 0x02177fff00000000ULL,
    .exit       = 0x01ffffff00036dfbULL,
    .entry      = 0x0003ffff000011fbULL,
    .misc       = 0x7004c1e7ULL,
    .cr0_fixed0 = 0x80000021ULL,
    .cr0_fixed1 = 0xffffffffULL,
    .cr4_fixed0 = 0x2000ULL,
    .cr4_fixed1 = 0x3767ffULL,
    .ept_vpid   = 0x00000f0106334141ULL,
    .vmfunc     = 0x1ULL,
};

/* ---- the fake VMCS, memory and report ---------------------------------------------------- */

static uint64_t img[0x7000];
static uint8_t mem[0x40000];            /* host-physical 0 .. 0x40000 */
static struct vmx_caps caps;
static bool host32;
#define MAX_LINES 16
static char lines[MAX_LINES][200];
static unsigned nlines;

static uint64_t fake_read(void *ctx, enum vmcs_field f)
{
    (void)ctx;
    assert_true((unsigned)f < ARRAY_SIZE(img));
    return img[f];
}

static bool fake_read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
    (void)ctx;
    if (pa >= sizeof(mem) || len > sizeof(mem) - pa)
        return false;
    memcpy(buf, mem + pa, len);
    return true;
}

static void fake_report(void *ctx, const char *line)
{
    (void)ctx;
    if (nlines < MAX_LINES)
        snprintf(lines[nlines], sizeof(lines[0]), "%s", line);
    nlines++;
}

static unsigned run(void)
{
    struct vmcheck_env env = {
        .read = fake_read, .read_phys = fake_read_phys, .report = fake_report,
        .caps = &caps, .phys_bits = 39, .linear_bits = 48, .host_ia32e = !host32,
    };
    nlines = 0;
    unsigned n = vmcheck_run(&env);
    assert_int_equal(n, nlines);
    return n;
}

/* ---- valid states ------------------------------------------------------------------------- */

enum base { P32, L64, REAL, V86 };

#define AR_CODE32   0xC09B
#define AR_CODE64   0xA09B
#define AR_DATA     0xC093
#define AR_TSS_BUSY 0x008B
#define AR_UNUSABLE 0x10000

static void seg(unsigned i, uint64_t sel, uint64_t base, uint64_t limit, uint64_t ar)
{
    img[VMCS_GUEST_ES_SELECTOR + 2 * i] = sel;
    img[VMCS_GUEST_ES_BASE + 2 * i] = base;
    img[VMCS_GUEST_ES_LIMIT + 2 * i] = limit;
    img[VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * i] = ar;
}
enum { ES, CS, SS, DS, FS, GS, LDTR, TR };

static void build(enum base b)
{
    struct vmx_controls ctls;
    const char *missing;
    memset(img, 0, sizeof(img));
    memset(mem, 0, sizeof(mem));
    caps = skylake;
    host32 = false;
    assert_int_equal(vmx_compute_controls(&caps, &ctls, &missing), 0);

    /* Controls (write_controls; apicv.c adds its bits for the 64-bit guest). */
    img[VMCS_PIN_BASED_VM_EXEC_CONTROL] = ctls.pin;
    img[VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL] = ctls.proc;
    img[VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL] = ctls.proc2;
    img[VMCS_VM_EXIT_CONTROLS] = ctls.exit;
    img[VMCS_VM_ENTRY_CONTROLS] = ctls.entry | (b == L64 ? ENTRY_CTL_IA32E_MODE_GUEST : 0);
    img[VMCS_IO_BITMAP_A] = 0x1000;
    img[VMCS_IO_BITMAP_B] = 0x2000;
    img[VMCS_MSR_BITMAP] = 0x3000;
    img[VMCS_EPT_POINTER] = 0x5000 | 6 | (3 << 3);
    img[VMCS_VPID] = 1;
    img[VMCS_VMCS_LINK_POINTER] = ~0ULL;
    if (b == L64) {
        img[VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL] |= ctls.apicv_proc;
        img[VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL] |= ctls.apicv_proc2 |
                                                          PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY;
        img[VMCS_VIRTUAL_APIC_PAGE_ADDR] = 0x6000;
        img[VMCS_APIC_ACCESS_ADDR] = 0x7000;
    }

    /* Host state (write_host_state). */
    img[VMCS_HOST_CR0] = 0x80000033;
    img[VMCS_HOST_CR3] = 0x8000;
    img[VMCS_HOST_CR4] = 0x26A0;
    img[VMCS_HOST_CS_SELECTOR] = 0x08;
    img[VMCS_HOST_SS_SELECTOR] = img[VMCS_HOST_DS_SELECTOR] = img[VMCS_HOST_ES_SELECTOR] = 0x10;
    img[VMCS_HOST_TR_SELECTOR] = 0x18;
    img[VMCS_HOST_TR_BASE] = 0x9000;
    img[VMCS_HOST_GDTR_BASE] = 0xA000;
    img[VMCS_HOST_IDTR_BASE] = 0xB000;
    img[VMCS_HOST_IA32_EFER] = 0xD00;
    img[VMCS_HOST_IA32_PAT] = 0x0007040600070406ULL;
    img[VMCS_HOST_RIP] = 0x100abc;

    /* Guest state (write_guest_state, and a real-mode / virtual-8086 one). */
    img[VMCS_GUEST_DR7] = 0x400;
    img[VMCS_GUEST_RFLAGS] = 0x2;
    img[VMCS_GUEST_IA32_PAT] = 0x0007040600070406ULL;
    img[VMCS_GUEST_CR4] = 0x2000;
    seg(LDTR, 0, 0, 0, AR_UNUSABLE);
    seg(TR, 0, 0, 0x67, AR_TSS_BUSY);
    switch (b) {
    case P32:
    case L64:
        img[VMCS_GUEST_CR0] = b == L64 ? 0x80000031 : 0x31;
        seg(CS, 0x08, 0, 0xFFFFFFFF, b == L64 ? AR_CODE64 : AR_CODE32);
        for (unsigned i = ES; i <= GS; i++)
            if (i != CS)
                seg(i, 0x10, 0, 0xFFFFFFFF, AR_DATA);
        img[VMCS_GUEST_RIP] = 0x101704;
        img[VMCS_GUEST_RSP] = 0x9F000;
        if (b == L64) {
            img[VMCS_GUEST_CR4] = 0x2020;
            img[VMCS_GUEST_CR3] = 0x1000;
            img[VMCS_GUEST_IA32_EFER] = 0x500;
            img[VMCS_GUEST_GDTR_BASE] = 0x2000;
            img[VMCS_GUEST_GDTR_LIMIT] = 0x2F;
            img[VMCS_GUEST_RIP] = 0x1000200;
        }
        break;
    case REAL:
        img[VMCS_GUEST_CR0] = 0x30;
        seg(CS, 0xF000, 0xF0000, 0xFFFF, 0x9B);
        for (unsigned i = ES; i <= GS; i++)
            if (i != CS)
                seg(i, 0, 0, 0xFFFF, 0x93);
        seg(TR, 0, 0, 0xFFFF, AR_TSS_BUSY);
        img[VMCS_GUEST_RIP] = 0xFFF0;
        img[VMCS_GUEST_IDTR_LIMIT] = 0x3FF;
        break;
    case V86:
        img[VMCS_GUEST_CR0] = 0x31;
        img[VMCS_GUEST_RFLAGS] = 0x20002;
        for (unsigned i = ES; i <= GS; i++)
            seg(i, 0x100 + i, (0x100 + i) << 4, 0xFFFF, 0xF3);
        seg(TR, 0x28, 0x3000, 0x2067, AR_TSS_BUSY);
        img[VMCS_GUEST_RIP] = 0x100;
        break;
    }
}

static void test_valid_states(void **state)
{
    (void)state;
    static const char *const names[] = { "32-bit protected", "64-bit", "real (unrestricted)",
                                         "virtual-8086" };
    for (enum base b = P32; b <= V86; b++) {
        build(b);
        if (run() != 0)
            fail_msg("the valid %s state gave %u line(s), first: %s", names[b], nlines, lines[0]);
    }
}

/* ---- one broken rule per row ------------------------------------------------------------- */

enum op { NONE, SET, OR, CLR };
struct edit { enum vmcs_field f; enum op op; uint64_t v; };
struct row {
    const char *rule;
    enum base base;
    struct edit e[4];
    const char *want, *want2;     /* the line(s) printed, in any order; NULL: none */
    uint64_t misc, ept_vpid, procbased, pinbased;   /* capability overrides when nonzero */
    bool host32;
    struct { uint64_t pa, v; } mem[3];
};

#define S(f, v) { VMCS_##f, SET, (v) }
#define O(f, v) { VMCS_##f, OR, (v) }
#define C(f, v) { VMCS_##f, CLR, (v) }
#define NOUG    C(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_UNRESTRICTED_GUEST), \
                S(GUEST_CR0, 0x80000031)
#define PIN_POSTED_CAPS 0x000000ff00000016ULL   /* posted interrupts offered */
#define NC 0x800000000000ULL              /* not canonical with 48 linear-address bits */

static const struct row rows[] = {
    /* VM-execution control fields */
    { "pin-based allowed-0", P32, { C(PIN_BASED_VM_EXEC_CONTROL, 0x10) },
      "pin-based VM-execution controls: bits 0x10 must be 1 (the capability MSR requires them), got 0x6f" },
    { "pin-based allowed-1", P32, { O(PIN_BASED_VM_EXEC_CONTROL, 0x100) },
      "pin-based VM-execution controls: bits 0x100 must be 0 (the capability MSR does not allow them), got 0x17f" },
    { "primary allowed-0", P32, { C(PRIMARY_PROC_BASED_VM_EXEC_CONTROL, 0x2) },
      "primary processor-based VM-execution controls: bits 0x2 must be 1 (the capability MSR requires them), got 0xb6186df0" },
    { "secondary allowed-1", P32, { O(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, 0x8000) },
      "secondary processor-based VM-execution controls: bits 0x8000 must be 0 (the capability MSR does not allow them), got 0x90aa" },
    { "CR3-target count", P32, { S(CR3_TARGET_COUNT, 5) },
      "CR3-target count: must be at most 4, got 5" },
    { "I/O bitmap aligned", P32, { S(IO_BITMAP_A, 0x1004) },
      "I/O bitmap A address: must be 4 KiB aligned, got 0x1004" },
    { "I/O bitmap width", P32, { S(IO_BITMAP_B, 0x8000000000ULL) },
      "I/O bitmap B address: must be within the 39-bit physical-address width, got 0x8000000000" },
    { "MSR bitmap aligned", P32, { S(MSR_BITMAP, 0x3008) },
      "MSR bitmap address: must be 4 KiB aligned, got 0x3008" },
    { "virtual-APIC address", L64, { S(VIRTUAL_APIC_PAGE_ADDR, 0x6010) },
      "virtual-APIC address: must be 4 KiB aligned, got 0x6010" },
    { "TPR threshold bits 31:4", P32, { O(PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_CTL_USE_TPR_SHADOW),
                                        S(VIRTUAL_APIC_PAGE_ADDR, 0x6000), S(TPR_THRESHOLD, 0x10) },
      "TPR threshold: bits 31:4 must be 0 without virtual-interrupt delivery, got 0x10" },
    { "TPR threshold vs VTPR", P32, { O(PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_CTL_USE_TPR_SHADOW),
                                      S(VIRTUAL_APIC_PAGE_ADDR, 0x6000), S(TPR_THRESHOLD, 5) },
      "TPR threshold: must not exceed bits 7:4 of the virtual-APIC page's TPR (0x40), got 0x5",
      .mem = { { 0x6080, 0x40 } } },
    { "APIC virtualization needs TPR shadow", P32,
      { O(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_APIC_REGISTER_VIRTUALIZATION) },
      "secondary processor-based VM-execution controls: bits 0x100 (x2APIC, APIC-register virtualization, virtual-interrupt delivery) need \"use TPR shadow\"" },
    { "virtual NMIs need NMI exiting", P32, { C(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_NMI_EXITING) },
      "pin-based VM-execution controls: \"virtual NMIs\" needs \"NMI exiting\"" },
    { "NMI-window exiting needs virtual NMIs", P32,
      { C(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_VIRTUAL_NMIS),
        O(PRIMARY_PROC_BASED_VM_EXEC_CONTROL, PROC_CTL_NMI_WINDOW_EXITING) },
      "primary processor-based VM-execution controls: \"NMI-window exiting\" needs \"virtual NMIs\"" },
    { "APIC-access address", L64, { S(APIC_ACCESS_ADDR, 0x7001) },
      "APIC-access address: must be 4 KiB aligned, got 0x7001" },
    { "x2APIC mode and APIC accesses", L64,
      { O(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_VIRTUALIZE_X2APIC_MODE) },
      "secondary processor-based VM-execution controls: \"virtualize x2APIC mode\" and \"virtualize APIC accesses\" must not both be 1" },
    { "virtual-interrupt delivery needs external-interrupt exiting", L64,
      { C(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_EXTERNAL_INTERRUPT_EXITING) },
      "pin-based VM-execution controls: virtual-interrupt delivery needs \"external-interrupt exiting\"" },
    { "posted interrupts need virtual-interrupt delivery", P32,
      { O(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_PROCESS_POSTED_INTERRUPTS) },
      "pin-based VM-execution controls: \"process posted interrupts\" needs virtual-interrupt delivery", .pinbased = PIN_POSTED_CAPS },
    { "posted interrupts need acknowledge on exit", L64,
      { O(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_PROCESS_POSTED_INTERRUPTS),
        C(VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTERRUPT_ON_EXIT) },
      "VM-exit controls: \"process posted interrupts\" needs \"acknowledge interrupt on exit\"", .pinbased = PIN_POSTED_CAPS },
    { "posted-interrupt notification vector", L64,
      { O(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_PROCESS_POSTED_INTERRUPTS),
        S(POSTED_INTR_NOTIFICATION_VECTOR, 0x1F2) },
      "posted-interrupt notification vector: bits 15:8 must be 0, got 0x1f2", .pinbased = PIN_POSTED_CAPS },
    { "VPID not 0", P32, { S(VPID, 0) }, "VPID: must not be 0 with \"enable VPID\"" },
    { "EPTP memory type", P32, { S(EPT_POINTER, 0x5019) },
      "EPT pointer: memory type (bits 2:0) must be one the CPU offers (0 UC, 6 WB), got 1" },
    { "EPTP page-walk length", P32, { S(EPT_POINTER, 0x5016) },
      "EPT pointer: page-walk length - 1 (bits 5:3) must be 3 (4 levels), got 2" },
    { "EPTP accessed/dirty flags", P32, { S(EPT_POINTER, 0x505E) },
      "EPT pointer: bit 6 (accessed and dirty flags) must be 0: the CPU lacks them",
      .ept_vpid = 0x00000f0106134141ULL },
    { "EPTP reserved bits", P32, { S(EPT_POINTER, 0x509E) },
      "EPT pointer: bits 11:7 and bits above the 39-bit physical-address width must be 0, got 0x509e" },
    { "unrestricted guest needs EPT", REAL, { C(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_ENABLE_EPT) },
      "secondary processor-based VM-execution controls: \"unrestricted guest\" needs \"enable EPT\"" },

    { "PML needs EPT", REAL, { C(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_ENABLE_EPT |
                                   PROC2_CTL_UNRESTRICTED_GUEST), O(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, BIT(17)),
                                   S(GUEST_CR0, 0x80000031) },
      "secondary processor-based VM-execution controls: bits 0x20000 (PML, mode-based execute control, sub-page write permissions) need \"enable EPT\"" },

    /* VM-exit control fields */
    { "VM-exit allowed-0", P32, { C(VM_EXIT_CONTROLS, 0x1) },
      "VM-exit controls: bits 0x1 must be 1 (the capability MSR requires them), got 0x7feffe" },
    { "save preemption timer needs the timer", P32,
      { C(PIN_BASED_VM_EXEC_CONTROL, PIN_CTL_ACTIVATE_PREEMPTION_TIMER) },
      "VM-exit controls: \"save VMX-preemption timer value\" needs \"activate VMX-preemption timer\"" },
    { "VM-exit MSR-store alignment", P32, { S(VM_EXIT_MSR_STORE_COUNT, 1), S(VM_EXIT_MSR_STORE_ADDR, 0x10008) },
      "VM-exit MSR-store address: must be 16-byte aligned, got 0x10008" },
    { "VM-exit MSR-load width", P32,
      { S(VM_EXIT_MSR_LOAD_COUNT, 2), S(VM_EXIT_MSR_LOAD_ADDR, 0x7ffffffff0ULL) },
      "VM-exit MSR-load address: 2 entries at 0x7ffffffff0 end beyond the 39-bit physical-address width" },

    /* VM-entry control fields */
    { "VM-entry allowed-1", P32, { O(VM_ENTRY_CONTROLS, 0x40000) },
      "VM-entry controls: bits 0x40000 must be 0 (the capability MSR does not allow them), got 0x4d1ff" },
    { "injection type 1", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000120) },
      "VM-entry interruption information: type 1 is reserved, got 0x80000120" },
    { "injection type 7 needs MTF", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000700) },
      "VM-entry interruption information: type 7 (other event) needs the monitor trap flag, got 0x80000700",
      .procbased = 0xf7f9fffe04006172ULL },
    { "injected NMI vector", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000203) },
      "VM-entry interruption information: an NMI must have vector 2, got 3" },
    { "injected exception vector", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000320) },
      "VM-entry interruption information: a hardware exception must have a vector up to 31, got 32" },
    { "injected other event vector", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000701) },
      "VM-entry interruption information: type 7 (other event) must have vector 0, got 1" },
    { "error code for #UD", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000B06) },
      "VM-entry interruption information: \"deliver error code\" must be 0 (only hardware exceptions 8, 10-14 and 17 in protected mode have one), got 0x80000b06" },
    { "error code in real mode", REAL, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000B0D) },
      "VM-entry interruption information: \"deliver error code\" must be 0 (only hardware exceptions 8, 10-14 and 17 in protected mode have one), got 0x80000b0d" },
    { "no error code for #GP", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x8000030D) },
      "VM-entry interruption information: \"deliver error code\" must be 1 for exception 13, got 0x8000030d" },
    { "injection reserved bits", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80001306) },
      "VM-entry interruption information: bits 30:12 must be 0, got 0x80001306" },
    { "error code bits 31:16", P32,
      { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000B0D), S(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000) },
      "VM-entry exception error code: bits 31:16 must be 0, got 0x10000" },
    { "instruction length", P32,
      { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000480), S(VM_ENTRY_INSTRUCTION_LEN, 16) },
      "VM-entry instruction length: must be 0 to 15 for a software interrupt or exception, got 16" },
    { "VM-entry MSR-load alignment", P32,
      { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10004) },
      "VM-entry MSR-load address: must be 16-byte aligned, got 0x10004" },
    { "entry to SMM", P32, { O(VM_ENTRY_CONTROLS, ENTRY_CTL_ENTRY_TO_SMM) },
      "VM-entry controls: \"entry to SMM\" must be 0 outside SMM" },
    { "deactivate dual-monitor treatment", P32, { O(VM_ENTRY_CONTROLS, BIT(11)) },
      "VM-entry controls: \"deactivate dual-monitor treatment\" must be 0 outside SMM" },

    /* Host control registers and MSRs */
    { "host CR0 fixed-0", P32, { S(HOST_CR0, 0x80000013) },
      "host CR0: bits 0x20 must be 1 (IA32_VMX_CR0_FIXED0), got 0x80000013" },
    { "host CR4 fixed-1", P32, { S(HOST_CR4, 0x2EA0) },
      "host CR4: bits 0x800 must be 0 (IA32_VMX_CR4_FIXED1), got 0x2ea0" },
    { "host CR3 width", P32, { S(HOST_CR3, 0x8000000000ULL) },
      "host CR3: bits above the 39-bit physical-address width must be 0, got 0x8000000000" },
    { "host SYSENTER_ESP", P32, { S(HOST_IA32_SYSENTER_ESP, NC) },
      "host IA32_SYSENTER_ESP: must be canonical, got 0x800000000000" },
    { "host SYSENTER_EIP", P32, { S(HOST_IA32_SYSENTER_EIP, NC) },
      "host IA32_SYSENTER_EIP: must be canonical, got 0x800000000000" },
    { "host PAT", P32, { S(HOST_IA32_PAT, 0x0007040600070402ULL) },
      "host IA32_PAT: every byte must be a memory type (0, 1, 4, 5, 6, 7), got 0x7040600070402" },
    { "host EFER reserved", P32, { S(HOST_IA32_EFER, 0xD02) },
      "host IA32_EFER: reserved bits must be 0, got 0xd02" },
    { "host EFER LMA", P32, { S(HOST_IA32_EFER, 0x901) },
      "host IA32_EFER: LMA and LME must equal \"host address-space size\" (1), got 0x901" },

    /* Host segment and descriptor-table registers */
    { "host selector RPL", P32, { S(HOST_SS_SELECTOR, 0x13) },
      "host SS selector: RPL and TI (bits 2:0) must be 0, got 0x13" },
    { "host CS not 0", P32, { S(HOST_CS_SELECTOR, 0) }, "host CS selector: must not be 0" },
    { "host TR not 0", P32, { S(HOST_TR_SELECTOR, 0) }, "host TR selector: must not be 0" },
    { "host SS with a 32-bit host", P32,
      { C(VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE), S(HOST_IA32_EFER, 0x800),
        S(HOST_SS_SELECTOR, 0) },
      "host SS selector: must not be 0 with a 32-bit host", .host32 = true },
    { "host FS base", P32, { S(HOST_FS_BASE, NC) }, "host FS base: must be canonical, got 0x800000000000" },
    { "host GDTR base", P32, { S(HOST_GDTR_BASE, NC) }, "host GDTR base: must be canonical, got 0x800000000000" },

    /* Address-space size */
    { "64-bit host needs host address-space size", P32,
      { C(VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE), S(HOST_IA32_EFER, 0x800) },
      "VM-exit controls: \"host address-space size\" must be 1 on a 64-bit host" },
    { "IA-32e guest needs a 64-bit host", L64,
      { C(VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE), S(HOST_IA32_EFER, 0x800) },
      "VM-entry controls: \"IA-32e mode guest\" needs \"host address-space size\"", .host32 = true },
    { "host PCIDE with a 32-bit host", P32,
      { C(VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE), S(HOST_IA32_EFER, 0x800),
        O(HOST_CR4, 0x20000) },
      "host CR4: PCIDE must be 0 with a 32-bit host, got 0x226a0", .host32 = true },
    { "host RIP with a 32-bit host", P32,
      { C(VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE), S(HOST_IA32_EFER, 0x800),
        S(HOST_RIP, 0x100000000ULL) },
      "host RIP: bits 63:32 must be 0 with a 32-bit host, got 0x100000000", .host32 = true },
    { "host PAE with a 64-bit host", P32, { C(HOST_CR4, 0x20) },
      "host CR4: PAE must be 1 with a 64-bit host, got 0x2680" },
    { "host RIP canonical", P32, { S(HOST_RIP, NC) }, "host RIP: must be canonical, got 0x800000000000" },

    /* Guest control registers, debug registers and MSRs */
    { "guest CR0 fixed-0 (unrestricted)", P32, { S(GUEST_CR0, 0x11) },
      "guest CR0: bits 0x20 must be 1 (IA32_VMX_CR0_FIXED0 less PE and PG for an unrestricted guest), got 0x11" },
    { "guest CR0 fixed-0 (restricted)", P32,
      { C(SECONDARY_PROC_BASED_VM_EXEC_CONTROL, PROC2_CTL_UNRESTRICTED_GUEST) },
      "guest CR0: bits 0x80000000 must be 1 (IA32_VMX_CR0_FIXED0), got 0x31" },
    { "guest CR0 PG needs PE", REAL, { S(GUEST_CR0, 0x80000030) }, "guest CR0: PG needs PE, got 0x80000030" },
    { "guest CR4 fixed-0", P32, { S(GUEST_CR4, 0) },
      "guest CR4: bits 0x2000 must be 1 (IA32_VMX_CR4_FIXED0), got 0" },
    { "guest DEBUGCTL reserved", P32,
      { O(VM_ENTRY_CONTROLS, ENTRY_CTL_LOAD_DEBUG_CONTROLS), S(GUEST_IA32_DEBUGCTL, 0x4) },
      "guest IA32_DEBUGCTL: reserved bits (5:2, 63:16) must be 0, got 0x4" },
    { "guest DR7 bits 63:32", P32,
      { O(VM_ENTRY_CONTROLS, ENTRY_CTL_LOAD_DEBUG_CONTROLS), S(GUEST_DR7, 0x100000400ULL) },
      "guest DR7: bits 63:32 must be 0, got 0x100000400" },
    { "IA-32e guest needs PAE", L64, { S(GUEST_CR4, 0x2000) },
      "guest CR0/CR4: an IA-32e mode guest needs CR0.PG and CR4.PAE, got CR0 0x80000031 CR4 0x2000" },
    { "PCIDE outside IA-32e mode", P32, { S(GUEST_CR4, 0x22000) },
      "guest CR4: PCIDE must be 0 outside IA-32e mode, got 0x22000" },
    { "guest CR3 width", L64, { S(GUEST_CR3, 0x8000001000ULL) },
      "guest CR3: bits above the 39-bit physical-address width must be 0, got 0x8000001000" },
    { "guest SYSENTER_ESP", P32, { S(GUEST_IA32_SYSENTER_ESP, NC) },
      "guest IA32_SYSENTER_ESP: must be canonical, got 0x800000000000" },
    { "guest SYSENTER_EIP", P32, { S(GUEST_IA32_SYSENTER_EIP, NC) },
      "guest IA32_SYSENTER_EIP: must be canonical, got 0x800000000000" },
    { "guest PAT", P32, { S(GUEST_IA32_PAT, 0x0007040600070403ULL) },
      "guest IA32_PAT: every byte must be a memory type (0, 1, 4, 5, 6, 7), got 0x7040600070403" },
    { "guest EFER reserved", L64, { S(GUEST_IA32_EFER, 0x502) },
      "guest IA32_EFER: reserved bits must be 0, got 0x502" },
    { "guest EFER.LMA", P32, { S(GUEST_IA32_EFER, 0x400) },
      "guest IA32_EFER: LMA must equal \"IA-32e mode guest\" (0), got 0x400" },
    { "guest EFER.LME", L64, { S(GUEST_IA32_EFER, 0x400) },
      "guest IA32_EFER: LME must equal LMA while CR0.PG is 1, got 0x400" },

    /* Guest segment registers: selectors */
    { "TR TI", P32, { S(GUEST_TR_SELECTOR, 0x4) }, "guest TR selector: TI (bit 2) must be 0, got 0x4" },
    { "LDTR TI", P32, { S(GUEST_LDTR_SELECTOR, 0x4), S(GUEST_LDTR_ACCESS_RIGHTS, 0x82) },
      "guest LDTR selector: TI (bit 2) must be 0, got 0x4" },
    { "SS RPL equals CS RPL", P32, { NOUG, S(GUEST_SS_SELECTOR, 0x13) },
      "guest SS selector: RPL must equal CS's RPL (0), got 0x13",
      "guest SS access rights: DPL must equal the selector's RPL (3), got 0" },
    /* bases */
    { "virtual-8086 base", V86, { S(GUEST_DS_BASE, 0x10) },
      "guest DS base: must be the selector times 16 (0x1030) in virtual-8086 mode, got 0x10" },
    { "CS base bits 63:32", L64, { S(GUEST_CS_BASE, 0x100000000ULL) },
      "guest CS base: bits 63:32 must be 0, got 0x100000000" },
    { "SS base bits 63:32", L64, { S(GUEST_SS_BASE, 0x100000000ULL) },
      "guest SS base: bits 63:32 must be 0, got 0x100000000" },
    { "FS base canonical", L64, { S(GUEST_FS_BASE, NC) }, "guest FS base: must be canonical, got 0x800000000000" },
    { "TR base canonical", L64, { S(GUEST_TR_BASE, NC) }, "guest TR base: must be canonical, got 0x800000000000" },
    { "LDTR base canonical", L64, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x82), S(GUEST_LDTR_BASE, NC) },
      "guest LDTR base: must be canonical, got 0x800000000000" },
    /* virtual-8086 limits and access rights */
    { "virtual-8086 limit", V86, { S(GUEST_ES_LIMIT, 0xFFFFF) },
      "guest ES limit: must be 0xffff in virtual-8086 mode, got 0xfffff" },
    { "virtual-8086 access rights", V86, { S(GUEST_GS_ACCESS_RIGHTS, 0x93) },
      "guest GS access rights: must be 0xf3 in virtual-8086 mode, got 0x93" },
    /* CS access rights */
    { "CS type (unrestricted)", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0xC091) },
      "guest CS access rights: type must be an accessed code segment (9, 11, 13, 15, or 3 with unrestricted guest), got 0x1" },
    { "CS type (restricted)", P32, { NOUG, S(GUEST_CS_ACCESS_RIGHTS, 0xC093) },
      "guest CS access rights: type must be an accessed code segment (9, 11, 13, 15), got 0x3" },
    { "CS S", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0xC08B) },
      "guest CS access rights: S must be 1 (code or data), got 0xc08b" },
    { "CS type 3 DPL", REAL, { S(GUEST_CS_ACCESS_RIGHTS, 0xB3) },
      "guest CS access rights: DPL must be 0 for type 3, got 1" },
    { "CS non-conforming DPL", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0xC0BB) },
      "guest CS access rights: DPL of a non-conforming code segment must equal SS's DPL (0), got 1" },
    { "CS conforming DPL", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0xC0BF) },
      "guest CS access rights: DPL of a conforming code segment must not exceed SS's DPL (0), got 1" },
    { "CS L and D/B", L64, { S(GUEST_CS_ACCESS_RIGHTS, 0xE09B) },
      "guest CS access rights: D/B must be 0 with L=1 in IA-32e mode, got 0xe09b" },
    { "CS P", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0xC01B) }, "guest CS access rights: P must be 1, got 0xc01b" },
    { "CS G", P32, { S(GUEST_CS_ACCESS_RIGHTS, 0x409B) },
      "guest CS access rights: G must be 1 when limit bits 31:20 are not all 0 (limit 0xffffffff), got 0x409b" },
    /* SS access rights */
    { "SS type", P32, { S(GUEST_SS_ACCESS_RIGHTS, 0xC09B) },
      "guest SS access rights: type must be read/write data (3 or 7), got 0xb" },
    { "SS DPL equals RPL", P32, { NOUG, S(GUEST_SS_ACCESS_RIGHTS, 0xC0F3) },
      "guest CS access rights: DPL of a non-conforming code segment must equal SS's DPL (3), got 0",
      "guest SS access rights: DPL must equal the selector's RPL (0), got 3" },
    { "SS DPL with CS type 3", P32,
      { S(GUEST_CS_ACCESS_RIGHTS, 0xC093), S(GUEST_SS_ACCESS_RIGHTS, 0xC0F3) },
      "guest SS access rights: DPL must be 0 when CS's type is 3, got 3" },
    { "SS DPL in real mode", REAL, { S(GUEST_SS_ACCESS_RIGHTS, 0xF3) },
      "guest SS access rights: DPL must be 0 in real mode, got 3",
      "guest CS access rights: DPL of a non-conforming code segment must equal SS's DPL (3), got 0" },
    { "SS bits 31:17", P32, { S(GUEST_SS_ACCESS_RIGHTS, 0x20C093) },
      "guest SS access rights: bits 31:17 must be 0, got 0x20c093" },
    /* DS, ES, FS, GS access rights */
    { "DS accessed", P32, { S(GUEST_DS_ACCESS_RIGHTS, 0xC092) },
      "guest DS access rights: type must be accessed (bit 0 set), got 0x2" },
    { "ES readable code", P32, { S(GUEST_ES_ACCESS_RIGHTS, 0xC099) },
      "guest ES access rights: a code segment must be readable, got type 0x9" },
    { "DS DPL and RPL", P32, { NOUG, S(GUEST_DS_SELECTOR, 0x13) },
      "guest DS access rights: DPL must not be below the selector's RPL (3), got 0" },
    { "FS S", P32, { S(GUEST_FS_ACCESS_RIGHTS, 0xC083) },
      "guest FS access rights: S must be 1 (code or data), got 0xc083" },
    { "GS P", P32, { S(GUEST_GS_ACCESS_RIGHTS, 0xC013) }, "guest GS access rights: P must be 1, got 0xc013" },
    { "DS bits 11:8", P32, { S(GUEST_DS_ACCESS_RIGHTS, 0xC193) },
      "guest DS access rights: bits 11:8 must be 0, got 0xc193" },
    { "ES G and limit", P32, { S(GUEST_ES_LIMIT, 0xFFFFF000ULL) },
      "guest ES access rights: G must be 0 when limit bits 11:0 are not all 1 (limit 0xfffff000), got 0xc093" },
    { "unusable DS is not checked", P32, { S(GUEST_DS_ACCESS_RIGHTS, 0x10000), S(GUEST_DS_LIMIT, 0) }, NULL },
    /* TR */
    { "TR type in IA-32e mode", L64, { S(GUEST_TR_ACCESS_RIGHTS, 0x83) },
      "guest TR access rights: type must be a busy TSS (11 in IA-32e mode), got 0x3" },
    { "TR type", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x89) },
      "guest TR access rights: type must be a busy TSS (3 or 11), got 0x9" },
    { "TR S", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x9B) }, "guest TR access rights: S must be 0 (system), got 0x9b" },
    { "TR P", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x0B) }, "guest TR access rights: P must be 1, got 0xb" },
    { "TR bits 11:8", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x18B) },
      "guest TR access rights: bits 11:8 must be 0, got 0x18b" },
    { "TR G", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x808B) },
      "guest TR access rights: G must be 0 when limit bits 11:0 are not all 1 (limit 0x67), got 0x808b" },
    { "TR usable", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x1008B) },
      "guest TR access rights: must be usable (bit 16 clear), got 0x1008b" },
    { "TR bits 31:17", P32, { S(GUEST_TR_ACCESS_RIGHTS, 0x2008B) },
      "guest TR access rights: bits 31:17 must be 0, got 0x2008b" },
    /* LDTR */
    { "LDTR type", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x83) },
      "guest LDTR access rights: type must be 2 (LDT), got 0x3" },
    { "LDTR S", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x92) },
      "guest LDTR access rights: S must be 0 (system), got 0x92" },
    { "LDTR P", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x02) }, "guest LDTR access rights: P must be 1, got 0x2" },
    { "LDTR bits 11:8", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x182) },
      "guest LDTR access rights: bits 11:8 must be 0, got 0x182" },
    { "LDTR G", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x8082) },
      "guest LDTR access rights: G must be 0 when limit bits 11:0 are not all 1 (limit 0), got 0x8082" },
    { "LDTR bits 31:17", P32, { S(GUEST_LDTR_ACCESS_RIGHTS, 0x20082) },
      "guest LDTR access rights: bits 31:17 must be 0, got 0x20082" },

    /* Descriptor-table registers, RIP, RFLAGS */
    { "GDTR base", P32, { S(GUEST_GDTR_BASE, NC) }, "guest GDTR base: must be canonical, got 0x800000000000" },
    { "IDTR base", P32, { S(GUEST_IDTR_BASE, NC) }, "guest IDTR base: must be canonical, got 0x800000000000" },
    { "GDTR limit", P32, { S(GUEST_GDTR_LIMIT, 0x10000) }, "guest GDTR limit: bits 31:16 must be 0, got 0x10000" },
    { "IDTR limit", P32, { S(GUEST_IDTR_LIMIT, 0x10000) }, "guest IDTR limit: bits 31:16 must be 0, got 0x10000" },
    { "RIP outside 64-bit mode", P32, { S(GUEST_RIP, 0x100000000ULL) },
      "guest RIP: bits 63:32 must be 0 outside 64-bit mode, got 0x100000000" },
    { "RIP canonical", L64, { S(GUEST_RIP, NC) }, "guest RIP: must be canonical in 64-bit mode, got 0x800000000000" },
    { "RFLAGS reserved", P32, { S(GUEST_RFLAGS, 0x8002) },
      "guest RFLAGS: reserved bits (63:22, 15, 5, 3) must be 0, got 0x8002" },
    { "RFLAGS bit 1", P32, { S(GUEST_RFLAGS, 0) }, "guest RFLAGS: bit 1 must be 1, got 0" },
    { "RFLAGS.VM in IA-32e mode", L64, { S(GUEST_RFLAGS, 0x20002) },
      "guest RFLAGS: VM must be 0 in IA-32e mode and in real mode, got 0x20002" },
    { "RFLAGS.IF for an external interrupt", P32, { S(VM_ENTRY_INTERRUPTION_INFO, 0x80000020) },
      "guest RFLAGS: IF must be 1 when an external interrupt is injected, got 0x2" },

    /* Activity state */
    { "activity state range", P32, { S(GUEST_ACTIVITY_STATE, 4) }, "guest activity state: must be 0-3, got 4" },
    { "activity state offered", P32, { S(GUEST_ACTIVITY_STATE, 1) },
      "guest activity state: the CPU does not offer the HLT state (IA32_VMX_MISC)", .misc = 0x7004c1a7ULL },
    { "HLT needs SS DPL 0", P32,
      { S(GUEST_ACTIVITY_STATE, 1), S(GUEST_CS_ACCESS_RIGHTS, 0xC0FB), S(GUEST_SS_ACCESS_RIGHTS, 0xC0F3) },
      "guest activity state: HLT needs SS's DPL to be 0, got 3" },
    { "HLT with blocking by STI", P32,
      { S(GUEST_ACTIVITY_STATE, 1), S(GUEST_INTERRUPTIBILITY_STATE, 1), S(GUEST_RFLAGS, 0x202) },
      "guest activity state: must be active with blocking by STI or MOV SS, got HLT" },
    { "event injected in HLT", P32, { S(GUEST_ACTIVITY_STATE, 1), S(VM_ENTRY_INTERRUPTION_INFO, 0x80000306) },
      "guest activity state: the HLT state cannot take the injected event (type 3, vector 6)" },
    { "event injected in shutdown", P32,
      { S(GUEST_ACTIVITY_STATE, 2), S(VM_ENTRY_INTERRUPTION_INFO, 0x80000020), S(GUEST_RFLAGS, 0x202) },
      "guest activity state: the shutdown state cannot take the injected event (type 0, vector 32)" },

    /* Interruptibility state */
    { "interruptibility reserved", P32, { S(GUEST_INTERRUPTIBILITY_STATE, 0x20) },
      "guest interruptibility state: bits 31:5 must be 0, got 0x20" },
    { "STI and MOV SS", P32, { S(GUEST_INTERRUPTIBILITY_STATE, 3), S(GUEST_RFLAGS, 0x202) },
      "guest interruptibility state: blocking by STI and by MOV SS must not both be 1, got 0x3" },
    { "STI needs IF", P32, { S(GUEST_INTERRUPTIBILITY_STATE, 1) },
      "guest interruptibility state: blocking by STI needs RFLAGS.IF=1, got 0x1" },
    { "external interrupt with MOV SS blocking", P32,
      { S(GUEST_INTERRUPTIBILITY_STATE, 2), S(GUEST_RFLAGS, 0x202), S(VM_ENTRY_INTERRUPTION_INFO, 0x80000020) },
      "guest interruptibility state: no blocking by STI or MOV SS when an external interrupt is injected, got 0x2" },
    { "NMI with MOV SS blocking", P32,
      { S(GUEST_INTERRUPTIBILITY_STATE, 2), S(VM_ENTRY_INTERRUPTION_INFO, 0x80000202) },
      "guest interruptibility state: no blocking by MOV SS when an NMI is injected, got 0x2" },
    { "SMI blocking", P32, { S(GUEST_INTERRUPTIBILITY_STATE, 4) },
      "guest interruptibility state: blocking by SMI must be 0 outside SMM, got 0x4" },
    { "virtual NMI with NMI blocking", P32,
      { S(GUEST_INTERRUPTIBILITY_STATE, 8), S(VM_ENTRY_INTERRUPTION_INFO, 0x80000202) },
      "guest interruptibility state: no blocking by NMI when a virtual NMI is injected, got 0x8" },

    /* Pending debug exceptions */
    { "pending debug reserved", P32, { S(GUEST_PENDING_DBG_EXCEPTIONS, 0x10) },
      "guest pending debug exceptions: reserved bits (11:4, 13, 15, 63:17) must be 0, got 0x10" },
    { "BS set for single-step", P32, { S(GUEST_INTERRUPTIBILITY_STATE, 1), S(GUEST_RFLAGS, 0x302) },
      "guest pending debug exceptions: BS (bit 14) must be 1 when RFLAGS.TF is 1 and IA32_DEBUGCTL.BTF is 0 (interrupts blocked or HLT), got 0" },
    { "BS clear without single-step", P32,
      { S(GUEST_ACTIVITY_STATE, 1), S(GUEST_PENDING_DBG_EXCEPTIONS, 0x4000) },
      "guest pending debug exceptions: BS (bit 14) must be 0 when RFLAGS.TF is 0 and IA32_DEBUGCTL.BTF is 0 (interrupts blocked or HLT), got 0x4000" },
    { "pending RTM", P32, { S(GUEST_PENDING_DBG_EXCEPTIONS, 0x10001) },
      "guest pending debug exceptions: RTM (bit 16) needs bits 11:0 and 14 clear and no blocking by MOV SS, got 0x10001" },

    /* VMCS link pointer */
    { "link pointer alignment", P32, { S(VMCS_LINK_POINTER, 0x30008) },
      "VMCS link pointer: must be ~0, or 4 KiB aligned within the physical-address width, got 0x30008" },
    { "link pointer revision", P32, { S(VMCS_LINK_POINTER, 0x30000) },
      "VMCS link pointer: the VMCS there must have revision 0x2b, got 0x12", .mem = { { 0x30000, 0x12 } } },
    { "link pointer shadow bit", P32, { S(VMCS_LINK_POINTER, 0x30000) },
      "VMCS link pointer: the shadow-VMCS bit there must equal \"VMCS shadowing\", got 0x8000002b",
      .mem = { { 0x30000, 0x8000002b } } },

    /* PDPTEs (PAE paging with EPT) */
    { "PDPTE reserved bits", P32,
      { S(GUEST_CR0, 0x80000031), S(GUEST_CR4, 0x2020), S(GUEST_PDPTE0, 0x1007) },
      "guest PDPTE0: reserved bits (2:1, 8:5, above the physical-address width) must be 0 in a present entry, got 0x1007" },
    { "PDPTE not present is not checked", P32,
      { S(GUEST_CR0, 0x80000031), S(GUEST_CR4, 0x2020), S(GUEST_PDPTE2, 0x1006) }, NULL },

    /* VM-entry MSR-load area */
    { "MSR-load entry reserved bits", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 1 (MSR 0x10): bits 63:32 must be 0, got 0x1",
      .mem = { { 0x10000, 0x0000000100000010ULL } } },
    { "MSR-load x2APIC MSR", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 1: x2APIC MSR 0x808 cannot be loaded", .mem = { { 0x10000, 0x808 } } },
    { "MSR-load FS_BASE", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 1: IA32_FS_BASE cannot be loaded (use the guest-state field)",
      .mem = { { 0x10000, 0xC0000100 } } },
    { "MSR-load SMM-only MSR", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 1: MSR 0x9e is writable only in SMM", .mem = { { 0x10000, 0x9E } } },
    { "MSR-load EFER value", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 2), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 2: IA32_EFER reserved bits must be 0, got 0x2",
      .mem = { { 0x10000, 0x10 }, { 0x10010, 0xC0000080 }, { 0x10018, 0x2 } } },
    { "MSR-load PAT value", P32, { S(VM_ENTRY_MSR_LOAD_COUNT, 1), S(VM_ENTRY_MSR_LOAD_ADDR, 0x10000) },
      "VM-entry MSR-load entry 1: IA32_PAT bytes must be memory types, got 0x2",
      .mem = { { 0x10000, 0x277 }, { 0x10008, 0x2 } } },
};

static void apply(const struct row *r)
{
    build(r->base);
    if (r->misc)
        caps.misc = r->misc;
    if (r->ept_vpid)
        caps.ept_vpid = r->ept_vpid;
    if (r->procbased)
        caps.procbased = r->procbased;
    if (r->pinbased)
        caps.pinbased = r->pinbased;
    host32 = r->host32;
    for (unsigned i = 0; i < ARRAY_SIZE(r->e); i++) {
        const struct edit *e = &r->e[i];
        switch (e->op) {
        case NONE: break;
        case SET:  img[e->f] = e->v; break;
        case OR:   img[e->f] |= e->v; break;
        case CLR:  img[e->f] &= ~e->v; break;
        }
    }
    for (unsigned i = 0; i < ARRAY_SIZE(r->mem); i++)
        if (r->mem[i].pa)
            memcpy(mem + r->mem[i].pa, &r->mem[i].v, 8);
}

static bool printed(const char *want)
{
    for (unsigned i = 0; i < nlines && i < MAX_LINES; i++)
        if (!strcmp(lines[i], want))
            return true;
    return false;
}

static void test_rules_table(void **state)
{
    (void)state;
    unsigned failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        const struct row *r = &rows[i];
        apply(r);
        unsigned want_n = (r->want != NULL) + (r->want2 != NULL);
        unsigned n = run();
        bool ok = n == want_n && (!r->want || printed(r->want)) && (!r->want2 || printed(r->want2));
        if (!ok) {
            fprintf(stderr, "  FAILED row %zu (%s): %u line(s), wanted %u:\n    want: %s\n", i,
                    r->rule, n, want_n, r->want ? r->want : "(none)");
            for (unsigned k = 0; k < n && k < MAX_LINES; k++)
                fprintf(stderr, "    got:  %s\n", lines[k]);
            failed++;
        }
    }
    if (failed)
        fail_msg("%u of %zu rows failed", failed, ARRAY_SIZE(rows));
}

/* Several broken rules at once: each is reported, in the SDM's order. */
static void test_every_problem_reported(void **state)
{
    (void)state;
    build(P32);
    img[VMCS_VPID] = 0;
    img[VMCS_HOST_TR_SELECTOR] = 0;
    img[VMCS_GUEST_CS_ACCESS_RIGHTS] = 0xC091;
    assert_int_equal(run(), 3);
    assert_string_equal(lines[0], "VPID: must not be 0 with \"enable VPID\"");
    assert_string_equal(lines[1], "host TR selector: must not be 0");
    assert_string_equal(lines[2], "guest CS access rights: type must be an accessed code segment "
                                  "(9, 11, 13, 15, or 3 with unrestricted guest), got 0x1");
}

/* Without a memory reader the checks that need memory are skipped. */
static void test_no_memory_reader(void **state)
{
    (void)state;
    build(P32);
    img[VMCS_VM_ENTRY_MSR_LOAD_COUNT] = 1;
    img[VMCS_VM_ENTRY_MSR_LOAD_ADDR] = 0x10000;
    uint64_t e = 0xC0000100;
    memcpy(mem + 0x10000, &e, 8);
    img[VMCS_VMCS_LINK_POINTER] = 0x30000;
    struct vmcheck_env env = {
        .read = fake_read, .report = fake_report, .caps = &caps,
        .phys_bits = 39, .linear_bits = 48, .host_ia32e = true,
    };
    nlines = 0;
    assert_int_equal(vmcheck_run(&env), 0);
}

/* Canonical means sign-extended from the CPU's linear-address width. */
static void test_linear_address_width(void **state)
{
    (void)state;
    build(L64);
    img[VMCS_GUEST_RIP] = 0xFF00000000000000ULL;    /* canonical with 57 bits only */
    img[VMCS_HOST_FS_BASE] = 0x0100000000000000ULL; /* canonical with neither */
    struct vmcheck_env env = {
        .read = fake_read, .read_phys = fake_read_phys, .report = fake_report, .caps = &caps,
        .phys_bits = 39, .linear_bits = 57, .host_ia32e = true,
    };
    nlines = 0;
    assert_int_equal(vmcheck_run(&env), 1);
    assert_string_equal(lines[0], "host FS base: must be canonical, got 0x100000000000000");
    env.linear_bits = 48;
    nlines = 0;
    assert_int_equal(vmcheck_run(&env), 2);
    assert_string_equal(lines[1], "guest RIP: must be canonical in 64-bit mode, got 0xff00000000000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_states),
        cmocka_unit_test(test_rules_table),
        cmocka_unit_test(test_every_problem_reported),
        cmocka_unit_test(test_no_memory_reader),
        cmocka_unit_test(test_linear_address_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
