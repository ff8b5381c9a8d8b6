/*
 * Host unit tests for drivers/virt/vioapic.c. The deliver callback records
 * every interrupt and accepts it unless the test says otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vioapic.h"

struct delivery {
    uint8_t vector;
    uint32_t dest;
    bool logical, level;
};

struct fake {
    bool refuse;                /* deliver() returns false */
    unsigned n;
    struct delivery d[64];
    struct vioapic io;
};

static bool fake_deliver(void *ctx, uint8_t vector, uint32_t dest, bool logical, bool level)
{
    struct fake *f = ctx;

    assert_true(f->n < ARRAY_SIZE(f->d));
    f->d[f->n++] = (struct delivery){ vector, dest, logical, level };
    return !f->refuse;
}

static const struct vioapic_ops ops = { .deliver = fake_deliver };

static struct fake *fake_new(void)
{
    struct fake *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    vioapic_init(&f->io, 2, &ops, f);
    return f;
}

static int setup(void **state)
{
    *state = fake_new();
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint32_t rd(struct fake *f, uint8_t reg)
{
    uint64_t v = 0xDEAD;

    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_IOREGSEL, 4, reg), 0);
    assert_int_equal(vioapic_mmio_read(&f->io, IOAPIC_IOWIN, 4, &v), 0);
    assert_true(v <= 0xFFFFFFFFu);
    return (uint32_t)v;
}

static void wr(struct fake *f, uint8_t reg, uint32_t v)
{
    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_IOREGSEL, 4, reg), 0);
    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_IOWIN, 4, v), 0);
}

static uint64_t rte_get(struct fake *f, unsigned pin)
{
    return (uint64_t)rd(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1)) << 32 |
           rd(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin));
}

/* Program an entry the way Linux does: high half first, low half last. */
static void rte_set(struct fake *f, unsigned pin, uint64_t e)
{
    wr(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1), (uint32_t)(e >> 32));
    wr(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin), (uint32_t)e);
}

#define EDGE(vec)       ((uint64_t)(vec))
#define LEVEL(vec)      ((uint64_t)(vec) | IOAPIC_RTE_LEVEL)
#define DEST(d)         ((uint64_t)(d) << IOAPIC_RTE_DEST_SHIFT)

/* ---- registers ---------------------------------------------------------------- */

static void test_id_version(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    assert_int_equal(rd(f, IOAPIC_REG_ID), 0x02000000);
    assert_int_equal(rd(f, IOAPIC_REG_VER), 0x00170020);      /* 24 entries, version 0x20 */
    assert_int_equal(rd(f, IOAPIC_REG_ARB), 0x02000000);
    wr(f, IOAPIC_REG_ID, 0xFAFFFFFF);
    assert_int_equal(rd(f, IOAPIC_REG_ID), 0x0A000000);
    assert_int_equal(rd(f, IOAPIC_REG_ARB), 0x0A000000);      /* follows the ID */
    wr(f, IOAPIC_REG_VER, 0);
    wr(f, IOAPIC_REG_ARB, 0);
    assert_int_equal(rd(f, IOAPIC_REG_VER), 0x00170020);
    assert_int_equal(rd(f, IOAPIC_REG_ARB), 0x0A000000);
    assert_int_equal(rd(f, 0x03), 0);
    assert_int_equal(rd(f, 0x0F), 0);
    assert_int_equal(rd(f, 0x40), 0);                         /* past entry 23 */
    assert_int_equal(rd(f, 0xFF), 0);
    /* IOREGSEL reads back and takes byte writes. */
    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_IOREGSEL, 1, 0x01), 0);
    assert_int_equal(vioapic_mmio_read(&f->io, IOAPIC_IOREGSEL, 4, &v), 0);
    assert_int_equal(v, 0x01);
    assert_int_equal(vioapic_mmio_read(&f->io, IOAPIC_IOWIN, 4, &v), 0);
    assert_int_equal(v, 0x00170020);
    /* Other widths and offsets read 0 and are ignored. */
    assert_int_equal(vioapic_mmio_read(&f->io, IOAPIC_IOWIN, 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(vioapic_mmio_read(&f->io, 0x20, 4, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(vioapic_mmio_read(&f->io, 0x04, 4, &v), 0);
    assert_int_equal(v, 0);
    wr(f, IOAPIC_REG_ID, 0x05000000);
    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_IOWIN, 2, 0), 0);
    assert_int_equal(rd(f, IOAPIC_REG_ID), 0x05000000);
}

static void test_reset_masked(void **state)
{
    struct fake *f = *state;

    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
        uint64_t e = rte_get(f, pin);
        if (e != IOAPIC_RTE_MASKED)
            fail_msg("case %u: entry 0x%llx at reset, want masked", pin, (unsigned long long)e);
        vioapic_set_irq(&f->io, pin, true);
        vioapic_set_irq(&f->io, pin, false);
    }
    assert_int_equal(f->n, 0);
}

static void test_redir_program(void **state)
{
    static const struct {
        const char *name;
        bool high;
        uint32_t write, want;
    } cases[] = {
        { "low: all ones", false, 0xFFFFFFFF, 0x0001AFFF },    /* bits 12, 14 read-only */
        { "low: fixed edge unmasked", false, 0x00000031, 0x00000031 },
        { "low: lowest, logical, level, low, masked", false, 0x0001A931, 0x0001A931 },
        { "low: masked level", false, 0x00018040, 0x00018040 },
        { "low: delivery status ignored", false, 0x00011020, 0x00010020 },
        { "high: all ones", true, 0xFFFFFFFF, 0xFF000000 },
        { "high: destination 3", true, 0x03000000, 0x03000000 },
        { "high: reserved bits", true, 0x00FFFFFF, 0x00000000 },
    };
    static const unsigned pins[] = { 0, 13, 23 };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        for (size_t p = 0; p < ARRAY_SIZE(pins); p++) {
            struct fake *f = fake_new();
            uint8_t reg = (uint8_t)(IOAPIC_REG_REDTBL + 2 * pins[p] + cases[i].high);
            uint32_t got, other;

            wr(f, reg, cases[i].write);
            got = rd(f, reg);
            other = rd(f, reg ^ 1);
            print_message("case %zu (%s) pin %u: 0x%x\n", i, cases[i].name, pins[p], got);
            if (got != cases[i].want)
                fail_msg("case %zu (%s) pin %u: read 0x%x, want 0x%x", i, cases[i].name,
                         pins[p], got, cases[i].want);
            /* The other half is untouched. */
            if (other != (cases[i].high ? IOAPIC_RTE_MASKED : 0))
                fail_msg("case %zu (%s) pin %u: other half 0x%x", i, cases[i].name,
                         pins[p], other);
            /* Neighbouring entries are untouched. */
            if (pins[p] > 0)
                assert_int_equal(rte_get(f, pins[p] - 1), IOAPIC_RTE_MASKED);
            if (pins[p] < VIOAPIC_NUM_PINS - 1)
                assert_int_equal(rte_get(f, pins[p] + 1), IOAPIC_RTE_MASKED);
            assert_int_equal(f->n, 0);                         /* lines are low */
            free(f);
        }
    }
}

/* ---- edge-triggered --------------------------------------------------------- */

static void test_edge(void **state)
{
    static const struct {
        const char *name;
        uint8_t seq[8];
        unsigned len, want;
    } cases[] = {
        { "pulse", { 1, 0 }, 2, 1 },
        { "held high", { 1, 1, 1 }, 3, 1 },
        { "two pulses", { 1, 0, 1, 0 }, 4, 2 },
        { "low only", { 0, 0 }, 2, 0 },
        { "rise, hold, fall, rise", { 1, 1, 0, 0, 1, 1 }, 6, 2 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = fake_new();

        rte_set(f, 4, EDGE(0x34) | DEST(1));
        for (unsigned k = 0; k < cases[i].len; k++)
            vioapic_set_irq(&f->io, 4, cases[i].seq[k]);
        print_message("case %zu (%s): %u deliveries\n", i, cases[i].name, f->n);
        if (f->n != cases[i].want)
            fail_msg("case %zu (%s): %u deliveries, want %u", i, cases[i].name, f->n,
                     cases[i].want);
        for (unsigned k = 0; k < f->n; k++) {
            assert_int_equal(f->d[k].vector, 0x34);
            assert_int_equal(f->d[k].dest, 1);
            assert_false(f->d[k].logical);
            assert_false(f->d[k].level);
        }
        assert_int_equal(rte_get(f, 4) & IOAPIC_RTE_REMOTE_IRR, 0);
        free(f);
    }
}

static void test_masked(void **state)
{
    struct fake *f = *state;

    /* Edge: lost while masked, and unmasking does not replay it. */
    rte_set(f, 1, EDGE(0x31) | IOAPIC_RTE_MASKED);
    vioapic_set_irq(&f->io, 1, true);
    assert_int_equal(f->n, 0);
    rte_set(f, 1, EDGE(0x31));
    assert_int_equal(f->n, 0);
    vioapic_set_irq(&f->io, 1, false);
    vioapic_set_irq(&f->io, 1, true);
    assert_int_equal(f->n, 1);

    /* Level: unmasking an asserted line delivers. */
    rte_set(f, 2, LEVEL(0x32) | IOAPIC_RTE_MASKED);
    vioapic_set_irq(&f->io, 2, true);
    assert_int_equal(f->n, 1);
    assert_int_equal(rte_get(f, 2) & IOAPIC_RTE_REMOTE_IRR, 0);
    rte_set(f, 2, LEVEL(0x32));
    assert_int_equal(f->n, 2);
    assert_int_equal(f->d[1].vector, 0x32);
    assert_true(f->d[1].level);
    assert_true(rte_get(f, 2) & IOAPIC_RTE_REMOTE_IRR);

    /* Masking after delivery leaves remote IRR; EOI clears it, no re-delivery. */
    rte_set(f, 2, LEVEL(0x32) | IOAPIC_RTE_MASKED);
    assert_true(rte_get(f, 2) & IOAPIC_RTE_REMOTE_IRR);
    vioapic_eoi(&f->io, 0x32);
    assert_int_equal(rte_get(f, 2) & IOAPIC_RTE_REMOTE_IRR, 0);
    assert_int_equal(f->n, 2);
}

/* ---- level-triggered ------------------------------------------------------- */

static void test_level(void **state)
{
    struct fake *f = *state;

    rte_set(f, 9, LEVEL(0x49) | DEST(0x0F) | IOAPIC_RTE_DEST_LOGICAL);
    vioapic_set_irq(&f->io, 9, true);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->d[0].vector, 0x49);
    assert_int_equal(f->d[0].dest, 0x0F);
    assert_true(f->d[0].logical);
    assert_true(f->d[0].level);
    assert_true(rte_get(f, 9) & IOAPIC_RTE_REMOTE_IRR);

    vioapic_set_irq(&f->io, 9, true);               /* still asserted, remote IRR set */
    assert_int_equal(f->n, 1);
    vioapic_eoi(&f->io, 0x48);                      /* another vector */
    assert_int_equal(f->n, 1);
    assert_true(rte_get(f, 9) & IOAPIC_RTE_REMOTE_IRR);

    vioapic_eoi(&f->io, 0x49);                      /* line still high: again */
    assert_int_equal(f->n, 2);
    assert_true(rte_get(f, 9) & IOAPIC_RTE_REMOTE_IRR);

    vioapic_set_irq(&f->io, 9, false);              /* device deasserts */
    vioapic_eoi(&f->io, 0x49);
    assert_int_equal(f->n, 2);
    assert_int_equal(rte_get(f, 9) & IOAPIC_RTE_REMOTE_IRR, 0);

    vioapic_set_irq(&f->io, 9, true);
    assert_int_equal(f->n, 3);
}

/* Two level pins sharing a vector: one EOI serves both. */
static void test_level_shared_vector(void **state)
{
    struct fake *f = *state;

    rte_set(f, 16, LEVEL(0x60));
    rte_set(f, 17, LEVEL(0x60));
    vioapic_set_irq(&f->io, 16, true);
    vioapic_set_irq(&f->io, 17, true);
    assert_int_equal(f->n, 2);
    vioapic_set_irq(&f->io, 16, false);
    vioapic_eoi(&f->io, 0x60);
    assert_int_equal(f->n, 3);                      /* only pin 17 is still high */
    assert_int_equal(rte_get(f, 16) & IOAPIC_RTE_REMOTE_IRR, 0);
    assert_true(rte_get(f, 17) & IOAPIC_RTE_REMOTE_IRR);
}

/* A refused level delivery leaves remote IRR clear and is retried. */
static void test_level_refused(void **state)
{
    struct fake *f = *state;

    f->refuse = true;
    rte_set(f, 5, LEVEL(0x35));
    vioapic_set_irq(&f->io, 5, true);
    assert_int_equal(f->n, 1);
    assert_int_equal(rte_get(f, 5) & IOAPIC_RTE_REMOTE_IRR, 0);
    assert_int_equal(f->io.stats.refused, 1);
    f->refuse = false;
    vioapic_set_irq(&f->io, 5, true);
    assert_int_equal(f->n, 2);
    assert_true(rte_get(f, 5) & IOAPIC_RTE_REMOTE_IRR);
    assert_int_equal(f->io.stats.delivered, 1);
}

/* The version 0x20 EOI register, and the edge-switch trick of older kernels. */
static void test_eoi_register_and_edge_switch(void **state)
{
    struct fake *f = *state;

    rte_set(f, 10, LEVEL(0x4A));
    vioapic_set_irq(&f->io, 10, true);
    assert_int_equal(f->n, 1);
    assert_int_equal(vioapic_mmio_write(&f->io, IOAPIC_EOI, 4, 0x4A), 0);
    assert_int_equal(f->n, 2);                      /* still asserted: again */
    vioapic_set_irq(&f->io, 10, false);

    /* Switching to edge clears remote IRR; back to level with the line low:
     * nothing is delivered. */
    rte_set(f, 10, EDGE(0x4A));
    assert_int_equal(rte_get(f, 10) & IOAPIC_RTE_REMOTE_IRR, 0);
    rte_set(f, 10, LEVEL(0x4A));
    assert_int_equal(f->n, 2);
    vioapic_set_irq(&f->io, 10, true);
    assert_int_equal(f->n, 3);
}

/* ---- polarity ---------------------------------------------------------------- */

static void test_polarity(void **state)
{
    static const struct {
        const char *name;
        uint64_t rte;
        bool idle;                  /* pin level before programming */
        uint8_t seq[6];
        unsigned len, want;
        bool remote_irr;
    } cases[] = {
        { "active-high edge, rising", EDGE(0x40), 0, { 1 }, 1, 1, false },
        { "active-high edge, falling", EDGE(0x40), 1, { 0 }, 1, 0, false },
        { "active-low edge, falling", EDGE(0x40) | IOAPIC_RTE_POLARITY_LOW, 1, { 0 }, 1, 1, false },
        { "active-low edge, rising", EDGE(0x40) | IOAPIC_RTE_POLARITY_LOW, 0, { 1 }, 1, 0, false },
        { "active-low edge, two pulses", EDGE(0x40) | IOAPIC_RTE_POLARITY_LOW, 1, { 0, 1, 0, 1 },
          4, 2, false },
        { "active-low level, idle high", LEVEL(0x40) | IOAPIC_RTE_POLARITY_LOW, 1, { 1 }, 1, 0, false },
        { "active-low level, pulled low", LEVEL(0x40) | IOAPIC_RTE_POLARITY_LOW, 1, { 0 }, 1, 1, true },
        { "active-low level, programmed while low", LEVEL(0x40) | IOAPIC_RTE_POLARITY_LOW, 0, { 0 },
          1, 1, true },
        { "active-high level, high", LEVEL(0x40), 0, { 1 }, 1, 1, true },
        { "active-high level, low", LEVEL(0x40), 0, { 0 }, 1, 0, false },
        { "active-high level, programmed while high", LEVEL(0x40), 1, { 1 }, 1, 1, true },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = fake_new();
        bool rirr;

        vioapic_set_irq(&f->io, 7, cases[i].idle);      /* masked: no effect */
        rte_set(f, 7, cases[i].rte);
        for (unsigned k = 0; k < cases[i].len; k++)
            vioapic_set_irq(&f->io, 7, cases[i].seq[k]);
        rirr = rte_get(f, 7) & IOAPIC_RTE_REMOTE_IRR;
        print_message("case %zu (%s): %u deliveries, remote IRR %d\n", i, cases[i].name, f->n,
                      rirr);
        if (f->n != cases[i].want || rirr != cases[i].remote_irr)
            fail_msg("case %zu (%s): %u deliveries remote IRR %d, want %u %d", i,
                     cases[i].name, f->n, rirr, cases[i].want, cases[i].remote_irr);
        free(f);
    }
}

/* ---- delivery modes ------------------------------------------------------------ */

static void test_delivery_modes(void **state)
{
    static const struct { uint64_t dm; bool delivered; } cases[] = {
        { IOAPIC_RTE_DM_FIXED, true }, { IOAPIC_RTE_DM_LOWEST, true },
        { IOAPIC_RTE_DM_SMI, false }, { IOAPIC_RTE_DM_NMI, false },
        { IOAPIC_RTE_DM_INIT, false }, { IOAPIC_RTE_DM_EXTINT, false },
        { 3ULL << 8, false }, { 6ULL << 8, false },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = fake_new();
        uint64_t rte = EDGE(0x50) | cases[i].dm | DEST(0xAB);

        rte_set(f, 0, rte);
        vioapic_set_irq(&f->io, 0, true);
        print_message("case %zu: mode %llu -> %u deliveries, %llu unsupported\n", i,
                      (unsigned long long)(cases[i].dm >> 8), f->n,
                      (unsigned long long)f->io.stats.unsupported);
        if (f->n != (cases[i].delivered ? 1u : 0u) ||
            f->io.stats.unsupported != (cases[i].delivered ? 0u : 1u))
            fail_msg("case %zu: %u deliveries, %llu unsupported", i, f->n,
                     (unsigned long long)f->io.stats.unsupported);
        if (cases[i].delivered) {
            assert_int_equal(f->d[0].vector, 0x50);
            assert_int_equal(f->d[0].dest, 0xAB);
        } else {
            assert_int_equal(f->io.stats.last_unsupported, rte);
        }
        free(f);
    }
}

static void test_bad_gsi(void **state)
{
    struct fake *f = *state;

    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
        rte_set(f, pin, EDGE(0x20 + pin));
    vioapic_set_irq(&f->io, VIOAPIC_NUM_PINS, true);
    vioapic_set_irq(&f->io, 31, true);
    vioapic_set_irq(&f->io, 1000, true);
    assert_int_equal(f->n, 0);
    vioapic_set_irq(&f->io, VIOAPIC_NUM_PINS - 1, true);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->d[0].vector, 0x20 + VIOAPIC_NUM_PINS - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_id_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_masked, setup, teardown),
        cmocka_unit_test(test_redir_program),
        cmocka_unit_test(test_edge),
        cmocka_unit_test_setup_teardown(test_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_shared_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_register_and_edge_switch, setup, teardown),
        cmocka_unit_test(test_polarity),
        cmocka_unit_test(test_delivery_modes),
        cmocka_unit_test_setup_teardown(test_bad_gsi, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
