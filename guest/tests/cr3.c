/*
 * cr3: CR3 writes under cr3exit=1 (every MOV to CR3 traps to minivisor,
 * which counts the writes and the distinct values).
 *
 * Builds two page directories of 4 MiB pages (CR4.PSE). Both identity map
 * the first 16 MiB, so code, data and stack stay where they are; they
 * differ in one "window" page at virtual 16 MiB:
 *   pd_a maps the window to physical 0 MiB (where this guest lives),
 *   pd_b maps it to physical 4 MiB (where a second marker is planted).
 * With paging on, the guest loads pd_a, then switches CR3 1000 times
 * between pd_b and pd_a, reading the window after every switch: it must
 * show the marker of the directory just loaded. That makes 1001 CR3
 * writes with 2 distinct values. Then paging is turned off again.
 * Needs at least 8 MiB of RAM.
 */
#include "guest.h"

#define PAGE_4M          0x400000u
#define IDENTITY_PAGES   4u                 /* 4 x 4 MiB = the first 16 MiB */
#define WINDOW_VA        (IDENTITY_PAGES * PAGE_4M)
#define PDE_INDEX(va)    ((va) >> 22)

#define PDE_PRESENT      (1u << 0)
#define PDE_WRITABLE     (1u << 1)
#define PDE_PAGE_4M      (1u << 7)          /* PS: a 4 MiB page, not a table */
#define PDE_FLAGS        (PDE_PRESENT | PDE_WRITABLE | PDE_PAGE_4M)

#define SWITCHES         1000u
#define MARKER_A         0xA11CE0A0u        /* in this guest's image (physical 0-4 MiB) */
#define MARKER_B         0xB0B0B0B0u        /* planted at the same offset + 4 MiB */

static uint32_t pd_a[1024] __attribute__((aligned(4096)));
static uint32_t pd_b[1024] __attribute__((aligned(4096)));
static volatile uint32_t marker = MARKER_A;

static void build_directory(uint32_t *pd, uint32_t window_pa)
{
    for (uint32_t i = 0; i < 1024; i++)
        pd[i] = 0;
    for (uint32_t i = 0; i < IDENTITY_PAGES; i++)
        pd[i] = i * PAGE_4M | PDE_FLAGS;
    pd[PDE_INDEX(WINDOW_VA)] = window_pa | PDE_FLAGS;
}

/* The marker as seen through the window (virtual 16 MiB + its offset). */
static uint32_t read_window(void)
{
    uint32_t va = WINDOW_VA + (uint32_t)(uintptr_t)&marker;
    return *(volatile uint32_t *)(uintptr_t)va;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    test_begin("cr3");

    uint32_t ram_top = 0x100000 + info->mem_upper * 1024;
    if (!(info->flags & MB1_INFO_MEMORY) || ram_top < 2 * PAGE_4M) {
        check(false, "needs 8 MiB of RAM, multiboot info says top is 0x%08x", ram_top);
        return test_end();
    }

    /* Paging is off: plant marker B at physical 4 MiB + the marker's offset. */
    volatile uint32_t *marker_b = (volatile uint32_t *)(uintptr_t)(PAGE_4M + (uint32_t)(uintptr_t)&marker);
    *marker_b = MARKER_B;

    build_directory(pd_a, 0);
    build_directory(pd_b, PAGE_4M);
    uint32_t cr0 = read_cr0(), cr4 = read_cr4();
    uint32_t a = (uint32_t)(uintptr_t)pd_a, b = (uint32_t)(uintptr_t)pd_b;
    note("page directories at 0x%08x and 0x%08x, window at virtual 0x%08x", a, b, WINDOW_VA);

    unsigned writes = 0, bad_reads = 0;
    uint32_t first_bad = 0;

    write_cr4(cr4 | CR4_PSE);
    write_cr3(a);
    writes++;
    write_cr0(cr0 | CR0_PG);

    uint32_t seen = read_window();
    check(seen == MARKER_A, "paging on with CR3=0x%08x: window reads 0x%08x (expected 0x%08x)",
          a, seen, MARKER_A);

    for (unsigned i = 1; i <= SWITCHES; i++) {
        bool to_b = i % 2 == 1;
        write_cr3(to_b ? b : a);
        writes++;
        seen = read_window();
        if (seen != (to_b ? MARKER_B : MARKER_A)) {
            if (bad_reads++ == 0)
                first_bad = i;
        }
    }
    uint32_t cr3_now = read_cr3();
    if (bad_reads == 0)
        check(true, "after each of %u CR3 switches the window showed the loaded "
              "directory's marker", SWITCHES);
    else
        check(false, "window showed the wrong marker after %u of %u CR3 switches, "
              "first after switch %u", bad_reads, SWITCHES, first_bad);
    check(cr3_now == a, "CR3 reads back 0x%08x (expected 0x%08x)", cr3_now, a);
    check(marker == MARKER_A && read_window() == MARKER_A,
          "memory still reads correctly with paging on (marker 0x%08x)", marker);

    write_cr0(cr0);              /* paging off again */
    write_cr4(cr4);
    check(*marker_b == MARKER_B && marker == MARKER_A,
          "paging off: markers 0x%08x at 0x%08x and 0x%08x at 0x%08x",
          marker, (uint32_t)(uintptr_t)&marker, *marker_b, (uint32_t)(uintptr_t)marker_b);

    check(bad_reads == 0 && writes == SWITCHES + 1,
          "%u CR3 writes, 2 distinct values (0x%08x, 0x%08x)", writes, a, b);
    return test_end();
}
