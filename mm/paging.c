/*
 * Host page tables: see mm/paging.h. 2 MiB pages wherever a whole aligned
 * block is mapped with one set of rights; 4 KiB pages around the kernel
 * image (whose sections need different rights) and at range edges.
 */
#include "mm/paging.h"
#include "mm/frames.h"
#include "boot/multiboot2.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/errno.h>
#include <hv/log.h>

#define PTE_P    BIT(0)
#define PTE_W    BIT(1)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_PS   BIT(7)
#define PTE_NX   BIT(63)
#define PTE_ADDR 0x000FFFFFFFFFF000ULL

#define MAP_DATA   (PTE_P | PTE_W | PTE_NX)
#define MAP_RODATA (PTE_P | PTE_NX)
#define MAP_TEXT   (PTE_P)
#define MAP_MMIO   (PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT)
/* PAT entry 1 (PWT=1, PCD=0, PAT=0) is made write-combining by pat_init. */
#define MAP_WC     (PTE_P | PTE_W | PTE_NX | PTE_PWT)

/* SDM Vol. 3A, "Page Attribute Table (PAT)": IA32_PAT holds eight 8-bit
 * entries; the power-up value has WT in entry 1, which these tables never
 * use, so it becomes WC (type 01H) as Linux does. CPUID.01H:EDX.PAT[bit 16]. */
#define CPUID_1_EDX_PAT   BIT(16)
#define PAT_TYPE_WC       0x01ULL
#define PAT_ENTRY1_SHIFT  8
static bool pat_wc;

extern char __kernel_start[], __text_end[], __rodata_end[], __data_end[];

static uint64_t *pml4;
static uint64_t n_large, n_small;

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* The next-level table under *e, created if absent. Intermediate entries
 * allow everything; the leaf decides. */
static uint64_t *next_table(uint64_t *e)
{
    if (!(*e & PTE_P)) {
        hpa_t pa = frame_alloc();
        if (!pa)
            return NULL;
        *e = pa | PTE_P | PTE_W;
    }
    return table(*e);
}

/* Turn a 2 MiB leaf into a table of 512 4 KiB leaves with the same rights. */
static uint64_t *split_large(uint64_t *pde)
{
    hpa_t pa = frame_alloc();
    if (!pa)
        return NULL;
    uint64_t *pt = phys_to_virt(pa);
    uint64_t base = *pde & PTE_ADDR & ~(LARGE_PAGE_SIZE - 1);
    uint64_t flags = *pde & ~PTE_ADDR & ~PTE_PS;
    for (int i = 0; i < 512; i++)
        pt[i] = (base + i * PAGE_SIZE) | flags;
    *pde = pa | PTE_P | PTE_W;
    n_large--;
    n_small += 512;
    return pt;
}

static int map_range(uint64_t start, uint64_t end, uint64_t flags)
{
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    for (uint64_t a = start; a < end; ) {
        uint64_t *pdpt = next_table(&pml4[(a >> 39) & 511]);
        uint64_t *pd = pdpt ? next_table(&pdpt[(a >> 30) & 511]) : NULL;
        if (!pd)
            return -HV_ENOMEM;
        uint64_t *pde = &pd[(a >> 21) & 511];

        if (IS_ALIGNED(a, LARGE_PAGE_SIZE) && end - a >= LARGE_PAGE_SIZE &&
            (!(*pde & PTE_P) || (*pde & PTE_PS))) {
            if (!(*pde & PTE_P))
                n_large++;
            *pde = a | flags | PTE_PS;
            a += LARGE_PAGE_SIZE;
            continue;
        }
        uint64_t *pt = (*pde & PTE_PS) ? split_large(pde) : next_table(pde);
        if (!pt)
            return -HV_ENOMEM;
        uint64_t *pte = &pt[(a >> 12) & 511];
        if (!(*pte & PTE_P))
            n_small++;
        *pte = a | flags;
        a += PAGE_SIZE;
    }
    return 0;
}

int paging_init(const struct boot_info *bi)
{
    hpa_t root = frame_alloc();
    if (!root)
        return -HV_ENOMEM;
    pml4 = phys_to_virt(root);

    int rc = map_range(0, MiB(1), MAP_DATA);
    for (unsigned i = 0; i < bi->nmmap && !rc; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (e->type == MB2_MMAP_AVAILABLE || e->type == MB2_MMAP_ACPI || e->type == MB2_MMAP_NVS)
            rc = map_range(e->addr, e->addr + e->len, MAP_DATA);
    }
    uint64_t ks = (uint64_t)(uintptr_t)__kernel_start;
    if (!rc) rc = map_range(ks, (uint64_t)(uintptr_t)__text_end, MAP_TEXT);
    if (!rc) rc = map_range((uint64_t)(uintptr_t)__text_end, (uint64_t)(uintptr_t)__rodata_end, MAP_RODATA);
    if (!rc) rc = map_range((uint64_t)(uintptr_t)__rodata_end, (uint64_t)(uintptr_t)__data_end, MAP_DATA);
    /* The boot information and modules may lie outside "available" RAM in odd maps. */
    if (!rc) rc = map_range(bi->info_addr, bi->info_addr + bi->info_size, MAP_DATA);
    for (unsigned i = 0; i < bi->nmodules && !rc; i++)
        rc = map_range(bi->modules[i].start, bi->modules[i].end, MAP_DATA);
    if (!rc) rc = map_range(LAPIC_MMIO_BASE, LAPIC_MMIO_BASE + PAGE_SIZE, MAP_MMIO);
    if (!rc) rc = map_range(IOAPIC_MMIO_BASE, IOAPIC_MMIO_BASE + PAGE_SIZE, MAP_MMIO);
    if (rc)
        return rc;

    /* "Programming the PAT": the entry is not in use by any mapping yet;
     * caches and TLBs are flushed after the write all the same. */
    if (cpuid(1, 0).edx & CPUID_1_EDX_PAT) {
        uint64_t pat = rdmsr(MSR_IA32_PAT);
        pat = (pat & ~(0xFFULL << PAT_ENTRY1_SHIFT)) | (PAT_TYPE_WC << PAT_ENTRY1_SHIFT);
        wrmsr(MSR_IA32_PAT, pat);
        __asm__ volatile("wbinvd" ::: "memory");
        pat_wc = true;
    }
    wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | IA32_EFER_NXE);
    write_cr0(read_cr0() | CR0_WP);
    write_cr3(root);
    return 0;
}

int paging_map_mmio(uint64_t pa, uint64_t len)
{
    int rc = map_range(pa, pa + len, MAP_MMIO);
    write_cr3(read_cr3());        /* flush: simple, and rare */
    return rc;
}

int paging_map_wc(uint64_t pa, uint64_t len)
{
    int rc = map_range(pa, pa + len, pat_wc ? MAP_WC : MAP_MMIO);
    write_cr3(read_cr3());
    return rc < 0 ? rc : pat_wc;
}

void paging_stats(uint64_t *large, uint64_t *small)
{
    *large = n_large;
    *small = n_small;
}
