/*
 * Model of one vCPU's local APIC (xAPIC and x2APIC).
 *
 * Reference: Intel SDM Vol. 3A, chapter "Advanced Programmable Interrupt
 * Controller (APIC)" (local APIC registers, LVT, timer incl. TSC-deadline,
 * "Task and Processor Priorities", interrupt acceptance, EOI, the x2APIC
 * MSR interface and its state transitions).
 *
 * What is modelled:
 *   - the xAPIC MMIO page (32-bit accesses to 16-byte aligned registers) and
 *     the x2APIC MSR range 0x800-0x8FF, selected by IA32_APIC_BASE;
 *   - ID, version, TPR/PPR, EOI, LDR/DFR, SVR (software enable), ISR/TMR/IRR,
 *     ESR (send/receive illegal vector), the seven LVT entries, ICR, SELF IPI;
 *   - the timer: one-shot, periodic and TSC-deadline, with the divide
 *     configuration register;
 *   - acceptance, delivery (pending/ack) and EOI of fixed interrupts, with a
 *     callback on the EOI of a level-triggered vector (IOAPIC remote IRR);
 *   - NMIs: one pending-NMI latch (not an IRR vector), set by an ICR NMI
 *     that reaches this APIC (shorthand self, all-including-self, its own
 *     ID or a broadcast) and by the rising edge of LINT0/LINT1 whose LVT
 *     entry is unmasked with delivery mode NMI (with the APIC globally
 *     disabled LINT1 is the CPU's NMI pin). The VM layer takes it
 *     (vlapic_take_nmi) when it injects the NMI; NMIs arriving meanwhile
 *     coalesce into the one latch, as on hardware.
 *
 * Left out: real multi-CPU IPI delivery (anything not addressed to this APIC
 * goes to the optional ipi callback or is counted as unsupported), INIT/SIPI/
 * SMI, lowest-priority arbitration, APR/RRD (read 0), the focus-processor and
 * EOI-broadcast-suppression SVR bits, spurious-interrupt delivery (pending
 * and ack are atomic for the VM layer, so it never happens), the LINT0/LINT1
 * pins as inputs (PIC interrupts bypass the APIC: see vlapic_accepts_pic),
 * thermal/perf/CMCI sources (their LVTs are plain storage), the "illegal
 * register address" ESR bit and model-specific narrow MMIO accesses.
 *
 * The version register reports 0x00050014 (version 0x14, max LVT entry 5,
 * i.e. six LVTs without CMCI); the CMCI LVT (0x2F0 / MSR 0x82F) is still
 * readable and writable storage so that a guest that probes it is not hurt.
 *
 * Timer clock: the APIC timer counts at VLAPIC_BUS_HZ (1 GHz, one tick per
 * nanosecond) divided by the divide configuration; the VM layer can report
 * it in CPUID leaf 0x15/0x40000010, otherwise guests calibrate it. The
 * current count is computed from the vclock at each read. Periodic timers
 * fire at most every VLAPIC_MIN_PERIOD_NS.
 *
 * TSC-deadline: the VM layer provides ops->tsc_now (the guest TSC) and
 * tsc_hz at init; the deadline stays in TSC units (tsc_next, read with
 * vlapic_tsc_next) and is compared with the guest TSC, so writing it costs
 * no conversion; vlapic_next_event converts it to vclock nanoseconds only
 * when asked. Without tsc_now/tsc_hz the mode cannot be selected and MSR
 * 0x6E0 #GPs.
 *
 * Pure state machine: no hardware access, no global state; time only via
 * the vclock. Not thread-safe: the VM layer serialises all calls for one
 * vLAPIC.
 */
#ifndef DRIVERS_VIRT_VLAPIC_H
#define DRIVERS_VIRT_VLAPIC_H

#include <hv/types.h>
#include "drivers/virt/vclock.h"

#include <hv/apic_regs.h>

/* The version this model reports. */
#define LAPIC_VERSION_VALUE         0x00050014u /* version 0x14, max LVT entry 5 */

/* Timer clock (see the header comment). */
#define VLAPIC_BUS_HZ               1000000000ULL
/* Shortest period a periodic timer fires at (10 kHz): a guest asking for
 * less gets interrupts at this rate, so it cannot flood the VM layer. */
#define VLAPIC_MIN_PERIOD_NS        100000ULL

/* ---- the model --------------------------------------------------------- */
enum vlapic_mode {
    VLAPIC_MODE_DISABLED,       /* IA32_APIC_BASE.EN = 0: the APIC is absent */
    VLAPIC_MODE_XAPIC,
    VLAPIC_MODE_X2APIC,
};

enum vlapic_lvt {
    VLAPIC_LVT_CMCI, VLAPIC_LVT_TIMER, VLAPIC_LVT_THERMAL, VLAPIC_LVT_PERF,
    VLAPIC_LVT_LINT0, VLAPIC_LVT_LINT1, VLAPIC_LVT_ERROR,
    VLAPIC_NUM_LVT,
};

/*
 * Callbacks into the VM layer; every member may be NULL. They are called
 * synchronously from inside vlapic_* functions and must not call back into
 * the same vlapic, except that eoi may call vlapic_accept (an IOAPIC
 * delivering again a level-triggered line that is still asserted): it is
 * called once the EOI is complete.
 */
struct vlapic_ops {
    /* EOI of a vector whose TMR bit was set (level-triggered): the VM layer
     * forwards it to the IOAPIC (vioapic_eoi). */
    void (*eoi)(void *ctx, uint8_t vector);
    /* vlapic_pending() became >= 0: an interrupt was accepted, or an EOI or
     * a TPR write lowered the priority an interrupt in IRR waited behind;
     * or an NMI became pending (vlapic_nmi_pending) (e.g. wake a halted
     * vCPU, look for an injection at the next exit). */
    void (*kick)(void *ctx);
    /* An IPI that may target other APICs, or a delivery mode not handled
     * locally (INIT, SIPI, SMI): icr_lo as written (x2APIC: ICR[31:0]) and
     * the destination (xAPIC: 8 bits, x2APIC: 32 bits). A self-targeted
     * fixed IPI is accepted locally and also reported here when it is a
     * broadcast (so is an NMI). NULL: such IPIs are counted in
     * stats.ipi_unsupported. */
    void (*ipi)(void *ctx, uint32_t icr_lo, uint32_t dest);
    /* The guest's current TSC, for TSC-deadline mode. */
    uint64_t (*tsc_now)(void *ctx);
};

struct vlapic_stats {
    uint64_t accepted;          /* interrupts newly set in IRR */
    uint64_t rejected;          /* vlapic_accept while disabled / illegal vector */
    uint64_t timer_fired;       /* timer expiries (masked or not) */
    uint64_t ipi_self;          /* fixed IPIs accepted by this APIC */
    uint64_t ipi_unsupported;   /* IPIs (or parts of them) nobody handled */
    uint64_t nmi_received;      /* NMIs that reached this APIC (IPI or LINT) */
    uint64_t nmi_coalesced;     /* ... of which found one already pending */
    uint32_t last_unsupported_icr;
    uint32_t last_unsupported_dest;
};

struct vlapic {
    /* configuration (vlapic_init) */
    uint32_t apic_id;           /* initial APIC ID (x2APIC ID; xAPIC uses bits 7:0) */
    const struct vclock *clk;
    const struct vlapic_ops *ops;
    void *ctx;
    uint64_t tsc_hz;

    uint64_t apic_base;         /* IA32_APIC_BASE as the guest sees it */

    /* architectural registers */
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;               /* what ESR reads */
    uint32_t esr_pending;       /* errors since the last ESR write */
    uint32_t lvt[VLAPIC_NUM_LVT];
    uint32_t icr_lo, icr_hi;
    uint32_t timer_icr, timer_dcr;

    /* NMIs: the pending latch and the LINT0/LINT1 input levels (bit n). */
    bool nmi_pending;
    uint8_t lint_level;

    /* timer */
    bool timer_armed;           /* counting (one-shot/periodic) or deadline set */
    uint64_t timer_start_ns;    /* one-shot/periodic: when the count was (re)based */
    uint64_t timer_period_ns;   /* one-shot/periodic: initial count in ns */
    uint64_t timer_deadline_ns; /* next expiry while armed */
    uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE (0: disarmed) */
    uint64_t tsc_next;          /* TSC-deadline mode: the guest TSC at which the
                                   timer fires; UINT64_MAX: not armed (or not in
                                   that mode) */

    /* What changed since the last vlapic_fill_page (VLAPIC_DIRTY_*). */
    uint8_t dirty;

    struct vlapic_stats stats;
};

#define VLAPIC_DIRTY_PRIORITY  1    /* IRR, ISR, TMR, TPR, PPR */
#define VLAPIC_DIRTY_ALL       2

/*
 * Initialise `l` for the APIC with ID `apic_id`. The state is what firmware
 * leaves behind: xAPIC mode at LAPIC_DEFAULT_BASE, BSP flag from `bsp`; on
 * the BSP the APIC is software-enabled (SVR 0x1FF) in virtual-wire mode
 * (LINT0 ExtINT, LINT1 NMI, both unmasked, as SeaBIOS programs them), so
 * PIC interrupts flow (vlapic_accepts_pic); on an AP everything is in the
 * power-up state (SVR 0xFF, all LVTs masked). `clk` and `ops` must outlive
 * `l`. tsc_hz (guest TSC frequency) and ops->tsc_now enable TSC-deadline
 * mode; pass 0 / NULL to leave it out (the VM layer then must not advertise
 * CPUID.01H:ECX[24]).
 */
void vlapic_init(struct vlapic *l, uint32_t apic_id, bool bsp, const struct vclock *clk,
                 uint64_t tsc_hz, const struct vlapic_ops *ops, void *ctx);

enum vlapic_mode vlapic_mode(const struct vlapic *l);

/*
 * IA32_APIC_BASE. Returns a negative value for a write that must #GP:
 * reserved bits, EN=0 with EXTD=1, or an invalid transition (x2APIC ->
 * xAPIC, disabled -> x2APIC). Otherwise >= 0, an OR of:
 *   VLAPIC_BASE_MODE_CHANGED  the mode changed (vlapic_mode): the VM layer
 *                             updates its MMIO registration / MSR intercepts;
 *   VLAPIC_BASE_MOVED         the guest changed the base address. It is
 *                             accepted and reads back as written, but the
 *                             model does not know where it is mapped: the
 *                             VM layer may move its MMIO region or log it.
 * The BSP bit is read-only (writes of it are ignored). Disabling the APIC
 * returns it to the power-up state (SDM: "prior initialization may be
 * lost"): IRR/ISR cleared, LVTs masked, software-disabled, timer stopped.
 * Entering x2APIC mode keeps the state except the ID and the LDR, which are
 * derived from apic_id.
 */
#define VLAPIC_BASE_MODE_CHANGED  1
#define VLAPIC_BASE_MOVED         2
int vlapic_set_apic_base(struct vlapic *l, uint64_t value);
uint64_t vlapic_get_apic_base(const struct vlapic *l);

/*
 * xAPIC MMIO (io_ops compatible), offset relative to the APIC page. Only
 * 4-byte accesses at 16-byte aligned offsets reach a register; other
 * accesses read 0 and are ignored. Returns 0, or -HV_ENODEV (reads give all
 * ones) when the APIC is not in xAPIC mode: the page then behaves as if the
 * APIC were absent.
 */
int vlapic_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vlapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

/* True for the x2APIC MSR range 0x800-0x8FF that vlapic_msr_* serve. */
/* Whether a write of the xAPIC register at `offset` can change when the
 * timer fires next: the timer's LVT, initial count and divide
 * configuration, and the SVR (software disable masks every LVT). */
static inline bool vlapic_reg_affects_timer(uint64_t offset)
{
    uint64_t reg = offset & ~0xFULL;
    return reg == LAPIC_LVT_TIMER || reg == LAPIC_REG_TIMER_ICR ||
           reg == LAPIC_REG_TIMER_DCR || reg == LAPIC_REG_SVR;
}

static inline bool vlapic_is_x2apic_msr(uint32_t msr)
{
    return msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST;
}

/*
 * x2APIC MSRs (0x800-0x8FF). Return 0, or a negative value when the access
 * must raise #GP: not in x2APIC mode, no register at that MSR (including
 * DFR, ICR_HI, APR, RRD), RDMSR of a write-only register (EOI, SELF IPI),
 * WRMSR of a read-only register (ID, version, PPR, LDR, ISR/TMR/IRR,
 * current count), a non-zero write to EOI or ESR, bits 63:32 set on a
 * 32-bit register, or reserved ICR bits.
 */
int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *val);
int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val);

/*
 * IA32_TSC_DEADLINE (MSR 0x6E0). Outside TSC-deadline timer mode writes are
 * ignored and reads return 0 (SDM). Writing 0 disarms. The MSR reads 0 again
 * once the timer fired. Returns -HV_ENODEV (#GP) when TSC-deadline is not
 * configured (vlapic_init without tsc_now/tsc_hz); 1 when the deadline is
 * already passed (the SDM has it fire at once: the caller calls
 * vlapic_advance now), else 0. Only stores: the IRR is not touched.
 */
int vlapic_write_tsc_deadline(struct vlapic *l, uint64_t tsc);
int vlapic_read_tsc_deadline(const struct vlapic *l, uint64_t *tsc);

/* The same, with the common case (a non-zero deadline in TSC-deadline mode,
 * which can only be selected when TSC-deadline is configured) inline: the
 * tick of a tickless guest. */
static inline int vlapic_write_tsc_deadline_inline(struct vlapic *l, uint64_t tsc)
{
    if (!(l->apic_base & APIC_BASE_EN) || tsc == 0 ||
        (l->lvt[VLAPIC_LVT_TIMER] & LAPIC_LVT_TIMER_MODE_MASK) != LAPIC_LVT_TIMER_TSC_DEADLINE)
        return vlapic_write_tsc_deadline(l, tsc);
    l->tsc_deadline = l->tsc_next = tsc;
    l->timer_armed = true;
    return tsc <= l->ops->tsc_now(l->ctx);
}

/* CR8 is TPR[7:4]; writing CR8 clears TPR[3:0]. */
void vlapic_set_cr8(struct vlapic *l, uint64_t cr8);
uint64_t vlapic_get_cr8(const struct vlapic *l);

/*
 * Accept a fixed interrupt from outside (IOAPIC, MSI): set its IRR bit, and
 * its TMR bit if level-triggered (cleared if edge). Returns false if the
 * APIC does not accept it: globally or software disabled, or vector < 16
 * (ESR "receive illegal vector"). An interrupt already in IRR coalesces
 * (true). Calls ops->kick when vlapic_pending() becomes >= 0.
 */
bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level_triggered);

/* Highest IRR vector whose priority class (vector[7:4]) is above PPR[7:4],
 * or -1. Interrupts held in IRR while software-disabled are still reported
 * (SDM: they "require masking or handling by the CPU"). */
int vlapic_pending(const struct vlapic *l);

/* The CPU takes `vector` (the one vlapic_pending returned): IRR -> ISR. */
void vlapic_ack(struct vlapic *l, uint8_t vector);

/*
 * NMIs (SDM Vol. 3A, "Local Vector Table", "Interrupt Command Register"):
 * whether one is pending, and taking it (the VM layer injects it): returns
 * whether one was pending, and clears the latch.
 */
bool vlapic_nmi_pending(const struct vlapic *l);
bool vlapic_take_nmi(struct vlapic *l);

/*
 * Drive the LINT0 (pin 0) or LINT1 (pin 1) input. A rising edge delivers
 * what the pin's LVT entry says unless it is masked: an NMI (delivery mode
 * NMI; the trigger mode is ignored, NMIs are edge-triggered) or a fixed
 * interrupt (level-triggered ones get their TMR bit); ExtINT is the PIC's
 * path (vlapic_accepts_pic) and does nothing here; SMI and INIT are
 * counted in stats.ipi_unsupported. With the APIC globally disabled LINT1
 * is the NMI pin itself ("Local APIC Status and Location"). Calls
 * ops->kick when something became pending.
 */
void vlapic_set_lint(struct vlapic *l, unsigned pin, bool level);

/* Processor priority (PPR register value). */
uint32_t vlapic_ppr(const struct vlapic *l);

/*
 * Whether interrupts from the 8259 PIC reach the CPU: the APIC is globally
 * disabled (LINT0 is then the INTR pin) or LINT0 is unmasked with ExtINT
 * delivery (virtual-wire mode).
 */
bool vlapic_accepts_pic(const struct vlapic *l);

/*
 * APIC virtualization (SDM Vol. 3C, "APIC Virtualization and Virtual
 * Interrupts"): with APIC-register virtualization the CPU answers most
 * xAPIC reads from a 4 KiB virtual-APIC page without an exit. This keeps
 * that page equal to what vlapic_mmio_read returns at every 16-byte
 * register (the current count excepted: its reads still exit), rewriting
 * only what changed since the last call (the dirty marks), so the VM layer
 * calls it whenever l->dirty is set before entering the guest. Guest
 * writes arrive as APIC-write exits and go through vlapic_mmio_write; TPR
 * writes land in the page without an exit, so the VM layer hands them to
 * vlapic_mmio_write before it relies on the TPR (or refills the page).
 */
void vlapic_fill_page(struct vlapic *l, uint32_t *page);

/*
 * TPR threshold for the VMCS (bits 3:0): the priority class of the highest
 * IRR vector when only the TPR holds it back, so that a guest lowering its
 * TPR below it exits and gets the interrupt; else 0.
 */
unsigned vlapic_tpr_threshold(const struct vlapic *l);

/*
 * What the guest changed in the virtual-APIC page without exits, taken into
 * the model; the VM layer calls it before any other vlapic_* call once the
 * guest has run (SDM Vol. 3C, "Virtualizing Writes to the APIC-Access
 * Page"). With APIC-register virtualization the CPU stores TPR and ICR_HI
 * writes in the page and exits for neither (a TPR write below the TPR
 * threshold does exit, after the store). With virtual-interrupt delivery
 * (vid) it also moves a vector from IRR to ISR when it delivers it, clears
 * the ISR bit on an EOI, and sets IRR bits for self-IPIs written to ICR_LO
 * (edge-triggered: their TMR bits are cleared). Calls ops->kick when an
 * interrupt is pending afterwards (a TPR lowered below it).
 */
void vlapic_take_page(struct vlapic *l, const uint32_t *page, bool vid);
/* The CPU has done the EOI of `vector` (its ISR bit is clear, taken with
 * vlapic_take_page): the rest of an EOI, i.e. ops->eoi for a level-
 * triggered vector (the VM layer sets EOI-exit bitmap bits from the TMR so
 * that those EOIs exit), and ops->kick when another interrupt is pending. */
void vlapic_eoi_done(struct vlapic *l, uint8_t vector);
/* The VMCS guest interrupt status: SVI (highest ISR vector) in bits 15:8,
 * RVI (highest IRR vector) in bits 7:0, 0 for none. */
uint16_t vlapic_intr_status(const struct vlapic *l);

/* Fire due timers (sets IRR of the timer vector unless masked). A periodic
 * timer that missed several periods fires once and stays on its grid. */
void vlapic_advance(struct vlapic *l);

/*
 * The TSC-deadline timer's expiry for a VM layer that posts the interrupt
 * itself (into a virtual-APIC page whose IRR the CPU delivers from): when
 * the deadline is due the timer fires as in vlapic_advance and its vector
 * is set in IRR, but neither the dirty marks nor ops->kick are touched;
 * the vector (>= 16) is returned for the caller to post. -1: nothing to
 * post (not due, not armed, or masked). VLAPIC_FIRE_ADVANCE: nothing was
 * done; acceptance has more to do here (the APIC is software-disabled, the
 * vector is illegal, or its TMR bit is set): the caller brings the model
 * up to date and calls vlapic_advance.
 */
#define VLAPIC_FIRE_ADVANCE (-2)
int vlapic_fire_tsc_deadline(struct vlapic *l);

/* vclock ns of the next timer expiry, or VCLOCK_NEVER. Can change with any
 * register/MSR write: re-read it after handling an exit. May be in the past
 * until vlapic_advance runs. In TSC-deadline mode the deadline is converted
 * at each call (128-bit arithmetic): the VM layer uses vlapic_tsc_next and
 * vlapic_next_count_event instead. */
uint64_t vlapic_next_event(const struct vlapic *l);
/* The same for the one-shot and periodic modes only: VCLOCK_NEVER in
 * TSC-deadline mode. */
uint64_t vlapic_next_count_event(const struct vlapic *l);

/* TSC-deadline mode: the guest TSC at which the timer fires (it is due
 * once the guest TSC reaches it), or UINT64_MAX when it is not armed or the
 * timer is in another mode. */
static inline uint64_t vlapic_tsc_next(const struct vlapic *l)
{
    return l->tsc_next;
}

#endif
