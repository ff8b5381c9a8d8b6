/*
 * Interrupt-related exits: external interrupts (acknowledged on exit and
 * handed to the host), NMIs, the interrupt and NMI windows, and the
 * VMX-preemption timer that ends a guest's time slice. SDM Vol. 3C,
 * "External-Interrupt Exiting", "Interrupt-Window Exiting", "NMI-Window
 * Exiting", "VMX-Preemption Timer".
 */
#include "vmx/exit.h"
#include "vmx/vcpu.h"
#include "drivers/hw/lapic.h"
#include "boot/cpu.h"
#include "boot/x86.h"
#include <hv/log.h>
#include "hv/lab.h"

/*
 * The slice timer's interrupt taken through the host's IDT. The host runs
 * with RFLAGS.IF = 0 throughout: the multiboot2 hand-over leaves IF clear,
 * nothing here sets it, every VM exit loads RFLAGS with only bit 1 set (SDM
 * Vol. 3C, "Loading Host State"), and a VMLAUNCH/VMRESUME that fails leaves
 * it as it was. So a timer that fires while the host runs (also after a
 * failed entry) stays pending in the local APIC and becomes an
 * external-interrupt exit right after the next VM entry
 * (exit_external_interrupt). This handler runs only if the host enables
 * interrupts some day: it acknowledges and asks again a little later, so the
 * slice still ends.
 */
static void host_slice_timer_irq(struct trap_frame *tf)
{
    (void)tf;
    lapic_eoi();
    lapic_timer_arm(rdtsc() + run_params.tsc_hz / 100000);       /* 10 us */
}

static void host_spurious_irq(struct trap_frame *tf)
{
    (void)tf;                              /* no EOI for the spurious vector */
}

void exit_irq_host_init(void)
{
    cpu_set_irq_handler(HOST_VECTOR_SLICE_TIMER, host_slice_timer_irq);
    cpu_set_irq_handler(LAPIC_SPURIOUS_VECTOR, host_spurious_irq);
}

enum exit_action exit_external_interrupt(struct vcpu *v)
{
    /* With "acknowledge interrupt on exit" the vector is already taken from
     * the local APIC (it is in the exit-interruption information), so the
     * host owes the APIC an EOI. The host's only interrupt source is the
     * LAPIC slice timer; one that fired early (armed for an earlier slice
     * while the host ran) does not end this slice. */
    if (!run_params.lapic_slice_timer)
        return EXIT_YIELD;
    uint32_t info = vmcs_read32(VMCS_VM_EXIT_INTERRUPTION_INFO);
    lapic_eoi();
    if ((info & INTR_INFO_VECTOR_MASK) == HOST_VECTOR_SLICE_TIMER &&
        v->last_exit_tsc < v->slice_deadline) {
        v->work |= VCPU_WORK_WAKE;        /* the VM's own timer, or early: re-armed */
        return EXIT_RESUME;
    }
    return EXIT_YIELD;
}

enum exit_action exit_exception_nmi(struct vcpu *v)
{
    uint32_t info = vmcs_read32(VMCS_VM_EXIT_INTERRUPTION_INFO);
    if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
        pr_warn("guest %s: NMI arrived while it ran; ignored\n", v->vm->name);
        return EXIT_RESUME;
    }
    /* #BP exits while a debugger is attached, #DB for its hardware
     * breakpoints and TF steps, #DE #UD #GP when it catches them
     * (vmx/guest_debug.c); the exception bitmap holds nothing else. */
    if ((info & INTR_INFO_VECTOR_MASK) == 3)
        return exit_debug_breakpoint(v, info);
    if ((info & INTR_INFO_VECTOR_MASK) == 1)
        return exit_debug_db(v);
    if (BIT(info & INTR_INFO_VECTOR_MASK) & VCPU_DEBUG_CATCHABLE)
        return exit_debug_exception(v, info);
    return exit_stop_unhandled(v, EXIT_REASON_EXCEPTION_NMI);
}

enum exit_action exit_interrupt_window(struct vcpu *v)
{
    /* LAB 6 BEGIN exit_interrupt_window: the guest can take an interrupt now: turn interrupt-window exiting off and have the pending interrupt delivered before the entry */
    vmcs_write32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
            vmcs_read32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL) & ~(uint64_t)PROC_CTL_INTERRUPT_WINDOW_EXITING);
    v->window_exiting = false;        /* so that the injection can turn it on again */
    v->work |= VCPU_WORK_IRQ;
    return EXIT_RESUME;
    /* LAB 6 END */
}

/* The guest no longer blocks NMIs (virtual-NMI blocking and MOV-SS
 * blocking are gone): the pending NMI goes in now (vmx/interrupts.c). */
enum exit_action exit_nmi_window(struct vcpu *v)
{
    vmcs_write32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
            vmcs_read32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL) & ~(uint64_t)PROC_CTL_NMI_WINDOW_EXITING);
    v->nmi_window_exiting = false;
    v->work |= VCPU_WORK_IRQ;
    return EXIT_RESUME;
}

/*
 * The timer was armed for the slice's end, the VM's own next device event
 * or its LAPIC's TSC deadline (vmx/slice_timer.h). At the slice's end the
 * scheduler takes over; otherwise what is due runs in exit_work (the LAPIC
 * timer alone when only it is due) and the guest goes on, without a trip
 * through the scheduler.
 */
enum exit_action exit_preemption_timer(struct vcpu *v)
{
    if (v->last_exit_tsc >= v->slice_deadline)
        return EXIT_YIELD;
    v->work |= VCPU_WORK_WAKE;
    return EXIT_RESUME;
}
