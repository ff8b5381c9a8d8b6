/*
 * The 16550 UART's registers and their bits (reference: National
 * Semiconductor PC16550D datasheet, "Register Description"), shared by the
 * host's driver (drivers/hw/uart16550.c) and the model guests see
 * (drivers/virt/vuart16550.c). Offsets are from the base port; DLAB is LCR
 * bit 7.
 */
#ifndef HV_UART16550_REGS_H
#define HV_UART16550_REGS_H

#define UART_NUM_REGS   8           /* eight consecutive ports */
#define UART_FIFO_DEPTH 16          /* receive and transmit FIFOs */

#define UART_RBR        0           /* Receiver Buffer Register (read, DLAB=0) */
#define UART_THR        0           /* Transmitter Holding Register (write, DLAB=0) */
#define UART_DLL        0           /* Divisor Latch, LSB (DLAB=1) */
#define UART_IER        1           /* Interrupt Enable Register (DLAB=0) */
#define UART_DLM        1           /* Divisor Latch, MSB (DLAB=1) */
#define UART_IIR        2           /* Interrupt Identification Register (read) */
#define UART_FCR        2           /* FIFO Control Register (write) */
#define UART_LCR        3           /* Line Control Register */
#define UART_MCR        4           /* MODEM Control Register */
#define UART_LSR        5           /* Line Status Register */
#define UART_MSR        6           /* MODEM Status Register */
#define UART_SCR        7           /* Scratch Register */

/* IER */
#define UART_IER_ERBFI  0x01        /* Enable Received Data Available Interrupt */
#define UART_IER_ETBEI  0x02        /* Enable Transmitter Holding Register Empty Interrupt */
#define UART_IER_ELSI   0x04        /* Enable Receiver Line Status Interrupt */
#define UART_IER_EDSSI  0x08        /* Enable MODEM Status Interrupt */
#define UART_IER_MASK   0x0F        /* bits 7:4 are always 0 */

/* IIR: bit 0 = 1 when no interrupt is pending, bits 3:1 its identification */
#define UART_IIR_NO_INT     0x01
#define UART_IIR_ID_MASK    0x0F
#define UART_IIR_MSR        0x00    /* MODEM status */
#define UART_IIR_THRE       0x02    /* transmitter holding register empty */
#define UART_IIR_RDA        0x04    /* received data available */
#define UART_IIR_RLS        0x06    /* receiver line status */
#define UART_IIR_TIMEOUT    0x0C    /* character timeout indication */
#define UART_IIR_FIFO_ON    0xC0    /* bits 7:6: the FIFOs are enabled */

/* FCR */
#define UART_FCR_ENABLE     0x01    /* FIFO enable */
#define UART_FCR_CLEAR_RX   0x02    /* RCVR FIFO reset */
#define UART_FCR_CLEAR_TX   0x04    /* XMIT FIFO reset */
#define UART_FCR_DMA        0x08    /* DMA mode select */
#define UART_FCR_TRIG_MASK  0xC0    /* RCVR trigger level, bits 7:6 */
#define UART_FCR_TRIG_1     0x00
#define UART_FCR_TRIG_4     0x40
#define UART_FCR_TRIG_8     0x80
#define UART_FCR_TRIG_14    0xC0

/* LCR */
#define UART_LCR_WLEN_MASK  0x03    /* word length select: 5 + n bits */
#define UART_LCR_8N1        0x03    /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_BREAK      0x40    /* set break */
#define UART_LCR_DLAB       0x80    /* divisor latch access bit */

/* MCR */
#define UART_MCR_DTR        0x01    /* data terminal ready */
#define UART_MCR_RTS        0x02    /* request to send */
#define UART_MCR_OUT1       0x04
#define UART_MCR_OUT2       0x08    /* on a PC: gates the interrupt line */
#define UART_MCR_LOOP       0x10    /* loopback */
#define UART_MCR_MASK       0x1F

/* LSR */
#define UART_LSR_DR         0x01    /* data ready */
#define UART_LSR_OE         0x02    /* overrun error */
#define UART_LSR_PE         0x04    /* parity error */
#define UART_LSR_FE         0x08    /* framing error */
#define UART_LSR_BI         0x10    /* break interrupt */
#define UART_LSR_THRE       0x20    /* transmitter holding register empty */
#define UART_LSR_TEMT       0x40    /* transmitter empty */
#define UART_LSR_FIFOE      0x80    /* error in RCVR FIFO */
#define UART_LSR_ERRORS     (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

/* MSR */
#define UART_MSR_DCTS       0x01    /* delta clear to send */
#define UART_MSR_DDSR       0x02    /* delta data set ready */
#define UART_MSR_TERI       0x04    /* trailing edge ring indicator */
#define UART_MSR_DDCD       0x08    /* delta data carrier detect */
#define UART_MSR_DELTAS     0x0F
#define UART_MSR_CTS        0x10    /* clear to send */
#define UART_MSR_DSR        0x20    /* data set ready */
#define UART_MSR_RI         0x40    /* ring indicator */
#define UART_MSR_DCD        0x80    /* data carrier detect */
#define UART_MSR_INPUTS     0xF0

#endif
