/*
 * How a device model drives an interrupt line of its VM. The board
 * (vmm/board.c) routes ISA lines to the virtual PIC pair and the IOAPIC
 * (which IRQ is on which GSI: include/hv/board_layout.h); tests record the calls.
 * Edge-triggered devices pulse: set(1) then set(0).
 */
#ifndef DRIVERS_VIRT_VIRQ_H
#define DRIVERS_VIRT_VIRQ_H

#include <hv/types.h>

struct virq_line {
    void (*set)(void *ctx, unsigned line, bool level);
    void *ctx;
    unsigned line;            /* ISA IRQ number (or GSI) this device uses */
};

static inline void virq_set(const struct virq_line *l, bool level)
{
    if (l->set)
        l->set(l->ctx, l->line, level);
}

static inline void virq_pulse(const struct virq_line *l)
{
    virq_set(l, true);
    virq_set(l, false);
}

#endif
