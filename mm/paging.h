/*
 * The hypervisor's own page tables (4-level, identity mapped): all RAM and
 * ACPI memory from the boot memory map, the first MiB, the local APIC and
 * IOAPIC pages uncached; kernel text read-only, everything else
 * non-executable. SDM Vol. 3A, "4-Level Paging and 5-Level Paging".
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <hv/types.h>

struct boot_info;

#define LAPIC_MMIO_BASE   0xFEE00000ULL
#define IOAPIC_MMIO_BASE  0xFEC00000ULL

/* Build the tables, enable NX and CR0.WP, and switch CR3. Returns 0 or -HV_ENOMEM. */
int paging_init(const struct boot_info *bi) __must_check;
/* Map [pa, pa+len) 1:1 uncached (device registers). 0 or -HV_ENOMEM. */
int paging_map_mmio(uint64_t pa, uint64_t len) __must_check;
/* Map [pa, pa+len) 1:1 for a framebuffer: write-combining through the PAT
 * where the CPU has one (returns 1), else uncached (returns 0); -HV_ENOMEM. */
int paging_map_wc(uint64_t pa, uint64_t len) __must_check;
/* Pages mapped with 2 MiB and 4 KiB entries (for the boot report). */
void paging_stats(uint64_t *large, uint64_t *small);

#endif
