/*
 * portio: port I/O as minivisor emulates it.
 *   - COM1 scratch register 0x3FF: a byte written reads back;
 *   - COM1 line status 0x3FD reads 0x60 (transmitter empty);
 *   - an unknown port (0x2F0) reads all ones at every width (inb, inw,
 *     inl) and takes writes (outb, outw, outl) without effect;
 *   - string I/O: rep outsb through COM1 prints a line, rep insb from the
 *     unknown port fills a buffer with 0xFF, rep outsw and rep outsd to
 *     port 0xE9 print a line.
 * Lines printed through string I/O (checked by the integration test):
 *     [portio] rep outsb through COM1
 *     [portio] rep outsw and outsd via port 0xE9
 */
#include "guest.h"

#define PORT_E9        0xE9u
#define PORT_UNKNOWN   0x2F0u
#define LSR_IDLE       (LSR_THRE | LSR_TEMT)    /* 0x60 */
#define INSB_COUNT     16

static const char outsb_line[] = "rep outsb through COM1\n";
/* One line to port 0xE9: the first part as words, the rest as dwords. */
static const char e9_words[] = "rep outsw and ";          /* 14 bytes: 7 words */
static const char e9_dwords[] = "outsd via port 0xE9\n";   /* 20 bytes: 5 dwords */
_Static_assert((sizeof(e9_words) - 1) % 2 == 0, "outsw part must be whole words");
_Static_assert((sizeof(e9_dwords) - 1) % 4 == 0, "outsd part must be whole dwords");

static void scratch_register(void)
{
    static const uint8_t values[] = { 0x5A, 0xA5, 0x00, 0xFF };
    for (unsigned i = 0; i < sizeof(values); i++) {
        outb(COM1_SCR, values[i]);
        uint8_t got = inb(COM1_SCR);
        check(got == values[i], "scratch 0x3ff: wrote 0x%02x, read 0x%02x", values[i], got);
    }
}

static void unknown_port(void)
{
    check_eq("inb 0x2f0 (unknown port)", inb(PORT_UNKNOWN), 0xFF);
    check_eq("inw 0x2f0 (unknown port)", inw(PORT_UNKNOWN), 0xFFFF);
    check_eq("inl 0x2f0 (unknown port)", inl(PORT_UNKNOWN), 0xFFFFFFFF);
    outb(PORT_UNKNOWN, 0x12);
    outw(PORT_UNKNOWN, 0x1234);
    outl(PORT_UNKNOWN, 0x12345678);
    check_eq("inl 0x2f0 after outb/outw/outl to it", inl(PORT_UNKNOWN), 0xFFFFFFFF);
}

static void string_out(void)
{
    const char *p = outsb_line;
    uint32_t n = sizeof(outsb_line) - 1;
    __asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(COM1_THR) : "memory");
    check(n == 0 && p == outsb_line + sizeof(outsb_line) - 1,
          "rep outsb to COM1: ECX %u (expected 0), ESI advanced by %d (expected %u)",
          n, (int)(p - outsb_line), (unsigned)sizeof(outsb_line) - 1);

    p = e9_words;
    n = (sizeof(e9_words) - 1) / 2;
    __asm__ volatile("rep outsw" : "+S"(p), "+c"(n) : "d"(PORT_E9) : "memory");
    check(n == 0 && p == e9_words + sizeof(e9_words) - 1,
          "rep outsw to 0xe9: ECX %u, ESI advanced by %d", n, (int)(p - e9_words));

    p = e9_dwords;
    n = (sizeof(e9_dwords) - 1) / 4;
    __asm__ volatile("rep outsl" : "+S"(p), "+c"(n) : "d"(PORT_E9) : "memory");
    check(n == 0 && p == e9_dwords + sizeof(e9_dwords) - 1,
          "rep outsd to 0xe9: ECX %u, ESI advanced by %d", n, (int)(p - e9_dwords));
}

static void string_in(void)
{
    uint8_t buf[INSB_COUNT + 4];
    memset(buf, 0x11, sizeof(buf));

    uint8_t *d = buf;
    uint32_t n = INSB_COUNT;
    __asm__ volatile("rep insb" : "+D"(d), "+c"(n) : "d"(PORT_UNKNOWN) : "memory");

    unsigned ff = 0;
    for (unsigned i = 0; i < INSB_COUNT; i++)
        ff += buf[i] == 0xFF;
    check(ff == INSB_COUNT && buf[INSB_COUNT] == 0x11,
          "rep insb from 0x2f0: %u of %u bytes are 0xff, byte after the buffer 0x%02x "
          "(expected 0x11)", ff, INSB_COUNT, buf[INSB_COUNT]);
    check(n == 0 && d == buf + INSB_COUNT,
          "rep insb: ECX %u (expected 0), EDI advanced by %d (expected %u)",
          n, (int)(d - buf), INSB_COUNT);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("portio");

    scratch_register();
    check_eq("COM1 LSR 0x3fd", inb(COM1_LSR), LSR_IDLE);
    unknown_port();
    string_out();
    string_in();
    return test_end();
}
