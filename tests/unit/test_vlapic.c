/*
 * Host unit tests for drivers/virt/vlapic.c. A settable fake clock drives
 * the timer; the guest TSC runs at 2.5 GHz from a fixed base; the ops
 * callbacks record what the model reports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vlapic.h"
#include <hv/errno.h>
#include "rng.h"

#define TSC_HZ     2500000000ULL
#define TSC_BASE   1000000ULL
#define T0         1000000ULL        /* fake time when a test starts (ns) */
#define APIC_ID    3u

/* ---- fake VM ------------------------------------------------------------ */

struct fake {
    uint64_t now;
    struct vclock clk;
    uint8_t eoi[16];
    unsigned neoi;
    unsigned kicks;
    unsigned nipi;
    uint32_t ipi_lo, ipi_dest;
    struct vlapic l;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static void fake_eoi(void *ctx, uint8_t vector)
{
    struct fake *f = ctx;

    assert_true(f->neoi < ARRAY_SIZE(f->eoi));
    f->eoi[f->neoi++] = vector;
}

static void fake_kick(void *ctx)
{
    ((struct fake *)ctx)->kicks++;
}

static void fake_ipi(void *ctx, uint32_t lo, uint32_t dest)
{
    struct fake *f = ctx;

    f->nipi++;
    f->ipi_lo = lo;
    f->ipi_dest = dest;
}

static uint64_t fake_tsc(void *ctx)
{
    struct fake *f = ctx;

    return TSC_BASE + f->now * 5 / 2;           /* 2.5 GHz */
}

static const struct vlapic_ops ops_full = {
    .eoi = fake_eoi, .kick = fake_kick, .ipi = fake_ipi, .tsc_now = fake_tsc,
};
static const struct vlapic_ops ops_basic = { .eoi = fake_eoi, .kick = fake_kick };

static struct fake *fake_new(uint32_t id, bool bsp, const struct vlapic_ops *ops, uint64_t tsc_hz)
{
    struct fake *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->now = T0;
    f->clk = (struct vclock){ .now_ns = fake_now, .ctx = f };
    vlapic_init(&f->l, id, bsp, &f->clk, tsc_hz, ops, f);
    return f;
}

static struct fake *bsp(void)
{
    return fake_new(APIC_ID, true, &ops_full, TSC_HZ);
}

static int setup(void **state)
{
    *state = bsp();
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* ---- access helpers ------------------------------------------------------- */

static uint32_t mr(struct fake *f, uint64_t off)
{
    uint64_t v = 0xDEAD;

    assert_int_equal(vlapic_mmio_read(&f->l, off, 4, &v), 0);
    assert_true(v <= 0xFFFFFFFFu);
    return (uint32_t)v;
}

static void mw(struct fake *f, uint64_t off, uint32_t v)
{
    assert_int_equal(vlapic_mmio_write(&f->l, off, 4, v), 0);
}

static uint64_t xr(struct fake *f, uint32_t msr)
{
    uint64_t v = 0xDEAD;

    assert_int_equal(vlapic_msr_read(&f->l, msr, &v), 0);
    return v;
}

static void xw(struct fake *f, uint32_t msr, uint64_t v)
{
    assert_int_equal(vlapic_msr_write(&f->l, msr, v), 0);
}

static void to_x2apic(struct fake *f)
{
    uint64_t b = vlapic_get_apic_base(&f->l);

    assert_int_equal(vlapic_set_apic_base(&f->l, b | APIC_BASE_EXTD), VLAPIC_BASE_MODE_CHANGED);
    assert_int_equal(vlapic_mode(&f->l), VLAPIC_MODE_X2APIC);
}

static bool irr_has(struct fake *f, unsigned v)
{
    return f->l.irr[v / 32] & (1u << (v % 32));
}

static bool isr_has(struct fake *f, unsigned v)
{
    return f->l.isr[v / 32] & (1u << (v % 32));
}

/* Take the pending interrupt the CPU would take; it must be `want`. */
static void take(struct fake *f, int want)
{
    assert_int_equal(vlapic_pending(&f->l), want);
    vlapic_ack(&f->l, (uint8_t)want);
    assert_false(irr_has(f, (unsigned)want));
    assert_true(isr_has(f, (unsigned)want));
}

static void eoi(struct fake *f)
{
    mw(f, LAPIC_REG_EOI, 0);
}

/* ---- ID, version, reset state ---------------------------------------------- */

static void test_id_version(void **state)
{
    static const struct {
        uint32_t id;
        bool bsp;
        uint32_t xapic_id, x2apic_ldr;
        uint64_t base;
    } cases[] = {
        { 0, true, 0x00000000, 0x00000001, 0xFEE00900 },
        { 3, false, 0x03000000, 0x00000008, 0xFEE00800 },
        { 0x1F, false, 0x1F000000, 0x00018000, 0xFEE00800 },
        { 0x1FF, false, 0xFF000000, 0x001F8000, 0xFEE00800 },   /* xAPIC sees bits 7:0 */
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = fake_new(cases[i].id, cases[i].bsp, &ops_full, TSC_HZ);

        print_message("case %zu: id 0x%x bsp %d\n", i, cases[i].id, cases[i].bsp);
        if (vlapic_get_apic_base(&f->l) != cases[i].base)
            fail_msg("case %zu: APIC_BASE 0x%llx", i,
                     (unsigned long long)vlapic_get_apic_base(&f->l));
        assert_int_equal(vlapic_mode(&f->l), VLAPIC_MODE_XAPIC);
        assert_int_equal(mr(f, LAPIC_REG_ID), cases[i].xapic_id);
        assert_int_equal(mr(f, LAPIC_REG_VERSION), 0x00050014);
        assert_int_equal(mr(f, LAPIC_REG_LDR), 0);
        assert_int_equal(mr(f, LAPIC_REG_DFR), 0xFFFFFFFF);
        /* BSP: virtual wire as firmware leaves it; AP: power-up state. */
        assert_int_equal(mr(f, LAPIC_REG_SVR), cases[i].bsp ? 0x1FF : 0xFF);
        assert_int_equal(mr(f, LAPIC_LVT_LINT0), cases[i].bsp ? 0x700 : 0x10000);
        assert_int_equal(mr(f, LAPIC_LVT_LINT1), cases[i].bsp ? 0x400 : 0x10000);
        assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x10000);
        assert_int_equal(mr(f, LAPIC_LVT_ERROR), 0x10000);

        to_x2apic(f);
        assert_int_equal(xr(f, MSR_X2APIC_ID), cases[i].id);
        assert_int_equal(xr(f, MSR_X2APIC_VERSION), 0x00050014);
        assert_int_equal(xr(f, MSR_X2APIC_LDR), cases[i].x2apic_ldr);
        free(f);
    }
}

/* ---- xAPIC register semantics --------------------------------------------- */

static void test_xapic_regs(void **state)
{
    static const struct {
        const char *name;
        uint32_t off, write, want;
    } cases[] = {
        { "TPR", LAPIC_REG_TPR, 0xFFFFFFFF, 0xFF },
        { "LDR", LAPIC_REG_LDR, 0xFFFFFFFF, 0xFF000000 },
        { "DFR cluster", LAPIC_REG_DFR, 0x00000000, 0x0FFFFFFF },
        { "DFR flat", LAPIC_REG_DFR, 0xFFFFFFFF, 0xFFFFFFFF },
        { "SVR all", LAPIC_REG_SVR, 0xFFFFFFFF, 0x1FF },
        { "SVR vector", LAPIC_REG_SVR, 0x1EF, 0x1EF },
        { "ICR_HI", LAPIC_REG_ICR_HI, 0xFFFFFFFF, 0xFF000000 },
        { "LVT timer", LAPIC_LVT_TIMER, 0xFFFFFFFF, 0x700FF },
        { "LVT timer periodic", LAPIC_LVT_TIMER, 0x20031, 0x20031 },
        { "LVT CMCI", LAPIC_LVT_CMCI, 0xFFFFFFFF, 0x107FF },
        { "LVT thermal", LAPIC_LVT_THERMAL, 0xFFFFFFFF, 0x107FF },
        { "LVT perf", LAPIC_LVT_PERF, 0xFFFFFFFF, 0x107FF },
        { "LVT LINT0", LAPIC_LVT_LINT0, 0xFFFFFFFF, 0x1A7FF },
        { "LVT LINT1", LAPIC_LVT_LINT1, 0xFFFFFFFF, 0x1A7FF },
        { "LVT error", LAPIC_LVT_ERROR, 0xFFFFFFFF, 0x100FF },
        { "LVT error unmasked", LAPIC_LVT_ERROR, 0xFE, 0xFE },
        { "timer DCR", LAPIC_REG_TIMER_DCR, 0xFFFFFFFF, 0xB },
        { "timer ICR", LAPIC_REG_TIMER_ICR, 0x12345678, 0x12345678 },
        { "ESR (write latches, nothing logged)", LAPIC_REG_ESR, 0xFFFFFFFF, 0 },
        { "ID is read-only", LAPIC_REG_ID, 0xAA000000, APIC_ID << 24 },
        { "version is read-only", LAPIC_REG_VERSION, 0, 0x50014 },
        { "PPR is read-only", LAPIC_REG_PPR, 0xFF, 0 },
        { "APR reads 0", LAPIC_REG_APR, 0xFF, 0 },
        { "RRD reads 0", LAPIC_REG_RRD, 0xFF, 0 },
        { "EOI reads 0", LAPIC_REG_EOI, 0xFF, 0 },
        { "ISR0 is read-only", LAPIC_REG_ISR, 0xFFFFFFFF, 0 },
        { "ISR7 is read-only", LAPIC_REG_ISR + 0x70, 0xFFFFFFFF, 0 },
        { "TMR3 is read-only", LAPIC_REG_TMR + 0x30, 0xFFFFFFFF, 0 },
        { "IRR7 is read-only", LAPIC_REG_IRR + 0x70, 0xFFFFFFFF, 0 },
        { "CCR is read-only", LAPIC_REG_TIMER_CCR, 0x1000, 0 },
        { "SELF IPI absent in xAPIC", LAPIC_REG_SELF_IPI, 0x40, 0 },
        { "reserved 0x040", 0x040, 0xFFFFFFFF, 0 },
        { "reserved 0x3A0", 0x3A0, 0xFFFFFFFF, 0 },
        { "reserved 0xFF0", 0xFF0, 0xFFFFFFFF, 0 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = bsp();
        uint32_t got;

        mw(f, cases[i].off, cases[i].write);
        got = mr(f, cases[i].off);
        print_message("case %zu (%s): wrote 0x%x read 0x%x\n", i, cases[i].name,
                      cases[i].write, got);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): read 0x%x, want 0x%x", i, cases[i].name, got, cases[i].want);
        /* Nothing a register write does here may make an interrupt pending. */
        assert_int_equal(vlapic_pending(&f->l), -1);
        free(f);
    }
}

/* Accesses that are not 32-bit and 16-byte aligned read 0 and do nothing. */
static void test_xapic_odd_accesses(void **state)
{
    static const struct { uint64_t off; unsigned size; } cases[] = {
        { 0x080, 1 }, { 0x080, 2 }, { 0x080, 8 }, { 0x081, 1 }, { 0x084, 4 },
        { 0x088, 4 }, { 0x08C, 4 }, { 0x020, 1 }, { 0x1000, 4 }, { 0x30, 8 },
    };
    struct fake *f = *state;

    mw(f, LAPIC_REG_TPR, 0x20);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0xDEAD;

        print_message("case %zu: offset 0x%llx size %u\n", i,
                      (unsigned long long)cases[i].off, cases[i].size);
        assert_int_equal(vlapic_mmio_write(&f->l, cases[i].off, cases[i].size, 0xFF), 0);
        assert_int_equal(vlapic_mmio_read(&f->l, cases[i].off, cases[i].size, &v), 0);
        if (v != 0)
            fail_msg("case %zu: read 0x%llx, want 0", i, (unsigned long long)v);
        assert_int_equal(mr(f, LAPIC_REG_TPR), 0x20);
    }
}

/* ---- priorities ------------------------------------------------------------ */

static void test_tpr_ppr(void **state)
{
    static const struct {
        uint32_t tpr;
        int isr, irr;               /* -1: none */
        uint32_t ppr;
        int pending;
    } cases[] = {
        { 0x00, -1, 0x20, 0x00, 0x20 },
        { 0x00, -1, 0x10, 0x00, 0x10 },
        { 0x00, -1, -1, 0x00, -1 },
        { 0x20, -1, 0x20, 0x20, -1 },     /* same class as TPR: blocked */
        { 0x20, -1, 0x2F, 0x20, -1 },
        { 0x20, -1, 0x30, 0x20, 0x30 },
        { 0x2F, -1, 0x30, 0x2F, 0x30 },
        { 0x25, 0x40, 0x45, 0x40, -1 },   /* PPR = ISRV class */
        { 0x25, 0x40, 0x51, 0x40, 0x51 },
        { 0x55, 0x40, 0x51, 0x55, -1 },   /* PPR = TPR */
        { 0x55, 0x40, 0x60, 0x55, 0x60 },
        { 0x45, 0x48, 0x50, 0x45, 0x50 }, /* TPR class == ISRV class: PPR = TPR */
        { 0x4A, 0x3F, 0x3F, 0x4A, -1 },
        { 0xF0, -1, 0xFF, 0xF0, -1 },
        { 0x00, 0xFE, 0xFF, 0xF0, -1 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = bsp();
        uint32_t ppr;
        int pend;

        if (cases[i].isr >= 0) {
            assert_true(vlapic_accept(&f->l, (uint8_t)cases[i].isr, false));
            vlapic_ack(&f->l, (uint8_t)cases[i].isr);
        }
        mw(f, LAPIC_REG_TPR, cases[i].tpr);
        if (cases[i].irr >= 0)
            assert_true(vlapic_accept(&f->l, (uint8_t)cases[i].irr, false));
        ppr = mr(f, LAPIC_REG_PPR);
        pend = vlapic_pending(&f->l);
        print_message("case %zu: tpr 0x%x isr %d irr %d -> ppr 0x%x pending %d\n", i,
                      cases[i].tpr, cases[i].isr, cases[i].irr, ppr, pend);
        if (ppr != cases[i].ppr || vlapic_ppr(&f->l) != ppr || pend != cases[i].pending)
            fail_msg("case %zu: ppr 0x%x pending %d, want 0x%x %d", i, ppr, pend,
                     cases[i].ppr, cases[i].pending);
        free(f);
    }
}

static void test_cr8(void **state)
{
    struct fake *f = *state;

    vlapic_set_cr8(&f->l, 5);
    assert_int_equal(mr(f, LAPIC_REG_TPR), 0x50);
    assert_int_equal(vlapic_get_cr8(&f->l), 5);
    mw(f, LAPIC_REG_TPR, 0x7A);
    assert_int_equal(vlapic_get_cr8(&f->l), 7);
    vlapic_set_cr8(&f->l, 0x1F);                    /* only bits 3:0 */
    assert_int_equal(mr(f, LAPIC_REG_TPR), 0xF0);
    vlapic_set_cr8(&f->l, 0);
    assert_true(vlapic_accept(&f->l, 0x21, false));
    vlapic_set_cr8(&f->l, 2);
    assert_int_equal(vlapic_pending(&f->l), -1);
    vlapic_set_cr8(&f->l, 1);
    assert_int_equal(vlapic_pending(&f->l), 0x21);
}

/* ---- IRR -> ISR -> EOI ------------------------------------------------------- */

static void test_nested_eoi(void **state)
{
    struct fake *f = *state;

    assert_true(vlapic_accept(&f->l, 0x30, false));
    assert_true(vlapic_accept(&f->l, 0x50, false));
    assert_int_equal(mr(f, LAPIC_REG_IRR + 0x10), 1u << 16);   /* 0x30 */
    assert_int_equal(mr(f, LAPIC_REG_IRR + 0x20), 1u << 16);   /* 0x50 */
    take(f, 0x50);
    assert_int_equal(mr(f, LAPIC_REG_ISR + 0x20), 1u << 16);
    assert_int_equal(mr(f, LAPIC_REG_PPR), 0x50);
    assert_int_equal(vlapic_pending(&f->l), -1);       /* 0x30 is below PPR */
    assert_true(vlapic_accept(&f->l, 0x55, false));
    assert_int_equal(vlapic_pending(&f->l), -1);       /* same class as in service */
    assert_true(vlapic_accept(&f->l, 0x60, false));
    take(f, 0x60);                                     /* nests above 0x50 */
    assert_int_equal(mr(f, LAPIC_REG_PPR), 0x60);
    eoi(f);                                            /* ends 0x60 */
    assert_false(isr_has(f, 0x60));
    assert_true(isr_has(f, 0x50));
    assert_int_equal(vlapic_pending(&f->l), -1);
    eoi(f);                                            /* ends 0x50 */
    assert_int_equal(mr(f, LAPIC_REG_PPR), 0);
    take(f, 0x55);
    eoi(f);
    take(f, 0x30);
    eoi(f);
    assert_int_equal(vlapic_pending(&f->l), -1);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(mr(f, LAPIC_REG_ISR + 0x10 * i), 0);
        assert_int_equal(mr(f, LAPIC_REG_IRR + 0x10 * i), 0);
    }
    eoi(f);                                            /* EOI with nothing in service */
    assert_int_equal(f->neoi, 0);
    /* The same vector can be both in service and pending again. */
    assert_true(vlapic_accept(&f->l, 0x40, false));
    take(f, 0x40);
    assert_true(vlapic_accept(&f->l, 0x40, false));
    assert_true(vlapic_accept(&f->l, 0x40, false));    /* coalesces */
    assert_int_equal(vlapic_pending(&f->l), -1);
    eoi(f);
    take(f, 0x40);
    eoi(f);
    assert_int_equal(vlapic_pending(&f->l), -1);
    vlapic_ack(&f->l, 0x70);                           /* not in IRR: ignored */
    assert_false(isr_has(f, 0x70));
}

static void test_level_eoi(void **state)
{
    struct fake *f = *state;

    assert_true(vlapic_accept(&f->l, 0x40, true));
    assert_int_equal(mr(f, LAPIC_REG_TMR + 0x20), 1u);
    take(f, 0x40);
    assert_true(vlapic_accept(&f->l, 0x51, false));
    take(f, 0x51);                                     /* nested above 0x40 */
    eoi(f);                                            /* 0x51 edge: no callback */
    assert_int_equal(f->neoi, 0);
    eoi(f);                                            /* 0x40 level */
    assert_int_equal(f->neoi, 1);
    assert_int_equal(f->eoi[0], 0x40);
    /* Accepting the vector edge-triggered clears its TMR bit. */
    assert_true(vlapic_accept(&f->l, 0x40, false));
    assert_int_equal(mr(f, LAPIC_REG_TMR + 0x20), 0);
    take(f, 0x40);
    eoi(f);
    assert_int_equal(f->neoi, 1);
}

static void test_kick(void **state)
{
    struct fake *f = *state;

    assert_true(vlapic_accept(&f->l, 0x40, false));
    assert_int_equal(f->kicks, 1);
    assert_true(vlapic_accept(&f->l, 0x40, false));    /* already pending */
    assert_int_equal(f->kicks, 1);
    mw(f, LAPIC_REG_TPR, 0xF0);
    assert_true(vlapic_accept(&f->l, 0x41, false));    /* blocked by TPR: no wake-up */
    assert_int_equal(f->kicks, 1);
    mw(f, LAPIC_REG_TPR, 0x00);                        /* lowering TPR unblocks: wake */
    assert_int_equal(f->kicks, 2);
}

/* An interrupt accepted while a higher one is in service waits in IRR; the
 * EOI that ends the higher one must wake the vCPU to deliver it. */
static void test_kick_after_eoi(void **state)
{
    struct fake *f = *state;

    assert_true(vlapic_accept(&f->l, 0x80, false));
    take(f, 0x80);
    f->kicks = 0;
    assert_true(vlapic_accept(&f->l, 0x41, false));    /* below the ISR's class */
    assert_int_equal(f->kicks, 0);
    eoi(f);
    assert_int_equal(f->kicks, 1);
    assert_int_equal(vlapic_pending(&f->l), 0x41);
    take(f, 0x41);
    eoi(f);                                            /* nothing left: no wake-up */
    assert_int_equal(f->kicks, 1);
}

/* ---- error status -------------------------------------------------------- */

static void test_esr(void **state)
{
    struct fake *f = *state;

    assert_false(vlapic_accept(&f->l, 5, false));      /* vectors 0-15 are illegal */
    assert_false(irr_has(f, 5));
    assert_int_equal(mr(f, LAPIC_REG_ESR), 0);         /* not latched before a write */
    mw(f, LAPIC_REG_ESR, 0);
    assert_int_equal(mr(f, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
    mw(f, LAPIC_REG_ESR, 0);
    assert_int_equal(mr(f, LAPIC_REG_ESR), 0);
    /* With LVT error unmasked, the error raises its vector. */
    mw(f, LAPIC_LVT_ERROR, 0xE0);
    assert_false(vlapic_accept(&f->l, 15, false));
    assert_int_equal(vlapic_pending(&f->l), 0xE0);
    /* An illegal error vector does not loop. */
    mw(f, LAPIC_REG_ESR, 0);
    mw(f, LAPIC_LVT_ERROR, 0x03);
    assert_false(vlapic_accept(&f->l, 1, false));
    mw(f, LAPIC_REG_ESR, 0);
    assert_int_equal(mr(f, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

/* ---- software disable ------------------------------------------------------ */

static void test_sw_disable(void **state)
{
    static const uint32_t lvts[] = {
        LAPIC_LVT_CMCI, LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF,
        LAPIC_LVT_LINT0, LAPIC_LVT_LINT1, LAPIC_LVT_ERROR,
    };
    struct fake *f = *state;

    for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
        mw(f, lvts[i], 0x40 + (uint32_t)i);
    assert_true(vlapic_accept(&f->l, 0x50, false));
    mw(f, LAPIC_REG_SVR, 0x0FF);                        /* software disable */
    for (size_t i = 0; i < ARRAY_SIZE(lvts); i++) {
        uint32_t v = mr(f, lvts[i]);
        print_message("case %zu: LVT 0x%x = 0x%x after disable\n", i, lvts[i], v);
        if (v != (0x10040 + (uint32_t)i))
            fail_msg("case %zu: LVT 0x%x = 0x%x, want masked 0x%x", i, lvts[i], v,
                     0x10040 + (uint32_t)i);
        mw(f, lvts[i], 0x60);                           /* the mask bit stays */
        assert_int_equal(mr(f, lvts[i]), 0x10060);
    }
    assert_false(vlapic_accept(&f->l, 0x51, false));    /* not accepted */
    assert_false(irr_has(f, 0x51));
    assert_false(vlapic_accepts_pic(&f->l));
    assert_int_equal(vlapic_pending(&f->l), 0x50);      /* held in IRR */
    take(f, 0x50);
    eoi(f);
    /* Re-enabling does not unmask. */
    mw(f, LAPIC_REG_SVR, 0x1FF);
    assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x10060);
    assert_true(vlapic_accept(&f->l, 0x51, false));
    mw(f, LAPIC_LVT_TIMER, 0x60);
    assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x60);
}

/* ---- IA32_APIC_BASE --------------------------------------------------------- */

#define B_X    (LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_BSP)
#define B_X2   (B_X | APIC_BASE_EXTD)
#define B_OFF  (LAPIC_DEFAULT_BASE | APIC_BASE_BSP)
#define GP     (-1000)          /* "any negative" */

static void test_apic_base_transitions(void **state)
{
    static const struct {
        const char *name;
        enum vlapic_mode from;
        uint64_t write;
        int want_rc;
        enum vlapic_mode want_mode;
        uint64_t want_base;
    } cases[] = {
        { "xAPIC -> x2APIC", VLAPIC_MODE_XAPIC, B_X2, VLAPIC_BASE_MODE_CHANGED, VLAPIC_MODE_X2APIC, B_X2 },
        { "xAPIC -> disabled", VLAPIC_MODE_XAPIC, B_OFF, VLAPIC_BASE_MODE_CHANGED, VLAPIC_MODE_DISABLED, B_OFF },
        { "xAPIC -> xAPIC", VLAPIC_MODE_XAPIC, B_X, 0, VLAPIC_MODE_XAPIC, B_X },
        { "xAPIC: EXTD without EN", VLAPIC_MODE_XAPIC, B_OFF | APIC_BASE_EXTD, GP, VLAPIC_MODE_XAPIC, B_X },
        { "xAPIC: reserved bit 9", VLAPIC_MODE_XAPIC, B_X | BIT(9), GP, VLAPIC_MODE_XAPIC, B_X },
        { "xAPIC: reserved bit 0", VLAPIC_MODE_XAPIC, B_X | 1, GP, VLAPIC_MODE_XAPIC, B_X },
        { "xAPIC: reserved bit 63", VLAPIC_MODE_XAPIC, B_X | BIT(63), GP, VLAPIC_MODE_XAPIC, B_X },
        { "xAPIC: move the base", VLAPIC_MODE_XAPIC, 0xFED00000 | APIC_BASE_EN, VLAPIC_BASE_MOVED,
          VLAPIC_MODE_XAPIC, 0xFED00000 | APIC_BASE_EN | APIC_BASE_BSP },
        { "xAPIC: BSP bit is read-only", VLAPIC_MODE_XAPIC, LAPIC_DEFAULT_BASE | APIC_BASE_EN, 0,
          VLAPIC_MODE_XAPIC, B_X },
        { "x2APIC -> xAPIC", VLAPIC_MODE_X2APIC, B_X, GP, VLAPIC_MODE_X2APIC, B_X2 },
        { "x2APIC -> disabled", VLAPIC_MODE_X2APIC, B_OFF, VLAPIC_BASE_MODE_CHANGED, VLAPIC_MODE_DISABLED, B_OFF },
        { "x2APIC -> x2APIC", VLAPIC_MODE_X2APIC, B_X2, 0, VLAPIC_MODE_X2APIC, B_X2 },
        { "x2APIC: EXTD without EN", VLAPIC_MODE_X2APIC, B_OFF | APIC_BASE_EXTD, GP, VLAPIC_MODE_X2APIC, B_X2 },
        { "disabled -> x2APIC", VLAPIC_MODE_DISABLED, B_X2, GP, VLAPIC_MODE_DISABLED, B_OFF },
        { "disabled -> xAPIC", VLAPIC_MODE_DISABLED, B_X, VLAPIC_BASE_MODE_CHANGED, VLAPIC_MODE_XAPIC, B_X },
        { "disabled -> disabled", VLAPIC_MODE_DISABLED, B_OFF, 0, VLAPIC_MODE_DISABLED, B_OFF },
        { "disabled: EXTD without EN", VLAPIC_MODE_DISABLED, B_OFF | APIC_BASE_EXTD, GP,
          VLAPIC_MODE_DISABLED, B_OFF },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = bsp();
        int rc;

        if (cases[i].from == VLAPIC_MODE_X2APIC)
            to_x2apic(f);
        else if (cases[i].from == VLAPIC_MODE_DISABLED)
            assert_int_equal(vlapic_set_apic_base(&f->l, B_OFF), VLAPIC_BASE_MODE_CHANGED);
        rc = vlapic_set_apic_base(&f->l, cases[i].write);
        print_message("case %zu (%s): rc %d mode %d base 0x%llx\n", i, cases[i].name, rc,
                      vlapic_mode(&f->l), (unsigned long long)vlapic_get_apic_base(&f->l));
        if (cases[i].want_rc == GP ? rc >= 0 : rc != cases[i].want_rc)
            fail_msg("case %zu (%s): rc %d, want %d", i, cases[i].name, rc, cases[i].want_rc);
        if (vlapic_mode(&f->l) != cases[i].want_mode ||
            vlapic_get_apic_base(&f->l) != cases[i].want_base)
            fail_msg("case %zu (%s): mode %d base 0x%llx, want %d 0x%llx", i, cases[i].name,
                     vlapic_mode(&f->l), (unsigned long long)vlapic_get_apic_base(&f->l),
                     cases[i].want_mode, (unsigned long long)cases[i].want_base);
        free(f);
    }
}

static void test_apic_disabled(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    mw(f, LAPIC_REG_TPR, 0x20);
    mw(f, LAPIC_LVT_TIMER, 0x30);
    mw(f, LAPIC_REG_TIMER_ICR, 1000);
    assert_true(vlapic_accept(&f->l, 0x40, false));
    assert_int_equal(vlapic_set_apic_base(&f->l, B_OFF), VLAPIC_BASE_MODE_CHANGED);

    /* The APIC is absent: MMIO reads all ones with an error, writes refused. */
    assert_int_equal(vlapic_mmio_read(&f->l, LAPIC_REG_VERSION, 4, &v), -HV_ENODEV);
    assert_int_equal(v, 0xFFFFFFFF);
    assert_int_equal(vlapic_mmio_write(&f->l, LAPIC_REG_TPR, 4, 0x30), -HV_ENODEV);
    assert_true(vlapic_msr_read(&f->l, MSR_X2APIC_VERSION, &v) < 0);
    assert_int_equal(vlapic_pending(&f->l), -1);
    assert_false(vlapic_accept(&f->l, 0x41, false));
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    assert_true(vlapic_accepts_pic(&f->l));            /* LINT0 is plain INTR */

    /* Re-enabled: power-up state. */
    assert_int_equal(vlapic_set_apic_base(&f->l, B_X), VLAPIC_BASE_MODE_CHANGED);
    assert_int_equal(mr(f, LAPIC_REG_TPR), 0);
    assert_int_equal(mr(f, LAPIC_REG_SVR), 0xFF);
    assert_int_equal(mr(f, LAPIC_LVT_LINT0), 0x10000);
    assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x10000);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_ICR), 0);
    assert_int_equal(mr(f, LAPIC_REG_IRR + 0x20), 0);
    assert_int_equal(mr(f, LAPIC_REG_ID), APIC_ID << 24);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    assert_false(vlapic_accepts_pic(&f->l));
}

/* x2APIC keeps the state except ID/LDR; each interface is off in the other mode. */
static void test_mode_interfaces(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    assert_true(vlapic_msr_read(&f->l, MSR_X2APIC_ID, &v) < 0);    /* xAPIC: no MSRs */
    assert_true(vlapic_msr_write(&f->l, MSR_X2APIC_TPR, 0) < 0);
    mw(f, LAPIC_REG_TPR, 0x30);
    mw(f, LAPIC_REG_LDR, 0x80000000);
    mw(f, LAPIC_LVT_TIMER, 0x20);
    assert_true(vlapic_accept(&f->l, 0x50, false));
    to_x2apic(f);
    assert_int_equal(vlapic_mmio_read(&f->l, LAPIC_REG_ID, 4, &v), -HV_ENODEV);
    assert_int_equal(vlapic_mmio_write(&f->l, LAPIC_REG_EOI, 4, 0), -HV_ENODEV);
    assert_int_equal(xr(f, MSR_X2APIC_TPR), 0x30);
    assert_int_equal(xr(f, MSR_X2APIC_LDR), 0x8);      /* derived from the ID */
    assert_int_equal(xr(f, MSR_X2APIC_LVT_TIMER), 0x20);
    assert_int_equal(xr(f, MSR_X2APIC_IRR0 + 2), 1u << 16);
    assert_int_equal(vlapic_pending(&f->l), 0x50);
}

/* ---- x2APIC MSR access rules ------------------------------------------------ */

static void test_x2apic_msrs(void **state)
{
    enum { R, W };
    static const struct {
        uint32_t msr;
        int op;
        uint64_t val;       /* written, or expected on a read */
        bool ok;
    } cases[] = {
        { MSR_X2APIC_ID, R, APIC_ID, true },
        { MSR_X2APIC_ID, W, 5, false },
        { MSR_X2APIC_VERSION, R, 0x50014, true },
        { MSR_X2APIC_VERSION, W, 0x50014, false },
        { MSR_X2APIC_TPR, W, 0x20, true },
        { MSR_X2APIC_TPR, R, 0x20, true },
        { MSR_X2APIC_TPR, W, 0x100000020ULL, false },  /* bits 63:32 reserved */
        { MSR_X2APIC_PPR, R, 0x20, true },
        { MSR_X2APIC_PPR, W, 0, false },
        { MSR_X2APIC_EOI, R, 0, false },
        { MSR_X2APIC_EOI, W, 1, false },                /* must write 0 */
        { MSR_X2APIC_EOI, W, 0, true },
        { MSR_X2APIC_LDR, R, 0x8, true },
        { MSR_X2APIC_LDR, W, 0x10, false },
        { 0x80E /* DFR */, R, 0, false },
        { 0x80E /* DFR */, W, 0, false },
        { 0x809 /* APR */, R, 0, false },
        { 0x80C /* RRD */, R, 0, false },
        { MSR_X2APIC_SVR, W, 0x1F0, true },
        { MSR_X2APIC_SVR, R, 0x1F0, true },
        { MSR_X2APIC_ISR0, R, 0, true },
        { MSR_X2APIC_ISR0 + 7, W, 0, false },
        { MSR_X2APIC_TMR0 + 3, R, 0, true },
        { MSR_X2APIC_TMR0, W, 0, false },
        { MSR_X2APIC_IRR0 + 7, R, 0, true },
        { MSR_X2APIC_IRR0, W, 0, false },
        { MSR_X2APIC_ESR, W, 0, true },
        { MSR_X2APIC_ESR, W, 1, false },                /* must write 0 */
        { MSR_X2APIC_ESR, R, 0, true },
        { MSR_X2APIC_LVT_CMCI, W, 0x10050, false },      /* no CMCI: max LVT 5 */
        { MSR_X2APIC_LVT_CMCI, R, 0, false },
        { MSR_X2APIC_ICR, W, 0x0000000400000030ULL, true },  /* fixed 0x30 to APIC 4 */
        { MSR_X2APIC_ICR, R, 0x0000000400000030ULL, true },
        { MSR_X2APIC_ICR, W, 0x0000000400002030ULL, false }, /* reserved bit 13 */
        { MSR_X2APIC_ICR, W, 0x0000000400100030ULL, false }, /* reserved bit 20 */
        { 0x831 /* ICR_HI */, R, 0, false },
        { 0x831 /* ICR_HI */, W, 0, false },
        { MSR_X2APIC_LVT_TIMER, W, 0x10040, true },
        { MSR_X2APIC_LVT_TIMER, R, 0x10040, true },
        { MSR_X2APIC_LVT_THERMAL, W, 0x10041, true },
        { MSR_X2APIC_LVT_PERF, W, 0x10042, true },
        { MSR_X2APIC_LVT_LINT0, R, 0x700, true },
        { MSR_X2APIC_LVT_LINT1, R, 0x400, true },
        { MSR_X2APIC_LVT_ERROR, W, 0x100FE, true },
        { MSR_X2APIC_LVT_ERROR, R, 0x100FE, true },
        { MSR_X2APIC_TIMER_ICR, W, 0, true },
        { MSR_X2APIC_TIMER_ICR, R, 0, true },
        { MSR_X2APIC_TIMER_CCR, R, 0, true },
        { MSR_X2APIC_TIMER_CCR, W, 0, false },
        { MSR_X2APIC_TIMER_DCR, W, 0xB, true },
        { MSR_X2APIC_TIMER_DCR, R, 0xB, true },
        { MSR_X2APIC_SELF_IPI, R, 0, false },
        { MSR_X2APIC_SELF_IPI, W, 0x100000040ULL, false },
        { MSR_X2APIC_SELF_IPI, W, 0x140, false },           /* reserved bits 31:8 */
        { MSR_X2APIC_TPR, W, 0x120, false },                /* reserved bits 31:8 */
        { MSR_X2APIC_TPR, R, 0x20, true },                  /* unchanged */
        { MSR_X2APIC_SVR, W, 0x21FF, false },               /* reserved bit 13 */
        { MSR_X2APIC_SVR, W, 0x5FF, false },                /* reserved bit 10 */
        { MSR_X2APIC_SVR, W, 0x11FF, true },                /* bit 12 (EOI broadcast */
        { MSR_X2APIC_SVR, R, 0x1FF, true },                 /*  suppression): not offered */
        { MSR_X2APIC_TIMER_DCR, W, 0x1B, false },           /* reserved bit 4 */
        { MSR_X2APIC_TIMER_DCR, W, 0x4, false },            /* reserved bit 2 */
        { MSR_X2APIC_LVT_TIMER, W, 0x10140, false },        /* no delivery mode */
        { MSR_X2APIC_LVT_TIMER, W, 0x90040, false },        /* reserved bit 19 */
        { MSR_X2APIC_LVT_ERROR, W, 0x14FE, false },         /* no delivery mode */
        { MSR_X2APIC_LVT_THERMAL, W, 0x12041, false },      /* no polarity */
        { MSR_X2APIC_LVT_LINT0, W, 0x1A700, true },         /* polarity, trigger */
        { MSR_X2APIC_LVT_LINT0, W, 0x20700, false },        /* reserved bit 17 */
        { MSR_X2APIC_LVT_LINT1, W, 0x400, true },
        { 0x800, R, 0, false },
        { 0x801, R, 0, false },
        { 0x840, R, 0, false },
        { 0x8FF, W, 0, false },
        { 0x7FF, R, 0, false },                         /* not an x2APIC MSR */
        { 0x900, W, 0, false },
    };
    struct fake *f = *state;

    to_x2apic(f);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0xDEAD;
        int rc;

        if (cases[i].op == R)
            rc = vlapic_msr_read(&f->l, cases[i].msr, &v);
        else
            rc = vlapic_msr_write(&f->l, cases[i].msr, cases[i].val);
        print_message("case %zu: %s 0x%x -> rc %d val 0x%llx\n", i,
                      cases[i].op == R ? "rdmsr" : "wrmsr", cases[i].msr, rc,
                      (unsigned long long)v);
        if ((rc == 0) != cases[i].ok)
            fail_msg("case %zu: msr 0x%x rc %d, want %s", i, cases[i].msr, rc,
                     cases[i].ok ? "0" : "#GP");
        if (cases[i].op == R && rc == 0 && v != cases[i].val)
            fail_msg("case %zu: msr 0x%x read 0x%llx, want 0x%llx", i, cases[i].msr,
                     (unsigned long long)v, (unsigned long long)cases[i].val);
    }
}

/* ---- IPIs -------------------------------------------------------------------- */

static void test_ipi(void **state)
{
    static const struct {
        const char *name;
        bool x2;
        uint32_t ldr, dfr;          /* xAPIC logical setup (0: leave) */
        uint32_t lo, dest;
        int irr;                    /* vector expected in IRR, or -1 */
        unsigned ipi, nmi;          /* ipi callbacks, NMI pending expected */
        uint32_t esr;
    } cases[] = {
        { "x2: fixed to own ID", true, 0, 0, 0x40, APIC_ID, 0x40, 0, 0, 0 },
        { "x2: lowest priority to own ID", true, 0, 0, 0x141, APIC_ID, 0x41, 0, 0, 0 },
        { "x2: shorthand self", true, 0, 0, LAPIC_ICR_SH_SELF | 0x42, 0x99, 0x42, 0, 0, 0 },
        { "x2: fixed to APIC 4", true, 0, 0, 0x43, 4, -1, 1, 0, 0 },
        { "x2: physical broadcast", true, 0, 0, 0x44, 0xFFFFFFFF, 0x44, 1, 0, 0 },
        { "x2: all excluding self", true, 0, 0, LAPIC_ICR_SH_ALL_EXCL_SELF | 0x45, 0, -1, 1, 0, 0 },
        { "x2: all including self", true, 0, 0, LAPIC_ICR_SH_ALL_INCL_SELF | 0x46, 0, 0x46, 1, 0, 0 },
        { "x2: logical, own bit", true, 0, 0, LAPIC_ICR_DEST_LOGICAL | 0x47, 0x8, 0x47, 0, 0, 0 },
        { "x2: logical, own and other bits", true, 0, 0, LAPIC_ICR_DEST_LOGICAL | 0x48, 0x18, 0x48, 1, 0, 0 },
        { "x2: logical, other cluster", true, 0, 0, LAPIC_ICR_DEST_LOGICAL | 0x49, 0x10008, -1, 1, 0, 0 },
        { "x2: NMI to self", true, 0, 0, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI, 0, -1, 0, 1, 0 },
        { "x2: NMI to own ID (vector ignored)", true, 0, 0, LAPIC_ICR_DM_NMI | 0x0F, APIC_ID, -1, 0,
          1, 0 },
        { "x2: NMI to APIC 4", true, 0, 0, LAPIC_ICR_DM_NMI, 4, -1, 1, 0, 0 },
        { "x2: NMI to all including self", true, 0, 0, LAPIC_ICR_SH_ALL_INCL_SELF | LAPIC_ICR_DM_NMI,
          0, -1, 1, 1, 0 },
        { "x2: NMI to all excluding self", true, 0, 0, LAPIC_ICR_SH_ALL_EXCL_SELF | LAPIC_ICR_DM_NMI,
          0, -1, 1, 0, 0 },
        { "x2: NMI broadcast", true, 0, 0, LAPIC_ICR_DM_NMI, 0xFFFFFFFF, -1, 1, 1, 0 },
        { "x: NMI to self", false, 0, 0, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI, 0, -1, 0, 1, 0 },
        { "x: NMI to own ID", false, 0, 0, LAPIC_ICR_DM_NMI, APIC_ID, -1, 0, 1, 0 },
        { "x: NMI to APIC 1", false, 0, 0, LAPIC_ICR_DM_NMI, 1, -1, 1, 0, 0 },
        { "x: NMI broadcast", false, 0, 0, LAPIC_ICR_DM_NMI, 0xFF, -1, 1, 1, 0 },
        { "x: NMI flat logical, own bit", false, 0x01000000, 0,
          LAPIC_ICR_DEST_LOGICAL | LAPIC_ICR_DM_NMI, 0x01, -1, 0, 1, 0 },
        { "x2: INIT to self is not handled", true, 0, 0, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL_ASSERT,
          APIC_ID, -1, 1, 0, 0 },
        { "x2: SIPI to APIC 1", true, 0, 0, LAPIC_ICR_DM_STARTUP | 0x10, 1, -1, 1, 0, 0 },
        { "x2: illegal vector", true, 0, 0, LAPIC_ICR_SH_SELF | 0x0F, 0, -1, 0, 0,
          LAPIC_ESR_SEND_ILLEGAL_VECTOR },
        { "x: fixed to own ID", false, 0, 0, 0x50, APIC_ID, 0x50, 0, 0, 0 },
        { "x: fixed to APIC 1", false, 0, 0, 0x51, 1, -1, 1, 0, 0 },
        { "x: broadcast", false, 0, 0, 0x52, 0xFF, 0x52, 1, 0, 0 },
        { "x: shorthand self", false, 0, 0, LAPIC_ICR_SH_SELF | 0x53, 0, 0x53, 0, 0, 0 },
        { "x: flat logical, own bit", false, 0x01000000, 0, LAPIC_ICR_DEST_LOGICAL | 0x54, 0x01,
          0x54, 0, 0, 0 },
        { "x: flat logical, more bits", false, 0x01000000, 0, LAPIC_ICR_DEST_LOGICAL | 0x55, 0x03,
          0x55, 1, 0, 0 },
        { "x: flat logical, other bit", false, 0x01000000, 0, LAPIC_ICR_DEST_LOGICAL | 0x56, 0x02,
          -1, 1, 0, 0 },
        { "x: cluster logical, own", false, 0x21000000, LAPIC_DFR_CLUSTER,
          LAPIC_ICR_DEST_LOGICAL | 0x57, 0x21, 0x57, 0, 0, 0 },
        { "x: cluster logical, other cluster", false, 0x21000000, LAPIC_DFR_CLUSTER,
          LAPIC_ICR_DEST_LOGICAL | 0x58, 0x31, -1, 1, 0, 0 },
        { "x: illegal vector", false, 0, 0, 0x01, APIC_ID, -1, 0, 0, LAPIC_ESR_SEND_ILLEGAL_VECTOR },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = bsp();
        int pend;
        uint32_t esr;

        if (cases[i].x2) {
            to_x2apic(f);
            xw(f, MSR_X2APIC_ICR, (uint64_t)cases[i].dest << 32 | cases[i].lo);
            xw(f, MSR_X2APIC_ESR, 0);
            esr = (uint32_t)xr(f, MSR_X2APIC_ESR);
        } else {
            if (cases[i].ldr)
                mw(f, LAPIC_REG_LDR, cases[i].ldr);
            if (cases[i].dfr)
                mw(f, LAPIC_REG_DFR, cases[i].dfr);
            mw(f, LAPIC_REG_ICR_HI, cases[i].dest << 24);
            mw(f, LAPIC_REG_ICR_LO, cases[i].lo);
            assert_int_equal(mr(f, LAPIC_REG_ICR_LO), cases[i].lo);    /* delivery status idle */
            mw(f, LAPIC_REG_ESR, 0);
            esr = mr(f, LAPIC_REG_ESR);
        }
        pend = vlapic_pending(&f->l);
        unsigned nmi = vlapic_nmi_pending(&f->l);
        print_message("case %zu (%s): pending %d ipi %u nmi %u esr 0x%x\n", i, cases[i].name,
                      pend, f->nipi, nmi, esr);
        if (pend != cases[i].irr || f->nipi != cases[i].ipi || nmi != cases[i].nmi ||
            esr != cases[i].esr)
            fail_msg("case %zu (%s): pending %d ipi %u nmi %u esr 0x%x, want %d %u %u 0x%x", i,
                     cases[i].name, pend, f->nipi, nmi, esr, cases[i].irr, cases[i].ipi,
                     cases[i].nmi, cases[i].esr);
        if (f->nipi && (f->ipi_lo != cases[i].lo || f->ipi_dest != cases[i].dest))
            fail_msg("case %zu (%s): ipi callback got 0x%x -> 0x%x", i, cases[i].name,
                     f->ipi_lo, f->ipi_dest);
        free(f);
    }
}

static void test_self_ipi_msr(void **state)
{
    struct fake *f = *state;

    to_x2apic(f);
    xw(f, MSR_X2APIC_SELF_IPI, 0x62);
    assert_int_equal(vlapic_pending(&f->l), 0x62);
    assert_int_equal(f->kicks, 1);
    assert_false(f->l.tmr[0x62 / 32] & (1u << (0x62 % 32)));
    take(f, 0x62);
    xw(f, MSR_X2APIC_EOI, 0);
    assert_int_equal(xr(f, MSR_X2APIC_ISR0 + 3), 0);
    assert_int_equal(f->neoi, 0);
}

static void test_ipi_unsupported(void **state)
{
    struct fake *f = fake_new(APIC_ID, true, &ops_basic, 0);

    (void)state;
    mw(f, LAPIC_REG_ICR_HI, 7u << 24);
    mw(f, LAPIC_REG_ICR_LO, 0x44);
    assert_int_equal(f->l.stats.ipi_unsupported, 1);
    assert_int_equal(f->l.stats.last_unsupported_icr, 0x44);
    assert_int_equal(f->l.stats.last_unsupported_dest, 7);
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI);  /* handled here */
    assert_int_equal(f->l.stats.ipi_unsupported, 1);
    assert_true(vlapic_nmi_pending(&f->l));
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_DM_NMI);                      /* to APIC 7 */
    assert_int_equal(f->l.stats.ipi_unsupported, 2);
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_SH_SELF | 0x45);
    assert_int_equal(f->l.stats.ipi_unsupported, 2);
    assert_int_equal(f->l.stats.ipi_self, 1);
    assert_int_equal(vlapic_pending(&f->l), 0x45);
    free(f);
}

/* ---- NMIs ------------------------------------------------------------------- */

/* NMIs are one latch: a second one while pending coalesces; taking it
 * clears it; each new one kicks. No IRR bit is set. */
static void test_nmi_latch(void **state)
{
    struct fake *f = *state;

    assert_false(vlapic_nmi_pending(&f->l));
    assert_false(vlapic_take_nmi(&f->l));
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI);
    assert_true(vlapic_nmi_pending(&f->l));
    assert_int_equal(f->kicks, 1);
    assert_int_equal(vlapic_pending(&f->l), -1);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(f->l.irr[i], 0);
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI);
    assert_int_equal(f->kicks, 1);
    assert_int_equal(f->l.stats.nmi_received, 2);
    assert_int_equal(f->l.stats.nmi_coalesced, 1);
    assert_true(vlapic_take_nmi(&f->l));
    assert_false(vlapic_nmi_pending(&f->l));
    assert_false(vlapic_take_nmi(&f->l));
    /* Software-disabled, the APIC still takes NMI messages (SDM "Local APIC
     * State After It Has Been Software Disabled"). */
    mw(f, LAPIC_REG_SVR, 0xFF);
    mw(f, LAPIC_REG_ICR_LO, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI);
    assert_true(vlapic_nmi_pending(&f->l));
    assert_int_equal(f->kicks, 2);
    /* The x2APIC ICR MSR to the own ID, and SELF IPI (fixed only). */
    assert_true(vlapic_take_nmi(&f->l));
    mw(f, LAPIC_REG_SVR, 0x1FF);
    to_x2apic(f);
    xw(f, MSR_X2APIC_ICR, (uint64_t)APIC_ID << 32 | LAPIC_ICR_DM_NMI);
    assert_true(vlapic_take_nmi(&f->l));
    xw(f, MSR_X2APIC_SELF_IPI, 0x40);
    assert_false(vlapic_nmi_pending(&f->l));
}

/* LINT0/LINT1: rising edges deliver what the LVT says, masked entries
 * nothing; a line held high delivers once. */
static void test_nmi_lint(void **state)
{
    struct fake *f = *state;

    /* The BSP starts in virtual-wire mode: LINT1 = NMI, unmasked. */
    vlapic_set_lint(&f->l, 1, true);
    assert_true(vlapic_take_nmi(&f->l));
    assert_int_equal(f->kicks, 1);
    vlapic_set_lint(&f->l, 1, true);                    /* still high: no edge */
    assert_false(vlapic_nmi_pending(&f->l));
    vlapic_set_lint(&f->l, 1, false);
    assert_false(vlapic_nmi_pending(&f->l));
    vlapic_set_lint(&f->l, 1, true);
    assert_true(vlapic_take_nmi(&f->l));
    vlapic_set_lint(&f->l, 1, false);

    /* Masked: nothing, and no edge is remembered for later. */
    mw(f, LAPIC_LVT_LINT1, LAPIC_LVT_MASKED | LAPIC_LVT_DM_NMI);
    vlapic_set_lint(&f->l, 1, true);
    vlapic_set_lint(&f->l, 1, false);
    mw(f, LAPIC_LVT_LINT1, LAPIC_LVT_DM_NMI);
    assert_false(vlapic_nmi_pending(&f->l));
    assert_int_equal(f->kicks, 2);

    /* LINT0 as NMI too (level trigger bit ignored for NMI). */
    mw(f, LAPIC_LVT_LINT0, LAPIC_LVT_DM_NMI | LAPIC_LVT_LEVEL);
    assert_false(vlapic_accepts_pic(&f->l));
    vlapic_set_lint(&f->l, 0, true);
    assert_true(vlapic_take_nmi(&f->l));
    vlapic_set_lint(&f->l, 0, false);
    assert_int_equal(vlapic_pending(&f->l), -1);

    /* Fixed: an interrupt, TMR from the trigger mode. */
    mw(f, LAPIC_LVT_LINT0, 0x61 | LAPIC_LVT_LEVEL);
    vlapic_set_lint(&f->l, 0, true);
    assert_int_equal(vlapic_pending(&f->l), 0x61);
    assert_true(f->l.tmr[0x61 / 32] & (1u << (0x61 % 32)));
    assert_false(vlapic_nmi_pending(&f->l));
    vlapic_set_lint(&f->l, 0, false);

    /* ExtINT: the PIC's path, nothing here; SMI is not handled. */
    mw(f, LAPIC_LVT_LINT1, LAPIC_LVT_DM_EXTINT);
    vlapic_set_lint(&f->l, 1, true);
    vlapic_set_lint(&f->l, 1, false);
    mw(f, LAPIC_LVT_LINT1, LAPIC_LVT_DM_SMI);
    vlapic_set_lint(&f->l, 1, true);
    vlapic_set_lint(&f->l, 1, false);
    assert_false(vlapic_nmi_pending(&f->l));
    assert_int_equal(f->l.stats.ipi_unsupported, 1);

    /* Software-disabled: every LVT is masked. */
    mw(f, LAPIC_LVT_LINT1, LAPIC_LVT_DM_NMI);
    mw(f, LAPIC_REG_SVR, 0xFF);
    vlapic_set_lint(&f->l, 1, true);
    vlapic_set_lint(&f->l, 1, false);
    assert_false(vlapic_nmi_pending(&f->l));

    /* Globally disabled: LINT1 is the NMI pin, LINT0 (INTR) does nothing here. */
    assert_true(vlapic_set_apic_base(&f->l, LAPIC_DEFAULT_BASE | APIC_BASE_BSP) >= 0);
    vlapic_set_lint(&f->l, 0, true);
    assert_false(vlapic_nmi_pending(&f->l));
    vlapic_set_lint(&f->l, 1, true);
    assert_true(vlapic_nmi_pending(&f->l));
    assert_int_equal(f->l.stats.nmi_received, 4);
}

/* ---- timer ------------------------------------------------------------------ */

static void test_timer_oneshot(void **state)
{
    struct fake *f = *state;

    mw(f, LAPIC_REG_TIMER_DCR, 0xB);                   /* divide by 1: 1 tick/ns */
    mw(f, LAPIC_LVT_TIMER, 0x30);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    mw(f, LAPIC_REG_TIMER_ICR, 1000);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 1000);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 1000);
    f->now = T0 + 250;
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 750);
    f->now = T0 + 999;
    vlapic_advance(&f->l);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 1);
    assert_int_equal(vlapic_pending(&f->l), -1);
    f->now = T0 + 1000;
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 0);
    vlapic_advance(&f->l);
    assert_int_equal(f->kicks, 1);
    take(f, 0x30);
    eoi(f);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_ICR), 1000);
    f->now = T0 + 100000;
    vlapic_advance(&f->l);                             /* fires once only */
    assert_int_equal(vlapic_pending(&f->l), -1);
    assert_int_equal(f->l.stats.timer_fired, 1);

    /* Re-arm, then stop by writing 0. */
    mw(f, LAPIC_REG_TIMER_ICR, 500);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 100500);
    mw(f, LAPIC_REG_TIMER_ICR, 0);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    f->now = T0 + 200000;
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), -1);

    /* Masked: counts and expires, but no interrupt. */
    mw(f, LAPIC_LVT_TIMER, 0x10030);
    mw(f, LAPIC_REG_TIMER_ICR, 100);
    f->now += 100;
    vlapic_advance(&f->l);
    assert_int_equal(f->l.stats.timer_fired, 2);
    assert_int_equal(vlapic_pending(&f->l), -1);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
}

static void test_timer_periodic(void **state)
{
    struct fake *f = *state;
    const uint64_t P = 200000;                         /* ticks = ns at divide by 1 */

    mw(f, LAPIC_REG_TIMER_DCR, 0xB);
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x31);
    mw(f, LAPIC_REG_TIMER_ICR, (uint32_t)P);
    for (unsigned k = 1; k <= 5; k++) {
        print_message("period %u\n", k);
        assert_int_equal(vlapic_next_event(&f->l), T0 + k * P);
        f->now = T0 + k * P - 1;
        vlapic_advance(&f->l);
        assert_int_equal(vlapic_pending(&f->l), -1);
        assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 1);
        f->now = T0 + k * P;
        vlapic_advance(&f->l);
        assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), P);   /* reloaded */
        take(f, 0x31);
        eoi(f);
        f->now = T0 + k * P + P / 4;
        assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), P - P / 4);
    }
    assert_int_equal(f->l.stats.timer_fired, 5);

    /* A long gap gives one interrupt, and the timer stays on its grid. */
    f->now = T0 + 20 * P + 12345;
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), P - 12345);
    vlapic_advance(&f->l);
    vlapic_advance(&f->l);
    assert_int_equal(f->l.stats.timer_fired, 6);
    assert_int_equal(f->l.stats.accepted, 6);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 21 * P);
    take(f, 0x31);
    eoi(f);
    assert_int_equal(vlapic_pending(&f->l), -1);

    /* Periodic -> one-shot keeps the current count and fires once more. */
    f->now = T0 + 20 * P + P / 2;
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | 0x31);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), P / 2);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 21 * P);
    f->now = T0 + 30 * P;
    vlapic_advance(&f->l);
    take(f, 0x31);
    eoi(f);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);

    /* Very short periods are limited to VLAPIC_MIN_PERIOD_NS. */
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x31);
    mw(f, LAPIC_REG_TIMER_ICR, 10);
    assert_int_equal(vlapic_next_event(&f->l), f->now + VLAPIC_MIN_PERIOD_NS);
}

static void test_timer_divide(void **state)
{
    static const struct { uint32_t dcr; uint64_t div; } cases[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
        { 0xF4, 2 },                                   /* reserved bits ignored */
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = bsp();
        uint64_t d = cases[i].div;
        uint32_t ccr;

        mw(f, LAPIC_REG_TIMER_DCR, cases[i].dcr);
        mw(f, LAPIC_LVT_TIMER, 0x30);
        mw(f, LAPIC_REG_TIMER_ICR, 1000);
        f->now = T0 + 10 * d - 1;
        ccr = mr(f, LAPIC_REG_TIMER_CCR);
        print_message("case %zu: dcr 0x%x next %llu ccr %u\n", i, cases[i].dcr,
                      (unsigned long long)(vlapic_next_event(&f->l) - T0), ccr);
        if (vlapic_next_event(&f->l) != T0 + 1000 * d)
            fail_msg("case %zu: next event +%llu, want +%llu", i,
                     (unsigned long long)(vlapic_next_event(&f->l) - T0),
                     (unsigned long long)(1000 * d));
        if (ccr != 991)                    /* 9 whole ticks elapsed */
            fail_msg("case %zu: ccr %u after 10 ticks - 1 ns, want 991", i, ccr);
        f->now = T0 + 10 * d;
        assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 990);
        free(f);
    }
}

/* Changing the divider while counting keeps the current count. */
static void test_timer_divide_change(void **state)
{
    struct fake *f = *state;

    mw(f, LAPIC_REG_TIMER_DCR, 0xB);
    mw(f, LAPIC_LVT_TIMER, 0x30);
    mw(f, LAPIC_REG_TIMER_ICR, 1000);
    f->now = T0 + 400;
    mw(f, LAPIC_REG_TIMER_DCR, 0x0);                   /* divide by 2 */
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 600);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 400 + 1200);
    f->now = T0 + 600;
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 500);
}

static void test_timer_tsc_deadline(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x40032);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
    mw(f, LAPIC_REG_TIMER_ICR, 1000);                  /* ignored in this mode */
    assert_int_equal(mr(f, LAPIC_REG_TIMER_ICR), 0);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);

    /* 2500 TSC ticks at 2.5 GHz = 1000 ns. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 2500), 0);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, fake_tsc(f) + 2500);
    assert_int_equal(vlapic_next_event(&f->l), T0 + 1000);
    f->now = T0 + 999;
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), -1);
    f->now = T0 + 1000;
    vlapic_advance(&f->l);
    take(f, 0x32);
    eoi(f);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);                            /* cleared once fired */
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);

    /* Rounded up: one TSC tick (0.4 ns) away is 1 ns away. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 1), 0);
    assert_int_equal(vlapic_next_event(&f->l), f->now + 1);

    /* Disarm by writing 0. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, 0), 0);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    f->now += 1000000;
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), -1);

    /* A deadline in the past is due at once: the write says so (1), and the
     * next advance fires it. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, 1), 1);
    assert_int_equal(vlapic_next_event(&f->l), f->now);
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), 0x32);
    take(f, 0x32);
    eoi(f);

    /* Far future: armed, but not overflowing into the past. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, UINT64_MAX), 0);
    assert_true(vlapic_next_event(&f->l) > f->now + 100 * NS_PER_SEC);
    assert_true(vlapic_next_event(&f->l) != VCLOCK_NEVER);

    /* Leaving TSC-deadline mode disarms; the MSR then reads 0, writes ignored. */
    mw(f, LAPIC_LVT_TIMER, 0x32);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 100), 0);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);

    /* Entering it from a running one-shot timer disarms that too. */
    mw(f, LAPIC_REG_TIMER_ICR, 1000);
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(vlapic_next_event(&f->l), VCLOCK_NEVER);
    assert_int_equal(mr(f, LAPIC_REG_TIMER_ICR), 0);
}

/* The deadline stays in TSC units (vlapic_tsc_next): what the VM layer
 * arms its exit for, with no conversion (SDM Vol. 3A, "TSC-Deadline Mode"). */
static void test_timer_tsc_next(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    /* Outside TSC-deadline mode a write is ignored: nothing armed, reads 0. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 100), 0);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);

    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 123457), 0);
    assert_int_equal(vlapic_tsc_next(&f->l), fake_tsc(f) + 123457);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, fake_tsc(f) + 123457);
    assert_int_equal(vlapic_next_count_event(&f->l), VCLOCK_NEVER);

    /* Re-armed: the new value replaces the old, earlier or later. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 10), 0);
    assert_int_equal(vlapic_tsc_next(&f->l), fake_tsc(f) + 10);

    /* Writing 0 disarms: nothing armed, the MSR reads 0, no interrupt. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, 0), 0);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
    f->now += 1000000;
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), -1);
    assert_int_equal(f->l.stats.timer_fired, 0);

    /* Due exactly when the guest TSC reaches it, not a tick before. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 5), 0);
    f->now += 1;                                    /* 2.5 ticks later: TSC + 2 */
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), -1);
    f->now += 1;                                    /* TSC + 5 */
    vlapic_advance(&f->l);
    assert_int_equal(vlapic_pending(&f->l), 0x32);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);                         /* 0 once it fired */
    take(f, 0x32);
    eoi(f);

    /* Leaving the mode disarms; so does disabling the APIC. */
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 1000), 0);
    mw(f, LAPIC_LVT_TIMER, 0x32);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, fake_tsc(f) + 1000), 0);
    assert_true(vlapic_set_apic_base(&f->l, LAPIC_DEFAULT_BASE | APIC_BASE_BSP) >= 0);
    assert_int_equal(vlapic_mode(&f->l), VLAPIC_MODE_DISABLED);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
}

/* vlapic_fire_tsc_deadline: the expiry for a VM layer that posts the vector
 * itself. */
static void test_timer_fire_tsc_deadline(void **state)
{
    struct fake *f = *state;
    uint64_t v;

    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), -1);         /* not armed */
    uint64_t deadline = fake_tsc(f) + 2500;
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, deadline), 0);
    f->now += 999;
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), -1);         /* not due */
    assert_int_equal(vlapic_tsc_next(&f->l), deadline);
    f->now += 1;
    unsigned kicks = f->kicks;
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), 0x32);
    assert_true(irr_has(f, 0x32));
    assert_int_equal(f->kicks, kicks);                             /* the caller posts */
    assert_int_equal(f->l.stats.timer_fired, 1);
    assert_true(vlapic_tsc_next(&f->l) == UINT64_MAX);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), -1);         /* fired once */
    take(f, 0x32);
    eoi(f);

    /* Masked: it fires (reads 0 after), nothing to post. */
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | LAPIC_LVT_MASKED | 0x32);
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, 1), 1);
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), -1);
    assert_int_equal(f->l.stats.timer_fired, 2);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
    assert_false(irr_has(f, 0x32));

    /* An illegal vector is the model's business (ESR): nothing done. */
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x05);
    assert_int_equal(vlapic_write_tsc_deadline(&f->l, 1), 1);
    assert_int_equal(vlapic_fire_tsc_deadline(&f->l), VLAPIC_FIRE_ADVANCE);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 1);                                        /* still armed */
    uint64_t rejected = f->l.stats.rejected;
    vlapic_advance(&f->l);
    assert_int_equal(f->l.stats.rejected, rejected + 1);
    assert_int_equal(vlapic_read_tsc_deadline(&f->l, &v), 0);
    assert_int_equal(v, 0);
}

static void test_timer_no_tsc_deadline(void **state)
{
    struct fake *f = fake_new(APIC_ID, true, &ops_basic, 0);
    uint64_t v;

    (void)state;
    mw(f, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | 0x32);
    assert_int_equal(mr(f, LAPIC_LVT_TIMER), 0x32);    /* mode not available */
    assert_true(vlapic_write_tsc_deadline(&f->l, 100) < 0);
    assert_true(vlapic_read_tsc_deadline(&f->l, &v) < 0);
    free(f);
}

/* ---- PIC routing -------------------------------------------------------------- */

static void test_accepts_pic(void **state)
{
    enum { NONE, AP, MASK_LINT0, LINT0_FIXED, SW_DISABLE, HW_DISABLE, X2APIC, REENABLE };
    static const struct { const char *name; int setup; bool want; } cases[] = {
        { "BSP after init (virtual wire)", NONE, true },
        { "AP after init", AP, false },
        { "LINT0 masked", MASK_LINT0, false },
        { "LINT0 fixed delivery", LINT0_FIXED, false },
        { "software disabled", SW_DISABLE, false },
        { "globally disabled", HW_DISABLE, true },
        { "x2APIC, LINT0 ExtINT", X2APIC, true },
        { "re-enabled after disable (LINT0 masked)", REENABLE, false },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fake *f = fake_new(APIC_ID, cases[i].setup != AP, &ops_full, TSC_HZ);
        bool got;

        switch (cases[i].setup) {
        case MASK_LINT0:  mw(f, LAPIC_LVT_LINT0, 0x10700); break;
        case LINT0_FIXED: mw(f, LAPIC_LVT_LINT0, 0x30); break;
        case SW_DISABLE:  mw(f, LAPIC_REG_SVR, 0xFF); break;
        case HW_DISABLE:  assert_true(vlapic_set_apic_base(&f->l, B_OFF) >= 0); break;
        case X2APIC:      to_x2apic(f); break;
        case REENABLE:
            assert_true(vlapic_set_apic_base(&f->l, B_OFF) >= 0);
            assert_true(vlapic_set_apic_base(&f->l, B_X) >= 0);
            break;
        default: break;
        }
        got = vlapic_accepts_pic(&f->l);
        print_message("case %zu (%s): %d\n", i, cases[i].name, got);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): %d, want %d", i, cases[i].name, got, cases[i].want);
        free(f);
    }
}


/* ---- the virtual-APIC page (APIC-register virtualization) ------------------ */

/* Every register slot of the page holds what an MMIO read returns (the
 * current count, which always exits, holds 0). */
static void check_page(struct fake *f, const uint32_t *page, const char *when)
{
    for (uint64_t off = 0; off <= LAPIC_REG_SELF_IPI; off += 16) {
        uint32_t want = off == LAPIC_REG_TIMER_CCR || off == LAPIC_REG_SELF_IPI ? 0 : mr(f, off);
        if (page[off / 4] != want)
            fail_msg("%s: page offset %#llx holds %#x, MMIO reads %#x", when,
                     (unsigned long long)off, page[off / 4], want);
    }
}

static void test_page_matches_registers(void **state)
{
    struct fake *f = *state;
    uint32_t *page = calloc(1024, sizeof(uint32_t));
    assert_non_null(page);

    assert_int_equal(f->l.dirty & VLAPIC_DIRTY_ALL, VLAPIC_DIRTY_ALL);   /* after init */
    vlapic_fill_page(&f->l, page);
    assert_int_equal(f->l.dirty, 0);
    check_page(f, page, "after init");
    assert_int_equal(page[LAPIC_REG_VERSION / 4], LAPIC_VERSION_VALUE);
    assert_int_equal(page[LAPIC_REG_ID / 4], APIC_ID << 24);

    /* An interrupt accepted, taken and ended: only the priority group. */
    vlapic_accept(&f->l, 0x51, true);
    assert_int_equal(f->l.dirty, VLAPIC_DIRTY_PRIORITY);
    vlapic_fill_page(&f->l, page);
    assert_int_equal(page[(LAPIC_REG_IRR + 0x20) / 4], 1u << 17);
    assert_int_equal(page[(LAPIC_REG_TMR + 0x20) / 4], 1u << 17);
    check_page(f, page, "after accept");
    vlapic_ack(&f->l, 0x51);
    vlapic_fill_page(&f->l, page);
    assert_int_equal(page[(LAPIC_REG_ISR + 0x20) / 4], 1u << 17);
    assert_int_equal(page[LAPIC_REG_PPR / 4], 0x50);
    check_page(f, page, "after ack");
    page[LAPIC_REG_EOI / 4] = 0x1234;           /* what the guest wrote lands here */
    mw(f, LAPIC_REG_EOI, 0);
    assert_int_equal(f->l.dirty, VLAPIC_DIRTY_PRIORITY);
    vlapic_fill_page(&f->l, page);
    check_page(f, page, "after EOI");
    assert_int_equal(page[LAPIC_REG_EOI / 4], 0);
    assert_int_equal(f->neoi, 1);
    mw(f, LAPIC_REG_EOI, 0);                    /* nothing in service: nothing changes */
    assert_int_equal(f->l.dirty, 0);

    /* Other registers refill the whole page. */
    mw(f, LAPIC_LVT_TIMER, 0x20030);
    mw(f, LAPIC_REG_TIMER_DCR, 0xB);
    mw(f, LAPIC_REG_ICR_HI, 0x0A000000);
    assert_int_equal(f->l.dirty & VLAPIC_DIRTY_ALL, VLAPIC_DIRTY_ALL);
    vlapic_fill_page(&f->l, page);
    check_page(f, page, "after LVT/DCR/ICR writes");
    free(page);
}

/* Random operations; after each, an incremental fill must equal a fill from
 * scratch (so no change is left out of the dirty marks). */
static void test_page_incremental_random(void **state)
{
    struct fake *f = *state;
    uint32_t *page = calloc(1024, sizeof(uint32_t)), *fresh = calloc(1024, sizeof(uint32_t));
    uint64_t seed = 0x5EED0A91Cull;
    static const uint64_t offs[] = {
        LAPIC_REG_TPR, LAPIC_REG_EOI, LAPIC_REG_LDR, LAPIC_REG_DFR, LAPIC_REG_SVR,
        LAPIC_REG_ESR, LAPIC_REG_ICR_HI, LAPIC_REG_ICR_LO, LAPIC_LVT_TIMER, LAPIC_LVT_LINT0,
        LAPIC_LVT_ERROR, LAPIC_REG_TIMER_ICR, LAPIC_REG_TIMER_DCR,
    };
    assert_non_null(page);
    assert_non_null(fresh);
    vlapic_fill_page(&f->l, page);
    for (unsigned i = 0; i < 5000; i++) {
        uint64_t r = rng_next(&seed);
        f->neoi = 0;                                 /* level EOIs: not checked here */
        switch (r % 6) {
        case 0:
        case 1:
            vlapic_accept(&f->l, (uint8_t)(r >> 8), (r >> 16) & 1);
            break;
        case 2: {
            int v = vlapic_pending(&f->l);
            if (v >= 0)
                vlapic_ack(&f->l, (uint8_t)v);
            break;
        }
        case 3:
            mw(f, LAPIC_REG_EOI, 0);
            break;
        case 4: {
            uint64_t off = offs[(r >> 8) % ARRAY_SIZE(offs)];
            uint32_t val = (uint32_t)(r >> 20);
            if (off == LAPIC_REG_SVR)
                val |= LAPIC_SVR_ENABLE;             /* mostly keep it enabled */
            if (off == LAPIC_REG_ICR_LO)
                val = LAPIC_ICR_SH_SELF | ((uint32_t)(r >> 20) & 0xFF);   /* self IPI */
            mw(f, off, val);
            break;
        }
        default:
            vlapic_set_cr8(&f->l, (r >> 8) & 0xF);
            f->now += (r >> 12) % 50000;
            vlapic_advance(&f->l);
            break;
        }
        vlapic_fill_page(&f->l, page);
        struct vlapic copy = f->l;
        copy.dirty = VLAPIC_DIRTY_ALL;
        vlapic_fill_page(&copy, fresh);
        for (unsigned w = 0; w < 256; w++)
            if (page[w] != fresh[w])
                fail_msg("step %u: word %u (offset %#x) is %#x, a full fill gives %#x",
                         i, w, w * 4, page[w], fresh[w]);
    }
    check_page(f, page, "after the random run");
    free(page);
    free(fresh);
}

static void test_tpr_threshold(void **state)
{
    struct fake *f = *state;

    assert_int_equal(vlapic_tpr_threshold(&f->l), 0);       /* nothing waits */
    vlapic_accept(&f->l, 0x65, false);
    assert_int_equal(vlapic_tpr_threshold(&f->l), 0);       /* deliverable now */
    mw(f, LAPIC_REG_TPR, 0x70);
    assert_int_equal(vlapic_pending(&f->l), -1);
    assert_int_equal(vlapic_tpr_threshold(&f->l), 6);       /* TPR < 0x60 releases it */
    mw(f, LAPIC_REG_TPR, 0x60);
    assert_int_equal(vlapic_tpr_threshold(&f->l), 6);       /* class 6 <= TPR class 6 */
    mw(f, LAPIC_REG_TPR, 0x5F);
    assert_int_equal(vlapic_tpr_threshold(&f->l), 0);
    assert_int_equal(vlapic_pending(&f->l), 0x65);

    /* Held by the ISR instead: the EOI (an exit) releases it, not the TPR. */
    vlapic_ack(&f->l, 0x65);
    vlapic_accept(&f->l, 0x61, false);
    mw(f, LAPIC_REG_TPR, 0x70);
    assert_int_equal(vlapic_tpr_threshold(&f->l), 0);
}

/* ---- virtual-interrupt delivery ------------------------------------------
 * A model of what the CPU does to the virtual-APIC page and the guest
 * interrupt status (SDM Vol. 3C, "PPR Virtualization", "Evaluation and
 * Delivery of Pending Virtual Interrupts", "EOI Virtualization"), run
 * against the vLAPIC as the VM layer drives it: fill the page, set RVI/SVI
 * and the EOI-exit bitmap from the model, let the "guest" take interrupts,
 * EOI them and write its TPR, then take the page back. */
struct vid_cpu {
    uint32_t *page;
    uint16_t status;                  /* SVI << 8 | RVI */
    uint32_t eoi_exit[8];             /* EOI-exit bitmap */
};

static int page_highest(const uint32_t *page, unsigned reg)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t w = page[(reg >> 2) + 4 * (unsigned)i];
        if (w)
            return i * 32 + 31 - __builtin_clz(w);
    }
    return -1;
}

static void page_bit(uint32_t *page, unsigned reg, unsigned v, bool on)
{
    uint32_t *w = &page[(reg >> 2) + 4 * (v >> 5)];
    *w = on ? *w | 1u << (v & 31) : *w & ~(1u << (v & 31));
}

static void vid_ppr(struct vid_cpu *c)
{
    uint32_t tpr = c->page[LAPIC_REG_TPR / 4] & 0xFF, svi = c->status >> 8;
    c->page[LAPIC_REG_PPR / 4] = (tpr >> 4) >= (svi >> 4) ? tpr : svi & 0xF0;
}

/* Evaluate and deliver one pending virtual interrupt; its vector or -1. */
static int vid_deliver(struct vid_cpu *c)
{
    unsigned rvi = c->status & 0xFF;
    if ((rvi >> 4) <= ((c->page[LAPIC_REG_PPR / 4] & 0xFF) >> 4))
        return -1;
    page_bit(c->page, LAPIC_REG_IRR, rvi, false);
    page_bit(c->page, LAPIC_REG_ISR, rvi, true);
    int next = page_highest(c->page, LAPIC_REG_IRR);
    c->status = (uint16_t)(rvi << 8 | (next < 0 ? 0 : (unsigned)next));
    c->page[LAPIC_REG_PPR / 4] = rvi & 0xF0;
    return (int)rvi;
}

/* EOI virtualization; the vector when its EOI exits, else -1. */
static int vid_eoi(struct vid_cpu *c)
{
    unsigned v = c->status >> 8;
    page_bit(c->page, LAPIC_REG_ISR, v, false);
    int next = page_highest(c->page, LAPIC_REG_ISR);
    c->status = (uint16_t)((next < 0 ? 0 : (unsigned)next) << 8 | (c->status & 0xFF));
    vid_ppr(c);
    return c->eoi_exit[v >> 5] & (1u << (v & 31)) ? (int)v : -1;
}

/* What the VM layer does before VM entry (vmx/apicv.c). */
static void vid_enter(struct fake *f, struct vid_cpu *c)
{
    if (f->l.dirty) {
        vlapic_fill_page(&f->l, c->page);
        c->status = vlapic_intr_status(&f->l);
        memcpy(c->eoi_exit, f->l.tmr, sizeof(c->eoi_exit));
    }
    vid_ppr(c);                       /* VM entry virtualizes PPR */
}

/* A small IOAPIC for the VID test: 16 level-triggered lines on vectors
 * 0xA0-0xAF with remote IRR; an EOI re-delivers a line still high (from
 * inside vlapic_eoi_done, as vmm/board.c's IOAPIC does). */
#define VID_LINES      16u
#define VID_LINE_VEC   0xA0u
static struct {
    struct vlapic *l;
    bool high[VID_LINES], remote_irr[VID_LINES];
    unsigned eois, redelivered;
} vio;

static void vio_deliver(unsigned line)
{
    if (vio.high[line] && !vio.remote_irr[line]) {
        vio.remote_irr[line] = true;
        assert_true(vlapic_accept(vio.l, (uint8_t)(VID_LINE_VEC + line), true));
    }
}

static void vio_eoi(void *ctx, uint8_t vector)
{
    (void)ctx;
    vio.eois++;
    if (vector < VID_LINE_VEC || vector >= VID_LINE_VEC + VID_LINES)
        return;                       /* a level vector of no line: nothing to do */
    unsigned line = vector - VID_LINE_VEC;
    assert_true(vio.remote_irr[line]);
    vio.remote_irr[line] = false;
    if (vio.high[line])
        vio.redelivered++;
    vio_deliver(line);
}

static const struct vlapic_ops ops_vio = { .eoi = vio_eoi, .kick = fake_kick };

/* Self-IPI virtualization: the CPU sets the IRR bit and raises RVI. */
static void vid_self_ipi(struct vid_cpu *c, unsigned vector)
{
    page_bit(c->page, LAPIC_REG_IRR, vector, true);
    if (vector > (c->status & 0xFFu))
        c->status = (uint16_t)((c->status & 0xFF00u) | vector);
}

static void test_virtual_interrupt_delivery(void **state)
{
    (void)state;
    struct fake *f = fake_new(APIC_ID, true, &ops_vio, 0);
    struct vid_cpu c = { .page = calloc(1024, sizeof(uint32_t)) };
    unsigned delivered = 0, level_exits = 0, self_ipis = 0;
    uint64_t seed = 0x7D1D0E01ull;
    assert_non_null(c.page);
    memset(&vio, 0, sizeof(vio));
    vio.l = &f->l;

    for (unsigned round = 0; round < 4000; round++) {
        uint64_t r = rng_next(&seed);
        /* The hypervisor: the model takes the page, devices raise and lower
         * lines and send edge interrupts (0x90-0x9F with either trigger
         * mode, so that TMR bits flip), then the page goes back. */
        vlapic_take_page(&f->l, c.page, true);
        for (unsigned k = 0; k < (r & 3); k++) {
            unsigned x = (unsigned)(r >> (8 + 8 * k)) & 0xFF;
            if (x < 0x60 || (x >= VID_LINE_VEC && x < VID_LINE_VEC + VID_LINES)) {
                unsigned line = x % VID_LINES;
                vio.high[line] = !(x & 0x10);
                vio_deliver(line);
            } else {
                vlapic_accept(&f->l, (uint8_t)x, x >= 0x90 && x < 0xA0 && (r >> (40 + k)) & 1);
            }
        }
        vid_enter(f, &c);
        /* The guest runs: takes interrupts, ends them, writes its TPR
         * (bytes 3:1 cleared, SDM "APIC-Write Emulation"), sends self-IPIs. */
        for (unsigned step = 0; step < ((r >> 48) & 7); step++) {
            uint64_t g = rng_next(&seed);
            int exit_vector = -1;
            switch (g % 8) {
            case 0:
            case 1:
            case 2:
                if (c.status >> 8)
                    exit_vector = vid_eoi(&c);
                break;
            case 3:
                c.page[LAPIC_REG_TPR / 4] = (uint32_t)(g >> 8) & 0xFF;
                vid_ppr(&c);
                break;
            case 4: {
                unsigned vec = 0x30 + (unsigned)(g >> 8) % 0xC0;
                if (vec >= VID_LINE_VEC && vec < VID_LINE_VEC + VID_LINES)
                    vec += VID_LINES;       /* not a line's vector */
                vid_self_ipi(&c, vec);
                self_ipis++;
                break;
            }
            default:
                break;
            }
            if (vid_deliver(&c) >= 0)       /* evaluation after each step */
                delivered++;
            if (exit_vector >= 0) {         /* EOI-induced exit */
                unsigned before = vio.eois;
                vlapic_take_page(&f->l, c.page, true);
                vlapic_eoi_done(&f->l, (uint8_t)exit_vector);
                assert_int_equal(vio.eois, before + 1);
                level_exits++;
                vid_enter(f, &c);
            }
        }
        /* An exit: the model's view must be the CPU's. */
        vlapic_take_page(&f->l, c.page, true);
        assert_int_equal(vlapic_ppr(&f->l), c.page[LAPIC_REG_PPR / 4]);
        assert_int_equal(vlapic_intr_status(&f->l), c.status);
        bool cpu_would = ((unsigned)c.status & 0xFF) >> 4 > (c.page[LAPIC_REG_PPR / 4] & 0xFF) >> 4;
        assert_int_equal(vlapic_pending(&f->l) >= 0, cpu_would);
        /* A line in service (remote IRR) has its vector in IRR or ISR. */
        for (unsigned line = 0; line < VID_LINES; line++) {
            unsigned vec = VID_LINE_VEC + line;
            bool held = (f->l.irr[vec >> 5] | f->l.isr[vec >> 5]) & (1u << (vec & 31));
            if (vio.remote_irr[line] && !held)
                fail_msg("round %u: line %u has remote IRR set but vector %#x is neither "
                         "requested nor in service", round, line, vec);
        }
    }
    /* Lines low, TPR 0: the guest takes and ends everything; nothing stays. */
    vlapic_take_page(&f->l, c.page, true);
    memset(vio.high, 0, sizeof(vio.high));
    vid_enter(f, &c);
    c.page[LAPIC_REG_TPR / 4] = 0;                  /* the guest's write */
    vid_ppr(&c);
    for (unsigned n = 0; n < 2000 && c.status; n++) {
        while (vid_deliver(&c) >= 0)
            ;
        int ev = vid_eoi(&c);
        if (ev >= 0) {
            vlapic_take_page(&f->l, c.page, true);
            vlapic_eoi_done(&f->l, (uint8_t)ev);
            vid_enter(f, &c);
        }
    }
    vlapic_take_page(&f->l, c.page, true);
    for (unsigned line = 0; line < VID_LINES; line++)
        assert_false(vio.remote_irr[line]);
    assert_int_equal(vlapic_intr_status(&f->l), 0);
    print_message("delivered %u, level EOI exits %u (re-delivered %u), self-IPIs %u\n",
                  delivered, level_exits, vio.redelivered, self_ipis);
    assert_true(delivered > 2000);
    assert_true(level_exits > 500);
    assert_true(vio.redelivered > 200);
    assert_true(self_ipis > 500);
    free(c.page);
    free(f);
}

/* What the guest wrote into the page without exits reaches the model. */
static void test_take_page(void **state)
{
    struct fake *f = *state;
    uint32_t *page = calloc(1024, sizeof(uint32_t));
    assert_non_null(page);
    vlapic_fill_page(&f->l, page);

    /* APIC-register virtualization alone: TPR and ICR_HI, nothing else. */
    vlapic_accept(&f->l, 0x45, false);
    mw(f, LAPIC_REG_TPR, 0x80);
    vlapic_fill_page(&f->l, page);
    page[LAPIC_REG_TPR / 4] = 0x12345630;             /* TPR 0x30 */
    page[LAPIC_REG_ICR_HI / 4] = 0x03FFFFFF;          /* destination 3 */
    page[(LAPIC_REG_IRR + 0x20) / 4] = 0;             /* the CPU never does this here */
    unsigned kicks = f->kicks;
    vlapic_take_page(&f->l, page, false);
    assert_int_equal(mr(f, LAPIC_REG_TPR), 0x30);
    assert_int_equal(mr(f, LAPIC_REG_PPR), 0x30);
    assert_int_equal(mr(f, LAPIC_REG_ICR_HI), 0x03000000);
    assert_int_equal(f->kicks, kicks + 1);            /* 0x45 is deliverable now */
    assert_int_equal(vlapic_pending(&f->l), 0x45);    /* IRR not taken */
    assert_true(f->l.dirty & VLAPIC_DIRTY_PRIORITY);  /* PPR must be refilled */
    vlapic_fill_page(&f->l, page);
    assert_int_equal(page[LAPIC_REG_PPR / 4], 0x30);
    assert_int_equal(page[LAPIC_REG_ICR_HI / 4], 0x03000000);
    f->l.dirty = 0;
    vlapic_take_page(&f->l, page, false);             /* nothing new: nothing dirty */
    assert_int_equal(f->l.dirty, 0);

    /* Virtual-interrupt delivery: a virtualized self-IPI on a vector that
     * was last level-triggered leaves IRR set and the TMR bit clear. */
    vlapic_ack(&f->l, 0x45);
    mw(f, LAPIC_REG_EOI, 0);
    vlapic_accept(&f->l, 0x95, true);
    vlapic_ack(&f->l, 0x95);
    mw(f, LAPIC_REG_EOI, 0);                          /* level: TMR stays set */
    assert_true(f->l.tmr[0x95 >> 5] & (1u << (0x95 & 31)));
    vlapic_fill_page(&f->l, page);
    uint64_t self_before = f->l.stats.ipi_self;
    page[(LAPIC_REG_IRR + 0x40) / 4] |= 1u << (0x95 & 31);
    page[LAPIC_REG_ICR_LO / 4] = 0x00040095;          /* self, fixed, edge, vector 0x95 */
    vlapic_take_page(&f->l, page, true);
    assert_int_equal(vlapic_pending(&f->l), 0x95);
    assert_false(f->l.tmr[0x95 >> 5] & (1u << (0x95 & 31)));
    assert_true(f->l.dirty & VLAPIC_DIRTY_PRIORITY);  /* the page's TMR must follow */
    assert_int_equal(f->l.stats.ipi_self, self_before + 1);
    assert_int_equal(mr(f, LAPIC_REG_ICR_LO), 0x00040095);
    mw(f, LAPIC_REG_ICR_HI, 0);
    mw(f, LAPIC_REG_ICR_LO, 0x00001050);                /* to APIC 0, not this one */
    assert_int_equal(mr(f, LAPIC_REG_ICR_LO), 0x00000050);   /* delivery status read-only */
    vlapic_fill_page(&f->l, page);
    assert_int_equal(page[(LAPIC_REG_TMR + 0x40) / 4], 0);
    free(page);
}

static void test_eoi_done(void **state)
{
    struct fake *f = *state;
    uint32_t *page = calloc(1024, sizeof(uint32_t));
    assert_non_null(page);

    vlapic_accept(&f->l, 0x41, true);
    vlapic_accept(&f->l, 0x61, false);
    assert_int_equal(vlapic_intr_status(&f->l), 0x61);      /* RVI 0x61, SVI 0 */
    vlapic_ack(&f->l, 0x61);
    vlapic_ack(&f->l, 0x41);                                /* as if nested */
    assert_int_equal(vlapic_intr_status(&f->l), 0x6100);
    vlapic_fill_page(&f->l, page);

    /* The CPU ended 0x61 (edge: no exit) and 0x41 (level: exit). */
    page[(LAPIC_REG_ISR + 0x30) / 4] = 0;
    page[(LAPIC_REG_ISR + 0x20) / 4] = 0;
    vlapic_take_page(&f->l, page, true);
    assert_int_equal(vlapic_intr_status(&f->l), 0);
    assert_int_equal(vlapic_ppr(&f->l), 0);
    f->neoi = 0;
    vlapic_eoi_done(&f->l, 0x41);
    assert_int_equal(f->neoi, 1);
    assert_int_equal(f->eoi[0], 0x41);
    vlapic_eoi_done(&f->l, 0x61);                           /* edge: nothing to tell */
    assert_int_equal(f->neoi, 1);

    /* A TPR the guest stored in the page is taken, and with it the PPR. */
    page[LAPIC_REG_TPR / 4] = 0x35;
    vlapic_take_page(&f->l, page, true);
    assert_int_equal(mr(f, LAPIC_REG_TPR), 0x35);
    assert_int_equal(mr(f, LAPIC_REG_PPR), 0x35);

    /* An interrupt waiting behind the ISR is reported by the kick. */
    vlapic_accept(&f->l, 0x52, false);
    vlapic_ack(&f->l, 0x52);
    vlapic_accept(&f->l, 0x51, false);
    vlapic_fill_page(&f->l, page);
    page[(LAPIC_REG_ISR + 0x20) / 4] = 0;                   /* the CPU's EOI of 0x52 */
    vlapic_take_page(&f->l, page, true);
    unsigned kicks = f->kicks;
    vlapic_eoi_done(&f->l, 0x52);
    assert_int_equal(f->kicks, kicks + 1);
    assert_int_equal(vlapic_pending(&f->l), 0x51);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_version),
        cmocka_unit_test(test_xapic_regs),
        cmocka_unit_test_setup_teardown(test_xapic_odd_accesses, setup, teardown),
        cmocka_unit_test(test_tpr_ppr),
        cmocka_unit_test_setup_teardown(test_cr8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kick_after_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_esr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sw_disable, setup, teardown),
        cmocka_unit_test(test_apic_base_transitions),
        cmocka_unit_test_setup_teardown(test_apic_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_interfaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x2apic_msrs, setup, teardown),
        cmocka_unit_test(test_ipi),
        cmocka_unit_test_setup_teardown(test_self_ipi_msr, setup, teardown),
        cmocka_unit_test(test_ipi_unsupported),
        cmocka_unit_test_setup_teardown(test_timer_oneshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic, setup, teardown),
        cmocka_unit_test(test_timer_divide),
        cmocka_unit_test_setup_teardown(test_timer_divide_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tsc_deadline, setup, teardown),
        cmocka_unit_test(test_timer_no_tsc_deadline),
        cmocka_unit_test_setup_teardown(test_timer_tsc_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_fire_tsc_deadline, setup, teardown),
        cmocka_unit_test(test_accepts_pic),
        cmocka_unit_test_setup_teardown(test_page_matches_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_incremental_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tpr_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_done, setup, teardown),
        cmocka_unit_test(test_virtual_interrupt_delivery),
        cmocka_unit_test_setup_teardown(test_nmi_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nmi_lint, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
