/*
 * lapictimer: the local APIC timer in its three modes, first through the
 * xAPIC MMIO page at 0xFEE00000 (reached through the MMIO instruction
 * emulator: plain 32-bit MOVs), then again in x2APIC mode through the MSRs
 * 0x800+. The PIC pair stays masked (remapped to 0x20/0x28 so nothing could
 * land on an exception vector).
 *
 * In each APIC mode:
 *   - the APIC is software-enabled (SVR 0x1FF: spurious vector 0xFF), the
 *     divide configuration set to 16, and the timer's tick rate measured
 *     against the ACPI PM timer with the LVT masked (initial count
 *     0xFFFFFFFF, current count read before and after 10 ms);
 *   - one-shot: one interrupt on vector 0x40 after ~20 ms (checked against
 *     the PM timer), the current count reads 0 afterwards, and no second
 *     interrupt in the next 30 ms;
 *   - periodic: 10 interrupts at a 10 ms period (~100 ms in all), each
 *     period sane, and none after the initial count is set to 0 (stop);
 *   - TSC deadline: IA32_TSC_DEADLINE (MSR 0x6E0) = now + 20 ms of TSC
 *     (the TSC rate measured against the PM timer): one interrupt at ~20 ms,
 *     the MSR reads 0 once it fired; a deadline already in the past fires
 *     at once; writing 0 disarms;
 *   - task priority: with TPR 0xF0 a one-shot interrupt stays in IRR (PPR
 *     reads 0xF0) for 5 ms with interrupts on; lowering the TPR to 0x30
 *     delivers it before the next instruction, and its ISR bit is clear
 *     after the EOI. (With APIC virtualization the xAPIC TPR write causes
 *     no exit, the lowering a TPR-below-threshold exit.)
 *   - a level-triggered interrupt: IOAPIC pin 8 (the RTC, whose line stays
 *     high until register C is read) as a level-triggered entry for vector
 *     0x50; the RTC's periodic interrupt raises it. The first handler
 *     leaves the line high and EOIs: the IOAPIC (remote IRR set until then,
 *     and the vector's TMR bit set) must deliver it again, once; the second
 *     handler turns the interrupt off and reads register C, so no third
 *     comes, and remote IRR is clear at the end. (With virtual-interrupt
 *     delivery this EOI is the one kind that exits.)
 *   - IPIs: a self-IPI (shorthand self) arrives once and the ICR reads back
 *     with delivery status idle; an IPI to APIC ID 1 (none) does not come
 *     back; in xAPIC mode ICR_HI keeps its value across other writes.
 * Between the modes, a timer interrupt left pending with interrupts off
 * while the APIC switches to x2APIC mode must arrive after STI without a
 * HLT (with virtual-interrupt delivery it waited in the virtual-APIC page,
 * which goes away with the switch).
 * Every interrupt is EOIed in the handler: MMIO write of 0 to offset 0xB0,
 * or WRMSR 0x80B = 0. Also checked: CPUID.1 reports x2APIC (ECX bit 21) and
 * TSC-deadline (bit 24); IA32_APIC_BASE is 0xFEE00900 (BSP, enabled);
 * x2APIC MSRs #GP in xAPIC mode; the x2APIC ID / version MSRs.
 */
#include "guest.h"

#define LAPIC_BASE        0xFEE00000u
#define REG_ID            0x020
#define REG_VERSION       0x030
#define REG_TPR           0x080
#define REG_PPR           0x0A0
#define REG_EOI           0x0B0
#define REG_SVR           0x0F0
#define REG_ISR           0x100
#define REG_TMR           0x180
#define REG_IRR           0x200
#define REG_ICR_LO        0x300
#define REG_ICR_HI        0x310
#define REG_LVT_TIMER     0x320
#define REG_LVT_ERROR     0x370
#define REG_TIMER_ICR     0x380
#define REG_TIMER_CCR     0x390
#define REG_TIMER_DCR     0x3E0

#define MSR_X2APIC(off)   (0x800u + ((off) >> 4))
#define MSR_TSC_DEADLINE  0x6E0u

#define APIC_BASE_BSP     (1u << 8)
#define APIC_BASE_EXTD    (1u << 10)
#define APIC_BASE_EN      (1u << 11)

#define SVR_ENABLE        0x100u
#define SPURIOUS_VECTOR   0xFFu
#define TIMER_VECTOR      0x40u
#define LVT_MASKED        (1u << 16)
#define LVT_ONESHOT       (0u << 17)
#define LVT_PERIODIC      (1u << 17)
#define LVT_TSC_DEADLINE  (2u << 17)
#define DCR_DIV16         0x3u

#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

#define PERIODIC_COUNT    10u

#define RTE_LEVEL         (1u << 15)
#define RTE_REMOTE_IRR    (1u << 14)
#define RTE_MASKED        (1u << 16)
#define RTC_GSI           8u
#define LEVEL_VECTOR      0x50u
#define IPI_VECTOR        0x60u
#define ICR_SELF          (1u << 18)      /* destination shorthand: self */
#define MSR_X2APIC_ICR    0x830u
#define RTC_A             0x0A
#define RTC_B             0x0B
#define RTC_C             0x0C
#define RTC_A_1024HZ      0x26u           /* 32.768 kHz base, rate 6 */
#define RTC_B_PIE         0x40u

static bool x2apic;                       /* which interface the accessors use */
static volatile uint32_t timer_irqs, spurious_irqs;
static volatile uint32_t irq_pm[PERIODIC_COUNT + 4];   /* PM timer at each interrupt */
static volatile uint32_t level_irqs, level_remote_irr, level_tmr;
static volatile uint32_t ipi_irqs;

/* ---- register access: one MOV to the MMIO page, or RDMSR/WRMSR ---- */

static inline uint32_t mmio_read(uint32_t off)
{
    return mmio_read32(LAPIC_BASE + off);
}

static inline void mmio_write(uint32_t off, uint32_t v)
{
    mmio_write32(LAPIC_BASE + off, v);
}

static uint32_t apic_read(uint32_t off)
{
    return x2apic ? (uint32_t)rdmsr(MSR_X2APIC(off)) : mmio_read(off);
}

static void apic_write(uint32_t off, uint32_t v)
{
    if (x2apic)
        wrmsr(MSR_X2APIC(off), v);
    else
        mmio_write(off, v);
}

static void timer_handler(unsigned vector)
{
    (void)vector;
    uint32_t n = timer_irqs;
    if (n < PERIODIC_COUNT + 4)
        irq_pm[n] = pm_timer_read();
    timer_irqs = n + 1;
    apic_write(REG_EOI, 0);
}

/* Vector 0x50 from the RTC's level-triggered IOAPIC pin: see test_level. */
static void level_handler(unsigned vector)
{
    (void)vector;
    uint32_t n = ++level_irqs;
    if (n == 1) {
        level_remote_irr = ioapic_read(IOAPIC_REDIR_LO(RTC_GSI)) & RTE_REMOTE_IRR;
        level_tmr = apic_read(REG_TMR + 0x20);   /* vectors 0x40-0x5F */
    } else {
        cmos_write(RTC_B, cmos_read(RTC_B) & ~RTC_B_PIE);
        (void)cmos_read(RTC_C);                  /* the line goes low */
    }
    apic_write(REG_EOI, 0);
}

static void ipi_handler(unsigned vector)
{
    (void)vector;
    ipi_irqs++;
    apic_write(REG_EOI, 0);
}

static void spurious_handler(unsigned vector)
{
    (void)vector;
    spurious_irqs++;                      /* no EOI for the spurious vector */
}

/* HLTs with interrupts on until `want` timer interrupts arrived or
 * `limit_ms` of PM time passed. Returns the count. */
static uint32_t wait_irqs(uint32_t want, uint32_t limit_ms)
{
    uint32_t last = pm_timer_read();
    uint64_t waited = 0, limit = pm_us_to_ticks((uint64_t)limit_ms * 1000u);
    cli();
    while (timer_irqs < want && waited < limit) {
        /* HLT could sleep forever if the interrupt never comes; the
         * hypervisor then stops the guest as halted, which the test sees. */
        sti_hlt();
        cli();
        uint32_t now = pm_timer_read();
        waited += pm_diff(last, now);
        last = now;
    }
    sti();
    return timer_irqs;
}

/* Interrupts on and busy for `ms`, so that any stray interrupt arrives. */
static void idle_ms(uint32_t ms)
{
    sti();
    pm_delay_ms(ms);
}

static bool within(uint32_t got, uint32_t want, uint32_t low_pct, uint32_t high_pct)
{
    return (uint64_t)got * 100 >= (uint64_t)want * low_pct &&
           (uint64_t)got * 100 <= (uint64_t)want * high_pct;
}

/* Timer ticks per millisecond at divide-by-16, measured over 10 ms. */
static uint32_t calibrate(const char *mode)
{
    apic_write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
    apic_write(REG_TIMER_DCR, DCR_DIV16);
    apic_write(REG_TIMER_ICR, 0xFFFFFFFFu);
    uint32_t pm0 = pm_timer_read();
    uint32_t c0 = apic_read(REG_TIMER_CCR);
    pm_delay_us(10000);
    uint32_t c1 = apic_read(REG_TIMER_CCR);
    uint32_t pm1 = pm_timer_read();
    apic_write(REG_TIMER_ICR, 0);
    uint64_t us = pm_ticks_to_us(pm_diff(pm0, pm1));
    uint32_t per_ms = us ? (uint32_t)udiv64((uint64_t)(c0 - c1) * 1000u, (uint32_t)us, 0) : 0;
    note("%s: timer at divide 16 counts %u per ms (%u in %u us)", mode, per_ms, c0 - c1,
         (uint32_t)us);
    check(c0 > c1 && per_ms > 0, "%s: the current count runs down (%u -> %u)", mode, c0, c1);
    return per_ms;
}

static void test_oneshot(const char *mode, uint32_t per_ms)
{
    timer_irqs = 0;
    apic_write(REG_LVT_TIMER, LVT_ONESHOT | TIMER_VECTOR);
    uint32_t start = pm_timer_read();
    apic_write(REG_TIMER_ICR, per_ms * 20);
    uint32_t n = wait_irqs(1, 500);
    check(n == 1, "%s: one-shot interrupt arrived (%u)", mode, n);
    if (n >= 1) {
        uint32_t us = (uint32_t)pm_ticks_to_us(pm_diff(start, irq_pm[0]));
        check(within(us, 20000, 90, 125), "%s: one-shot of 20 ms fired after %u us", mode, us);
    }
    uint32_t ccr = apic_read(REG_TIMER_CCR);
    check(ccr == 0, "%s: current count after the one-shot expired = %u", mode, ccr);
    idle_ms(30);
    check(timer_irqs == 1, "%s: one-shot fired once (%u interrupts 30 ms later)", mode,
          timer_irqs);
}

static void test_periodic(const char *mode, uint32_t per_ms)
{
    timer_irqs = 0;
    apic_write(REG_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
    uint32_t start = pm_timer_read();
    apic_write(REG_TIMER_ICR, per_ms * 10);
    uint32_t n = wait_irqs(PERIODIC_COUNT, 1000);
    apic_write(REG_TIMER_ICR, 0);             /* stops the timer */
    uint32_t after_stop = timer_irqs;
    check(n >= PERIODIC_COUNT, "%s: %u periodic interrupts (wanted %u)", mode, n,
          PERIODIC_COUNT);
    if (n >= PERIODIC_COUNT) {
        uint32_t total = (uint32_t)pm_ticks_to_us(pm_diff(start, irq_pm[PERIODIC_COUNT - 1]));
        uint32_t min_us = ~0u, max_us = 0;
        for (unsigned i = 1; i < PERIODIC_COUNT; i++) {
            uint32_t us = (uint32_t)pm_ticks_to_us(pm_diff(irq_pm[i - 1], irq_pm[i]));
            if (us < min_us) min_us = us;
            if (us > max_us) max_us = us;
        }
        check(within(total, PERIODIC_COUNT * 10000, 90, 115),
              "%s: %u periods of 10 ms took %u us", mode, PERIODIC_COUNT, total);
        check(min_us >= 5000 && max_us <= 20000,
              "%s: each period between 5 and 20 ms (min %u us, max %u us)", mode, min_us,
              max_us);
    }
    idle_ms(30);
    check(timer_irqs == after_stop, "%s: no interrupt after initial count 0 (%u, then %u)",
          mode, after_stop, timer_irqs);
}

static void test_deadline(const char *mode, uint64_t tsc_per_ms)
{
    timer_irqs = 0;
    apic_write(REG_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);
    uint32_t start = pm_timer_read();
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + tsc_per_ms * 20);
    uint32_t n = wait_irqs(1, 500);
    check(n == 1, "%s: TSC-deadline interrupt arrived (%u)", mode, n);
    if (n >= 1) {
        uint32_t us = (uint32_t)pm_ticks_to_us(pm_diff(start, irq_pm[0]));
        check(within(us, 20000, 90, 125), "%s: deadline 20 ms ahead fired after %u us", mode,
              us);
    }
    uint64_t dl = rdmsr(MSR_TSC_DEADLINE);
    check(dl == 0, "%s: IA32_TSC_DEADLINE reads 0x%llx after it fired", mode, dl);

    /* A deadline in the past fires at once. */
    timer_irqs = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() - 1000);
    n = wait_irqs(1, 50);
    check(n == 1, "%s: a deadline in the past fired at once (%u)", mode, n);

    /* Writing 0 disarms a pending deadline. */
    timer_irqs = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + tsc_per_ms * 10);
    wrmsr(MSR_TSC_DEADLINE, 0);
    idle_ms(30);
    check(timer_irqs == 0, "%s: deadline disarmed by writing 0 (%u interrupts)", mode,
          timer_irqs);
    apic_write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
}

static void test_priority(const char *mode, uint32_t per_ms)
{
    timer_irqs = 0;
    apic_write(REG_TPR, 0xF0);
    check_eq("TPR reads back", apic_read(REG_TPR), 0xF0);
    apic_write(REG_LVT_TIMER, LVT_ONESHOT | TIMER_VECTOR);
    apic_write(REG_TIMER_ICR, per_ms);            /* 1 ms */
    idle_ms(5);
    check(timer_irqs == 0, "%s: TPR 0xF0 holds the timer interrupt back (%u taken)", mode,
          timer_irqs);
    uint32_t irr = apic_read(REG_IRR + 0x20);     /* vectors 0x40-0x5F */
    check(irr == 1, "%s: vector 0x40 waits in IRR (IRR 0x40-0x5F = 0x%x)", mode, irr);
    uint32_t ppr = apic_read(REG_PPR);
    check(ppr == 0xF0, "%s: PPR with TPR 0xF0 = 0x%x", mode, ppr);
    apic_write(REG_TPR, 0x30);
    uint32_t n = timer_irqs;
    check(n == 1, "%s: TPR 0x30 lets it in before the next instruction (%u)", mode, n);
    uint32_t isr = apic_read(REG_ISR + 0x20), irr2 = apic_read(REG_IRR + 0x20);
    check(isr == 0 && irr2 == 0, "%s: ISR and IRR clear after the EOI (0x%x, 0x%x)", mode, isr,
          irr2);
    apic_write(REG_TPR, 0);
}

static void test_level(const char *mode)
{
    level_irqs = level_remote_irr = level_tmr = 0;
    cli();
    ioapic_write(IOAPIC_REDIR_HI(RTC_GSI), 0);                    /* APIC ID 0 */
    ioapic_write(IOAPIC_REDIR_LO(RTC_GSI), RTE_LEVEL | LEVEL_VECTOR);   /* fixed, active high */
    cmos_write(RTC_A, RTC_A_1024HZ);
    (void)cmos_read(RTC_C);
    cmos_write(RTC_B, cmos_read(RTC_B) | RTC_B_PIE);
    idle_ms(10);                                                  /* sti: it arrives */
    cli();
    check(level_irqs == 2, "%s: level-triggered interrupt delivered again after an EOI with "
          "its line high, then not once the line is low (%u interrupts)", mode, level_irqs);
    check(level_remote_irr, "%s: IOAPIC remote IRR set while the interrupt is in service", mode);
    check(level_tmr == 1u << 16, "%s: TMR bit of vector 0x50 set (TMR 0x40-0x5F = 0x%x)", mode,
          level_tmr);
    uint32_t lo = ioapic_read(IOAPIC_REDIR_LO(RTC_GSI));
    check(!(lo & RTE_REMOTE_IRR), "%s: remote IRR clear after the last EOI (entry 0x%x)", mode, lo);
    ioapic_write(IOAPIC_REDIR_LO(RTC_GSI), RTE_MASKED);
    sti();
}

/* Send a fixed IPI: ICR_HI then ICR_LO (xAPIC) or the 64-bit ICR MSR. */
static void send_ipi(uint32_t lo, uint32_t dest)
{
    if (x2apic) {
        wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | lo);
    } else {
        mmio_write(REG_ICR_HI, dest << 24);
        mmio_write(REG_ICR_LO, lo);
    }
}

/* A self-IPI arrives once; an IPI to an APIC that does not exist (ID 1)
 * does not come back to this one; the ICR reads back what was written. */
static void test_ipi(const char *mode)
{
    ipi_irqs = 0;
    send_ipi(ICR_SELF | IPI_VECTOR, 0);
    idle_ms(2);
    check(ipi_irqs == 1, "%s: self-IPI (shorthand self) arrived once (%u)", mode, ipi_irqs);
    uint32_t lo = x2apic ? (uint32_t)rdmsr(MSR_X2APIC_ICR) : mmio_read(REG_ICR_LO);
    check(lo == (ICR_SELF | IPI_VECTOR), "%s: ICR low reads back 0x%x (delivery status idle)",
          mode, lo);
    send_ipi(IPI_VECTOR, 1);
    idle_ms(2);
    check(ipi_irqs == 1, "%s: IPI to APIC ID 1 not taken by APIC 0 (%u)", mode, ipi_irqs);
    if (!x2apic) {
        /* The ICR_HI write is stored without a VM exit under APIC
         * virtualization; another register's write must not lose it. */
        mmio_write(REG_LVT_ERROR, LVT_MASKED | 0xFE);
        uint32_t hi = mmio_read(REG_ICR_HI);
        check(hi == 1u << 24, "%s: ICR high reads back 0x%x after other writes", mode, hi);
    }
}

/* An interrupt that waits (IF=0) while the guest switches its APIC to
 * x2APIC mode arrives once interrupts are on again, without a HLT. */
static void test_pending_across_x2apic_switch(uint32_t per_ms, uint64_t base)
{
    timer_irqs = 0;
    cli();
    apic_write(REG_LVT_TIMER, LVT_ONESHOT | TIMER_VECTOR);
    apic_write(REG_TIMER_ICR, per_ms);            /* 1 ms */
    pm_delay_ms(3);
    uint32_t irr = apic_read(REG_IRR + 0x20);
    wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
    x2apic = true;
    sti();
    pm_delay_ms(20);                              /* busy, interrupts on */
    check(irr == 1 && timer_irqs == 1, "xAPIC -> x2APIC: an interrupt pending across the switch "
          "arrives after STI without a HLT (IRR 0x%x before, %u taken)", irr, timer_irqs);
}

/* All tests in the current APIC mode; the timer's ticks per ms (0: none). */
static uint32_t run_modes(const char *mode, uint64_t tsc_per_ms)
{
    apic_write(REG_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
    uint32_t svr = apic_read(REG_SVR);
    check((svr & 0x1FF) == (SVR_ENABLE | SPURIOUS_VECTOR), "%s: SVR reads back 0x%x", mode, svr);
    uint32_t per_ms = calibrate(mode);
    if (per_ms == 0)
        return 0;
    test_oneshot(mode, per_ms);
    test_periodic(mode, per_ms);
    test_deadline(mode, tsc_per_ms);
    test_priority(mode, per_ms);
    test_level(mode);
    test_ipi(mode);
    return per_ms;
}

static void rd_x2apic_id(void)
{
    (void)rdmsr(MSR_X2APIC(REG_ID));
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("lapictimer");

    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);      /* and all masked */
    irq_install(TIMER_VECTOR, timer_handler);
    irq_install(SPURIOUS_VECTOR, spurious_handler);
    irq_install(LEVEL_VECTOR, level_handler);
    irq_install(IPI_VECTOR, ipi_handler);

    struct cpuid_regs r = cpuid(1, 0);
    check(r.ecx & CPUID1_ECX_X2APIC, "CPUID.1:ECX bit 21 (x2APIC) set (ECX 0x%08x)", r.ecx);
    check(r.ecx & CPUID1_ECX_TSC_DEADLINE, "CPUID.1:ECX bit 24 (TSC deadline) set");

    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    check_eq64("IA32_APIC_BASE", base, LAPIC_BASE | APIC_BASE_EN | APIC_BASE_BSP);
    check_eq("xAPIC version register", mmio_read(REG_VERSION), 0x00050014u);
    note("xAPIC ID register 0x%08x", mmio_read(REG_ID));
    check(expect_fault(VEC_GP, rd_x2apic_id), "RDMSR 0x802 (x2APIC ID) in xAPIC mode: #GP");

    /* The TSC rate, for the deadline mode. */
    uint32_t pm0 = pm_timer_read();
    uint64_t t0 = rdtsc();
    pm_delay_us(20000);
    uint64_t t1 = rdtsc();
    uint32_t us = (uint32_t)pm_ticks_to_us(pm_elapsed(pm0));
    uint64_t tsc_per_ms = udiv64((t1 - t0) * 1000u, us ? us : 1, 0);
    note("TSC: %llu per ms", tsc_per_ms);

    x2apic = false;
    uint32_t per_ms = run_modes("xAPIC", tsc_per_ms);

    if (per_ms) {
        test_pending_across_x2apic_switch(per_ms, base);
    } else {
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
        x2apic = true;
    }
    check_eq64("IA32_APIC_BASE in x2APIC mode", rdmsr(MSR_IA32_APIC_BASE),
               base | APIC_BASE_EXTD);
    check_eq64("x2APIC ID (MSR 0x802)", rdmsr(MSR_X2APIC(REG_ID)), 0);
    check_eq64("x2APIC version (MSR 0x803)", rdmsr(MSR_X2APIC(REG_VERSION)), 0x00050014u);
    run_modes("x2APIC", tsc_per_ms);

    check_eq("spurious interrupts", spurious_irqs, 0);
    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    return test_end();
}
