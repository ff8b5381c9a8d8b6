/*
 * Model of a 16550A UART as a guest sees it (PC16550D datasheet), enough for
 * polled output: THR (to a vconsole), LSR with THRE and TEMT always set,
 * IER, IIR (no interrupt pending), LCR with the divisor latch, MCR, MSR and
 * the scratch register. No receive path and no interrupts yet.
 */
#ifndef DRIVERS_VIRT_VUART16550_H
#define DRIVERS_VIRT_VUART16550_H

#include <hv/types.h>
#include "drivers/virt/vconsole.h"

#define VUART_NUM_PORTS 8

struct vuart16550 {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    struct vconsole *out;
};

void vuart16550_init(struct vuart16550 *u, struct vconsole *out);
/* Port accesses at offset 0-7 from the base; size 1 (wider accesses touch
 * only the first register, as on an 8-bit ISA device). */
int vuart16550_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vuart16550_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
