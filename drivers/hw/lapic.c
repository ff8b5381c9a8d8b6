/* Host local APIC timer (see drivers/hw/lapic.h). */
#include "drivers/hw/lapic.h"
#include <hv/apic_regs.h>
#include "drivers/virt/vclock.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "mm/paging.h"

#define DCR_DIVIDE_BY_1      0xB        /* LAPIC_REG_TIMER_DCR encoding of 1 */
#define CPUID1_ECX_TSC_DEADLINE BIT(24)

static enum lapic_timer_mode mode;
static bool x2apic;
static uint64_t lapic_hz, lapic_tsc_hz;    /* one-shot rate: lapic_hz counts per lapic_tsc_hz */

/* xAPIC registers are MMIO; in x2APIC mode they are MSRs 0x800 + offset/16. */
static uint32_t reg_read(uint32_t off)
{
    if (x2apic)
        return (uint32_t)rdmsr(X2APIC_MSR(off));
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_MMIO_BASE + off);
}

static void reg_write(uint32_t off, uint32_t val)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(off), val);
    else
        *(volatile uint32_t *)(uintptr_t)(LAPIC_MMIO_BASE + off) = val;
}

enum lapic_host_mode lapic_host_mode(uint64_t base, bool cpuid_apic)
{
    if (!cpuid_apic)
        return LAPIC_HOST_NONE;
    if (!(base & APIC_BASE_EN))
        return (base & APIC_BASE_EXTD) ? LAPIC_HOST_INVALID : LAPIC_HOST_DISABLED;
    return (base & APIC_BASE_EXTD) ? LAPIC_HOST_X2APIC : LAPIC_HOST_XAPIC;
}

const char *lapic_host_mode_name(enum lapic_host_mode m)
{
    switch (m) {
    case LAPIC_HOST_DISABLED: return "disabled (enabled as xAPIC when used)";
    case LAPIC_HOST_XAPIC:    return "xAPIC";
    case LAPIC_HOST_X2APIC:   return "x2APIC";
    case LAPIC_HOST_INVALID:  return "invalid (EXTD without EN)";
    default:                  return "none";
    }
}

uint32_t lapic_count_for(uint64_t tsc_delta, uint64_t hz, uint64_t tsc_hz)
{
    if (!tsc_hz)
        return 1;
    uint64_t n = muldiv64(tsc_delta, hz, tsc_hz);
    return n == 0 ? 1 : n > 0xFFFFFFFFULL ? 0xFFFFFFFFu : (uint32_t)n;
}

/* Count the timer at divide-by-1 for about 10 ms of TSC. */
static void calibrate(uint64_t tsc_hz)
{
    reg_write(LAPIC_REG_TIMER_DCR, DCR_DIVIDE_BY_1);
    reg_write(LAPIC_REG_TIMER_ICR, 0xFFFFFFFFu);
    uint64_t t0 = rdtsc(), t1;
    while ((t1 = rdtsc()) - t0 < tsc_hz / 100)
        pause();
    uint32_t left = reg_read(LAPIC_REG_TIMER_CCR);
    reg_write(LAPIC_REG_TIMER_ICR, 0);
    lapic_hz = 0xFFFFFFFFu - left;
    lapic_tsc_hz = t1 - t0;
}

enum lapic_timer_mode lapic_timer_init(uint8_t vector, bool allow_deadline, uint64_t tsc_hz)
{
    struct cpuid_regs r = cpuid(1, 0);
    uint64_t base = (r.edx & CPUID1_EDX_APIC) ? rdmsr(MSR_IA32_APIC_BASE) : 0;
    enum lapic_host_mode hm = lapic_host_mode(base, r.edx & CPUID1_EDX_APIC);
    if (hm == LAPIC_HOST_NONE || hm == LAPIC_HOST_INVALID)
        return mode = LAPIC_TIMER_OFF;
    if (hm == LAPIC_HOST_DISABLED)
        wrmsr(MSR_IA32_APIC_BASE, base |= APIC_BASE_EN);
    x2apic = hm == LAPIC_HOST_X2APIC;
    reg_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);

    if (allow_deadline && (r.ecx & CPUID1_ECX_TSC_DEADLINE)) {
        reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | vector);
        wrmsr(MSR_IA32_TSC_DEADLINE, 0);
        return mode = LAPIC_TIMER_TSC_DEADLINE;
    }
    reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_ONESHOT | vector);
    calibrate(tsc_hz);
    if (!lapic_hz)
        return mode = LAPIC_TIMER_OFF;       /* the timer does not count */
    reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | vector);
    return mode = LAPIC_TIMER_ONESHOT;
}

const char *lapic_timer_mode_name(enum lapic_timer_mode m)
{
    switch (m) {
    case LAPIC_TIMER_TSC_DEADLINE: return "TSC-deadline";
    case LAPIC_TIMER_ONESHOT:      return "one-shot";
    default:                       return "off";
    }
}

void lapic_timer_arm(uint64_t deadline)
{
    if (mode == LAPIC_TIMER_TSC_DEADLINE) {
        /* 0 disarms the timer: a deadline of 0 means "now", so use 1. */
        wrmsr(MSR_IA32_TSC_DEADLINE, deadline ? deadline : 1);
    } else if (mode == LAPIC_TIMER_ONESHOT) {
        uint64_t now = rdtsc();
        reg_write(LAPIC_REG_TIMER_ICR,
                  lapic_count_for(deadline > now ? deadline - now : 0, lapic_hz, lapic_tsc_hz));
    }
}

void lapic_timer_stop(void)
{
    if (mode == LAPIC_TIMER_TSC_DEADLINE)
        wrmsr(MSR_IA32_TSC_DEADLINE, 0);
    else if (mode == LAPIC_TIMER_ONESHOT)
        reg_write(LAPIC_REG_TIMER_ICR, 0);
}

void lapic_eoi(void)
{
    reg_write(LAPIC_REG_EOI, 0);
}

/* ---- IPIs (the APs' start-up) ---------------------------------------------- */

bool lapic_ipi_init(void)
{
    struct cpuid_regs r = cpuid(1, 0);
    uint64_t base = (r.edx & CPUID1_EDX_APIC) ? rdmsr(MSR_IA32_APIC_BASE) : 0;
    enum lapic_host_mode hm = lapic_host_mode(base, r.edx & CPUID1_EDX_APIC);
    if (hm == LAPIC_HOST_NONE || hm == LAPIC_HOST_INVALID)
        return false;
    if (hm == LAPIC_HOST_DISABLED)
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
    x2apic = hm == LAPIC_HOST_X2APIC;
    uint32_t svr = reg_read(LAPIC_REG_SVR);
    if (!(svr & LAPIC_SVR_ENABLE))
        reg_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
    return true;
}

bool lapic_is_x2apic(void) { return x2apic; }

uint32_t lapic_id(void)
{
    /* xAPIC: ID in bits 31:24; x2APIC: the whole 32-bit register. */
    return x2apic ? (uint32_t)rdmsr(MSR_X2APIC_ID) : reg_read(LAPIC_REG_ID) >> 24;
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    if (x2apic) {
        /* One 64-bit write; no delivery status (SDM Vol. 3A, "Interrupt
         * Command Register (ICR)" in x2APIC mode). */
        wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr_low);
        return true;
    }
    reg_write(LAPIC_REG_ICR_HI, apic_id << 24);
    reg_write(LAPIC_REG_ICR_LO, icr_low);
    /* Wait (about a million reads at most) until the IPI has left. */
    for (unsigned i = 0; i < 1000000; i++) {
        if (!(reg_read(LAPIC_REG_ICR_LO) & LAPIC_ICR_DELIVERY_STATUS))
            return true;
        pause();
    }
    return false;
}
