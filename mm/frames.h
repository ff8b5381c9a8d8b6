/*
 * The host's frame allocator instance (mm/pmm.c logic), set up from the
 * multiboot2 memory map at boot.
 */
#ifndef MM_FRAMES_H
#define MM_FRAMES_H

#include <hv/types.h>
#include "mm/pmm.h"

struct boot_info;

/* Build the allocator: usable RAM from the memory map, minus the first MiB,
 * the kernel image, the boot information and every module. */
void frames_init(const struct boot_info *bi);

/* One zeroed 4 KiB frame, or 0. */
hpa_t frame_alloc(void);
/* `npages` contiguous frames aligned to `align` (not zeroed), or 0. */
hpa_t frame_alloc_run(uint64_t npages, uint64_t align);
void frame_free(hpa_t pa, uint64_t npages);
/* A page below 1 MiB that the memory map calls available and nothing of
 * ours uses (not page 0), taken for good; 0 if there is none. For the
 * APs' real-mode start-up code. All of these take one lock: any CPU may call. */
hpa_t frame_alloc_low(void);
const struct pmm *frames_pmm(void);

/* The host maps all RAM 1:1. */
static inline void *phys_to_virt(hpa_t pa) { return (void *)(uintptr_t)pa; }
static inline hpa_t virt_to_phys(const void *va) { return (hpa_t)(uintptr_t)va; }

#endif
