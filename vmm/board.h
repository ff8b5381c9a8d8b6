/*
 * The virtual PC every guest gets: which device model sits at which port or
 * address, how their interrupt lines are wired, and their timers. Device
 * models live in drivers/virt/ and never see this file.
 */
#ifndef VMM_BOARD_H
#define VMM_BOARD_H

#include "vmm/vm.h"

/* Create the devices of vm and register them on its bus. 0 or negative. */
int board_attach(struct vm *vm) __must_check;

/* The vector the hypervisor should inject now (local APIC first, then the
 * PIC through LINT0), or -1. With ack, performs the acknowledge cycle. With
 * virtual-interrupt delivery the CPU delivers the local APIC's itself:
 * then only the PIC's are injected. */
int board_pending_vector(struct vm *vm, bool ack);
/* Whether any interrupt waits for the vCPU, injected or delivered by the
 * CPU (a HLT does not sleep then). */
bool board_interrupt_pending(struct vm *vm);
/* The local APIC's pending NMI, and taking it (it is being injected). */
bool board_nmi_pending(struct vm *vm);
void board_take_nmi(struct vm *vm);
/* A pulse on the local APIC's LINT0 (pin 0) or LINT1 (pin 1) input: what
 * its LVT entry says happens (on a PC, LINT1 is wired to the chipset's NMI
 * sources; the monitor's `nmi` command pulses it, as QEMU's does). */
void board_assert_lint(struct vm *vm, unsigned pin);
/* The CPU did the EOI of a level-triggered vector (an EOI-induced exit). */
void board_lapic_eoi_done(struct vm *vm, uint8_t vector);

/* Run device timers that are due, then set vm->next_event_tsc. */
void board_update_timers(struct vm *vm);

/* Could anything wake this halted guest (an armed timer, enabled receive
 * interrupts)? */
bool board_can_wake(struct vm *vm);

/* Move waiting console input into the guest's UART as it has room. */
void board_feed_input(struct vm *vm);

/* Virtual time of vm in ns since it was created. */
uint64_t board_now_ns(const struct vm *vm);

/* MSRs of the platform's devices (local APIC: IA32_APIC_BASE, x2APIC,
 * TSC deadline). 1 = handled, 0 = not a platform MSR, -1 = #GP. */
int board_rdmsr(struct vm *vm, uint32_t msr, uint64_t *val);
int board_wrmsr(struct vm *vm, uint32_t msr, uint64_t val);

/* A 32-bit write of the xAPIC register at `offset` that arrived without
 * MMIO emulation (APIC-write exits; the TPR taken from the virtual-APIC page). */
void board_lapic_write(struct vm *vm, unsigned offset, uint32_t val);
/* CR8 is the local APIC's task-priority register (64-bit guests). */
void board_set_cr8(struct vm *vm, uint64_t cr8);
uint64_t board_get_cr8(struct vm *vm);

#endif
