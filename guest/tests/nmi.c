/*
 * nmi: NMIs sent through the guest's own local APIC arrive as NMIs
 * (vector 2), with the blocking the SDM describes (Vol. 3A "Nonmaskable
 * Interrupt (NMI)", Vol. 3C "Virtual NMIs"). Vector 2 has an interrupt
 * gate to nmi_entry below, which counts and returns with IRET.
 *
 * First through the xAPIC page (ICR_HI, then ICR_LO: one MOV each), then
 * again in x2APIC mode through the ICR MSR 0x830:
 *   - a self-NMI (shorthand self) arrives exactly once, before the next
 *     instruction after the ICR write (the count is read right after it);
 *   - an NMI to the APIC's own ID (no shorthand) and one to all including
 *     self arrive once each; one to all excluding self and one to another
 *     APIC ID do not come back;
 *   - an NMI sent from inside the NMI handler is held until the handler's
 *     IRET, then delivered exactly once more (never nested: depth 1);
 *   - two NMIs sent from inside the handler give exactly one more NMI
 *     (one can be pending, not two);
 *   - with interrupts off (CLI) an NMI still arrives at once, and the
 *     handler runs with IF=0 (interrupt gate);
 * With "lint1" on the command line: LVT LINT1 programmed as NMI, unmasked;
 * the guest prints "waiting for an NMI on LINT1" and waits up to 10 s for
 * the monitor's `nmi NAME` command (it pulses LINT1, like QEMU's `nmi`):
 * exactly one NMI. In xAPIC mode it waits busy, in x2APIC mode in HLT
 * (IF=1, a 50 ms LAPIC timer bounding the wait), which the NMI must end.
 * Without "lint1" the LINT1 case is skipped (nothing else on this PC
 * asserts LINT1).
 * At the end the PIC saw no interrupt and no vector other than 2 came.
 */
#include "guest.h"

#define LAPIC_BASE        0xFEE00000u
#define REG_ID            0x020
#define REG_SVR           0x0F0
#define REG_ICR_LO        0x300
#define REG_ICR_HI        0x310
#define REG_LVT_LINT0     0x350
#define REG_LVT_LINT1     0x360
#define REG_EOI           0x0B0
#define REG_LVT_TIMER     0x320
#define REG_TIMER_ICR     0x380
#define REG_TIMER_DCR     0x3E0
#define TIMER_VECTOR      0x40u
#define LVT_PERIODIC      (1u << 17)
#define DCR_DIV1          0xBu
#define TICK_COUNT        50000000u      /* 50 ms at the model's 1 GHz bus */
#define TICK_LIMIT        200u           /* 10 s of ticks */

#define MSR_X2APIC_ID     0x802u
#define MSR_X2APIC_SVR    0x80Fu
#define MSR_X2APIC_ICR    0x830u
#define MSR_X2APIC_LINT1  0x836u

#define APIC_BASE_EXTD    (1u << 10)
#define APIC_BASE_EN      (1u << 11)

#define ICR_DM_NMI        (4u << 8)
#define ICR_SH_SELF       (1u << 18)
#define ICR_SH_ALL_INCL   (2u << 18)
#define ICR_SH_ALL_EXCL   (3u << 18)
#define LVT_DM_NMI        (4u << 8)
#define LVT_MASKED        (1u << 16)

#define NMI_VECTOR        2u

static bool x2apic;
static uint32_t apic_id;
static bool lint1_wanted;

/* The NMI handler's state. */
volatile uint32_t nmi_count, nmi_depth, nmi_max_depth, nmi_eflags;
static volatile uint32_t sends_in_handler;     /* NMIs the next handler sends */
static volatile uint32_t count_in_handler;     /* nmi_count after its sends */

/* Vector 2: save the registers, count, IRET. */
__asm__(".text\n"
        ".globl nmi_entry\n"
        "nmi_entry:\n\t"
        "pushal\n\t"
        "cld\n\t"
        "call nmi_handler\n\t"
        "popal\n\t"
        "iret\n");
void nmi_entry(void);
void nmi_handler(void);

static void send_nmi(uint32_t shorthand, uint32_t dest);

void nmi_handler(void)
{
    uint32_t d = ++nmi_depth;
    if (d > nmi_max_depth)
        nmi_max_depth = d;
    nmi_eflags = read_eflags();
    nmi_count++;
    uint32_t n = sends_in_handler;
    sends_in_handler = 0;
    for (uint32_t i = 0; i < n; i++)
        send_nmi(ICR_SH_SELF, 0);
    if (n)
        count_in_handler = nmi_count;      /* held: not delivered inside */
    nmi_depth = d - 1;
}

/* ---- the ICR: ICR_HI then ICR_LO (xAPIC), or one WRMSR (x2APIC) ---- */

static void send_nmi(uint32_t shorthand, uint32_t dest)
{
    if (x2apic) {
        wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | shorthand | ICR_DM_NMI);
    } else {
        mmio_write32(LAPIC_BASE + REG_ICR_HI, dest << 24);
        mmio_write32(LAPIC_BASE + REG_ICR_LO, shorthand | ICR_DM_NMI);
    }
}

static void apic_write(uint32_t off, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800u + (off >> 4), v);
    else
        mmio_write32(LAPIC_BASE + off, v);
}

static uint32_t apic_read(uint32_t off)
{
    return x2apic ? (uint32_t)rdmsr(0x800u + (off >> 4)) : mmio_read32(LAPIC_BASE + off);
}

static volatile uint32_t ticks;

static void tick_handler(unsigned vector)
{
    (void)vector;
    ticks++;
    apic_write(REG_EOI, 0);
}

static const char *mode(void)
{
    return x2apic ? "x2APIC" : "xAPIC";
}

/* One NMI message; returns how many NMIs arrived by the next instruction. */
static uint32_t nmis_after(uint32_t shorthand, uint32_t dest)
{
    uint32_t before = nmi_count;
    send_nmi(shorthand, dest);
    return nmi_count - before;
}

static void lint1_case(void)
{
    if (!lint1_wanted) {
        note("%s: LINT1 case skipped (nothing on this PC asserts LINT1 by itself; "
             "boot with lint1 and send the monitor's nmi command)", mode());
        return;
    }
    apic_write(REG_LVT_LINT1, LVT_DM_NMI);
    check_eq("LVT LINT1 reads back (NMI, unmasked)", apic_read(REG_LVT_LINT1), LVT_DM_NMI);
    uint32_t before = nmi_count;
    if (!x2apic) {
        /* Busy: reading the PM timer for up to 10 s. */
        printf("nmi: %s: waiting for an NMI on LINT1\n", mode());
        uint32_t start = pm_timer_read();
        uint64_t waited = 0, limit = pm_us_to_ticks(10u * 1000000u);
        while (nmi_count == before && waited < limit) {
            uint32_t now = pm_timer_read();
            waited += pm_diff(start, now);
            start = now;
        }
    } else {
        /* Halted: the NMI must wake the HLT; a 50 ms LAPIC timer bounds
         * the wait to 10 s. */
        ticks = 0;
        apic_write(REG_TIMER_DCR, DCR_DIV1);
        apic_write(REG_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
        apic_write(REG_TIMER_ICR, TICK_COUNT);
        printf("nmi: %s: waiting for an NMI on LINT1\n", mode());
        cli();
        while (nmi_count == before && ticks < TICK_LIMIT)
            sti_hlt();
        apic_write(REG_TIMER_ICR, 0);
        apic_write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
        sti();
        note("%s: the NMI came after %u timer ticks of HLT", mode(), ticks);
    }
    pm_delay_ms(20);                       /* any second one would come now */
    check(nmi_count - before == 1, "%s: LINT1 in NMI mode: one NMI from the pulse%s (%u)",
          mode(), x2apic ? ", waking the halted vCPU" : "", nmi_count - before);
}

static void run_cases(void)
{
    uint32_t n, base = nmi_count;

    sti();
    n = nmis_after(ICR_SH_SELF, 0);
    check(n == 1, "%s: self-NMI (shorthand self) arrived before the next instruction (%u)",
          mode(), n);
    check_eq("NMI handler ran at depth 1", nmi_max_depth, 1);
    pm_delay_ms(5);
    check(nmi_count - base == 1, "%s: and only once (%u)", mode(), nmi_count - base);

    n = nmis_after(0, apic_id);
    check(n == 1, "%s: NMI to own APIC ID %u arrived once (%u)", mode(), apic_id, n);
    n = nmis_after(ICR_SH_ALL_INCL, 0);
    check(n == 1, "%s: NMI to all including self arrived once (%u)", mode(), n);
    n = nmis_after(ICR_SH_ALL_EXCL, 0);
    check(n == 0, "%s: NMI to all excluding self did not come back (%u)", mode(), n);
    n = nmis_after(0, apic_id + 1);
    check(n == 0, "%s: NMI to APIC ID %u (none) did not come back (%u)", mode(), apic_id + 1, n);

    /* One NMI sent inside the handler: held until its IRET, then once. */
    sends_in_handler = 1;
    uint32_t before = nmi_count;
    send_nmi(ICR_SH_SELF, 0);
    uint32_t after = nmi_count;
    pm_delay_ms(5);
    check(count_in_handler == before + 1,
          "%s: NMI sent inside the NMI handler held while it runs (count %u in the handler)",
          mode(), count_in_handler - before);
    check(after - before == 2 && nmi_count == after,
          "%s: ... then delivered once after its IRET (%u NMIs in all)", mode(), nmi_count - before);
    check_eq("NMI handler never nested (maximum depth)", nmi_max_depth, 1);

    /* Two sent inside the handler: one pending at most, so one more. */
    sends_in_handler = 2;
    before = nmi_count;
    send_nmi(ICR_SH_SELF, 0);
    after = nmi_count;
    pm_delay_ms(5);
    check(after - before == 2 && nmi_count == after,
          "%s: two NMIs sent inside the handler: exactly one more delivered (%u NMIs in all)",
          mode(), nmi_count - before);

    /* Interrupts off: an NMI still comes, and its handler runs with IF=0. */
    cli();
    n = nmis_after(ICR_SH_SELF, 0);
    bool if_in_handler = nmi_eflags & EFLAGS_IF;
    sti();
    check(n == 1, "%s: NMI with interrupts off (CLI) arrived at once (%u)", mode(), n);
    check(!if_in_handler, "%s: NMI handler ran with IF=0 (EFLAGS 0x%x)", mode(), nmi_eflags);

    lint1_case();
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    test_begin("nmi");
    lint1_wanted = (info->flags & MB1_INFO_CMDLINE) &&
                   has_word((const char *)(uintptr_t)info->cmdline, "lint1");
    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);       /* and all masked */
    idt_set_gate(NMI_VECTOR, nmi_entry);
    irq_install(TIMER_VECTOR, tick_handler);

    apic_id = mmio_read32(LAPIC_BASE + REG_ID) >> 24;
    mmio_write32(LAPIC_BASE + REG_SVR, 0x1FF);
    run_cases();
    uint32_t xapic_count = nmi_count;
    check_eq("xAPIC: NMIs in all", xapic_count, lint1_wanted ? 9 : 8);

    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
    x2apic = true;
    apic_id = (uint32_t)rdmsr(MSR_X2APIC_ID);
    run_cases();
    check_eq("x2APIC: NMIs in all", nmi_count - xapic_count, lint1_wanted ? 9 : 8);

    check_eq("interrupts on other vectors", irq_unexpected, 0);
    return test_end();
}
