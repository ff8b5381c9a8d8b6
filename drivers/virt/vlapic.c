/* Local APIC model (see drivers/virt/vlapic.h). */
#include "drivers/virt/vlapic.h"
#include <hv/errno.h>
#include <hv/string.h>

/* Writable bits of each LVT entry (SDM "Local Vector Table" figure). */
#define LVT_W_VEC_DM_MASK   (LAPIC_LVT_VECTOR_MASK | LAPIC_LVT_DM_MASK | LAPIC_LVT_MASKED)
#define LVT_W_LINT          (LVT_W_VEC_DM_MASK | LAPIC_LVT_POLARITY_LOW | LAPIC_LVT_LEVEL)
#define LVT_W_ERROR         (LAPIC_LVT_VECTOR_MASK | LAPIC_LVT_MASKED)
#define LVT_W_TIMER         (LAPIC_LVT_VECTOR_MASK | LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_MODE_MASK)
#define LVT_W_TIMER_NO_TSC  (LAPIC_LVT_VECTOR_MASK | LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_PERIODIC)

/* ---- small helpers ------------------------------------------------------ */

static inline bool bit_test(const uint32_t *r, unsigned v)
{
    return r[v >> 5] & (1u << (v & 31));
}

static inline void bit_set(uint32_t *r, unsigned v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static inline void bit_clear(uint32_t *r, unsigned v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static unsigned bit_count(uint32_t x)
{
    unsigned n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Highest set bit of a 256-bit register, or -1. */
static int highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

static bool sw_enabled(const struct vlapic *l)
{
    return l->svr & LAPIC_SVR_ENABLE;
}

static bool tsc_supported(const struct vlapic *l)
{
    return l->ops && l->ops->tsc_now && l->tsc_hz;
}

static uint32_t x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xF));
}

static int lvt_index(uint64_t off)
{
    switch (off) {
    case LAPIC_LVT_CMCI:    return VLAPIC_LVT_CMCI;
    case LAPIC_LVT_TIMER:   return VLAPIC_LVT_TIMER;
    case LAPIC_LVT_THERMAL: return VLAPIC_LVT_THERMAL;
    case LAPIC_LVT_PERF:    return VLAPIC_LVT_PERF;
    case LAPIC_LVT_LINT0:   return VLAPIC_LVT_LINT0;
    case LAPIC_LVT_LINT1:   return VLAPIC_LVT_LINT1;
    case LAPIC_LVT_ERROR:   return VLAPIC_LVT_ERROR;
    default:                return -1;
    }
}

/* Power-up / reset register state (SDM "Local APIC State After Power-Up or
 * Reset"); IA32_APIC_BASE and the configuration are left alone. */
static void reset_regs(struct vlapic *l)
{
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = LAPIC_DFR_FLAT;
    l->svr = 0xFF;
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    memset(l->irr, 0, sizeof(l->irr));
    l->esr = l->esr_pending = 0;
    for (unsigned i = 0; i < VLAPIC_NUM_LVT; i++)
        l->lvt[i] = LAPIC_LVT_MASKED;
    l->icr_lo = l->icr_hi = 0;
    l->timer_icr = l->timer_dcr = 0;
    l->timer_armed = false;
    l->timer_start_ns = l->timer_period_ns = 0;
    l->timer_deadline_ns = VCLOCK_NEVER;
    l->tsc_deadline = 0;
    l->tsc_next = UINT64_MAX;
}

/* ---- priorities, acceptance, EOI ---------------------------------------- */

uint32_t vlapic_ppr(const struct vlapic *l)
{
    int isrv = highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

    return (l->tpr & 0xF0) >= isr_class ? l->tpr : isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
    int irrv;

    if (vlapic_mode(l) == VLAPIC_MODE_DISABLED)
        return -1;
    irrv = highest(l->irr);
    if (irrv < 0 || ((uint32_t)irrv & 0xF0) <= (vlapic_ppr(l) & 0xF0))
        return -1;
    return irrv;
}

static bool accept_irq(struct vlapic *l, uint8_t vector, bool level);

/* Wake the vCPU when an interrupt is deliverable: after one was accepted,
 * or when the processor priority fell (EOI, TPR write) below one that
 * waited in IRR. */
static void kick_if_pending(struct vlapic *l)
{
    if (l->ops && l->ops->kick && vlapic_pending(l) >= 0)
        l->ops->kick(l->ctx);
}

/* Log an error in ESR and signal it through LVT error. An error already
 * logged since the last ESR write does not signal again (this also ends the
 * recursion when the error vector itself is illegal). */
static void raise_error(struct vlapic *l, uint32_t bit)
{
    uint32_t lvt = l->lvt[VLAPIC_LVT_ERROR];

    if (l->esr_pending & bit)
        return;
    l->esr_pending |= bit;
    if (!(lvt & LAPIC_LVT_MASKED))
        accept_irq(l, lvt & LAPIC_LVT_VECTOR_MASK, false);
}

static bool accept_irq(struct vlapic *l, uint8_t vector, bool level)
{
    bool was_set;

    if (vlapic_mode(l) == VLAPIC_MODE_DISABLED || !sw_enabled(l)) {
        l->stats.rejected++;
        return false;
    }
    if (vector < 16) {
        l->stats.rejected++;
        raise_error(l, LAPIC_ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    was_set = bit_test(l->irr, vector);
    bit_set(l->irr, vector);
    l->dirty |= VLAPIC_DIRTY_PRIORITY;
    if (level)
        bit_set(l->tmr, vector);
    else
        bit_clear(l->tmr, vector);
    if (!was_set) {
        l->stats.accepted++;
        kick_if_pending(l);
    }
    return true;
}

bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level_triggered)
{
    return accept_irq(l, vector, level_triggered);
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
    if (!bit_test(l->irr, vector))
        return;
    bit_clear(l->irr, vector);
    bit_set(l->isr, vector);
    l->dirty |= VLAPIC_DIRTY_PRIORITY;
}

static void do_eoi(struct vlapic *l)
{
    int v = highest(l->isr);

    if (v < 0)
        return;
    bit_clear(l->isr, (unsigned)v);
    l->dirty |= VLAPIC_DIRTY_PRIORITY;
    if (bit_test(l->tmr, (unsigned)v) && l->ops && l->ops->eoi)
        l->ops->eoi(l->ctx, (uint8_t)v);
    kick_if_pending(l);
}

void vlapic_set_cr8(struct vlapic *l, uint64_t cr8)
{
    l->tpr = (uint32_t)(cr8 & 0xF) << 4;
    l->dirty |= VLAPIC_DIRTY_PRIORITY;
}

uint64_t vlapic_get_cr8(const struct vlapic *l)
{
    return (l->tpr >> 4) & 0xF;
}

bool vlapic_accepts_pic(const struct vlapic *l)
{
    uint32_t lint0 = l->lvt[VLAPIC_LVT_LINT0];

    if (vlapic_mode(l) == VLAPIC_MODE_DISABLED)
        return true;
    return !(lint0 & LAPIC_LVT_MASKED) && (lint0 & LAPIC_LVT_DM_MASK) == LAPIC_LVT_DM_EXTINT;
}

/* ---- NMIs ------------------------------------------------------------------ */

/* One latch: an NMI that arrives while one is pending is merged into it. */
static void raise_nmi(struct vlapic *l)
{
    l->stats.nmi_received++;
    if (l->nmi_pending) {
        l->stats.nmi_coalesced++;
        return;
    }
    l->nmi_pending = true;
    if (l->ops && l->ops->kick)
        l->ops->kick(l->ctx);
}

bool vlapic_nmi_pending(const struct vlapic *l)
{
    return l->nmi_pending;
}

bool vlapic_take_nmi(struct vlapic *l)
{
    bool was = l->nmi_pending;
    l->nmi_pending = false;
    return was;
}

void vlapic_set_lint(struct vlapic *l, unsigned pin, bool level)
{
    uint8_t bit = (uint8_t)(1u << (pin & 1));
    bool rising = level && !(l->lint_level & bit);
    uint32_t lvt;

    l->lint_level = level ? l->lint_level | bit : l->lint_level & (uint8_t)~bit;
    if (!rising)
        return;
    if (vlapic_mode(l) == VLAPIC_MODE_DISABLED) {
        if (pin & 1)
            raise_nmi(l);                       /* LINT1 is the NMI pin */
        return;
    }
    lvt = l->lvt[(pin & 1) ? VLAPIC_LVT_LINT1 : VLAPIC_LVT_LINT0];
    if (lvt & LAPIC_LVT_MASKED)
        return;
    switch (lvt & LAPIC_LVT_DM_MASK) {
    case LAPIC_LVT_DM_NMI:
        raise_nmi(l);
        break;
    case LAPIC_LVT_DM_FIXED:
        accept_irq(l, lvt & LAPIC_LVT_VECTOR_MASK, lvt & LAPIC_LVT_LEVEL);
        break;
    case LAPIC_LVT_DM_EXTINT:
        break;                                  /* the PIC's path */
    default:                                    /* SMI, INIT, reserved */
        l->stats.ipi_unsupported++;
        break;
    }
}

/* ---- IPIs ------------------------------------------------------------------ */

/* Does a no-shorthand IPI to `dest` reach this APIC (*self) and possibly
 * other APICs (*others)? */
static void dest_match(const struct vlapic *l, uint32_t dest, bool logical,
                       bool *self, bool *others)
{
    bool x2 = vlapic_mode(l) == VLAPIC_MODE_X2APIC;

    if (dest == (x2 ? 0xFFFFFFFFu : 0xFFu)) {              /* broadcast */
        *self = *others = true;
    } else if (!logical) {
        *self = dest == (x2 ? l->apic_id : (l->apic_id & 0xFF));
        *others = !*self;
    } else if (x2) {                                        /* x2APIC cluster */
        uint32_t bits = dest & 0xFFFF, mine = l->ldr & 0xFFFF;
        bool same = (dest >> 16) == (l->ldr >> 16);
        *self = same && (bits & mine);
        *others = !same || (bits & ~mine);
    } else if ((l->dfr & LAPIC_DFR_MODEL_MASK) == LAPIC_DFR_MODEL_MASK) {  /* flat */
        uint32_t mine = l->ldr >> 24;
        *self = dest & mine;
        *others = dest & ~mine;
    } else {                                                /* xAPIC cluster */
        uint32_t mine = l->ldr >> 24;
        bool same = (dest >> 4) == (mine >> 4);
        *self = same && (dest & mine & 0xF);
        *others = !same || (dest & ~mine & 0xF);
    }
}

static void ipi_elsewhere(struct vlapic *l, uint32_t lo, uint32_t dest)
{
    if (l->ops && l->ops->ipi) {
        l->ops->ipi(l->ctx, lo, dest);
        return;
    }
    l->stats.ipi_unsupported++;
    l->stats.last_unsupported_icr = lo;
    l->stats.last_unsupported_dest = dest;
}

/* Send the IPI described by ICR[31:0] = lo to `dest`. */
static void send_ipi(struct vlapic *l, uint32_t lo, uint32_t dest)
{
    uint8_t vector = lo & LAPIC_ICR_VECTOR_MASK;
    uint32_t dm = lo & LAPIC_ICR_DM_MASK;
    bool self = false, others = false, handled = false;

    switch (lo & LAPIC_ICR_SH_MASK) {
    case LAPIC_ICR_SH_SELF:          self = true; break;
    case LAPIC_ICR_SH_ALL_INCL_SELF: self = others = true; break;
    case LAPIC_ICR_SH_ALL_EXCL_SELF: others = true; break;
    default: dest_match(l, dest, lo & LAPIC_ICR_DEST_LOGICAL, &self, &others); break;
    }

    if (dm == LAPIC_ICR_DM_FIXED || dm == LAPIC_ICR_DM_LOWEST) {
        if (vector < 16) {                  /* detected by the sender: nothing sent */
            raise_error(l, LAPIC_ESR_SEND_ILLEGAL_VECTOR);
            return;
        }
        if (self) {
            accept_irq(l, vector, false);
            l->stats.ipi_self++;
            handled = true;
        }
    } else if (dm == LAPIC_ICR_DM_NMI && self) {
        raise_nmi(l);                   /* the vector field is ignored */
        handled = true;
    }
    if (others || (self && !handled))
        ipi_elsewhere(l, lo, dest);
}

/* ---- timer ----------------------------------------------------------------- */

static uint32_t timer_mode(const struct vlapic *l)
{
    uint32_t m = l->lvt[VLAPIC_LVT_TIMER] & LAPIC_LVT_TIMER_MODE_MASK;

    return m == LAPIC_LVT_TIMER_MODE_MASK ? LAPIC_LVT_TIMER_ONESHOT : m;   /* 11b reserved */
}

static uint64_t timer_divisor(uint32_t dcr)
{
    uint32_t v = (dcr & 3) | ((dcr >> 1) & 4);

    return v == 7 ? 1 : 2ULL << v;
}

static uint64_t ticks_to_ns(uint64_t ticks, uint64_t div)
{
    return muldiv64(ticks * div, NS_PER_SEC, VLAPIC_BUS_HZ);
}

static uint64_t ns_to_ticks(uint64_t ns, uint64_t div)
{
    return muldiv64(ns, VLAPIC_BUS_HZ, NS_PER_SEC * div);
}

/* Current count of a one-shot/periodic timer at `now`. Times are modular:
 * timer_start_ns may lie "before 0" after a rebase. */
static uint32_t timer_ccr(const struct vlapic *l, uint64_t now)
{
    uint64_t elapsed, ticks;

    if (!l->timer_armed || timer_mode(l) == LAPIC_LVT_TIMER_TSC_DEADLINE)
        return 0;
    elapsed = now - l->timer_start_ns;
    if (timer_mode(l) == LAPIC_LVT_TIMER_PERIODIC)
        elapsed %= l->timer_period_ns;
    ticks = ns_to_ticks(elapsed, timer_divisor(l->timer_dcr));
    return ticks >= l->timer_icr ? 0 : (uint32_t)(l->timer_icr - ticks);
}

/* (Re)start counting so that the current count at `now` is `ccr`, with the
 * present divide configuration and mode. */
static void timer_rebase(struct vlapic *l, uint64_t now, uint32_t ccr)
{
    uint64_t div = timer_divisor(l->timer_dcr);

    if (l->timer_icr == 0) {
        l->timer_armed = false;
        return;
    }
    l->timer_period_ns = ticks_to_ns(l->timer_icr, div);
    if (timer_mode(l) == LAPIC_LVT_TIMER_PERIODIC)
        l->timer_period_ns = MAX(l->timer_period_ns, VLAPIC_MIN_PERIOD_NS);
    l->timer_start_ns = now - ticks_to_ns(l->timer_icr - ccr, div);
    l->timer_deadline_ns = l->timer_start_ns + l->timer_period_ns;
    l->timer_armed = true;
}

static void timer_disarm(struct vlapic *l)
{
    l->timer_armed = false;
    l->timer_deadline_ns = VCLOCK_NEVER;
    l->tsc_next = UINT64_MAX;
}

static void write_timer_icr(struct vlapic *l, uint32_t v)
{
    if (timer_mode(l) == LAPIC_LVT_TIMER_TSC_DEADLINE)
        return;                         /* ignored in TSC-deadline mode */
    l->timer_icr = v;
    if (v == 0)
        timer_disarm(l);
    else
        timer_rebase(l, vclock_now(l->clk), v);
}

static void write_timer_dcr(struct vlapic *l, uint32_t v)
{
    uint64_t now = vclock_now(l->clk);
    uint32_t ccr = timer_ccr(l, now);

    l->timer_dcr = v & LAPIC_DCR_MASK;
    if (l->timer_armed && timer_mode(l) != LAPIC_LVT_TIMER_TSC_DEADLINE)
        timer_rebase(l, now, ccr);
}

static void write_lvt_timer(struct vlapic *l, uint32_t v)
{
    uint32_t old_mode = timer_mode(l), new_mode;
    uint64_t now = vclock_now(l->clk);
    uint32_t ccr = timer_ccr(l, now);

    l->lvt[VLAPIC_LVT_TIMER] = v;
    new_mode = timer_mode(l);
    if ((old_mode == LAPIC_LVT_TIMER_TSC_DEADLINE) != (new_mode == LAPIC_LVT_TIMER_TSC_DEADLINE)) {
        /* Switching to or from TSC-deadline disarms the timer (SDM). */
        timer_disarm(l);
        l->timer_icr = 0;
        l->tsc_deadline = 0;
    } else if (old_mode != new_mode && l->timer_armed) {
        timer_rebase(l, now, ccr);      /* one-shot <-> periodic keeps the count */
    }
}

/* TSC-deadline mode (SDM Vol. 3A, "TSC-Deadline Mode") is kept in TSC
 * units: the deadline is stored as written and compared with the guest TSC
 * when the timer is advanced, so arming it takes no conversion. */
int vlapic_write_tsc_deadline(struct vlapic *l, uint64_t tsc)
{
    if (!tsc_supported(l))
        return -HV_ENODEV;
    if (vlapic_mode(l) == VLAPIC_MODE_DISABLED || timer_mode(l) != LAPIC_LVT_TIMER_TSC_DEADLINE)
        return 0;                       /* ignored outside TSC-deadline mode */
    l->tsc_deadline = tsc;
    if (tsc == 0) {                     /* writing 0 disarms */
        timer_disarm(l);
        return 0;
    }
    l->timer_armed = true;
    l->tsc_next = tsc;
    /* A deadline already passed fires at once: the caller advances. */
    return tsc <= l->ops->tsc_now(l->ctx) ? 1 : 0;
}

int vlapic_read_tsc_deadline(const struct vlapic *l, uint64_t *tsc)
{
    if (!tsc_supported(l))
        return -HV_ENODEV;
    *tsc = timer_mode(l) == LAPIC_LVT_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
    return 0;
}

void vlapic_advance(struct vlapic *l)
{
    uint64_t now;
    uint32_t lvt = l->lvt[VLAPIC_LVT_TIMER];

    if (!l->timer_armed || vlapic_mode(l) == VLAPIC_MODE_DISABLED)
        return;
    if (timer_mode(l) == LAPIC_LVT_TIMER_TSC_DEADLINE) {
        if (l->ops->tsc_now(l->ctx) < l->tsc_next)
            return;
        l->tsc_deadline = 0;            /* the MSR reads 0 once it fired */
        timer_disarm(l);
    } else {
        now = vclock_now(l->clk);
        if (now < l->timer_deadline_ns)
            return;
        if (timer_mode(l) == LAPIC_LVT_TIMER_PERIODIC) {
            /* Next point of the period grid after now: missed periods are
             * dropped, so a long gap gives one interrupt, not a burst. */
            uint64_t k = (now - l->timer_start_ns) / l->timer_period_ns + 1;
            l->timer_deadline_ns = l->timer_start_ns + k * l->timer_period_ns;
        } else {
            timer_disarm(l);            /* one-shot: the count stays at 0 */
        }
    }
    l->stats.timer_fired++;
    if (!(lvt & LAPIC_LVT_MASKED))
        accept_irq(l, lvt & LAPIC_LVT_VECTOR_MASK, false);
}

int vlapic_fire_tsc_deadline(struct vlapic *l)
{
    uint32_t lvt = l->lvt[VLAPIC_LVT_TIMER];
    unsigned vector = lvt & LAPIC_LVT_VECTOR_MASK;
    bool deliver = !(lvt & LAPIC_LVT_MASKED);

    /* tsc_next is UINT64_MAX unless armed in TSC-deadline mode with the
     * APIC enabled. */
    if (l->tsc_next == UINT64_MAX || l->ops->tsc_now(l->ctx) < l->tsc_next)
        return -1;
    /* What accept_irq would refuse or change beyond IRR: its rules apply. */
    if (deliver && (!sw_enabled(l) || vector < 16 || bit_test(l->tmr, vector)))
        return VLAPIC_FIRE_ADVANCE;
    l->tsc_deadline = 0;                /* the MSR reads 0 once it fired */
    timer_disarm(l);
    l->stats.timer_fired++;
    if (!deliver)
        return -1;
    if (!bit_test(l->irr, vector))
        l->stats.accepted++;
    bit_set(l->irr, vector);
    return (int)vector;
}

uint64_t vlapic_next_count_event(const struct vlapic *l)
{
    if (!l->timer_armed || vlapic_mode(l) == VLAPIC_MODE_DISABLED ||
        timer_mode(l) == LAPIC_LVT_TIMER_TSC_DEADLINE)
        return VCLOCK_NEVER;
    return l->timer_deadline_ns;
}

/* In TSC-deadline mode the deadline is converted to vclock time here, at
 * each call (rounded up: never before the guest TSC reaches it). */
uint64_t vlapic_next_event(const struct vlapic *l)
{
    uint64_t now, now_tsc, delta, ns;

    if (!l->timer_armed || vlapic_mode(l) == VLAPIC_MODE_DISABLED)
        return VCLOCK_NEVER;
    if (timer_mode(l) != LAPIC_LVT_TIMER_TSC_DEADLINE)
        return l->timer_deadline_ns;
    now = vclock_now(l->clk);
    now_tsc = l->ops->tsc_now(l->ctx);
    if (l->tsc_deadline <= now_tsc)
        return now;
    delta = l->tsc_deadline - now_tsc;
    if (delta / l->tsc_hz >= (1ULL << 33))             /* centuries: never */
        return VCLOCK_NEVER - 1;
    ns = muldiv64(delta, NS_PER_SEC, l->tsc_hz);
    if ((unsigned __int128)ns * l->tsc_hz < (unsigned __int128)delta * NS_PER_SEC)
        ns++;
    return now + MIN(ns, VCLOCK_NEVER - 1 - now);
}

/* ---- registers (shared by the MMIO and MSR interfaces) ------------------- */

static uint32_t reg_read(struct vlapic *l, uint64_t off)
{
    bool x2 = vlapic_mode(l) == VLAPIC_MODE_X2APIC;
    int lvt = lvt_index(off);

    if (lvt >= 0)
        return l->lvt[lvt];
    if (off >= LAPIC_REG_ISR && off < LAPIC_REG_ISR + 0x80)
        return l->isr[(off - LAPIC_REG_ISR) >> 4];
    if (off >= LAPIC_REG_TMR && off < LAPIC_REG_TMR + 0x80)
        return l->tmr[(off - LAPIC_REG_TMR) >> 4];
    if (off >= LAPIC_REG_IRR && off < LAPIC_REG_IRR + 0x80)
        return l->irr[(off - LAPIC_REG_IRR) >> 4];

    switch (off) {
    case LAPIC_REG_ID:        return x2 ? l->apic_id : (l->apic_id & 0xFF) << 24;
    case LAPIC_REG_VERSION:   return LAPIC_VERSION_VALUE;
    case LAPIC_REG_TPR:       return l->tpr;
    case LAPIC_REG_PPR:       return vlapic_ppr(l);
    case LAPIC_REG_LDR:       return l->ldr;
    case LAPIC_REG_DFR:       return x2 ? 0 : l->dfr;
    case LAPIC_REG_SVR:       return l->svr;
    case LAPIC_REG_ESR:       return l->esr;
    case LAPIC_REG_ICR_LO:    return l->icr_lo;
    case LAPIC_REG_ICR_HI:    return l->icr_hi;
    case LAPIC_REG_TIMER_ICR: return l->timer_icr;
    case LAPIC_REG_TIMER_CCR: return timer_ccr(l, vclock_now(l->clk));
    case LAPIC_REG_TIMER_DCR: return l->timer_dcr;
    default:                  return 0;        /* APR, RRD, EOI, reserved */
    }
}

static void write_svr(struct vlapic *l, uint32_t v)
{
    bool was_enabled = sw_enabled(l);

    l->svr = v & LAPIC_SVR_WRITABLE;
    if (was_enabled && !sw_enabled(l))          /* software disable masks every LVT */
        for (unsigned i = 0; i < VLAPIC_NUM_LVT; i++)
            l->lvt[i] |= LAPIC_LVT_MASKED;
}

static void write_lvt(struct vlapic *l, int idx, uint32_t v)
{
    static const uint32_t writable[VLAPIC_NUM_LVT] = {
        [VLAPIC_LVT_CMCI] = LVT_W_VEC_DM_MASK,
        [VLAPIC_LVT_TIMER] = LVT_W_TIMER,
        [VLAPIC_LVT_THERMAL] = LVT_W_VEC_DM_MASK,
        [VLAPIC_LVT_PERF] = LVT_W_VEC_DM_MASK,
        [VLAPIC_LVT_LINT0] = LVT_W_LINT,
        [VLAPIC_LVT_LINT1] = LVT_W_LINT,
        [VLAPIC_LVT_ERROR] = LVT_W_ERROR,
    };

    if (idx == VLAPIC_LVT_TIMER && !tsc_supported(l))
        v &= LVT_W_TIMER_NO_TSC;
    v &= writable[idx];
    if (!sw_enabled(l))
        v |= LAPIC_LVT_MASKED;                  /* stays masked while disabled */
    if (idx == VLAPIC_LVT_TIMER)
        write_lvt_timer(l, v);
    else
        l->lvt[idx] = v;
}

/* A write that both interfaces accept (permissions checked by the caller). */
static void reg_write(struct vlapic *l, uint64_t off, uint32_t v)
{
    int lvt = lvt_index(off);

    /* TPR and EOI (do_eoi) change only the priority registers; anything
     * else may change any register (ESR, LVT masks, the timer, self IPIs). */
    if (off == LAPIC_REG_TPR)
        l->dirty |= VLAPIC_DIRTY_PRIORITY;
    else if (off != LAPIC_REG_EOI)
        l->dirty |= VLAPIC_DIRTY_ALL;
    if (lvt >= 0) {
        write_lvt(l, lvt, v);
        return;
    }
    switch (off) {
    case LAPIC_REG_TPR:       l->tpr = v & 0xFF; kick_if_pending(l); break;
    case LAPIC_REG_EOI:       do_eoi(l); break;
    case LAPIC_REG_LDR:       l->ldr = v & 0xFF000000u; break;      /* xAPIC only */
    case LAPIC_REG_DFR:       l->dfr = v | ~LAPIC_DFR_MODEL_MASK; break;
    case LAPIC_REG_SVR:       write_svr(l, v); break;
    case LAPIC_REG_ESR:       l->esr = l->esr_pending; l->esr_pending = 0; break;
    case LAPIC_REG_ICR_HI:    l->icr_hi = v & 0xFF000000u; break;
    case LAPIC_REG_ICR_LO:
        l->icr_lo = v & LAPIC_ICR_LO_WRITABLE;
        send_ipi(l, l->icr_lo, l->icr_hi >> LAPIC_ICR_HI_DEST_SHIFT);
        break;
    case LAPIC_REG_TIMER_ICR: write_timer_icr(l, v); break;
    case LAPIC_REG_TIMER_DCR: write_timer_dcr(l, v); break;
    case LAPIC_REG_SELF_IPI:                                         /* x2APIC only */
        send_ipi(l, LAPIC_ICR_SH_SELF | (v & LAPIC_ICR_VECTOR_MASK), 0);
        break;
    default:                  break;            /* read-only or reserved: ignored */
    }
}

/* ---- xAPIC MMIO ------------------------------------------------------------ */

int vlapic_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vlapic *l = dev;

    if (vlapic_mode(l) != VLAPIC_MODE_XAPIC) {
        *val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
        return -HV_ENODEV;
    }
    *val = 0;
    if (size != 4 || (offset & 0xF) || offset >= LAPIC_MMIO_SIZE ||
        offset == LAPIC_REG_SELF_IPI)
        return 0;
    *val = reg_read(l, offset);
    return 0;
}

int vlapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vlapic *l = dev;

    if (vlapic_mode(l) != VLAPIC_MODE_XAPIC)
        return -HV_ENODEV;
    if (size != 4 || (offset & 0xF) || offset >= LAPIC_MMIO_SIZE ||
        offset == LAPIC_REG_SELF_IPI)
        return 0;
    reg_write(l, offset, (uint32_t)val);
    return 0;
}

/* ---- x2APIC MSRs ----------------------------------------------------------- */

enum { X2_NONE = 0, X2_R = 1, X2_W = 2, X2_RW = 3 };

static unsigned x2apic_access(uint64_t off)
{
    /* No LVT CMCI: the version register says 6 LVT entries (max 5). */
    if (off == LAPIC_LVT_CMCI)
        return X2_NONE;
    if (lvt_index(off) >= 0)
        return X2_RW;
    if (off >= LAPIC_REG_ISR && off < LAPIC_REG_IRR + 0x80)     /* ISR, TMR, IRR */
        return X2_R;
    switch (off) {
    case LAPIC_REG_ID: case LAPIC_REG_VERSION: case LAPIC_REG_PPR:
    case LAPIC_REG_LDR: case LAPIC_REG_TIMER_CCR:
        return X2_R;
    case LAPIC_REG_EOI: case LAPIC_REG_SELF_IPI:
        return X2_W;
    case LAPIC_REG_TPR: case LAPIC_REG_SVR: case LAPIC_REG_ESR: case LAPIC_REG_ICR_LO:
    case LAPIC_REG_TIMER_ICR: case LAPIC_REG_TIMER_DCR:
        return X2_RW;
    default:                    /* APR, RRD, DFR, ICR_HI, reserved */
        return X2_NONE;
    }
}

/* Bits 31:0 a WRMSR may set; a non-zero write to any other (reserved) bit
 * raises #GP (SDM "x2APIC Register Address Space", "Reserved Bit
 * Checking"). Read-only bits (delivery status, remote IRR) may be set:
 * they are ignored. */
static uint32_t x2apic_defined_bits(uint64_t off)
{
    const uint32_t lvt = LAPIC_LVT_VECTOR_MASK | LAPIC_LVT_DELIVERY_STATUS | LAPIC_LVT_MASKED;
    switch (off) {
    case LAPIC_REG_TPR:       return 0xFF;
    case LAPIC_REG_SVR:       return ~0xFFFFEC00u;                  /* 31:13, 11:10 */
    case LAPIC_REG_SELF_IPI:  return LAPIC_ICR_VECTOR_MASK;
    case LAPIC_REG_TIMER_DCR: return LAPIC_DCR_MASK;
    case LAPIC_LVT_TIMER:     return lvt | LAPIC_LVT_TIMER_MODE_MASK;
    case LAPIC_LVT_ERROR:     return lvt;
    case LAPIC_LVT_THERMAL:
    case LAPIC_LVT_PERF:      return lvt | LAPIC_LVT_DM_MASK;
    case LAPIC_LVT_LINT0:
    case LAPIC_LVT_LINT1:
        return lvt | LAPIC_LVT_DM_MASK | LAPIC_LVT_POLARITY_LOW | LAPIC_LVT_REMOTE_IRR |
               LAPIC_LVT_LEVEL;
    default:                  return 0xFFFFFFFFu;   /* timer ICR; EOI and ESR below */
    }
}

int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *val)
{
    uint64_t off = (uint64_t)(msr - MSR_X2APIC_FIRST) << 4;

    if (!vlapic_is_x2apic_msr(msr) || vlapic_mode(l) != VLAPIC_MODE_X2APIC ||
        !(x2apic_access(off) & X2_R))
        return -HV_EINVAL;
    if (off == LAPIC_REG_ICR_LO)
        *val = (uint64_t)l->icr_hi << 32 | l->icr_lo;
    else
        *val = reg_read(l, off);
    return 0;
}

int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val)
{
    uint64_t off = (uint64_t)(msr - MSR_X2APIC_FIRST) << 4;

    if (!vlapic_is_x2apic_msr(msr) || vlapic_mode(l) != VLAPIC_MODE_X2APIC ||
        !(x2apic_access(off) & X2_W))
        return -HV_EINVAL;
    if (off == LAPIC_REG_ICR_LO) {
        if (val & X2APIC_ICR_RESERVED)
            return -HV_EINVAL;
        /* No delivery status bit in x2APIC mode: bit 12 is dropped. */
        l->icr_lo = (uint32_t)val & LAPIC_ICR_LO_WRITABLE;
        l->icr_hi = (uint32_t)(val >> 32);
        l->dirty |= VLAPIC_DIRTY_ALL;
        send_ipi(l, l->icr_lo, l->icr_hi);
        return 0;
    }
    if (val >> 32)
        return -HV_EINVAL;                      /* bits 63:32 reserved */
    if ((uint32_t)val & ~x2apic_defined_bits(off))
        return -HV_EINVAL;
    if ((off == LAPIC_REG_EOI || off == LAPIC_REG_ESR) && val != 0)
        return -HV_EINVAL;
    reg_write(l, off, (uint32_t)val);
    return 0;
}

/* ---- the virtual-APIC page ----------------------------------------------------- */

static void fill_priority(const struct vlapic *l, uint32_t *page)
{
    for (unsigned i = 0; i < 8; i++) {
        page[(LAPIC_REG_ISR >> 2) + 4 * i] = l->isr[i];
        page[(LAPIC_REG_TMR >> 2) + 4 * i] = l->tmr[i];
        page[(LAPIC_REG_IRR >> 2) + 4 * i] = l->irr[i];
    }
    page[LAPIC_REG_TPR >> 2] = l->tpr;
    page[LAPIC_REG_PPR >> 2] = vlapic_ppr(l);
    page[LAPIC_REG_EOI >> 2] = 0;
}

void vlapic_fill_page(struct vlapic *l, uint32_t *page)
{
    if (l->dirty & VLAPIC_DIRTY_ALL) {
        for (uint64_t off = 0; off <= LAPIC_REG_SELF_IPI; off += 16) {
            /* The current count changes by itself: reading it always exits
             * (as do reads past the last register, left alone). */
            page[off >> 2] = off == LAPIC_REG_TIMER_CCR || off == LAPIC_REG_SELF_IPI
                             ? 0 : reg_read(l, off);
        }
    } else if (l->dirty & VLAPIC_DIRTY_PRIORITY) {
        fill_priority(l, page);
    }
    l->dirty = 0;
}

void vlapic_take_page(struct vlapic *l, const uint32_t *page, bool vid)
{
    uint32_t tpr = page[LAPIC_REG_TPR >> 2] & 0xFF;
    if (tpr != l->tpr) {
        l->tpr = tpr;
        l->dirty |= VLAPIC_DIRTY_PRIORITY;          /* PPR follows it */
    }
    l->icr_hi = page[LAPIC_REG_ICR_HI >> 2] & 0xFF000000u;
    if (page[LAPIC_REG_ICR_HI >> 2] != l->icr_hi)
        l->dirty |= VLAPIC_DIRTY_ALL;               /* reserved bits read 0 */
    if (vid) {
        for (unsigned i = 0; i < 8; i++) {
            uint32_t irr = page[(LAPIC_REG_IRR >> 2) + 4 * i];
            /* The CPU only sets IRR bits for virtualized self-IPIs, which
             * are edge-triggered. */
            uint32_t self = irr & ~l->irr[i];
            l->stats.ipi_self += bit_count(self);
            l->stats.accepted += bit_count(self);
            if (l->tmr[i] & self) {
                l->tmr[i] &= ~self;
                l->dirty |= VLAPIC_DIRTY_PRIORITY;
            }
            l->irr[i] = irr;
            l->isr[i] = page[(LAPIC_REG_ISR >> 2) + 4 * i];
        }
        l->icr_lo = page[LAPIC_REG_ICR_LO >> 2] & LAPIC_ICR_LO_WRITABLE;
    }
    kick_if_pending(l);                             /* a lower TPR may release one */
}

void vlapic_eoi_done(struct vlapic *l, uint8_t vector)
{
    if (bit_test(l->tmr, vector) && l->ops && l->ops->eoi)
        l->ops->eoi(l->ctx, vector);
    kick_if_pending(l);
}

uint16_t vlapic_intr_status(const struct vlapic *l)
{
    int rvi = highest(l->irr), svi = highest(l->isr);
    return (uint16_t)((svi < 0 ? 0 : (unsigned)svi << 8) | (rvi < 0 ? 0 : (unsigned)rvi));
}

unsigned vlapic_tpr_threshold(const struct vlapic *l)
{
    int irrv = highest(l->irr), isrv = highest(l->isr);
    unsigned irr_class = irrv < 0 ? 0 : (unsigned)irrv >> 4;
    unsigned isr_class = isrv < 0 ? 0 : (unsigned)isrv >> 4;

    /* Nothing waits, it is deliverable already, or the ISR holds it (an
     * EOI, which exits, will release it): no TPR value is of interest. */
    if (irrv < 0 || irr_class > (l->tpr >> 4) || irr_class <= isr_class)
        return 0;
    return irr_class;
}

/* ---- IA32_APIC_BASE and init ----------------------------------------------- */

enum vlapic_mode vlapic_mode(const struct vlapic *l)
{
    if (!(l->apic_base & APIC_BASE_EN))
        return VLAPIC_MODE_DISABLED;
    return (l->apic_base & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

int vlapic_set_apic_base(struct vlapic *l, uint64_t value)
{
    enum vlapic_mode old = vlapic_mode(l), new;
    int rc = 0;

    if (value & APIC_BASE_RESERVED)
        return -HV_EINVAL;
    if ((value & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EXTD)
        return -HV_EINVAL;                      /* EN=0, EXTD=1 is invalid */
    if (!(value & APIC_BASE_EN))
        new = VLAPIC_MODE_DISABLED;
    else
        new = (value & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
    /* SDM "x2APIC State Transitions": x2APIC -> xAPIC and disabled -> x2APIC
     * must go through disabled / xAPIC respectively. */
    if ((old == VLAPIC_MODE_X2APIC && new == VLAPIC_MODE_XAPIC) ||
        (old == VLAPIC_MODE_DISABLED && new == VLAPIC_MODE_X2APIC))
        return -HV_EINVAL;

    if ((value & APIC_BASE_ADDR_MASK) != (l->apic_base & APIC_BASE_ADDR_MASK))
        rc |= VLAPIC_BASE_MOVED;
    l->dirty |= VLAPIC_DIRTY_ALL;
    l->apic_base = (value & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
    if (new != old) {
        rc |= VLAPIC_BASE_MODE_CHANGED;
        if (new == VLAPIC_MODE_DISABLED)
            reset_regs(l);
        else if (new == VLAPIC_MODE_X2APIC)
            l->ldr = x2apic_ldr(l->apic_id);
    }
    return rc;
}

uint64_t vlapic_get_apic_base(const struct vlapic *l)
{
    return l->apic_base;
}

void vlapic_init(struct vlapic *l, uint32_t apic_id, bool bsp, const struct vclock *clk,
                 uint64_t tsc_hz, const struct vlapic_ops *ops, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->apic_id = apic_id;
    l->clk = clk;
    l->ops = ops;
    l->ctx = ctx;
    l->tsc_hz = tsc_hz;
    l->apic_base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
    l->dirty = VLAPIC_DIRTY_ALL;
    reset_regs(l);
    if (bsp) {
        /* Virtual-wire mode as firmware leaves it (MP spec): PIC through
         * LINT0 as ExtINT, NMI through LINT1. */
        l->svr = LAPIC_SVR_ENABLE | 0xFF;
        l->lvt[VLAPIC_LVT_LINT0] = LAPIC_LVT_DM_EXTINT;
        l->lvt[VLAPIC_LVT_LINT1] = LAPIC_LVT_DM_NMI;
    }
}
