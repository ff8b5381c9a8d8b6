/* Host unit tests: the LAPIC slice timer's one-shot count (drivers/hw/lapic.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "drivers/hw/lapic.h"

static void test_same_rate(void **state)
{
    (void)state;
    assert_int_equal(lapic_count_for(1000, 100, 100), 1000);
    assert_int_equal(lapic_count_for(12345678, 1000000, 1000000), 12345678);
}

static void test_scaled(void **state)
{
    (void)state;
    /* A 100 MHz bus timer against a 3 GHz TSC: 10 ms = 30M TSC = 1M counts. */
    assert_int_equal(lapic_count_for(30000000, 100000000, 3000000000ULL), 1000000);
    /* Calibration gives counts per measured TSC interval, not per second. */
    assert_int_equal(lapic_count_for(500, 4, 2), 1000);
    /* Rounded down, never to 0. */
    assert_int_equal(lapic_count_for(5, 1, 3), 1);
}

static void test_limits(void **state)
{
    (void)state;
    assert_int_equal(lapic_count_for(0, 100, 100), 1);            /* passed: fire at once */
    assert_int_equal(lapic_count_for(1, 1, 1000), 1);
    assert_int_equal(lapic_count_for(UINT64_MAX, 100, 100), 0xFFFFFFFFu);   /* clamped */
    assert_int_equal(lapic_count_for(1ULL << 40, 3, 1), 0xFFFFFFFFu);
    assert_int_equal(lapic_count_for(1000, 100, 0), 1);             /* not calibrated */
    /* Large products must not overflow 64 bits on the way. */
    assert_int_equal(lapic_count_for(1ULL << 40, 1ULL << 40, 1ULL << 50), 1ULL << 30);
}

static void test_mode_names(void **state)
{
    (void)state;
    assert_string_equal(lapic_timer_mode_name(LAPIC_TIMER_TSC_DEADLINE), "TSC-deadline");
    assert_string_equal(lapic_timer_mode_name(LAPIC_TIMER_ONESHOT), "one-shot");
    assert_string_equal(lapic_timer_mode_name(LAPIC_TIMER_OFF), "off");
}

/* The mode firmware left the host local APIC in, from IA32_APIC_BASE
 * (SDM "x2APIC State Transitions"): both modes are driven as found. */
static void test_host_mode(void **state)
{
    (void)state;
    const uint64_t base = 0xFEE00000ULL, bsp = 1u << 8, en = 1u << 11, extd = 1u << 10;
    assert_int_equal(lapic_host_mode(base | bsp | en, true), LAPIC_HOST_XAPIC);
    assert_int_equal(lapic_host_mode(base | bsp | en | extd, true), LAPIC_HOST_X2APIC);
    assert_int_equal(lapic_host_mode(base | bsp, true), LAPIC_HOST_DISABLED);
    assert_int_equal(lapic_host_mode(base | bsp | extd, true), LAPIC_HOST_INVALID);
    /* no APIC in CPUID: the MSR value does not matter */
    assert_int_equal(lapic_host_mode(base | en | extd, false), LAPIC_HOST_NONE);
    /* other bits (BSP flag, base address) do not change the mode */
    assert_int_equal(lapic_host_mode(en, true), LAPIC_HOST_XAPIC);
    assert_int_equal(lapic_host_mode(0xFED00000ULL | en | extd, true), LAPIC_HOST_X2APIC);
    assert_string_equal(lapic_host_mode_name(LAPIC_HOST_XAPIC), "xAPIC");
    assert_string_equal(lapic_host_mode_name(LAPIC_HOST_X2APIC), "x2APIC");
    assert_string_equal(lapic_host_mode_name(LAPIC_HOST_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_rate),
        cmocka_unit_test(test_scaled),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_host_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
