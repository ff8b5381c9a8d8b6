/*
 * console= values and the ACPI SPCR decision (drivers/hw/console_spec.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/hw/console.h"
#include "drivers/hw/console_spec.h"

static void test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        bool ok;
        unsigned sinks, com, coms;
    } cases[] = {
        { "com1", true, CONSOLE_SERIAL, 1, 1 },
        { "com3", true, CONSOLE_SERIAL, 3, 1 },
        { "e9", true, CONSOLE_E9, 1, 0 },
        { "both", true, CONSOLE_BOTH, 1, 0 },
        { "com2,screen", true, CONSOLE_SERIAL | CONSOLE_SCREEN, 2, 1 },
        { "fb+e9", true, CONSOLE_SCREEN | CONSOLE_E9, 1, 0 },
        { "vga", true, CONSOLE_SCREEN, 1, 0 },
        { "com4,com2", true, CONSOLE_SERIAL, 4, 2 },       /* the first one is used */
        { "com5", false, 0, 1, 0 },
        { "com1,bogus", false, CONSOLE_SERIAL, 1, 1 },
        { "COM1", false, 0, 1, 0 },
        { ",", false, 0, 1, 0 },
        { "", false, 0, 1, 0 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned sinks = 99, com = 99, coms = 99;
        bool ok = console_spec_parse(cases[i].v, strlen(cases[i].v), &sinks, &com, &coms);
        if (ok != cases[i].ok || sinks != cases[i].sinks || com != cases[i].com ||
            coms != cases[i].coms)
            fail_msg("\"%s\": ok %d sinks %u com %u coms %u", cases[i].v, ok, sinks, com, coms);
    }
}

static void test_spcr(void **state)
{
    (void)state;
    assert_int_equal(console_spcr_use(false, 0, 0, 0x3F8), SPCR_NONE);
    assert_int_equal(console_spcr_use(true, 0, 0, 0x3F8), SPCR_NONE);
    assert_int_equal(console_spcr_use(false, 0x3F8, 0, 0x3F8), SPCR_SAME);
    assert_int_equal(console_spcr_use(false, 0x2F8, 0, 0x3F8), SPCR_SWITCH);
    assert_int_equal(console_spcr_use(true, 0x2F8, 0, 0x3F8), SPCR_CHOSEN);
    assert_int_equal(console_spcr_use(false, 0, 0xFE030000ULL, 0x3F8), SPCR_MMIO);
    assert_int_equal(console_spcr_use(true, 0, 0xFE030000ULL, 0x3F8), SPCR_CHOSEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_spcr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
