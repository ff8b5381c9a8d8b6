/* See vmx/interrupts.h. */
#include "vmx/interrupts.h"
#include "vmx/exit.h"
#include "vmx/platform.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"

#define NMI_VECTOR  2u

void vcpu_reinject_vectoring(struct vcpu *v, uint32_t info)
{
    uint32_t type = info & INTR_TYPE_MASK;
    vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, info & ~(uint32_t)BIT(12));  /* bit 12 is undefined here */
    if (info & INTR_INFO_DELIVER_ERROR_CODE)
        vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
    if (type == INTR_TYPE_SOFT_INTERRUPT || type == INTR_TYPE_SOFT_EXCEPTION ||
        type == INTR_TYPE_PRIV_SW_EXCEPTION)
        vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    if (type == INTR_TYPE_NMI) {
        /* The NMI was not delivered, so the guest does not block NMIs yet;
         * with virtual NMIs an NMI may only be injected with blocking by NMI
         * clear (SDM "Checks on Guest Non-Register State"). Delivering it
         * sets the blocking again. */
        uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);
        if (intr & INTERRUPTIBILITY_NMI)
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
    }
    /* an external interrupt we had injected is pending again, not lost */
    v->work |= VCPU_WORK_IRQ;
}

void vcpu_nmi_unblocked_by_iret(struct vcpu *v)
{
    (void)v;
    /* SDM "Exit Qualification for EPT Violations" bit 12 and "Information
     * for VM Exits Due to Vectored Events" bit 12: the faulting instruction
     * was an IRET that had already cleared virtual-NMI blocking. It is
     * executed again (this hypervisor never emulates an IRET: its MMIO
     * emulator does not know it), so the blocking must be set again, or an
     * NMI could be delivered before the IRET that ends its predecessor's
     * handler ("Resuming Guest Software after Handling an Exception"). */
    if (!vmx_ctls.virtual_nmis)
        return;
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    if (!(intr & INTERRUPTIBILITY_NMI))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr | INTERRUPTIBILITY_NMI);
}

const char *vcpu_nmi_describe(void)
{
    if (vmx_ctls.nmi_window)
        return "virtual NMIs with NMI-window exiting";
    if (vmx_ctls.virtual_nmis)
        return "virtual NMIs without NMI-window exiting (interrupt windows instead)";
    return "no virtual NMIs (an NMI handler is taken to end when the guest is next "
           "interruptible)";
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

static void set_nmi_window_exiting(struct vcpu *v, bool on)
{
    if (v->nmi_window_exiting == on)
        return;
    uint64_t proc = vmread(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_NMI_WINDOW_EXITING
              : proc & ~(uint64_t)PROC_CTL_NMI_WINDOW_EXITING;
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
    v->nmi_window_exiting = on;
}

/*
 * A pending NMI: inject it if the guest can take one now, else ask for the
 * exit at which it can. Returns true if it needs the interrupt window.
 *
 * SDM "Event Injection" / "Checks on Guest Non-Register State": an NMI is
 * not injected with blocking by MOV SS, nor (with virtual NMIs) with
 * blocking by NMI; some CPUs also refuse it with blocking by STI, so that
 * waits too. With virtual NMIs the CPU sets blocking by NMI when it
 * delivers one and IRET clears it; NMI-window exiting then exits as soon
 * as neither NMI nor MOV-SS blocking is left. With STI blocking alone the
 * interrupt window is the earlier exit (STI sets IF).
 *
 * Without virtual NMIs the CPU does not track the guest's NMI blocking
 * (IRET does not clear it while "NMI exiting" is 1) and there is no NMI
 * window: the hypervisor assumes the handler ran while the guest is next
 * interruptible (IF=1, no STI/MOV-SS blocking: NMI handlers run with IF=0
 * through an interrupt gate and end with IRET), found with interrupt-window
 * exits. A handler that sets IF itself may get the next NMI early.
 */
static bool deliver_nmi(struct vcpu *v, bool *event_queued, uint64_t rflags, uint64_t intr)
{
    struct vm *vm = v->vm;
    bool vnmi = vmx_ctls.virtual_nmis;
    bool interruptible = (rflags & RFLAGS_IF) &&
                         !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));

    if (!vnmi && v->nmi_soft_blocked && interruptible)
        v->nmi_soft_blocked = false;
    bool blocked = (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
                   (vnmi ? (intr & INTERRUPTIBILITY_NMI) : v->nmi_soft_blocked);
    if (*event_queued || blocked) {
        bool only_sti = (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS |
                                 INTERRUPTIBILITY_NMI)) == INTERRUPTIBILITY_STI;
        if (vmx_ctls.nmi_window && !only_sti) {
            set_nmi_window_exiting(v, true);
            return false;
        }
        return true;
    }
    platform_take_nmi(vm);
    if (!vnmi) {
        /* The blocking bit is the CPU's own NMI blocking then, meaningless
         * for an injected NMI; keep it clear for the entry. */
        if (intr & INTERRUPTIBILITY_NMI)
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
        v->nmi_soft_blocked = true;
    }
    vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | NMI_VECTOR);
    vm->nmis_injected++;
    *event_queued = true;
    return false;
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool nmi = platform_nmi_pending(vm);
    if (!nmi && platform_pending_vector(vm, false) < 0) {
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
        set_window_exiting(v, false);
        set_nmi_window_exiting(v, false);
        return;
    }
    /* An exception from the handler or a re-injected event goes first. */
    bool event_queued = vmread(VMCS_VM_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID;
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    bool irq_window = false;

    /* NMIs before external interrupts (SDM "Priority Among Concurrent
     * Events"). */
    if (nmi) {
        irq_window = deliver_nmi(v, &event_queued, rflags, intr);
        nmi = platform_nmi_pending(vm);
    }
    if (!nmi)
        set_nmi_window_exiting(v, false);

    bool can_inject = !event_queued && (rflags & RFLAGS_IF) &&
                      !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    if (can_inject) {
        int vector = platform_pending_vector(vm, true);   /* the INTA cycle */
        if (vector >= 0) {
            vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO,
                    INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (uint32_t)vector);
            vm->irqs_injected++;
        }
    }
    /* More may be pending behind this one: look again at the next exit
     * (try again when the guest can take it). */
    bool more = platform_pending_vector(vm, false) >= 0;
    if (!more && !nmi)
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
    set_window_exiting(v, more || irq_window);
}
