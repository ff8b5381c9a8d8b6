/* See vmx/interrupts.h. */
#include "vmx/interrupts.h"
#include "vmx/exit.h"
#include "vmx/platform.h"
#include "boot/msr.h"

void vcpu_reinject_vectoring(struct vcpu *v, uint32_t info)
{
    uint32_t type = info & INTR_TYPE_MASK;
    vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, info & ~(uint32_t)BIT(12));  /* bit 12 is undefined here */
    if (info & INTR_INFO_DELIVER_ERROR_CODE)
        vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
    if (type == INTR_TYPE_SOFT_INTERRUPT || type == INTR_TYPE_SOFT_EXCEPTION ||
        type == INTR_TYPE_PRIV_SW_EXCEPTION)
        vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    /* an external interrupt we had injected is pending again, not lost */
    v->work |= VCPU_WORK_IRQ;
}

static void set_window_exiting(struct vcpu *v, bool on)
{
    if (v->window_exiting == on)
        return;
    uint64_t proc = vmread(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_INTERRUPT_WINDOW_EXITING
              : proc & ~(uint64_t)PROC_CTL_INTERRUPT_WINDOW_EXITING;
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
    v->window_exiting = on;
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (platform_pending_vector(vm, false) < 0) {
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
        set_window_exiting(v, false);
        return;
    }
    /* An exception from the handler or a re-injected event goes first. */
    bool event_queued = vmread(VMCS_VM_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID;
    bool can_inject = !event_queued &&
                      (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
                      !(vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) &
                        (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    if (!can_inject) {
        set_window_exiting(v, true);          /* try again when the guest can take it */
        return;
    }
    int vector = platform_pending_vector(vm, true);   /* the INTA cycle */
    if (vector >= 0) {
        vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (uint32_t)vector);
        vm->irqs_injected++;
    }
    /* More may be pending behind this one: look again at the next exit. */
    bool more = platform_pending_vector(vm, false) >= 0;
    if (!more)
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
    set_window_exiting(v, more);
}
