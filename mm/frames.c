/* The host frame allocator: mm/pmm.c seeded from the boot memory map. */
#include "mm/frames.h"
#include "boot/multiboot2.h"
#include <hv/log.h>
#include <hv/string.h>

#define FRAMES_MAX_PHYS  GiB(64)      /* RAM above this is left unused */

extern char __kernel_start[], __kernel_end[];

static uint64_t bitmap[FRAMES_MAX_PHYS / PAGE_SIZE / 64];
static struct pmm host_pmm;

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
    pmm_reserve(&host_pmm, (uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end);
    pmm_reserve(&host_pmm, bi->info_addr, bi->info_addr + bi->info_size);
    for (unsigned i = 0; i < bi->nmodules; i++)
        pmm_reserve(&host_pmm, bi->modules[i].start, bi->modules[i].end);
    pmm_seal(&host_pmm);
}

hpa_t frame_alloc(void)
{
    hpa_t pa = pmm_alloc(&host_pmm, 1, PAGE_SIZE);
    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

hpa_t frame_alloc_run(uint64_t npages, uint64_t align)
{
    return pmm_alloc(&host_pmm, npages, align);
}

void frame_free(hpa_t pa, uint64_t npages)
{
    if (pmm_free(&host_pmm, pa, npages) < 0)
        pr_err("frame_free: %#llx (+%llu pages) was not allocated\n",
               (unsigned long long)pa, (unsigned long long)npages);
}

const struct pmm *frames_pmm(void) { return &host_pmm; }
