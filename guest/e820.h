/*
 * The memory map a guest is told about (the board's layout,
 * include/hv/board_layout.h; QEMU PC conventions):
 *   0                 .. BOARD_LOW_RAM_END  usable (0x9FC00)
 *   BOARD_LOW_RAM_END .. BOARD_LEGACY_END   reserved (EBDA, VGA, option ROMs,
 *                                           BIOS, ACPI tables; backed by RAM)
 *   BOARD_LEGACY_END  .. mem                usable (from 1 MiB)
 *   BOARD_IOAPIC_BASE +4 KiB                reserved -- only with with_apic
 *   BOARD_LAPIC_BASE  +4 KiB                reserved -- only with with_apic
 */
#ifndef GUEST_E820_H
#define GUEST_E820_H

#include <hv/types.h>

enum e820_type { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };

struct e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __packed;

#define E820_MAX_ENTRIES 8

/* Fill `out` (room for E820_MAX_ENTRIES) for a guest with `mem_size` bytes of
 * RAM; returns the number of entries. Entries are sorted by address and do
 * not overlap; zero-sized ones are left out (with mem_size <= 1 MiB there is
 * no RAM entry above 1 MiB and the low one is clipped to mem_size). */
unsigned e820_build(uint64_t mem_size, bool with_apic, struct e820_entry *out);

#endif
