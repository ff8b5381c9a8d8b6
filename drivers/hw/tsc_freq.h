/*
 * Where the host TSC frequency comes from (pure logic; drivers/hw/host_time.c
 * reads CPUID and the timers). SDM Vol. 3B, "Determining the Processor Base
 * Frequency" and CPUID leaves 15H ("Time Stamp Counter and Nominal Core
 * Crystal Clock Information") and 16H ("Processor Frequency Information").
 */
#ifndef DRIVERS_HW_TSC_FREQ_H
#define DRIVERS_HW_TSC_FREQ_H

#include <hv/types.h>

#define CPUID_LEAF_TSC_CRYSTAL  0x15
#define CPUID_LEAF_FREQ_INFO    0x16

/* The CPUID values that say something about the TSC rate. */
struct tsc_cpuid {
    uint32_t max_leaf;                  /* CPUID.0:EAX */
    uint32_t l15_eax, l15_ebx, l15_ecx; /* denominator, numerator, crystal Hz */
    uint32_t l16_eax;                   /* processor base frequency, MHz */
};

/* TSC Hz = crystal * EBX / EAX from leaf 15H. When ECX (the crystal) is 0,
 * the crystal is derived from leaf 16H's base frequency: base * EAX / EBX,
 * so the TSC runs at the base frequency. 0 when the CPU does not say.
 * *crystal_hz (may be NULL) gets the crystal used, *derived whether it
 * came from leaf 16H. */
uint64_t tsc_hz_from_cpuid(const struct tsc_cpuid *c, uint64_t *crystal_hz, bool *derived);

/* True if two frequencies agree within 2%. */
bool tsc_hz_agree(uint64_t a, uint64_t b);

enum tsc_source {
    TSC_FROM_CPUID,         /* leaf 15H (checked against a timer where one counts) */
    TSC_FROM_PM_TIMER,      /* measured against the ACPI PM timer */
    TSC_FROM_HPET,          /* measured against the HPET */
    TSC_FROM_PIT,           /* measured against the 8254 PIT */
    TSC_FROM_NOWHERE,       /* nothing counts: a guess */
};

/* The `tsc=` boot option: where to take the frequency from. */
enum tsc_pref { TSC_PREF_AUTO, TSC_PREF_CPUID, TSC_PREF_PM_TIMER, TSC_PREF_HPET, TSC_PREF_PIT };

/* The timer to measure the TSC against: the one `pref` names if the
 * platform has it, else the ACPI PM timer, else the HPET, else the 8254
 * PIT (present on every PC we could boot on, but not on all modern ones,
 * and the coarsest of the three). */
enum tsc_source tsc_reference_timer(bool has_pm_timer, bool has_hpet, enum tsc_pref pref);

/*
 * The decision: `cpuid_hz` from tsc_hz_from_cpuid (0: none), `measured_hz`
 * against the reference timer (0: it did not count). CPUID wins when the
 * measurement agrees with it or there is none; a CPUID value that the
 * measurement contradicts (an emulator whose TSC counts instructions, a
 * wrong leaf 16H) loses to the measurement. Returns the source of the
 * chosen value; *hz gets it (0 for TSC_FROM_NOWHERE).
 */
enum tsc_source tsc_choose(uint64_t cpuid_hz, uint64_t measured_hz, enum tsc_source reference,
                           uint64_t *hz);

const char *tsc_source_name(enum tsc_source s);

#endif
