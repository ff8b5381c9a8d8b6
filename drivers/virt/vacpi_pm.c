/*
 * ACPI PM1 event/control blocks and PM timer (see drivers/virt/vacpi_pm.h).
 */
#include "drivers/virt/vacpi_pm.h"
#include <hv/string.h>

#define PM1_CNT_WRITABLE    (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP_MASK)
#define REG16_BYTES         2
#define TMR_BYTES           4

void vacpi_pm_init(struct vacpi_pm *pm, const struct vclock *clock, uint8_t s5_slp_typ,
                   void (*poweroff)(void *ctx), void *ctx)
{
    memset(pm, 0, sizeof(*pm));
    pm->clock = *clock;
    pm->s5_slp_typ = s5_slp_typ;
    pm->poweroff = poweroff;
    pm->ctx = ctx;
}

/* Timer ticks since vclock time 0 (not wrapped). */
static uint64_t timer_ticks(const struct vacpi_pm *pm)
{
    return muldiv64(vclock_now(&pm->clock), VACPI_PM_TMR_HZ, NS_PER_SEC);
}

/* How often the timer's most significant bit has changed. */
static uint64_t msb_toggles(uint64_t ticks)
{
    return ticks >> (VACPI_PM_TMR_BITS - 1);
}

uint32_t vacpi_pm_timer(const struct vacpi_pm *pm)
{
    return (uint32_t)(timer_ticks(pm) & VACPI_PM_TMR_MASK);
}

/* Is byte o of the region inside the register at off..off+len-1? */
static bool in_reg(uint64_t o, uint64_t off, uint64_t len)
{
    return o >= off && o - off < len;
}

static uint16_t read_sts(const struct vacpi_pm *pm, uint64_t ticks)
{
    uint16_t v = pm->sts;

    if (msb_toggles(ticks) != pm->tmr_toggles_acked)
        v |= VACPI_PM1_STS_TMR;
    return v;
}

static uint16_t read_cnt(const struct vacpi_pm *pm)
{
    return (uint16_t)(pm->cnt | ACPI_PM1_CNT_SCI_EN);
}

int vacpi_pm_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vacpi_pm *pm = dev;
    uint64_t ticks = timer_ticks(pm);   /* one sample for the whole access */
    uint16_t sts = read_sts(pm, ticks), cnt = read_cnt(pm);
    uint32_t tmr = (uint32_t)(ticks & VACPI_PM_TMR_MASK);

    *val = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t o = offset + i;
        uint8_t b = 0xFF;

        if (in_reg(o, VACPI_PM1_STS_OFF, REG16_BYTES))
            b = (uint8_t)(sts >> (8 * (o - VACPI_PM1_STS_OFF)));
        else if (in_reg(o, VACPI_PM1_EN_OFF, REG16_BYTES))
            b = (uint8_t)(pm->en >> (8 * (o - VACPI_PM1_EN_OFF)));
        else if (in_reg(o, VACPI_PM1_CNT_OFF, REG16_BYTES))
            b = (uint8_t)(cnt >> (8 * (o - VACPI_PM1_CNT_OFF)));
        else if (in_reg(o, VACPI_PM_TMR_OFF, TMR_BYTES))
            b = (uint8_t)(tmr >> (8 * (o - VACPI_PM_TMR_OFF)));
        *val |= (uint64_t)b << (8 * i);
    }
    return 0;
}

/* PM1_CNT bits `mask` were written with `v`. */
static void write_cnt(struct vacpi_pm *pm, uint16_t v, uint16_t mask)
{
    unsigned typ;

    pm->cnt = (uint16_t)((pm->cnt & ~(mask & PM1_CNT_WRITABLE)) | (v & mask & PM1_CNT_WRITABLE));
    if (!(v & mask & ACPI_PM1_CNT_SLP_EN))
        return;
    typ = (pm->cnt & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;
    if (typ == pm->s5_slp_typ) {
        if (pm->poweroff)
            pm->poweroff(pm->ctx);      /* may reinitialise *pm: nothing after this */
        return;
    }
    /* Any other sleeping state: back to work at once. */
    pm->sts |= VACPI_PM1_STS_WAK;
}

int vacpi_pm_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vacpi_pm *pm = dev;
    uint16_t sts_clear = 0, en_val = 0, en_mask = 0, cnt_val = 0, cnt_mask = 0;

    /* Gather the bytes per register first, so that a 16- or 32-bit write
     * acts on each register once. */
    for (unsigned i = 0; i < size; i++) {
        uint64_t o = offset + i;
        uint16_t b = (uint8_t)(val >> (8 * i));

        if (in_reg(o, VACPI_PM1_STS_OFF, REG16_BYTES)) {
            sts_clear |= (uint16_t)(b << (8 * (o - VACPI_PM1_STS_OFF)));
        } else if (in_reg(o, VACPI_PM1_EN_OFF, REG16_BYTES)) {
            en_val |= (uint16_t)(b << (8 * (o - VACPI_PM1_EN_OFF)));
            en_mask |= (uint16_t)(0xFF << (8 * (o - VACPI_PM1_EN_OFF)));
        } else if (in_reg(o, VACPI_PM1_CNT_OFF, REG16_BYTES)) {
            cnt_val |= (uint16_t)(b << (8 * (o - VACPI_PM1_CNT_OFF)));
            cnt_mask |= (uint16_t)(0xFF << (8 * (o - VACPI_PM1_CNT_OFF)));
        }
        /* The timer is read-only; the gap and beyond ignore writes. */
    }

    if (sts_clear) {
        pm->sts &= (uint16_t)~sts_clear;
        if (sts_clear & VACPI_PM1_STS_TMR)
            pm->tmr_toggles_acked = msb_toggles(timer_ticks(pm));
    }
    if (en_mask)
        pm->en = (uint16_t)((pm->en & ~(en_mask & VACPI_PM1_EN_MASK)) |
                            (en_val & en_mask & VACPI_PM1_EN_MASK));
    if (cnt_mask)
        write_cnt(pm, cnt_val, cnt_mask);
    return 0;
}
