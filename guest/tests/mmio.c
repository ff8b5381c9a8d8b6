/*
 * mmio: the test device ("testdev") at guest-physical 0xFEB00000, reached
 * only through minivisor's MMIO instruction emulator. Every access below is
 * one explicit instruction (inline asm), so each checks one emulator path:
 *   - MOV of 1, 2 and 4 bytes, register and immediate sources, aligned and
 *     unaligned, read back at other widths (little-endian);
 *   - MOVZX/MOVSX of a byte 0x80 and a word 0x8000;
 *   - ADD, SUB, OR, AND, XOR, CMP, TEST and BT with a memory operand, with
 *     the result and CF/ZF/SF/OF (read with PUSHF) checked;
 *   - XCHG with memory; REP STOSD into the device; REP MOVSB from RAM into
 *     the device and back;
 *   - the read-only id register (0x100) reads 0x7E57DE00;
 *   - bytes written to 0x200 are printed: "[mmio] mmio console".
 * The 64-bit width is not used: a 32-bit guest has no 8-byte MOV among its
 * general-purpose instructions.
 */
#include "guest.h"

#define TESTDEV_BASE     0xFEB00000u
#define TD_SCRATCH       0x000u     /* 16 x 64-bit scratch registers */
#define TD_SCRATCH_SIZE  0x80u
#define TD_ID            0x100u     /* 32-bit, read-only */
#define TD_CONSOLE       0x200u     /* byte writes are printed */
#define TESTDEV_ID       0x7E57DE00u

#define TD8(off)   (*(volatile uint8_t *)(uintptr_t)(TESTDEV_BASE + (off)))
#define TD16(off)  (*(volatile uint16_t *)(uintptr_t)(TESTDEV_BASE + (off)))
#define TD32(off)  (*(volatile uint32_t *)(uintptr_t)(TESTDEV_BASE + (off)))

/* ---- single-instruction accessors ---- */

static inline uint8_t rd8(uint32_t off)
{
    uint8_t v;
    __asm__ volatile("movb %1, %0" : "=q"(v) : "m"(TD8(off)));
    return v;
}

static inline uint16_t rd16(uint32_t off)
{
    uint16_t v;
    __asm__ volatile("movw %1, %0" : "=r"(v) : "m"(TD16(off)));
    return v;
}

static inline uint32_t rd32(uint32_t off)
{
    uint32_t v;
    __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(TD32(off)));
    return v;
}

static inline void wr8(uint32_t off, uint8_t v)
{
    __asm__ volatile("movb %1, %0" : "=m"(TD8(off)) : "q"(v));
}

static inline void wr16(uint32_t off, uint16_t v)
{
    __asm__ volatile("movw %1, %0" : "=m"(TD16(off)) : "r"(v));
}

static inline void wr32(uint32_t off, uint32_t v)
{
    __asm__ volatile("movl %1, %0" : "=m"(TD32(off)) : "r"(v));
}

/* Writes the flags selected by mask as text, e.g. "CF=1 ZF=0", into buf. */
static const char *flag_text(char *buf, uint32_t flags, uint32_t mask)
{
    static const struct { uint32_t bit; char name[3]; } names[] = {
        { EFLAGS_CF, "CF" }, { EFLAGS_ZF, "ZF" }, { EFLAGS_SF, "SF" }, { EFLAGS_OF, "OF" },
    };
    char *p = buf;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(mask & names[i].bit))
            continue;
        if (p != buf)
            *p++ = ' ';
        *p++ = names[i].name[0];
        *p++ = names[i].name[1];
        *p++ = '=';
        *p++ = (flags & names[i].bit) ? '1' : '0';
    }
    *p = '\0';
    return buf;
}

/* Checks an instruction's result and CF/ZF/SF/OF:
 * "PASS mmio: <what> = <value>, CF=.. ZF=.. SF=.. OF=.." (or FAIL with both). */
static void check_result(const char *what, uint32_t got, uint32_t expected,
                         uint32_t flags, uint32_t expected_flags)
{
    char seen[24], want[24];
    flag_text(seen, flags, EFLAGS_ARITH);
    flag_text(want, expected_flags, EFLAGS_ARITH);
    if (got == expected && (flags & EFLAGS_ARITH) == expected_flags)
        check(true, "%s = 0x%08x, %s", what, got, seen);
    else
        check(false, "%s: expected 0x%08x, %s; got 0x%08x, %s", what, expected, want, got, seen);
}

/* Checks only the flags in mask (for CMP, TEST and BT). */
static void check_flags(const char *what, uint32_t flags, uint32_t mask, uint32_t expected)
{
    char seen[24], want[24];
    flag_text(seen, flags, mask);
    flag_text(want, expected, mask);
    if ((flags & mask) == expected)
        check(true, "%s: %s", what, seen);
    else
        check(false, "%s: expected %s, got %s", what, want, seen);
}

/* ---- the checks ---- */

static void id_register(void)
{
    check_eq("id register 0x100 (movl)", rd32(TD_ID), TESTDEV_ID);

    uint32_t flags;
    __asm__ volatile("cmpl %1, %2\n\tpushfl\n\tpopl %0"
                     : "=r"(flags) : "i"(TESTDEV_ID), "m"(TD32(TD_ID)) : "cc");
    check_flags("cmpl $0x7e57de00, id register", flags, EFLAGS_ZF, EFLAGS_ZF);
}

static void mov_widths(void)
{
    /* 0x1122334455667788 into scratch register 0 as two dwords. */
    wr32(0x0, 0x55667788);
    wr32(0x4, 0x11223344);
    uint8_t b[8];
    uint16_t w[4];
    for (unsigned i = 0; i < 8; i++)
        b[i] = rd8(i);
    for (unsigned i = 0; i < 4; i++)
        w[i] = rd16(2 * i);
    check(b[0] == 0x88 && b[1] == 0x77 && b[2] == 0x66 && b[3] == 0x55 &&
          b[4] == 0x44 && b[5] == 0x33 && b[6] == 0x22 && b[7] == 0x11,
          "0x1122334455667788 read as bytes: %02x %02x %02x %02x %02x %02x %02x %02x",
          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    check(w[0] == 0x7788 && w[1] == 0x5566 && w[2] == 0x3344 && w[3] == 0x1122,
          "0x1122334455667788 read as words: %04x %04x %04x %04x", w[0], w[1], w[2], w[3]);
    uint32_t odd = rd32(0x3);
    check_eq("unaligned dword read at 0x03", odd, 0x22334455);   /* bytes 55 44 33 22 */

    /* Bytes 01..08 into scratch register 1, read as dwords. */
    for (unsigned i = 0; i < 8; i++)
        wr8(0x8 + i, (uint8_t)(i + 1));
    uint32_t lo = rd32(0x8), hi = rd32(0xC);
    check(lo == 0x04030201 && hi == 0x08070605,
          "bytes 01..08 written at 0x08, read as dwords: 0x%08x 0x%08x", lo, hi);

    /* Immediate sources, then an odd word and an unaligned dword. */
    __asm__ volatile("movl $0, %0" : "=m"(TD32(0x10)));
    __asm__ volatile("movl $0, %0" : "=m"(TD32(0x14)));
    __asm__ volatile("movw $0xbeef, %0" : "=m"(TD16(0x11)));
    uint32_t d = rd32(0x10);
    check_eq("movw $0xbeef to 0x11, dword at 0x10", d, 0x00BEEF00);
    wr32(0x13, 0xCAFEBABE);
    lo = rd32(0x10);
    hi = rd32(0x14);
    check(lo == 0xBEBEEF00 && hi == 0x00CAFEBA,
          "movl 0xcafebabe to 0x13: dwords at 0x10, 0x14 = 0x%08x 0x%08x "
          "(expected 0xbebeef00 0x00cafeba)", lo, hi);
    __asm__ volatile("movb $0x5a, %0" : "=m"(TD8(0x17)));
    check_eq("movb $0x5a to 0x17, byte read", rd8(0x17), 0x5A);
}

static void zero_and_sign_extend(void)
{
    wr32(0x18, 0x80000080);    /* byte 0x80 at 0x18, word 0x8000 at 0x1a */
    uint32_t zb, sb, zw, sw;
    __asm__ volatile("movzbl %1, %0" : "=r"(zb) : "m"(TD8(0x18)));
    __asm__ volatile("movsbl %1, %0" : "=r"(sb) : "m"(TD8(0x18)));
    __asm__ volatile("movzwl %1, %0" : "=r"(zw) : "m"(TD16(0x1A)));
    __asm__ volatile("movswl %1, %0" : "=r"(sw) : "m"(TD16(0x1A)));
    check_eq("movzx of byte 0x80", zb, 0x00000080);
    check_eq("movsx of byte 0x80", sb, 0xFFFFFF80);
    check_eq("movzx of word 0x8000", zw, 0x00008000);
    check_eq("movsx of word 0x8000", sw, 0xFFFF8000);
}

static void arithmetic(void)
{
    const uint32_t off = 0x20;
    uint32_t flags, r;

    /* ADD imm to memory: 0xffffffff + 1 = 0, carry out, zero. */
    wr32(off, 0xFFFFFFFF);
    __asm__ volatile("addl $1, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : : "cc");
    check_result("addl $1 to 0xffffffff in memory", rd32(off), 0, flags,
                 EFLAGS_CF | EFLAGS_ZF);

    /* ADD memory to a register: 1 + 0x7fffffff = 0x80000000, signed overflow. */
    wr32(off, 0x7FFFFFFF);
    r = 1;
    __asm__ volatile("addl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+r"(r) : "m"(TD32(off)) : "cc");
    check_result("addl 0x7fffffff from memory to 1", r, 0x80000000, flags,
                 EFLAGS_SF | EFLAGS_OF);

    /* ADD register to memory. */
    wr32(off, 0x10);
    r = 0x22;
    __asm__ volatile("addl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : "r"(r) : "cc");
    check_result("addl 0x22 to 0x10 in memory", rd32(off), 0x32, flags, 0);

    /* SUB imm from memory: 5 - 7 borrows. */
    wr32(off, 5);
    __asm__ volatile("subl $7, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : : "cc");
    check_result("subl $7 from 5 in memory", rd32(off), 0xFFFFFFFE, flags,
                 EFLAGS_CF | EFLAGS_SF);

    /* OR, AND, XOR (these clear CF and OF). */
    wr32(off, 0x0F0F0000);
    __asm__ volatile("orl $0xff, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : : "cc");
    check_result("orl $0xff to 0x0f0f0000", rd32(off), 0x0F0F00FF, flags, 0);

    r = 0x00FF00FF;
    __asm__ volatile("andl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : "r"(r) : "cc");
    check_result("andl 0x00ff00ff with 0x0f0f00ff", rd32(off), 0x000F00FF, flags, 0);

    __asm__ volatile("xorl $0xffffffff, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : : "cc");
    check_result("xorl $0xffffffff with 0x000f00ff", rd32(off), 0xFFF0FF00, flags, EFLAGS_SF);

    __asm__ volatile("andl $0, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD32(off)) : : "cc");
    check_result("andl $0", rd32(off), 0, flags, EFLAGS_ZF);

    __asm__ volatile("orb $0x80, %1\n\tpushfl\n\tpopl %0" : "=r"(flags), "+m"(TD8(off)) : : "cc");
    check_result("orb $0x80 to byte 0", rd32(off), 0x80, flags, EFLAGS_SF);
}

static void compare_test_bt(void)
{
    const uint32_t off = 0x28;
    uint32_t flags, r;

    wr32(off, 0x1234);
    __asm__ volatile("cmpl $0x1234, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)) : "cc");
    check_flags("cmpl $0x1234 with 0x1234 (equal)", flags, EFLAGS_ARITH, EFLAGS_ZF);
    r = 0x1235;
    __asm__ volatile("cmpl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)), "r"(r) : "cc");
    check_flags("cmpl 0x1235 with 0x1234 (below)", flags, EFLAGS_ARITH, EFLAGS_CF | EFLAGS_SF);
    check_eq("memory after cmp", rd32(off), 0x1234);

    wr32(off, 0x80000001);
    __asm__ volatile("testl $0x80000000, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)) : "cc");
    check_flags("testl $0x80000000 with 0x80000001", flags, EFLAGS_ARITH, EFLAGS_SF);
    __asm__ volatile("testl $2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)) : "cc");
    check_flags("testl $2 with 0x80000001", flags, EFLAGS_ARITH, EFLAGS_ZF);
    __asm__ volatile("testb $1, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD8(off)) : "cc");
    check_flags("testb $1 with byte 0x01", flags, EFLAGS_ARITH, 0);

    wr32(off, 0x80000008);
    __asm__ volatile("btl $3, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)) : "cc");
    check_flags("btl $3 in 0x80000008 (set)", flags, EFLAGS_CF, EFLAGS_CF);
    __asm__ volatile("btl $4, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)) : "cc");
    check_flags("btl $4 in 0x80000008 (clear)", flags, EFLAGS_CF, 0);
    r = 31;
    __asm__ volatile("btl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(flags) : "m"(TD32(off)), "r"(r) : "cc");
    check_flags("btl with bit number 31 in a register (set)", flags, EFLAGS_CF, EFLAGS_CF);
}

static void exchange(void)
{
    const uint32_t off = 0x30;
    uint32_t r = 0x12345678;
    wr32(off, 0xAAAA5555);
    __asm__ volatile("xchgl %0, %1" : "+r"(r), "+m"(TD32(off)));
    uint32_t m = rd32(off);
    check(r == 0xAAAA5555 && m == 0x12345678,
          "xchgl: register got 0x%08x (expected 0xaaaa5555), memory 0x%08x (expected 0x12345678)",
          r, m);
}

static void string_ops(void)
{
    /* REP STOSD: 4 dwords into 0x40..0x4f. */
    const uint32_t stos_off = 0x40, value = 0xA5A55A5A;
    for (unsigned i = 0; i < 4; i++)
        wr32(stos_off + 4 * i, 0);
    uint32_t dst = TESTDEV_BASE + stos_off, n = 4;
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(n) : "a"(value) : "memory");
    uint32_t d[4];
    for (unsigned i = 0; i < 4; i++)
        d[i] = rd32(stos_off + 4 * i);
    check(d[0] == value && d[1] == value && d[2] == value && d[3] == value &&
          n == 0 && dst == TESTDEV_BASE + stos_off + 16,
          "rep stosd of 4 x 0x%08x: read 0x%08x 0x%08x 0x%08x 0x%08x, ECX %u, EDI +%u",
          value, d[0], d[1], d[2], d[3], n, dst - (TESTDEV_BASE + stos_off));

    /* REP MOVSB: 16 bytes from RAM into 0x50..0x5f, then back into RAM. */
    static const char text[16] = "0123456789abcdef";
    char back[17];
    const uint32_t movs_off = 0x50;
    const char *src = text;
    uint32_t to = TESTDEV_BASE + movs_off;
    n = sizeof(text);
    __asm__ volatile("rep movsb" : "+S"(src), "+D"(to), "+c"(n) : : "memory");
    uint32_t first = rd32(movs_off), last = rd32(movs_off + 12);
    check(first == 0x33323130 && last == 0x66656463 && n == 0,
          "rep movsb RAM -> device: dwords at 0x50, 0x5c = 0x%08x 0x%08x "
          "(expected 0x33323130 0x66656463), ECX %u", first, last, n);

    memset(back, 0, sizeof(back));
    uint32_t from = TESTDEV_BASE + movs_off;
    char *into = back;
    n = sizeof(text);
    __asm__ volatile("rep movsb" : "+S"(from), "+D"(into), "+c"(n) : : "memory");
    check(memcmp(back, text, sizeof(text)) == 0 && back[16] == 0 && n == 0,
          "rep movsb device -> RAM: '%s' (expected '0123456789abcdef'), ECX %u", back, n);
}

static void console(void)
{
    static const char line[] = "mmio console\n";
    for (unsigned i = 0; i < sizeof(line) - 1; i++)
        wr8(TD_CONSOLE, (uint8_t)line[i]);
    note("wrote 'mmio console' to the console register 0x%x", TD_CONSOLE);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("mmio");
    note("testdev at 0x%08x", TESTDEV_BASE);

    id_register();
    mov_widths();
    zero_and_sign_extend();
    arithmetic();
    compare_test_bt();
    exchange();
    string_ops();
    console();
    return test_end();
}
