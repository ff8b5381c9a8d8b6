/*
 * The host TSC frequency, found once at boot: CPUID leaf 15H where the CPU
 * states it, checked against (or else measured with) the ACPI PM timer,
 * the HPET or, last, the 8254 PIT. The choice is drivers/hw/tsc_freq.c's.
 */
#ifndef DRIVERS_HW_HOST_TIME_H
#define DRIVERS_HW_HOST_TIME_H

#include <hv/types.h>

struct acpi_platform;

/* Find the frequency and print one "host time:" line saying where it came
 * from. `acpi` may be NULL (no ACPI tables: the PIT is the only timer);
 * `pref` is the tsc= boot option (enum tsc_pref): a timer named there is
 * used alone, without CPUID; `cpuid` takes leaf 0x15 unchecked.
 * Returns the TSC frequency in Hz (a 1 GHz guess if nothing counts). */
uint64_t host_time_init(const struct acpi_platform *acpi, int pref);

/* The frequency host_time_init found. */
uint64_t host_time_tsc_hz(void);

#endif
