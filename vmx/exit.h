/*
 * VM-exit handling: the dispatch table (vmx/exit.c) and the handlers,
 * grouped by concern in vmx/exit_*.c. A handler returns what the run loop
 * does next.
 */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include "vmm/vm.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmcs_access.h"

enum exit_action {
    EXIT_RESUME,        /* enter the same guest again */
    EXIT_YIELD,         /* let the scheduler pick the next guest */
    EXIT_STOP_VM,       /* the guest has been stopped (vm_stop was called) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* The table, indexed by basic exit reason (vmx/exit.c); every entry is set. */
extern const exit_handler_fn exit_handlers[EXIT_REASON_MAX];
/* Bit r set: exit reason r can happen while an event is being delivered
 * through the IDT, so the IDT-vectoring information must be looked at.
 * Exits caused by executing an instruction never can (SDM Vol. 3C,
 * "Information for VM Exits During Event Delivery"). */
extern const uint64_t exit_during_delivery;
enum exit_action exit_stop_unhandled(struct vcpu *v, unsigned reason);

/* Run one exit through the table. `basic` is the basic exit reason. */
static inline enum exit_action exit_dispatch(struct vcpu *v, unsigned basic)
{
    return likely(basic < EXIT_REASON_MAX) ? exit_handlers[basic](v) : exit_stop_unhandled(v, basic);
}

/* The single-step trap of an instruction the hypervisor completed for a
 * guest running with RFLAGS.TF (vmx/exit.c). */
void vcpu_single_step_trap(void);

/* Advance the guest's RIP past the instruction that exited. Blocking by
 * STI/MOV SS is left as saved: it only delays an injection by one
 * instruction (vmx/interrupts.c checks it), and keeps this path short.
 * With RFLAGS.TF the guest is single-stepping: the instruction completed,
 * so its #DB trap is due (vcpu_single_step_trap). */
static inline void vcpu_skip_instruction(void)
{
    vmcs_writenat(VMCS_GUEST_RIP, vmcs_readnat(VMCS_GUEST_RIP) + vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN));
    if (unlikely(vmcs_readnat(VMCS_GUEST_RFLAGS) & BIT(8)))     /* RFLAGS.TF */
        vcpu_single_step_trap();
}

/* Queue a hardware exception for the next VM entry (SDM Vol. 3C, "Event Injection"). */
void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error_code,
                           uint32_t error_code);
#define VECTOR_UD 6
#define VECTOR_GP 13
static inline void vcpu_inject_ud(struct vcpu *v) { vcpu_inject_exception(v, VECTOR_UD, false, 0); }
static inline void vcpu_inject_gp(struct vcpu *v) { vcpu_inject_exception(v, VECTOR_GP, true, 0); }


/* Handlers (one per basic exit reason they serve). */
enum exit_action exit_exception_nmi(struct vcpu *v);
enum exit_action exit_external_interrupt(struct vcpu *v);
/* Host handlers for the LAPIC slice timer and spurious vectors. */
void exit_irq_host_init(void);
enum exit_action exit_triple_fault(struct vcpu *v);
enum exit_action exit_interrupt_window(struct vcpu *v);
enum exit_action exit_nmi_window(struct vcpu *v);
enum exit_action exit_cpuid(struct vcpu *v);
enum exit_action exit_hlt(struct vcpu *v);
enum exit_action exit_invd(struct vcpu *v);
enum exit_action exit_vmcall(struct vcpu *v);
enum exit_action exit_vmx_instruction(struct vcpu *v);
enum exit_action exit_cr_access(struct vcpu *v);
enum exit_action exit_io_instruction(struct vcpu *v);
enum exit_action exit_rdmsr(struct vcpu *v);
enum exit_action exit_wrmsr(struct vcpu *v);
enum exit_action exit_invalid_guest_state(struct vcpu *v);
enum exit_action exit_msr_loading(struct vcpu *v);
enum exit_action exit_ud_instruction(struct vcpu *v);
enum exit_action exit_gp_instruction(struct vcpu *v);
enum exit_action exit_ept_violation(struct vcpu *v);
enum exit_action exit_ept_misconfig(struct vcpu *v);
/* Map the 2 MiB chunk of guest RAM holding gpa (below vm->mem.size) into
 * the VM's EPT, read/write/execute: 0, or -HV_ENOMEM without table pages. */
int ept_map_guest_ram(struct vm *vm, gpa_t gpa);
enum exit_action exit_preemption_timer(struct vcpu *v);
enum exit_action exit_xsetbv(struct vcpu *v);
enum exit_action exit_apic_access(struct vcpu *v);
enum exit_action exit_apic_write(struct vcpu *v);
enum exit_action exit_tpr_below_threshold(struct vcpu *v);
enum exit_action exit_virtualized_eoi(struct vcpu *v);
/* Guest debugging's exits (vmx/guest_debug.c), reported to vm->debug_ops. */
enum exit_action exit_monitor_trap_flag(struct vcpu *v);
/* Of exit_exception_nmi, with the exit's interruption information: a #BP
 * (on while debugging), a #DB (on for hardware breakpoints and TF steps),
 * a caught exception (VCPU_DEBUG_CATCHABLE). */
enum exit_action exit_debug_breakpoint(struct vcpu *v, uint32_t info);
enum exit_action exit_debug_db(struct vcpu *v);
enum exit_action exit_debug_exception(struct vcpu *v, uint32_t info);


/* Emulate the instruction that touched device memory at gpa (vmx/exit_ept.c).
 * gla: its linear address, when the CPU reported it, saves a page walk. */
enum exit_action exit_emulate_mmio(struct vcpu *v, gpa_t gpa, bool gla_valid, gva_t gla);

#endif
