/*
 * Host driver for a 16550-compatible UART (polled). Reference: National
 * Semiconductor PC16550D datasheet. Register offsets from the base port.
 */
#ifndef DRIVERS_HW_UART16550_H
#define DRIVERS_HW_UART16550_H

#include <hv/types.h>

#define COM1_PORT 0x3F8

#define UART_REG_RBR  0   /* Receiver Buffer (read, DLAB=0) */
#define UART_REG_THR  0   /* Transmitter Holding (write, DLAB=0) */
#define UART_REG_DLL  0   /* Divisor Latch LSB (DLAB=1) */
#define UART_REG_IER  1   /* Interrupt Enable (DLAB=0) */
#define UART_REG_DLM  1   /* Divisor Latch MSB (DLAB=1) */
#define UART_REG_IIR  2   /* Interrupt Identification (read) */
#define UART_REG_FCR  2   /* FIFO Control (write) */
#define UART_REG_LCR  3   /* Line Control */
#define   UART_LCR_8N1   0x03
#define   UART_LCR_DLAB  0x80
#define UART_REG_MCR  4   /* Modem Control */
#define   UART_MCR_DTR   0x01
#define   UART_MCR_RTS   0x02
#define   UART_MCR_OUT2  0x08
#define   UART_MCR_LOOP  0x10
#define UART_REG_LSR  5   /* Line Status */
#define   UART_LSR_DR    0x01   /* data ready */
#define   UART_LSR_THRE  0x20   /* transmitter holding register empty */
#define   UART_LSR_TEMT  0x40   /* transmitter empty */
#define UART_REG_MSR  6   /* Modem Status */
#define UART_REG_SCR  7   /* Scratch */

#define UART_CLOCK_HZ 115200

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
