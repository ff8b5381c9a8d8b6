/*
 * Host driver for a 16550-compatible UART (polled). Reference: National
 * Semiconductor PC16550D datasheet; the registers are in
 * include/hv/uart16550_regs.h.
 */
#ifndef DRIVERS_HW_UART16550_H
#define DRIVERS_HW_UART16550_H

#include <hv/types.h>
#include <hv/uart16550_regs.h>

#define COM1_PORT 0x3F8   /* the host PC's first serial port */

/* Probe and program the UART at `port` for 115200 8N1, FIFOs on.
 * Returns false when no UART answers (scratch register and loopback test). */
bool uart16550_init(uint16_t port);
/* Send one byte, waiting (bounded) for the transmitter to take it. */
void uart16550_putc(uint16_t port, char c);
/* Send as much of buf as the transmitter takes without waiting: nothing
 * while it is busy, else up to its FIFO depth. Returns the count. */
size_t uart16550_write_nowait(uint16_t port, const char *buf, size_t len);
/* Wait (bounded) until every byte written has left the transmitter. */
void uart16550_wait_sent(uint16_t port);
/* A received byte, or -1 when none is waiting. */
int uart16550_getc(uint16_t port);

#endif
