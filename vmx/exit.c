/*
 * The VM-exit dispatcher: a table indexed by basic exit reason (SDM Vol. 3D,
 * Appendix C). Reasons without a handler stop the guest with a report; the
 * hypervisor and the other guests go on.
 */
#include "vmx/exit.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include <hv/log.h>

/* Reasons without a handler of their own stop the guest with a report. */
static enum exit_action exit_unhandled(struct vcpu *v)
{
    return exit_stop_unhandled(v, vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK);
}

/* A range default, then the handled reasons: GCC's documented idiom, whose
 * intended overrides -Woverride-init would flag. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const exit_handler_fn exit_handlers[EXIT_REASON_MAX] = {
    [0 ... EXIT_REASON_MAX - 1]       = exit_unhandled,
    [EXIT_REASON_EXCEPTION_NMI]       = exit_exception_nmi,
    [EXIT_REASON_EXTERNAL_INTERRUPT]  = exit_external_interrupt,
    [EXIT_REASON_TRIPLE_FAULT]        = exit_triple_fault,
    [EXIT_REASON_INTERRUPT_WINDOW]    = exit_interrupt_window,
    [EXIT_REASON_NMI_WINDOW]          = exit_nmi_window,
    [EXIT_REASON_CPUID]               = exit_cpuid,
    [EXIT_REASON_GETSEC]              = exit_ud_instruction,
    [EXIT_REASON_HLT]                 = exit_hlt,
    [EXIT_REASON_INVD]                = exit_invd,
    [EXIT_REASON_RDPMC]               = exit_gp_instruction,
    [EXIT_REASON_VMCALL]              = exit_vmcall,
    [EXIT_REASON_VMCLEAR]             = exit_vmx_instruction,
    [EXIT_REASON_VMLAUNCH]            = exit_vmx_instruction,
    [EXIT_REASON_VMPTRLD]             = exit_vmx_instruction,
    [EXIT_REASON_VMPTRST]             = exit_vmx_instruction,
    [EXIT_REASON_VMREAD]              = exit_vmx_instruction,
    [EXIT_REASON_VMRESUME]            = exit_vmx_instruction,
    [EXIT_REASON_VMWRITE]             = exit_vmx_instruction,
    [EXIT_REASON_VMXOFF]              = exit_vmx_instruction,
    [EXIT_REASON_VMXON]               = exit_vmx_instruction,
    [EXIT_REASON_CR_ACCESS]           = exit_cr_access,
    [EXIT_REASON_IO_INSTRUCTION]      = exit_io_instruction,
    [EXIT_REASON_RDMSR]               = exit_rdmsr,
    [EXIT_REASON_WRMSR]               = exit_wrmsr,
    [EXIT_REASON_INVALID_GUEST_STATE] = exit_invalid_guest_state,
    [EXIT_REASON_MSR_LOADING]         = exit_msr_loading,
    [EXIT_REASON_MWAIT]               = exit_ud_instruction,
    [EXIT_REASON_MONITOR]             = exit_ud_instruction,
    [EXIT_REASON_TPR_BELOW_THRESHOLD] = exit_tpr_below_threshold,
    [EXIT_REASON_APIC_ACCESS]         = exit_apic_access,
    [EXIT_REASON_APIC_WRITE]          = exit_apic_write,
    [EXIT_REASON_VIRTUALIZED_EOI]     = exit_virtualized_eoi,
    [EXIT_REASON_EPT_VIOLATION]       = exit_ept_violation,
    [EXIT_REASON_EPT_MISCONFIG]       = exit_ept_misconfig,
    [EXIT_REASON_INVEPT]              = exit_vmx_instruction,
    [EXIT_REASON_PREEMPTION_TIMER]    = exit_preemption_timer,
    [EXIT_REASON_INVVPID]             = exit_vmx_instruction,
    [EXIT_REASON_WBINVD]              = exit_invd,
    [EXIT_REASON_XSETBV]              = exit_xsetbv,
    [EXIT_REASON_MONITOR_TRAP_FLAG]   = exit_monitor_trap_flag,
    [EXIT_REASON_VMFUNC]              = exit_ud_instruction,
};
#pragma GCC diagnostic pop

const uint64_t exit_during_delivery =
    BIT(EXIT_REASON_EXCEPTION_NMI) | BIT(EXIT_REASON_EXTERNAL_INTERRUPT) |
    BIT(EXIT_REASON_TRIPLE_FAULT) | BIT(EXIT_REASON_INIT_SIGNAL) | BIT(EXIT_REASON_SIPI) |
    BIT(EXIT_REASON_IO_SMI) | BIT(EXIT_REASON_OTHER_SMI) | BIT(EXIT_REASON_NMI_WINDOW) |
    BIT(EXIT_REASON_TASK_SWITCH) | BIT(EXIT_REASON_INVALID_GUEST_STATE) |
    BIT(EXIT_REASON_MSR_LOADING) | BIT(EXIT_REASON_MONITOR_TRAP_FLAG) |
    BIT(EXIT_REASON_MACHINE_CHECK) | BIT(EXIT_REASON_APIC_ACCESS) |
    BIT(EXIT_REASON_EPT_VIOLATION) | BIT(EXIT_REASON_EPT_MISCONFIG) |
    BIT(EXIT_REASON_PREEMPTION_TIMER) | BIT(EXIT_REASON_PML_FULL) |
    BIT(EXIT_REASON_INTERRUPT_WINDOW);

/* Stop the guest with a report of the exit (reason, qualification, RIP, registers). */
enum exit_action exit_stop_unhandled(struct vcpu *v, unsigned reason)
{
    const uint64_t *g = v->regs.gpr;
    pr_err("guest %s: unhandled VM exit %u (%s), qualification %#llx, RIP %#llx\n",
           v->vm->name, reason, exit_reason_name(reason),
           (unsigned long long)vmcs_readnat(VMCS_EXIT_QUALIFICATION),
           (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
    pr_err("guest %s:   RAX %#llx RBX %#llx RCX %#llx RDX %#llx RSI %#llx RDI %#llx "
           "RBP %#llx RSP %#llx\n", v->vm->name,
           (unsigned long long)g[GPR_RAX], (unsigned long long)g[GPR_RBX],
           (unsigned long long)g[GPR_RCX], (unsigned long long)g[GPR_RDX],
           (unsigned long long)g[GPR_RSI], (unsigned long long)g[GPR_RDI],
           (unsigned long long)g[GPR_RBP], (unsigned long long)vmcs_readnat(VMCS_GUEST_RSP));
    vm_stop(v->vm, VM_END_UNHANDLED_EXIT, 0, "unhandled VM exit %s", exit_reason_name(reason));
    return EXIT_STOP_VM;
}

#define DEBUGCTL_BTF     BIT(1)      /* TF single-steps branches only */
#define PENDING_DBG_BS   BIT(14)     /* a single-step trap is pending */

/* An instruction the hypervisor emulated or skipped under RFLAGS.TF
 * completed: the CPU would now raise the single-step #DB. VM entry delivers
 * it from the pending debug exceptions' BS bit (SDM Vol. 3C, "Guest
 * Non-Register State"); the instruction's STI/MOV SS blocking ends with it,
 * and VM entry insists that BS match TF while such blocking is set ("Checks
 * on Guest Non-Register State"). Without this the guest's debugger (or a
 * single-stepping guest) missed the trap of every instruction that exits,
 * and a MOV SS before one failed the VM entry. With DEBUGCTL.BTF, TF traps
 * branches only: nothing is due. */
void vcpu_single_step_trap(void)
{
    if (vmread(VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF)
        return;
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE,
                intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
            vmread(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error_code,
                           uint32_t error_code)
{
    (void)v;
    uint32_t info = INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | (vector & INTR_INFO_VECTOR_MASK);
    /* Real mode (unrestricted guest with CR0.PE=0) pushes no error code,
     * and VM entry refuses to deliver one there (SDM Vol. 3C, "Checks on
     * VM-Entry Control Fields", event injection). */
    if (has_error_code && !(vmread(VMCS_GUEST_CR0) & CR0_PE))
        has_error_code = false;
    if (has_error_code) {
        info |= INTR_INFO_DELIVER_ERROR_CODE;
        vmcs_write32(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
    }
    vmcs_write32(VMCS_VM_ENTRY_INTERRUPTION_INFO, info);
}

void vcpu_queue_exception(struct vcpu *v, unsigned vector, bool has_error_code,
                          uint32_t error_code)
{
    vmcs_load(v);
    vcpu_inject_exception(v, vector, has_error_code, error_code);
}

enum exit_action exit_invalid_guest_state(struct vcpu *v)
{
    pr_err("guest %s: VM entry failed: invalid guest state (exit qualification %#llx)\n",
           v->vm->name, (unsigned long long)vmcs_readnat(VMCS_EXIT_QUALIFICATION));
    vmcheck_explain(v);
    vmcs_dump(v);
    vm_stop(v->vm, VM_END_ENTRY_FAILED, 0, "VM entry failed: invalid guest state");
    return EXIT_STOP_VM;
}

/* The exit qualification numbers the failing VM-entry MSR-load entry from 1
 * (SDM Vol. 3C, "VM-Entry Failures During or After Loading Guest State"). */
enum exit_action exit_msr_loading(struct vcpu *v)
{
    unsigned long long entry = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    pr_err("guest %s: VM entry failed: MSR loading, entry %llu\n", v->vm->name, entry);
    vmcheck_explain(v);
    vmcs_dump(v);
    vm_stop(v->vm, VM_END_ENTRY_FAILED, 0, "VM entry failed: MSR loading (entry %llu)", entry);
    return EXIT_STOP_VM;
}

enum exit_action exit_ud_instruction(struct vcpu *v)
{
    (void)v;
    vcpu_inject_ud(v);
    return EXIT_RESUME;
}

enum exit_action exit_gp_instruction(struct vcpu *v)
{
    (void)v;
    vcpu_inject_gp(v);
    return EXIT_RESUME;
}
