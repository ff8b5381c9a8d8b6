/*
 * COM1 console and printf for the test guests (see console.h).
 */
#include "console.h"
#include "x86.h"
#include <stdbool.h>

#define LSR_POLL_LIMIT  100000   /* give up waiting for THRE after this many reads */

bool console_hypercall;

/* The hypercall console: a line at a time through HC_CONSOLE_WRITE (the
 * guest's RAM is identity-mapped, so the buffer's address is physical). */
static char hc_line[128];
static unsigned hc_len;

static void hc_flush(void)
{
    if (hc_len)
        vmcall(HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)hc_line, hc_len);
    hc_len = 0;
}

void console_use_hypercall(void)
{
    console_hypercall = true;
}

void putc(char c)
{
    if (console_hypercall) {
        hc_line[hc_len++] = c;
        if (c == '\n' || hc_len == sizeof(hc_line))
            hc_flush();
        return;
    }
    for (int i = 0; i < LSR_POLL_LIMIT; i++) {
        if (inb(COM1_LSR) & LSR_THRE)
            break;
    }
    outb(COM1_THR, (uint8_t)c);
}

void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

/* 64-by-32 division in two 32-bit steps with DIV: first the high word, then
 * (remainder : low word). Each quotient fits in 32 bits, so DIV cannot fault. */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem)
{
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
    uint32_t q_hi = hi / d, r = hi % d, q_lo;

    __asm__("divl %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    if (rem)
        *rem = r;
    return (uint64_t)q_hi << 32 | q_lo;
}

/* Prints v in the given base, at least `width` characters wide. */
static void put_number(uint64_t v, unsigned base, bool negative, int width,
                       char pad, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;

    do {
        uint32_t r;
        v = udiv64(v, base, &r);
        buf[n++] = digits[r];
    } while (v != 0);

    if (negative)
        width--;
    if (negative && pad == '0')
        putc('-');
    for (int i = n; i < width; i++)
        putc(pad);
    if (negative && pad != '0')
        putc('-');
    while (n > 0)
        putc(buf[--n]);
}

void vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }

        uint64_t u;
        switch (*fmt) {
        case 'd': {
            int64_t s = longs >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
            u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
            put_number(u, 10, s < 0, width, pad, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            u = longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            put_number(u, *fmt == 'u' ? 10 : 16, false, width, pad, *fmt == 'X');
            break;
        case 'p':
            puts("0x");
            put_number((uint32_t)(uintptr_t)va_arg(ap, void *), 16, false, 8, '0', false);
            break;
        case 'c':
            putc((char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            puts(s ? s : "(null)");
            break;
        }
        case '%':
            putc('%');
            break;
        case '\0':
            return;
        default:            /* unknown: print it as it stands */
            putc('%');
            putc(*fmt);
            break;
        }
    }
}

void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}
