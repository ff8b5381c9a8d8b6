/*
 * pit: the 8254 PIT's channel 0 as the system tick, through the 8259A PIC.
 *
 *   - remaps the PIC pair (ICW1-4: IRQ 0-7 at 0x20, 8-15 at 0x28);
 *   - programs channel 0 in mode 2 (rate generator) at 100 Hz (count
 *     11932), unmasks IRQ 0 and HLTs with interrupts on until the IRQ 0
 *     handler (which EOIs the PIC) has counted 100 ticks after the first;
 *   - measures those 100 periods with the ACPI PM timer: 1 s +-10%;
 *   - while the counter runs: the read-back command (status byte: mode 2,
 *     LSB/MSB access, count loaded; count within 1..11932), and the counter
 *     latch command: a latched count stays frozen while time passes (read
 *     3 ms after latching, it matches the latch time, not the read time),
 *     and the counter runs as fast as the PM timer says;
 *   - the PIC's ISR is empty after the handler's EOIs, and no interrupt
 *     came on any other vector.
 */
#include "guest.h"

#define TICK_HZ        100u
#define PIT_COUNT      ((PIT_HZ + TICK_HZ / 2) / TICK_HZ)      /* 11932 */
#define PIT_MODE2_CH0  0x34     /* channel 0, LSB then MSB, mode 2, binary */
#define PIT_LATCH_CH0  0x00     /* counter latch command for channel 0 */
#define PIT_RB_CH0     0xC2     /* read-back: latch count and status of channel 0 */
#define IRQ0_VECTOR    PIC_MASTER_VECTOR
#define TICKS          100u

static volatile uint32_t ticks;
static volatile uint32_t tick_pm[TICKS + 2];   /* PM timer at each tick */

static void irq0_handler(unsigned vector)
{
    (void)vector;
    uint32_t t = ticks;
    if (t < TICKS + 2)
        tick_pm[t] = pm_timer_read();
    ticks = t + 1;
    pic_eoi(0);
}

static uint16_t read_count_lsb_msb(void)
{
    uint8_t lo = inb(PIT_CH0);
    uint8_t hi = inb(PIT_CH0);
    return (uint16_t)(lo | hi << 8);
}

/* Counts between two samples of a mode 2 counter going down from
 * PIT_COUNT to 1 (less than one period apart). */
static uint32_t counts_between(uint32_t first, uint32_t later)
{
    return first >= later ? first - later : first + PIT_COUNT - later;
}

/* How far the counter's progress from `first` to `later` is from what the
 * PM timer measured (pm_ticks; 3 PM ticks per PIT tick), modulo the period,
 * in PIT ticks (-period/2 .. period/2). */
static int32_t pit_vs_pm(uint32_t first, uint32_t later, uint32_t pm_ticks)
{
    uint32_t expected = (pm_ticks / 3) % PIT_COUNT;
    int32_t d = (int32_t)counts_between(first, later) - (int32_t)expected;
    if (d > (int32_t)PIT_COUNT / 2)
        d -= PIT_COUNT;
    if (d < -(int32_t)PIT_COUNT / 2)
        d += PIT_COUNT;
    return d;
}

/* Latch channel 0's count, with the PM timer just before in *pm. True when
 * the latch followed that read closely (under 200 us: no other guest ran
 * in between). */
static bool latch_ch0(uint32_t *pm)
{
    uint32_t before = pm_timer_read();
    outb(PIT_CMD, PIT_LATCH_CH0);
    uint32_t after = pm_timer_read();
    *pm = before;
    return pm_ticks_to_us(pm_diff(before, after)) < 200;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("pit");

    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(IRQ0_VECTOR, irq0_handler);

    outb(PIT_CMD, PIT_MODE2_CH0);
    outb(PIT_CH0, PIT_COUNT & 0xFF);
    outb(PIT_CH0, PIT_COUNT >> 8);
    note("channel 0 in mode 2, count %u (%u Hz), IRQ 0 at vector 0x%x",
         PIT_COUNT, TICK_HZ, IRQ0_VECTOR);
    pic_unmask(0);

    /* 100 periods from the first tick to the 101st. The guard ends the
     * wait if the ticks stop: about 3 s of PM time. */
    uint32_t wait_start = pm_timer_read();
    uint64_t waited = 0;
    cli();
    while (ticks < TICKS + 1 && waited < 3u * PM_TIMER_HZ) {
        sti_hlt();
        cli();
        waited += pm_elapsed(wait_start);
        wait_start = pm_timer_read();
    }
    uint32_t got = ticks;
    sti();
    check(got >= TICKS + 1, "%u IRQ 0 ticks counted (wanted %u)", got, TICKS + 1);
    if (got >= TICKS + 1) {
        uint32_t ms = pm_ticks_to_ms(pm_diff(tick_pm[0], tick_pm[TICKS]));
        check(ms >= 900 && ms <= 1100,
              "%u ticks at %u Hz took %u ms by the PM timer (expected 1000 +-10%%)",
              TICKS, TICK_HZ, ms);
        /* Period by period: none may be wildly off (a lost or doubled edge). */
        uint32_t min_us = ~0u, max_us = 0, max_at = 0;
        for (unsigned i = 1; i <= TICKS; i++) {
            uint32_t us = (uint32_t)pm_ticks_to_us(pm_diff(tick_pm[i - 1], tick_pm[i]));
            if (us < min_us) min_us = us;
            if (us > max_us) { max_us = us; max_at = i; }
        }
        note("periods between ticks: min %u us, max %u us (before tick %u, %u ms after the first)",
             min_us, max_us, max_at, pm_ticks_to_ms(pm_diff(tick_pm[0], tick_pm[max_at])));
        /* A late tick is followed by one on schedule (the PIT keeps its
         * phase), so only the longest gap is checked. */
        check(max_us <= 30000, "no gap between ticks over 30 ms (longest %u us)", max_us);
    }

    /* Read-back of count and status while the counter runs (IRQ 0 masked
     * meanwhile, so nothing reads the PIT in between). */
    pic_mask(0);
    outb(PIT_CMD, PIT_RB_CH0);
    uint8_t status = inb(PIT_CH0);
    uint16_t count = read_count_lsb_msb();
    check((status & 0x7F) == 0x34,
          "read-back status 0x%02x: mode 2, LSB/MSB, count loaded (low 7 bits 0x34)", status);
    check(count >= 1 && count <= PIT_COUNT, "read-back count %u within 1..%u", count, PIT_COUNT);

    /* Latch, wait 3 ms, read: the value is the one at the latch. The PIT
     * is compared with the PM timer modulo the period; a measurement where
     * the hypervisor switched to the other guest right at a latch (the PM
     * reads around it are far apart) says nothing and is repeated. */
    uint16_t latched = 0, now = 0;
    uint32_t pm0 = 0, pm1 = 0;
    for (int tries = 0; tries < 5; tries++) {
        bool tight = latch_ch0(&pm0);
        pm_delay_us(3000);
        latched = read_count_lsb_msb();
        tight &= latch_ch0(&pm1);
        now = read_count_lsb_msb();
        if (tight)
            break;
    }
    int32_t err = pit_vs_pm(latched, now, pm_diff(pm0, pm1));
    note("latched count %u, then %u; the PM timer says %u PIT ticks passed",
         latched, now, pm_diff(pm0, pm1) / 3);
    check(latched >= 1 && latched <= PIT_COUNT && now >= 1 && now <= PIT_COUNT,
          "latched counts %u and %u within 1..%u", latched, now, PIT_COUNT);
    check(err >= -600 && err <= 600,
          "latched count frozen for 3 ms: %d PIT ticks off the PM timer (limit 600)", err);

    /* Two latches 1 ms apart: the counter moved as much as the PM timer. */
    uint16_t a = 0, b = 0;
    uint32_t pm2 = 0, pm3 = 0;
    for (int tries = 0; tries < 5; tries++) {
        bool tight = latch_ch0(&pm2);
        a = read_count_lsb_msb();
        pm_delay_us(1000);
        tight &= latch_ch0(&pm3);
        b = read_count_lsb_msb();
        if (tight)
            break;
    }
    err = pit_vs_pm(a, b, pm_diff(pm2, pm3));
    check(a != b && err >= -600 && err <= 600,
          "counter ran %u PIT ticks in %u us (%u -> %u): %d off the PM timer (limit 600)",
          counts_between(a, b), (uint32_t)pm_ticks_to_us(pm_diff(pm2, pm3)), a, b, err);

    check_eq("PIC ISR after the handler's EOIs", pic_read_isr(), 0);
    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    return test_end();
}
