/*
 * msr: RDMSR and WRMSR under minivisor.
 *   - an unknown MSR (0x12345678): RDMSR and WRMSR each raise #GP(0) in the
 *     guest, as on hardware;
 *   - known MSRs work: IA32_TSC (0x10) increases between two reads,
 *     IA32_EFER (0xC0000080) reads 0 in this 32-bit guest, IA32_APIC_BASE
 *     (0x1B) reads (value printed), IA32_SYSENTER_CS (0x174) keeps what
 *     is written to it.
 */
#include "guest.h"

#define MSR_UNKNOWN      0x12345678u
#define SYSENTER_CS_TEST 0x0008u
#define APIC_BASE_ENABLE (1u << 11)

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

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("msr");
    unknown_msr();
    known_msrs();
    return test_end();
}
