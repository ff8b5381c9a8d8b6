/*
 * The memory map a guest is told about, in the BIOS INT 15h E820 form that
 * the multiboot1 memory map also uses (see guest/e820.h for the layout).
 *
 * Reference: ACPI 6.x, "System Address Map Interfaces" (the E820 ranges and
 * types); the addresses are the board's (include/hv/board_layout.h), which follow
 * what QEMU's PC machine reports.
 *
 * Left out: ACPI reclaimable and NVS ranges (the ACPI tables lie in the
 * reserved BIOS area, where an OS's RSDP search finds them, as on QEMU),
 * RAM above 4 GiB (guest RAM is at most GMEM_MAX_SIZE = 3 GiB).
 */
#include "guest/e820.h"
#include "mm/guest_mem.h"
#include <hv/board_layout.h>

_Static_assert(GMEM_MAX_SIZE <= BOARD_MMIO_HOLE_START, "guest RAM runs into the MMIO hole");
_Static_assert(BOARD_ACPI_BASE >= BOARD_LOW_RAM_END &&
               BOARD_ACPI_BASE + BOARD_ACPI_SIZE <= BOARD_LEGACY_END,
               "the ACPI tables lie in the reserved BIOS area");
_Static_assert(BOARD_IOAPIC_BASE >= BOARD_MMIO_HOLE_START &&
               BOARD_LAPIC_BASE >= BOARD_MMIO_HOLE_START &&
               BOARD_TESTDEV_BASE >= BOARD_MMIO_HOLE_START, "MMIO outside the hole");

_Static_assert(sizeof(struct e820_entry) == 20, "E820 entry is 20 bytes");

static unsigned add(struct e820_entry *out, unsigned n, uint64_t addr,
                    uint64_t size, enum e820_type type)
{
    if (size == 0 || n >= E820_MAX_ENTRIES)
        return n;
    out[n].addr = addr;
    out[n].size = size;
    out[n].type = type;
    return n + 1;
}

unsigned e820_build(uint64_t mem_size, bool with_apic, struct e820_entry *out)
{
    unsigned n = 0;

    /* Conventional memory: the first 639 KiB. */
    n = add(out, n, 0, MIN(mem_size, BOARD_LOW_RAM_END), E820_RAM);
    /* EBDA, VGA, option ROMs, BIOS and the ACPI tables: reserved (the
     * guest's RAM backs it). */
    n = add(out, n, BOARD_LOW_RAM_END, BOARD_LEGACY_END - BOARD_LOW_RAM_END,
            E820_RESERVED);
    /* Extended memory: everything from 1 MiB up. */
    if (mem_size > BOARD_LEGACY_END)
        n = add(out, n, BOARD_LEGACY_END, mem_size - BOARD_LEGACY_END, E820_RAM);

    if (with_apic) {
        n = add(out, n, BOARD_IOAPIC_BASE, BOARD_APIC_PAGE_SIZE, E820_RESERVED);
        n = add(out, n, BOARD_LAPIC_BASE, BOARD_APIC_PAGE_SIZE, E820_RESERVED);
    }
    return n;
}
