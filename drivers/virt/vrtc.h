/*
 * Model of the PC's real-time clock and CMOS RAM, a Motorola MC146818A
 * (reference: Motorola MC146818A datasheet; register use as on the IBM
 * PC/AT and by QEMU's mc146818rtc).
 *
 *   port 0x70  index register, write-only: bits 6:0 select one of 128 bytes,
 *              bit 7 (NMI disable on the PC) is ignored; reads return 0xFF
 *   port 0x71  data register: the selected byte
 *
 * Bytes 0x00-0x09 are the time-of-day and alarm registers, 0x0A-0x0D the
 * control registers A-D, 0x32 the century (IBM convention, also named by
 * the FADT's CENTURY field); every other byte is plain CMOS RAM. The clock
 * starts at a host time given to vrtc_init and then runs on the VM's
 * vclock. The time registers read in BCD or binary (register B DM bit) and
 * 12- or 24-hour format (B 24/12 bit), converted from one binary copy of the
 * time, as QEMU does (a real chip keeps the bytes in whatever format they
 * were written in).
 *
 * Interrupts (IRQ 8 via a virq_line): the chip's IRQ output is a level held
 * while register C's IRQF bit is set, i.e. from the first enabled event
 * (periodic PF with PIE, alarm AF with AIE, update-ended UF with UIE) until
 * the guest reads register C. A guest that falls behind therefore gets one
 * interrupt for a long gap, not a burst.
 *
 * Left out:
 *   - the daylight-saving bit (B bit 0) is stored but never adjusts the time;
 *   - the square-wave output (B SQWE) has no pin to drive;
 *   - the 4.194304 and 1.048576 MHz time bases: every divider setting other
 *     than "reset" (A DV2-0 = 11x) runs the 32.768 kHz chain;
 *   - out-of-range time values a guest writes (second 75, 31 February) are
 *     read back as written while B SET is 1, but are normalised (as by
 *     mktime) once the clock runs, instead of counting on from nonsense as a
 *     real chip does; the calendar is Gregorian (2100 is not a leap year);
 *   - the update cycle itself is instantaneous: UIP is 1 during the 244 us
 *     before each update, and the time registers always hold a whole second.
 */
#ifndef DRIVERS_VIRT_VRTC_H
#define DRIVERS_VIRT_VRTC_H

#include <hv/types.h>
#include "drivers/virt/vclock.h"
#include "drivers/virt/virq.h"

/* Its two ports, as one region (at BOARD_RTC_PORT, 0x70, on a PC). */
#define VRTC_INDEX_OFF      0
#define VRTC_DATA_OFF       1
#define VRTC_NUM_PORTS      2
#define VRTC_INDEX_NMI_DIS  0x80        /* port 0x70 bit 7: ignored */
#define VRTC_INDEX_MASK     0x7F

#define VRTC_CMOS_SIZE      128

/* CMOS register indexes. */
#define VRTC_REG_SEC        0x00
#define VRTC_REG_SEC_ALARM  0x01
#define VRTC_REG_MIN        0x02
#define VRTC_REG_MIN_ALARM  0x03
#define VRTC_REG_HOUR       0x04
#define VRTC_REG_HOUR_ALARM 0x05
#define VRTC_REG_WDAY       0x06        /* day of week, 1 = Sunday */
#define VRTC_REG_MDAY       0x07
#define VRTC_REG_MON        0x08
#define VRTC_REG_YEAR       0x09        /* year within the century */
#define VRTC_REG_A          0x0A
#define VRTC_REG_B          0x0B
#define VRTC_REG_C          0x0C
#define VRTC_REG_D          0x0D
#define VRTC_REG_CENTURY    0x32

/* Register A */
#define VRTC_A_UIP          0x80        /* update in progress (read-only) */
#define VRTC_A_DV_MASK      0x70        /* divider select DV2-0 */
#define VRTC_A_DV_32KHZ     0x20        /* 010: 32.768 kHz time base, running */
#define VRTC_A_DV_RESET     0x60        /* 11x: divider chain held in reset */
#define VRTC_A_RS_MASK      0x0F        /* periodic rate select RS3-0 */
#define VRTC_A_DEFAULT      (VRTC_A_DV_32KHZ | 0x06)   /* as left by a PC BIOS: 1024 Hz */

/* Register B */
#define VRTC_B_SET          0x80        /* freeze updates, the guest sets the time */
#define VRTC_B_PIE          0x40        /* periodic interrupt enable */
#define VRTC_B_AIE          0x20        /* alarm interrupt enable */
#define VRTC_B_UIE          0x10        /* update-ended interrupt enable */
#define VRTC_B_SQWE         0x08        /* square-wave enable (no effect) */
#define VRTC_B_DM_BINARY    0x04        /* data mode: 1 binary, 0 BCD */
#define VRTC_B_24H          0x02        /* 1: 24-hour, 0: 12-hour with PM in bit 7 */
#define VRTC_B_DSE          0x01        /* daylight saving enable (no effect) */
#define VRTC_B_DEFAULT      VRTC_B_24H  /* BCD, 24-hour, no interrupts */

/* Register C: flags, all cleared when C is read */
#define VRTC_C_IRQF         0x80        /* (PF & PIE) | (AF & AIE) | (UF & UIE) */
#define VRTC_C_PF           0x40        /* periodic tick */
#define VRTC_C_AF           0x20        /* alarm matched */
#define VRTC_C_UF           0x10        /* update ended */

/* Register D */
#define VRTC_D_VRT          0x80        /* valid RAM and time: battery good */

#define VRTC_HOUR_PM        0x80        /* 12-hour mode: bit 7 of the hour */
#define VRTC_ALARM_DONT_CARE 0xC0       /* alarm byte with bits 7:6 set matches any value */

/* CMOS RAM bytes filled in as a PC BIOS does (see vrtc_init). */
#define VRTC_CMOS_FLOPPY      0x10      /* drive types: 0 = none */
#define VRTC_CMOS_EQUIPMENT   0x14
#define VRTC_EQUIP_FPU        0x02      /* math coprocessor present */
#define VRTC_CMOS_BASE_LO     0x15      /* base memory in KiB */
#define VRTC_CMOS_BASE_HI     0x16
#define VRTC_CMOS_EXT_LO      0x17      /* memory above 1 MiB in KiB, up to 65535 */
#define VRTC_CMOS_EXT_HI      0x18
#define VRTC_CMOS_CSUM_FIRST  0x10      /* checksum covers 0x10-0x2D ... */
#define VRTC_CMOS_CSUM_LAST   0x2D
#define VRTC_CMOS_CSUM_HI     0x2E      /* ... stored big-endian at 0x2E-0x2F */
#define VRTC_CMOS_CSUM_LO     0x2F
#define VRTC_CMOS_EXT2_LO     0x30      /* copy of 0x17-0x18 */
#define VRTC_CMOS_EXT2_HI     0x31
#define VRTC_CMOS_HIGH_LO     0x34      /* memory above 16 MiB in 64 KiB units */
#define VRTC_CMOS_HIGH_HI     0x35
#define VRTC_BASE_MEM_KIB     640

/* How long UIP is seen set before each update: 8 cycles of 32.768 kHz. */
#define VRTC_UIP_NS         244141ULL

/* A calendar time: binary values, full year (e.g. 2024), month 1-12,
 * mday 1-31, hour 0-23. */
struct vrtc_time {
    uint16_t year;
    uint8_t mon, mday, hour, min, sec;
};

struct vrtc {
    struct vclock clock;
    struct virq_line irq;
    uint8_t cmos[VRTC_CMOS_SIZE];   /* RAM, alarm bytes, A and B (C, D, time kept apart) */
    uint8_t index;                  /* port 0x70, bits 6:0 */
    uint8_t reg_c;                  /* flags latched since C was last read */
    bool irq_level;                 /* what the IRQ line was last set to */
    /* The time registers, binary: the time at `last`. Raw guest values
     * while frozen (B SET or divider reset), normalised while running. */
    struct vrtc_time tm;
    uint8_t wday;                   /* 1-7, 1 = Sunday */
    /* Internal times are vclock ns + NS_PER_SEC (vrtc.c: rtc_now) so the
     * divider origin may lie up to a second before the VM started. */
    uint64_t div0;                  /* when the 32.768 kHz divider chain was 0;
                                     * updates happen at div0 + k seconds */
    uint64_t last;                  /* state above is as of this time */
};

/*
 * Set up the RTC: time `now` (the host's wall-clock time, e.g. read from the
 * host RTC; fields are normalised if out of range), register A = 0x26
 * (running, 1024 Hz rate), B = 0x02 (BCD, 24-hour, interrupts off),
 * the first update one second from now. CMOS RAM is zeroed and then given
 * what a PC BIOS leaves there for `ram_size` bytes of guest RAM: no floppy
 * drives (0x10), an FPU (equipment byte 0x14), 640 KiB base memory
 * (0x15-0x16), KiB above 1 MiB (0x17-0x18 and 0x30-0x31, capped at 65535),
 * 64 KiB blocks above 16 MiB (0x34-0x35, capped at 65535) and the checksum
 * of 0x10-0x2D at 0x2E-0x2F. `clock` and `irq` are copied; irq->line is
 * normally ISA IRQ 8 (BOARD_RTC_IRQ). The line is set low.
 */
void vrtc_init(struct vrtc *r, const struct vclock *clock, const struct virq_line *irq,
               const struct vrtc_time *now, uint64_t ram_size);

/*
 * Bring the chip up to the vclock's current time: advance the time
 * registers, latch the PF/UF/AF flags of every tick and update that has
 * passed, and raise the IRQ line if an enabled flag is now set. Port
 * accesses do this themselves; the VM calls it when vrtc_next_event says.
 */
void vrtc_advance(struct vrtc *r);

/*
 * vclock time of the next event that would raise the IRQ line: a periodic
 * tick (PIE and RS != 0), or an update (UIE or AIE). VCLOCK_NEVER when none
 * is enabled, the divider is in reset, or the line is already high (it
 * stays high until the guest reads register C, which may schedule the next
 * event). May be in the past when vrtc_advance has not run since: call it.
 */
uint64_t vrtc_next_event(const struct vrtc *r);

/* io_ops callbacks for the two ports (offset 0 = index,
 * 1 = data). Wider accesses are split into bytes at successive ports; bytes
 * outside the two ports read 0xFF and are not written. Never fail. */
int vrtc_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vrtc_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
