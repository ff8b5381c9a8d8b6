/*
 * A small printf formatter for the hypervisor console and messages.
 * Conversions: d i u x X o p s c %; length modifiers hh h l ll z;
 * flags '-' '0' '+' ' ' '#'; width and precision, either may be '*'.
 * Left out: floating point, %n, wide characters.
 */
#include <hv/format.h>

struct out {
    char *buf;
    size_t size;
    size_t len;         /* characters the full output has so far */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

enum {
    F_LEFT  = 1 << 0,
    F_ZERO  = 1 << 1,
    F_PLUS  = 1 << 2,
    F_SPACE = 1 << 3,
    F_ALT   = 1 << 4,
    F_PTR   = 1 << 5,       /* %p: always "0x", even for 0 */
};

/* One integer conversion: digits of `v` in `base`, with sign/prefix/padding. */
static void put_number(struct out *o, uint64_t v, bool negative, unsigned base,
                       bool upper, int flags, int width, int prec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    bool nonzero = v != 0;

    if (v == 0 && prec != 0)
        tmp[n++] = '0';
    while (v) {
        tmp[n++] = digits[v % base];
        v /= base;
    }

    const char *prefix = "";
    if (negative)
        prefix = "-";
    else if (flags & F_PLUS)
        prefix = "+";
    else if (flags & F_SPACE)
        prefix = " ";
    else if (((flags & F_ALT) && base == 16 && nonzero) || (flags & F_PTR))
        prefix = upper ? "0X" : "0x";
    int plen = 0;
    while (prefix[plen])
        plen++;

    int zeros = prec > n ? prec - n : 0;
    if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
        zeros = 1;                          /* %#o: the first digit is a 0 */
    int total = plen + zeros + n;
    if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0 && width > total) {
        zeros += width - total;
        total = width;
    }
    if (!(flags & F_LEFT))
        pad(o, ' ', width - total);
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    pad(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (flags & F_LEFT)
        pad(o, ' ', width - total);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;

        int flags = 0;
        for (;; fmt++) {
            if (*fmt == '-') flags |= F_LEFT;
            else if (*fmt == '0') flags |= F_ZERO;
            else if (*fmt == '+') flags |= F_PLUS;
            else if (*fmt == ' ') flags |= F_SPACE;
            else if (*fmt == '#') flags |= F_ALT;
            else break;
        }

        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }

        int prec = -1;
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }

        int lng = 0;            /* -2 hh, -1 h, 0 int, 1 l, 2 ll, 3 size_t */
        if (*fmt == 'h') {
            lng = -1;
            if (*++fmt == 'h') { lng = -2; fmt++; }
        } else if (*fmt == 'l') {
            lng = 1;
            if (*++fmt == 'l') { lng = 2; fmt++; }
        } else if (*fmt == 'z') {
            lng = 3;
            fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v;
            if (lng >= 1)
                v = lng == 1 ? va_arg(ap, long) : lng == 2 ? va_arg(ap, long long)
                                                            : (int64_t)va_arg(ap, size_t);
            else
                v = va_arg(ap, int);
            if (lng == -1) v = (short)v;
            if (lng == -2) v = (signed char)v;
            uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_number(&o, mag, v < 0, 10, false, flags, width, prec);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            if (lng >= 1)
                v = lng == 1 ? va_arg(ap, unsigned long)
                  : lng == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned int);
            if (lng == -1) v = (uint16_t)v;
            if (lng == -2) v = (uint8_t)v;
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            put_number(&o, v, false, base, *fmt == 'X', flags & ~(F_PLUS | F_SPACE),
                       width, prec);
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            put_number(&o, v, false, 16, false, (flags & (F_LEFT | F_ZERO)) | F_PTR, width, prec);
            break;
        }
        case 'c':
            if (!(flags & F_LEFT))
                pad(&o, ' ', width - 1);
            put(&o, (char)va_arg(ap, int));
            if (flags & F_LEFT)
                pad(&o, ' ', width - 1);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = 0;
            while (s[n] && (prec < 0 || n < prec))
                n++;
            if (!(flags & F_LEFT))
                pad(&o, ' ', width - n);
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (flags & F_LEFT)
                pad(&o, ' ', width - n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;              /* lone '%' at the end: stop */
            break;
        default:                /* unknown conversion: print it as written */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }

    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
