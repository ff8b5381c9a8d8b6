/*
 * PC devices several test guests program: the CMOS/RTC registers behind
 * the index/data ports 0x70/0x71, COM1's registers, the PIT as a periodic
 * clock, and the IOAPIC's registers behind its
 * select/window pair at 0xFEC00000 (82093AA datasheet). Each access is a
 * plain OUT/IN or 32-bit MOV, as the tests expect.
 */
#ifndef GUEST_LIB_PC_H
#define GUEST_LIB_PC_H

#include <stdint.h>
#include "x86.h"
#include "console.h"

#define CMOS_INDEX        0x70
#define CMOS_DATA         0x71

static inline uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static inline void cmos_write(uint8_t reg, uint8_t v)
{
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, v);
}

/* COM1, a 16550A (PC16550D datasheet), on IRQ 4. */
#define COM1_IRQ          4
#define UART_RBR          (COM1_BASE + 0)
#define UART_IER          (COM1_BASE + 1)
#define UART_IIR          (COM1_BASE + 2)
#define UART_FCR          (COM1_BASE + 2)
#define UART_LCR          (COM1_BASE + 3)
#define UART_MCR          (COM1_BASE + 4)
#define UART_LSR          (COM1_BASE + 5)
#define IER_ERBFI         0x01            /* receive-data interrupt */
#define LCR_8N1           0x03
#define MCR_DTR_RTS_OUT2  0x0B            /* OUT2 gates the IRQ line */
#define LSR_DR            0x01

#define PIT_HZ            1193182u        /* the 8254's input clock */
#define PIT_CH0           0x40
#define PIT_CMD           0x43

/* PIT channel 0 as a rate generator (mode 2, LSB then MSB) at about hz. */
static inline void pit_start_periodic(uint32_t hz)
{
    uint32_t count = PIT_HZ / hz;
    outb(PIT_CMD, 0x34);
    outb(PIT_CH0, count & 0xFF);
    outb(PIT_CH0, (count >> 8) & 0xFF);
}

#define IOAPIC_BASE          0xFEC00000u
#define IOAPIC_REGSEL        0x00u
#define IOAPIC_WINDOW        0x10u
#define IOAPIC_REG_VERSION   0x01u
#define IOAPIC_REDIR_LO(pin) (0x10u + 2u * (pin))
#define IOAPIC_REDIR_HI(pin) (0x11u + 2u * (pin))

static inline uint32_t ioapic_read(uint32_t reg)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    return mmio_read32(IOAPIC_BASE + IOAPIC_WINDOW);
}

static inline void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    mmio_write32(IOAPIC_BASE + IOAPIC_WINDOW, v);
}

#endif
