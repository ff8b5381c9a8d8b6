/*
 * Host tests for lib/cmdline.c: cmdline_get, cmdline_rest,
 * cmdline_parse_size and cmdline_parse_u64; and the option tables built on
 * it: the boot options (boot/boot_options.c) and the guest lines
 * (vmm/guest_spec.c), one row per bad input with the exact lines reported
 * and the configuration that results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>

#include <hv/cmdline.h>
#include <hv/errno.h>
#include "boot/boot_options.h"
#include "boot/shutdown.h"
#include "drivers/hw/tsc_freq.h"
#include "drivers/hw/console.h"
#include "vmx/apicv.h"
#include "vmm/guest_spec.h"

/* Override a field of a defaults macro in a table row (see WANT below). */
#pragma GCC diagnostic ignored "-Woverride-init"

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

/* ---- reports: what the hypervisor log would show ---------------------------- */

#define MAX_LINES 64

struct captured {
    char line[MAX_LINES][256];
    unsigned n;
};

static void capture(void *ctx, bool refused, const char *msg)
{
    struct captured *c = ctx;
    if (c->n < MAX_LINES)
        snprintf(c->line[c->n], sizeof(c->line[0]), "[hv:%s] %s", refused ? "error" : "warn",
                 msg);
    c->n++;
}

/* The captured lines must be `want` (NULL-terminated), in order. */
static void check_lines(const char *what, size_t row, const struct captured *c,
                        const char *const *want)
{
    unsigned n = 0;
    while (want[n])
        n++;
    for (unsigned i = 0; i < c->n && i < MAX_LINES; i++)
        if (i >= n || strcmp(c->line[i], want[i]) != 0)
            fail_msg("%s row %zu: line %u is\n  \"%s\"\nwant\n  \"%s\"", what, row, i,
                     c->line[i], i < n ? want[i] : "(no line)");
    if (c->n != n)
        fail_msg("%s row %zu: %u line(s), want %u", what, row, c->n, n);
}

/* ---- cmdline_quote, cmdline_format_size --------------------------------------- */

static void test_quote_and_size(void **state)
{
    (void)state;
    char out[256];
    static const struct { const char *in, *want; } q[] = {
        { "name=hello", "name=hello" },
        { "a\x01" "b\\c", "a\\x01b\\\\c" },
        { "\xff", "\\xff" },
        { "0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789" },
        { "01234567890123456789012345678901234567890",
          "0123456789012345678901234567890123456789...(41 characters)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
        cmdline_quote(out, sizeof(out), q[i].in, strlen(q[i].in));
        if (strcmp(out, q[i].want))
            fail_msg("quote %zu: \"%s\", want \"%s\"", i, out, q[i].want);
    }
    cmdline_quote(out, 8, "abcdefghijkl", 12);          /* a short buffer is cut */
    assert_string_equal(out, "abcdefg");
    static const struct { uint64_t v; const char *want; } sz[] = {
        { 0, "0" }, { 4097, "4097" }, { KiB(2052), "2052K" }, { MiB(2), "2M" },
        { GiB(3), "3G" }, { GiB(1024), "1024G" }, { MiB(1536), "1536M" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
        cmdline_format_size(out, sizeof(out), sz[i].v);
        if (strcmp(out, sz[i].want))
            fail_msg("size %zu: \"%s\", want \"%s\"", i, out, sz[i].want);
    }
}

/* ---- boot options ------------------------------------------------------------- */

#define BOOT_DEFAULTS .console = "", .loglevel = LOG_INFO, .exit = EXIT_AUTO, \
    .slice_ms = SLICE_MS_DEFAULT, .preempt = PREEMPT_AUTO, .apicv = APICV_VID, \
    .selftest = SELFTEST_NONE, .unbacked = UNBACKED_ONES, .vnmi = VNMI_ON, \
    .tsc = TSC_PREF_AUTO
#define WANT(...) { BOOT_DEFAULTS, __VA_ARGS__ }
#define NONE { NULL }
#define A10 "aaaaaaaaaa"
#define A40 A10 A10 A10 A10
#define A200 A40 A40 A40 A40 A40

static const struct {
    const char *cmdline;
    const char *lines[6];
    struct boot_options want;
} boot_cases[] = {
    /* good lines */
    { "", NONE, WANT(.console = "") },
    { "exit=bochs", NONE, WANT(.exit = EXIT_BOCHS) },
    { "console=e9 loglevel=debug exit=qemu slice=20 preempt=lapic-oneshot apicv=regs selftest=ud",
      NONE, WANT(.console = "e9", .loglevel = LOG_DEBUG, .exit = EXIT_QEMU, .slice_ms = 20,
                 .preempt = PREEMPT_LAPIC_ONESHOT, .apicv = APICV_REGS, .selftest = SELFTEST_UD) },
    { "console=both loglevel=0 exit=halt preempt=lapic apicv=off selftest=fault", NONE,
      WANT(.console = "both", .loglevel = LOG_ERR, .exit = EXIT_HALT,
           .preempt = PREEMPT_LAPIC, .apicv = APICV_OFF, .selftest = SELFTEST_FAULT) },
    { "  loglevel=3\tslice=0x14\n", NONE, WANT(.loglevel = LOG_DEBUG, .slice_ms = 20) },
    { "slice=1 slice=1000", { "[hv:warn] boot: slice=1000 replaces slice=1 (the last one wins)" },
      WANT(.slice_ms = 1000) },
    /* unknown words */
    { "vcpus=2", { "[hv:warn] boot: unknown option vcpus=2; ignored" }, WANT(.console = "") },
    { "quiet", { "[hv:warn] boot: unknown option quiet; ignored" }, WANT(.console = "") },
    { "Console=e9", { "[hv:warn] boot: unknown option Console=e9; ignored" }, WANT(.console = "") },
    { "=e9", { "[hv:warn] boot: unknown option =e9; ignored" }, WANT(.console = "") },
    { "x=" A200, { "[hv:warn] boot: unknown option x=" A10 A10 A10 "aaaaaaaa...(202 characters); ignored" },
      WANT(.console = "") },
    { "exit=bochs -- slice=5", { "[hv:warn] boot: words after -- are not options: slice=5; ignored" },
      WANT(.exit = EXIT_BOCHS) },
    /* bad words for a list */
    { "console=bogus", { "[hv:warn] boot: console=bogus: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored" },
      WANT(.console = "") },
    { "console=", { "[hv:warn] boot: console=: empty; ignored" },
      WANT(.console = "") },
    { "console=com2,screen", NONE, WANT(.console = "com2,screen") },
    { "console=com5", { "[hv:warn] boot: console=com5: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored" },
      WANT(.console = "") },
    { "exit=key", NONE, WANT(.exit = EXIT_KEY) },
    { "tsc=hpet", NONE, WANT(.tsc = TSC_PREF_HPET) },
    { "tsc=pit tsc=cpuid", { "[hv:warn] boot: tsc=cpuid replaces tsc=pit (the last one wins)" },
      WANT(.tsc = TSC_PREF_CPUID) },
    { "tsc=pmtimer", NONE, WANT(.tsc = TSC_PREF_PM_TIMER) },
    { "tsc=tsc", { "[hv:warn] boot: tsc=tsc: expected auto, cpuid, pmtimer, hpet or pit; ignored" },
      WANT(.tsc = TSC_PREF_AUTO) },
    { "console", { "[hv:warn] boot: console: empty; ignored" },
      WANT(.console = "") },
    { "console=e9\x01", { "[hv:warn] boot: console=e9\\x01: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored" },
      WANT(.console = "") },
    { "console=E9", { "[hv:warn] boot: console=E9: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored" },
      WANT(.console = "") },
    { "loglevel=9",
      { "[hv:warn] boot: loglevel=9: expected err, warn, info, debug, 0, 1, 2 or 3; ignored" },
      WANT(.loglevel = LOG_INFO) },
    { "loglevel=-1",
      { "[hv:warn] boot: loglevel=-1: expected err, warn, info, debug, 0, 1, 2 or 3; ignored" },
      WANT(.loglevel = LOG_INFO) },
    { "exit=reboot", { "[hv:warn] boot: exit=reboot: expected acpi, key, bochs, qemu or halt; ignored" },
      WANT(.exit = EXIT_AUTO) },
    { "preempt=maybe",
      { "[hv:warn] boot: preempt=maybe: expected auto, lapic or lapic-oneshot; ignored" },
      WANT(.preempt = PREEMPT_AUTO) },
    { "apicv=sometimes", { "[hv:warn] boot: apicv=sometimes: expected on, regs or off; ignored" },
      WANT(.apicv = APICV_VID) },
    { "selftest=nope", { "[hv:warn] boot: selftest=nope: expected fault or ud; ignored" },
      WANT(.selftest = SELFTEST_NONE) },
    { "unbacked=stop", NONE, WANT(.unbacked = UNBACKED_STOP) },
    { "vnmi=nowindow", NONE, WANT(.vnmi = VNMI_NOWINDOW) },
    { "vnmi=off", NONE, WANT(.vnmi = VNMI_OFF) },
    { "vnmi=no", { "[hv:warn] boot: vnmi=no: expected on, nowindow or off; ignored" },
      WANT(.vnmi = VNMI_ON) },
    { "unbacked=zero", { "[hv:warn] boot: unbacked=zero: expected ones or stop; ignored" },
      WANT(.unbacked = UNBACKED_ONES) },
    /* numbers: junk is ignored, out of range is clamped */
    { "slice=0", { "[hv:warn] boot: slice=0: below the minimum 1 ms; using 1 ms" },
      WANT(.slice_ms = 1) },
    { "slice=1001", { "[hv:warn] boot: slice=1001: above the maximum 1000 ms; using 1000 ms" },
      WANT(.slice_ms = 1000) },
    { "slice=99999999999999999999999",
      { "[hv:warn] boot: slice=99999999999999999999999: above the maximum 1000 ms; using 1000 ms" },
      WANT(.slice_ms = 1000) },
    { "slice=0xffffffffffffffffff",
      { "[hv:warn] boot: slice=0xffffffffffffffffff: above the maximum 1000 ms; using 1000 ms" },
      WANT(.slice_ms = 1000) },
    { "slice=abc", { "[hv:warn] boot: slice=abc: not a number; ignored" }, WANT(.console = "") },
    { "slice=10ms", { "[hv:warn] boot: slice=10ms: not a number; ignored" }, WANT(.console = "") },
    { "slice=5x", { "[hv:warn] boot: slice=5x: not a number; ignored" }, WANT(.console = "") },
    { "slice=-5", { "[hv:warn] boot: slice=-5: not a number; ignored" }, WANT(.console = "") },
    { "slice=1.5", { "[hv:warn] boot: slice=1.5: not a number; ignored" }, WANT(.console = "") },
    { "slice=0x", { "[hv:warn] boot: slice=0x: not a number; ignored" }, WANT(.console = "") },
    { "slice=", { "[hv:warn] boot: slice=: not a number; ignored" }, WANT(.console = "") },
    { "slice", { "[hv:warn] boot: slice: not a number; ignored" }, WANT(.console = "") },
    /* repeated: the last good word wins; a bad one keeps the earlier value */
    { "exit=halt exit=bochs", { "[hv:warn] boot: exit=bochs replaces exit=halt (the last one wins)" },
      WANT(.exit = EXIT_BOCHS) },
    { "slice=5 slice=20 slice=30",
      { "[hv:warn] boot: slice=20 replaces slice=5 (the last one wins)",
        "[hv:warn] boot: slice=30 replaces slice=20 (the last one wins)" },
      WANT(.slice_ms = 30) },
    { "slice=5 slice=abc", { "[hv:warn] boot: slice=abc: not a number; ignored" },
      WANT(.slice_ms = 5) },
    { "slice=abc slice=5", { "[hv:warn] boot: slice=abc: not a number; ignored" },
      WANT(.slice_ms = 5) },
    { "slice=5 slice=0", { "[hv:warn] boot: slice=0: below the minimum 1 ms; using 1 ms" },
      WANT(.slice_ms = 1) },
    { "console=e9 console=bogus",
      { "[hv:warn] boot: console=bogus: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored" },
      WANT(.console = "e9") },
    /* several problems: one line each, in order; the good words still count */
    { "console=bogus loglevel=9 exit=bochs slice=0 vcpus=2 apicv=regs",
      { "[hv:warn] boot: console=bogus: expected com1-com4, e9, both, screen, fb or vga, joined by ','; ignored",
        "[hv:warn] boot: loglevel=9: expected err, warn, info, debug, 0, 1, 2 or 3; ignored",
        "[hv:warn] boot: slice=0: below the minimum 1 ms; using 1 ms",
        "[hv:warn] boot: unknown option vcpus=2; ignored" },
      WANT(.exit = EXIT_BOCHS, .slice_ms = 1, .apicv = APICV_REGS) },
};

static void test_boot_options(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(boot_cases); i++) {
        struct captured c = { .n = 0 };
        struct cmdline_report rep = { capture, &c };
        struct boot_options o;
        memset(&o, 0xA5, sizeof(o));
        boot_options_parse(boot_cases[i].cmdline, &o, &rep);
        check_lines("boot", i, &c, boot_cases[i].lines);
        const struct boot_options *w = &boot_cases[i].want;
        if (strcmp(o.console, w->console) || o.loglevel != w->loglevel || o.exit != w->exit ||
            o.slice_ms != w->slice_ms || o.preempt != w->preempt || o.apicv != w->apicv ||
            o.selftest != w->selftest || o.unbacked != w->unbacked || o.vnmi != w->vnmi ||
            o.tsc != w->tsc)
            fail_msg("boot row %zu (\"%s\"): console %s loglevel %d exit %d slice %llu preempt %d "
                     "apicv %d selftest %d; want %s %d %d %llu %d %d %d", i,
                     boot_cases[i].cmdline, o.console, o.loglevel, o.exit,
                     (unsigned long long)o.slice_ms, o.preempt, o.apicv, o.selftest, w->console,
                     w->loglevel, w->exit, (unsigned long long)w->slice_ms, w->preempt, w->apicv,
                     w->selftest);
        /* Quiet (NULL report): the same result. */
        struct boot_options q;
        boot_options_parse(boot_cases[i].cmdline, &q, NULL);
        assert_true(!strcmp(q.console, o.console) && q.loglevel == o.loglevel && q.exit == o.exit &&
                    q.slice_ms == o.slice_ms && q.preempt == o.preempt && q.apicv == o.apicv &&
                    q.selftest == o.selftest && q.unbacked == o.unbacked && q.vnmi == o.vnmi &&
                    q.tsc == o.tsc);
    }
}

/* ---- guest lines ---------------------------------------------------------------- */

/* The accepted guests, one per "; ": NAME mem=SIZE cr3exit=N path=P mods=I,J cmdline='...' */
static void describe(char *out, size_t size, const struct guest_spec *g, unsigned n)
{
    size_t o = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        char mem[24], mods[64] = "";
        cmdline_format_size(mem, sizeof(mem), g[i].mem);
        for (unsigned k = 0, m = 0; k < g[i].nmods; k++)
            m += snprintf(mods + m, sizeof(mods) - m, "%s%u", k ? "," : "", g[i].mods[k] + 1);
        o += snprintf(out + o, size - o, "%s%s mem=%s cr3exit=%d path=%s module=%u mods=%s "
                      "cmdline='%s'", i ? "; " : "", g[i].name, mem, g[i].cr3exit, g[i].path,
                      g[i].module + 1, mods, g[i].cmdline);
        if (g[i].gdb)
            o += snprintf(out + o, size - o, " gdb=com%d", g[i].gdb);
    }
}

#define G(name, rest) name " mem=64M cr3exit=0 path=/guests/" name " module=" rest
#define P64 "/ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"   /* 64 */

static const struct {
    const char *modules[12];        /* the module lines, NULL-terminated */
    const char *lines[6];
    const char *guests;             /* describe() of the accepted guests */
} guest_cases[] = {
    /* good lines */
    { { "name=hello" }, NONE, G("hello", "1 mods= cmdline=''") },
    { { "name=a-b_c.D9 mem=8M cr3exit=1 path=/boot/x.elf -- hello there mem=0" }, NONE,
      "a-b_c.D9 mem=8M cr3exit=1 path=/boot/x.elf module=1 mods= cmdline='hello there mem=0'" },
    { { "name=a cr3exit" }, NONE,
      "a mem=64M cr3exit=1 path=/guests/a module=1 mods= cmdline=''" },
    { { "name=a mem=2M", "name=b mem=3G", "name=c mem=64MB", "name=d mem=1GiB", "name=e mem=8192k" },
      NONE,
      "a mem=2M cr3exit=0 path=/guests/a module=1 mods= cmdline=''; "
      "b mem=3G cr3exit=0 path=/guests/b module=2 mods= cmdline=''; "
      "c mem=64M cr3exit=0 path=/guests/c module=3 mods= cmdline=''; "
      "d mem=1G cr3exit=0 path=/guests/d module=4 mods= cmdline=''; "
      "e mem=8M cr3exit=0 path=/guests/e module=5 mods= cmdline=''" },
    { { "name=a mem=2097152" }, NONE,
      "a mem=2M cr3exit=0 path=/guests/a module=1 mods= cmdline=''" },
    /* unknown words: reported, the guest runs */
    { { "name=hello vcpus=2" }, { "[hv:warn] guest hello: unknown option vcpus=2; ignored" },
      G("hello", "1 mods= cmdline=''") },
    { { "vcpus=2 name=hello quiet" },
      { "[hv:warn] guest hello: unknown option vcpus=2; ignored",
        "[hv:warn] guest hello: unknown option quiet; ignored" },
      G("hello", "1 mods= cmdline=''") },
    /* mem=: a bad size refuses the guest */
    { { "name=z mem=0" }, { "[hv:error] guest z: refused: mem=0: below the minimum 2M" }, "" },
    { { "name=z mem=1M" }, { "[hv:error] guest z: refused: mem=1M: below the minimum 2M" }, "" },
    { { "name=z mem=2047K" }, { "[hv:error] guest z: refused: mem=2047K: below the minimum 2M" },
      "" },
    { { "name=z mem=4G" }, { "[hv:error] guest z: refused: mem=4G: above the maximum 3G" }, "" },
    { { "name=z mem=3073M" }, { "[hv:error] guest z: refused: mem=3073M: above the maximum 3G" },
      "" },
    { { "name=z mem=99999999999G" },
      { "[hv:error] guest z: refused: mem=99999999999G: above the maximum 3G" }, "" },
    { { "name=z mem=99999999999999999999999" },
      { "[hv:error] guest z: refused: mem=99999999999999999999999: above the maximum 3G" }, "" },
    { { "name=z mem=64X" },
      { "[hv:error] guest z: refused: mem=64X: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=64M7" },
      { "[hv:error] guest z: refused: mem=64M7: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=64MBx" },
      { "[hv:error] guest z: refused: mem=64MBx: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=0x4000000" },
      { "[hv:error] guest z: refused: mem=0x4000000: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=M" },
      { "[hv:error] guest z: refused: mem=M: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=" },
      { "[hv:error] guest z: refused: mem=: not a size (a number with K, M or G)" }, "" },
    { { "name=z mem=-64M" },
      { "[hv:error] guest z: refused: mem=-64M: not a size (a number with K, M or G)" }, "" },
    /* a size that is no whole number of pages is rounded up */
    { { "name=a mem=2049K" }, { "[hv:warn] guest a: mem=2049K: not a multiple of 4K; using 2052K" },
      "a mem=2052K cr3exit=0 path=/guests/a module=1 mods= cmdline=''" },
    /* name= */
    { { "name=" A200 },
      { "[hv:error] module 1: refused: name=" A10 A10 A10 "aaaaa...(205 characters): longer than 23 "
        "characters" },
      "" },
    { { "name=abcdefghijklmnopqrstuvwx" },
      { "[hv:error] module 1: refused: name=abcdefghijklmnopqrstuvwx: longer than 23 characters" },
      "" },
    { { "name=abcdefghijklmnopqrstuvw" }, NONE,
      G("abcdefghijklmnopqrstuvw", "1 mods= cmdline=''") },
    { { "name=a\x01" "b" },
      { "[hv:error] module 1: refused: name=a\\x01b: only letters, digits, '-', '_' and '.' may be used" },
      "" },
    { { "name=a\x1b[2Jb" },
      { "[hv:error] module 1: refused: name=a\\x1b[2Jb: only letters, digits, '-', '_' and '.' may be used" },
      "" },
    { { "name=a/b" },
      { "[hv:error] module 1: refused: name=a/b: only letters, digits, '-', '_' and '.' may be used" },
      "" },
    /* a name with a space: GRUB writes the word "name=a b" in quotes */
    { { "\"name=a b\"" },
      { "[hv:warn] module 1: unknown option \"name=a; ignored",
        "[hv:warn] module 1: unknown option b\"; ignored",
        "[hv:error] module 1: refused: no name=NAME" }, "" },
    { { "name=a b" }, { "[hv:warn] guest a: unknown option b; ignored" },
      G("a", "1 mods= cmdline=''") },
    { { "mem=32M" }, { "[hv:error] module 1: refused: no name=NAME" }, "" },
    { { "" }, { "[hv:error] module 1: refused: no name=NAME" }, "" },
    { { "-- name=a" }, { "[hv:error] module 1: refused: no name=NAME" }, "" },
    { { "name=" }, { "[hv:error] module 1: refused: name=: empty" }, "" },
    { { "name" }, { "[hv:error] module 1: refused: name: empty" }, "" },
    /* several problems on one line: each reported */
    { { "name=z mem=0 vcpus=2 cr3exit=yes" },
      { "[hv:error] guest z: refused: mem=0: below the minimum 2M",
        "[hv:warn] guest z: unknown option vcpus=2; ignored",
        "[hv:warn] guest z: cr3exit=yes: expected 1 or 0; ignored" }, "" },
    /* gdb=: the debugger's serial port (vmm/gdbstub.h) */
    { { "name=a gdb=com2", "name=b gdb=com9", "for=a gdb=com3" },
      { "[hv:warn] guest b: gdb=com9: expected com1, com2, com3 or com4; ignored",
        "[hv:warn] module 3: gdb=com3: has no meaning on a for= line; ignored" },
      G("a", "1 mods=3 cmdline='' gdb=com2") "; " G("b", "2 mods= cmdline=''") },
    /* two guests with one name: the first keeps it */
    { { "name=a", "name=a mem=8M" },
      { "[hv:error] guest a: refused: the name is taken by module 1" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a mem=0", "name=a mem=8M" },
      { "[hv:error] guest a: refused: mem=0: below the minimum 2M" },
      "a mem=8M cr3exit=0 path=/guests/a module=2 mods= cmdline=''" },
    /* repeated options: the last one wins */
    { { "name=a mem=8M mem=16M" }, { "[hv:warn] guest a: mem=16M replaces mem=8M (the last one wins)" },
      "a mem=16M cr3exit=0 path=/guests/a module=1 mods= cmdline=''" },
    { { "name=a name=b" }, { "[hv:warn] guest b: name=b replaces name=a (the last one wins)" },
      G("b", "1 mods= cmdline=''") },
    { { "name=a name=b/c" },
      { "[hv:error] module 1: refused: name=b/c: only letters, digits, '-', '_' and '.' may be used" },
      "" },
    { { "name=a mem=8M mem=0" }, { "[hv:error] guest a: refused: mem=0: below the minimum 2M" },
      "" },
    /* cr3exit= and path= */
    { { "name=a cr3exit=0" }, NONE, G("a", "1 mods= cmdline=''") },
    { { "name=a cr3exit=yes" }, { "[hv:warn] guest a: cr3exit=yes: expected 1 or 0; ignored" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a cr3exit=1 cr3exit=2" }, { "[hv:warn] guest a: cr3exit=2: expected 1 or 0; ignored" },
      "a mem=64M cr3exit=1 path=/guests/a module=1 mods= cmdline=''" },
    { { "name=a path=" P64 }, { "[hv:warn] guest a: path=" "/pppppppppppppppppppppppppppppppppp"
                                 "...(69 characters): longer than 63 characters; ignored" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a path=" }, { "[hv:warn] guest a: path=: empty; ignored" },
      G("a", "1 mods= cmdline=''") },
    /* for= lines */
    { { "name=a", "for=a -- one", "for=a" }, NONE, G("a", "1 mods=2,3 cmdline=''") },
    { { "for=a", "name=a", "for=a" }, NONE, G("a", "2 mods=1,3 cmdline=''") },
    { { "name=a", "for=ghost" }, { "[hv:warn] module 2: for=ghost: no guest has that name; ignored" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a mem=0", "for=a" }, { "[hv:error] guest a: refused: mem=0: below the minimum 2M",
                                     "[hv:warn] module 2: for=a: no guest has that name; ignored" },
      "" },
    { { "name=a", "for=" }, { "[hv:error] module 2: refused: for=: empty" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a", "for=" A40 }, { "[hv:error] module 2: refused: for=" A10 A10 A10
                                  "aaaaaa...(44 characters): longer than 23 characters" },
      G("a", "1 mods= cmdline=''") },
    { { "name=a", "for=a name=b mem=8M cr3exit=1 path=/x vcpus=2" },
      { "[hv:warn] module 2: name=b: has no meaning on a for= line; ignored",
        "[hv:warn] module 2: mem=8M: has no meaning on a for= line; ignored",
        "[hv:warn] module 2: cr3exit=1: has no meaning on a for= line; ignored",
        "[hv:warn] module 2: path=/x: has no meaning on a for= line; ignored",
        "[hv:warn] module 2: unknown option vcpus=2; ignored" },
      G("a", "1 mods=2 cmdline=''") },
    { { "name=a", "name=b", "for=a for=b" },
      { "[hv:warn] module 3: for=b replaces for=a (the last one wins)" },
      G("a", "1 mods= cmdline=''") "; " G("b", "2 mods=3 cmdline=''") },
    /* more for= modules than a guest takes: the guest is refused */
    { { "name=a", "for=a", "for=a", "for=a", "for=a", "for=a", "for=a", "for=a", "for=a", "for=a",
        "name=b" },
      { "[hv:error] guest a: refused: more than 8 for= modules (module 10 is one more)" },
      G("b", "11 mods= cmdline=''") },
};

static void test_guest_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(guest_cases); i++) {
        struct boot_module mods[12];
        unsigned n = 0;
        while (n < 12 && guest_cases[i].modules[n]) {
            mods[n].start = 0x100000 * (n + 1);
            mods[n].end = mods[n].start + 100;
            mods[n].cmdline = guest_cases[i].modules[n];
            n++;
        }
        struct captured c = { .n = 0 };
        struct cmdline_report rep = { capture, &c };
        struct guest_spec specs[VM_MAX_GUESTS];
        unsigned got = guest_specs_parse(mods, n, specs, &rep);
        check_lines("guest", i, &c, guest_cases[i].lines);
        char desc[1024];
        describe(desc, sizeof(desc), specs, got);
        if (strcmp(desc, guest_cases[i].guests))
            fail_msg("guest row %zu: guests\n  \"%s\"\nwant\n  \"%s\"", i, desc,
                     guest_cases[i].guests);
    }
}

/* 64 guest lines: the first VM_MAX_GUESTS run, each later one is refused by name. */
static void test_too_many_guests(void **state)
{
    (void)state;
    static char lines[64][32];
    struct boot_module mods[64];
    for (unsigned i = 0; i < 64; i++) {
        snprintf(lines[i], sizeof(lines[i]), "name=g%u mem=2M", i + 1);
        mods[i] = (struct boot_module){ 0x100000, 0x100100, lines[i] };
    }
    struct captured c = { .n = 0 };
    struct cmdline_report rep = { capture, &c };
    struct guest_spec specs[VM_MAX_GUESTS];
    assert_int_equal(guest_specs_parse(mods, 64, specs, &rep), VM_MAX_GUESTS);
    for (unsigned i = 0; i < VM_MAX_GUESTS; i++) {
        char want[16];
        snprintf(want, sizeof(want), "g%u", i + 1);
        assert_string_equal(specs[i].name, want);
        assert_int_equal(specs[i].module, i);
    }
    assert_int_equal(c.n, 64 - VM_MAX_GUESTS);
    for (unsigned i = 0; i < c.n; i++) {
        char want[128];
        snprintf(want, sizeof(want), "[hv:error] guest g%u: refused: more than %u guests",
                 VM_MAX_GUESTS + i + 1, VM_MAX_GUESTS);
        assert_string_equal(c.line[i], want);
    }
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
        cmocka_unit_test(test_quote_and_size),
        cmocka_unit_test(test_boot_options),
        cmocka_unit_test(test_guest_lines),
        cmocka_unit_test(test_too_many_guests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
