/*
 * msr: RDMSR and WRMSR under minivisor.
 *   - an unknown MSR (0x12345678): RDMSR and WRMSR each raise #GP(0) in the
 *     guest, as on hardware;
 *   - known MSRs work: IA32_TSC (0x10) increases between two reads,
 *     IA32_EFER (0xC0000080) reads 0 in this 32-bit guest, IA32_APIC_BASE
 *     (0x1B) reads (value printed), IA32_SYSENTER_CS (0x174) keeps what
 *     is written to it.
 *   - reserved bits raise #GP(0): IA32_EFER bit 1 and bit 63, IA32_PAT with
 *     the reserved memory types 2 and 8, IA32_MISC_ENABLE bit 1; good
 *     values are kept (PAT, MISC_ENABLE bit 22);
 *   - x2APIC registers (SDM "x2APIC Register Address Space"): in xAPIC mode
 *     they do not exist (#GP); in x2APIC mode RDMSR of an MSR with no
 *     register (0x800, 0x831, 0x82F: no CMCI), of write-only EOI and SELF
 *     IPI, WRMSR to read-only ID, VERSION and PPR, and reserved bits (TPR
 *     bits 31:8, SELF IPI bits 31:8, bit 32) raise #GP(0); version and TPR
 *     read back.
 */
#include "guest.h"

#define MSR_UNKNOWN      0x12345678u
#define SYSENTER_CS_TEST 0x0008u
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define MSR_IA32_PAT         0x277u
#define MSR_IA32_MISC_ENABLE 0x1A0u
#define PAT_DEFAULT      0x0007040600070406ull

/* catch_fault takes functions without arguments: they use these. */
static uint32_t msr_index;
static uint64_t msr_value;

static void do_rdmsr(void)
{
    msr_value = rdmsr(msr_index);
}

static void do_wrmsr(void)
{
    wrmsr(msr_index, msr_value);
}

/* Reads MSR `index` into *value; returns the vector raised, or NO_FAULT. */
static int try_rdmsr(uint32_t index, uint64_t *value)
{
    msr_index = index;
    msr_value = 0;
    int vec = catch_fault(do_rdmsr);
    *value = msr_value;
    return vec;
}

static int try_wrmsr(uint32_t index, uint64_t value)
{
    msr_index = index;
    msr_value = value;
    return catch_fault(do_wrmsr);
}

static void unknown_msr(void)
{
    uint64_t v;
    int vec = try_rdmsr(MSR_UNKNOWN, &v);
    check(vec == VEC_GP && last_fault.error_code == 0,
          "rdmsr 0x%08x raises #GP(0): vector %d, error code 0x%x", MSR_UNKNOWN,
          vec, vec == NO_FAULT ? 0 : last_fault.error_code);

    vec = try_wrmsr(MSR_UNKNOWN, 0x1234);
    check(vec == VEC_GP && last_fault.error_code == 0,
          "wrmsr 0x%08x raises #GP(0): vector %d, error code 0x%x", MSR_UNKNOWN,
          vec, vec == NO_FAULT ? 0 : last_fault.error_code);
}

static void known_msrs(void)
{
    uint64_t t1, t2, efer, apic, cs;
    int v1 = try_rdmsr(MSR_IA32_TSC, &t1);
    for (volatile int i = 0; i < 1000; i++)
        ;
    int v2 = try_rdmsr(MSR_IA32_TSC, &t2);
    check(v1 == NO_FAULT && v2 == NO_FAULT && t2 > t1,
          "IA32_TSC increases: 0x%llx then 0x%llx (vectors %d, %d)", t1, t2, v1, v2);

    int vec = try_rdmsr(MSR_IA32_EFER, &efer);
    check(vec == NO_FAULT && efer == 0, "IA32_EFER = 0x%llx (expected 0, vector %d)", efer, vec);

    vec = try_rdmsr(MSR_IA32_APIC_BASE, &apic);
    check(vec == NO_FAULT, "IA32_APIC_BASE = 0x%llx (base 0x%llx, %s, vector %d)", apic,
          apic & ~0xFFFull, (apic & APIC_BASE_ENABLE) ? "enabled" : "disabled", vec);

    uint64_t old_cs = 0;
    int v0 = try_rdmsr(MSR_IA32_SYSENTER_CS, &old_cs);
    v1 = try_wrmsr(MSR_IA32_SYSENTER_CS, SYSENTER_CS_TEST);
    v2 = try_rdmsr(MSR_IA32_SYSENTER_CS, &cs);
    try_wrmsr(MSR_IA32_SYSENTER_CS, old_cs);
    check(v0 == NO_FAULT && v1 == NO_FAULT && v2 == NO_FAULT && cs == SYSENTER_CS_TEST,
          "IA32_SYSENTER_CS: was 0x%llx, wrote 0x%x, read 0x%llx (vectors %d %d %d)",
          old_cs, SYSENTER_CS_TEST, cs, v0, v1, v2);
}

/* One check that `msr` raises #GP(0) for the access `what`. */
static void expect_gp(const char *what, int vec)
{
    check(vec == VEC_GP && last_fault.error_code == 0, "%s raises #GP(0): vector %d, error code 0x%x",
          what, vec, vec == NO_FAULT ? 0 : last_fault.error_code);
}

static void reserved_bits(void)
{
    uint64_t v;
    expect_gp("wrmsr IA32_EFER bit 1 (reserved)", try_wrmsr(MSR_IA32_EFER, 1ull << 1));
    expect_gp("wrmsr IA32_EFER bit 63 (reserved)", try_wrmsr(MSR_IA32_EFER, 1ull << 63));
    expect_gp("wrmsr IA32_PAT type 2 in PA0 (reserved)",
              try_wrmsr(MSR_IA32_PAT, (PAT_DEFAULT & ~0xFFull) | 2));
    expect_gp("wrmsr IA32_PAT type 8 in PA7 (reserved)",
              try_wrmsr(MSR_IA32_PAT, (PAT_DEFAULT & ~(0xFFull << 56)) | (8ull << 56)));
    uint64_t pat = PAT_DEFAULT ^ (0x06ull ^ 0x01ull);   /* PA0: WB -> WC */
    int v1 = try_wrmsr(MSR_IA32_PAT, pat), v2 = try_rdmsr(MSR_IA32_PAT, &v);
    try_wrmsr(MSR_IA32_PAT, PAT_DEFAULT);
    check(v1 == NO_FAULT && v2 == NO_FAULT && v == pat,
          "IA32_PAT keeps 0x%016llx: read 0x%016llx (vectors %d %d)", pat, v, v1, v2);

    uint64_t misc = 0;
    try_rdmsr(MSR_IA32_MISC_ENABLE, &misc);
    expect_gp("wrmsr IA32_MISC_ENABLE bit 1 (reserved)",
              try_wrmsr(MSR_IA32_MISC_ENABLE, misc | (1ull << 1)));
    v1 = try_wrmsr(MSR_IA32_MISC_ENABLE, misc | (1ull << 22));
    v2 = try_rdmsr(MSR_IA32_MISC_ENABLE, &v);
    try_wrmsr(MSR_IA32_MISC_ENABLE, misc);
    check(v1 == NO_FAULT && v2 == NO_FAULT && v == (misc | (1ull << 22)),
          "IA32_MISC_ENABLE bit 22 (limit CPUID maxval) is kept: 0x%llx (vectors %d %d)", v, v1, v2);
}

static void x2apic_msrs(void)
{
    uint64_t v, base = 0;
    expect_gp("rdmsr 0x803 (x2APIC version) in xAPIC mode", try_rdmsr(0x803, &v));

    try_rdmsr(MSR_IA32_APIC_BASE, &base);
    int vec = try_wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    check(vec == NO_FAULT, "x2APIC mode on: IA32_APIC_BASE = 0x%llx (vector %d)",
          base | APIC_BASE_ENABLE | APIC_BASE_X2APIC, vec);

    vec = try_rdmsr(0x803, &v);
    check(vec == NO_FAULT && v == 0x50014, "rdmsr 0x803 (version) = 0x%llx (vector %d)", v, vec);
    expect_gp("rdmsr 0x800 (no register)", try_rdmsr(0x800, &v));
    expect_gp("rdmsr 0x831 (no register: ICR is one MSR)", try_rdmsr(0x831, &v));
    expect_gp("rdmsr 0x82F (no LVT CMCI)", try_rdmsr(0x82F, &v));
    expect_gp("rdmsr 0x80B (EOI, write-only)", try_rdmsr(0x80B, &v));
    expect_gp("rdmsr 0x83F (SELF IPI, write-only)", try_rdmsr(0x83F, &v));
    expect_gp("wrmsr 0x802 (ID, read-only)", try_wrmsr(0x802, 0));
    expect_gp("wrmsr 0x803 (version, read-only)", try_wrmsr(0x803, 0x50014));
    expect_gp("wrmsr 0x80A (PPR, read-only)", try_wrmsr(0x80A, 0));
    expect_gp("wrmsr 0x808 (TPR) bit 8 (reserved)", try_wrmsr(0x808, 0x120));
    expect_gp("wrmsr 0x808 (TPR) bit 32 (reserved)", try_wrmsr(0x808, 0x100000020ull));
    expect_gp("wrmsr 0x83F (SELF IPI) bit 8 (reserved)", try_wrmsr(0x83F, 0x1F0));
    int v1 = try_wrmsr(0x808, 0x20), v2 = try_rdmsr(0x808, &v);
    try_wrmsr(0x808, 0);
    check(v1 == NO_FAULT && v2 == NO_FAULT && v == 0x20, "x2APIC TPR keeps 0x20: 0x%llx (vectors %d %d)",
          v, v1, v2);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("msr");
    unknown_msr();
    known_msrs();
    reserved_bits();
    x2apic_msrs();
    return test_end();
}
