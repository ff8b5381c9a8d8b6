/*
 * Host tests for lib/cmdline.c: cmdline_get, cmdline_rest,
 * cmdline_parse_size and cmdline_parse_u64.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hv/cmdline.h>
#include <hv/errno.h>

/* ---- cmdline_get ---------------------------------------------------------- */

static const struct {
    const char *cmdline, *key;
    bool found;
    const char *val;         /* expected value when found (buffer of 64) */
} get_cases[] = {
    { "mem=64M", "mem", true, "64M" },
    { "a=1 mem=64M b=2", "mem", true, "64M" },
    { "a=1 b=2 mem=64M", "mem", true, "64M" },
    { "  mem=64M  ", "mem", true, "64M" },
    { "\tmem=64M\n", "mem", true, "64M" },
    { "a=1\tmem=7\nb=2", "mem", true, "7" },
    { "a=1 b=2", "mem", false, NULL },
    /* bare key and empty value */
    { "quiet", "quiet", true, "" },
    { "a=1 quiet b=2", "quiet", true, "" },
    { "quiet=", "quiet", true, "" },
    /* a key that is a prefix of another key does not match it */
    { "memx=1", "mem", false, NULL },
    { "memx=1 mem=2", "mem", true, "2" },
    { "memx mem=3", "mem", true, "3" },
    { "mem=1", "memx", false, NULL },
    { "me=1", "mem", false, NULL },
    { "xmem=1", "mem", false, NULL },
    /* first occurrence wins */
    { "mem=1 mem=2", "mem", true, "1" },
    /* the value runs to the next space and may contain '=' */
    { "opt=a=b,c", "opt", true, "a=b,c" },
    { "path=/guests/linux.elf console=ttyS0", "path", true, "/guests/linux.elf" },
    /* "--" ends the options */
    { "a=1 -- mem=2", "mem", false, NULL },
    { "mem=1 -- mem=2", "mem", true, "1" },
    { "-- mem=2", "mem", false, NULL },
    { "a=1 --x mem=2", "mem", true, "2" },     /* "--x" is not the separator */
    { "a=1 ---- mem=2", "mem", true, "2" },
    { "a=1 --", "a", true, "1" },
    /* empty command lines */
    { "", "mem", false, NULL },
    { "   ", "mem", false, NULL },
    { "\t\n", "mem", false, NULL },
    /* keys are case-sensitive */
    { "MEM=1", "mem", false, NULL },
};

static void test_get_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(get_cases); i++) {
        char val[64];
        memset(val, 'Z', sizeof(val));
        bool f = cmdline_get(get_cases[i].cmdline, get_cases[i].key, val, sizeof(val));
        if (f != get_cases[i].found)
            fail_msg("get case %zu (\"%s\", key \"%s\"): found %d, want %d", i,
                     get_cases[i].cmdline, get_cases[i].key, f, get_cases[i].found);
        if (f && strcmp(val, get_cases[i].val) != 0)
            fail_msg("get case %zu (\"%s\", key \"%s\"): value \"%s\", want \"%s\"", i,
                     get_cases[i].cmdline, get_cases[i].key, val, get_cases[i].val);
        if (!f && val[0] != 'Z')
            fail_msg("get case %zu: val written although the key is absent", i);
    }
}

/* Values longer than the buffer are truncated to len-1 and NUL-terminated. */
static const struct {
    size_t len;
    const char *want;
} trunc_cases[] = {
    { 1, "" }, { 2, "a" }, { 4, "abc" }, { 7, "abcdef" }, { 8, "abcdefg" },
    { 9, "abcdefg" }, { 16, "abcdefg" },
};

static void test_get_truncation(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(trunc_cases); i++) {
        char val[20];
        memset(val, 'Z', sizeof(val));
        size_t len = trunc_cases[i].len;
        bool f = cmdline_get("x=1 key=abcdefg y=2", "key", val, len);
        if (!f || strcmp(val, trunc_cases[i].want) != 0)
            fail_msg("trunc case %zu (len %zu): found %d value \"%s\", want \"%s\"", i, len, f,
                     f ? val : "", trunc_cases[i].want);
        for (size_t k = len; k < sizeof(val); k++)
            if (val[k] != 'Z')
                fail_msg("trunc case %zu (len %zu): byte %zu written past len", i, len, k);
    }
    /* len 0: still reports presence, writes nothing (val may be NULL) */
    assert_true(cmdline_get("key=abc", "key", NULL, 0));
    assert_false(cmdline_get("other=abc", "key", NULL, 0));
}

/* ---- cmdline_rest ----------------------------------------------------------- */

static const struct {
    const char *cmdline, *rest;
} rest_cases[] = {
    { "a=1 -- root=/dev/sda console=ttyS0", "root=/dev/sda console=ttyS0" },
    { "a=1 --    spaced  out ", "spaced  out " },
    { "-- x", "x" },
    { "--", "" },
    { "a=1 --", "" },
    { "a=1 --   ", "" },
    { "a=1 b=2", "" },
    { "", "" },
    { "   ", "" },
    { "a=1 --x y", "" },           /* "--x" is not the separator */
    { "a --x -- y", "y" },
    { "a -- b -- c", "b -- c" },   /* only the first separator counts */
    { "a\t--\tb", "b" },
    { "a=--", "" },
};

static void test_rest_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(rest_cases); i++) {
        const char *r = cmdline_rest(rest_cases[i].cmdline);
        if (!r || strcmp(r, rest_cases[i].rest) != 0)
            fail_msg("rest case %zu (\"%s\"): got \"%s\", want \"%s\"", i,
                     rest_cases[i].cmdline, r ? r : "(NULL)", rest_cases[i].rest);
    }
    /* The rest points into the original string (not a copy). */
    const char *cl = "k=v -- tail";
    assert_ptr_equal(cmdline_rest(cl), cl + 7);
}

/* ---- cmdline_parse_u64 ------------------------------------------------------ */

static const struct {
    const char *s;
    int rc;
    uint64_t v;
} u64_cases[] = {
    { "0", 0, 0 },
    { "1", 0, 1 },
    { "4096", 0, 4096 },
    { "007", 0, 7 },                    /* leading zeros are decimal, not octal */
    { "18446744073709551615", 0, UINT64_MAX },
    { "18446744073709551616", -HV_EINVAL, 0 },
    { "18446744073709551620", -HV_EINVAL, 0 },
    { "99999999999999999999", -HV_EINVAL, 0 },
    { "0x0", 0, 0 },
    { "0x10", 0, 16 },
    { "0X10", 0, 16 },
    { "0xdeadBEEF", 0, 0xdeadbeef },
    { "0xffffffffffffffff", 0, UINT64_MAX },
    { "0xFFFFFFFFFFFFFFFF", 0, UINT64_MAX },
    { "0x00000000000000001", 0, 1 },
    { "0x10000000000000000", -HV_EINVAL, 0 },
    { "0x", -HV_EINVAL, 0 },
    { "", -HV_EINVAL, 0 },
    { "-1", -HV_EINVAL, 0 },
    { "+1", -HV_EINVAL, 0 },
    { " 1", -HV_EINVAL, 0 },
    { "1 ", -HV_EINVAL, 0 },
    { "12a", -HV_EINVAL, 0 },
    { "abc", -HV_EINVAL, 0 },
    { "0xg", -HV_EINVAL, 0 },
    { "0x1g", -HV_EINVAL, 0 },
    { "1e3", -HV_EINVAL, 0 },
    { "1.5", -HV_EINVAL, 0 },
    { "64M", -HV_EINVAL, 0 },
    { "x10", -HV_EINVAL, 0 },
};

static void test_parse_u64_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(u64_cases); i++) {
        uint64_t v = 0xA5A5A5A5A5A5A5A5ULL;
        int rc = cmdline_parse_u64(u64_cases[i].s, &v);
        if (rc != u64_cases[i].rc)
            fail_msg("u64 case %zu (\"%s\"): rc %d, want %d", i, u64_cases[i].s, rc,
                     u64_cases[i].rc);
        if (rc == 0 && v != u64_cases[i].v)
            fail_msg("u64 case %zu (\"%s\"): 0x%llx, want 0x%llx", i, u64_cases[i].s,
                     (unsigned long long)v, (unsigned long long)u64_cases[i].v);
        if (rc != 0 && v != 0xA5A5A5A5A5A5A5A5ULL)
            fail_msg("u64 case %zu (\"%s\"): *out changed on failure", i, u64_cases[i].s);
    }
}

/* ---- cmdline_parse_size ----------------------------------------------------- */

static const struct {
    const char *s;
    int rc;
    uint64_t v;
} size_cases[] = {
    { "4096", 0, 4096 },
    { "0", 0, 0 },
    { "512K", 0, KiB(512) },
    { "512k", 0, KiB(512) },
    { "64M", 0, MiB(64) },
    { "64m", 0, MiB(64) },
    { "1G", 0, GiB(1) },
    { "1g", 0, GiB(1) },
    { "2MB", 0, MiB(2) },
    { "2Mb", 0, MiB(2) },
    { "4KB", 0, KiB(4) },
    { "3GB", 0, GiB(3) },
    { "0M", 0, 0 },
    { "0064M", 0, MiB(64) },
    { "18446744073709551615", 0, UINT64_MAX },
    { "17179869183G", 0, GiB(17179869183ULL) },   /* (2^64-1) >> 30: fits */
    { "17179869184G", -HV_EINVAL, 0 },             /* 2^34 GiB = 2^64: overflow */
    { "17592186044415M", 0, MiB(17592186044415ULL) },
    { "17592186044416M", -HV_EINVAL, 0 },
    { "18014398509481983K", 0, KiB(18014398509481983ULL) },
    { "18014398509481984K", -HV_EINVAL, 0 },
    { "18446744073709551616", -HV_EINVAL, 0 },
    { "99999999999999999999999999", -HV_EINVAL, 0 },  /* overflow */
    /* Found by tests/fuzz/fuzz_cmdline (corpus size-30-digits): leading
     * zeros past 23 digits were refused although parse_u64 takes them. */
    { "000000000000000000000000000000", 0, 0 },
    { "00000000000000000000000000000064M", 0, MiB(64) },
    /* bad suffixes and junk */
    { "64T", -HV_EINVAL, 0 },
    { "64X", -HV_EINVAL, 0 },
    { "64MM", -HV_EINVAL, 0 },
    { "64MiB", -HV_EINVAL, 0 },
    { "64MBB", -HV_EINVAL, 0 },
    { "64M ", -HV_EINVAL, 0 },
    { "64 M", -HV_EINVAL, 0 },
    { "64B", -HV_EINVAL, 0 },
    { "M", -HV_EINVAL, 0 },
    { "MB", -HV_EINVAL, 0 },
    { "", -HV_EINVAL, 0 },
    { "-1M", -HV_EINVAL, 0 },
    { "0x100", -HV_EINVAL, 0 },
    { " 64M", -HV_EINVAL, 0 },
    { "1.5G", -HV_EINVAL, 0 },
};

static void test_parse_size_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(size_cases); i++) {
        uint64_t v = 0xA5A5A5A5A5A5A5A5ULL;
        int rc = cmdline_parse_size(size_cases[i].s, &v);
        if (rc != size_cases[i].rc)
            fail_msg("size case %zu (\"%s\"): rc %d, want %d", i, size_cases[i].s, rc,
                     size_cases[i].rc);
        if (rc == 0 && v != size_cases[i].v)
            fail_msg("size case %zu (\"%s\"): 0x%llx, want 0x%llx", i, size_cases[i].s,
                     (unsigned long long)v, (unsigned long long)size_cases[i].v);
        if (rc != 0 && v != 0xA5A5A5A5A5A5A5A5ULL)
            fail_msg("size case %zu (\"%s\"): *out changed on failure", i, size_cases[i].s);
    }
}

/* Typical use: a module line's options parsed together. */
static void test_module_line(void **state)
{
    (void)state;
    const char *cl = "/guests/linux.elf mem=256M cpus=0x2 quiet -- console=ttyS0 mem=1G";
    char val[32];
    uint64_t v;

    assert_true(cmdline_get(cl, "mem", val, sizeof(val)));
    assert_string_equal(val, "256M");
    assert_int_equal(cmdline_parse_size(val, &v), 0);
    assert_int_equal(v, MiB(256));
    assert_true(cmdline_get(cl, "cpus", val, sizeof(val)));
    assert_int_equal(cmdline_parse_u64(val, &v), 0);
    assert_int_equal(v, 2);
    assert_true(cmdline_get(cl, "quiet", val, sizeof(val)));
    assert_string_equal(val, "");
    assert_true(cmdline_get(cl, "/guests/linux.elf", val, sizeof(val)));
    assert_false(cmdline_get(cl, "console", val, sizeof(val)));
    assert_string_equal(cmdline_rest(cl), "console=ttyS0 mem=1G");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_table),
        cmocka_unit_test(test_get_truncation),
        cmocka_unit_test(test_rest_table),
        cmocka_unit_test(test_parse_u64_table),
        cmocka_unit_test(test_parse_size_table),
        cmocka_unit_test(test_module_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
