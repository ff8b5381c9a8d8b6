/*
 * kmain: the hypervisor's 64-bit C entry. Brings up the console, reads the
 * multiboot2 information, sets up memory, probes VT-x and starts the
 * guests; then stops the machine as the exit= boot option says.
 */
#include "boot/boot_options.h"
#include "boot/cpu.h"
#include "boot/multiboot2.h"
#include "boot/platform.h"
#include "boot/shutdown.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include "drivers/hw/host_time.h"
#include "drivers/hw/pic8259.h"
#include "drivers/hw/screen.h"
#include "mm/frames.h"
#include "mm/paging.h"
#include "vmx/vmx_probe.h"
#include "vmm/hypervisor.h"
#include <hv/format.h>
#include <hv/string.h>
#include <hv/version.h>

void kmain(uint32_t magic, uint64_t info_addr);

/* One line: which firmware booted us and where the memory map and the
 * RSDP came from. */
static void report_firmware(const struct boot_info *bi)
{
    char map[96];
    if (bi->mmap_source == BOOT_MMAP_EFI)
        fmt_snprintf(map, sizeof(map), "the EFI memory map (%u descriptors, %u entries)",
                     bi->efi_descs, bi->nmmap);
    else if (bi->mmap_source == BOOT_MMAP_MB2)
        fmt_snprintf(map, sizeof(map), "the multiboot2 memory map (%u entries)", bi->nmmap);
    else
        fmt_snprintf(map, sizeof(map), "nowhere (no memory map tag)");
    const char *rsdp = bi->rsdp_tag == MB2_TAG_ACPI_NEW ? "the ACPI 2.0 tag"
                     : bi->rsdp_tag == MB2_TAG_ACPI_OLD ? "the ACPI 1.0 tag"
                     : bi->uefi ? "nowhere (no ACPI tag; not searched for under UEFI)"
                     : "a search of the BIOS areas";
    pr_info("boot: %s firmware, memory map from %s, RSDP from %s\n",
            bi->uefi ? "UEFI" : "BIOS", map, rsdp);
    if (bi->mmap_dropped)
        pr_warn("boot: %u memory map entries beyond the first %u ignored\n",
                bi->mmap_dropped, BOOT_MAX_MMAP);
}

static void report_memory(const struct boot_info *bi)
{
    uint64_t usable = 0;
    for (unsigned i = 0; i < bi->nmmap; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        pr_info("memory map: 0x%010llx-0x%010llx %s\n", (unsigned long long)e->addr,
                (unsigned long long)(e->addr + e->len - 1), boot_mem_kind_name(e->type));
        if (e->type == MB2_MMAP_AVAILABLE)
            usable += e->len;
    }
    const struct pmm *p = frames_pmm();
    uint64_t large, small;
    paging_stats(&large, &small);
    pr_info("memory: %llu KiB usable in %u map entries, %llu KiB free for guests "
            "(%llu frames); host page tables map %llu 2M + %llu 4K pages\n",
            (unsigned long long)(usable >> 10), bi->nmmap,
            (unsigned long long)(p->free_frames * PAGE_SIZE >> 10),
            (unsigned long long)p->free_frames, (unsigned long long)large,
            (unsigned long long)small);
}

/* selftest=fault|ud: raise an exception to show the exception report. */
static void selftest(enum selftest which)
{
    if (which == SELFTEST_FAULT) {
        pr_info("selftest: reading unmapped address 0x40000000000\n");
        volatile uint64_t *bad = (volatile uint64_t *)0x40000000000ULL;
        (void)*bad;
    } else if (which == SELFTEST_UD) {
        pr_info("selftest: executing UD2\n");
        __asm__ volatile("ud2");
    }
}

void kmain(uint32_t magic, uint64_t info_addr)
{
    console_init();
    kprintf("\n");

    if (magic != MB2_BOOTLOADER_MAGIC) {
        pr_err("not started by a multiboot2 boot loader (EAX=%#x); stopping\n", magic);
        halt_forever();
    }

    static struct boot_info bi;
    char err[128];
    if (mb2_parse((const void *)(uintptr_t)info_addr, info_addr, &bi, err, sizeof(err)) < 0) {
        pr_err("%s; stopping\n", err);
        halt_forever();
    }
    screen_setup(&bi);
    /* The options are read twice: quietly first, so that console= and
     * loglevel= hold before anything is said, then again to report the
     * bad words once the command line has been shown. */
    static struct boot_options opts;
    boot_options_parse(bi.cmdline, &opts, NULL);
    console_configure(opts.console, (enum log_level)opts.loglevel);
    cpu_init_tables();
    pic8259_disable();
    shutdown_init((enum exit_method)opts.exit, &bi);
    const struct acpi_platform *acpi = platform_init(&bi);

    pr_info("%s %s: bare-metal VT-x hypervisor\n", HV_NAME, HV_VERSION);
    pr_info("boot: loader \"%s\", command line \"%s\", %u module(s)\n",
            bi.loader_name, bi.cmdline, bi.nmodules);
    boot_options_parse(bi.cmdline, &opts, &cmdline_report_log);
    if (bi.modules_dropped)
        pr_err("boot: modules %u to %u ignored: at most %u are read\n", BOOT_MAX_MODULES + 1,
               BOOT_MAX_MODULES + bi.modules_dropped, BOOT_MAX_MODULES);

    report_firmware(&bi);
    if (acpi)
        console_use_spcr(opts.console[0] != '\0', acpi->spcr_port, acpi->spcr_mmio);

    frames_init(&bi);
    if (paging_init(&bi) < 0) {
        pr_err("out of memory building the host page tables\n");
        machine_stop(STOP_FAILURE);
    }
    if (console_has_screen())
        screen_start();             /* else GRUB's last screen stays */
    report_memory(&bi);
    selftest((enum selftest)opts.selftest);
    platform_report();
    host_time_init(acpi, opts.tsc);

    struct vmx_caps caps;
    if (vmx_probe(&caps) < 0)
        machine_stop(STOP_FAILURE);

    int rc = hypervisor_run(&caps, &bi, &opts);
    machine_stop(rc == 0 ? STOP_SUCCESS : STOP_FAILURE);
}
