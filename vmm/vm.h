/*
 * THE VM API: the seam between the VT-x mechanics beneath it (vmx/, which
 * implements it) and everything above that only needs "a guest": the
 * board's devices, the loaders, the scheduler, the monitor. Nothing here
 * mentions the VMCS (tools/check_layers.sh keeps it so). In the order a
 * VMM uses it, as KVM's ioctls:
 *
 *   vm_create        an empty VM                     (KVM_CREATE_VM)
 *   vm_map_memory    back guest-physical RAM         (KVM_SET_USER_MEMORY_REGION)
 *   vcpu_create      its vCPU, registers at power-up (KVM_CREATE_VCPU)
 *   vcpu_get_state / vcpu_set_state, vcpu_get_msr / vcpu_set_msr
 *                    registers                       (KVM_GET/SET_REGS, _SREGS, _MSRS)
 *   vcpu_translate   a guest-virtual address through the guest's page
 *                    tables                          (KVM_TRANSLATE)
 *   vcpu_set_guest_debug, vm->debug_ops
 *                    breakpoints, single steps, caught exceptions, and
 *                    the stops they report upward    (KVM_SET_GUEST_DEBUG)
 *   vcpu_queue_exception
 *                    an exception for the next entry (KVM_SET_VCPU_EVENTS)
 *   vcpu_run         run until a deadline, a HLT or a stop   (KVM_RUN)
 *   vcpu_lapic, vm_kick, vm_board_ops
 *                    interrupts into the vCPU (the board's board_irq_line
 *                    raises ISA lines: vmm/board.h)  (KVM_IRQ_LINE)
 *   vm->exits[], vm_host_work, exit_reason_name
 *                    statistics
 *   vm_stop, vm_destroy
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <hv/types.h>
#include <hv/vcpu_state.h>
#include "mm/guest_mem.h"
#include "mm/ept.h"
#include "vmm/io_bus.h"
#include "vmx/trace.h"
#include "vmx/exit_reasons.h"
#include "drivers/virt/vconsole.h"
#include "drivers/virt/vuart16550.h"
#include "drivers/virt/testdev.h"
#include "drivers/virt/vclock.h"
#include "drivers/virt/vpic8259.h"
#include "drivers/virt/vpit8254.h"
#include "drivers/virt/vrtc.h"
#include "drivers/virt/vlapic.h"
#include "drivers/virt/vioapic.h"
#include "drivers/virt/vi8042.h"
#include "drivers/virt/vfwcfg.h"
#include "drivers/virt/vacpi_pm.h"

#define VM_NAME_MAX      24
#define VM_MAX_GUESTS    16
#define VM_CR3_DISTINCT  64      /* distinct CR3 values remembered per guest */
#define VM_EPT_SPARE_MAX 8       /* EPT tables for 3 GiB of RAM: a PDPT, 3 PDs, 2 PTs */
#define VM_UNBACKED_LOG_MAX 16   /* unbacked pages logged per guest */
#define EXIT_STATS_MAX   EXIT_REASON_MAX   /* one slot per basic exit reason */

/* Saved by vmx/vmx_entry.S on every exit. gpr[GPR_RSP] is unused: RSP lives
 * in the VMCS. The offsets are fixed: vmx_entry.S uses them. */
struct vcpu_regs {
    uint64_t gpr[16];
    uint64_t entry_tsc;              /* TSC just before the last VM entry */
};

enum vm_state {
    VM_RUNNABLE,
    VM_HALTED,               /* HLT with interrupts on: waits for an interrupt */
    VM_PAUSED,
    VM_STOPPED,
};

/* How a guest ended (for the summary). */
enum vm_end {
    VM_END_NONE,
    VM_END_EXIT_VMCALL,      /* HC_EXIT */
    VM_END_EXIT_PORT,        /* isa-debug-exit */
    VM_END_HALTED,           /* HLT with interrupts off / nothing to wake it */
    VM_END_TRIPLE_FAULT,
    VM_END_BAD_ACCESS,       /* unbacked guest-physical address */
    VM_END_UNHANDLED_EXIT,
    VM_END_ENTRY_FAILED,
    VM_END_EMULATION_FAILED,
    VM_END_RESET,
    VM_END_POWEROFF,
    VM_END_STOPPED_BY_USER,
};

/* Exits of one reason. `cycles` is every TSC cycle from these exits to the
 * next VM entry (or the end of the slice), less what was charged to a named
 * host activity meanwhile (device timers, interrupt delivery). 16 bytes, so
 * indexing is a shift. */
struct exit_stat {
    uint64_t count;
    uint64_t cycles;
};

static inline uint64_t exit_stat_avg_cycles(const struct exit_stat *st)
{
    return st->count ? st->cycles / st->count : 0;
}

/* Host work done for one VM that is not an exit's own handling. */
enum vm_host_activity {
    VM_HOST_SWITCH,          /* starting its slices: VMCS load, context switch, timer */
    VM_HOST_TIMERS,          /* its device timers (in exits and between slices) */
    VM_HOST_DELIVERY,        /* interrupt delivery and APIC page updates after exits */
    VM_HOST_CONSOLE,         /* feeding console input to its UART */
    VM_HOST_MAX,
};

/* Host work done for no VM in particular (vmm/sched.c). */
enum host_activity {
    HOST_SCHED,              /* choosing the next guest, its deadline */
    HOST_CONSOLE,            /* host console output, the monitor, the GDB stub */
    HOST_IDLE,               /* every guest halted: waiting */
    HOST_MAX,
};

struct vm;

/* Work for the exit path beyond the handler; all zero on the fast path. */
#define VCPU_WORK_IRQ       BIT(0)   /* an interrupt may be pending: look before entry */
#define VCPU_WORK_TIMERS    BIT(1)   /* a device timer was reprogrammed */
#define VCPU_WORK_DEADLINE  BIT(2)   /* check the slice's end at each exit (no saved
                                        preemption timer on this CPU) */
#define VCPU_WORK_APICV     BIT(3)   /* the vLAPIC took the virtual-APIC page: give
                                        it back before entry (vmx/apicv.c) */
#define VCPU_WORK_TRACE     BIT(4)   /* exits are traced (vmx/trace.h) */
#define VCPU_WORK_WAKE      BIT(5)   /* the slice timer's time came: run what is due
                                        (without a board pass when only the LAPIC
                                        timer is) and re-arm (vmx/slice_timer.h) */
#define VCPU_WORK_FIRST_EXIT BIT(6)  /* the first VM exit after VMLAUNCH: say which it
                                        was (vmx/vcpu.c) */

/* ---- Guest debugging (KVM_SET_GUEST_DEBUG; vmx/guest_debug.c) ---- */
#define VCPU_DEBUG_HW_SLOTS  4           /* DR0-DR3 */
/* A hardware breakpoint or watchpoint in one of the guest's DR0-DR3. */
enum vcpu_hw_break_kind {
    VCPU_HW_NONE,                    /* the slot is free */
    VCPU_HW_EXEC,                    /* instruction breakpoint (len ignored) */
    VCPU_HW_WRITE,                   /* data writes */
    VCPU_HW_ACCESS,                  /* data reads and writes (x86 has no read-only) */
};
struct vcpu_hw_break {
    enum vcpu_hw_break_kind kind;
    uint64_t addr;                   /* linear; aligned to len for data */
    unsigned len;                    /* 1, 2, 4 or 8 bytes for data */
};
#define VCPU_DEBUG_ENABLE      BIT(0)   /* debugging on: #BP exits, to vm->debug_ops */
#define VCPU_DEBUG_SINGLESTEP  BIT(1)   /* one instruction, then a VCPU_STOP_STEP; the
                                           step then ends by itself (see below) */
/* The exceptions `exceptions` may catch: #DE, #UD, #GP. */
#define VCPU_DEBUG_CATCHABLE   (BIT(0) | BIT(6) | BIT(13))
struct vcpu_debug {
    uint32_t control;                /* VCPU_DEBUG_*; without ENABLE all is off */
    uint32_t exceptions;             /* bit n: the guest's exception n stops it */
    struct vcpu_hw_break hw[VCPU_DEBUG_HW_SLOTS];
};

/* Why a debugged vCPU stopped, as reported to vm->debug_ops->stop. */
enum vcpu_stop_kind {
    VCPU_STOP_BREAKPOINT,            /* a #BP (INT3) at `addr` */
    VCPU_STOP_STEP,                  /* the single step is done */
    VCPU_STOP_HW,                    /* hardware breakpoint `slot` hit */
    VCPU_STOP_EXCEPTION,             /* caught exception `vector` (error code) */
};
struct vcpu_stop {
    enum vcpu_stop_kind kind;
    uint64_t addr;                   /* BREAKPOINT: RIP, at the INT3 */
    unsigned slot;                   /* HW */
    unsigned vector;                 /* EXCEPTION */
    bool has_error_code;
    uint32_t error_code;
};
/* Registered by the debugger above this API (vm->debug_ops). `stop` runs in
 * the exit handler, so it may only record the stop and set vm->gdb_stopped:
 * true holds the vCPU (vcpu_run returns); false declines it: a #BP or
 * exception then goes to the guest as if nobody watched, a step or
 * hardware break is dropped and the guest runs on. */
struct vm_debug_ops {
    bool (*stop)(struct vcpu *v, const struct vcpu_stop *why);
};

/* What vmx/guest_debug.c keeps per vCPU: the debug setting, and what of the
 * guest's own it borrowed for it. */
struct vcpu_debug_state {
    struct vcpu_debug set;           /* as last given to vcpu_set_guest_debug */
    bool step_tf;                    /* stepping by RFLAGS.TF (no monitor trap flag) */
    bool tf_saved;                   /* ... the guest's own TF */
    uint64_t guest_dr[VCPU_DEBUG_HW_SLOTS], guest_dr7;   /* while hw[] is in use */
};

struct vcpu {
    struct vcpu_regs regs;           /* first: vmx_entry.S gets its address */
    struct vm *vm;
    unsigned id;
    hpa_t vmcs_pa;
    bool launched;
    uint16_t vpid;
    /* Shadowed control registers: what the guest believes it wrote. */
    uint64_t cr0_shadow, cr4_shadow;
    uint64_t xcr0;
    /* Guest MSRs that the VMCS does not hold; loaded on a vCPU switch. */
    uint64_t msr_kernel_gs_base, msr_star, msr_lstar, msr_cstar, msr_fmask, msr_tsc_aux;
    uint64_t msr_pat, msr_misc_enable;
    uint64_t dr[4], dr6;             /* debug registers the VMCS does not hold */
    void *fpu_area;                  /* XSAVE / FXSAVE image (vcpu.c sizes it) */
    /* Interrupt delivery state (vmx/interrupts.c). */
    uint8_t work;                    /* VCPU_WORK_*: checked once per exit */
    uint64_t last_exit_tsc;          /* TSC at the last exit (or the slice's start) */
    uint64_t *charge_to;             /* its cycles counter: the last exit's reason's */
    bool window_exiting;             /* interrupt-window exiting is on */
    bool nmi_window_exiting;         /* NMI-window exiting is on */
    bool nmi_soft_blocked;           /* no virtual NMIs: an injected NMI's
                                        handler may still run */
    uint64_t cr2;                    /* saved while another vCPU runs */
    uint64_t slice_deadline;         /* TSC time at which this slice ends */
    uint64_t wake_tsc;               /* what the slice timer is armed for: the slice's
                                        end or the VM's next device event */
    uint64_t timers_tsc;             /* when the VM's device timers last ran */
    /* APIC virtualization (vmx/apicv.c); vapic NULL when it is off. */
    uint32_t *vapic;                 /* the virtual-APIC page */
    bool apicv_active;               /* the xAPIC page is virtualized now */
    uint8_t tpr_threshold;           /* as written to the VMCS */
    bool vid;                        /* virtual-interrupt delivery on now */
    bool page_stale;                 /* the guest ran since the vLAPIC took the page */
    uint32_t eoi_exit[8];            /* EOI-exit bitmap as written to the VMCS */
    /* The vCPU's local APIC (a model, drivers/virt/vlapic.c): per CPU, as on
     * hardware. Users outside vmx/ reach it through vcpu_lapic(). */
    struct vlapic lapic;
    struct exit_trace trace;         /* the monitor's exit trace (vmx/trace.h) */
    struct vcpu_debug_state debug;   /* guest debugging (vmx/guest_debug.c) */
};

/*
 * What the board (the virtual PC above this API, vmm/board.c) provides to
 * a running vCPU. The vCPU's own local APIC is the vCPU's; everything else
 * reaches it through these two calls, so vmx/ never calls the board.
 */
struct vm_board_ops {
    /* The interrupt the board's 8259 PIC presents on LINT0 (ExtINT): with
     * ack the INTA cycle, returning the vector; without ack any value >= 0
     * means "one is waiting". -1: none. */
    int (*extint)(struct vm *vm, bool ack);
    /* Run the board's device timers that are due (the vCPU's local APIC
     * timer too) and set vm->dev_next_tsc and vm->next_event_tsc. */
    void (*update_timers)(struct vm *vm);
};

struct vm {
    char name[VM_NAME_MAX];
    unsigned index;
    enum vm_state state;
    enum vm_end end;
    uint64_t exit_status;
    char end_detail[160];

    struct guest_mem mem;
    struct ept ept;
    hpa_t ept_spare[VM_EPT_SPARE_MAX];  /* table pages taken for the RAM's first touch */
    unsigned ept_spare_n;
    uint64_t eptp;
    bool cr3_exiting;

    struct vcpu vcpu;                /* one vCPU per guest for now */
    struct io_bus bus;
    hpa_t io_bitmap_pa;              /* two pages: ports 0-0x7FFF, 0x8000-0xFFFF */
    hpa_t msr_bitmap_pa;

    const struct vm_board_ops *board_ops;   /* set by board_attach */
    const struct vm_debug_ops *debug_ops;   /* set by a debugger (vmm/gdbstub.c) */
    /* Devices every guest gets (vmm/board.c). */
    struct vconsole console;         /* COM1, hypercalls, testdev */
    struct vconsole debugcon;        /* port 0xE9: its own line buffer */
    struct vuart16550 com1;
    struct testdev testdev;
    struct vclock clock;             /* ns since the VM was created */
    uint64_t tsc_base;               /* host TSC at creation */
    struct vpic8259 pic;
    struct vpit8254 pit;
    struct vrtc rtc;
    struct vioapic ioapic;
    struct vi8042 kbc;               /* i8042, port 0x92, 0xCF9, port 0x80 */
    struct vfwcfg fwcfg;
    struct vacpi_pm pm;
    uint64_t next_event_tsc;         /* TSC of the next device timer event:
                                        MIN(dev_next_tsc, the LAPIC's TSC deadline) */
    uint64_t dev_next_tsc;           /* ... of the board's timers (PIT, RTC, the
                                        LAPIC's one-shot/periodic modes), set by
                                        update_timers */
    uint64_t pit_next_ns, rtc_next_ns;   /* their next events (vmm/board.c) */
    uint8_t timers_dirty;            /* BOARD_TIMER_*: touched since last looked at */
    enum vm_state paused_from;       /* state to return to on resume */
    bool gdb_stopped;                /* held by the debugger: not scheduled (vmm/gdbstub.h) */
    uint8_t input[256];              /* console input waiting for the UART */
    unsigned input_head, input_len;

    /* Statistics. */
    struct exit_stat exits[EXIT_STATS_MAX];
    struct exit_stat ram_faults;     /* EPT violations that mapped a chunk of RAM at its
                                        first touch (not in exits[]) */
    uint64_t cr3_writes;
    uint64_t cr3_values[VM_CR3_DISTINCT];
    unsigned cr3_distinct;
    bool cr3_distinct_overflow;
    uint64_t tsc_guest;              /* TSC cycles in the guest (entry to exit) */
    uint64_t slices, switches;       /* slices run; of them, after another vCPU's */
    uint64_t host_tsc[VM_HOST_MAX];  /* TSC cycles of host work for it, by activity */
    uint64_t irqs_injected;
    uint64_t hypercalls_refused;     /* VMCALLs from CPL > 0 (HC_EPERM) */
    uint64_t nmis_injected;
    uint8_t unknown_port_logged[65536 / 8];
    uint64_t unbacked_accesses;      /* data accesses to unbacked addresses */
    uint64_t unbacked_pages[VM_UNBACKED_LOG_MAX];   /* pages logged so far */
    unsigned unbacked_logged;
    bool unbacked_log_full;          /* the cap was hit (said once) */
};

/* A device timer of vm was reprogrammed: recompute its next event. */
static inline void vm_timers_changed(struct vm *vm)
{
    vm->vcpu.work |= VCPU_WORK_TIMERS;
}

/* The LAPIC's TSC deadline changed (vlapic_tsc_next): no board pass, only
 * the VM's next event (the vCPU re-arms its slice timer, vmx/slice_timer.h). */
static inline void vm_lapic_deadline_changed(struct vm *vm)
{
    vm->next_event_tsc = MIN(vm->dev_next_tsc, vlapic_tsc_next(&vm->vcpu.lapic));
}

#define BOARD_TIMER_PIT BIT(0)
#define BOARD_TIMER_RTC BIT(1)

/* Note that an interrupt may have become pending for vm (from a device). */
static inline void vm_kick(struct vm *vm)
{
    vm->vcpu.work |= VCPU_WORK_IRQ;
    if (vm->state == VM_HALTED)
        vm->state = VM_RUNNABLE;    /* a sleeping vCPU wakes to look */
}

/* The vCPU's local APIC, current: with APIC virtualization the guest
 * changes IRR, ISR and TPR in the virtual-APIC page without exits, and
 * this takes them into the model first (vmx/vcpu_lapic.c). Every use of the
 * model goes through here, or checks v->page_stale and calls
 * vcpu_lapic_take_page itself where a call costs too much. */
struct vlapic *vcpu_lapic(struct vcpu *v);
void vcpu_lapic_take_page(struct vcpu *v);
/* ---- Creating a VM (vmx/vm.c): the VM, its RAM, its vCPU ---- */
struct vm_config {
    const char *name;
    uint64_t mem_size;           /* RAM the builder maps (vmm/vm_build.c) */
    bool cr3_exiting;
    unsigned index;              /* among the VMs made so far (gives the VPID) */
};
/* A VM with no RAM, no vCPU and no devices: the EPT root and the I/O and
 * MSR bitmaps. NULL with the reason in err when memory runs out. */
struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen);
/* Back `size` bytes of guest-physical memory at gpa with zeroed host RAM
 * (EPT read/write/execute, entered in the EPT at the guest's first touch of
 * each 2 MiB chunk). Guest RAM is one range from 0: gpa must be where it
 * ends now. 0, or -HV_EINVAL / -HV_ENOMEM with the reason. */
int vm_map_memory(struct vm *vm, gpa_t gpa, uint64_t size, char *err, size_t errlen);
/* The VM's vCPU `id` (one per VM for now: id 0), registers at power-up:
 * its VMCS, FPU state and virtual-APIC page. NULL with the reason. */
struct vcpu *vcpu_create(struct vm *vm, unsigned id, char *err, size_t errlen);
/* Free everything of vm, and vm itself. For a VM that has not run yet
 * (one the builder gave up on). */
void vm_destroy(struct vm *vm);

/* A VM's own device timers run inside its slices (vcpu_run), but no more
 * often than every `cycles` TSC cycles: a guest that sets a timer chip to
 * fire every microsecond gets its interrupts coalesced instead of spending
 * every cycle in the hypervisor (vmx/vcpu.c). */
void vcpu_set_timer_gap(uint64_t cycles);
/* Run v until `deadline` (TSC time), or sooner when it halts, yields or
 * stops (vm->state says which) (vmx/vcpu.c). */
void vcpu_run(struct vcpu *v, uint64_t deadline);
/* Whether an interrupt or NMI waits for v, to be injected or delivered by
 * the CPU (a HLT does not sleep then) (vmx/interrupts.c). */
bool vcpu_interrupt_pending(struct vcpu *v);

/* ---- Inspection: the monitor, the summary, tests (implemented in vmx/) ---- */
/* The name of exit reason r, the index of vm->exits (vmx/exit.c). */
const char *exit_reason_name(unsigned basic_reason);
/* Check v's guest, host and control state against the SDM's VM-entry
 * checks; report each broken rule. Returns how many (vmx/vmcheck_vmcs.c). */
unsigned vcpu_check_state(struct vcpu *v, void (*report)(void *ctx, const char *line), void *ctx);
/* For the integration tests (module option selftest=): break one rule in
 * v's VMCS before its first entry: "badguest" (CS type), "badhost" (host TR
 * selector 0), "badctl" (a reserved VM-entry control), "badmsr" (IA32_FS_BASE
 * in the VM-entry MSR-load area). False if `what` is none of these. */
bool vmcheck_selftest(struct vcpu *v, const char *what);

/* Stop `vm` with how it ended and a detail line (printed once). */
void vm_stop(struct vm *vm, enum vm_end end, uint64_t status, const char *fmt, ...)
    __printf(4, 5);
const char *vm_end_name(enum vm_end end);

/* What the host spent on vm: its exits (with their cycles, from each exit
 * to the next entry) and the named activities of vm->host_tsc. */
struct vm_host_work {
    uint64_t exits, exit_cycles;
    uint64_t total;                  /* exit_cycles + every host_tsc[] */
};
void vm_host_work(const struct vm *vm, struct vm_host_work *w);
/* "host work for it: N TSC cycles: exits ..., starting slices ..., ...". */
void vm_format_host_work(const struct vm *vm, char *buf, size_t len);

/* ==== vCPU registers: get and set (issue 11; in the spirit of KVM's
 * KVM_GET/SET_REGS, KVM_GET/SET_SREGS and KVM_GET/SET_MSRS). Loaders
 * produce a struct vcpu_state; vmx/vcpu_state.c moves it in and out of the
 * VMCS. Call these between slices: CR2 and the MSRs switched with the vCPU
 * (KERNEL_GS_BASE, STAR, LSTAR, CSTAR, FMASK, TSC_AUX) are read from and
 * written to struct vcpu, where the last slice left them. ==== */

/* The register types (struct vcpu_state, enum vcpu_gpr) are in <hv/vcpu_state.h>,
 * where the loaders see them. */

/* The architectural power-up state (SDM Vol. 3A, "Initialization Overview",
 * the register table after power-up): real mode at F000:FFF0. */
void vcpu_state_reset(struct vcpu_state *st);

/* Read v's registers. 0. */
int vcpu_get_state(struct vcpu *v, struct vcpu_state *st);
/* Give v these registers. A state the VM-entry checks would refuse (SDM
 * Vol. 3C, "Checks on the Guest State Area"), CR4 bits the guest may not
 * set, or PAE paging with unreadable PDPTEs is refused with -HV_EINVAL and
 * each broken rule logged as "guest NAME: registers: ..."; v is unchanged. */
int vcpu_set_state(struct vcpu *v, const struct vcpu_state *st) __must_check;
/* The MSRs a vCPU keeps (in the VMCS or struct vcpu): EFER, PAT, FS/GS
 * base, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, FMASK, TSC_AUX (where RDTSCP
 * is offered), SYSENTER_CS/ESP/EIP, DEBUGCTL, and MISC_ENABLE (read only
 * here: a write must repeat its value). -HV_ENOENT for another MSR,
 * -HV_EINVAL for a value the MSR does not take (EFER and the VMCS-held
 * ones through the entry checks, as vcpu_set_state). */
int vcpu_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val) __must_check;
int vcpu_set_msr(struct vcpu *v, uint32_t msr, uint64_t val) __must_check;

/* ==== end of the vCPU register API ==== */

/* ==== Guest memory and debugging (in the spirit of KVM_TRANSLATE,
 * KVM_SET_GUEST_DEBUG and KVM_SET_VCPU_EVENTS). Between slices, like the
 * register API. ==== */

/* The guest-physical address of guest-virtual (linear) gva, through v's
 * own page tables as its CR0, CR3, CR4 and EFER have them now (paging off,
 * 32-bit, PAE, 4- and 5-level; no access rights checked). 0, or -HV_EFAULT
 * when it is not mapped (vmx/guest_access.c). */
int vcpu_translate(struct vcpu *v, gva_t gva, gpa_t *gpa) __must_check;
/*
 * Debug v as d says (vmx/guest_debug.c): VCPU_DEBUG_ENABLE makes the
 * guest's #BP exits reach vm->debug_ops (an INT3 the debugger wrote, or
 * the guest's own); SINGLESTEP runs one instruction by the monitor trap flag,
 * or by RFLAGS.TF where the CPU has none (the guest's own TF comes back when
 * the step is over); `exceptions` (of VCPU_DEBUG_CATCHABLE) stop the guest
 * at those exceptions; hw[] puts breakpoints and watchpoints in the guest's
 * DR0-DR3 and DR7, whose own values come back when no slot is used any
 * more. A step is one-shot: the stop that ends it clears SINGLESTEP in
 * v->debug.set. A control of 0 undoes everything. -HV_EINVAL (v unchanged)
 * for an unknown control bit, an exception outside VCPU_DEBUG_CATCHABLE,
 * or a data breakpoint of another length or not aligned to it.
 */
int vcpu_set_guest_debug(struct vcpu *v, const struct vcpu_debug *d);
/* How this CPU single-steps a guest, for messages: "the monitor trap flag"
 * or "RFLAGS.TF". */
const char *vcpu_debug_step_method(void);
/* Deliver hardware exception `vector` (with its error code if it has one)
 * to v at its next VM entry (vmx/exit.c). */
void vcpu_queue_exception(struct vcpu *v, unsigned vector, bool has_error_code,
                          uint32_t error_code);

#endif
