/*
 * Machine stop methods (see boot/shutdown.h). ACPI: ACPI Specification,
 * "PM1 Control Registers" and "\_S5 (S5 System State)"; when the firmware
 * left the machine in legacy mode (SCI_EN clear), ACPI_ENABLE is written to
 * SMI_CMD first ("ACPI Enable" in "Fixed ACPI Description Table").
 */
#include "boot/shutdown.h"
#include "boot/acpi.h"
#include "boot/multiboot2.h"
#include "boot/platform.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include <hv/string.h>

static enum exit_method method = EXIT_ACPI;
static bool acpi_ok;
static struct acpi_s5 s5;


/* Physical memory is mapped 1:1 for RAM, ACPI memory and the first MiB. */
static const void *map_phys(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    (void)len;
    return (const void *)(uintptr_t)pa;
}

#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define ACPI_OEM_EMULATOR      "BOCHS"

void shutdown_init(enum exit_method how, const struct boot_info *bi)
{
    bool given = how != EXIT_AUTO;
    method = given ? how : EXIT_ACPI;
    if (method != EXIT_ACPI && method != EXIT_KEY)
        return;

    char err[128];
    size_t rsdp_len;
    const void *rsdp = platform_rsdp(bi, &rsdp_len);
    if (!rsdp) {
        pr_warn("ACPI: no RSDP %s; exit=acpi will halt instead\n",
                bi->uefi ? "tag from the boot loader (UEFI)" : "found");
        return;
    }
    if (acpi_parse_s5(rsdp, rsdp_len, map_phys, NULL, &s5, err, sizeof(err)) < 0) {
        pr_warn("ACPI: %s; exit=acpi will halt instead\n", err);
        return;
    }
    acpi_ok = true;
    /* The default on real hardware: wait for a key before switching off. */
    if (!given && !(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR) &&
        strncmp(s5.oem_id, ACPI_OEM_EMULATOR, strlen(ACPI_OEM_EMULATOR)) != 0)
        method = EXIT_KEY;
    pr_debug("ACPI: PM1a_CNT 0x%x PM1b_CNT 0x%x SLP_TYPa %u SLP_TYPb %u\n",
             s5.pm1a_cnt, s5.pm1b_cnt, s5.slp_typa, s5.slp_typb);
}

static void acpi_power_off(void)
{
    if (!(inw(s5.pm1a_cnt) & ACPI_PM1_CNT_SCI_EN) && s5.smi_cmd && s5.acpi_enable) {
        outb((uint16_t)s5.smi_cmd, s5.acpi_enable);
        for (int i = 0; i < 1000000 && !(inw(s5.pm1a_cnt) & ACPI_PM1_CNT_SCI_EN); i++)
            pause();
    }
    outw(s5.pm1a_cnt, acpi_pm1_cnt_s5(s5.slp_typa));
    if (s5.pm1b_cnt)
        outw(s5.pm1b_cnt, acpi_pm1_cnt_s5(s5.slp_typb));
    for (int i = 0; i < 1000000; i++)      /* give the chipset time to cut power */
        pause();
}

/* exit=key: say so, and wait until a byte arrives from the keyboard or COM1. */
static void wait_for_key(void)
{
    int c;
    kprintf("[hv:info] press a key (keyboard or COM1) to switch the machine off\n");
    console_flush();
    while ((c = console_getc()) < 0)
        pause();
    if (c > ' ' && c < 0x7F)
        kprintf("[hv:info] key '%c': switching off\n", c);
    else
        kprintf("[hv:info] key 0x%02x: switching off\n", c);
}

void machine_stop(enum stop_status status)
{
    static const char *const how[] = { "acpi", "bochs", "qemu", "halt", "key", "acpi" };
    cli();
    console_async(false);
    kprintf("[hv:info] stopping the machine (%s, exit=%s)\n",
            status == STOP_SUCCESS ? "success" : "failure", how[method]);

    switch (method) {
    case EXIT_KEY:
    case EXIT_AUTO:                     /* not left by shutdown_init */
        if (method == EXIT_KEY)
            wait_for_key();
        /* fall through */
    case EXIT_ACPI:
        if (acpi_ok)
            acpi_power_off();
        kprintf("[hv:info] ACPI power-off did not happen; halting\n");
        break;
    case EXIT_BOCHS:
        for (const char *p = "Shutdown"; *p; p++)
            outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
        break;
    case EXIT_QEMU:
        outl(QEMU_DEBUG_EXIT_PORT,
             status == STOP_SUCCESS ? QEMU_EXIT_VALUE_SUCCESS : QEMU_EXIT_VALUE_FAILURE);
        break;
    case EXIT_HALT:
        break;
    }
    halt_forever();
}
