/*
 * Host unit tests for drivers/virt/vrtc.c: the RTC runs on a fake clock the
 * tests move by hand, and its IRQ line is recorded (level and rising edges).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vrtc.h"
#include <hv/board_layout.h>

#define MS      1000000ULL
#define US      1000ULL
#define SEC     NS_PER_SEC

struct fx {
    uint64_t now;
    struct vrtc r;
    bool level;
    unsigned rises;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fx *)ctx)->now;
}

static void fake_irq(void *ctx, unsigned line, bool level)
{
    struct fx *f = ctx;

    assert_int_equal(line, BOARD_RTC_IRQ);
    if (level && !f->level)
        f->rises++;
    f->level = level;
}

static void start(struct fx *f, uint16_t y, uint8_t mon, uint8_t d, uint8_t h, uint8_t mi,
                  uint8_t s, uint64_t ram)
{
    struct vclock c = { fake_now, f };
    struct virq_line l = { fake_irq, f, BOARD_RTC_IRQ };
    struct vrtc_time t = { .year = y, .mon = mon, .mday = d, .hour = h, .min = mi, .sec = s };

    vrtc_init(&f->r, &c, &l, &t, ram);
}

static struct fx *new_fx(uint16_t y, uint8_t mon, uint8_t d, uint8_t h, uint8_t mi, uint8_t s)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    start(f, y, mon, d, h, mi, s, MiB(64));
    return f;
}

static uint8_t rd(struct fx *f, uint8_t idx)
{
    uint64_t v;

    assert_int_equal(vrtc_write(&f->r, 0, 1, idx), 0);
    assert_int_equal(vrtc_read(&f->r, 1, 1, &v), 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void wr(struct fx *f, uint8_t idx, uint8_t val)
{
    assert_int_equal(vrtc_write(&f->r, 0, 1, idx), 0);
    assert_int_equal(vrtc_write(&f->r, 1, 1, val), 0);
}

/* Check the date and time registers (in the current mode's encoding). */
static void expect_time(struct fx *f, uint8_t cent, uint8_t y, uint8_t mon, uint8_t d,
                        uint8_t h, uint8_t mi, uint8_t s)
{
    assert_int_equal(rd(f, VRTC_REG_SEC), s);
    assert_int_equal(rd(f, VRTC_REG_MIN), mi);
    assert_int_equal(rd(f, VRTC_REG_HOUR), h);
    assert_int_equal(rd(f, VRTC_REG_MDAY), d);
    assert_int_equal(rd(f, VRTC_REG_MON), mon);
    assert_int_equal(rd(f, VRTC_REG_YEAR), y);
    assert_int_equal(rd(f, VRTC_REG_CENTURY), cent);
}

/* Let the clock run to `t`, delivering events as the VM would. */
static void run_to(struct fx *f, uint64_t t)
{
    f->now = t;
    vrtc_advance(&f->r);
}

/* ---- reading the time ---- */

static void test_init_bcd(void **state)
{
    struct fx *f = new_fx(2024, 3, 15, 13, 45, 30);
    (void)state;

    expect_time(f, 0x20, 0x24, 0x03, 0x15, 0x13, 0x45, 0x30);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 6);              /* a Friday */
    assert_int_equal(rd(f, VRTC_REG_A), VRTC_A_DEFAULT);
    assert_int_equal(rd(f, VRTC_REG_B), VRTC_B_24H);
    assert_int_equal(rd(f, VRTC_REG_C), 0);
    assert_int_equal(rd(f, VRTC_REG_D), VRTC_D_VRT);
    assert_false(f->level);
    free(f);
}

static void test_binary_mode(void **state)
{
    struct fx *f = new_fx(2024, 3, 15, 13, 45, 30);
    (void)state;

    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_DM_BINARY);
    expect_time(f, 20, 24, 3, 15, 13, 45, 30);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 6);
    free(f);
}

static void test_12h_mode(void **state)
{
    struct fx *f = new_fx(2024, 3, 15, 13, 45, 30);
    (void)state;

    wr(f, VRTC_REG_B, 0);                                   /* BCD, 12-hour */
    assert_int_equal(rd(f, VRTC_REG_HOUR), VRTC_HOUR_PM | 0x01);
    wr(f, VRTC_REG_B, VRTC_B_DM_BINARY);                    /* binary, 12-hour */
    assert_int_equal(rd(f, VRTC_REG_HOUR), VRTC_HOUR_PM | 1);

    /* Midnight is 12 AM, noon 12 PM. */
    wr(f, VRTC_REG_B, VRTC_B_SET);
    wr(f, VRTC_REG_HOUR, 0x12);                             /* 12 AM (BCD) */
    wr(f, VRTC_REG_B, VRTC_B_SET | VRTC_B_24H);
    assert_int_equal(rd(f, VRTC_REG_HOUR), 0x00);
    wr(f, VRTC_REG_B, VRTC_B_SET);
    wr(f, VRTC_REG_HOUR, VRTC_HOUR_PM | 0x12);              /* 12 PM */
    wr(f, VRTC_REG_B, VRTC_B_SET | VRTC_B_24H);
    assert_int_equal(rd(f, VRTC_REG_HOUR), 0x12);
    wr(f, VRTC_REG_B, VRTC_B_SET);
    wr(f, VRTC_REG_HOUR, VRTC_HOUR_PM | 0x11);              /* 11 PM */
    wr(f, VRTC_REG_B, VRTC_B_SET | VRTC_B_24H);
    assert_int_equal(rd(f, VRTC_REG_HOUR), 0x23);
    wr(f, VRTC_REG_B, 0);
    assert_int_equal(rd(f, VRTC_REG_HOUR), VRTC_HOUR_PM | 0x11);

    /* 11:59:59 PM -> 12:00:00 AM the next day. */
    wr(f, VRTC_REG_B, VRTC_B_SET);
    wr(f, VRTC_REG_MIN, 0x59);
    wr(f, VRTC_REG_SEC, 0x59);
    wr(f, VRTC_REG_B, 0);
    run_to(f, SEC);
    assert_int_equal(rd(f, VRTC_REG_HOUR), 0x12);
    assert_int_equal(rd(f, VRTC_REG_MDAY), 0x16);
    free(f);
}

/* ---- the clock running ---- */

static void test_advance_second_minute_hour(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 58, 58);
    (void)state;

    run_to(f, SEC - 1);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x58);
    run_to(f, SEC);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x59);
    run_to(f, 2 * SEC);
    expect_time(f, 0x20, 0x24, 0x06, 0x10, 0x10, 0x59, 0x00);
    run_to(f, 62 * SEC + 500 * MS);
    expect_time(f, 0x20, 0x24, 0x06, 0x10, 0x11, 0x00, 0x00);
    free(f);
}

static void test_advance_day_month_year(void **state)
{
    struct fx *f = new_fx(2023, 12, 31, 23, 59, 59);
    (void)state;

    assert_int_equal(rd(f, VRTC_REG_WDAY), 1);              /* a Sunday */
    run_to(f, SEC);
    expect_time(f, 0x20, 0x24, 0x01, 0x01, 0x00, 0x00, 0x00);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 2);
    free(f);

    f = new_fx(2024, 4, 30, 23, 59, 59);                    /* 30-day month */
    run_to(f, SEC);
    expect_time(f, 0x20, 0x24, 0x05, 0x01, 0x00, 0x00, 0x00);
    free(f);

    f = new_fx(1999, 12, 31, 23, 59, 59);                   /* century */
    run_to(f, SEC);
    expect_time(f, 0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
    free(f);
}

static void test_leap_years(void **state)
{
    struct fx *f = new_fx(2024, 2, 28, 23, 59, 59);
    (void)state;

    run_to(f, SEC);
    expect_time(f, 0x20, 0x24, 0x02, 0x29, 0x00, 0x00, 0x00);
    run_to(f, SEC + 86400 * SEC);
    expect_time(f, 0x20, 0x24, 0x03, 0x01, 0x00, 0x00, 0x00);
    free(f);

    f = new_fx(2023, 2, 28, 23, 59, 59);
    run_to(f, SEC);
    expect_time(f, 0x20, 0x23, 0x03, 0x01, 0x00, 0x00, 0x00);
    free(f);

    f = new_fx(2000, 2, 28, 23, 59, 59);                    /* divisible by 400 */
    run_to(f, SEC);
    assert_int_equal(rd(f, VRTC_REG_MDAY), 0x29);
    free(f);

    f = new_fx(2100, 2, 28, 23, 59, 59);                    /* divisible by 100 */
    run_to(f, SEC);
    expect_time(f, 0x21, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00);
    free(f);
}

static void test_long_gap(void **state)
{
    struct fx *f = new_fx(2024, 1, 1, 0, 0, 0);
    (void)state;

    /* 400 days and 3 h 2 min 1 s later, without anything in between. */
    f->now = (400ULL * 86400 + 3 * 3600 + 2 * 60 + 1) * SEC;
    expect_time(f, 0x20, 0x25, 0x02, 0x04, 0x03, 0x02, 0x01);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 3);              /* 2025-02-04: Tuesday */
    free(f);
}

static void test_init_normalises(void **state)
{
    struct fx *f = new_fx(2023, 2, 29, 24, 0, 0);           /* = 2023-03-02 00:00 */
    (void)state;

    expect_time(f, 0x20, 0x23, 0x03, 0x02, 0x00, 0x00, 0x00);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 5);              /* Thursday */
    free(f);
}

static void test_uip_before_update(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    f->now = SEC - 300 * US;
    assert_false(rd(f, VRTC_REG_A) & VRTC_A_UIP);
    f->now = SEC - 100 * US;
    assert_true(rd(f, VRTC_REG_A) & VRTC_A_UIP);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x00);            /* not updated yet */
    f->now = SEC;
    assert_false(rd(f, VRTC_REG_A) & VRTC_A_UIP);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x01);
    f->now = 5 * SEC - 1;
    assert_true(rd(f, VRTC_REG_A) & VRTC_A_UIP);
    /* Writes cannot set UIP; with SET, no update is coming. */
    wr(f, VRTC_REG_A, VRTC_A_DEFAULT | VRTC_A_UIP);
    f->now = 6 * SEC - 1;
    assert_int_equal(rd(f, VRTC_REG_A), VRTC_A_DEFAULT | VRTC_A_UIP);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_SET);
    assert_int_equal(rd(f, VRTC_REG_A), VRTC_A_DEFAULT);
    free(f);
}

/* ---- setting the time ---- */

static void test_set_freezes_and_writes(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    run_to(f, 500 * MS);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE | VRTC_B_SET);
    assert_int_equal(rd(f, VRTC_REG_B), VRTC_B_24H | VRTC_B_SET);   /* SET clears UIE */
    run_to(f, 10 * SEC + 500 * MS);
    expect_time(f, 0x20, 0x24, 0x06, 0x10, 0x10, 0x00, 0x00);      /* frozen */
    assert_int_equal(vrtc_next_event(&f->r), VCLOCK_NEVER);

    /* Set 2030-01-31 08:30:15, writing the day before the month, so for a
     * moment the registers say 31 June: that must not be "corrected". */
    wr(f, VRTC_REG_SEC, 0x15);
    wr(f, VRTC_REG_MIN, 0x30);
    wr(f, VRTC_REG_HOUR, 0x08);
    wr(f, VRTC_REG_MDAY, 0x31);
    assert_int_equal(rd(f, VRTC_REG_MDAY), 0x31);
    wr(f, VRTC_REG_MON, 0x01);
    wr(f, VRTC_REG_YEAR, 0x30);
    wr(f, VRTC_REG_CENTURY, 0x20);
    wr(f, VRTC_REG_WDAY, 0x05);
    run_to(f, 20 * SEC + 700 * MS);
    expect_time(f, 0x20, 0x30, 0x01, 0x31, 0x08, 0x30, 0x15);

    /* Clearing SET restarts the clock; the divider kept its phase, so the
     * next update is at the next whole second (21 s), not 1 s from now. */
    wr(f, VRTC_REG_B, VRTC_B_24H);
    run_to(f, 21 * SEC - 1);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x15);
    run_to(f, 21 * SEC);
    expect_time(f, 0x20, 0x30, 0x01, 0x31, 0x08, 0x30, 0x16);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 5);

    /* 2030-01-31 is a Thursday (5), so the weekday rolls on from there. */
    run_to(f, 21 * SEC + 86400 * SEC);
    assert_int_equal(rd(f, VRTC_REG_WDAY), 6);
    assert_int_equal(rd(f, VRTC_REG_MDAY), 0x01);
    assert_int_equal(rd(f, VRTC_REG_MON), 0x02);
    free(f);
}

static void test_write_while_running(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    run_to(f, 300 * MS);
    wr(f, VRTC_REG_MIN, 0x42);
    assert_int_equal(rd(f, VRTC_REG_MIN), 0x42);
    run_to(f, SEC);
    expect_time(f, 0x20, 0x24, 0x06, 0x10, 0x10, 0x42, 0x01);
    free(f);
}

static void test_divider_reset(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE | VRTC_B_UIE);
    wr(f, VRTC_REG_A, VRTC_A_DV_RESET | 0x06);
    assert_int_equal(vrtc_next_event(&f->r), VCLOCK_NEVER);
    run_to(f, 5 * SEC + 200 * MS);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x00);
    assert_int_equal(rd(f, VRTC_REG_C), 0);
    assert_int_equal(f->rises, 0);

    /* Out of reset: the first update comes half a second later. */
    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ);                     /* RS = 0: no periodic */
    assert_int_equal(vrtc_next_event(&f->r), 5 * SEC + 700 * MS);
    run_to(f, 5 * SEC + 700 * MS - 1);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x00);
    run_to(f, 5 * SEC + 700 * MS);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x01);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_IRQF | VRTC_C_UF);
    free(f);
}

/* ---- flags and interrupts ---- */

static void test_reg_c_clear_on_read(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    /* Flags latch even with their interrupts disabled; IRQF does not. */
    run_to(f, SEC);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_PF | VRTC_C_UF);
    assert_int_equal(rd(f, VRTC_REG_C), 0);
    wr(f, VRTC_REG_C, 0xFF);                                /* read-only */
    wr(f, VRTC_REG_D, 0x00);
    assert_int_equal(rd(f, VRTC_REG_C), 0);
    assert_int_equal(rd(f, VRTC_REG_D), VRTC_D_VRT);

    /* Enabling an interrupt whose flag is already set fires at once. */
    run_to(f, 2 * SEC);
    assert_false(f->level);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE);
    assert_true(f->level);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_IRQF | VRTC_C_PF | VRTC_C_UF);
    assert_false(f->level);
    free(f);
}

/* Step through `secs` seconds of events, acknowledging each one like an
 * interrupt handler (register C must hold at least `must`); returns the
 * number of interrupts and the shortest and longest gap between them. */
static unsigned count_irqs(struct fx *f, uint64_t secs, uint8_t must, uint64_t *min_gap,
                           uint64_t *max_gap)
{
    uint64_t end = f->now + secs * SEC, prev = f->now;
    unsigned n = 0;

    *min_gap = UINT64_MAX;
    *max_gap = 0;
    for (;;) {
        uint64_t ev = vrtc_next_event(&f->r);

        assert_true(ev > f->now);
        if (ev > end)
            break;
        run_to(f, ev - 1);
        assert_false(f->level);                             /* not a ns early */
        run_to(f, ev);
        assert_true(f->level);
        assert_int_equal(rd(f, VRTC_REG_C) & must, must);
        assert_false(f->level);
        *min_gap = MIN(*min_gap, ev - prev);
        *max_gap = MAX(*max_gap, ev - prev);
        prev = ev;
        n++;
    }
    return n;
}

static void test_periodic_1024hz(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    uint64_t lo, hi;
    (void)state;

    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ | 6);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE);
    assert_int_equal(vrtc_next_event(&f->r), 976563);       /* 1/1024 s, rounded up */
    assert_int_equal(count_irqs(f, 1, VRTC_C_IRQF | VRTC_C_PF, &lo, &hi), 1024);
    assert_int_equal(lo, 976562);                           /* 976562.5 ns on average */
    assert_int_equal(hi, 976563);
    assert_int_equal(f->rises, 1024);
    assert_int_equal(count_irqs(f, 3, VRTC_C_IRQF | VRTC_C_PF, &lo, &hi), 3 * 1024);
    free(f);
}

static void test_periodic_2hz(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    uint64_t lo, hi;
    (void)state;

    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ | 15);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE);
    assert_int_equal(vrtc_next_event(&f->r), 500 * MS);
    assert_int_equal(count_irqs(f, 10, VRTC_C_IRQF | VRTC_C_PF, &lo, &hi), 20);
    assert_int_equal(lo, 500 * MS);
    assert_int_equal(hi, 500 * MS);
    free(f);
}

static void test_periodic_off(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ);                     /* RS = 0 */
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE);
    assert_int_equal(vrtc_next_event(&f->r), VCLOCK_NEVER);
    run_to(f, 3 * SEC);
    assert_int_equal(f->rises, 0);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_UF);
    free(f);
}

static void test_update_ended_interrupt(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    uint64_t lo, hi;
    (void)state;

    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ);                     /* no PF noise */
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE);
    assert_int_equal(vrtc_next_event(&f->r), SEC);
    assert_int_equal(count_irqs(f, 5, VRTC_C_IRQF | VRTC_C_UF, &lo, &hi), 5);
    assert_int_equal(lo, SEC);
    assert_int_equal(hi, SEC);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x05);
    assert_int_equal(f->rises, 5);
    free(f);
}

static void test_coalesced_gap(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE | VRTC_B_UIE);
    run_to(f, 10 * SEC + 1);
    assert_int_equal(f->rises, 1);                           /* one, not 10240 */
    assert_true(f->level);
    assert_int_equal(vrtc_next_event(&f->r), VCLOCK_NEVER);  /* held until C is read */
    run_to(f, 20 * SEC);
    assert_int_equal(f->rises, 1);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_IRQF | VRTC_C_PF | VRTC_C_UF);
    assert_false(f->level);
    assert_int_equal(rd(f, VRTC_REG_SEC), 0x20);
    assert_true(vrtc_next_event(&f->r) > 20 * SEC);
    assert_true(vrtc_next_event(&f->r) <= 20 * SEC + 976563);
    free(f);
}

static void test_alarm(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    (void)state;

    wr(f, VRTC_REG_A, VRTC_A_DV_32KHZ);
    wr(f, VRTC_REG_SEC_ALARM, 0x03);
    wr(f, VRTC_REG_MIN_ALARM, 0x00);
    wr(f, VRTC_REG_HOUR_ALARM, 0x10);
    wr(f, VRTC_REG_B, VRTC_B_24H | VRTC_B_AIE);
    run_to(f, 2 * SEC);
    assert_false(f->level);
    run_to(f, 3 * SEC);
    assert_true(f->level);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);

    /* "Don't care" in all three bytes: every second. */
    wr(f, VRTC_REG_SEC_ALARM, VRTC_ALARM_DONT_CARE);
    wr(f, VRTC_REG_MIN_ALARM, VRTC_ALARM_DONT_CARE);
    wr(f, VRTC_REG_HOUR_ALARM, VRTC_ALARM_DONT_CARE);
    run_to(f, 4 * SEC);
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);

    /* A match inside a long gap still counts: 10:00:30 lies in 5 s..60 s. */
    wr(f, VRTC_REG_SEC_ALARM, 0x30);
    wr(f, VRTC_REG_MIN_ALARM, 0x00);
    wr(f, VRTC_REG_HOUR_ALARM, 0x10);
    wr(f, VRTC_REG_B, VRTC_B_24H);
    f->now = 60 * SEC;
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_AF | VRTC_C_UF);
    f->now = 90 * SEC;                                       /* 10:00:31..10:01:30: none */
    assert_int_equal(rd(f, VRTC_REG_C), VRTC_C_UF);
    free(f);
}

/* ---- CMOS RAM and ports ---- */

static void test_cmos_ram_preload(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);            /* 64 MiB */
    unsigned sum = 0;
    (void)state;

    assert_int_equal(rd(f, VRTC_CMOS_FLOPPY), 0);
    assert_int_equal(rd(f, VRTC_CMOS_EQUIPMENT), VRTC_EQUIP_FPU);
    assert_int_equal(rd(f, VRTC_CMOS_BASE_LO) | rd(f, VRTC_CMOS_BASE_HI) << 8, 640);
    assert_int_equal(rd(f, VRTC_CMOS_EXT_LO) | rd(f, VRTC_CMOS_EXT_HI) << 8, 63 * 1024);
    assert_int_equal(rd(f, VRTC_CMOS_EXT2_LO) | rd(f, VRTC_CMOS_EXT2_HI) << 8, 63 * 1024);
    assert_int_equal(rd(f, VRTC_CMOS_HIGH_LO) | rd(f, VRTC_CMOS_HIGH_HI) << 8, 48 * 16);
    for (unsigned i = VRTC_CMOS_CSUM_FIRST; i <= VRTC_CMOS_CSUM_LAST; i++)
        sum += rd(f, (uint8_t)i);
    assert_int_equal(rd(f, VRTC_CMOS_CSUM_HI) << 8 | rd(f, VRTC_CMOS_CSUM_LO), sum);

    /* 8 GiB: both counts saturate. */
    start(f, 2024, 6, 10, 10, 0, 0, GiB(8));
    assert_int_equal(rd(f, VRTC_CMOS_EXT_LO) | rd(f, VRTC_CMOS_EXT_HI) << 8, 0xFFFF);
    assert_int_equal(rd(f, VRTC_CMOS_HIGH_LO) | rd(f, VRTC_CMOS_HIGH_HI) << 8, 0xFFFF);
    /* 512 KiB: less than 640 KiB of base memory, nothing above. */
    start(f, 2024, 6, 10, 10, 0, 0, KiB(512));
    assert_int_equal(rd(f, VRTC_CMOS_BASE_LO) | rd(f, VRTC_CMOS_BASE_HI) << 8, 512);
    assert_int_equal(rd(f, VRTC_CMOS_EXT_LO) | rd(f, VRTC_CMOS_EXT_HI) << 8, 0);
    free(f);
}

static void test_cmos_ram_and_ports(void **state)
{
    struct fx *f = new_fx(2024, 6, 10, 10, 0, 0);
    uint64_t v;
    (void)state;

    wr(f, 0x40, 0xA5);
    wr(f, 0x7F, 0x5A);
    assert_int_equal(rd(f, 0x40), 0xA5);
    assert_int_equal(rd(f, 0x7F), 0x5A);
    /* NMI-disable bit in the index is ignored. */
    wr(f, VRTC_INDEX_NMI_DIS | 0x41, 0x77);
    assert_int_equal(rd(f, 0x41), 0x77);
    assert_int_equal(rd(f, VRTC_INDEX_NMI_DIS | 0x40), 0xA5);
    /* The index port is write-only. */
    assert_int_equal(vrtc_read(&f->r, 0, 1, &v), 0);
    assert_int_equal(v, 0xFF);
    /* A 16-bit OUT to 0x70 writes index then data, an IN reads 0xFF + data. */
    assert_int_equal(vrtc_write(&f->r, 0, 2, 0x3342), 0);
    assert_int_equal(rd(f, 0x42), 0x33);
    assert_int_equal(vrtc_write(&f->r, 0, 1, 0x42), 0);
    assert_int_equal(vrtc_read(&f->r, 0, 2, &v), 0);
    assert_int_equal(v, 0x33FF);
    /* Alarm bytes are plain storage. */
    wr(f, VRTC_REG_SEC_ALARM, 0x12);
    assert_int_equal(rd(f, VRTC_REG_SEC_ALARM), 0x12);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_bcd),
        cmocka_unit_test(test_binary_mode),
        cmocka_unit_test(test_12h_mode),
        cmocka_unit_test(test_advance_second_minute_hour),
        cmocka_unit_test(test_advance_day_month_year),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_long_gap),
        cmocka_unit_test(test_init_normalises),
        cmocka_unit_test(test_uip_before_update),
        cmocka_unit_test(test_set_freezes_and_writes),
        cmocka_unit_test(test_write_while_running),
        cmocka_unit_test(test_divider_reset),
        cmocka_unit_test(test_reg_c_clear_on_read),
        cmocka_unit_test(test_periodic_1024hz),
        cmocka_unit_test(test_periodic_2hz),
        cmocka_unit_test(test_periodic_off),
        cmocka_unit_test(test_update_ended_interrupt),
        cmocka_unit_test(test_coalesced_gap),
        cmocka_unit_test(test_alarm),
        cmocka_unit_test(test_cmos_ram_preload),
        cmocka_unit_test(test_cmos_ram_and_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
