/*
 * MC146818A RTC / CMOS model (see drivers/virt/vrtc.h).
 *
 * Time is kept as the divider chain's phase (div0: when the 32.768 kHz
 * chain was at zero) plus the calendar time as of `last`. The chain ticks
 * 32768 times a second: a periodic interrupt happens every period_ticks()
 * ticks, an update every 32768 ticks (each whole second after div0). All
 * state is brought forward lazily by sync() to the current time, counting
 * how many ticks and updates passed; nothing runs between accesses.
 */
#include "drivers/virt/vrtc.h"
#include <hv/string.h>

#define RTC_DIV_HZ      32768ULL        /* 32.768 kHz time base */
#define SECS_PER_DAY    86400
#define SECS_PER_HOUR   3600
#define SECS_PER_MIN    60
#define DAYS_PER_WEEK   7
#define WDAY_1970_01_01 5               /* a Thursday; 1 = Sunday */
#define HOURS_12        12

/* Internal times are vclock ns + RTC_T0: leaving divider reset puts the
 * chain's origin half a second in the past, which must stay >= 0. */
#define RTC_T0          NS_PER_SEC

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days from 1970-01-01 to y-m-d, m in 1..12, d counted on from the 1st. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;                         /* years start in March here */
    era = floor_div(y, 400);
    yoe = y - era * 400;                                    /* 0..399 */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0..146096 */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Seconds since 1970 of a time whose fields may be out of range: a month
 * outside 1-12 moves the year, day 0 or 31 February move into the
 * neighbouring month, 75 seconds into the next minute (like mktime). */
static int64_t tm_to_secs(const struct vrtc_time *t)
{
    int64_t mon0 = (int64_t)t->mon - 1;
    int64_t y = (int64_t)t->year + floor_div(mon0, 12);
    int64_t days = days_from_civil(y, floor_mod(mon0, 12) + 1, 1) + (int64_t)t->mday - 1;

    return days * SECS_PER_DAY + (int64_t)t->hour * SECS_PER_HOUR +
           (int64_t)t->min * SECS_PER_MIN + t->sec;
}

static void secs_to_tm(int64_t s, struct vrtc_time *t)
{
    int64_t days = floor_div(s, SECS_PER_DAY), sod = floor_mod(s, SECS_PER_DAY), y;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    t->year = (uint16_t)y;
    t->mon = (uint8_t)m;
    t->mday = (uint8_t)d;
    t->hour = (uint8_t)(sod / SECS_PER_HOUR);
    t->min = (uint8_t)(sod / SECS_PER_MIN % 60);
    t->sec = (uint8_t)(sod % SECS_PER_MIN);
}

/* ---- register formats ---- */

static uint8_t to_reg(const struct vrtc *r, unsigned v)
{
    if (r->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY)
        return (uint8_t)v;
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct vrtc *r, uint8_t v)
{
    if (r->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY)
        return v;
    return (v >> 4) * 10 + (v & 0x0F);
}

static uint8_t hour_to_reg(const struct vrtc *r, unsigned h)
{
    unsigned h12;

    if (r->cmos[VRTC_REG_B] & VRTC_B_24H)
        return to_reg(r, h);
    h12 = h % HOURS_12 ? h % HOURS_12 : HOURS_12;       /* 0 -> 12 AM, 12 -> 12 PM */
    return (uint8_t)(to_reg(r, h12) | (h >= HOURS_12 ? VRTC_HOUR_PM : 0));
}

static unsigned hour_from_reg(const struct vrtc *r, uint8_t v)
{
    if (r->cmos[VRTC_REG_B] & VRTC_B_24H)
        return from_reg(r, v);
    return from_reg(r, v & (uint8_t)~VRTC_HOUR_PM) % HOURS_12 +
           ((v & VRTC_HOUR_PM) ? HOURS_12 : 0);
}

/* ---- the divider chain ---- */

static uint64_t rtc_now(const struct vrtc *r)
{
    return vclock_now(&r->clock) + RTC_T0;
}

static bool divider_running(const struct vrtc *r)
{
    return (r->cmos[VRTC_REG_A] & VRTC_A_DV_RESET) != VRTC_A_DV_RESET;
}

/* Updates happen: divider running and the guest not setting the time. */
static bool updating(const struct vrtc *r)
{
    return divider_running(r) && !(r->cmos[VRTC_REG_B] & VRTC_B_SET);
}

/* Divider ticks between a periodic interrupt, 0 for none (RS = 0). With the
 * 32.768 kHz base, RS 1 and 2 give 256 and 128 Hz; RS 3-15 give
 * 32768 >> (RS - 1) Hz, i.e. 8192 Hz down to 2 Hz. */
static uint64_t period_ticks(const struct vrtc *r)
{
    unsigned rs = r->cmos[VRTC_REG_A] & VRTC_A_RS_MASK;

    if (rs == 0)
        return 0;
    if (rs <= 2)
        return 1ULL << (rs + 6);
    return 1ULL << (rs - 1);
}

static uint64_t ticks_at(const struct vrtc *r, uint64_t t)
{
    return muldiv64(t - r->div0, RTC_DIV_HZ, NS_PER_SEC);
}

static uint64_t secs_at(const struct vrtc *r, uint64_t t)
{
    return (t - r->div0) / NS_PER_SEC;
}

/* First internal time at which the divider has counted `tick` ticks. */
static uint64_t time_of_tick(const struct vrtc *r, uint64_t tick)
{
    uint64_t ns = muldiv64(tick, NS_PER_SEC, RTC_DIV_HZ);

    if (muldiv64(ns, RTC_DIV_HZ, NS_PER_SEC) < tick)
        ns++;
    return r->div0 + ns;
}

/* ---- alarm and updates ---- */

static bool alarm_byte_matches(const struct vrtc *r, unsigned idx, uint8_t now)
{
    uint8_t a = r->cmos[idx];

    return (a & VRTC_ALARM_DONT_CARE) == VRTC_ALARM_DONT_CARE || a == now;
}

/* Does any of the next n updates after r->tm land on the alarm time? The
 * alarm only looks at the time of day, so one day's worth covers any n:
 * at most 86400 cheap comparisons, and only after a gap that long. */
static bool alarm_in(const struct vrtc *r, uint64_t n)
{
    int64_t sod = floor_mod((int64_t)r->tm.hour * SECS_PER_HOUR +
                            (int64_t)r->tm.min * SECS_PER_MIN + r->tm.sec, SECS_PER_DAY);
    uint64_t count = MIN(n, (uint64_t)SECS_PER_DAY);

    for (uint64_t i = 1; i <= count; i++) {
        int64_t s = (sod + (int64_t)i) % SECS_PER_DAY;

        if (alarm_byte_matches(r, VRTC_REG_SEC_ALARM, to_reg(r, (unsigned)(s % SECS_PER_MIN))) &&
            alarm_byte_matches(r, VRTC_REG_MIN_ALARM, to_reg(r, (unsigned)(s / SECS_PER_MIN % 60))) &&
            alarm_byte_matches(r, VRTC_REG_HOUR_ALARM, hour_to_reg(r, (unsigned)(s / SECS_PER_HOUR))))
            return true;
    }
    return false;
}

/* Move the calendar n seconds on; the weekday counts days on from whatever
 * the guest set it to. */
static void tm_add(struct vrtc *r, uint64_t n)
{
    int64_t before = tm_to_secs(&r->tm), after = before + (int64_t)n;
    int64_t ddays = floor_div(after, SECS_PER_DAY) - floor_div(before, SECS_PER_DAY);

    secs_to_tm(after, &r->tm);
    r->wday = (uint8_t)(floor_mod((int64_t)r->wday - 1 + ddays, DAYS_PER_WEEK) + 1);
}

/* IRQF latches once an enabled flag is set; the line follows IRQF. */
static void update_irq(struct vrtc *r)
{
    uint8_t en = r->cmos[VRTC_REG_B] & (VRTC_B_PIE | VRTC_B_AIE | VRTC_B_UIE);
    bool level;

    /* The enable bits line up with the flag bits in C. */
    _Static_assert(VRTC_B_PIE == VRTC_C_PF && VRTC_B_AIE == VRTC_C_AF &&
                   VRTC_B_UIE == VRTC_C_UF, "B enables match C flags");
    if (r->reg_c & en)
        r->reg_c |= VRTC_C_IRQF;
    level = r->reg_c & VRTC_C_IRQF;
    if (level != r->irq_level) {
        r->irq_level = level;
        virq_set(&r->irq, level);
    }
}

/* Bring everything from r->last forward to internal time t. */
static void sync(struct vrtc *r, uint64_t t)
{
    uint64_t p, n;

    if (t < r->last)
        t = r->last;
    if (divider_running(r)) {
        p = period_ticks(r);
        if (p && ticks_at(r, t) / p != ticks_at(r, r->last) / p)
            r->reg_c |= VRTC_C_PF;
        n = secs_at(r, t) - secs_at(r, r->last);
        if (n && !(r->cmos[VRTC_REG_B] & VRTC_B_SET)) {
            r->reg_c |= VRTC_C_UF;
            if (!(r->reg_c & VRTC_C_AF) && alarm_in(r, n))
                r->reg_c |= VRTC_C_AF;
            tm_add(r, n);
        }
    }
    r->last = t;
    update_irq(r);
}

/* ---- CMOS RAM contents left by a BIOS ---- */

static void put16(struct vrtc *r, unsigned lo, unsigned hi, uint64_t v)
{
    r->cmos[lo] = (uint8_t)v;
    r->cmos[hi] = (uint8_t)(v >> 8);
}

static void preload_cmos(struct vrtc *r, uint64_t ram_size)
{
    uint64_t base = MIN(ram_size / KiB(1), (uint64_t)VRTC_BASE_MEM_KIB);
    uint64_t ext = ram_size > MiB(1) ? (ram_size - MiB(1)) / KiB(1) : 0;
    uint64_t high = ram_size > MiB(16) ? (ram_size - MiB(16)) / KiB(64) : 0;
    unsigned sum = 0;

    ext = MIN(ext, (uint64_t)UINT16_MAX);
    high = MIN(high, (uint64_t)UINT16_MAX);
    r->cmos[VRTC_CMOS_FLOPPY] = 0;
    r->cmos[VRTC_CMOS_EQUIPMENT] = VRTC_EQUIP_FPU;   /* no floppies, EGA/VGA display */
    put16(r, VRTC_CMOS_BASE_LO, VRTC_CMOS_BASE_HI, base);
    put16(r, VRTC_CMOS_EXT_LO, VRTC_CMOS_EXT_HI, ext);
    put16(r, VRTC_CMOS_EXT2_LO, VRTC_CMOS_EXT2_HI, ext);
    put16(r, VRTC_CMOS_HIGH_LO, VRTC_CMOS_HIGH_HI, high);
    for (unsigned i = VRTC_CMOS_CSUM_FIRST; i <= VRTC_CMOS_CSUM_LAST; i++)
        sum += r->cmos[i];
    r->cmos[VRTC_CMOS_CSUM_HI] = (uint8_t)(sum >> 8);
    r->cmos[VRTC_CMOS_CSUM_LO] = (uint8_t)sum;
}

/* ---- exported ---- */

void vrtc_init(struct vrtc *r, const struct vclock *clock, const struct virq_line *irq,
               const struct vrtc_time *now, uint64_t ram_size)
{
    int64_t s;

    memset(r, 0, sizeof(*r));
    r->clock = *clock;
    r->irq = *irq;
    r->cmos[VRTC_REG_A] = VRTC_A_DEFAULT;
    r->cmos[VRTC_REG_B] = VRTC_B_DEFAULT;
    preload_cmos(r, ram_size);

    s = tm_to_secs(now);
    secs_to_tm(s, &r->tm);
    r->wday = (uint8_t)(floor_mod(floor_div(s, SECS_PER_DAY) + WDAY_1970_01_01 - 1,
                                  DAYS_PER_WEEK) + 1);
    r->div0 = r->last = rtc_now(r);
    virq_set(&r->irq, false);
}

void vrtc_advance(struct vrtc *r)
{
    sync(r, rtc_now(r));
}

uint64_t vrtc_next_event(const struct vrtc *r)
{
    uint8_t b = r->cmos[VRTC_REG_B];
    uint64_t next = VCLOCK_NEVER, p = period_ticks(r);

    if ((r->reg_c & VRTC_C_IRQF) || !divider_running(r))
        return VCLOCK_NEVER;
    if (p && (b & VRTC_B_PIE))
        next = time_of_tick(r, (ticks_at(r, r->last) / p + 1) * p);
    if (!(b & VRTC_B_SET) && (b & (VRTC_B_UIE | VRTC_B_AIE)))
        next = MIN(next, r->div0 + (secs_at(r, r->last) + 1) * NS_PER_SEC);
    return next == VCLOCK_NEVER ? next : next - RTC_T0;
}

static uint8_t data_read(struct vrtc *r, uint64_t t)
{
    uint8_t v;

    sync(r, t);
    switch (r->index) {
    case VRTC_REG_SEC:      return to_reg(r, r->tm.sec);
    case VRTC_REG_MIN:      return to_reg(r, r->tm.min);
    case VRTC_REG_HOUR:     return hour_to_reg(r, r->tm.hour);
    case VRTC_REG_WDAY:     return to_reg(r, r->wday);
    case VRTC_REG_MDAY:     return to_reg(r, r->tm.mday);
    case VRTC_REG_MON:      return to_reg(r, r->tm.mon);
    case VRTC_REG_YEAR:     return to_reg(r, r->tm.year % 100);
    case VRTC_REG_CENTURY:  return to_reg(r, r->tm.year / 100);
    case VRTC_REG_A:
        v = r->cmos[VRTC_REG_A];
        if (updating(r) && (t - r->div0) % NS_PER_SEC >= NS_PER_SEC - VRTC_UIP_NS)
            v |= VRTC_A_UIP;
        return v;
    case VRTC_REG_C:
        v = r->reg_c;
        r->reg_c = 0;
        update_irq(r);
        return v;
    case VRTC_REG_D:        return VRTC_D_VRT;
    default:                return r->cmos[r->index];   /* B, alarms, RAM */
    }
}

static void write_reg_a(struct vrtc *r, uint8_t v, uint64_t t)
{
    bool was_running = divider_running(r);

    r->cmos[VRTC_REG_A] = v & (uint8_t)~VRTC_A_UIP;
    /* "When the divider reset is removed, the first update begins one-half
     * second later." */
    if (!was_running && divider_running(r))
        r->div0 = t - NS_PER_SEC / 2;
}

static void data_write(struct vrtc *r, uint8_t v, uint64_t t)
{
    struct vrtc_time *tm = &r->tm;

    sync(r, t);
    switch (r->index) {
    case VRTC_REG_SEC:      tm->sec = (uint8_t)from_reg(r, v); break;
    case VRTC_REG_MIN:      tm->min = (uint8_t)from_reg(r, v); break;
    case VRTC_REG_HOUR:     tm->hour = (uint8_t)hour_from_reg(r, v); break;
    case VRTC_REG_WDAY:     r->wday = (uint8_t)from_reg(r, v); break;
    case VRTC_REG_MDAY:     tm->mday = (uint8_t)from_reg(r, v); break;
    case VRTC_REG_MON:      tm->mon = (uint8_t)from_reg(r, v); break;
    case VRTC_REG_YEAR:
        tm->year = (uint16_t)(tm->year / 100 * 100 + from_reg(r, v));
        break;
    case VRTC_REG_CENTURY:
        tm->year = (uint16_t)(from_reg(r, v) * 100 + tm->year % 100);
        break;
    case VRTC_REG_A:
        write_reg_a(r, v, t);
        break;
    case VRTC_REG_B:
        if (v & VRTC_B_SET)             /* setting SET clears UIE */
            v &= (uint8_t)~VRTC_B_UIE;
        r->cmos[VRTC_REG_B] = v;
        update_irq(r);                  /* a newly enabled flag fires at once */
        break;
    case VRTC_REG_C:
    case VRTC_REG_D:
        break;                          /* read-only */
    default:
        r->cmos[r->index] = v;          /* alarms, RAM */
        break;
    }
}

int vrtc_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vrtc *r = dev;
    uint64_t t = rtc_now(r);

    *val = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = 0xFF;               /* index port is write-only */

        if (offset + i == VRTC_DATA_OFF)
            b = data_read(r, t);
        *val |= (uint64_t)b << (8 * i);
    }
    return 0;
}

int vrtc_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vrtc *r = dev;
    uint64_t t = rtc_now(r);

    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i));

        if (offset + i == VRTC_INDEX_OFF)
            r->index = b & VRTC_INDEX_MASK;     /* NMI disable bit ignored */
        else if (offset + i == VRTC_DATA_OFF)
            data_write(r, b, t);
    }
    return 0;
}
