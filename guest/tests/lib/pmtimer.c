/*
 * ACPI PM timer helpers (see pmtimer.h).
 */
#include "pmtimer.h"
#include "console.h"
#include "x86.h"

uint32_t pm_timer_read(void)
{
    return inl(PM_TIMER_PORT) & PM_TIMER_MASK;
}

uint32_t pm_elapsed(uint32_t start)
{
    return pm_diff(start, pm_timer_read());
}

uint64_t pm_clock(void)
{
    static uint64_t total;
    static uint32_t last;
    static int started;
    uint32_t now = pm_timer_read();

    if (!started) {
        started = 1;
        last = now;
    }
    total += pm_diff(last, now);
    last = now;
    return total;
}

uint64_t pm_ticks_to_us(uint64_t ticks)
{
    return udiv64(ticks * 1000000u, PM_TIMER_HZ, 0);
}

uint32_t pm_ticks_to_ms(uint64_t ticks)
{
    return (uint32_t)udiv64(ticks * 1000u, PM_TIMER_HZ, 0);
}

uint64_t pm_us_to_ticks(uint64_t us)
{
    return udiv64(us * PM_TIMER_HZ, 1000000u, 0);
}

void pm_delay_us(uint64_t us)
{
    uint64_t want = pm_us_to_ticks(us) + 1, done = 0;
    uint32_t last = pm_timer_read();

    while (done < want) {
        uint32_t now = pm_timer_read();
        done += pm_diff(last, now);
        last = now;
    }
}
