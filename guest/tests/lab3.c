/*
 * lab3: the guest of the EPT lab (labs/lab3-ept.md). It makes no VM exit
 * of its own but EPT violations: no port I/O, CPUID, VMCALL or HLT (their
 * handlers come in later labs), so it reports in the one way left, the
 * guest-physical address of its last read. Run with mem=8M and the boot
 * option unbacked=stop.
 *
 * It checks the multiboot information the loader wrote (EAX magic, the
 * memory map, mem_upper agreeing with it, the command line), writes a
 * pattern into every 4 KiB page of RAM above its image (each 2 MiB chunk
 * is mapped at its first touch) and reads it back, then reads the address
 * TOP + 4 KiB x FAILED, where TOP is the end of RAM from its memory map and
 * FAILED has one bit per failed check (below). Nothing is there, so the
 * hypervisor stops it: "read of unbacked guest-physical address 0x800000"
 * when all is well with 8 MiB.
 */
#include "guest.h"

#define FAIL_MAGIC    (1u << 0)   /* EAX is not the multiboot1 magic */
#define FAIL_MMAP     (1u << 1)   /* no memory map, or no RAM entry at 1 MiB */
#define FAIL_UPPER    (1u << 2)   /* mem_upper disagrees with the map */
#define FAIL_CMDLINE  (1u << 3)   /* no command line, or no word "ramcheck" */
#define FAIL_RAM      (1u << 4)   /* a page did not read back its pattern */

#define MB1_MMAP_RAM  1u
#define MiB           0x100000u

struct __attribute__((packed)) mb1_mmap_entry {
    uint32_t size;                /* of the rest of the entry */
    uint64_t addr, len;
    uint32_t type;
};

/* The end of the RAM entry that holds 1 MiB, or 0. */
static uint32_t ram_top(const struct mb1_info *info)
{
    uint32_t at = info->mmap_addr, end = info->mmap_addr + info->mmap_length;
    while (at < end) {
        const struct mb1_mmap_entry *e = (const void *)(uintptr_t)at;
        if (e->type == MB1_MMAP_RAM && e->addr <= MiB && e->addr + e->len > MiB)
            return (uint32_t)(e->addr + e->len);
        at += e->size + sizeof(e->size);
    }
    return 0;
}

static uint32_t pattern(uint32_t page)
{
    return page ^ 0x5A3C96E1u;
}

int main(uint32_t magic, struct mb1_info *info)
{
    uint32_t failed = 0, top = 0;

    if (magic != MB1_BOOTLOADER_MAGIC)
        failed |= FAIL_MAGIC;
    if (!(info->flags & MB1_INFO_MEM_MAP) || !(top = ram_top(info)))
        failed |= FAIL_MMAP;
    if (!(info->flags & MB1_INFO_MEMORY) || info->mem_upper * 1024u + MiB != top)
        failed |= FAIL_UPPER;
    if (!(info->flags & MB1_INFO_CMDLINE) ||
        !has_word((const char *)(uintptr_t)info->cmdline, "ramcheck"))
        failed |= FAIL_CMDLINE;

    /* Every page above the image: write, then read back. */
    uint32_t first = (uint32_t)(uintptr_t)__image_end;
    for (uint32_t p = first; p + 4096 <= top; p += 4096)
        *(volatile uint32_t *)(uintptr_t)p = pattern(p);
    for (uint32_t p = first; p + 4096 <= top; p += 4096)
        if (*(volatile uint32_t *)(uintptr_t)p != pattern(p))
            failed |= FAIL_RAM;

    /* The report: a read just above RAM (the hypervisor stops us here). */
    (void)*(volatile uint32_t *)(uintptr_t)(top + failed * 4096u);
    for (;;)
        ;                          /* not stopped: the grader sees no report */
}
