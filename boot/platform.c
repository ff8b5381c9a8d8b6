/* Host platform facts from ACPI (see boot/platform.h). */
#include "boot/platform.h"
#include "boot/msr.h"
#include "boot/multiboot2.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include "drivers/hw/lapic.h"
#include <hv/log.h>

/* Physical memory is mapped 1:1 for RAM, ACPI memory and the first MiB. */
static const void *map_phys(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    (void)len;
    return (const void *)(uintptr_t)pa;
}

const void *platform_rsdp(const struct boot_info *bi, size_t *len)
{
    uint64_t pa;
    *len = bi->rsdp_len;
    if (bi->rsdp)
        return bi->rsdp;
    /* The BIOS areas are searched only when the firmware is a BIOS: under
     * UEFI 0xE0000-0xFFFFF and the EBDA need not hold anything firmware's. */
    if (!bi->uefi && acpi_find_rsdp(map_phys, NULL, &pa, len) == 0)
        return map_phys(NULL, pa, *len);
    return NULL;
}

static struct acpi_platform p;
static bool ok;

const struct acpi_platform *platform_init(const struct boot_info *bi)
{
    size_t len;
    const void *rsdp = platform_rsdp(bi, &len);
    ok = rsdp && acpi_parse_platform(rsdp, len, map_phys, NULL, &p, NULL, 0) == 0;
    return ok ? &p : NULL;
}

const struct acpi_platform *platform_acpi(void)
{
    return ok ? &p : NULL;
}

void platform_report(void)
{
    struct cpuid_regs r = cpuid(1, 0);
    bool has_apic = r.edx & CPUID1_EDX_APIC;
    enum lapic_host_mode mode = lapic_host_mode(has_apic ? rdmsr(MSR_IA32_APIC_BASE) : 0,
                                                has_apic);
    if (ok && p.has_madt && p.cpus > 1)
        pr_info("host CPUs: %u in the ACPI MADT, local APIC %s as firmware left it\n", p.cpus,
                lapic_host_mode_name(mode));
    else
        pr_info("host CPUs: %s, local APIC %s as firmware left it\n",
                ok && p.has_madt ? "1 in the ACPI MADT" : "no ACPI MADT (only this one is used)",
                lapic_host_mode_name(mode));
}
