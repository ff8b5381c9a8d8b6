/*
 * The application processors (issue 16, first step): started from the
 * ACPI MADT by INIT-SIPI-SIPI, each on its own stack and tables, put in
 * VMX operation and parked (cli; hlt). Guests still run on the boot CPU.
 */
#ifndef BOOT_SMP_H
#define BOOT_SMP_H

#include <hv/types.h>
#include "boot/percpu.h"

struct acpi_platform;
struct vmx_caps;

/* Which CPUs to use. */
struct smp_plan {
    uint32_t apic_id[SMP_MAX_CPUS];     /* [0] the boot CPU, then the APs to start */
    unsigned n;                         /* CPUs to use */
    unsigned present;                   /* usable CPUs found (the boot CPU counted) */
    unsigned unreachable;               /* enabled entries the APIC mode cannot address */
};

/*
 * Pure: from the enabled MADT entries' APIC IDs (ids, in MADT order), the
 * boot CPU's ID, the APIC mode (an xAPIC addresses IDs 0-254; 255 is the
 * broadcast) and the cpus= option (0: all), the CPUs to use: the boot
 * CPU, then the others in MADT order, without the boot CPU's own entry or
 * repeated IDs, at most `want` in all.
 */
void smp_plan(const uint32_t *ids, unsigned nids, uint32_t bsp_id, bool x2apic, unsigned want,
              struct smp_plan *out);

/*
 * On the boot CPU, in VMX operation already: start the other CPUs the plan
 * names (acpi NULL: none), wait for each to enter VMX operation or be
 * refused, and print the "CPUs:" line. Returns how many CPUs are in VMX
 * operation (the boot CPU counted).
 */
enum smp_selftest {
    SMP_SELFTEST_NONE,
    SMP_SELFTEST_CAPS,      /* CPU 1 is checked against a snapshot with one bit changed */
    SMP_SELFTEST_ABSENT,    /* an APIC ID nobody has is started first */
};
unsigned smp_start(const struct vmx_caps *caps, unsigned want, const struct acpi_platform *acpi,
                   enum smp_selftest selftest);

#endif
