/*
 * Host 8254 PIT, used once at boot to measure the TSC frequency
 * (Intel 82C54 datasheet; channel 2 gated through port 0x61 as on the PC).
 */
#ifndef DRIVERS_HW_PIT8254_H
#define DRIVERS_HW_PIT8254_H

#include <hv/types.h>

#define PIT_FREQUENCY_HZ 1193182

/* TSC cycles per second, measured over about 10 ms; 0 if the PIT does not count. */
uint64_t pit8254_measure_tsc_hz(void);

#endif
