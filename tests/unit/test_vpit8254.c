/*
 * Host unit tests for drivers/virt/vpit8254.c with a settable clock. The
 * expected times are computed here independently with 128-bit arithmetic:
 * counter tick k after a start at t0 happens at t0 + ceil(k * 10^9 / F).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vpit8254.h"

#define F       1193182ULL
#define CH0     0x40
#define CH1     0x41
#define CH2     0x42
#define CTRL    0x43
#define PORT61  0x61

/* ---- fixture: clock, IRQ recorder, PIT ---------------------------------------- */

struct fixture {
    uint64_t now;
    unsigned pulses;        /* completed 1 -> 0 pulses on IRQ 0 */
    unsigned sets;
    bool level;
    bool bad;               /* a set(0) without set(1), or wrong line */
    struct vpit8254 pit;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fixture *)ctx)->now;
}

static void irq_set(void *ctx, unsigned line, bool level)
{
    struct fixture *fx = ctx;

    fx->sets++;
    if (line != 0 || level == fx->level)
        fx->bad = true;
    if (fx->level && !level)
        fx->pulses++;
    fx->level = level;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct vclock clk;
    struct virq_line irq0;

    if (!fx)
        return -1;
    fx->now = 1000;                 /* a start time that is not 0 */
    clk = (struct vclock){ .now_ns = fake_now, .ctx = fx };
    irq0 = (struct virq_line){ .set = irq_set, .ctx = fx, .line = 0 };
    vpit8254_init(&fx->pit, &clk, &irq0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    assert_false(fx->bad);
    assert_false(fx->level);        /* every pulse went back down */
    free(fx);
    return 0;
}

static uint64_t tick_ns(uint64_t k)
{
    unsigned __int128 n = (unsigned __int128)k * 1000000000ULL;
    return (uint64_t)((n + F - 1) / F);
}

static void outb(struct fixture *fx, uint16_t port, uint8_t v)
{
    int rc = port == PORT61 ? vpit8254_port61_write(&fx->pit, 0, 1, v)
                            : vpit8254_write(&fx->pit, port - CH0, 1, v);
    assert_int_equal(rc, 0);
}

static uint8_t inb(struct fixture *fx, uint16_t port)
{
    uint64_t v = 0xDEAD;
    int rc = port == PORT61 ? vpit8254_port61_read(&fx->pit, 0, 1, &v)
                            : vpit8254_read(&fx->pit, port - CH0, 1, &v);
    assert_int_equal(rc, 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

/* Program channel `ch` (0-2): control word with lo/hi access, then count. */
static void program(struct fixture *fx, unsigned ch, unsigned mode, unsigned count)
{
    outb(fx, CTRL, (uint8_t)((ch << 6) | (PIT_RW_LSB_MSB << 4) | (mode << 1)));
    outb(fx, (uint16_t)(CH0 + ch), (uint8_t)count);
    outb(fx, (uint16_t)(CH0 + ch), (uint8_t)(count >> 8));
}

/* Counter latch command, then read LSB and MSB. */
static unsigned latch_read(struct fixture *fx, unsigned ch)
{
    outb(fx, CTRL, (uint8_t)(ch << 6));
    unsigned lo = inb(fx, (uint16_t)(CH0 + ch));
    return lo | (unsigned)inb(fx, (uint16_t)(CH0 + ch)) << 8;
}

/* Read-back status of one channel. */
static uint8_t status(struct fixture *fx, unsigned ch)
{
    outb(fx, CTRL, (uint8_t)(0xC0 | PIT_RB_NO_COUNT | PIT_RB_CH(ch)));
    return inb(fx, (uint16_t)(CH0 + ch));
}

static bool out(struct fixture *fx, unsigned ch)
{
    return status(fx, ch) & PIT_STATUS_OUT;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_idle_after_init(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);
    fx->now += 10 * NS_PER_SEC;
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->sets, 0);
    /* Unprogrammed: mode 0, lo/hi, null count, OUT low. */
    assert_int_equal(status(fx, 0), PIT_STATUS_NULL | (PIT_RW_LSB_MSB << 4));
    assert_int_equal(inb(fx, CTRL), 0xFF);
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
}

static void test_mode2_100hz(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;
    const unsigned n = 11932;       /* 1193182 / 100, rounded */

    program(fx, 0, PIT_MODE_RATE, n);
    assert_int_equal(status(fx, 0), PIT_STATUS_OUT | (PIT_RW_LSB_MSB << 4) | (2 << 1));
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(n));
    assert_int_equal(tick_ns(n), 10000151);      /* 11932 ticks = 10.000151 ms */

    for (unsigned k = 1; k <= 100; k++) {
        uint64_t edge = t0 + tick_ns((uint64_t)k * n);

        assert_int_equal(vpit8254_next_event(&fx->pit), edge);
        fx->now = edge - 1;
        vpit8254_advance(&fx->pit);
        assert_int_equal(fx->pulses, k - 1);
        /* One tick before the edge: count 1, OUT low. */
        assert_int_equal(latch_read(fx, 0), 1);
        assert_false(out(fx, 0));
        fx->now = edge;
        vpit8254_advance(&fx->pit);
        assert_int_equal(fx->pulses, k);
        /* At the edge: reloaded, OUT high again. */
        assert_int_equal(latch_read(fx, 0), n);
        assert_true(out(fx, 0));
        vpit8254_advance(&fx->pit);             /* nothing new */
        assert_int_equal(fx->pulses, k);
    }
    /* Mid-period value. */
    fx->now = t0 + tick_ns(100ULL * n + 5000);
    assert_int_equal(latch_read(fx, 0), n - 5000);
}

static void test_mode3_square_wave(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_SQUARE, 1000);
    assert_true(out(fx, 0));
    assert_int_equal(latch_read(fx, 0), 1000);
    /* High for 500 ticks, low for 500, edge at 1000. */
    fx->now = t0 + tick_ns(499);
    assert_true(out(fx, 0));
    assert_int_equal(latch_read(fx, 0), 2);     /* decrements by two */
    fx->now = t0 + tick_ns(500);
    assert_false(out(fx, 0));
    assert_int_equal(latch_read(fx, 0), 1000);  /* reloaded for the low half */
    fx->now = t0 + tick_ns(750);
    assert_int_equal(latch_read(fx, 0), 500);
    fx->now = t0 + tick_ns(999);
    assert_false(out(fx, 0));
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 0);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(1000));
    fx->now = t0 + tick_ns(1000);
    assert_true(out(fx, 0));
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(2000));

    /* Odd count 5: high 3 ticks, low 2. */
    t0 = fx->now;
    program(fx, 0, PIT_MODE_SQUARE, 5);
    static const bool wave[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1 };
    for (unsigned k = 0; k < sizeof(wave); k++) {
        fx->now = t0 + tick_ns(k);
        assert_int_equal(out(fx, 0), wave[k]);
    }
}

static void test_mode0_oneshot(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    outb(fx, CTRL, 0x30);                       /* ch0, lo/hi, mode 0 */
    assert_false(out(fx, 0));                   /* OUT low after the control word */
    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);
    outb(fx, CH0, 1000 & 0xFF);
    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);   /* no count yet */
    outb(fx, CH0, 1000 >> 8);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(1000));
    assert_int_equal(status(fx, 0), (PIT_RW_LSB_MSB << 4));          /* OUT low, loaded */

    fx->now = t0 + tick_ns(1000) - 1;
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 0);
    assert_false(out(fx, 0));
    assert_int_equal(latch_read(fx, 0), 1);
    fx->now = t0 + tick_ns(1000);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    assert_true(out(fx, 0));
    assert_int_equal(latch_read(fx, 0), 0);
    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);
    /* The count keeps going down past zero; OUT stays high, no more edges. */
    fx->now = t0 + tick_ns(1003);
    assert_int_equal(latch_read(fx, 0), 0xFFFD);
    fx->now += 10 * NS_PER_SEC;
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    assert_true(out(fx, 0));

    /* Linux's one-shot: a new count without a control word restarts it. */
    t0 = fx->now;
    outb(fx, CH0, 200);
    assert_false(out(fx, 0));                   /* first byte drops OUT */
    outb(fx, CH0, 0);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(200));
    fx->now = t0 + tick_ns(200);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 2);
}

static void test_latch_holds_value(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_RATE, 11932);
    fx->now = t0 + tick_ns(1234);
    outb(fx, CTRL, 0x00);                       /* latch ch0 */
    fx->now = t0 + tick_ns(5000);
    outb(fx, CTRL, 0x00);                       /* second latch: ignored */
    assert_int_equal(inb(fx, CH0), (11932 - 1234) & 0xFF);
    fx->now = t0 + tick_ns(7000);
    assert_int_equal(inb(fx, CH0), (11932 - 1234) >> 8);
    /* Latch released: reads follow the counter again. */
    unsigned lo = inb(fx, CH0);
    unsigned hi = inb(fx, CH0);
    assert_int_equal(lo | hi << 8, 11932 - 7000);

    /* A latched count survives a period rollover and the live lo/hi order. */
    fx->now = t0 + tick_ns(11000);
    outb(fx, CTRL, 0x00);
    fx->now = t0 + tick_ns(11932 + 100);
    lo = inb(fx, CH0);
    hi = inb(fx, CH0);
    assert_int_equal(lo | hi << 8, 932);
    assert_int_equal(latch_read(fx, 0), 11932 - 100);

    /* LSB-only and MSB-only latched reads release after one byte. */
    outb(fx, CTRL, 0x14);                       /* ch0 LSB, mode 2 */
    outb(fx, CH0, 200);
    t0 = fx->now;
    fx->now = t0 + tick_ns(50);
    outb(fx, CTRL, 0x00);
    fx->now = t0 + tick_ns(60);
    assert_int_equal(inb(fx, CH0), 150);
    assert_int_equal(inb(fx, CH0), 140);
}

static void test_readback_status(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    /* After the control word only: null count set. */
    outb(fx, CTRL, 0xB6);                       /* ch2, lo/hi, mode 3 */
    assert_int_equal(status(fx, 2), PIT_STATUS_OUT | PIT_STATUS_NULL | 0x36);
    outb(fx, PORT61, PORT61_GATE2);
    outb(fx, CH2, 0x00);
    assert_int_equal(status(fx, 2), PIT_STATUS_OUT | PIT_STATUS_NULL | 0x36);  /* half a count */
    outb(fx, CH2, 0x10);                        /* 4096 */
    assert_int_equal(status(fx, 2), PIT_STATUS_OUT | 0x36);

    program(fx, 0, PIT_MODE_INT_ON_TC, 3000);
    fx->now = t0 + tick_ns(1000);
    /* Read-back of count and status of ch0 and ch2 at once. */
    outb(fx, CTRL, 0xC0 | PIT_RB_CH(0) | PIT_RB_CH(2));
    fx->now = t0 + tick_ns(1500);
    assert_int_equal(inb(fx, CH0), 0x30);       /* status first: OUT low, lo/hi, mode 0 */
    assert_int_equal(inb(fx, CH0), 2000 & 0xFF);
    assert_int_equal(inb(fx, CH0), 2000 >> 8);
    assert_int_equal(inb(fx, CH2), PIT_STATUS_OUT | 0x36);  /* first half of the wave */
    unsigned v2 = inb(fx, CH2);
    v2 |= (unsigned)inb(fx, CH2) << 8;
    assert_int_equal(v2, 4096 - 2 * 1000);
    /* Count-only read-back, then status after terminal count. */
    outb(fx, CTRL, 0xC0 | PIT_RB_NO_STATUS | PIT_RB_CH(0));
    fx->now = t0 + tick_ns(3000);
    assert_int_equal(inb(fx, CH0), 1500 & 0xFF);
    assert_int_equal(inb(fx, CH0), 1500 >> 8);
    assert_int_equal(status(fx, 0), PIT_STATUS_OUT | 0x30);
    /* Status latched twice before reading: the first one stays. */
    outb(fx, CTRL, 0xC0 | PIT_RB_NO_COUNT | PIT_RB_CH(1));
    outb(fx, CTRL, 0x72);                       /* ch1 new mode 1 */
    assert_int_equal(status(fx, 1), PIT_STATUS_OUT | PIT_STATUS_NULL | 0x32);
}

static void test_byte_access_modes(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    /* MSB only: count = 0x1200. */
    outb(fx, CTRL, 0x24);                       /* ch0, MSB, mode 2 */
    outb(fx, CH0, 0x12);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(0x1200));
    fx->now = t0 + tick_ns(0x100);
    assert_int_equal(inb(fx, CH0), 0x11);       /* MSB of 0x1100 */
    /* LSB only: count = 0x34. */
    t0 = fx->now;
    outb(fx, CTRL, 0x14);
    outb(fx, CH0, 0x34);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(0x34));
    assert_int_equal(inb(fx, CH0), 0x34);
    /* LSB then MSB, and unlatched reads alternate the same way. */
    t0 = fx->now;
    outb(fx, CTRL, 0x34);
    outb(fx, CH0, 0x78);
    outb(fx, CH0, 0x56);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(0x5678));
    assert_int_equal(inb(fx, CH0), 0x78);
    assert_int_equal(inb(fx, CH0), 0x56);
    fx->now = t0 + tick_ns(0x100);
    assert_int_equal(inb(fx, CH0), 0x78);
    assert_int_equal(inb(fx, CH0), 0x55);
    /* A 16-bit access to port 0x40 reads 0x40 then 0x41. */
    uint64_t v;
    assert_int_equal(vpit8254_read(&fx->pit, 3, 2, &v), 0);
    assert_int_equal(v, 0xFFFF);                /* control port, then past the end */
}

static void test_count0_is_65536(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_RATE, 0);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(65536));
    assert_int_equal(latch_read(fx, 0), 0);
    fx->now = t0 + tick_ns(1);
    assert_int_equal(latch_read(fx, 0), 0xFFFF);
    fx->now = t0 + tick_ns(65536);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(2 * 65536));
    /* Mode 0 as well. */
    t0 = fx->now;
    program(fx, 0, PIT_MODE_INT_ON_TC, 0);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(65536));
}

static void test_ch2_linux_tsc_calibration(void **state)
{
    struct fixture *fx = *state;
    const unsigned latch = 1193182 / 100;       /* 10 ms */
    uint8_t v;

    /* Linux pit_calibrate_tsc(): gate high, speaker off, mode 0, lo/hi. */
    outb(fx, PORT61, (uint8_t)((inb(fx, PORT61) & ~PORT61_SPEAKER) | PORT61_GATE2));
    outb(fx, CTRL, 0xB0);
    outb(fx, CH2, latch & 0xFF);
    fx->now += 700;                             /* the MSB comes a little later */
    uint64_t t0 = fx->now;
    outb(fx, CH2, latch >> 8);

    v = inb(fx, PORT61);
    assert_int_equal(v & PORT61_OUT2, 0);
    assert_int_equal(v & PORT61_GATE2, PORT61_GATE2);
    fx->now = t0 + tick_ns(latch) - 1;
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
    fx->now = t0 + tick_ns(latch);
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, PORT61_OUT2);
    fx->now += NS_PER_SEC;
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, PORT61_OUT2);
    /* Channel 2 never raises IRQ 0. */
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->sets, 0);

    /* The hypervisor's own sequence: gate low, program, gate high starts it. */
    outb(fx, PORT61, 0);
    outb(fx, CTRL, 0xB0);
    outb(fx, CH2, latch & 0xFF);
    outb(fx, CH2, latch >> 8);
    fx->now += NS_PER_SEC;                      /* gate low: no counting */
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
    assert_int_equal(latch_read(fx, 2), latch);
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    fx->now = t0 + tick_ns(latch) - 1;
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
    fx->now = t0 + tick_ns(latch);
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, PORT61_OUT2);

    /* Gate low in mode 0 suspends the count; high resumes it. */
    t0 = fx->now;
    outb(fx, CH2, 100);
    outb(fx, CH2, 0);
    fx->now = t0 + tick_ns(40);
    outb(fx, PORT61, 0);
    fx->now += NS_PER_SEC;
    assert_int_equal(latch_read(fx, 2), 60);
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    fx->now = t0 + tick_ns(60) - 1;
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, 0);
    fx->now = t0 + tick_ns(60);
    assert_int_equal(inb(fx, PORT61) & PORT61_OUT2, PORT61_OUT2);
}

static void test_port61_bits(void **state)
{
    struct fixture *fx = *state;

    uint8_t a = inb(fx, PORT61), b = inb(fx, PORT61), c = inb(fx, PORT61);
    assert_int_not_equal(a & PORT61_REFRESH, b & PORT61_REFRESH);   /* toggles per read */
    assert_int_not_equal(b & PORT61_REFRESH, c & PORT61_REFRESH);
    outb(fx, PORT61, 0xFF);
    assert_int_equal(inb(fx, PORT61) & ~(PORT61_REFRESH | PORT61_OUT2), 0x0F);
    outb(fx, PORT61, 0x02);
    assert_int_equal(inb(fx, PORT61) & ~(PORT61_REFRESH | PORT61_OUT2), 0x02);
}

static void test_long_gap_one_edge(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;
    const unsigned n = 11932;

    program(fx, 0, PIT_MODE_RATE, n);
    fx->now = t0 + 10 * NS_PER_SEC;
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);            /* ~1000 periods: one edge */
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    /* The schedule continues with the period after now, same phase. */
    uint64_t k = (uint64_t)((unsigned __int128)(10 * NS_PER_SEC) * F / NS_PER_SEC) / n + 1;
    uint64_t next = t0 + tick_ns(k * n);
    assert_true(next > fx->now);
    assert_true(next - fx->now <= tick_ns(n));
    assert_int_equal(vpit8254_next_event(&fx->pit), next);
    fx->now = next;
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 2);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns((k + 1) * n));
    assert_int_equal(fx->sets, 4);              /* each edge a 1 then a 0 */
}

static void test_mode2_new_count_at_period_end(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_RATE, 1000);
    fx->now = t0 + tick_ns(300);
    outb(fx, CH0, 500 & 0xFF);                  /* no control word */
    outb(fx, CH0, 500 >> 8);
    assert_int_equal(status(fx, 0) & PIT_STATUS_NULL, PIT_STATUS_NULL);
    /* The current period runs out with the old count... */
    assert_int_equal(latch_read(fx, 0), 700);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(1000));
    fx->now = t0 + tick_ns(1000);
    assert_int_equal(status(fx, 0) & PIT_STATUS_NULL, 0);
    assert_int_equal(latch_read(fx, 0), 500);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    /* ... then 500-tick periods, on the same tick grid (no rounding drift). */
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(1500));
    fx->now = t0 + tick_ns(1499);
    assert_false(out(fx, 0));
    fx->now = t0 + tick_ns(1500);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 2);

    /* Reads alone at the reload instant must not lose its edge. */
    t0 = fx->now;
    program(fx, 0, PIT_MODE_RATE, 1000);
    fx->now = t0 + tick_ns(10);
    outb(fx, CH0, 0x10);
    outb(fx, CH0, 0x00);                        /* 16 from the next period */
    fx->now = t0 + tick_ns(1005);
    assert_int_equal(latch_read(fx, 0), 11);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 3);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(1016));
}

static void test_reprogram_delivers_due_edge(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_INT_ON_TC, 100);
    fx->now = t0 + tick_ns(150);                /* expired, not yet advanced */
    outb(fx, CTRL, 0x30);
    assert_int_equal(fx->pulses, 1);
    outb(fx, CH0, 100);
    outb(fx, CH0, 0);
    fx->now += tick_ns(99);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    /* Reprogramming before expiry delivers nothing. */
    outb(fx, CTRL, 0x34);
    assert_int_equal(fx->pulses, 1);
    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);
}

static void test_gate_modes(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0;

    /* Mode 2 on ch2: gate low forces OUT high and stops; high reloads. */
    outb(fx, PORT61, PORT61_GATE2);
    t0 = fx->now;
    program(fx, 2, PIT_MODE_RATE, 100);
    fx->now = t0 + tick_ns(99);
    assert_false(out(fx, 2));
    outb(fx, PORT61, 0);
    assert_true(out(fx, 2));
    fx->now += NS_PER_SEC;
    assert_int_equal(latch_read(fx, 2), 1);
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    assert_int_equal(latch_read(fx, 2), 100);
    fx->now = t0 + tick_ns(99);
    assert_false(out(fx, 2));

    /* Mode 1: waits for a gate edge, OUT low for the count. */
    outb(fx, PORT61, 0);
    program(fx, 2, PIT_MODE_ONESHOT, 50);
    assert_true(out(fx, 2));
    assert_int_equal(status(fx, 2) & PIT_STATUS_NULL, PIT_STATUS_NULL);
    fx->now += NS_PER_SEC;
    assert_true(out(fx, 2));
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    assert_int_equal(status(fx, 2), 0x32);      /* OUT low, loaded, mode 1 */
    fx->now = t0 + tick_ns(49);
    assert_false(out(fx, 2));
    fx->now = t0 + tick_ns(50);
    assert_true(out(fx, 2));
    /* Retrigger. */
    outb(fx, PORT61, 0);
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    assert_false(out(fx, 2));
    fx->now = t0 + tick_ns(50);
    assert_true(out(fx, 2));

    /* Mode 4: a one-tick low strobe at the terminal count. */
    t0 = fx->now;
    program(fx, 2, PIT_MODE_SW_STROBE, 20);
    assert_true(out(fx, 2));
    fx->now = t0 + tick_ns(19);
    assert_true(out(fx, 2));
    fx->now = t0 + tick_ns(20);
    assert_false(out(fx, 2));
    fx->now = t0 + tick_ns(21);
    assert_true(out(fx, 2));

    /* Mode 5: the same, triggered by the gate. */
    outb(fx, PORT61, 0);
    program(fx, 2, PIT_MODE_HW_STROBE, 20);
    fx->now += NS_PER_SEC;
    assert_true(out(fx, 2));
    t0 = fx->now;
    outb(fx, PORT61, PORT61_GATE2);
    fx->now = t0 + tick_ns(20);
    assert_false(out(fx, 2));
    fx->now = t0 + tick_ns(21);
    assert_true(out(fx, 2));
}

static void test_mode4_irq_edge(void **state)
{
    struct fixture *fx = *state;
    uint64_t t0 = fx->now;

    program(fx, 0, PIT_MODE_SW_STROBE, 10);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(11));
    fx->now = t0 + tick_ns(11);
    vpit8254_advance(&fx->pit);
    assert_int_equal(fx->pulses, 1);
    assert_int_equal(vpit8254_next_event(&fx->pit), VCLOCK_NEVER);
    /* Mode 6 is mode 2. */
    t0 = fx->now;
    outb(fx, CTRL, 0x3C);
    outb(fx, CH0, 10);
    outb(fx, CH0, 0);
    assert_int_equal(status(fx, 0), PIT_STATUS_OUT | 0x34);
    assert_int_equal(vpit8254_next_event(&fx->pit), t0 + tick_ns(10));
}

static void test_several_instances(void **state)
{
    struct fixture *fx = *state;
    struct fixture *other = calloc(1, sizeof(*other));
    struct vclock clk = { .now_ns = fake_now, .ctx = other };

    assert_non_null(other);
    vpit8254_init(&other->pit, &clk, NULL);
    program(fx, 0, PIT_MODE_RATE, 100);
    assert_int_equal(vpit8254_next_event(&other->pit), VCLOCK_NEVER);
    other->now = 5 * NS_PER_SEC;
    vpit8254_advance(&other->pit);              /* no line wired: fine */
    assert_int_equal(vpit8254_next_event(&fx->pit), fx->now + tick_ns(100));
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_after_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode2_100hz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode3_square_wave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode0_oneshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latch_holds_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readback_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_access_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count0_is_65536, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ch2_linux_tsc_calibration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port61_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_gap_one_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode2_new_count_at_period_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reprogram_delivers_due_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode4_irq_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_instances, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
