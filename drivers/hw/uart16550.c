/*
 * Polled 16550 UART driver (PC16550D datasheet). Probing writes the scratch
 * register and runs one byte through loopback mode, so an absent UART
 * (reads of all ones) is detected and the console falls back to port 0xE9.
 */
#include "drivers/hw/uart16550.h"
#include "boot/x86.h"

bool uart16550_init(uint16_t port)
{
    outb(port + UART_REG_SCR, 0x5A);
    if (inb(port + UART_REG_SCR) != 0x5A)
        return false;

    outb(port + UART_REG_IER, 0x00);                 /* polled: no interrupts */
    outb(port + UART_REG_LCR, UART_LCR_DLAB);
    outb(port + UART_REG_DLL, 1);                    /* 115200 baud */
    outb(port + UART_REG_DLM, 0);
    outb(port + UART_REG_LCR, UART_LCR_8N1);
    outb(port + UART_REG_FCR, 0xC7);                 /* enable + clear FIFOs, 14-byte trigger */

    /* Loopback: a byte written must come back. */
    outb(port + UART_REG_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
    outb(port + UART_REG_THR, 0xAE);
    bool ok = false;
    for (int i = 0; i < 10000 && !ok; i++)
        ok = inb(port + UART_REG_LSR) & UART_LSR_DR;
    ok = ok && inb(port + UART_REG_RBR) == 0xAE;

    outb(port + UART_REG_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    return ok;
}

void uart16550_putc(uint16_t port, char c)
{
    for (int i = 0; i < 100000; i++)
        if (inb(port + UART_REG_LSR) & UART_LSR_THRE)
            break;
    outb(port + UART_REG_THR, (uint8_t)c);
}

int uart16550_getc(uint16_t port)
{
    if (!(inb(port + UART_REG_LSR) & UART_LSR_DR))
        return -1;
    return inb(port + UART_REG_RBR);
}
