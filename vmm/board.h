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

/* Raise or lower ISA interrupt line `irq` (0-15): it goes to the PIC pair
 * and to the IOAPIC (IRQ 0 on GSI 2, as the MADT's interrupt source
 * override says), which pass it to the vCPU. The board's devices use it;
 * so may any device model added above the VM API. */
void board_irq_line(struct vm *vm, unsigned irq, bool level);

/* A pulse on the local APIC's LINT0 (pin 0) or LINT1 (pin 1) input: what
 * its LVT entry says happens (on a PC, LINT1 is wired to the chipset's NMI
 * sources; the monitor's `nmi` command pulses it, as QEMU's does). */
void board_assert_lint(struct vm *vm, unsigned pin);
/* Run device timers that are due, then set vm->dev_next_tsc and
 * vm->next_event_tsc (which includes the LAPIC's TSC deadline). */
void board_update_timers(struct vm *vm);

/* Could anything wake this halted guest (an armed timer, enabled receive
 * interrupts)? */
bool board_can_wake(struct vm *vm);

/* Move waiting console input into the guest's UART as it has room. */
void board_feed_input(struct vm *vm);

/* Virtual time of vm in ns since it was created. */
uint64_t board_now_ns(const struct vm *vm);

#endif
