/*
 * Virtual machines and vCPUs: the seam between the VT-x mechanics (vmx/)
 * and everything that only needs "a guest": device models, loaders, the
 * console. Nothing here mentions the VMCS.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <hv/types.h>
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
#define VM_UNBACKED_LOG_MAX 16   /* unbacked pages logged per guest */
#define EXIT_STATS_MAX   EXIT_REASON_MAX   /* one slot per basic exit reason */

/* GPRs in x86 encoding order (the same order as the instruction emulator). */
enum vcpu_gpr {
    GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
    GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

/* Saved by vmx/vmx_entry.S on every exit. gpr[GPR_RSP] is unused: RSP lives
 * in the VMCS. The offsets are fixed: vmx_entry.S uses them. */
struct vcpu_regs {
    uint64_t gpr[16];
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

/* Exits of one reason. Handling time is measured on one exit in
 * EXIT_SAMPLE_EVERY of each vCPU (the first one included), to keep RDTSC
 * off the hot path. 32 bytes, so indexing is a shift. */
#define EXIT_SAMPLE_EVERY 16
struct exit_stat {
    uint64_t count;
    uint64_t cycles;         /* TSC cycles in dispatch + handler, sampled exits only */
    uint64_t samples;
    uint64_t reserved;
};

static inline uint64_t exit_stat_avg_cycles(const struct exit_stat *st)
{
    return st->samples ? st->cycles / st->samples : 0;
}

struct vm;

/* Work for the exit path beyond the handler; all zero on the fast path. */
#define VCPU_WORK_IRQ       BIT(0)   /* an interrupt may be pending: look before entry */
#define VCPU_WORK_TIMERS    BIT(1)   /* a device timer was reprogrammed */
#define VCPU_WORK_DEADLINE  BIT(2)   /* check the slice's end at each exit (no saved
                                        preemption timer on this CPU) */
#define VCPU_WORK_APICV     BIT(3)   /* the vLAPIC took the virtual-APIC page: give
                                        it back before entry (vmx/apicv.c) */
#define VCPU_WORK_TRACE     BIT(4)   /* exits are traced (vmx/trace.h) */

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
    uint32_t sample_countdown;       /* exits until the next timed one */
    bool window_exiting;             /* interrupt-window exiting is on */
    bool nmi_window_exiting;         /* NMI-window exiting is on */
    bool nmi_soft_blocked;           /* no virtual NMIs: an injected NMI's
                                        handler may still run */
    uint64_t cr2;                    /* saved while another vCPU runs */
    uint64_t slice_deadline;         /* TSC time at which this slice ends */
    /* APIC virtualization (vmx/apicv.c); vapic NULL when it is off. */
    uint32_t *vapic;                 /* the virtual-APIC page */
    bool apicv_active;               /* the xAPIC page is virtualized now */
    uint8_t tpr_threshold;           /* as written to the VMCS */
    bool vid;                        /* virtual-interrupt delivery on now */
    bool page_stale;                 /* the guest ran since the vLAPIC took the page */
    uint32_t eoi_exit[8];            /* EOI-exit bitmap as written to the VMCS */
    struct exit_trace trace;         /* the monitor's exit trace (vmx/trace.h) */
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
    uint64_t eptp;
    bool cr3_exiting;

    struct vcpu vcpu;                /* one vCPU per guest for now */
    struct io_bus bus;
    hpa_t io_bitmap_pa;              /* two pages: ports 0-0x7FFF, 0x8000-0xFFFF */
    hpa_t msr_bitmap_pa;

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
    struct vlapic lapic;             /* of the one vCPU */
    struct vioapic ioapic;
    struct vi8042 kbc;               /* i8042, port 0x92, 0xCF9, port 0x80 */
    struct vfwcfg fwcfg;
    struct vacpi_pm pm;
    uint64_t next_event_tsc;         /* TSC of the next device timer event */
    enum vm_state paused_from;       /* state to return to on resume */
    bool gdb_stopped;                /* held by the debugger: not scheduled (vmx/gdbstub.h) */
    uint8_t input[256];              /* console input waiting for the UART */
    unsigned input_head, input_len;

    /* Statistics. */
    struct exit_stat exits[EXIT_STATS_MAX];
    uint64_t cr3_writes;
    uint64_t cr3_values[VM_CR3_DISTINCT];
    unsigned cr3_distinct;
    bool cr3_distinct_overflow;
    uint64_t tsc_used;               /* TSC cycles this guest ran, in total */
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

/* Stop `vm` with how it ended and a detail line (printed once). */
void vm_stop(struct vm *vm, enum vm_end end, uint64_t status, const char *fmt, ...)
    __printf(4, 5);
const char *vm_end_name(enum vm_end end);

#endif
