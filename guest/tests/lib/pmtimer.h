/*
 * The ACPI power-management timer: a 24-bit counter at 3.579545 MHz at
 * port 0x608 (the FADT's PM_TMR_BLK on minivisor and QEMU), the guests'
 * reference clock for checking timer interrupts.
 *
 * The counter wraps every 2^24 ticks (4.69 s): pm_elapsed(start) is right
 * for intervals shorter than that; pm_clock() extends the count to 64 bits
 * as long as it is called at least once per wrap period.
 */
#ifndef GUEST_LIB_PMTIMER_H
#define GUEST_LIB_PMTIMER_H

#include <stdint.h>

#define PM_TIMER_PORT   0x608u
#define PM_TIMER_HZ     3579545u
#define PM_TIMER_MASK   0x00FFFFFFu

uint32_t pm_timer_read(void);

/* Ticks from `start` (a pm_timer_read value) to now, modulo 2^24. */
uint32_t pm_elapsed(uint32_t start);

/* Ticks from a to b (two pm_timer_read values, b later), modulo 2^24. */
static inline uint32_t pm_diff(uint32_t a, uint32_t b)
{
    return (b - a) & PM_TIMER_MASK;
}

/* A 64-bit tick count (see above). */
uint64_t pm_clock(void);

/* Conversions (rounded down). */
uint64_t pm_ticks_to_us(uint64_t ticks);
uint32_t pm_ticks_to_ms(uint64_t ticks);
uint64_t pm_us_to_ticks(uint64_t us);

/* Busy-waits (reading the timer) for at least `us` microseconds. */
void pm_delay_us(uint64_t us);
static inline void pm_delay_ms(uint32_t ms) { pm_delay_us((uint64_t)ms * 1000u); }

#endif
