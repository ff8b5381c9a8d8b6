/*
 * Host unit tests for drivers/virt/vacpi_pm.c (PM1 blocks, PM timer) and
 * guest/acpi_tables.c (tables in guest memory). The tables are built into
 * a fake first MiB of guest memory and read back both by hand and with the
 * hypervisor's own ACPI parser (boot/acpi.c), the same code path a guest
 * OS's shutdown takes: RSDP -> XSDT -> FADT -> DSDT -> \_S5_.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vacpi_pm.h"
#include "guest/acpi_tables.h"
#include "guest/e820.h"
#include <boot/acpi.h>
#include <hv/board_layout.h>
#include <hv/errno.h>

/* The PM blocks where the board puts the model (the FADT's ports). */
#define PM_BASE         BOARD_ACPI_PM_PORT
#define PM1A_EVT_BLK    (BOARD_ACPI_PM_PORT + VACPI_PM1_STS_OFF)
#define PM1A_CNT_BLK    (BOARD_ACPI_PM_PORT + VACPI_PM1_CNT_OFF)
#define PM_TMR_BLK      (BOARD_ACPI_PM_PORT + VACPI_PM_TMR_OFF)

#define SEC     NS_PER_SEC
#define MS      1000000ULL

/* ==== PM block ============================================================ */

struct pmfx {
    uint64_t now;
    struct vacpi_pm pm;
    unsigned poweroffs;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct pmfx *)ctx)->now;
}

static void fake_poweroff(void *ctx)
{
    ((struct pmfx *)ctx)->poweroffs++;
}

static int pm_setup(void **state)
{
    struct pmfx *f = calloc(1, sizeof(*f));
    struct vclock c = { fake_now, f };

    if (!f)
        return -1;
    c.ctx = f;
    vacpi_pm_init(&f->pm, &c, BOARD_S5_SLP_TYP, fake_poweroff, f);
    *state = f;
    return 0;
}

static int pm_teardown(void **state)
{
    free(*state);
    return 0;
}

/* Port accesses by absolute port number. */
static uint64_t pin(struct pmfx *f, uint16_t port, unsigned size)
{
    uint64_t v;

    assert_int_equal(vacpi_pm_read(&f->pm, port - PM_BASE, size, &v), 0);
    return v;
}

static void pout(struct pmfx *f, uint16_t port, unsigned size, uint64_t v)
{
    assert_int_equal(vacpi_pm_write(&f->pm, port - PM_BASE, size, v), 0);
}

#define PORT_STS    (PM1A_EVT_BLK)
#define PORT_EN     (PM1A_EVT_BLK + 2)
#define PORT_CNT    (PM1A_CNT_BLK)
#define PORT_TMR    (PM_TMR_BLK)

static uint16_t slp(unsigned typ)
{
    return (uint16_t)((typ << ACPI_PM1_CNT_SLP_TYP_SHIFT) | ACPI_PM1_CNT_SLP_EN);
}

/* First ns at which the timer has counted `ticks`. */
static uint64_t tick_time(uint64_t ticks)
{
    return (ticks * SEC + VACPI_PM_TMR_HZ - 1) / VACPI_PM_TMR_HZ;
}

static void test_pm_ports_match_fadt_lengths(void **state)
{
    (void)state;
    assert_int_equal(PM1A_CNT_BLK - PM1A_EVT_BLK, VACPI_PM1_EVT_LEN);
    assert_true(PM_TMR_BLK >= PM1A_CNT_BLK + VACPI_PM1_CNT_LEN);
    assert_int_equal(PM_TMR_BLK + VACPI_PM_TMR_LEN - PM_BASE, VACPI_PM_NUM_PORTS);
}

static void test_pm_timer_rate(void **state)
{
    struct pmfx *f = *state;

    assert_int_equal(pin(f, PORT_TMR, 4), 0);
    f->now = MS;
    assert_int_equal(pin(f, PORT_TMR, 4), 3579);             /* 3579.545 ticks */
    f->now = SEC;
    assert_int_equal(pin(f, PORT_TMR, 4), 3579545);
    assert_int_equal(vacpi_pm_timer(&f->pm), 3579545);
    f->now = tick_time(1000) - 1;
    assert_int_equal(pin(f, PORT_TMR, 4), 999);
    f->now = tick_time(1000);
    assert_int_equal(pin(f, PORT_TMR, 4), 1000);
    /* Byte and word reads see the same counter. */
    f->now = tick_time(0x123456);
    assert_int_equal(pin(f, PORT_TMR, 1), 0x56);
    assert_int_equal(pin(f, PORT_TMR + 1, 1), 0x34);
    assert_int_equal(pin(f, PORT_TMR + 2, 2), 0x0012);
    /* Writes are ignored. */
    pout(f, PORT_TMR, 4, 0);
    assert_int_equal(pin(f, PORT_TMR, 4), 0x123456);
}

static void test_pm_timer_wraps_at_24_bits(void **state)
{
    struct pmfx *f = *state;

    f->now = tick_time(1ULL << 24) - 1;
    assert_int_equal(pin(f, PORT_TMR, 4), 0xFFFFFF);
    f->now = tick_time(1ULL << 24);
    assert_int_equal(pin(f, PORT_TMR, 4), 0);
    /* After 10 s: 35795450 ticks, twice round. */
    f->now = 10 * SEC;
    assert_int_equal(pin(f, PORT_TMR, 4), 35795450 - 2 * (1 << 24));
    /* A day later, still 24 bits. */
    f->now = 86400 * SEC + 123;
    assert_true(pin(f, PORT_TMR, 4) <= VACPI_PM_TMR_MASK);
}

static void test_pm_tmr_sts(void **state)
{
    struct pmfx *f = *state;

    assert_int_equal(pin(f, PORT_STS, 2), 0);
    f->now = tick_time(1ULL << 23) - 1;
    assert_int_equal(pin(f, PORT_STS, 2), 0);
    f->now = tick_time(1ULL << 23);                          /* bit 23: 0 -> 1 */
    assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_TMR);
    pout(f, PORT_STS, 2, VACPI_PM1_STS_TMR);
    assert_int_equal(pin(f, PORT_STS, 2), 0);
    f->now = tick_time(1ULL << 24) - 1;
    assert_int_equal(pin(f, PORT_STS, 2), 0);
    f->now = tick_time(1ULL << 24);                          /* bit 23: 1 -> 0 */
    assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_TMR);
}

static void test_pm1_sts_write_1_to_clear(void **state)
{
    struct pmfx *f = *state;

    /* An S1 request "wakes up" at once and leaves WAK_STS set. */
    pout(f, PORT_CNT, 2, slp(1));
    assert_int_equal(f->poweroffs, 0);
    assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_WAK);
    pout(f, PORT_STS, 2, 0);                                 /* 0s change nothing */
    pout(f, PORT_STS, 2, (uint16_t)~VACPI_PM1_STS_WAK);
    assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_WAK);
    pout(f, PORT_STS + 1, 1, VACPI_PM1_STS_WAK >> 8);        /* high byte alone */
    assert_int_equal(pin(f, PORT_STS, 2), 0);

    pout(f, PORT_CNT, 2, slp(3));
    assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_WAK);
    pout(f, PORT_STS, 2, VACPI_PM1_STS_WAK);
    assert_int_equal(pin(f, PORT_STS, 2), 0);
    /* A 32-bit write to the event block: STS bits clear, EN bits load. */
    pout(f, PORT_CNT, 2, slp(1));
    pout(f, PORT_STS, 4, (uint32_t)VACPI_PM1_EN_PWRBTN << 16 | VACPI_PM1_STS_WAK);
    assert_int_equal(pin(f, PORT_STS, 4), (uint32_t)VACPI_PM1_EN_PWRBTN << 16);
}

static void test_pm1_en(void **state)
{
    struct pmfx *f = *state;

    assert_int_equal(pin(f, PORT_EN, 2), 0);
    pout(f, PORT_EN, 2, 0xFFFF);
    assert_int_equal(pin(f, PORT_EN, 2), VACPI_PM1_EN_MASK);  /* reserved bits stay 0 */
    pout(f, PORT_EN, 1, 0);                                    /* low byte only */
    assert_int_equal(pin(f, PORT_EN, 2), VACPI_PM1_EN_MASK & 0xFF00);
    assert_int_equal(pin(f, PORT_STS, 2), 0);                  /* no status appears */
}

static void test_pm1_cnt_reads(void **state)
{
    struct pmfx *f = *state;

    assert_int_equal(pin(f, PORT_CNT, 2), ACPI_PM1_CNT_SCI_EN);
    pout(f, PORT_CNT, 2, 0);                                   /* cannot leave ACPI mode */
    assert_int_equal(pin(f, PORT_CNT, 2), ACPI_PM1_CNT_SCI_EN);
    pout(f, PORT_CNT, 2, 2 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_GBL_RLS);
    assert_int_equal(pin(f, PORT_CNT, 2),
                     2 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SCI_EN);
    /* The gap between CNT and TMR floats. */
    assert_int_equal(pin(f, PM1A_CNT_BLK + 2, 2), 0xFFFF);
}

static void test_slp_en_s5_powers_off(void **state)
{
    struct pmfx *f = *state;

    pout(f, PORT_CNT, 2, slp(BOARD_S5_SLP_TYP));
    assert_int_equal(f->poweroffs, 1);
    /* SLP_EN is write-only. */
    assert_false(pin(f, PORT_CNT, 2) & ACPI_PM1_CNT_SLP_EN);
    assert_int_equal(pin(f, PORT_STS, 2), 0);

    /* The usual OS sequence: SLP_TYP first, then SLP_TYP | SLP_EN, here
     * with byte writes to the high byte. */
    pout(f, PORT_CNT + 1, 1, (BOARD_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT) >> 8);
    assert_int_equal(f->poweroffs, 1);
    pout(f, PORT_CNT + 1, 1, slp(BOARD_S5_SLP_TYP) >> 8);
    assert_int_equal(f->poweroffs, 2);

    /* The value boot/acpi.c's shutdown path writes. */
    pout(f, PORT_CNT, 2, acpi_pm1_cnt_s5(BOARD_S5_SLP_TYP));
    assert_int_equal(f->poweroffs, 3);
}

static void test_slp_en_other_types_ignored(void **state)
{
    struct pmfx *f = *state;

    for (unsigned typ = 0; typ <= 7; typ++) {
        if (typ == BOARD_S5_SLP_TYP)
            continue;
        pout(f, PORT_CNT, 2, slp(typ));
        assert_int_equal(f->poweroffs, 0);
        assert_int_equal(pin(f, PORT_STS, 2), VACPI_PM1_STS_WAK);
        pout(f, PORT_STS, 2, VACPI_PM1_STS_WAK);
    }
    /* S5's SLP_TYP without SLP_EN does nothing either. */
    pout(f, PORT_CNT, 2, BOARD_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT);
    assert_int_equal(f->poweroffs, 0);
}

static void test_slp_typ_is_configurable(void **state)
{
    struct pmfx *f = *state;
    struct vclock c = { fake_now, f };

    vacpi_pm_init(&f->pm, &c, 0, fake_poweroff, f);          /* QEMU PIIX4's \_S5 = 0 */
    pout(f, PORT_CNT, 2, slp(BOARD_S5_SLP_TYP));
    assert_int_equal(f->poweroffs, 0);
    pout(f, PORT_CNT, 2, slp(0));
    assert_int_equal(f->poweroffs, 1);

    vacpi_pm_init(&f->pm, &c, BOARD_S5_SLP_TYP, NULL, NULL); /* no callback: no crash */
    pout(f, PORT_CNT, 2, slp(BOARD_S5_SLP_TYP));
}

/* ==== ACPI tables ========================================================= */

#define GUEST_MEM   MiB(1)

struct mem {
    uint8_t *b;
    uint64_t lo, hi;            /* writes must stay inside [lo, hi) */
    unsigned writes;
    int fail_at;                /* write number that fails (1-based), 0 = never */
    uint64_t min_written, max_written;
};

static int fake_write(void *ctx, uint64_t gpa, const void *data, size_t len)
{
    struct mem *m = ctx;

    m->writes++;
    if (m->fail_at && (int)m->writes == m->fail_at)
        return -HV_EFAULT;
    assert_true(m->fail_at == 0 || (int)m->writes < m->fail_at);   /* none after a failure */
    assert_true(gpa >= m->lo && len <= m->hi - gpa);
    memcpy(m->b + gpa, data, len);
    m->min_written = MIN(m->min_written, gpa);
    m->max_written = MAX(m->max_written, gpa + len);
    return 0;
}

static const void *fake_map(void *opaque, uint64_t pa, size_t len)
{
    struct mem *m = opaque;

    if (pa > GUEST_MEM || len > GUEST_MEM - pa)
        return NULL;
    return m->b + pa;
}

static struct mem *new_mem(const struct acpi_tables_config *cfg)
{
    struct mem *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    m->b = calloc(1, GUEST_MEM);
    assert_non_null(m->b);
    m->lo = cfg->base;
    m->hi = cfg->base + cfg->size;
    m->min_written = UINT64_MAX;
    return m;
}

static void free_mem(struct mem *m)
{
    free(m->b);
    free(m);
}

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* Header offsets ("System Description Table Header") */
#define H_LENGTH    4
#define H_REVISION  8
#define H_OEM_ID    10
#define H_OEM_TABLE 16
#define H_CREATOR   28
#define H_LEN       36

/* Check the table at pa: signature, sane length inside the area, checksum,
 * OEM and creator IDs. Returns its length. */
static uint32_t check_table(struct mem *m, uint64_t pa, const char *sig)
{
    const uint8_t *t = m->b + pa;
    uint32_t len = get32(t + H_LENGTH);

    assert_memory_equal(t, sig, 4);
    assert_true(len >= H_LEN);
    assert_true(pa >= m->lo && pa + len <= m->max_written);
    assert_int_equal(sum(t, len), 0);
    assert_memory_equal(t + H_OEM_ID, ACPI_TABLES_OEM_ID, 6);
    assert_memory_equal(t + H_OEM_TABLE, "MNVS", 4);
    assert_memory_equal(t + H_OEM_TABLE + 4, sig, 4);
    assert_memory_equal(t + H_CREATOR, ACPI_TABLES_CREATOR_ID, 4);
    return len;
}

/* RSDP at the area's base; returns the FADT and MADT addresses after
 * checking that the RSDT and XSDT agree. */
static void check_roots(struct mem *m, uint64_t rsdp, uint64_t *fadt, uint64_t *madt)
{
    const uint8_t *r = m->b + rsdp;
    uint64_t rsdt = get32(r + 16), xsdt = get64(r + 24);

    assert_memory_equal(r, "RSD PTR ", 8);
    assert_int_equal(rsdp % 16, 0);
    assert_int_equal(sum(r, 20), 0);
    assert_int_equal(r[15], 2);                              /* revision */
    assert_int_equal(get32(r + 20), 36);
    assert_int_equal(sum(r, 36), 0);
    assert_memory_equal(r + 9, ACPI_TABLES_OEM_ID, 6);

    assert_int_equal(check_table(m, rsdt, "RSDT"), H_LEN + 2 * 4);
    assert_int_equal(check_table(m, xsdt, "XSDT"), H_LEN + 2 * 8);
    *fadt = get64(m->b + xsdt + H_LEN);
    *madt = get64(m->b + xsdt + H_LEN + 8);
    assert_int_equal(get32(m->b + rsdt + H_LEN), *fadt);
    assert_int_equal(get32(m->b + rsdt + H_LEN + 4), *madt);
}

static struct mem *build_default(unsigned ncpus, struct acpi_tables_config *cfg)
{
    struct mem *m;

    acpi_tables_default_config(cfg, ncpus);
    m = new_mem(cfg);
    assert_int_equal(acpi_tables_build(cfg, fake_write, m), 0);
    return m;
}

static void test_tables_found_by_acpi_parser(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m = build_default(4, &cfg);
    struct acpi_s5 s5;
    uint64_t rsdp_pa;
    size_t rsdp_len;
    char err[128];
    (void)state;

    /* The BIOS-area scan finds it, where we put it. */
    assert_int_equal(acpi_find_rsdp(fake_map, m, &rsdp_pa, &rsdp_len), 0);
    assert_int_equal(rsdp_pa, BOARD_ACPI_BASE);
    assert_int_equal(rsdp_len, 36);

    assert_int_equal(acpi_parse_s5(m->b + rsdp_pa, rsdp_len, fake_map, m, &s5, err,
                                   sizeof(err)), 0);
    assert_int_equal(s5.pm1a_cnt, PM1A_CNT_BLK);
    assert_int_equal(s5.pm1b_cnt, 0);
    assert_int_equal(s5.slp_typa, BOARD_S5_SLP_TYP);
    assert_int_equal(s5.slp_typb, BOARD_S5_SLP_TYP);
    assert_int_equal(s5.smi_cmd, 0);
    assert_string_equal(s5.oem_id, "MINIVS");
    assert_int_equal(s5.revision, 2);
    /* Everything lies inside the area, within its first 64 KiB. */
    assert_int_equal(m->min_written, BOARD_ACPI_BASE);
    assert_int_equal(m->max_written - BOARD_ACPI_BASE, acpi_tables_len(&cfg));
    assert_true(m->max_written <= BOARD_ACPI_BASE + BOARD_ACPI_SIZE);
    assert_true(s5.dsdt_pa + H_LEN < m->max_written);
    free_mem(m);
}

static void test_parsed_values_drive_pm_model(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    struct acpi_s5 s5;
    struct pmfx f = { 0 };
    struct vclock c = { fake_now, &f };
    (void)state;

    /* End to end with a non-default SLP_TYP: the guest's shutdown, as
     * computed from the tables, must hit the PM model's poweroff. */
    acpi_tables_default_config(&cfg, 1);
    cfg.s5_slp_typ = 7;
    m = new_mem(&cfg);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    assert_int_equal(acpi_parse_s5(m->b + cfg.base, 36, fake_map, m, &s5, NULL, 0), 0);
    assert_int_equal(s5.slp_typa, 7);

    vacpi_pm_init(&f.pm, &c, cfg.s5_slp_typ, fake_poweroff, &f);
    assert_int_equal(vacpi_pm_write(&f.pm, s5.pm1a_cnt - PM_BASE, 2,
                                    acpi_pm1_cnt_s5(s5.slp_typa)), 0);
    assert_int_equal(f.poweroffs, 1);
    free_mem(m);
}

/* FADT field offsets ("Fixed ACPI Description Table (FADT)") */
#define F_FIRMWARE_CTRL 36
#define F_DSDT          40
#define F_SCI_INT       46
#define F_SMI_CMD       48
#define F_PM1A_EVT      56
#define F_PM1B_EVT      60
#define F_PM1A_CNT      64
#define F_PM_TMR        76
#define F_GPE0          80
#define F_PM1_EVT_LEN   88
#define F_PM1_CNT_LEN   89
#define F_PM_TMR_LEN    91
#define F_CENTURY       108
#define F_BOOT_ARCH     109
#define F_FLAGS         112
#define F_RESET_REG     116
#define F_RESET_VALUE   128
#define F_X_FW_CTRL     132
#define F_X_DSDT        140
#define F_X_PM1A_EVT    148
#define F_X_PM1A_CNT    172
#define F_X_PM_TMR      208

static void check_gas_io(const uint8_t *g, uint16_t port, unsigned bits)
{
    assert_int_equal(g[0], 1);                               /* System I/O */
    assert_int_equal(g[1], bits);
    assert_int_equal(g[2], 0);
    assert_int_equal(get64(g + 4), port);
}

static void test_fadt(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m = build_default(2, &cfg);
    uint64_t fadt, madt, facs, dsdt;
    const uint8_t *f;
    uint32_t flags;
    (void)state;

    check_roots(m, cfg.base, &fadt, &madt);
    assert_int_equal(check_table(m, fadt, "FACP"), 276);
    f = m->b + fadt;
    assert_true(f[H_REVISION] >= 3);
    assert_int_equal(get16(f + F_SCI_INT), 9);
    assert_int_equal(get32(f + F_SMI_CMD), 0);
    assert_int_equal(get32(f + F_PM1A_EVT), PM1A_EVT_BLK);
    assert_int_equal(get32(f + F_PM1B_EVT), 0);
    assert_int_equal(get32(f + F_PM1A_CNT), PM1A_CNT_BLK);
    assert_int_equal(get32(f + F_PM_TMR), PM_TMR_BLK);
    assert_int_equal(get32(f + F_GPE0), 0);
    assert_int_equal(f[F_PM1_EVT_LEN], 4);
    assert_int_equal(f[F_PM1_CNT_LEN], 2);
    assert_int_equal(f[F_PM_TMR_LEN], 4);
    assert_int_equal(f[F_CENTURY], 0x32);
    assert_int_equal(get16(f + F_BOOT_ARCH), 0x3);           /* legacy devices, 8042 */

    flags = get32(f + F_FLAGS);
    assert_true(flags & BIT(0));                             /* WBINVD */
    assert_true(flags & BIT(2));                             /* PROC_C1 */
    assert_true(flags & BIT(4));                             /* PWR_BUTTON: none */
    assert_true(flags & BIT(5));                             /* SLP_BUTTON: none */
    assert_false(flags & BIT(8));                            /* TMR_VAL_EXT: 24-bit */
    assert_true(flags & BIT(10));                            /* RESET_REG_SUP */
    assert_false(flags & BIT(20));                           /* not hardware-reduced */

    check_gas_io(f + F_RESET_REG, 0xCF9, 8);
    assert_int_equal(f[F_RESET_VALUE], 0x06);
    check_gas_io(f + F_X_PM1A_EVT, PM1A_EVT_BLK, 32);
    check_gas_io(f + F_X_PM1A_CNT, PM1A_CNT_BLK, 16);
    check_gas_io(f + F_X_PM_TMR, PM_TMR_BLK, 32);

    dsdt = get32(f + F_DSDT);
    assert_int_equal(get64(f + F_X_DSDT), dsdt);
    check_table(m, dsdt, "DSDT");

    facs = get32(f + F_FIRMWARE_CTRL);
    assert_int_equal(get64(f + F_X_FW_CTRL), 0);             /* only one may be set */
    assert_int_equal(facs % 64, 0);
    assert_memory_equal(m->b + facs, "FACS", 4);
    assert_int_equal(get32(m->b + facs + 4), 64);
    assert_true(facs + 64 <= m->max_written);
    free_mem(m);
}

static void test_dsdt_aml(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    uint64_t fadt, madt, dsdt;
    const uint8_t expect[] = {
        0x08, '_', 'S', '5', '_',           /* NameOp NameSeg */
        0x12, 0x08, 0x04,                   /* PackageOp PkgLength NumElements */
        0x0A, 0x03, 0x0A, 0x03, 0x00, 0x00, /* BytePrefix 3, BytePrefix 3, Zero, Zero */
    };
    (void)state;

    acpi_tables_default_config(&cfg, 1);
    cfg.s5_slp_typ = 3;
    m = new_mem(&cfg);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    check_roots(m, cfg.base, &fadt, &madt);
    dsdt = get32(m->b + fadt + F_DSDT);
    assert_int_equal(check_table(m, dsdt, "DSDT"), H_LEN + sizeof(expect));
    assert_true(m->b[dsdt + H_REVISION] >= 2);
    assert_memory_equal(m->b + dsdt + H_LEN, expect, sizeof(expect));
    free_mem(m);
}

/* MADT entry types */
#define T_LAPIC     0
#define T_IOAPIC    1
#define T_ISO       2
#define T_NMI       4

static void check_madt(unsigned ncpus)
{
    struct acpi_tables_config cfg;
    struct mem *m = build_default(ncpus, &cfg);
    uint64_t fadt, madt;
    const uint8_t *t, *e, *end;
    unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;
    bool iso0 = false, iso9 = false;
    uint32_t len;

    check_roots(m, cfg.base, &fadt, &madt);
    len = check_table(m, madt, "APIC");
    t = m->b + madt;
    assert_int_equal(get32(t + 36), 0xFEE00000);
    assert_int_equal(get32(t + 40), 1);                      /* PCAT_COMPAT */
    end = t + len;
    for (e = t + 44; e < end; e += e[1]) {
        assert_true(e[1] >= 2 && e + e[1] <= end);
        switch (e[0]) {
        case T_LAPIC:
            assert_int_equal(e[1], 8);
            assert_int_equal(e[2], lapics);                  /* processor UID */
            assert_int_equal(e[3], lapics);                  /* APIC ID */
            assert_int_equal(get32(e + 4), 1);               /* enabled */
            lapics++;
            break;
        case T_IOAPIC:
            assert_int_equal(e[1], 12);
            assert_int_equal(e[2], cfg.ioapic_id);
            assert_int_equal(get32(e + 4), 0xFEC00000);
            assert_int_equal(get32(e + 8), 0);
            ioapics++;
            break;
        case T_ISO:
            assert_int_equal(e[1], 10);
            assert_int_equal(e[2], 0);                       /* ISA */
            if (e[3] == 0) {
                assert_int_equal(get32(e + 4), 2);
                assert_int_equal(get16(e + 8), 0);
                iso0 = true;
            } else {
                assert_int_equal(e[3], 9);
                assert_int_equal(get32(e + 4), 9);
                assert_int_equal(get16(e + 8), 0xD);         /* level, active high */
                iso9 = true;
            }
            isos++;
            break;
        case T_NMI:
            assert_int_equal(e[1], 6);
            assert_int_equal(e[2], 0xFF);                    /* all processors */
            assert_int_equal(e[5], 1);                       /* LINT1 */
            nmis++;
            break;
        default:
            fail_msg("unexpected MADT entry type %u", e[0]);
        }
    }
    assert_ptr_equal(e, end);
    assert_int_equal(lapics, ncpus);
    assert_int_equal(ioapics, 1);
    assert_int_equal(isos, 2);
    assert_true(iso0 && iso9);
    assert_int_equal(nmis, 1);
    free_mem(m);
}

static void test_madt(void **state)
{
    (void)state;
    check_madt(1);
    check_madt(4);
    check_madt(ACPI_TABLES_MAX_CPUS);
}

/* The tables say what include/hv/board_layout.h says, and the E820 map keeps
 * every address they name away from usable RAM. */
static bool e820_reserved(const struct e820_entry *e, unsigned n, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < n; i++)
        if (e[i].type == E820_RESERVED && addr >= e[i].addr &&
            addr + len <= e[i].addr + e[i].size)
            return true;
    return false;
}

static void test_tables_agree_with_board(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m = build_default(1, &cfg);
    struct e820_entry map[E820_MAX_ENTRIES];
    unsigned n = e820_build(MiB(64), true, map);
    uint64_t fadt, madt, rsdp_pa;
    const uint8_t *f, *t, *e;
    bool pit_iso = false, sci_iso = false;
    struct acpi_s5 s5;
    size_t rsdp_len;
    (void)state;

    assert_int_equal(acpi_find_rsdp(fake_map, m, &rsdp_pa, &rsdp_len), 0);
    assert_int_equal(rsdp_pa, BOARD_ACPI_BASE);
    assert_true(acpi_tables_len(&cfg) <= BOARD_ACPI_SIZE);
    assert_true(e820_reserved(map, n, BOARD_ACPI_BASE, BOARD_ACPI_SIZE));
    assert_int_equal(acpi_parse_s5(m->b + rsdp_pa, rsdp_len, fake_map, m, &s5, NULL, 0), 0);
    assert_int_equal(s5.slp_typa, BOARD_S5_SLP_TYP);

    check_roots(m, cfg.base, &fadt, &madt);
    f = m->b + fadt;
    assert_int_equal(get16(f + F_SCI_INT), BOARD_SCI_IRQ);
    assert_int_equal(get32(f + F_PM1A_EVT), BOARD_ACPI_PM_PORT + VACPI_PM1_STS_OFF);
    assert_int_equal(get32(f + F_PM1A_CNT), BOARD_ACPI_PM_PORT + VACPI_PM1_CNT_OFF);
    assert_int_equal(get32(f + F_PM_TMR), BOARD_ACPI_PM_PORT + VACPI_PM_TMR_OFF);
    assert_true(get32(f + F_PM_TMR) + f[F_PM_TMR_LEN] <= BOARD_ACPI_PM_PORT + VACPI_PM_NUM_PORTS);
    check_gas_io(f + F_RESET_REG, BOARD_RESET_PORT, 8);

    t = m->b + madt;
    assert_int_equal(get32(t + 36), BOARD_LAPIC_BASE);
    assert_true(e820_reserved(map, n, BOARD_LAPIC_BASE, BOARD_APIC_PAGE_SIZE));
    for (e = t + 44; e < t + get32(t + H_LENGTH); e += e[1]) {
        if (e[0] == T_IOAPIC) {
            assert_int_equal(e[2], BOARD_IOAPIC_ID);
            assert_int_equal(get32(e + 4), BOARD_IOAPIC_BASE);
            assert_int_equal(get32(e + 8), BOARD_IOAPIC_GSI_BASE);
            assert_true(e820_reserved(map, n, get32(e + 4), BOARD_APIC_PAGE_SIZE));
        } else if (e[0] == T_ISO && e[3] == BOARD_PIT_IRQ) {
            assert_int_equal(get32(e + 4), BOARD_PIT_GSI);
            pit_iso = true;
        } else if (e[0] == T_ISO && e[3] == BOARD_SCI_IRQ) {
            assert_int_equal(get32(e + 4), BOARD_SCI_IRQ);
            sci_iso = true;
        }
    }
    assert_true(pit_iso && sci_iso);
    free_mem(m);
}

static void test_all_checksums_and_layout(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    uint64_t fadt, madt, dsdt, facs;
    (void)state;

    /* Another base (16- but not 64-aligned): the FACS still gets 64. */
    acpi_tables_default_config(&cfg, 3);
    cfg.base = 0xF0010;
    cfg.size = 0x1000;
    m = new_mem(&cfg);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    check_roots(m, cfg.base, &fadt, &madt);
    check_table(m, fadt, "FACP");
    check_table(m, madt, "APIC");
    dsdt = get32(m->b + fadt + F_DSDT);
    check_table(m, dsdt, "DSDT");
    facs = get32(m->b + fadt + F_FIRMWARE_CTRL);
    assert_int_equal(facs % 64, 0);
    assert_true(facs >= cfg.base + 36);
    assert_int_equal(m->min_written, cfg.base);
    assert_int_equal(m->max_written, cfg.base + acpi_tables_len(&cfg));
    /* The tables do not overlap: each starts after the previous ends. */
    assert_true(fadt >= madt + get32(m->b + madt + H_LENGTH) ||
                madt >= fadt + get32(m->b + fadt + H_LENGTH));
    assert_true(dsdt >= madt + get32(m->b + madt + H_LENGTH));
    free_mem(m);
}

static void test_area_too_small(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    uint64_t need;
    (void)state;

    acpi_tables_default_config(&cfg, 8);
    need = acpi_tables_len(&cfg);
    assert_true(need > 0 && need < 0x1000);
    cfg.size = need - 1;
    m = new_mem(&cfg);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_E2BIG);
    assert_int_equal(m->writes, 0);                          /* nothing half-written */
    cfg.size = need;                                         /* exactly enough */
    m->hi = cfg.base + need;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    assert_int_equal(m->max_written, cfg.base + need);
    cfg.size = 0;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_E2BIG);
    free_mem(m);
}

static void test_bad_config(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    (void)state;

    acpi_tables_default_config(&cfg, 1);
    m = new_mem(&cfg);
    cfg.ncpus = 0;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    assert_int_equal(acpi_tables_len(&cfg), 0);
    cfg.ncpus = ACPI_TABLES_MAX_CPUS + 1;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.ncpus = 1;
    cfg.base = BOARD_ACPI_BASE + 8;                         /* RSDP needs 16 */
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.base = GiB(4) - 0x100;                               /* RSDT can't point there */
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.base = BOARD_ACPI_BASE;
    cfg.s5_slp_typ = 8;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.s5_slp_typ = BOARD_S5_SLP_TYP;
    cfg.sci_irq = 0;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.sci_irq = 16;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.sci_irq = BOARD_SCI_IRQ;
    cfg.pm1a_cnt_blk = 0;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EINVAL);
    cfg.pm1a_cnt_blk = PM1A_CNT_BLK;
    assert_int_equal(acpi_tables_build(NULL, fake_write, m), -HV_EINVAL);
    assert_int_equal(acpi_tables_build(&cfg, NULL, m), -HV_EINVAL);
    assert_int_equal(m->writes, 0);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    free_mem(m);
}

static void test_no_reset_reg(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    uint64_t fadt, madt;
    (void)state;

    acpi_tables_default_config(&cfg, 1);
    cfg.reset_port = 0;
    m = new_mem(&cfg);
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), 0);
    check_roots(m, cfg.base, &fadt, &madt);
    check_table(m, fadt, "FACP");
    assert_false(get32(m->b + fadt + F_FLAGS) & BIT(10));
    assert_int_equal(get64(m->b + fadt + F_RESET_REG + 4), 0);
    free_mem(m);
}

static void test_write_error_propagates(void **state)
{
    struct acpi_tables_config cfg;
    struct mem *m;
    (void)state;

    acpi_tables_default_config(&cfg, 2);
    m = new_mem(&cfg);
    m->fail_at = 3;
    assert_int_equal(acpi_tables_build(&cfg, fake_write, m), -HV_EFAULT);
    assert_int_equal(m->writes, 3);                          /* stopped at the failure */
    free_mem(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pm_ports_match_fadt_lengths),
        cmocka_unit_test_setup_teardown(test_pm_timer_rate, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pm_timer_wraps_at_24_bits, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pm_tmr_sts, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pm1_sts_write_1_to_clear, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pm1_en, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pm1_cnt_reads, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_slp_en_s5_powers_off, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_slp_en_other_types_ignored, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_slp_typ_is_configurable, pm_setup, pm_teardown),
        cmocka_unit_test(test_tables_found_by_acpi_parser),
        cmocka_unit_test(test_parsed_values_drive_pm_model),
        cmocka_unit_test(test_fadt),
        cmocka_unit_test(test_dsdt_aml),
        cmocka_unit_test(test_madt),
        cmocka_unit_test(test_tables_agree_with_board),
        cmocka_unit_test(test_all_checksums_and_layout),
        cmocka_unit_test(test_area_too_small),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_no_reset_reg),
        cmocka_unit_test(test_write_error_propagates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
