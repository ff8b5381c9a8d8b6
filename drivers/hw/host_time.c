/*
 * Host TSC frequency (see drivers/hw/host_time.h). Each measurement counts
 * TSC cycles over about 10 ms of the reference timer, starting and ending
 * on a change of the timer's count. ACPI PM timer: ACPI Specification,
 * "PM Timer" (3.579545 MHz, 24 or 32 bits). HPET: IA-PC HPET Specification,
 * "General Capabilities and ID Register" (period in femtoseconds) and
 * "Main Counter Value Register".
 */
#include "drivers/hw/host_time.h"
#include "drivers/hw/tsc_freq.h"
#include "drivers/hw/pit8254.h"
#include "drivers/hw/console.h"
#include "drivers/virt/vclock.h"
#include "boot/acpi.h"
#include "boot/x86.h"
#include "mm/paging.h"
#include <hv/format.h>
#include <hv/log.h>

#define FALLBACK_TSC_HZ     1000000000ULL
#define CAL_MS              10
#define PM_TIMER_HZ         3579545ULL
#define SPIN_LIMIT          100000000ULL    /* reads before a timer counts as dead */

#define HPET_MMIO_LEN       0x400
#define HPET_GCAP_ID        0x000
#define   HPET_COUNT_SIZE_64 BIT(13)
#define HPET_GEN_CONF       0x010
#define   HPET_ENABLE_CNF   BIT(0)
#define HPET_MAIN_COUNTER   0x0F0
#define HPET_MAX_PERIOD_FS  100000000ULL    /* the spec's limit: 100 ns */
#define FS_PER_SEC          1000000000000000ULL

static uint64_t tsc_hz;

/* TSC cycles per second while `read` advances by `ticks` counts of a
 * `hz` counter that is `mask` wide; 0 if it does not count. */
static uint64_t measure(uint64_t (*read)(void), uint64_t mask, uint64_t hz)
{
    uint64_t ticks = hz * CAL_MS / 1000, spins = 0;
    uint64_t c0 = read(), c;
    while ((c = read()) == c0)                  /* start on an edge */
        if (++spins > SPIN_LIMIT)
            return 0;
    uint64_t t0 = rdtsc();
    c0 = c;
    for (spins = 0; (((c = read()) - c0) & mask) < ticks;)
        if (++spins > SPIN_LIMIT)
            return 0;
    uint64_t t1 = rdtsc();
    return muldiv64(t1 - t0, hz, (c - c0) & mask);
}

static uint16_t pm_port;
static uint64_t pm_read(void) { return inl(pm_port); }

static volatile uint64_t *hpet;
static uint64_t hpet_read(void) { return hpet[HPET_MAIN_COUNTER / 8]; }

static uint64_t measure_hpet(uint64_t base)
{
    if (paging_map_mmio(base, HPET_MMIO_LEN) < 0)
        return 0;
    hpet = (volatile uint64_t *)(uintptr_t)base;
    uint64_t cap = hpet[HPET_GCAP_ID / 8];
    uint64_t period = cap >> 32;
    if (period == 0 || period > HPET_MAX_PERIOD_FS)
        return 0;
    uint64_t conf = hpet[HPET_GEN_CONF / 8];
    if (!(conf & HPET_ENABLE_CNF))
        hpet[HPET_GEN_CONF / 8] = conf | HPET_ENABLE_CNF;
    uint64_t hz = FS_PER_SEC / period;
    uint64_t r = measure(hpet_read, (cap & HPET_COUNT_SIZE_64) ? ~0ULL : 0xFFFFFFFFULL, hz);
    hpet[HPET_GEN_CONF / 8] = conf;             /* as firmware left it */
    return r;
}

/* Measure against the best timer that counts; *used says which. */
static uint64_t measure_any(const struct acpi_platform *acpi, enum tsc_pref pref,
                            enum tsc_source *used)
{
    bool has_pm = acpi && acpi->pm_timer_port, has_hpet = acpi && acpi->hpet_base;
    for (;;) {
        uint64_t hz = 0;
        *used = tsc_reference_timer(has_pm, has_hpet, pref);
        switch (*used) {
        case TSC_FROM_PM_TIMER:
            pm_port = acpi->pm_timer_port;
            hz = measure(pm_read, acpi->pm_timer_32bit ? 0xFFFFFFFFULL : 0xFFFFFFULL, PM_TIMER_HZ);
            has_pm = false;
            break;
        case TSC_FROM_HPET:
            hz = measure_hpet(acpi->hpet_base);
            has_hpet = false;
            break;
        default:
            return pit8254_measure_tsc_hz();
        }
        if (hz)
            return hz;
        pref = TSC_PREF_AUTO;
        pr_warn("host time: %s does not count\n", tsc_source_name(*used));
    }
}

uint64_t host_time_init(const struct acpi_platform *acpi, int pref_opt)
{
    enum tsc_pref pref = (enum tsc_pref)pref_opt;
    struct tsc_cpuid c = { .max_leaf = cpuid(0, 0).eax };
    if (c.max_leaf >= CPUID_LEAF_TSC_CRYSTAL) {
        struct cpuid_regs r = cpuid(CPUID_LEAF_TSC_CRYSTAL, 0);
        c.l15_eax = r.eax;
        c.l15_ebx = r.ebx;
        c.l15_ecx = r.ecx;
    }
    if (c.max_leaf >= CPUID_LEAF_FREQ_INFO)
        c.l16_eax = cpuid(CPUID_LEAF_FREQ_INFO, 0).eax;
    uint64_t crystal;
    bool derived;
    uint64_t cpuid_hz = tsc_hz_from_cpuid(&c, &crystal, &derived);

    enum tsc_source ref = TSC_FROM_NOWHERE;
    uint64_t measured = 0;
    if (pref != TSC_PREF_CPUID || !cpuid_hz)
        measured = measure_any(acpi, pref, &ref);
    if (pref != TSC_PREF_AUTO && pref != TSC_PREF_CPUID)
        cpuid_hz = 0;                           /* a timer was asked for */
    enum tsc_source src = tsc_choose(cpuid_hz, measured, ref, &tsc_hz);

    char said[120] = "";
    if (cpuid_hz)
        fmt_snprintf(said, sizeof(said), "%u/%u x crystal %llu kHz%s", c.l15_ebx, c.l15_eax,
                     (unsigned long long)(crystal / 1000),
                     derived ? ", derived from leaf 0x16's base frequency" : "");
    if (src == TSC_FROM_CPUID && measured)
        pr_info("host time: TSC %llu kHz from %s (%s), %s measures %llu kHz\n",
                (unsigned long long)(tsc_hz / 1000), tsc_source_name(src), said,
                tsc_source_name(ref), (unsigned long long)(measured / 1000));
    else if (src == TSC_FROM_CPUID)
        pr_info("host time: TSC %llu kHz from %s (%s); %s\n",
                (unsigned long long)(tsc_hz / 1000), tsc_source_name(src), said,
                pref == TSC_PREF_CPUID ? "not checked (tsc=cpuid)" : "no timer counts to check it");
    else if (src != TSC_FROM_NOWHERE && cpuid_hz)
        pr_info("host time: TSC %llu kHz measured against %s; CPUID leaf 0x15 says %llu kHz "
                "(%s), not the rate the TSC counts at (an emulator?)\n",
                (unsigned long long)(tsc_hz / 1000), tsc_source_name(src),
                (unsigned long long)(cpuid_hz / 1000), said);
    else if (src != TSC_FROM_NOWHERE)
        pr_info("host time: TSC %llu kHz measured against %s (%s)\n",
                (unsigned long long)(tsc_hz / 1000), tsc_source_name(src),
                pref != TSC_PREF_AUTO && pref != TSC_PREF_CPUID ? "as tsc= asks"
                : "CPUID has no leaf 0x15 frequency");
    else {
        tsc_hz = FALLBACK_TSC_HZ;
        pr_warn("host time: no timer counts and CPUID does not say; assuming a 1 GHz TSC\n");
    }
    return tsc_hz;
}

uint64_t host_time_tsc_hz(void)
{
    return tsc_hz;
}
