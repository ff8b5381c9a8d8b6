/*
 * Bitmap frame allocator (see mm/pmm.h). Searching is first fit: whole
 * 64-bit words are skipped when full, and aligned runs are checked only at
 * aligned candidates.
 */
#include "mm/pmm.h"
#include <hv/errno.h>
#include <hv/string.h>

static bool test_bit(const uint64_t *bm, uint64_t i) { return bm[i / 64] & BIT(i % 64); }
static void set_bit(uint64_t *bm, uint64_t i)        { bm[i / 64] |= BIT(i % 64); }
static void clear_bit(uint64_t *bm, uint64_t i)      { bm[i / 64] &= ~BIT(i % 64); }

void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t nframes)
{
    p->bitmap = bitmap;
    p->nframes = nframes;
    p->free_frames = 0;
    p->total_free = 0;
    memset(bitmap, 0xFF, ALIGN_UP(nframes, 64) / 8);
}

void pmm_add_free(struct pmm *p, uint64_t start, uint64_t end)
{
    uint64_t first = ALIGN_UP(start, PAGE_SIZE) / PAGE_SIZE;
    uint64_t last = end / PAGE_SIZE;              /* exclusive */
    if (end < start)
        return;
    if (first == 0)
        first = 1;                                /* frame 0 stays used: 0 means failure */
    if (last > p->nframes)
        last = p->nframes;
    for (uint64_t f = first; f < last; f++) {
        if (test_bit(p->bitmap, f)) {
            clear_bit(p->bitmap, f);
            p->free_frames++;
        }
    }
}

void pmm_reserve(struct pmm *p, uint64_t start, uint64_t end)
{
    if (end <= start)
        return;
    uint64_t first = start / PAGE_SIZE;
    uint64_t last = ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE;
    if (last > p->nframes || last < first)
        last = p->nframes;
    for (uint64_t f = first; f < last; f++) {
        if (!test_bit(p->bitmap, f)) {
            set_bit(p->bitmap, f);
            p->free_frames--;
        }
    }
}

void pmm_seal(struct pmm *p)
{
    p->total_free = p->free_frames;
}

/* Are frames [f, f+n) all free? On failure *next is a frame to resume after. */
static bool run_free(const struct pmm *p, uint64_t f, uint64_t n, uint64_t *blocker)
{
    for (uint64_t i = f; i < f + n; ) {
        if ((i % 64) == 0 && i + 64 <= f + n) {
            if (p->bitmap[i / 64]) {
                for (uint64_t j = i + 63; ; j--)  /* last used frame in this word */
                    if (test_bit(p->bitmap, j)) { *blocker = j; return false; }
            }
            i += 64;
            continue;
        }
        if (test_bit(p->bitmap, i)) {
            *blocker = i;
            return false;
        }
        i++;
    }
    return true;
}

hpa_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align)
{
    if (npages == 0 || npages > p->free_frames || align < PAGE_SIZE || (align & (align - 1)))
        return 0;
    uint64_t step = align / PAGE_SIZE;

    for (uint64_t f = step; f + npages <= p->nframes; ) {
        /* Skip full words quickly when looking for single frames. */
        if (step == 1 && (f % 64) == 0 && p->bitmap[f / 64] == ~0ULL) {
            f += 64;
            continue;
        }
        uint64_t blocker;
        if (run_free(p, f, npages, &blocker)) {
            for (uint64_t i = f; i < f + npages; i++)
                set_bit(p->bitmap, i);
            p->free_frames -= npages;
            return f * PAGE_SIZE;
        }
        f = ALIGN_UP(blocker + 1, step);
    }
    return 0;
}

int pmm_free(struct pmm *p, hpa_t pa, uint64_t npages)
{
    uint64_t f = pa / PAGE_SIZE;
    if (!IS_ALIGNED(pa, PAGE_SIZE) || f == 0 || f + npages > p->nframes)
        return -HV_EINVAL;
    for (uint64_t i = f; i < f + npages; i++)
        if (!test_bit(p->bitmap, i))
            return -HV_EINVAL;
    for (uint64_t i = f; i < f + npages; i++)
        clear_bit(p->bitmap, i);
    p->free_frames += npages;
    return 0;
}

bool pmm_is_free(const struct pmm *p, hpa_t pa)
{
    uint64_t f = pa / PAGE_SIZE;
    return f < p->nframes && !test_bit(p->bitmap, f);
}
