/*
 * Delivering virtual interrupts to a vCPU (SDM Vol. 3C, "Event Injection",
 * "Interrupt-Window Exiting", "Virtual NMIs" and "NMI-Window Exiting").
 * Device models raise lines; the platform (vmm/board.c) says which
 * vector is pending; this file decides when the guest can take it:
 * RFLAGS.IF set, no STI or MOV-SS blocking, and no other event being
 * injected. Otherwise interrupt-window exiting is turned on and the
 * interrupt goes in at that exit. A pending NMI (the local APIC's) goes
 * first, whatever IF says, when the guest does not block NMIs (see
 * deliver_nmi in interrupts.c), else at the NMI-window exit. Events whose
 * delivery a VM exit interrupted (IDT-vectoring information) are
 * re-injected first.
 */
#ifndef VMX_INTERRUPTS_H
#define VMX_INTERRUPTS_H

#include "vmm/vm.h"

/* Called with v's VMCS current, after the exit handler and before the next
 * VM entry, when VCPU_WORK_IRQ is set. */
void vcpu_deliver_interrupts(struct vcpu *v);

/* Re-inject an event that was being delivered when the exit happened.
 * `info` is the IDT-vectoring information field (valid bit set). */
void vcpu_reinject_vectoring(struct vcpu *v, uint32_t info);

/* An EPT violation or exception exit that interrupted no event delivery:
 * if it says "NMI unblocking due to IRET" (bit 12 of the qualification /
 * exit-interruption information), block NMIs again, since the IRET is
 * executed again. */
void vcpu_check_nmi_unblocking(struct vcpu *v, unsigned basic_reason);

/* The `vnmi=on|nowindow|off` boot option (default on): do without NMI-
 * window exiting, or without virtual NMIs as well, even where the CPU has
 * them, to exercise the fallbacks. Before the VMCS controls are fixed. */
struct vmx_caps;
struct vmx_controls;
enum vnmi_mode;
void vcpu_nmi_configure(enum vnmi_mode mode, const struct vmx_caps *caps,
                        struct vmx_controls *ctls);

/* How NMIs are delivered on this CPU, for the boot log. */
const char *vcpu_nmi_describe(void);

#endif
