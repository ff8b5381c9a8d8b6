/*
 * Interrupt-related exits: external interrupts (acknowledged on exit and
 * handed to the host), NMIs, the interrupt window, and the VMX-preemption
 * timer that ends a guest's time slice. SDM Vol. 3C, "External-Interrupt
 * Exiting", "Interrupt-Window Exiting", "VMX-Preemption Timer".
 */
#include "vmx/exit.h"
#include "boot/cpu.h"
#include <hv/log.h>

enum exit_action exit_external_interrupt(struct vcpu *v)
{
    /* With "acknowledge interrupt on exit" the vector is already taken from
     * the interrupt controller; the host has no devices of its own that
     * interrupt yet, so the interrupt only ends the time slice. */
    (void)v;
    return EXIT_YIELD;
}

enum exit_action exit_exception_nmi(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFO);
    if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
        pr_warn("guest %s: NMI arrived while it ran; ignored\n", v->vm->name);
        return EXIT_RESUME;
    }
    /* The exception bitmap is empty, so any other exception exit is unexpected. */
    return exit_stop_unhandled(v, EXIT_REASON_EXCEPTION_NMI);
}

enum exit_action exit_interrupt_window(struct vcpu *v)
{
    (void)v;
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
            vmread(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL) & ~(uint64_t)PROC_CTL_INTERRUPT_WINDOW_EXITING);
    return EXIT_RESUME;
}

enum exit_action exit_preemption_timer(struct vcpu *v)
{
    (void)v;
    return EXIT_YIELD;
}
