/*
 * rtc: the MC146818 real-time clock (ports 0x70/0x71, IRQ 8).
 *
 *   - reads the date and time the way an OS does: wait until register A's
 *     UIP (update in progress) is clear, read all fields, read again until
 *     two reads agree; decodes BCD or binary and 12/24-hour as register B
 *     says; prints "rtc: date YYYY-MM-DD hh:mm:ss" (century from CMOS 0x32)
 *     and checks every field is in range;
 *   - busy-waits 2 s on the ACPI PM timer and checks the time advanced by
 *     1-3 s;
 *   - the periodic interrupt through the PIC (IRQ 8 on the slave at vector
 *     0x30, cascade through master IR2): register A rate 6 (1024 Hz), B PIE;
 *     the handler reads register C (which must have PF and IRQF set) and
 *     EOIs slave and master; 64 interrupts take 62.5 ms +-20%; then rate 15
 *     (2 Hz): 3 interrupts, 500 ms apart +-10%;
 *   - the update-ended interrupt (B UIE): one within 1.1 s, with UF in C,
 *     and the seconds register changed;
 *   - after PIE/UIE are cleared no more interrupts come.
 * Every wait for interrupts is bounded by a local APIC TSC-deadline timer
 * (vector 0x50), so a missing interrupt gives a FAIL line with the count.
 */
#include "guest.h"

#define RTC_SEC      0x00
#define RTC_MIN      0x02
#define RTC_HOUR     0x04
#define RTC_MDAY     0x07
#define RTC_MON      0x08
#define RTC_YEAR     0x09
#define RTC_A        0x0A
#define RTC_B        0x0B
#define RTC_C        0x0C
#define RTC_CENTURY  0x32

#define A_UIP        0x80
#define A_DV_32KHZ   0x20
#define B_PIE        0x40
#define B_AIE        0x20
#define B_UIE        0x10
#define B_DM_BINARY  0x04
#define B_24H        0x02
#define C_IRQF       0x80
#define C_PF         0x40
#define C_UF         0x10

#define RTC_IRQ      8
#define RTC_VECTOR   (PIC_SLAVE_VECTOR + (RTC_IRQ - 8))

struct rtc_time {
    unsigned sec, min, hour, mday, mon, year;   /* year in full */
    bool pm;
};

static volatile uint32_t rtc_irqs;
static volatile uint8_t last_c, or_c;
static volatile uint32_t irq_pm[70];

static void rtc_handler(unsigned vector)
{
    (void)vector;
    uint8_t c = cmos_read(RTC_C);        /* acknowledges: the line goes low */
    uint32_t n = rtc_irqs;
    if (n < 70)
        irq_pm[n] = pm_timer_read();
    last_c = c;
    or_c |= c;
    rtc_irqs = n + 1;
    pic_eoi(RTC_IRQ);
}

/* Interrupts off in register B and the new rate in A, then drain what is
 * in flight (a request the PIC latched is taken with interrupts on), then
 * register C is read (PF is set by the divider chain whether or not PIE
 * is, so a stale flag would interrupt at once when PIE goes on) and the
 * enables are set with fresh counters. */
static void rtc_program(uint8_t regb, uint8_t rate, uint8_t enables)
{
    cli();
    cmos_write(RTC_B, (uint8_t)(regb & ~(B_PIE | B_AIE | B_UIE)));
    cmos_write(RTC_A, (uint8_t)(A_DV_32KHZ | rate));
    (void)cmos_read(RTC_C);
    sti();
    pm_delay_ms(5);
    cli();
    rtc_irqs = 0;
    last_c = or_c = 0;
    (void)cmos_read(RTC_C);
    cmos_write(RTC_B, (uint8_t)((regb & ~(B_PIE | B_AIE | B_UIE)) | enables));
    sti();
}

static unsigned decode(uint8_t v, bool binary)
{
    return binary ? v : (v >> 4) * 10u + (v & 0x0F);
}

static void read_raw(uint8_t raw[7])
{
    raw[0] = cmos_read(RTC_SEC);
    raw[1] = cmos_read(RTC_MIN);
    raw[2] = cmos_read(RTC_HOUR);
    raw[3] = cmos_read(RTC_MDAY);
    raw[4] = cmos_read(RTC_MON);
    raw[5] = cmos_read(RTC_YEAR);
    raw[6] = cmos_read(RTC_CENTURY);
}

static void read_time(struct rtc_time *t)
{
    uint8_t a[7], b[7];
    for (int tries = 0; tries < 100; tries++) {
        while (cmos_read(RTC_A) & A_UIP)
            ;
        read_raw(a);
        while (cmos_read(RTC_A) & A_UIP)
            ;
        read_raw(b);
        if (memcmp(a, b, sizeof(a)) == 0)
            break;
    }
    uint8_t regb = cmos_read(RTC_B);
    bool binary = regb & B_DM_BINARY;
    t->sec = decode(b[0], binary);
    t->min = decode(b[1], binary);
    t->pm = !(regb & B_24H) && (b[2] & 0x80);
    t->hour = decode(b[2] & 0x7F, binary);
    if (!(regb & B_24H)) {                 /* 12-hour: 12 AM is 0, 12 PM is 12 */
        t->hour %= 12;
        if (t->pm)
            t->hour += 12;
    }
    t->mday = decode(b[3], binary);
    t->mon = decode(b[4], binary);
    unsigned century = decode(b[6], binary);
    t->year = (century >= 19 && century <= 21 ? century : 20) * 100 + decode(b[5], binary);
}

static unsigned secs_of_day(const struct rtc_time *t)
{
    return (t->hour * 60 + t->min) * 60 + t->sec;
}

/* ---- the guard: a local APIC TSC-deadline timer bounds every wait ---- */

#define LAPIC_BASE        0xFEE00000u
#define LAPIC_EOI         0x0B0u
#define LAPIC_SVR         0x0F0u
#define LAPIC_LVT_TIMER   0x320u
#define LVT_TSC_DEADLINE  (2u << 17)
#define MSR_TSC_DEADLINE  0x6E0u
#define GUARD_VECTOR      0x50u

static uint64_t tsc_per_ms;
static volatile bool timed_out;

static void lapic_write(uint32_t off, uint32_t v)
{
    __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + off))
                     : "r"(v) : "memory");
}

static void guard_handler(unsigned vector)
{
    (void)vector;
    timed_out = true;
    lapic_write(LAPIC_EOI, 0);
}

static void guard_init(void)
{
    uint32_t pm0 = pm_timer_read();
    uint64_t t0 = rdtsc();
    pm_delay_us(20000);
    uint64_t t1 = rdtsc();
    uint32_t us = (uint32_t)pm_ticks_to_us(pm_elapsed(pm0));
    tsc_per_ms = udiv64((t1 - t0) * 1000u, us ? us : 1, 0);
    irq_install(GUARD_VECTOR, guard_handler);
    lapic_write(LAPIC_SVR, 0x1FF);
    lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | GUARD_VECTOR);
}

/* HLTs until `want` RTC interrupts arrived, or until the guard fires after
 * limit_ms (a TSC-deadline interrupt: the wait cannot hang even if the RTC
 * stops interrupting). Returns the count. */
static uint32_t wait_irqs(uint32_t want, uint32_t limit_ms)
{
    cli();
    timed_out = false;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + tsc_per_ms * limit_ms);
    while (rtc_irqs < want && !timed_out) {
        sti_hlt();
        cli();
    }
    wrmsr(MSR_TSC_DEADLINE, 0);
    sti();
    return rtc_irqs;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("rtc");

    uint8_t rega = cmos_read(RTC_A), regb = cmos_read(RTC_B);
    note("register A 0x%02x, B 0x%02x (%s, %s)", rega, regb,
         regb & B_DM_BINARY ? "binary" : "BCD", regb & B_24H ? "24-hour" : "12-hour");
    check((rega & 0x70) == A_DV_32KHZ, "register A divider 32.768 kHz (A = 0x%02x)", rega);

    struct rtc_time t0, t1;
    read_time(&t0);
    note("date %04u-%02u-%02u %02u:%02u:%02u", t0.year, t0.mon, t0.mday, t0.hour, t0.min,
         t0.sec);
    check(t0.year >= 1990 && t0.year <= 2099 && t0.mon >= 1 && t0.mon <= 12 &&
          t0.mday >= 1 && t0.mday <= 31 && t0.hour < 24 && t0.min < 60 && t0.sec < 60,
          "date and time fields in range");

    pm_delay_ms(2000);
    read_time(&t1);
    unsigned s0 = secs_of_day(&t0), s1 = secs_of_day(&t1);
    unsigned advanced = s1 >= s0 ? s1 - s0 : s1 + 86400 - s0;
    note("2 s of PM timer later: %02u:%02u:%02u", t1.hour, t1.min, t1.sec);
    check(advanced >= 1 && advanced <= 3, "the clock advanced %u s in 2 s (expected 1-3)",
          advanced);

    /* Periodic interrupt at 1024 Hz through the PIC. */
    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(RTC_VECTOR, rtc_handler);
    guard_init();
    pic_unmask(RTC_IRQ);
    rtc_program(regb, 6, B_PIE);
    uint32_t n = wait_irqs(65, 1000);
    check(n >= 65, "%u periodic interrupts at rate 6 (wanted 65)", n);
    check((or_c & (C_IRQF | C_PF)) == (C_IRQF | C_PF),
          "register C in the handler had IRQF and PF (0x%02x)", last_c);
    if (n >= 65) {
        uint32_t us = (uint32_t)pm_ticks_to_us(pm_diff(irq_pm[0], irq_pm[64]));
        check(us >= 50000 && us <= 75000,
              "64 periods at 1024 Hz took %u us (expected 62500 +-20%%)", us);
    }

    /* Rate 15: 2 Hz. */
    rtc_program(regb, 15, B_PIE);
    n = wait_irqs(3, 2500);
    check(n >= 3, "%u periodic interrupts at rate 15 (wanted 3)", n);
    if (n >= 3) {
        uint32_t ms1 = pm_ticks_to_ms(pm_diff(irq_pm[0], irq_pm[1]));
        uint32_t ms2 = pm_ticks_to_ms(pm_diff(irq_pm[1], irq_pm[2]));
        check(ms1 >= 450 && ms1 <= 550 && ms2 >= 450 && ms2 <= 550,
              "2 Hz periods of %u and %u ms (expected 500 +-10%%)", ms1, ms2);
    }

    /* Update-ended interrupt instead: one per second, the seconds changed. */
    rtc_program(regb, rega & 0x0F, B_UIE);
    uint8_t sec_before = cmos_read(RTC_SEC);
    n = wait_irqs(1, 1100);
    uint8_t sec_after = cmos_read(RTC_SEC);
    check(n >= 1 && (or_c & C_UF), "update-ended interrupt (%u, register C 0x%02x)", n, last_c);
    check(sec_after != sec_before, "seconds register changed with the update (0x%02x -> 0x%02x)",
          sec_before, sec_after);

    /* Off again: no more interrupts. */
    rtc_program(regb, rega & 0x0F, 0);
    pm_delay_ms(1200);
    check(rtc_irqs == 0, "no interrupt with PIE and UIE clear (%u)", rtc_irqs);
    cmos_write(RTC_A, rega);

    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    return test_end();
}
