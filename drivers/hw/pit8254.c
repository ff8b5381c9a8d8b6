/*
 * TSC calibration with PIT channel 2: mode 0 (interrupt on terminal count)
 * counts down once from the programmed value; its output, readable in port
 * 0x61 bit 5, goes high at zero. The gate (port 0x61 bit 0) starts it and
 * the speaker (bit 1) stays off.
 */
#include "drivers/hw/pit8254.h"
#include "boot/x86.h"

#define PIT_PORT_CH2        0x42
#define PIT_PORT_MODE       0x43
#define PIT_MODE_CH2_LOHI_MODE0 0xB0   /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_NMI_SC         0x61        /* system control port B */
#define   NMI_SC_GATE2      0x01
#define   NMI_SC_SPEAKER    0x02
#define   NMI_SC_OUT2       0x20

#define CAL_MS              10
#define CAL_TICKS           (PIT_FREQUENCY_HZ * CAL_MS / 1000)

uint64_t pit8254_measure_tsc_hz(void)
{
    uint8_t sc = inb(PORT_NMI_SC);
    outb(PORT_NMI_SC, (sc & ~NMI_SC_SPEAKER) & ~NMI_SC_GATE2);
    outb(PIT_PORT_MODE, PIT_MODE_CH2_LOHI_MODE0);
    outb(PIT_PORT_CH2, CAL_TICKS & 0xFF);
    outb(PIT_PORT_CH2, CAL_TICKS >> 8);
    outb(PORT_NMI_SC, (sc & ~NMI_SC_SPEAKER) | NMI_SC_GATE2);

    uint64_t start = rdtsc();
    uint64_t limit = 0;
    while (!(inb(PORT_NMI_SC) & NMI_SC_OUT2)) {
        if (++limit > 100000000)                /* the PIT never answered */
            return 0;
    }
    uint64_t cycles = rdtsc() - start;
    outb(PORT_NMI_SC, sc);
    return cycles * 1000 / CAL_MS;
}
