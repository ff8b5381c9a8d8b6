/*
 * unbacked: a guest-physical address with neither RAM nor a device reads
 * all ones and drops writes, as on a PC (the default, unbacked=ones). Every
 * access is one instruction, emulated by the MMIO emulator after an EPT
 * violation, at 0x40000000 (1 GiB: above this guest's RAM, no device):
 *   - MOV reads of 1, 2 and 4 bytes give 0xFF, 0xFFFF, 0xFFFFFFFF;
 *   - MOV writes of 1, 2 and 4 bytes are dropped: read back, all ones;
 *   - MOVZX of a byte gives 0x000000FF, MOVSX of a word 0xFFFFFFFF;
 *   - ADD to memory (read-modify-write) sees 0xFFFFFFFF (CF, ZF set after
 *     adding 1), and the sum is dropped;
 * then reads one word in each of 19 more pages. The hypervisor logs the
 * first access to each of the first 16 pages, then says once that it
 * logs no more; the summary counts all 32 accesses.
 */
#include "guest.h"

#define UNBACKED  0x40000000u
#define PAGES     20u

#define U8(a)   (*(volatile uint8_t *)(uintptr_t)(a))
#define U16(a)  (*(volatile uint16_t *)(uintptr_t)(a))
#define U32(a)  (*(volatile uint32_t *)(uintptr_t)(a))

static inline uint8_t rd8(uint32_t a)
{
    uint8_t v;
    __asm__ volatile("movb %1, %0" : "=q"(v) : "m"(U8(a)));
    return v;
}

static inline uint16_t rd16(uint32_t a)
{
    uint16_t v;
    __asm__ volatile("movw %1, %0" : "=r"(v) : "m"(U16(a)));
    return v;
}

static inline uint32_t rd32(uint32_t a)
{
    uint32_t v;
    __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(U32(a)));
    return v;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("unbacked");

    check_eq("movb from 0x40000000", rd8(UNBACKED), 0xFF);
    check_eq("movw from 0x40000002", rd16(UNBACKED + 2), 0xFFFF);
    check_eq("movl from 0x40000004", rd32(UNBACKED + 4), 0xFFFFFFFF);

    __asm__ volatile("movl %1, %0" : "=m"(U32(UNBACKED + 8)) : "r"(0x12345678u));
    check_eq("movl 0x12345678 to 0x40000008 dropped, read back", rd32(UNBACKED + 8), 0xFFFFFFFF);
    __asm__ volatile("movb %1, %0" : "=m"(U8(UNBACKED + 1)) : "q"((uint8_t)0));
    check_eq("movb 0 to 0x40000001 dropped, read back", rd8(UNBACKED + 1), 0xFF);
    __asm__ volatile("movw %1, %0" : "=m"(U16(UNBACKED + 0x10)) : "r"((uint16_t)0));
    check_eq("movw 0 to 0x40000010 dropped, read back", rd16(UNBACKED + 0x10), 0xFFFF);

    uint32_t zx, sx;
    __asm__ volatile("movzbl %1, %0" : "=r"(zx) : "m"(U8(UNBACKED + 3)));
    check_eq("movzbl from 0x40000003", zx, 0xFF);
    __asm__ volatile("movswl %1, %0" : "=r"(sx) : "m"(U16(UNBACKED + 6)));
    check_eq("movswl from 0x40000006", sx, 0xFFFFFFFF);

    uint32_t flags;
    __asm__ volatile("addl $1, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(U32(UNBACKED + 0xC))
                     : : "cc");
    check((flags & (EFLAGS_CF | EFLAGS_ZF)) == (EFLAGS_CF | EFLAGS_ZF),
          "addl $1 to 0x4000000c: 0xFFFFFFFF + 1 sets CF and ZF (EFLAGS=%08x)", flags);
    check_eq("the sum was dropped, read back", rd32(UNBACKED + 0xC), 0xFFFFFFFF);

    uint32_t bad = 0;
    for (uint32_t p = 1; p < PAGES; p++)
        if (rd32(UNBACKED + p * 0x1000 + 0x10) != 0xFFFFFFFF)
            bad++;
    check(bad == 0, "movl from 19 more pages 0x40001010..0x40013010: all 0xFFFFFFFF (%u not)", bad);
    return test_end();
}
