/*
 * Host tests for lib/format.c (fmt_snprintf / fmt_vsnprintf).
 *
 * Most cases are checked against the host C library's snprintf: where the
 * behaviour is defined by the C standard the two must agree byte for byte.
 * Cases where lib/format.c deliberately differs (%p of NULL, %s of NULL with
 * a precision, unknown conversions) carry their expected text explicitly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>

#include <hv/format.h>

enum argt { A_NONE, A_INT, A_UINT, A_LONG, A_ULONG, A_LL, A_ULL, A_SIZE, A_STR, A_PTR };

struct fcase {
    const char *fmt;
    enum argt t;
    int nstar;              /* how many '*' int arguments precede the value */
    int star[2];
    union {
        long long i;
        unsigned long long u;
        const char *s;
        const void *p;
    } v;
    const char *want;       /* NULL: must match the host snprintf */
    const char *bug;        /* non-NULL: known production bug, case skipped */
};

#define I(f, x)        { f, A_INT,   0, {0, 0}, { .i = (x) }, NULL, NULL }
#define U(f, x)        { f, A_UINT,  0, {0, 0}, { .u = (x) }, NULL, NULL }
#define L(f, x)        { f, A_LONG,  0, {0, 0}, { .i = (x) }, NULL, NULL }
#define UL(f, x)       { f, A_ULONG, 0, {0, 0}, { .u = (x) }, NULL, NULL }
#define LL(f, x)       { f, A_LL,    0, {0, 0}, { .i = (x) }, NULL, NULL }
#define ULL(f, x)      { f, A_ULL,   0, {0, 0}, { .u = (x) }, NULL, NULL }
#define SZ(f, x)       { f, A_SIZE,  0, {0, 0}, { .u = (x) }, NULL, NULL }
#define S(f, x)        { f, A_STR,   0, {0, 0}, { .s = (x) }, NULL, NULL }
#define P(f, x)        { f, A_PTR,   0, {0, 0}, { .p = (const void *)(uintptr_t)(x) }, NULL, NULL }
#define N(f)           { f, A_NONE,  0, {0, 0}, { .i = 0 }, NULL, NULL }
#define I1(f, a, x)    { f, A_INT,   1, {a, 0}, { .i = (x) }, NULL, NULL }
#define I2(f, a, b, x) { f, A_INT,   2, {a, b}, { .i = (x) }, NULL, NULL }
#define S1(f, a, x)    { f, A_STR,   1, {a, 0}, { .s = (x) }, NULL, NULL }
#define S2(f, a, b, x) { f, A_STR,   2, {a, b}, { .s = (x) }, NULL, NULL }

/* Call fmt_snprintf (or the host snprintf) with the case's arguments. */
static int run(const struct fcase *c, bool host, char *buf, size_t size)
{
#define CALL(...) (host ? snprintf(buf, size, c->fmt, __VA_ARGS__) \
                        : fmt_snprintf(buf, size, c->fmt, __VA_ARGS__))
#define CALLV(v) (c->nstar == 0 ? CALL(v) : c->nstar == 1 ? CALL(c->star[0], v) \
                                          : CALL(c->star[0], c->star[1], v))
    switch (c->t) {
    case A_NONE:  return CALL(0);       /* the extra argument is ignored */
    case A_INT:   return CALLV((int)c->v.i);
    case A_UINT:  return CALLV((unsigned)c->v.u);
    case A_LONG:  return CALLV((long)c->v.i);
    case A_ULONG: return CALLV((unsigned long)c->v.u);
    case A_LL:    return CALLV((long long)c->v.i);
    case A_ULL:   return CALLV((unsigned long long)c->v.u);
    case A_SIZE:  return CALLV((size_t)c->v.u);
    case A_STR:   return CALLV(c->v.s);
    case A_PTR:   return CALLV(c->v.p);
    }
#undef CALLV
#undef CALL
    return -1;
}

/* Behaviour the C standard defines: must match the host C library. */
static const struct fcase libc_cases[] = {
    /* plain text and %% */
    N("plain text"), N(""), N("%%"), N("100%% sure"), N("%%%%"),
    /* %d / %i */
    I("%d", 0), I("%d", 1), I("%d", -1), I("%d", 42), I("%d", -42),
    I("%d", INT_MAX), I("%d", INT_MIN), I("%i", 12345), I("%i", -12345),
    I("[%5d]", 42), I("[%-5d]", 42), I("[%05d]", 42), I("[%05d]", -42),
    I("[%+d]", 42), I("[%+d]", -42), I("[%+d]", 0), I("[% d]", 42), I("[% d]", -42),
    I("[% d]", 0), I("[%+ d]", 7), I("[% +d]", 7), I("[%-05d]", 42), I("[%-+6d]", 42),
    I("[%.3d]", 7), I("[%.3d]", -7), I("[%8.3d]", -7), I("[%-8.3d]", -7),
    I("[%08.3d]", -7), I("[%.0d]", 0), I("[%5.0d]", 0), I("[%+.0d]", 0), I("[%.0d]", 3),
    I("[%2d]", 12345), I("[%.2d]", 12345), I("[%+05d]", 42), I("[% 05d]", 42),
    I("[%010d]", INT_MIN), I("[%1d]", INT_MIN),
    /* length modifiers on signed */
    I("%hhd", 127), I("%hhd", 128), I("%hhd", 200), I("%hhd", -128), I("%hhd", 0x1234),
    I("%hd", 32767), I("%hd", 32768), I("%hd", 70000), I("%hd", -32769), I("%hi", -1),
    L("%ld", LONG_MAX), L("%ld", LONG_MIN), L("%li", -1234567890123LL),
    LL("%lld", LLONG_MAX), LL("%lld", LLONG_MIN), LL("%lld", INT64_MIN), LL("%lli", 0),
    LL("[%25lld]", INT64_MIN), LL("[%-25lld]", INT64_MIN), LL("[%025lld]", INT64_MIN),
    LL("[%+lld]", INT64_MAX), LL("[%.22lld]", INT64_MIN), LL("[%020lld]", INT64_MIN),
    SZ("%zd", 12345), SZ("%zd", (size_t)-1), SZ("%zi", (size_t)-5),
    /* %u */
    U("%u", 0), U("%u", 42), U("%u", UINT_MAX), U("%u", (unsigned)-1), U("[%+u]", 5),
    U("[% u]", 5), U("[%08u]", 123), U("[%-8u]", 123), U("[%.5u]", 123), U("[%.0u]", 0),
    U("%hhu", 255), U("%hhu", 256), U("%hhu", 0x1FF), U("%hu", 65535), U("%hu", 65536),
    U("%hu", 70000), UL("%lu", ULONG_MAX), ULL("%llu", ULLONG_MAX), ULL("%llu", 0),
    SZ("%zu", SIZE_MAX), SZ("%zu", 0), SZ("[%10zu]", 4096),
    /* %x %X */
    U("%x", 0), U("%x", 0xdeadbeef), U("%X", 0xdeadbeef), U("%x", 0xABCDEF), U("%X", 0xabcdef),
    U("[%8x]", 0x1f), U("[%-8x]", 0x1f), U("[%08x]", 0x1f), U("[%.4x]", 0x1f),
    U("[%10.4x]", 0x1f), U("[%-10.4x]", 0x1f), U("[%010.4x]", 0x1f),
    U("[%#x]", 0x1f), U("[%#X]", 0x1f), U("[%#10x]", 0x1f), U("[%#-10x]", 0x1f),
    U("[%#010x]", 0x1f), U("[%#.4x]", 0x1f), U("[%#10.4X]", 0x1f), U("[%#x]", 0xffffffff),
    U("%hhx", 0x1ff), U("%hhX", 0xab), U("%hx", 0x12345), UL("%lx", ULONG_MAX),
    ULL("%llx", 0xfedcba9876543210ULL), ULL("%llX", 0xfedcba9876543210ULL),
    ULL("[%#llx]", UINT64_MAX), ULL("[%#llX]", UINT64_MAX), SZ("%zx", SIZE_MAX),
    ULL("[%018llx]", 0x123), ULL("[%#018llx]", 0x123),
    /* %o */
    U("%o", 0), U("%o", 8), U("%o", 0777), U("%o", UINT_MAX), U("[%6o]", 8), U("[%-6o]", 8),
    U("[%06o]", 8), U("[%.4o]", 8), U("%hho", 0x1ff), U("%ho", 0x10008),
    ULL("%llo", UINT64_MAX), UL("%lo", 01234567), SZ("%zo", 64),
    /* %c */
    I("%c", 'A'), I("[%3c]", 'x'), I("[%-3c]", 'x'), I("[%1c]", 'q'), I("%c", '%'),
    I("%c", 0x1C1),     /* converted to unsigned char */
    /* %s */
    S("%s", "hello"), S("%s", ""), S("[%10s]", "abc"), S("[%-10s]", "abc"),
    S("[%2s]", "abcdef"), S("[%.3s]", "abcdef"), S("[%.0s]", "abcdef"),
    S("[%.10s]", "abc"), S("[%6.2s]", "abcdef"), S("[%-6.2s]", "abcdef"),
    S("%s", NULL), S("[%8s]", NULL), S("[%-8s]", NULL), S("[%.6s]", NULL),
    /* '*' width and precision */
    I1("[%*d]", 6, 42), I1("[%*d]", -6, 42), I1("[%-*d]", 6, 42), I1("[%-*d]", -6, 42),
    I1("[%*d]", 0, 42), I1("[%.*d]", 5, 42), I1("[%.*d]", -1, 42), I1("[%.*d]", 0, 0),
    I1("[%0*d]", 6, -42), I1("[%08.*d]", 3, 42), I1("[%08.*d]", -3, 42),
    I2("[%*.*d]", 8, 4, -42), I2("[%*.*d]", -8, 4, -42), I2("[%*.*d]", 3, 0, 0),
    S1("[%*s]", 7, "ab"), S1("[%*s]", -7, "ab"), S1("[%.*s]", 2, "abcdef"),
    S1("[%.*s]", -1, "abcdef"), S2("[%*.*s]", 6, 3, "abcdef"), S2("[%*.*s]", -6, 3, "abcdef"),
    /* %p of a non-NULL pointer: glibc prints it like %#lx */
    P("%p", 0x1234), P("%p", 0xffffffffffffffffULL), P("%p", 0xdeadbeef000ULL),
    P("[%20p]", 0x1234), P("[%.8p]", 0x1234),
    /* conversions surrounded by text */
    I("x=%d;", 5), S("<%s>", "mid"), U("a%xb%%c", 0xff),
};

/* Where lib/format.c's documented or chosen behaviour differs from glibc. */
static const struct fcase own_cases[] = {
    /* glibc prints "(nil)"; the hypervisor prints the value */
    { "%p", A_PTR, 0, {0, 0}, { .p = NULL }, "0x0", NULL },
    { "[%6p]", A_PTR, 0, {0, 0}, { .p = NULL }, "[   0x0]", NULL },
    /* glibc prints nothing for a NULL %s whose precision is below 6 */
    { "[%.3s]", A_STR, 0, {0, 0}, { .s = NULL }, "[(nu]", NULL },
    /* unknown conversions are printed as written; a lone '%' at the end stops */
    { "[%y]", A_NONE, 0, {0, 0}, { .i = 0 }, "[%y]", NULL },
    { "abc%", A_NONE, 0, {0, 0}, { .i = 0 }, "abc", NULL },
    { "abc%-5", A_NONE, 0, {0, 0}, { .i = 0 }, "abc", NULL },
    { "abc%l", A_NONE, 0, {0, 0}, { .i = 0 }, "abc", NULL },
    { "abc%.", A_NONE, 0, {0, 0}, { .i = 0 }, "abc", NULL },
    /* precision on %c is ignored */
    { "[%.0c]", A_INT, 0, {0, 0}, { .i = 'z' }, "[z]", NULL },

    /* C's '#' flag: %#o forces a leading 0; %#x prefixes only nonzero values. */
    { "[%#o]", A_UINT, 0, {0, 0}, { .u = 8 }, "[010]", NULL },
    { "[%#x]", A_UINT, 0, {0, 0}, { .u = 0 }, "[0]", NULL },
    { "[%#.0x]", A_UINT, 0, {0, 0}, { .u = 0 }, "[]", NULL },
    /* %p honours the '-' flag */
    { "[%-20p]", A_PTR, 0, {0, 0}, { .p = (const void *)0x1234 }, "[0x1234              ]", NULL },
};

static void check_case(const char *table, size_t i, const struct fcase *c, const char *want)
{
    char got[256];
    memset(got, 'Z', sizeof(got));
    int n = run(c, false, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("%s case %zu (\"%s\"): got \"%s\", want \"%s\"", table, i, c->fmt, got, want);
    if (n != (int)strlen(want))
        fail_msg("%s case %zu (\"%s\"): returned %d, want %zu", table, i, c->fmt, n,
                 strlen(want));
}

static void test_against_libc(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(libc_cases); i++) {
        char want[256];
        int wn = run(&libc_cases[i], true, want, sizeof(want));
        assert_true(wn >= 0 && wn < (int)sizeof(want));
        check_case("libc", i, &libc_cases[i], want);
    }
}

static void test_own_behaviour(void **state)
{
    (void)state;
    unsigned skipped = 0;
    for (size_t i = 0; i < ARRAY_SIZE(own_cases); i++) {
        if (own_cases[i].bug) {
            skipped++;
            continue;
        }
        check_case("own", i, &own_cases[i], own_cases[i].want);
    }
    if (skipped)
        print_message("  (%u known-bug format cases skipped)\n", skipped);
}

/* %c of NUL: the byte is stored and counted like any other. */
static void test_char_nul(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof(buf));
    int n = fmt_snprintf(buf, sizeof(buf), "a%cb", 0);
    assert_int_equal(n, 3);
    assert_int_equal(buf[0], 'a');
    assert_int_equal(buf[1], '\0');
    assert_int_equal(buf[2], 'b');
    assert_int_equal(buf[3], '\0');
}

/* Several conversions in one format: each consumes exactly its argument. */
static void test_mixed_arguments(void **state)
{
    (void)state;
    char got[256], want[256];
    int gn = fmt_snprintf(got, sizeof(got), "%d|%s|%c|%#x|%lld|%hhu|%zu|%-4s|%*d|%.*s|%%|%o|%ld",
                          -1, "str", 'c', 0xabc, (long long)INT64_MIN, 300, (size_t)77, "ab",
                          5, 9, 2, "xyz", 8, -3L);
    int wn = snprintf(want, sizeof(want), "%d|%s|%c|%#x|%lld|%hhu|%zu|%-4s|%*d|%.*s|%%|%o|%ld",
                      -1, "str", 'c', 0xabc, (long long)INT64_MIN, 300, (size_t)77, "ab",
                      5, 9, 2, "xyz", 8, -3L);
    assert_string_equal(got, want);
    assert_int_equal(gn, wn);
}

static int vwrap(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void test_vsnprintf(void **state)
{
    (void)state;
    char buf[64];
    int n = vwrap(buf, sizeof(buf), "%s=%llu (%#x)", "mem", 64ULL << 20, 0x40);
    assert_string_equal(buf, "mem=67108864 (0x40)");
    assert_int_equal(n, 19);
}

/* Truncation: the return value is always the full length, the buffer is
 * always NUL-terminated within size, and nothing past size is written. */
static const struct {
    const char *fmt;
    int arg;
    const char *full;
} trunc_cases[] = {
    { "hello %d world", 42, "hello 42 world" },
    { "%08d", -42, "-0000042" },
    { "[%-6d]", 7, "[7     ]" },
    { "%x%x", 0xab, "abab" },
    { "%c", 'q', "q" },
    { "", 0, "" },
};

static void test_truncation(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(trunc_cases); i++) {
        const char *full = trunc_cases[i].full;
        size_t flen = strlen(full);
        for (size_t size = 0; size <= flen + 3; size++) {
            char buf[64];
            memset(buf, 'Z', sizeof(buf));
            int n;
            if (!strcmp(trunc_cases[i].fmt, "%x%x"))
                n = fmt_snprintf(size ? buf : NULL, size, trunc_cases[i].fmt,
                                 trunc_cases[i].arg, trunc_cases[i].arg);
            else
                n = fmt_snprintf(size ? buf : NULL, size, trunc_cases[i].fmt,
                                 trunc_cases[i].arg);
            if (n != (int)flen)
                fail_msg("trunc case %zu size %zu: returned %d, want %zu", i, size, n, flen);
            if (size == 0)
                continue;   /* buf was NULL: must not have been touched (ASan) */
            size_t keep = MIN(flen, size - 1);
            if (memcmp(buf, full, keep) != 0 || buf[keep] != '\0')
                fail_msg("trunc case %zu size %zu: got \"%.*s\" / terminator 0x%02x, "
                         "want \"%.*s\"", i, size, (int)keep, buf, (unsigned char)buf[keep],
                         (int)keep, full);
            for (size_t k = size; k < sizeof(buf); k++)
                if (buf[k] != 'Z')
                    fail_msg("trunc case %zu size %zu: byte %zu written past size", i, size, k);
        }
    }
}

/* Size 0 with a valid buffer: nothing is written at all. */
static void test_size_zero_untouched(void **state)
{
    (void)state;
    char buf[4] = { 'Z', 'Z', 'Z', 'Z' };
    assert_int_equal(fmt_snprintf(buf, 0, "%s", "abc"), 3);
    assert_memory_equal(buf, "ZZZZ", 4);
    assert_int_equal(fmt_snprintf(buf, 1, "%s", "abc"), 3);
    assert_int_equal(buf[0], '\0');
    assert_memory_equal(buf + 1, "ZZZ", 3);
}

/* Padding far beyond the buffer still counts in full. */
static void test_wide_padding_truncated(void **state)
{
    (void)state;
    char buf[10];
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%100d", 5), 100);
    assert_string_equal(buf, "         ");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%-100d", 5), 100);
    assert_string_equal(buf, "5        ");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.50d", 5), 50);
    assert_string_equal(buf, "000000000");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%*s", 300, "x"), 300);
    assert_string_equal(buf, "         ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_libc),
        cmocka_unit_test(test_own_behaviour),
        cmocka_unit_test(test_char_nul),
        cmocka_unit_test(test_mixed_arguments),
        cmocka_unit_test(test_vsnprintf),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_size_zero_untouched),
        cmocka_unit_test(test_wide_padding_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
