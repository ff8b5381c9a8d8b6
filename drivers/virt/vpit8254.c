/*
 * 8254 PIT and port 0x61 (see drivers/virt/vpit8254.h for the reference
 * and what is left out).
 *
 * A running counter is described by (start_ns, start_tick, start): tick
 * `start_tick` of a clock begun at start_ns found its counting element
 * holding `start` (1-65536); d = ticks since then gives everything else:
 *   modes 0, 1   count = start - d (mod 2^16), OUT high once d >= start
 *   mode 2       count = start - d % start, OUT low while d % start == start-1
 *   mode 3       OUT high for the first (start+1)/2 ticks of each period
 *   modes 4, 5   count = start - d (mod 2^16), OUT low only while d == start
 * In modes 2 and 3 `start` is the period. A count written while one of
 * those runs is kept in `count` and takes over at the end of the current
 * period (tick reload_tick, time reload_ns); start_ns stays, so the ticks
 * of successive periods never drift by rounding. All readers look at a
 * pending reload themselves, so reads never change the schedule (ch_commit
 * folds it in before writes).
 * `tc` records, for the one-shot modes, that the terminal count was passed
 * before start_ns (a counter stopped by its gate and started again).
 */
#include "drivers/virt/vpit8254.h"
#include <hv/string.h>
#include "hv/lab.h"

#define COUNT_MAX       65536u

/* ---- time ------------------------------------------------------------------ */

/* Whole counter ticks in `ns` nanoseconds. */
static uint64_t ns_to_ticks(uint64_t ns)
{
    return muldiv64(ns, VPIT_FREQ_HZ, NS_PER_SEC);
}

/* The first ns at which `ticks` ticks have passed since `base_ns`
 * (the inverse of ns_to_ticks, rounded up), or VCLOCK_NEVER. */
static uint64_t tick_time(uint64_t base_ns, uint64_t ticks)
{
    uint64_t ns = muldiv64(ticks, NS_PER_SEC, VPIT_FREQ_HZ);

    if (ns_to_ticks(ns) < ticks)
        ns++;
    if (ns >= VCLOCK_NEVER - base_ns)
        return VCLOCK_NEVER;
    return base_ns + ns;
}

static uint64_t vpit_now(const struct vpit8254 *p)
{
    return vclock_now(&p->clock);
}

/* ---- counter state at a given time -------------------------------------- */

/* The counting element held `start` at tick `tick0` of the clock that
 * began at `epoch_ns`. */
struct phase {
    uint64_t epoch_ns;
    uint64_t tick0;
    uint32_t start;
    bool tc;
};

/* The phase in force at `now`, with a due mode 2/3 reload. */
static struct phase ch_phase(const struct vpit_channel *c, uint64_t now)
{
    if (c->reload_pending && now >= c->reload_ns)
        return (struct phase){ .epoch_ns = c->start_ns, .tick0 = c->reload_tick,
                               .start = c->count, .tc = false };
    return (struct phase){ .epoch_ns = c->start_ns, .tick0 = c->start_tick,
                           .start = c->start, .tc = c->tc };
}

/* Ticks since the phase began (0 before). */
static uint64_t ph_ticks(const struct phase *ph, uint64_t now)
{
    uint64_t t = now > ph->epoch_ns ? ns_to_ticks(now - ph->epoch_ns) : 0;
    return t > ph->tick0 ? t - ph->tick0 : 0;
}

/* Time of tick `d` of the phase. */
static uint64_t ph_time(const struct phase *ph, uint64_t d)
{
    return tick_time(ph->epoch_ns, ph->tick0 + d);
}

static bool is_periodic(uint8_t mode)
{
    return mode == PIT_MODE_RATE || mode == PIT_MODE_SQUARE;
}

/* The counting element's value at `now`. */
static uint16_t ch_value(const struct vpit_channel *c, uint64_t now)
{
    if (!c->running)
        return c->hold;

    struct phase ph = ch_phase(c, now);
    uint64_t d = ph_ticks(&ph, now);

    switch (c->mode) {
    case PIT_MODE_RATE:
        return (uint16_t)(ph.start - d % ph.start);
    case PIT_MODE_SQUARE:
        return (uint16_t)(ph.start - (2 * (d % ph.start)) % ph.start);
    default:
        return (uint16_t)((uint64_t)ph.start - d);
    }
}

/* The OUT pin at `now`. */
static bool ch_out(const struct vpit_channel *c, uint64_t now)
{
    if (!c->running)
        return c->out_hold;

    struct phase ph = ch_phase(c, now);
    uint64_t d = ph_ticks(&ph, now);

    switch (c->mode) {
    case PIT_MODE_INT_ON_TC:
    case PIT_MODE_ONESHOT:
        return ph.tc || d >= ph.start;
    case PIT_MODE_RATE:
        return ph.start < 2 || d % ph.start != ph.start - 1;
    case PIT_MODE_SQUARE:
        return ph.start < 2 || d % ph.start < (ph.start + 1) / 2;
    default:                            /* strobes */
        return ph.tc || d != ph.start;
    }
}

/* First rising edge of OUT after `t` within one phase. */
static uint64_t phase_edge_after(uint8_t mode, const struct phase *ph, uint64_t t)
{
    /* LAB 6 BEGIN pit_edge_after: when OUT next rises after time t in this phase, per mode (2, 3: each period's end; 0, 1: terminal count; 4, 5: one tick after it), or VCLOCK_NEVER */
    uint64_t d = ph_ticks(ph, t), e;

    switch (mode) {
    case PIT_MODE_RATE:
    case PIT_MODE_SQUARE:
        if (ph->start < 2)
            return VCLOCK_NEVER;        /* illegal count: OUT stays high */
        return ph_time(ph, (d / ph->start + 1) * ph->start);
    case PIT_MODE_INT_ON_TC:
    case PIT_MODE_ONESHOT:
        e = ph->tc ? VCLOCK_NEVER : ph_time(ph, ph->start);
        break;
    default:                            /* strobes: OUT back high one tick after zero */
        e = ph->tc ? VCLOCK_NEVER : ph_time(ph, (uint64_t)ph->start + 1);
        break;
    }
    return e != VCLOCK_NEVER && e > t ? e : VCLOCK_NEVER;
    /* LAB 6 END */
}

/* First rising edge of OUT strictly after time `t`, or VCLOCK_NEVER. */
static uint64_t ch_edge_after(const struct vpit_channel *c, uint64_t t)
{
    if (!c->running)
        return VCLOCK_NEVER;
    if (c->reload_pending && t < c->reload_ns) {
        /* reload_ns ends a period of the old schedule: an edge itself. */
        struct phase old = { .epoch_ns = c->start_ns, .tick0 = c->start_tick,
                             .start = c->start, .tc = c->tc };
        return MIN(phase_edge_after(c->mode, &old, t), c->reload_ns);
    }
    struct phase ph = ch_phase(c, t);
    return phase_edge_after(c->mode, &ph, t);
}

static uint8_t ch_status(const struct vpit_channel *c, uint64_t now)
{
    bool null = c->null_count && !(c->reload_pending && now >= c->reload_ns);

    return (uint8_t)((ch_out(c, now) ? PIT_STATUS_OUT : 0) | (null ? PIT_STATUS_NULL : 0) |
                     (c->rw << PIT_CTRL_RW_SHIFT) | (c->mode << PIT_CTRL_MODE_SHIFT) |
                     (c->bcd ? PIT_CTRL_BCD : 0));
}

/* ---- state changes ------------------------------------------------------ */

/* Make a due mode 2/3 reload the current phase. */
static void ch_commit(struct vpit_channel *c, uint64_t now)
{
    if (c->reload_pending && now >= c->reload_ns) {
        c->start_tick = c->reload_tick;
        c->start = c->count;
        c->reload_pending = false;
        c->null_count = false;
    }
}

/* Stop counting; the count and OUT stay as they are at `now`. */
static void ch_freeze(struct vpit_channel *c, uint64_t now)
{
    if (!c->running)
        return;
    ch_commit(c, now);
    c->hold = ch_value(c, now);
    c->out_hold = ch_out(c, now);
    if (!is_periodic(c->mode)) {
        struct phase ph = ch_phase(c, now);
        c->tc = ph.tc || ph_ticks(&ph, now) >= ph.start;
    }
    c->running = false;
    c->reload_pending = false;
}

/* Start counting from `value` (0 = 65536) at `now`. */
static void ch_start(struct vpit_channel *c, uint64_t now, uint32_t value)
{
    c->running = true;
    c->start_ns = now;
    c->start_tick = 0;
    c->start = value ? value : COUNT_MAX;
    c->reload_pending = false;
}

/* Deliver channel 0's edge if one is due at `now` (at most one). */
static void irq0_flush(struct vpit8254 *p, uint64_t now)
{
    if (ch_edge_after(&p->ch[0], p->irq0_done_ns) <= now)
        virq_pulse(&p->irq0);
    p->irq0_done_ns = now;
}

/* Settle channel `idx` before its programming changes at `now`. */
static void ch_prepare(struct vpit8254 *p, unsigned idx, uint64_t now)
{
    if (idx == 0)
        irq0_flush(p, now);
    ch_commit(&p->ch[idx], now);
}

/* A complete count N (0 = 65536) was written. */
static void ch_load(struct vpit8254 *p, unsigned idx, uint32_t n, uint64_t now)
{
    struct vpit_channel *c = &p->ch[idx];

    ch_prepare(p, idx, now);
    c->count = n ? n : COUNT_MAX;
    c->armed = true;

    switch (c->mode) {
    case PIT_MODE_INT_ON_TC:
    case PIT_MODE_SW_STROBE:
        /* Loaded at once (even with the gate low); counting restarts. */
        c->tc = false;
        c->null_count = false;
        if (c->gate) {
            ch_start(c, now, c->count);
        } else {
            c->running = false;
            c->hold = (uint16_t)c->count;
            c->out_hold = c->mode == PIT_MODE_SW_STROBE;
        }
        break;
    case PIT_MODE_ONESHOT:
    case PIT_MODE_HW_STROBE:
        c->null_count = true;           /* loaded by the next gate trigger */
        break;
    default:                            /* modes 2, 3 */
        if (c->running) {
            if (!c->reload_pending) {
                struct phase ph = ch_phase(c, now);
                uint64_t d = ph_ticks(&ph, now);
                c->reload_pending = true;
                c->reload_tick = ph.tick0 + (d / ph.start + 1) * ph.start;
                c->reload_ns = ph_time(&ph, (d / ph.start + 1) * ph.start);
            }
            c->null_count = true;
        } else if (c->gate) {
            ch_start(c, now, c->count);
            c->null_count = false;
        } else {
            c->null_count = true;       /* loaded when the gate rises */
        }
        break;
    }
}

static void ch_set_gate(struct vpit8254 *p, unsigned idx, bool level, uint64_t now)
{
    struct vpit_channel *c = &p->ch[idx];

    if (c->gate == level)
        return;
    ch_prepare(p, idx, now);
    c->gate = level;

    switch (c->mode) {
    case PIT_MODE_INT_ON_TC:
    case PIT_MODE_SW_STROBE:
        /* The gate suspends counting; the count is kept. */
        if (!level)
            ch_freeze(c, now);
        else if (c->armed && !c->running)
            ch_start(c, now, c->hold);
        break;
    case PIT_MODE_ONESHOT:
    case PIT_MODE_HW_STROBE:
        /* A rising edge (re)triggers from the count. */
        if (level && c->armed) {
            ch_start(c, now, c->count);
            c->tc = false;
            c->null_count = false;
        }
        break;
    default:                            /* modes 2, 3 */
        if (!level) {
            ch_freeze(c, now);
            c->out_hold = true;         /* gate low forces OUT high */
        } else if (c->armed) {
            ch_start(c, now, c->count); /* rising edge reloads */
            c->null_count = false;
        }
        break;
    }
}

static void write_control(struct vpit8254 *p, uint8_t v, uint64_t now)
{
    unsigned sc = v >> PIT_CTRL_SC_SHIFT;
    unsigned rw = (v & PIT_CTRL_RW_MASK) >> PIT_CTRL_RW_SHIFT;

    if (sc == PIT_CTRL_SC_READBACK) {
        for (unsigned i = 0; i < VPIT_NUM_CHANNELS; i++) {
            struct vpit_channel *c = &p->ch[i];

            if (!(v & PIT_RB_CH(i)))
                continue;
            if (!(v & PIT_RB_NO_COUNT) && !c->count_latched) {
                c->latched_count = ch_value(c, now);
                c->count_latched = true;
                c->latch_msb_next = false;
            }
            if (!(v & PIT_RB_NO_STATUS) && !c->status_latched) {
                c->latched_status = ch_status(c, now);
                c->status_latched = true;
            }
        }
        return;
    }

    struct vpit_channel *c = &p->ch[sc];

    if (rw == PIT_RW_LATCH) {
        if (!c->count_latched) {        /* a second latch before reading is ignored */
            c->latched_count = ch_value(c, now);
            c->count_latched = true;
            c->latch_msb_next = false;
        }
        return;
    }

    /* New mode: the counter stops and waits for a count; OUT goes to its
     * initial level (low in mode 0, high otherwise). */
    ch_prepare(p, sc, now);
    c->hold = ch_value(c, now);
    c->mode = (v & PIT_CTRL_MODE_MASK) >> PIT_CTRL_MODE_SHIFT;
    if (c->mode > PIT_MODE_HW_STROBE)
        c->mode -= 4;                   /* 6, 7 are 2, 3 */
    c->rw = (uint8_t)rw;
    c->bcd = v & PIT_CTRL_BCD;
    c->running = false;
    c->armed = false;
    c->reload_pending = false;
    c->null_count = true;
    c->tc = false;
    c->out_hold = c->mode != PIT_MODE_INT_ON_TC;
    c->wr_msb_next = false;
    c->rd_msb_next = false;
    c->count_latched = false;
    c->latch_msb_next = false;
    c->status_latched = false;
}

static void write_count(struct vpit8254 *p, unsigned idx, uint8_t v, uint64_t now)
{
    struct vpit_channel *c = &p->ch[idx];

    switch (c->rw) {
    case PIT_RW_LSB:
        ch_load(p, idx, v, now);
        break;
    case PIT_RW_MSB:
        ch_load(p, idx, (uint32_t)v << 8, now);
        break;
    default:                            /* PIT_RW_LSB_MSB */
        if (!c->wr_msb_next) {
            c->wr_lsb = v;
            c->wr_msb_next = true;
            if (c->mode == PIT_MODE_INT_ON_TC) {
                /* Mode 0: the first byte stops counting and drops OUT. */
                ch_prepare(p, idx, now);
                ch_freeze(c, now);
                c->out_hold = false;
                c->tc = false;
                c->armed = false;
            }
        } else {
            c->wr_msb_next = false;
            ch_load(p, idx, c->wr_lsb | ((uint32_t)v << 8), now);
        }
        break;
    }
}

static uint8_t read_count(struct vpit_channel *c, uint64_t now)
{
    uint16_t v;

    if (c->status_latched) {            /* status first, then the count */
        c->status_latched = false;
        return c->latched_status;
    }
    if (c->count_latched) {
        v = c->latched_count;
        if (c->rw == PIT_RW_LSB_MSB && !c->latch_msb_next) {
            c->latch_msb_next = true;
            return (uint8_t)v;
        }
        c->count_latched = false;       /* fully read: the latch lets go */
        c->latch_msb_next = false;
        return (uint8_t)(c->rw == PIT_RW_LSB ? v : v >> 8);
    }
    v = ch_value(c, now);
    switch (c->rw) {
    case PIT_RW_LSB:
        return (uint8_t)v;
    case PIT_RW_MSB:
        return (uint8_t)(v >> 8);
    default:
        c->rd_msb_next = !c->rd_msb_next;
        return (uint8_t)(c->rd_msb_next ? v : v >> 8);
    }
}

/* ---- public interface ---------------------------------------------------- */

void vpit8254_init(struct vpit8254 *p, const struct vclock *clock, const struct virq_line *irq0)
{
    memset(p, 0, sizeof(*p));
    p->clock = *clock;
    if (irq0)
        p->irq0 = *irq0;
    for (unsigned i = 0; i < VPIT_NUM_CHANNELS; i++) {
        struct vpit_channel *c = &p->ch[i];
        c->mode = PIT_MODE_INT_ON_TC;
        c->rw = PIT_RW_LSB_MSB;
        c->null_count = true;
        c->gate = i != 2;               /* gates 0 and 1 are tied high */
    }
    p->irq0_done_ns = vpit_now(p);
}

void vpit8254_advance(struct vpit8254 *p)
{
    irq0_flush(p, vpit_now(p));
}

uint64_t vpit8254_next_event(const struct vpit8254 *p)
{
    return ch_edge_after(&p->ch[0], p->irq0_done_ns);
}

static uint8_t pit_read_reg(struct vpit8254 *p, unsigned reg, uint64_t now)
{
    if (reg == PIT_REG_CONTROL)
        return 0xFF;
    return read_count(&p->ch[reg], now);
}

static void pit_write_reg(struct vpit8254 *p, unsigned reg, uint8_t v, uint64_t now)
{
    if (reg == PIT_REG_CONTROL)
        write_control(p, v, now);
    else
        write_count(p, reg, v, now);
}

int vpit8254_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vpit8254 *p = dev;
    uint64_t now = vpit_now(p);

    *val = 0;
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i;
        uint8_t b = reg < VPIT_NUM_PORTS ? pit_read_reg(p, (unsigned)reg, now) : 0xFF;
        *val |= (uint64_t)b << (8 * i);
    }
    return 0;
}

int vpit8254_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vpit8254 *p = dev;
    uint64_t now = vpit_now(p);

    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i;
        if (reg < VPIT_NUM_PORTS)
            pit_write_reg(p, (unsigned)reg, (uint8_t)(val >> (8 * i)), now);
    }
    return 0;
}

int vpit8254_port61_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vpit8254 *p = dev;
    uint64_t now = vpit_now(p);

    *val = 0;
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint8_t b = 0xFF;
        if (offset + i < VPIT_PORT61_NUM_PORTS) {
            b = (uint8_t)(p->port61 | (p->refresh ? PORT61_REFRESH : 0) |
                          (ch_out(&p->ch[2], now) ? PORT61_OUT2 : 0));
            p->refresh = !p->refresh;
        }
        *val |= (uint64_t)b << (8 * i);
    }
    return 0;
}

int vpit8254_port61_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vpit8254 *p = dev;
    uint64_t now = vpit_now(p);

    for (unsigned i = 0; i < size && i < 8; i++) {
        if (offset + i >= VPIT_PORT61_NUM_PORTS)
            continue;
        uint8_t v = (uint8_t)(val >> (8 * i));
        p->port61 = v & PORT61_RW_MASK;
        ch_set_gate(p, 2, v & PORT61_GATE2, now);
    }
    return 0;
}
