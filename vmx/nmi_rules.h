/*
 * When a pending NMI can be injected into a vCPU, as a pure function of
 * the guest's state at the exit (host unit tests drive it; vmx/interrupts.c
 * uses it). SDM Vol. 3C, "Virtual NMIs", "NMI-Window Exiting", "Event
 * Injection" and "Checks on Guest Non-Register State".
 *
 * An NMI is not injected while another event is being injected, with
 * blocking by MOV SS, nor (with virtual NMIs) with blocking by NMI; some
 * CPUs also refuse it with blocking by STI, so that waits too. RFLAGS.IF
 * does not matter. With virtual NMIs the CPU sets blocking by NMI when it
 * delivers one and IRET clears it; NMI-window exiting then exits as soon as
 * neither NMI nor MOV-SS blocking is left. With STI blocking alone the
 * interrupt window is the earlier exit (STI sets IF), and so it is where
 * the CPU has no NMI-window exiting.
 *
 * Without virtual NMIs the CPU does not track the guest's NMI blocking
 * (IRET does not clear it while "NMI exiting" is 1) and there is no NMI
 * window: the hypervisor keeps its own flag (*soft_blocked, set by the
 * caller when it injects) and takes the handler as finished once the guest
 * is interruptible at an exit (IF=1, no STI/MOV-SS blocking: NMI handlers
 * run with IF=0 through an interrupt gate and end with IRET), found with
 * interrupt-window exits (opened at each injection). A handler that sets IF
 * itself may get the next NMI early; a guest that returns from it with IF=0
 * gets the next one only once it sets IF.
 */
#ifndef VMX_NMI_RULES_H
#define VMX_NMI_RULES_H

#include <hv/types.h>
#include "vmx/vmcs_fields.h"
#include "boot/msr.h"

enum nmi_action {
    NMI_INJECT,              /* inject it at this entry */
    NMI_WAIT_NMI_WINDOW,     /* turn on NMI-window exiting */
    NMI_WAIT_IRQ_WINDOW,     /* turn on interrupt-window exiting */
};

/* Without virtual NMIs: the guest is interruptible at this exit, so the
 * handler of the NMI injected last is taken to have ended. */
static inline bool nmi_soft_block_ends(uint64_t rflags, uint64_t intr)
{
    return (rflags & RFLAGS_IF) && !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static inline enum nmi_action nmi_decide(bool virtual_nmis, bool nmi_window, bool event_queued,
                                         uint64_t rflags, uint64_t intr, bool *soft_blocked)
{
    const uint64_t sti_ss = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
    bool blocked;

    if (virtual_nmis) {
        blocked = intr & (sti_ss | INTERRUPTIBILITY_NMI);
    } else {
        if (*soft_blocked && nmi_soft_block_ends(rflags, intr))
            *soft_blocked = false;
        blocked = (intr & sti_ss) || *soft_blocked;
    }
    if (!event_queued && !blocked)
        return NMI_INJECT;
    bool only_sti = (intr & (sti_ss | INTERRUPTIBILITY_NMI)) == INTERRUPTIBILITY_STI;
    return virtual_nmis && nmi_window && !only_sti ? NMI_WAIT_NMI_WINDOW : NMI_WAIT_IRQ_WINDOW;
}

#endif
