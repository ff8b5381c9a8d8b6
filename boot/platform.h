/*
 * What the host platform offers besides the CPU we run on, read from the
 * ACPI tables at boot: where the RSDP is, the timers (for drivers/hw/
 * host_time.c) and the other CPUs, which stay parked as firmware left them.
 */
#ifndef BOOT_PLATFORM_H
#define BOOT_PLATFORM_H

#include "boot/acpi.h"

struct boot_info;

/* The RSDP: the boot loader's ACPI tag, else (BIOS only) a search of the
 * BIOS areas. NULL if there is none; *len gets its size. */
const void *platform_rsdp(const struct boot_info *bi, size_t *len);

/* Read the ACPI platform facts (NULL if there are no usable tables). Runs
 * on the boot loader's page tables, which map the first 4 GiB: firmware
 * tables in reserved memory are not in the hypervisor's own. */
const struct acpi_platform *platform_init(const struct boot_info *bi);

/* What platform_init found (NULL: no usable tables). */
const struct acpi_platform *platform_acpi(void);

/* Say how many other CPUs stay parked and in which mode firmware left this
 * CPU's local APIC. */
void platform_report(void);

#endif
