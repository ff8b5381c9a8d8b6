/*
 * Host unit tests for drivers/hw/tsc_freq.c: the TSC frequency from CPUID
 * leaves 15H/16H values (real CPUs' and Bochs'), the reference timer order
 * and the choice between CPUID and a measurement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/hw/tsc_freq.h"

static void test_leaf15_with_crystal(void **state)
{
    (void)state;
    uint64_t crystal;
    bool derived;
    /* Ice Lake client style: 38.4 MHz crystal, ratio 156/2 -> 2995.2 MHz */
    struct tsc_cpuid c = { .max_leaf = 0x1B, .l15_eax = 2, .l15_ebx = 156, .l15_ecx = 38400000,
                           .l16_eax = 3000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, &crystal, &derived), 2995200000ULL);
    assert_int_equal(crystal, 38400000);
    assert_false(derived);
    /* a 24 MHz crystal, ratio 250/3 -> 2 GHz */
    c = (struct tsc_cpuid){ .max_leaf = 0x15, .l15_eax = 3, .l15_ebx = 250, .l15_ecx = 24000000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 2000000000ULL);
}

static void test_leaf15_crystal_from_leaf16(void **state)
{
    (void)state;
    uint64_t crystal;
    bool derived;
    /* Bochs' corei7_skylake_x: 15H = 2/0x124/0, 16H base 0xDAC = 3500 MHz */
    struct tsc_cpuid c = { .max_leaf = 0x16, .l15_eax = 2, .l15_ebx = 0x124, .l15_ecx = 0,
                           .l16_eax = 0xDAC };
    uint64_t hz = tsc_hz_from_cpuid(&c, &crystal, &derived);
    assert_true(derived);
    assert_int_equal(crystal, 3500000000ULL * 2 / 0x124);          /* 23.97 MHz */
    assert_true(hz <= 3500000000ULL && hz > 3499999000ULL);      /* rounding only */
    /* Skylake client: 2/216 with a 2.7 GHz base -> 25 MHz crystal */
    c = (struct tsc_cpuid){ .max_leaf = 0x16, .l15_eax = 2, .l15_ebx = 216, .l16_eax = 2700 };
    assert_int_equal(tsc_hz_from_cpuid(&c, &crystal, &derived), 2700000000ULL);
    assert_int_equal(crystal, 25000000);
    /* only bits 15:0 of 16H EAX are the frequency */
    c.l16_eax = 0xFFFF0000u | 2700;
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 2700000000ULL);
}

static void test_leaf15_absent(void **state)
{
    (void)state;
    uint64_t crystal = 7;
    bool derived = true;
    /* max leaf below 15H (QEMU's qemu64, older CPUs): values are ignored */
    struct tsc_cpuid c = { .max_leaf = 0xD, .l15_eax = 2, .l15_ebx = 200, .l15_ecx = 24000000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, &crystal, &derived), 0);
    assert_int_equal(crystal, 0);
    assert_false(derived);
    /* EAX or EBX 0: ratio not enumerated */
    c = (struct tsc_cpuid){ .max_leaf = 0x16, .l15_eax = 0, .l15_ebx = 200, .l15_ecx = 24000000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 0);
    c = (struct tsc_cpuid){ .max_leaf = 0x16, .l15_eax = 2, .l15_ebx = 0, .l15_ecx = 24000000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 0);
    /* ECX 0 and no leaf 16H, or leaf 16H reads 0 */
    c = (struct tsc_cpuid){ .max_leaf = 0x15, .l15_eax = 2, .l15_ebx = 200, .l16_eax = 3000 };
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 0);
    c.max_leaf = 0x16;
    c.l16_eax = 0;
    assert_int_equal(tsc_hz_from_cpuid(&c, NULL, NULL), 0);
}

static void test_agree(void **state)
{
    (void)state;
    assert_true(tsc_hz_agree(3500000000ULL, 3500000000ULL));
    assert_true(tsc_hz_agree(3500000000ULL, 3440000000ULL));    /* 1.7% */
    assert_false(tsc_hz_agree(3500000000ULL, 3420000000ULL));   /* 2.3% */
    assert_true(tsc_hz_agree(3440000000ULL, 3500000000ULL));    /* symmetric */
    assert_false(tsc_hz_agree(3500000000ULL, 50000000ULL));     /* Bochs: TSC = instructions */
    assert_false(tsc_hz_agree(0, 0));
    assert_false(tsc_hz_agree(0, 1000));
}

static void test_reference_order(void **state)
{
    (void)state;
    assert_int_equal(tsc_reference_timer(true, true, TSC_PREF_AUTO), TSC_FROM_PM_TIMER);
    assert_int_equal(tsc_reference_timer(true, false, TSC_PREF_AUTO), TSC_FROM_PM_TIMER);
    assert_int_equal(tsc_reference_timer(false, true, TSC_PREF_AUTO), TSC_FROM_HPET);
    assert_int_equal(tsc_reference_timer(false, false, TSC_PREF_AUTO), TSC_FROM_PIT);
    assert_int_equal(tsc_reference_timer(true, true, TSC_PREF_CPUID), TSC_FROM_PM_TIMER);
    /* tsc=hpet / tsc=pit / tsc=pmtimer: that timer where the platform has it */
    assert_int_equal(tsc_reference_timer(true, true, TSC_PREF_HPET), TSC_FROM_HPET);
    assert_int_equal(tsc_reference_timer(true, false, TSC_PREF_HPET), TSC_FROM_PM_TIMER);
    assert_int_equal(tsc_reference_timer(true, true, TSC_PREF_PIT), TSC_FROM_PIT);
    assert_int_equal(tsc_reference_timer(false, true, TSC_PREF_PM_TIMER), TSC_FROM_HPET);
    assert_int_equal(tsc_reference_timer(true, true, TSC_PREF_PM_TIMER), TSC_FROM_PM_TIMER);
}

static void test_choose(void **state)
{
    (void)state;
    uint64_t hz = 1;
    /* CPUID confirmed by the measurement: CPUID's exact value */
    assert_int_equal(tsc_choose(3000000000ULL, 2999000000ULL, TSC_FROM_PM_TIMER, &hz),
                     TSC_FROM_CPUID);
    assert_int_equal(hz, 3000000000ULL);
    /* CPUID and no timer that counts */
    assert_int_equal(tsc_choose(3000000000ULL, 0, TSC_FROM_PIT, &hz), TSC_FROM_CPUID);
    assert_int_equal(hz, 3000000000ULL);
    /* CPUID contradicted (Bochs: 3.5 GHz claimed, 50 M instructions/s): the measurement */
    assert_int_equal(tsc_choose(3500000000ULL, 50000000ULL, TSC_FROM_PM_TIMER, &hz),
                     TSC_FROM_PM_TIMER);
    assert_int_equal(hz, 50000000ULL);
    /* no CPUID value: whichever timer measured */
    assert_int_equal(tsc_choose(0, 2100000000ULL, TSC_FROM_HPET, &hz), TSC_FROM_HPET);
    assert_int_equal(hz, 2100000000ULL);
    assert_int_equal(tsc_choose(0, 2100000000ULL, TSC_FROM_PIT, &hz), TSC_FROM_PIT);
    /* nothing at all */
    assert_int_equal(tsc_choose(0, 0, TSC_FROM_PIT, &hz), TSC_FROM_NOWHERE);
    assert_int_equal(hz, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tsc_source_name(TSC_FROM_CPUID), "CPUID leaf 0x15");
    assert_string_equal(tsc_source_name(TSC_FROM_PM_TIMER), "the ACPI PM timer");
    assert_string_equal(tsc_source_name(TSC_FROM_HPET), "the HPET");
    assert_string_equal(tsc_source_name(TSC_FROM_PIT), "the 8254 PIT");
    assert_string_equal(tsc_source_name(TSC_FROM_NOWHERE), "nowhere");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf15_with_crystal),
        cmocka_unit_test(test_leaf15_crystal_from_leaf16),
        cmocka_unit_test(test_leaf15_absent),
        cmocka_unit_test(test_agree),
        cmocka_unit_test(test_reference_order),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
