/*
 * Host tests for the exit trace's pure part (vmx/trace.c): the monitor's
 * argument parsing, the reason filter and the line format. Reason names
 * come from a fake exit_reason_name() with the SDM's names for a few.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/trace.h"
#include "vmx/exit.h"

const char *exit_reason_name(unsigned r)
{
    switch (r) {
    case 1:  return "EXTERNAL_INTERRUPT";
    case 10: return "CPUID";
    case 12: return "HLT";
    case 30: return "IO_INSTRUCTION";
    case 52: return "PREEMPTION_TIMER";
    case 64: return "XRSTORS";
    default: return "unknown";
    }
}

static bool wants_only(const struct exit_trace *t, const unsigned *rs, size_t n)
{
    for (unsigned r = 0; r < TRACE_REASONS; r++) {
        bool in = false;
        for (size_t i = 0; i < n; i++)
            in |= rs[i] == r;
        if (trace_wants(t, r) != in)
            return false;
    }
    return true;
}

static void test_parse_defaults(void **state)
{
    (void)state;
    struct exit_trace t;
    char err[100] = "";
    assert_int_equal(trace_parse(NULL, &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, TRACE_DEFAULT_COUNT);
    for (unsigned r = 0; r < TRACE_REASONS; r++)
        assert_true(trace_wants(&t, r));
    assert_int_equal(trace_parse("  ", &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, TRACE_DEFAULT_COUNT);
    assert_false(trace_wants(&t, TRACE_REASONS));      /* out of range */
}

struct parse_case {
    const char *args;
    int rc;
    unsigned count;
    unsigned reasons[4];
    size_t nreasons;              /* 0 with rc 0: every reason */
    const char *err;
};

static const struct parse_case parse_cases[] = {
    { "5", 0, 5, { 0 }, 0, NULL },
    { "0x10", 0, 16, { 0 }, 0, NULL },
    { "3 cpuid", 0, 3, { 10 }, 1, NULL },
    { "CPUID io_instruction", 0, TRACE_DEFAULT_COUNT, { 10, 30 }, 2, NULL },
    { "  7   Hlt   preemption_timer ", 0, 7, { 12, 52 }, 2, NULL },
    { "1 xrstors", 0, 1, { 64 }, 1, NULL },
    { "10000", 0, 10000, { 0 }, 0, NULL },
    { "off", 1, 0, { 0 }, 0, NULL },
    { "OFF", 1, 0, { 0 }, 0, NULL },
    { "off 3", -1, 0, { 0 }, 0, "\"off\" takes nothing after it" },
    { "0", -1, 0, { 0 }, 0, "the count must be 1 to 10000, got 0" },
    { "10001", -1, 0, { 0 }, 0, "the count must be 1 to 10000, got 10001" },
    { "cpuid 5", -1, 0, { 0 }, 0, "unknown exit reason \"5\" (names as in stats, e.g. CPUID, IO_INSTRUCTION)" },
    { "2 cpuidx", -1, 0, { 0 }, 0, "unknown exit reason \"cpuidx\" (names as in stats, e.g. CPUID, IO_INSTRUCTION)" },
    { "2 unknown", -1, 0, { 0 }, 0, "unknown exit reason \"unknown\" (names as in stats, e.g. CPUID, IO_INSTRUCTION)" },
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct exit_trace t;
        char err[120] = "";
        int rc = trace_parse(c->args, &t, err, sizeof(err));
        if (rc != c->rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", c->args, rc, c->rc, err);
        if (rc < 0) {
            if (strcmp(err, c->err))
                fail_msg("\"%s\": error \"%s\", want \"%s\"", c->args, err, c->err);
            continue;
        }
        if (rc == 1)
            continue;
        if (t.count != c->count)
            fail_msg("\"%s\": count %u, want %u", c->args, t.count, c->count);
        if (c->nreasons && !wants_only(&t, c->reasons, c->nreasons))
            fail_msg("\"%s\": wrong filter", c->args);
        if (!c->nreasons)
            for (unsigned r = 0; r < TRACE_REASONS; r++)
                assert_true(trace_wants(&t, r));
        assert_int_equal(t.printed, 0);
        assert_false(t.pending);
    }
}

struct format_case {
    struct trace_event e;
    unsigned k, n;
    const char *want;
};

static const struct format_case format_cases[] = {
    { { 10, 0x101a2b, 0, TRACE_RESUMED, 0 }, 1, 20,
      "[trace] cpuid 1/20: CPUID, RIP 0x101a2b, qualification 0: resumed" },
    { { 30, 0x100234, 0x3f80008, TRACE_RESUMED, 0 }, 2, 3,
      "[trace] cpuid 2/3: IO_INSTRUCTION, RIP 0x100234, qualification 0x3f80008: resumed" },
    { { 1, 0x1000, 0, TRACE_INJECTED, 0x20 }, 3, 3,
      "[trace] cpuid 3/3: EXTERNAL_INTERRUPT, RIP 0x1000, qualification 0: resumed, injected vector 0x20" },
    { { 12, 0x100100, 0, TRACE_HALTED, 0 }, 1, 1,
      "[trace] cpuid 1/1: HLT, RIP 0x100100, qualification 0: halted" },
    { { 52, 0xffffffff81000000ULL, 0, TRACE_SLICE_OVER, 0 }, 4, 9,
      "[trace] cpuid 4/9: PREEMPTION_TIMER, RIP 0xffffffff81000000, qualification 0: yielded (slice over)" },
    { { 52, 0x2000, 0, TRACE_YIELDED, 0 }, 5, 9,
      "[trace] cpuid 5/9: PREEMPTION_TIMER, RIP 0x2000, qualification 0: yielded" },
    { { 99, 0x2000, 0x1, TRACE_STOPPED, 0 }, 6, 9,
      "[trace] cpuid 6/9: unknown, RIP 0x2000, qualification 0x1: stopped" },
};

static void test_format_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        const struct format_case *c = &format_cases[i];
        char buf[160];
        int n = trace_format(buf, sizeof(buf), "cpuid", c->k, c->n, &c->e);
        assert_string_equal(buf, c->want);
        assert_int_equal(n, (int)strlen(c->want));
    }
}

static void test_format_truncates(void **state)
{
    (void)state;
    struct trace_event e = { 10, 0x101a2b, 0, TRACE_RESUMED, 0 };
    char buf[16];
    int n = trace_format(buf, sizeof(buf), "cpuid", 1, 20, &e);
    assert_string_equal(buf, "[trace] cpuid 1");
    assert_int_equal(n, (int)strlen("[trace] cpuid 1/20: CPUID, RIP 0x101a2b, qualification 0: resumed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
