/*
 * Host tests for vmx/exit_reasons.h and .c: the one list of basic exit
 * reasons gives every listed reason its name, the count covers the highest
 * number, the statistics table (vmm/vm.h) has a slot for each, and the names
 * are the ones the summary lines have always printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/exit_reasons.h"
#include "vmm/vm.h"

#define ENTRY(name, nr) { #name, nr },
static const struct { const char *name; unsigned nr; } listed[] = {
    VMX_EXIT_REASONS(ENTRY)
};
#undef ENTRY

static void test_every_listed_reason_has_its_name(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(listed); i++) {
        assert_true(listed[i].nr < EXIT_REASON_MAX);
        assert_string_equal(exit_reason_name(listed[i].nr), listed[i].name);
    }
}

static void test_count_and_gaps(void **state)
{
    unsigned highest = 0, named = 0;
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(listed); i++) {
        highest = listed[i].nr > highest ? listed[i].nr : highest;
        for (unsigned k = 0; k < i; k++)
            assert_int_not_equal(listed[k].nr, listed[i].nr);      /* no number twice */
    }
    assert_int_equal(EXIT_REASON_MAX, highest + 1);
    assert_int_equal(EXIT_REASON_MAX, 65);                   /* up to XRSTORS (64) */
    assert_int_equal(EXIT_STATS_MAX, EXIT_REASON_MAX);       /* a slot per reason */
    /* Numbers the list leaves out, and those past its end, are "unknown". */
    for (unsigned r = 0; r < EXIT_REASON_MAX + 8; r++)
        named += strcmp(exit_reason_name(r), "unknown") != 0;
    assert_int_equal(named, ARRAY_SIZE(listed));
    assert_string_equal(exit_reason_name(35), "unknown");
    assert_string_equal(exit_reason_name(38), "unknown");
    assert_string_equal(exit_reason_name(42), "unknown");
    assert_string_equal(exit_reason_name(EXIT_REASON_MAX), "unknown");
    assert_string_equal(exit_reason_name(0xFFFF), "unknown");
}

/* The enum and the SDM's numbers, and the names the summary prints (the
 * integration tests match them). */
static void test_numbers_and_names(void **state)
{
    static const struct { unsigned nr, want; const char *name; } cases[] = {
        { EXIT_REASON_EXCEPTION_NMI, 0, "EXCEPTION_NMI" },
        { EXIT_REASON_EXTERNAL_INTERRUPT, 1, "EXTERNAL_INTERRUPT" },
        { EXIT_REASON_INTERRUPT_WINDOW, 7, "INTERRUPT_WINDOW" },
        { EXIT_REASON_CPUID, 10, "CPUID" },
        { EXIT_REASON_HLT, 12, "HLT" },
        { EXIT_REASON_VMCALL, 18, "VMCALL" },
        { EXIT_REASON_CR_ACCESS, 28, "CR_ACCESS" },
        { EXIT_REASON_IO_INSTRUCTION, 30, "IO_INSTRUCTION" },
        { EXIT_REASON_RDMSR, 31, "RDMSR" },
        { EXIT_REASON_WRMSR, 32, "WRMSR" },
        { EXIT_REASON_INVALID_GUEST_STATE, 33, "INVALID_GUEST_STATE" },
        { EXIT_REASON_MWAIT, 36, "MWAIT" },
        { EXIT_REASON_MONITOR_TRAP_FLAG, 37, "MONITOR_TRAP_FLAG" },
        { EXIT_REASON_TPR_BELOW_THRESHOLD, 43, "TPR_BELOW_THRESHOLD" },
        { EXIT_REASON_APIC_ACCESS, 44, "APIC_ACCESS" },
        { EXIT_REASON_VIRTUALIZED_EOI, 45, "VIRTUALIZED_EOI" },
        { EXIT_REASON_EPT_VIOLATION, 48, "EPT_VIOLATION" },
        { EXIT_REASON_EPT_MISCONFIG, 49, "EPT_MISCONFIG" },
        { EXIT_REASON_PREEMPTION_TIMER, 52, "PREEMPTION_TIMER" },
        { EXIT_REASON_XSETBV, 55, "XSETBV" },
        { EXIT_REASON_APIC_WRITE, 56, "APIC_WRITE" },
        { EXIT_REASON_XRSTORS, 64, "XRSTORS" },
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_int_equal(cases[i].nr, cases[i].want);
        assert_string_equal(exit_reason_name(cases[i].nr), cases[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_listed_reason_has_its_name),
        cmocka_unit_test(test_count_and_gaps),
        cmocka_unit_test(test_numbers_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
