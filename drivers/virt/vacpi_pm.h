/*
 * ACPI fixed-hardware power-management registers (reference: ACPI
 * Specification 6.5, "ACPI Hardware Specification" -> "Fixed Hardware
 * Programming Model", "PM1 Event Grouping", "PM1 Control Grouping", "Power
 * Management Timer"), laid out as QEMU's PIIX4 PM device (whose base, 0x600,
 * the board uses too: BOARD_ACPI_PM_PORT in include/hv/board_layout.h):
 *
 *   +0  PM1a_EVT_BLK, 4 bytes: PM1_STS (16-bit, write 1 to clear),
 *                              PM1_EN (16-bit)
 *   +4  PM1a_CNT_BLK, 2 bytes: PM1_CNT
 *   +8  PM_TMR_BLK,   4 bytes: 24-bit timer at 3.579545 MHz (read-only)
 *
 * The guest is always in ACPI mode (SCI_EN reads 1; there is no SMI_CMD to
 * switch). Writing SLP_EN with SLP_TYP equal to the S5 value given at init
 * (the one in the DSDT's \_S5_ package) calls poweroff(ctx). Any other
 * sleeping state "wakes up" at once: WAK_STS is set and nothing else
 * happens, so an OS that polls WAK_STS after an S1 request carries on.
 *
 * Left out:
 *   - the SCI: no interrupt is ever raised. The only status bit that can
 *     become set by itself is TMR_STS (the timer's bit 23 toggled), which
 *     OSes do not enable; WAK_STS is set only by the guest's own sleep
 *     requests;
 *   - the power and sleep buttons (the FADT says they are absent), RTC
 *     wake, bus master status, the global lock (GBL_RLS is ignored);
 *   - PM1b blocks, PM2_CNT, the GPE blocks;
 *   - the 32-bit timer (TMR_VAL_EXT): the FADT must leave that flag clear.
 */
#ifndef DRIVERS_VIRT_VACPI_PM_H
#define DRIVERS_VIRT_VACPI_PM_H

#include <hv/types.h>
#include "drivers/virt/vclock.h"
#include <hv/acpi_layout.h>

/* One region of VACPI_PM_NUM_PORTS I/O ports (at BOARD_ACPI_PM_PORT). */
#define VACPI_PM_NUM_PORTS      12
#define VACPI_PM1_EVT_LEN       4       /* FADT PM1_EVT_LEN */
#define VACPI_PM1_CNT_LEN       2       /* FADT PM1_CNT_LEN */
#define VACPI_PM_TMR_LEN        4       /* FADT PM_TMR_LEN */

/* Offsets inside the region: the FADT's PM1a_EVT_BLK, PM1a_CNT_BLK and
 * PM_TMR_BLK are the region's port plus these. */
#define VACPI_PM1_STS_OFF       0
#define VACPI_PM1_EN_OFF        2
#define VACPI_PM1_CNT_OFF       4
#define VACPI_PM_TMR_OFF        8

/* PM1_STS */
#define VACPI_PM1_STS_TMR       BIT(0)  /* timer bit 23 toggled */
#define VACPI_PM1_STS_BM        BIT(4)
#define VACPI_PM1_STS_GBL       BIT(5)
#define VACPI_PM1_STS_PWRBTN    BIT(8)
#define VACPI_PM1_STS_SLPBTN    BIT(9)
#define VACPI_PM1_STS_RTC       BIT(10)
#define VACPI_PM1_STS_PCIEXP_WAKE BIT(14)
#define VACPI_PM1_STS_WAK       BIT(15) /* woke from a sleeping state */

/* PM1_EN: the writable enable bits */
#define VACPI_PM1_EN_TMR        BIT(0)
#define VACPI_PM1_EN_GBL        BIT(5)
#define VACPI_PM1_EN_PWRBTN     BIT(8)
#define VACPI_PM1_EN_SLPBTN     BIT(9)
#define VACPI_PM1_EN_RTC        BIT(10)
#define VACPI_PM1_EN_PCIEXP_WAKE_DIS BIT(14)
#define VACPI_PM1_EN_MASK       (VACPI_PM1_EN_TMR | VACPI_PM1_EN_GBL | VACPI_PM1_EN_PWRBTN | \
                                 VACPI_PM1_EN_SLPBTN | VACPI_PM1_EN_RTC | \
                                 VACPI_PM1_EN_PCIEXP_WAKE_DIS)

/* PM1_CNT: the ACPI_PM1_CNT_* bits of include/hv/acpi_layout.h. SCI_EN
 * reads 1 and ignores writes; GBL_RLS and SLP_EN are write-only (read 0). */

/* PM timer */
#define VACPI_PM_TMR_HZ         3579545ULL
#define VACPI_PM_TMR_BITS       24
#define VACPI_PM_TMR_MASK       ((1U << VACPI_PM_TMR_BITS) - 1)

struct vacpi_pm {
    struct vclock clock;
    uint16_t sts;               /* PM1_STS latched bits (TMR_STS is derived) */
    uint16_t en;                /* PM1_EN */
    uint16_t cnt;               /* PM1_CNT: BM_RLD and SLP_TYP as written */
    uint64_t tmr_toggles_acked; /* timer bit-23 toggles when TMR_STS was cleared */
    uint8_t s5_slp_typ;
    void (*poweroff)(void *ctx);
    void *ctx;
};

/*
 * Power-on state: status and enables clear, timer counting from 0 at vclock
 * time 0. s5_slp_typ (0-7, the board's BOARD_S5_SLP_TYP) must match the
 * DSDT's \_S5_ package. poweroff(ctx) (may be NULL) is called when the
 * guest enters S5; it may stop the VM or reinitialise this device.
 */
void vacpi_pm_init(struct vacpi_pm *pm, const struct vclock *clock, uint8_t s5_slp_typ,
                   void (*poweroff)(void *ctx), void *ctx);

/* The PM timer's current value (24 bits). */
uint32_t vacpi_pm_timer(const struct vacpi_pm *pm);

/*
 * io_ops callbacks for the region of VACPI_PM_NUM_PORTS ports. Any access size at any offset: each byte goes to the
 * register it belongs to (a 16-bit PM1_CNT write may also be done as two
 * byte writes; SLP_EN then acts on the high byte's write). Bytes 6-7 and
 * bytes beyond the region read as all ones and ignore writes. Never fail.
 */
int vacpi_pm_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vacpi_pm_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
