/*
 * Check reporting and guest exit (see test.h).
 */
#include "test.h"
#include "console.h"
#include "x86.h"

static const char *current_test = "guest";
static unsigned checks_run, checks_failed;

void test_begin(const char *name)
{
    current_test = name;
    checks_run = checks_failed = 0;
}

const char *test_name(void)
{
    return current_test;
}

/* Prints "PASS name: " or "FAIL name: " and counts the check. */
static void verdict(bool ok)
{
    checks_run++;
    if (!ok)
        checks_failed++;
    printf("%s %s: ", ok ? "PASS" : "FAIL", current_test);
}

void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    verdict(ok);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putc('\n');
}

void check_eq(const char *what, uint32_t got, uint32_t expected)
{
    verdict(got == expected);
    if (got == expected)
        printf("%s = 0x%x\n", what, got);
    else
        printf("%s: expected 0x%x, got 0x%x\n", what, expected, got);
}

void check_eq64(const char *what, uint64_t got, uint64_t expected)
{
    verdict(got == expected);
    if (got == expected)
        printf("%s = 0x%llx\n", what, got);
    else
        printf("%s: expected 0x%llx, got 0x%llx\n", what, expected, got);
}

void note(const char *fmt, ...)
{
    va_list ap;
    printf("%s: ", current_test);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putc('\n');
}

int test_end(void)
{
    if (checks_failed == 0) {
        printf("PASS %s: all checks passed (%u)\n", current_test, checks_run);
        return 0;
    }
    printf("FAIL %s: %u of %u checks failed\n", current_test, checks_failed, checks_run);
    return 1;
}

void guest_exit(uint32_t status)
{
    if (console_hypercall)
        vmcall(HC_EXIT, status, 0);           /* does not return */
    outb(DEBUG_EXIT_PORT, (uint8_t)status);
    halt_forever();       /* no debug-exit device: stop here */
    __builtin_unreachable();
}
