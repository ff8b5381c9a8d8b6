/*
 * memtest: guest RAM is really there, and nothing above it (run with
 * mem=8M).
 *   - writes a pattern to every 32-bit word from the end of this guest's
 *     image (__image_end) to the top of RAM (1 MiB + mem_upper KiB), then
 *     reads it all back; again with the pattern inverted;
 *   - then reads 2 MiB above the top of RAM: that is no RAM and no device,
 *     so the hypervisor stops the guest there. Any line after the
 *     "reading ... above RAM" note is a failure.
 * On success it prints "PASS memtest: N KiB checked" and then stops.
 */
#include "guest.h"

#define ABOVE_RAM_OFFSET  (2u << 20)     /* probe 2 MiB above the top of RAM */

/* Different in every word and every pass, so a misrouted or aliased write
 * shows up as a mismatch. */
static inline uint32_t pattern(uint32_t addr, uint32_t pass)
{
    uint32_t v = addr * 2654435761u + 0x9E3779B9u;
    return pass ? ~v : v;
}

/* Fills [start, end) and reads it back; returns the number of bad words
 * and the first bad address in *first_bad. */
static uint32_t test_range(uint32_t start, uint32_t end, uint32_t pass, uint32_t *first_bad)
{
    uint32_t bad = 0;
    for (uint32_t a = start; a < end; a += 4)
        *(volatile uint32_t *)(uintptr_t)a = pattern(a, pass);
    for (uint32_t a = start; a < end; a += 4) {
        if (*(volatile uint32_t *)(uintptr_t)a != pattern(a, pass)) {
            if (bad++ == 0)
                *first_bad = a;
        }
    }
    return bad;
}

int main(uint32_t magic, struct mb1_info *info)
{
    test_begin("memtest");
    if (magic != MB1_BOOTLOADER_MAGIC || !(info->flags & MB1_INFO_MEMORY)) {
        check(false, "multiboot memory info: magic 0x%08x, flags 0x%x", magic,
              magic == MB1_BOOTLOADER_MAGIC ? info->flags : 0);
        return test_end();
    }

    uint32_t start = (uint32_t)(uintptr_t)__image_end;
    uint32_t top = 0x100000 + info->mem_upper * 1024;
    note("RAM 0x%08x-0x%08x (mem_upper %u KiB); testing 0x%08x-0x%08x",
         0, top, info->mem_upper, start, top);
    if (top <= start) {
        check(false, "top of RAM 0x%08x is below the end of the image 0x%08x", top, start);
        return test_end();
    }

    uint32_t first_bad = 0, bad = 0;
    for (uint32_t pass = 0; pass < 2 && bad == 0; pass++)
        bad = test_range(start, top, pass, &first_bad);
    uint32_t kib = (top - start) / 1024;
    if (bad == 0) {
        check(true, "%u KiB checked", kib);
    } else {
        check(false, "%u bad words in %u KiB, first at 0x%08x", bad, kib, first_bad);
        return test_end();
    }

    uint32_t probe = top + ABOVE_RAM_OFFSET;
    note("reading 0x%08x, above RAM: the hypervisor should stop this guest", probe);
    uint32_t v = *(volatile uint32_t *)(uintptr_t)probe;
    printf("FAIL memtest: read above RAM returned 0x%08x\n", v);
    return 1;
}
