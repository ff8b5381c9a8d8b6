/* Host TSC frequency: the choice of source (see drivers/hw/tsc_freq.h). */
#include "drivers/hw/tsc_freq.h"

uint64_t tsc_hz_from_cpuid(const struct tsc_cpuid *c, uint64_t *crystal_hz, bool *derived)
{
    uint64_t crystal = 0;
    bool from16 = false;
    if (crystal_hz)
        *crystal_hz = 0;
    if (derived)
        *derived = false;
    /* EAX or EBX of 0: "the TSC/core crystal clock ratio is not enumerated". */
    if (c->max_leaf < CPUID_LEAF_TSC_CRYSTAL || !c->l15_eax || !c->l15_ebx)
        return 0;
    crystal = c->l15_ecx;
    if (!crystal) {
        /* The crystal is not enumerated (Skylake, Kaby Lake): base
         * frequency * EAX / EBX gives it, as Linux does. */
        if (c->max_leaf < CPUID_LEAF_FREQ_INFO || !(c->l16_eax & 0xFFFF))
            return 0;
        crystal = (uint64_t)(c->l16_eax & 0xFFFF) * 1000000 * c->l15_eax / c->l15_ebx;
        from16 = true;
    }
    if (crystal_hz)
        *crystal_hz = crystal;
    if (derived)
        *derived = from16;
    return crystal * c->l15_ebx / c->l15_eax;
}

bool tsc_hz_agree(uint64_t a, uint64_t b)
{
    uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
    return lo && (hi - lo) <= hi / 50;
}

enum tsc_source tsc_reference_timer(bool has_pm_timer, bool has_hpet, enum tsc_pref pref)
{
    if (pref == TSC_PREF_PIT)
        return TSC_FROM_PIT;
    if (pref == TSC_PREF_HPET && has_hpet)
        return TSC_FROM_HPET;
    return has_pm_timer ? TSC_FROM_PM_TIMER : has_hpet ? TSC_FROM_HPET : TSC_FROM_PIT;
}

enum tsc_source tsc_choose(uint64_t cpuid_hz, uint64_t measured_hz, enum tsc_source reference,
                           uint64_t *hz)
{
    if (cpuid_hz && (!measured_hz || tsc_hz_agree(cpuid_hz, measured_hz))) {
        *hz = cpuid_hz;
        return TSC_FROM_CPUID;
    }
    if (measured_hz) {
        *hz = measured_hz;
        return reference;
    }
    *hz = 0;
    return TSC_FROM_NOWHERE;
}

const char *tsc_source_name(enum tsc_source s)
{
    switch (s) {
    case TSC_FROM_CPUID:    return "CPUID leaf 0x15";
    case TSC_FROM_PM_TIMER: return "the ACPI PM timer";
    case TSC_FROM_HPET:     return "the HPET";
    case TSC_FROM_PIT:      return "the 8254 PIT";
    default:                return "nowhere";
    }
}
