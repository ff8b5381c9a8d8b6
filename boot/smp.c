/*
 * Starting the application processors (see boot/smp.h). SDM Vol. 3A,
 * "Multiple-Processor (MP) Initialization": the MP initialization
 * protocol, and the INIT-SIPI-SIPI sequence of its "Typical BSP
 * Initialization Sequence" (the AP's side: "Typical AP Initialization
 * Sequence"): INIT IPI, wait 10 ms, start-up IPI, wait 200 us, a second
 * start-up IPI, wait 200 us. Sent to one AP at a time (its APIC ID from
 * the MADT) rather than broadcast, so that disabled CPUs and cpus= are
 * honoured and one set of hand-over variables (ap_boot_*) serves all.
 */
#include "boot/smp.h"
#include "boot/acpi.h"
#include "boot/cpu.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "drivers/hw/host_time.h"
#include "drivers/hw/lapic.h"
#include "mm/frames.h"
#include "vmx/vmx_ap.h"
#include <hv/apic_regs.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>

#define AP_STACK_PAGES   4
#define INIT_WAIT_US     10000      /* after INIT: 10 ms */
#define SIPI_WAIT_US     200        /* after each start-up IPI: 200 us */
/* The SDM names no bound for an AP's answer; after the second start-up
 * IPI's 200 us it should be running: 10 ms more is plenty, then it is
 * reported and skipped. Its way into VMX operation gets a second. */
#define ANSWER_WAIT_US   10000
#define READY_WAIT_US    1000000
#define CR4_VMXE_BIT     BIT(13)
#define EFER_NXE_BIT     BIT(11)
#define CR4_OSXSAVE_BIT  BIT(18)
#define CPUID1_EDX_PAT   BIT(16)

extern const char ap_trampoline[], ap_trampoline_end[], ap_trampoline_alive[];

/* Read by boot/ap_boot.S. */
uint64_t ap_boot_cr3, ap_boot_stack, ap_boot_percpu;
uint32_t ap_boot_efer_nx;

/* The boot CPU's control state the APs copy (ap_main). */
static uint64_t ap_cr0, ap_cr4, ap_pat, ap_xcr0;
static bool ap_set_pat, ap_set_xcr0;
static const struct vmx_caps *ap_caps;

void ap_main(struct percpu *pc) __noreturn;

void ap_main(struct percpu *pc)
{
    /* After INIT, CR0 has caching off (CD, NW): take the boot CPU's CR0,
     * CR4 (less VMXE: vmx_ap_enable sets it), PAT and XCR0. */
    write_cr0(ap_cr0);
    write_cr4(ap_cr4);
    if (ap_set_pat)
        wrmsr(MSR_IA32_PAT, ap_pat);
    if (ap_set_xcr0)
        write_xcr0(ap_xcr0);
    cpu_load_tables(pc);
    pc->state = CPU_ALIVE;

    char why[200];
    if (vmx_ap_enable(ap_caps, &pc->vmxon_region, why, sizeof(why)) < 0) {
        pr_warn("CPU %u (APIC id %u): %s; parked outside VMX operation, not used\n",
                pc->id, pc->apic_id, why);
        pc->state = CPU_REFUSED;
    } else {
        pc->state = CPU_VMX_ON;
    }
    for (;;) {
        cli();
        hlt();              /* parked: no work for APs yet */
    }
}

static void delay_us(uint64_t us)
{
    uint64_t t0 = rdtsc(), n = host_time_tsc_hz() / 1000000 * us;
    while (rdtsc() - t0 < n)
        pause();
}

/* Wait up to `us` for *p to leave `from`; true if it did. */
static bool wait_change(volatile const int *p, int from, uint64_t us)
{
    uint64_t t0 = rdtsc(), n = host_time_tsc_hz() / 1000000 * us;
    while (*p == from) {
        if (rdtsc() - t0 >= n)
            return *p != from;
        pause();
    }
    return true;
}

static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void save_boot_cpu_state(void)
{
    ap_boot_cr3 = read_cr3();
    ap_boot_efer_nx = (uint32_t)(rdmsr(MSR_IA32_EFER) & EFER_NXE_BIT);
    ap_cr0 = read_cr0();
    ap_cr4 = read_cr4() & ~CR4_VMXE_BIT;
    ap_set_pat = cpuid(1, 0).edx & CPUID1_EDX_PAT;
    ap_pat = ap_set_pat ? rdmsr(MSR_IA32_PAT) : 0;
    ap_set_xcr0 = ap_cr4 & CR4_OSXSAVE_BIT;
    ap_xcr0 = ap_set_xcr0 ? read_xcr0() : 0;
}

/* Start one AP; returns its state (CPU_OFF: it never answered). */
static int start_ap(struct percpu *pc, hpa_t page)
{
    volatile uint32_t *alive = (volatile uint32_t *)phys_to_virt(
        page + (uint64_t)(ap_trampoline_alive - ap_trampoline));
    *alive = 0;
    ap_boot_percpu = (uint64_t)(uintptr_t)pc;
    ap_boot_stack = pc->stack_top;
    __asm__ volatile("mfence" ::: "memory");

    uint32_t id = pc->apic_id, vector = (uint32_t)(page >> 12);
    lapic_send_ipi(id, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL_ASSERT);
    delay_us(INIT_WAIT_US);
    for (int i = 0; i < 2; i++) {
        lapic_send_ipi(id, LAPIC_ICR_DM_STARTUP | LAPIC_ICR_LEVEL_ASSERT | vector);
        delay_us(SIPI_WAIT_US);
    }
    uint64_t t0 = rdtsc(), n = host_time_tsc_hz() / 1000000 * ANSWER_WAIT_US;
    while (!*alive && rdtsc() - t0 < n)
        pause();
    if (!*alive) {
        /* Back to wait-for-SIPI, so that it cannot wake up later on the
         * next AP's stack. */
        lapic_send_ipi(id, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL_ASSERT);
        pr_warn("CPU %u (APIC id %u) did not answer INIT-SIPI-SIPI: skipped\n", pc->id, id);
        return CPU_OFF;
    }
    if (!wait_change(&pc->state, CPU_OFF, READY_WAIT_US) ||
        !wait_change(&pc->state, CPU_ALIVE, READY_WAIT_US)) {
        lapic_send_ipi(id, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL_ASSERT);
        pr_warn("CPU %u (APIC id %u) started but did not reach VMX operation within 1 s: "
                "stopped (INIT) and skipped\n", pc->id, id);
        return CPU_OFF;
    }
    return pc->state;
}

static struct percpu *new_percpu(unsigned id, uint32_t apic_id)
{
    uint64_t pages = (sizeof(struct percpu) + PAGE_SIZE - 1) / PAGE_SIZE;
    hpa_t pa = frame_alloc_run(pages, PAGE_SIZE);
    hpa_t stack = frame_alloc_run(AP_STACK_PAGES, PAGE_SIZE);
    if (!pa || !stack) {
        if (pa)
            frame_free(pa, pages);
        if (stack)
            frame_free(stack, AP_STACK_PAGES);
        return NULL;
    }
    struct percpu *pc = phys_to_virt(pa);
    memset(pc, 0, sizeof(*pc));
    pc->id = id;
    pc->apic_id = apic_id;
    pc->stack_top = (uint64_t)(uintptr_t)phys_to_virt(stack) + AP_STACK_PAGES * PAGE_SIZE;
    pc->state = CPU_OFF;
    return pc;
}

/* selftest=ap-absent: an APIC ID no MADT entry has, below the xAPIC limit. */
static uint32_t absent_id(const struct smp_plan *p)
{
    uint32_t id = 0;
    for (unsigned i = 0; i < p->n; i++)
        id = MAX(id, p->apic_id[i] + 1);
    return id < 0xFF ? id : 0xFE;
}

unsigned smp_start(const struct vmx_caps *caps, unsigned want, const struct acpi_platform *acpi,
                   enum smp_selftest selftest)
{
    struct percpu *bsp = percpu_bsp();
    bool apic = lapic_ipi_init();
    bsp->id = 0;
    bsp->apic_id = apic ? lapic_id() : 0;
    bsp->state = CPU_VMX_ON;

    static struct smp_plan plan;
    if (apic && acpi && acpi->has_madt)
        smp_plan(acpi->cpu_apic_id, acpi->ncpu_apic_id, bsp->apic_id, lapic_is_x2apic(), want,
                 &plan);
    else
        smp_plan(NULL, 0, bsp->apic_id, false, want, &plan);
    if (plan.unreachable)
        pr_warn("CPUs: %u with APIC IDs above 254 cannot be reached in xAPIC mode: not used\n",
                plan.unreachable);

    if (selftest == SMP_SELFTEST_ABSENT && plan.n < SMP_MAX_CPUS) {
        for (unsigned i = plan.n; i > 1; i--)
            plan.apic_id[i] = plan.apic_id[i - 1];
        plan.apic_id[1] = absent_id(&plan);
        plan.n++;
        pr_info("selftest: APIC id %u, which no CPU has, is started first\n", plan.apic_id[1]);
    }
    static struct vmx_caps changed;
    if (selftest == SMP_SELFTEST_CAPS) {
        changed = *caps;
        changed.procbased2 ^= 1ULL << 45;       /* allowed-1 of "enable VM functions" */
        pr_info("selftest: CPU 1 is checked against the boot CPU's VMX capabilities with one "
                "bit changed\n");
    }

    hpa_t page = 0;
    if (plan.n > 1) {
        page = frame_alloc_low();
        if (!page) {
            pr_warn("CPUs: no free page below 1 MiB for the APs' start-up code: only the "
                    "boot CPU is used\n");
            plan.n = 1;
        } else {
            memcpy(phys_to_virt(page), ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
            pr_debug("CPUs: start-up code at %#llx (start-up IPI vector %#llx)\n",
                     (unsigned long long)page, (unsigned long long)(page >> 12));
            save_boot_cpu_state();
        }
    }

    char ids[200];
    size_t len = (size_t)fmt_snprintf(ids, sizeof(ids), "%u", bsp->apic_id);
    unsigned on = 1, next_id = 1;
    for (unsigned i = 1; i < plan.n; i++) {
        struct percpu *pc = new_percpu(next_id, plan.apic_id[i]);
        if (!pc) {
            pr_warn("CPUs: out of memory for CPU %u's data: the rest are not started\n", next_id);
            break;
        }
        next_id++;
        ap_caps = selftest == SMP_SELFTEST_CAPS && pc->id == 1 ? &changed : caps;
        if (start_ap(pc, page) == CPU_VMX_ON) {
            pr_debug("CPU %u (APIC id %u): in VMX operation, VMXON region at %#llx, stack "
                     "top %#llx, per-CPU data at %#llx; parked\n", pc->id, pc->apic_id,
                     (unsigned long long)pc->vmxon_region, (unsigned long long)pc->stack_top,
                     (unsigned long long)(uintptr_t)pc);
            on++;
            if (len < sizeof(ids))
                len += (size_t)fmt_snprintf(ids + len, sizeof(ids) - len, ", %u", pc->apic_id);
        }
    }
    char rest[64] = "";
    if (plan.n < plan.present)
        fmt_snprintf(rest, sizeof(rest), "; %u not used (cpus=%u)", plan.present - plan.n, want);
    pr_info("CPUs: %u of %u in VMX operation (APIC ids %s)%s\n", on, plan.present, ids, rest);
    return on;
}
