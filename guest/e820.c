/*
 * The memory map a guest is told about, in the BIOS INT 15h E820 form that
 * the multiboot1 memory map also uses (see guest/e820.h for the layout).
 *
 * Reference: ACPI 6.x, "System Address Map Interfaces" (the E820 ranges and
 * types); the addresses follow what QEMU's PC machine reports.
 *
 * Left out: ACPI tables and NVS ranges (the hypervisor gives guests none),
 * RAM above 4 GiB (guest RAM is at most GMEM_MAX_SIZE = 3 GiB).
 */
#include "guest/e820.h"
#include "guest/loader.h"

#define IOAPIC_BASE  0xFEC00000ULL   /* default I/O APIC MMIO page */
#define LAPIC_BASE   0xFEE00000ULL   /* default local APIC MMIO page */
#define APIC_MMIO_SIZE PAGE_SIZE

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
    n = add(out, n, 0, MIN(mem_size, GUEST_LOW_RAM_END), E820_RAM);
    /* EBDA, VGA, option ROMs and BIOS: reserved (the guest's RAM backs it). */
    n = add(out, n, GUEST_LOW_RAM_END, GUEST_LEGACY_END - GUEST_LOW_RAM_END,
            E820_RESERVED);
    /* Extended memory: everything from 1 MiB up. */
    if (mem_size > GUEST_LEGACY_END)
        n = add(out, n, GUEST_LEGACY_END, mem_size - GUEST_LEGACY_END, E820_RAM);

    if (with_apic) {
        n = add(out, n, IOAPIC_BASE, APIC_MMIO_SIZE, E820_RESERVED);
        n = add(out, n, LAPIC_BASE, APIC_MMIO_SIZE, E820_RESERVED);
    }
    return n;
}
