/*
 * Model of the PC's Intel 8254 programmable interval timer (Intel 82C54
 * CHMOS Programmable Interval Timer datasheet, order no. 231244) with its
 * input clock of 1193182 Hz, and of the PC/AT system control port B
 * (port 0x61) that gates channel 2.
 *
 *   0x40-0x42  counters 0, 1, 2          0x43  control word (write only)
 *   0x61       bit 0 gate 2, bit 1 speaker data enable, bits 2-3 stored,
 *              bit 4 refresh toggle (read only), bit 5 OUT2 (read only)
 *
 * Channel 0's gate is tied high and its OUT drives IRQ 0; channel 1 (DRAM
 * refresh on old PCs) has its gate tied high and drives nothing; channel 2's
 * gate is port 0x61 bit 0 and its OUT is readable in port 0x61 bit 5.
 *
 * Nothing ticks: a counter remembers when it started counting (vclock ns)
 * and every access computes the count and OUT from the elapsed time,
 * elapsed ticks = (now - start) * 1193182 / 10^9. Counter tick k therefore
 * happens at the first ns at or after start + k * 10^9 / 1193182.
 *
 * Implemented: all six modes (0 interrupt on terminal count, 1 hardware
 * retriggerable one-shot, 2 rate generator, 3 square wave, 4 software and
 * 5 hardware triggered strobe; 6 and 7 alias 2 and 3), LSB / MSB / LSB-then-
 * MSB access, count 0 = 65536, the counter latch command, the read-back
 * command (count and/or status of any counters; status = OUT, null count,
 * RW, mode, BCD), gate behaviour per mode, new counts in modes 2 and 3
 * taking effect at the end of the current period.
 *
 * IRQ 0: each rising edge of channel 0's OUT (one per period in modes 2
 * and 3, one at terminal count in modes 0 and 1, the end of the strobe in
 * 4 and 5) is a virq_pulse on the line given at init, delivered by
 * vpit8254_advance(). Edges that came due while the VM was not looking are
 * not queued: one advance() delivers at most ONE edge however many periods
 * went by (a long gap gives one late interrupt, not a burst), and the next
 * edge is the next one of the counter's own schedule after "now", so the
 * phase of the period is kept. Reprogramming channel 0 first delivers an
 * edge that was already due.
 *
 * Model choices and what is left out:
 *   - A count is loaded into the counting element at the instant it is
 *     written (the chip does it on the next CLK edge, up to 838 ns later),
 *     so a mode 0 count N has OUT rise exactly N ticks after the write.
 *   - Channels start unprogrammed (mode 0, LSB/MSB, no count, not counting,
 *     OUT low): there is no BIOS-programmed 18.2 Hz tick, no IRQ 0 until
 *     the guest programs channel 0.
 *   - BCD counting is not done: the BCD bit is kept and reported in the
 *     status byte, but counts are binary.
 *   - In mode 3 with an odd count the OUT timing is exact ((N+1)/2 ticks
 *     high, (N-1)/2 low) but the values read back follow the even-count
 *     pattern (decrement by two from N).
 *   - A count written while mode 2 or 3 runs is loaded at the end of the
 *     current period (the chip loads it at the end of the current
 *     half-period in mode 3).
 *   - The status byte reports modes 6 and 7 as 2 and 3.
 *   - Reading the control port returns 0xFF (the chip does not drive it).
 *   - Port 0x61: the refresh bit toggles on every read (not with time), so
 *     delay loops that wait for it to change always make progress; the
 *     speaker makes no sound; parity/channel check (bits 6-7) read 0.
 */
#ifndef DRIVERS_VIRT_VPIT8254_H
#define DRIVERS_VIRT_VPIT8254_H

#include <hv/types.h>
#include "drivers/virt/vclock.h"
#include "drivers/virt/virq.h"

#define VPIT_FREQ_HZ        1193182ULL
#define VPIT_NUM_PORTS      4
#define VPIT_PORT61_NUM_PORTS 1
#define VPIT_NUM_CHANNELS   3

/* Port offsets from the first port (BOARD_PIT_PORT, 0x40, on a PC). */
#define PIT_REG_CH0         0
#define PIT_REG_CH1         1
#define PIT_REG_CH2         2
#define PIT_REG_CONTROL     3

/* Control word (port 0x43). */
#define PIT_CTRL_SC_SHIFT   6           /* select counter 0-2, 3 = read-back */
#define PIT_CTRL_SC_READBACK 3
#define PIT_CTRL_RW_SHIFT   4
#define PIT_CTRL_RW_MASK    0x30
#define PIT_RW_LATCH        0           /* counter latch command */
#define PIT_RW_LSB          1
#define PIT_RW_MSB          2
#define PIT_RW_LSB_MSB      3
#define PIT_CTRL_MODE_SHIFT 1
#define PIT_CTRL_MODE_MASK  0x0E
#define PIT_CTRL_BCD        0x01

#define PIT_MODE_INT_ON_TC  0           /* mode 0: interrupt on terminal count */
#define PIT_MODE_ONESHOT    1           /* mode 1: hardware retriggerable one-shot */
#define PIT_MODE_RATE       2           /* mode 2: rate generator */
#define PIT_MODE_SQUARE     3           /* mode 3: square wave */
#define PIT_MODE_SW_STROBE  4           /* mode 4: software triggered strobe */
#define PIT_MODE_HW_STROBE  5           /* mode 5: hardware triggered strobe */

/* Read-back command: 0xC0 | bits below (COUNT/STATUS are active low). */
#define PIT_RB_NO_COUNT     0x20        /* don't latch the count */
#define PIT_RB_NO_STATUS    0x10        /* don't latch the status */
#define PIT_RB_CH(n)        (0x02 << (n))

/* Status byte (read-back). */
#define PIT_STATUS_OUT      0x80
#define PIT_STATUS_NULL     0x40        /* null count: last count not loaded yet */
/* bits 5-0 as the control word's RW, mode and BCD fields */

/* System control port B (0x61). */
#define PORT61_GATE2        0x01
#define PORT61_SPEAKER      0x02
#define PORT61_PARITY_DIS   0x04
#define PORT61_IOCHK_DIS    0x08
#define PORT61_RW_MASK      0x0F        /* bits a write can change */
#define PORT61_REFRESH      0x10
#define PORT61_OUT2         0x20

struct vpit_channel {
    /* programming */
    uint8_t mode;           /* 0-5 */
    uint8_t rw;             /* PIT_RW_LSB / MSB / LSB_MSB */
    bool bcd;               /* kept for the status byte only */
    bool gate;
    uint32_t count;         /* last count written, 1-65536 */
    bool armed;             /* a complete count since the control word */
    bool null_count;        /* count written but not yet in the counting element */
    /* counting element */
    bool running;           /* counting from start_ns */
    uint64_t start_ns;      /* when counting began (tick 0) */
    uint64_t start_tick;    /* tick at which the counting element held `start` */
    uint32_t start;         /* 1-65536; in modes 2/3 the period in ticks */
    bool tc;                /* modes 0/1/4/5: terminal count already passed */
    uint16_t hold;          /* count while not running */
    bool out_hold;          /* OUT while not running */
    bool reload_pending;    /* modes 2/3: `count` becomes the period at reload_ns */
    uint64_t reload_tick, reload_ns;
    /* byte access */
    bool wr_msb_next;       /* LSB_MSB: next write is the MSB */
    uint8_t wr_lsb;
    bool rd_msb_next;       /* LSB_MSB: next (unlatched) read is the MSB */
    bool count_latched;
    bool latch_msb_next;    /* LSB_MSB: next latched read is the MSB */
    uint16_t latched_count;
    bool status_latched;
    uint8_t latched_status;
};

struct vpit8254 {
    struct vpit_channel ch[VPIT_NUM_CHANNELS];
    struct vclock clock;
    struct virq_line irq0;
    uint64_t irq0_done_ns;  /* channel 0 edges up to here have been dealt with */
    uint8_t port61;         /* PORT61_RW_MASK bits */
    bool refresh;
};

/* Reset to the unprogrammed state (see above). `clock` and `irq0` are
 * copied; irq0 (or its set) may be NULL: no interrupt wired. */
void vpit8254_init(struct vpit8254 *p, const struct vclock *clock, const struct virq_line *irq0);

/* Deliver channel 0's IRQ 0 edge if one came due since the last call:
 * at most one virq_pulse per call, however long the gap (see above). Call
 * it when vpit8254_next_event() has passed, and before injecting. */
void vpit8254_advance(struct vpit8254 *p);

/* vclock time (ns) of the next channel 0 edge not yet delivered by
 * vpit8254_advance (it may already be in the past), or VCLOCK_NEVER. */
uint64_t vpit8254_next_event(const struct vpit8254 *p);

/* Port handlers (struct io_ops); dev is the struct vpit8254. vpit8254_*
 * at base 0x40 (4 ports), port61_* at base 0x61 (1 port). Byte accesses;
 * a wider access is split into byte accesses to consecutive ports, bytes
 * past the region read as 0xFF / are dropped. Always return 0. A write may
 * deliver a due IRQ 0 edge (reprogramming channel 0). */
int vpit8254_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vpit8254_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vpit8254_port61_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vpit8254_port61_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
