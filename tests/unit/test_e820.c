/*
 * Host tests for guest/e820.c: the memory map for several RAM sizes, with
 * and without the APIC ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "guest/e820.h"
#include "mm/guest_mem.h"
#include <hv/board_layout.h>

#define RAM  E820_RAM
#define RES  E820_RESERVED

struct want { uint64_t addr, size; uint32_t type; };

static const struct {
    uint64_t mem;
    bool apic;
    unsigned n;
    struct want e[E820_MAX_ENTRIES];
} cases[] = {
    { MiB(8), false, 3, {
        { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }, { 0x100000, MiB(7), RAM } } },
    { MiB(8), true, 5, {
        { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }, { 0x100000, MiB(7), RAM },
        { 0xFEC00000, 0x1000, RES }, { 0xFEE00000, 0x1000, RES } } },
    { MiB(3), false, 3, {
        { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }, { 0x100000, MiB(2), RAM } } },
    { GiB(3), true, 5, {
        { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }, { 0x100000, GiB(3) - MiB(1), RAM },
        { 0xFEC00000, 0x1000, RES }, { 0xFEE00000, 0x1000, RES } } },
    /* Exactly 1 MiB: nothing above it to report. */
    { MiB(1), false, 2, { { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES } } },
    /* Smaller than conventional memory: the low entry is clipped. */
    { KiB(512), false, 2, { { 0, KiB(512), RAM }, { 0x9FC00, 0x60400, RES } } },
    { MiB(1) + 4096, false, 3, {
        { 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }, { 0x100000, 4096, RAM } } },
};

static void test_e820_table(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        struct e820_entry out[E820_MAX_ENTRIES];
        memset(out, 0xAB, sizeof(out));
        unsigned n = e820_build(cases[i].mem, cases[i].apic, out);
        if (n != cases[i].n)
            fail_msg("case %u: %u entries, want %u", i, n, cases[i].n);
        for (unsigned k = 0; k < n; k++) {
            if (out[k].addr != cases[i].e[k].addr || out[k].size != cases[i].e[k].size ||
                out[k].type != cases[i].e[k].type)
                fail_msg("case %u entry %u: {0x%llx, 0x%llx, %u}, want {0x%llx, 0x%llx, %u}",
                         i, k, (unsigned long long)out[k].addr,
                         (unsigned long long)out[k].size, out[k].type,
                         (unsigned long long)cases[i].e[k].addr,
                         (unsigned long long)cases[i].e[k].size, cases[i].e[k].type);
            /* Sorted, non-overlapping. */
            if (k > 0 && out[k].addr < out[k - 1].addr + out[k - 1].size)
                fail_msg("case %u entry %u overlaps the previous one", i, k);
        }
    }
}

/* The map is the board's (include/hv/board_layout.h): RAM below the legacy hole
 * and from 1 MiB, the APIC pages reserved, nothing usable in the MMIO hole
 * even with the most RAM a guest can have. */
static void test_e820_agrees_with_board(void **state)
{
    struct e820_entry out[E820_MAX_ENTRIES];
    unsigned n = e820_build(GMEM_MAX_SIZE, true, out);
    (void)state;

    assert_int_equal(n, 5);
    assert_int_equal(out[0].addr, 0);
    assert_int_equal(out[0].size, BOARD_LOW_RAM_END);
    assert_int_equal(out[1].addr, BOARD_LOW_RAM_END);
    assert_int_equal(out[1].addr + out[1].size, BOARD_LEGACY_END);
    assert_int_equal(out[1].type, E820_RESERVED);
    assert_true(BOARD_LEGACY_START >= BOARD_LOW_RAM_END);
    assert_true(BOARD_ACPI_BASE >= out[1].addr &&
                BOARD_ACPI_BASE + BOARD_ACPI_SIZE <= out[1].addr + out[1].size);
    assert_int_equal(out[2].addr, BOARD_LEGACY_END);
    assert_int_equal(out[2].type, E820_RAM);
    assert_true(out[2].addr + out[2].size <= BOARD_MMIO_HOLE_START);
    assert_int_equal(out[3].addr, BOARD_IOAPIC_BASE);
    assert_int_equal(out[3].size, BOARD_APIC_PAGE_SIZE);
    assert_int_equal(out[3].type, E820_RESERVED);
    assert_int_equal(out[4].addr, BOARD_LAPIC_BASE);
    assert_int_equal(out[4].size, BOARD_APIC_PAGE_SIZE);
    assert_int_equal(out[4].type, E820_RESERVED);
    /* The MMIO devices all lie in the hole, so no RAM entry covers them. */
    const uint64_t mmio[] = { BOARD_TESTDEV_BASE, BOARD_IOAPIC_BASE, BOARD_LAPIC_BASE };
    for (unsigned i = 0; i < ARRAY_SIZE(mmio); i++)
        assert_true(mmio[i] >= BOARD_MMIO_HOLE_START && mmio[i] < BOARD_MMIO_HOLE_END);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e820_table),
        cmocka_unit_test(test_e820_agrees_with_board),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
