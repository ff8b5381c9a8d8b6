/* See vmx/interrupts.h. */
#include "vmx/interrupts.h"
#include "boot/boot_options.h"
#include "vmx/exit.h"
#include "vmx/vcpu_lapic.h"
#include "vmx/vmcs.h"
#include "vmx/nmi_rules.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/cmdline.h>
#include <hv/log.h>
#include <hv/string.h>
#include "hv/lab.h"

#define PENDING_DBG_BS  BIT(14)      /* pending debug exceptions: single step */
#define DR6_BS          BIT(14)
#define VECTOR_DB       1

#define NMI_VECTOR  2u

void vcpu_reinject_vectoring(struct vcpu *v, uint32_t info)
{
    uint32_t type = info & INTR_TYPE_MASK;
    vmcs_write32(VMCS_VM_ENTRY_INTERRUPTION_INFO, info & ~(uint32_t)BIT(12));  /* bit 12 is undefined here */
    if (info & INTR_INFO_DELIVER_ERROR_CODE)
        vmcs_write32(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE));
    if (type == INTR_TYPE_SOFT_INTERRUPT || type == INTR_TYPE_SOFT_EXCEPTION ||
        type == INTR_TYPE_PRIV_SW_EXCEPTION)
        vmcs_write32(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN));
    if (type == INTR_TYPE_NMI) {
        /* The NMI was not delivered, so the guest does not block NMIs yet;
         * with virtual NMIs an NMI may only be injected with blocking by NMI
         * clear (SDM "Checks on Guest Non-Register State"). Delivering it
         * sets the blocking again. */
        uint64_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE);
        if (intr & INTERRUPTIBILITY_NMI)
            vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
    }
    /* an external interrupt we had injected is pending again, not lost */
    v->work |= VCPU_WORK_IRQ;
}

void vcpu_check_nmi_unblocking(struct vcpu *v, unsigned basic_reason)
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
    bool unblocked = basic_reason == EXIT_REASON_EPT_VIOLATION
        ? vmcs_readnat(VMCS_EXIT_QUALIFICATION) & EPT_QUAL_NMI_UNBLOCKING
        : vmcs_read32(VMCS_VM_EXIT_INTERRUPTION_INFO) & INTR_INFO_NMI_UNBLOCKING;
    if (!unblocked)
        return;
    uint64_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    if (!(intr & INTERRUPTIBILITY_NMI))
        vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr | INTERRUPTIBILITY_NMI);
}

void vcpu_nmi_configure(enum vnmi_mode mode, const struct vmx_caps *caps,
                        struct vmx_controls *ctls)
{
    if (mode == VNMI_NOWINDOW) {
        ctls->nmi_window = false;
    } else if (mode == VNMI_OFF) {
        if (ctls->virtual_nmis && (caps->pinbased & PIN_CTL_VIRTUAL_NMIS)) {
            pr_warn("vnmi=off: this CPU requires virtual NMIs; keeping them\n");
            return;
        }
        ctls->pin &= ~(uint32_t)PIN_CTL_VIRTUAL_NMIS;
        ctls->virtual_nmis = ctls->nmi_window = false;
    }
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

/*
 * The vector to inject now, or -1: the local APIC's first (unless the CPU
 * delivers those itself, with virtual-interrupt delivery), then the PIC's
 * through LINT0 when the LAPIC passes ExtINT on. With ack, the acknowledge
 * cycle (the vector moves to in-service). Without ack any value >= 0 means
 * "something is pending". SDM Vol. 3A, "Local Vector Table" (ExtINT).
 */
static int pending_vector(struct vcpu *v, bool ack)
{
    apicv_sync(v);
    struct vlapic *l = &v->lapic;
    int vec = v->vid ? -1 : vlapic_pending(l);
    if (vec >= 0) {
        if (ack)
            vlapic_ack(l, (uint8_t)vec);
        return vec;
    }
    if (vlapic_accepts_pic(l))
        return v->vm->board_ops->extint(v->vm, ack);
    return -1;
}

bool vcpu_interrupt_pending(struct vcpu *v)
{
    return pending_vector(v, false) >= 0 || vlapic_nmi_pending(&v->lapic) ||
           (v->vid && vlapic_pending(&v->lapic) >= 0);
}

static void set_window_exiting(struct vcpu *v, bool on)
{
    if (v->window_exiting == on)
        return;
    uint64_t proc = vmcs_read32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_INTERRUPT_WINDOW_EXITING
              : proc & ~(uint64_t)PROC_CTL_INTERRUPT_WINDOW_EXITING;
    vmcs_write32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
    v->window_exiting = on;
}

static void set_nmi_window_exiting(struct vcpu *v, bool on)
{
    if (v->nmi_window_exiting == on)
        return;
    uint64_t proc = vmcs_read32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_NMI_WINDOW_EXITING
              : proc & ~(uint64_t)PROC_CTL_NMI_WINDOW_EXITING;
    vmcs_write32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
    v->nmi_window_exiting = on;
}

/* A pending NMI: inject it if the guest can take one now (vmx/nmi_rules.h),
 * else ask for the exit at which it can. Returns true if it needs the
 * interrupt window. */
static bool deliver_nmi(struct vcpu *v, bool *event_queued, uint64_t rflags, uint64_t intr)
{
    struct vm *vm = v->vm;
    switch (nmi_decide(vmx_ctls.virtual_nmis, vmx_ctls.nmi_window, *event_queued, rflags, intr,
                       &v->nmi_soft_blocked)) {
    case NMI_WAIT_NMI_WINDOW:
        set_nmi_window_exiting(v, true);
        return false;
    case NMI_WAIT_IRQ_WINDOW:
        return true;
    case NMI_INJECT:
        break;
    }
    vlapic_take_nmi(&v->lapic);     /* the page holds no NMI state */
    if (!vmx_ctls.virtual_nmis) {
        /* The blocking bit is the CPU's own NMI blocking then, meaningless
         * for an injected NMI; keep it clear for the entry. */
        if (intr & INTERRUPTIBILITY_NMI)
            vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
        v->nmi_soft_blocked = true;
    }
    vmcs_write32(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | NMI_VECTOR);
    vm->nmis_injected++;
    *event_queued = true;
    return false;
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool nmi = vlapic_nmi_pending(&v->lapic);
    if (!nmi && !v->nmi_soft_blocked && pending_vector(v, false) < 0) {
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
        set_window_exiting(v, false);
        set_nmi_window_exiting(v, false);
        return;
    }
    /* An exception from the handler or a re-injected event goes first. */
    bool event_queued = vmcs_read32(VMCS_VM_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID;
    uint64_t rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);
    uint64_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    bool irq_window = false;

    /* A single-step trap pending from an instruction the hypervisor
     * completed (vcpu_single_step_trap) comes before NMIs and interrupts
     * (SDM Vol. 3A, "Priority Among Concurrent Events": traps on the
     * previous instruction first), but VM entry drops pending debug
     * exceptions when it injects an event. So it is injected itself, as
     * the #DB (DR6.BS set by hand, since an injected #DB does not), and
     * the interrupt waits for the window that opens when its handler
     * returns. Found by the raw0 hostile guests: the trap of a HLT woken
     * by an interrupt was lost. */
    if (!event_queued && (rflags & RFLAGS_TF)) {
        uint64_t dbg = vmread(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
        if (dbg & PENDING_DBG_BS) {
            vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, dbg & ~(uint64_t)PENDING_DBG_BS);
            write_dr6(read_dr6() | DR6_BS);       /* DR6 is the guest's while it is current */
            vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO,
                    INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | VECTOR_DB);
            event_queued = true;
        }
    }

    /* NMIs before external interrupts (SDM "Priority Among Concurrent
     * Events"). */
    if (nmi) {
        irq_window = deliver_nmi(v, &event_queued, rflags, intr);
        nmi = vlapic_nmi_pending(&v->lapic);
    }
    if (!nmi)
        set_nmi_window_exiting(v, false);
    /* Without virtual NMIs, watch for the end of the last NMI's handler. */
    if (v->nmi_soft_blocked && nmi_soft_block_ends(rflags, intr) && !event_queued)
        v->nmi_soft_blocked = false;

    /* LAB 6 BEGIN deliver_external: inject the pending vector (the INTA cycle) when IF=1, no STI/MOV-SS blocking and no event queued; then open the interrupt window if more waits */
    bool can_inject = !event_queued && (rflags & RFLAGS_IF) &&
                      !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    if (can_inject) {
        int vector = pending_vector(v, true);   /* the INTA cycle */
        if (vector >= 0) {
            vmcs_write32(VMCS_VM_ENTRY_INTERRUPTION_INFO,
                    INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (uint32_t)vector);
            vm->irqs_injected++;
        }
    }
    /* More may be pending behind this one: look again at the next exit
     * (try again when the guest can take it). */
    bool more = pending_vector(v, false) >= 0;
    if (!more && !nmi)
        v->work &= (uint8_t)~VCPU_WORK_IRQ;
    set_window_exiting(v, more || irq_window || v->nmi_soft_blocked);
    /* LAB 6 END */
}
