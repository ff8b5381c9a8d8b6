/* The host frame allocator: mm/pmm.c seeded from the boot memory map. */
#include "mm/frames.h"
#include "boot/multiboot2.h"
#include <hv/log.h>
#include <hv/spinlock.h>
#include <hv/string.h>

#define FRAMES_MAX_PHYS  GiB(64)      /* RAM above this is left unused */

extern char __kernel_start[], __kernel_end[];

static uint64_t bitmap[FRAMES_MAX_PHYS / PAGE_SIZE / 64];
static struct pmm host_pmm;
/* Every CPU allocates (the APs their stacks and VMXON regions): one lock. */
static struct spinlock pmm_lock = SPINLOCK_INIT;
/* The first MiB stays out of host_pmm; its pages the memory map calls
 * available (and nothing of ours uses) are kept apart for code that must
 * live there: the APs' real-mode start-up page (boot/smp.c). */
#define LOW_PAGES (MiB(1) / PAGE_SIZE)
static uint64_t low_free[LOW_PAGES / 64];

static void low_mark(uint64_t start, uint64_t end, bool free)
{
    for (uint64_t pg = start / PAGE_SIZE; pg < LOW_PAGES && pg * PAGE_SIZE < end; pg++) {
        if (free && pg * PAGE_SIZE >= start && (pg + 1) * PAGE_SIZE <= end)
            low_free[pg / 64] |= 1ULL << (pg % 64);
        else if (!free)
            low_free[pg / 64] &= ~(1ULL << (pg % 64));
    }
}

void frames_init(const struct boot_info *bi)
{
    uint64_t top = 0;
    pmm_init(&host_pmm, bitmap, FRAMES_MAX_PHYS / PAGE_SIZE);
    for (unsigned i = 0; i < bi->nmmap; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (e->type != MB2_MMAP_AVAILABLE)
            continue;
        pmm_add_free(&host_pmm, e->addr, e->addr + e->len);
        top = MAX(top, e->addr + e->len);
    }
    /* Reserved ranges may overlap "available" ones in a sloppy map: reserve them last. */
    for (unsigned i = 0; i < bi->nmmap; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (e->type != MB2_MMAP_AVAILABLE)
            pmm_reserve(&host_pmm, e->addr, e->addr + e->len);
    }
    if (top > FRAMES_MAX_PHYS)
        pr_warn("RAM above %llu GiB is not used\n", (unsigned long long)(FRAMES_MAX_PHYS >> 30));

    pmm_reserve(&host_pmm, 0, MiB(1));                  /* BIOS data, EBDA, ROMs */
    memset(low_free, 0, sizeof(low_free));
    for (unsigned i = 0; i < bi->nmmap; i++)
        if (bi->mmap[i].type == MB2_MMAP_AVAILABLE)
            low_mark(bi->mmap[i].addr, bi->mmap[i].addr + bi->mmap[i].len, true);
    for (unsigned i = 0; i < bi->nmmap; i++)
        if (bi->mmap[i].type != MB2_MMAP_AVAILABLE)
            low_mark(bi->mmap[i].addr, bi->mmap[i].addr + bi->mmap[i].len, false);
    low_mark(0, PAGE_SIZE, false);                      /* real-mode IVT and BIOS data */
    low_mark(bi->info_addr, bi->info_addr + bi->info_size, false);
    for (unsigned i = 0; i < bi->nmodules; i++)
        low_mark(bi->modules[i].start, bi->modules[i].end, false);
    pmm_reserve(&host_pmm, (uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end);
    pmm_reserve(&host_pmm, bi->info_addr, bi->info_addr + bi->info_size);
    for (unsigned i = 0; i < bi->nmodules; i++)
        pmm_reserve(&host_pmm, bi->modules[i].start, bi->modules[i].end);
    pmm_seal(&host_pmm);
}

hpa_t frame_alloc(void)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    hpa_t pa = pmm_alloc(&host_pmm, 1, PAGE_SIZE);
    spin_unlock_irqrestore(&pmm_lock, fl);
    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

hpa_t frame_alloc_run(uint64_t npages, uint64_t align)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    hpa_t pa = pmm_alloc(&host_pmm, npages, align);
    spin_unlock_irqrestore(&pmm_lock, fl);
    return pa;
}

hpa_t frame_alloc_low(void)
{
    hpa_t pa = 0;
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    for (uint64_t pg = 1; pg < LOW_PAGES && !pa; pg++) {
        if (low_free[pg / 64] & (1ULL << (pg % 64))) {
            low_free[pg / 64] &= ~(1ULL << (pg % 64));   /* reserved for good */
            pa = pg * PAGE_SIZE;
        }
    }
    spin_unlock_irqrestore(&pmm_lock, fl);
    return pa;
}

void frame_free(hpa_t pa, uint64_t npages)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    int rc = pmm_free(&host_pmm, pa, npages);
    spin_unlock_irqrestore(&pmm_lock, fl);
    if (rc < 0)
        pr_err("frame_free: %#llx (+%llu pages) was not allocated\n",
               (unsigned long long)pa, (unsigned long long)npages);
}

const struct pmm *frames_pmm(void) { return &host_pmm; }
