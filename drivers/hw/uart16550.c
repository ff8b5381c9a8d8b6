/*
 * Polled 16550 UART driver (PC16550D datasheet). Probing writes the scratch
 * register and runs one byte through loopback mode, so an absent UART
 * (reads of all ones) is detected and the console falls back to port 0xE9.
 */
#include "drivers/hw/uart16550.h"
#include "boot/x86.h"

#define UART_WAIT_SPINS   100000 /* LSR polls before giving up on a dead UART */

/* Transmit FIFO depth of the UART uart16550_init found last (one console
 * UART): 16 on a 16550A, 1 where the FIFOs do not work (8250, 16450). */
static unsigned tx_depth = 1;

bool uart16550_init(uint16_t port)
{
    outb(port + UART_SCR, 0x5A);
    if (inb(port + UART_SCR) != 0x5A)
        return false;

    outb(port + UART_IER, 0x00);                     /* polled: no interrupts */
    outb(port + UART_LCR, UART_LCR_DLAB);
    outb(port + UART_DLL, 1);                        /* 115200 baud */
    outb(port + UART_DLM, 0);
    outb(port + UART_LCR, UART_LCR_8N1);
    /* FIFOs on and cleared, 14-byte trigger; IIR bits 7:6 say whether they
     * work (a 16550A) or not (8250, 16450, a buggy 16550). */
    outb(port + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX |
                          UART_FCR_TRIG_14);
    tx_depth = (inb(port + UART_IIR) & UART_IIR_FIFO_ON) == UART_IIR_FIFO_ON
               ? UART_FIFO_DEPTH : 1;

    /* Loopback: a byte written must come back. */
    outb(port + UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
    outb(port + UART_THR, 0xAE);
    bool ok = false;
    for (int i = 0; i < 10000 && !ok; i++)
        ok = inb(port + UART_LSR) & UART_LSR_DR;
    ok = ok && inb(port + UART_RBR) == 0xAE;

    outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    return ok;
}

void uart16550_putc(uint16_t port, char c)
{
    for (int i = 0; i < UART_WAIT_SPINS; i++)
        if (inb(port + UART_LSR) & UART_LSR_THRE)
            break;
    outb(port + UART_THR, (uint8_t)c);
}

size_t uart16550_write_nowait(uint16_t port, const char *buf, size_t len)
{
    /* THRE: the transmit FIFO (or holding register) is empty. */
    if (!len || !(inb(port + UART_LSR) & UART_LSR_THRE))
        return 0;
    size_t n = len < tx_depth ? len : tx_depth;
    for (size_t i = 0; i < n; i++)
        outb(port + UART_THR, (uint8_t)buf[i]);
    return n;
}

void uart16550_wait_sent(uint16_t port)
{
    for (int i = 0; i < UART_WAIT_SPINS; i++)
        if (inb(port + UART_LSR) & UART_LSR_TEMT)
            return;
}

int uart16550_getc(uint16_t port)
{
    if (!(inb(port + UART_LSR) & UART_LSR_DR))
        return -1;
    return inb(port + UART_RBR);
}
