/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = in use), seeded
 * from the firmware memory map. Frames start out used; the boot code marks
 * the usable RAM free and then reserves what must never be handed out (the
 * kernel image, the boot information, the modules, the first MiB).
 *
 * Hands out single frames and naturally aligned runs (2 MiB runs for EPT
 * large pages and guest RAM). First fit; frame 0 is never handed out, so
 * 0 means failure.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <hv/types.h>

struct pmm {
    uint64_t *bitmap;        /* nframes bits, 1 = used */
    uint64_t nframes;        /* frames covered, from physical address 0 */
    uint64_t free_frames;
    uint64_t total_free;     /* free frames right after set-up (for reports) */
};

/* Start with every frame used. bitmap must hold at least nframes bits. */
void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t nframes);
/* Mark the whole frames inside [start, end) free (parts beyond nframes are ignored). */
void pmm_add_free(struct pmm *p, uint64_t start, uint64_t end);
/* Mark every frame touching [start, end) used. */
void pmm_reserve(struct pmm *p, uint64_t start, uint64_t end);
/* Remember the current free count as the post-boot total. */
void pmm_seal(struct pmm *p);

/*
 * Allocate `npages` contiguous frames whose start is aligned to `align`
 * bytes (a power of two, at least 4 KiB). Returns the physical address, or
 * 0 when no such run is free. The frames are not zeroed.
 */
hpa_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align);
/* Return frames to the allocator. Freeing a free frame is a bug: returns -HV_EINVAL. */
int pmm_free(struct pmm *p, hpa_t pa, uint64_t npages);
bool pmm_is_free(const struct pmm *p, hpa_t pa);

#endif
