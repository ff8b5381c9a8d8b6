/*
 * 16550A UART model, transmit side (see the header). Register offsets and
 * bits as in drivers/hw/uart16550.h.
 */
#include "drivers/virt/vuart16550.h"
#include "drivers/hw/uart16550.h"

#define UART_IIR_NO_INT      0x01
#define UART_IIR_FIFO_ON     0xC0
#define UART_FCR_ENABLE      0x01
#define UART_MSR_DCD_DSR_CTS 0xB0       /* carrier, data set ready, clear to send */
#define UART_MSR_LOOP_BITS   0xF0

void vuart16550_init(struct vuart16550 *u, struct vconsole *out)
{
    *u = (struct vuart16550){ .dll = 1, .lcr = UART_LCR_8N1, .out = out };
}

int vuart16550_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vuart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (offset) {
    case UART_REG_RBR: v = dlab ? u->dll : 0; break;
    case UART_REG_IER: v = dlab ? u->dlm : u->ier; break;
    case UART_REG_IIR: v = UART_IIR_NO_INT | ((u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO_ON : 0); break;
    case UART_REG_LCR: v = u->lcr; break;
    case UART_REG_MCR: v = u->mcr; break;
    case UART_REG_LSR: v = UART_LSR_THRE | UART_LSR_TEMT; break;
    case UART_REG_MSR:
        /* In loopback the modem inputs follow the MCR outputs. */
        v = (u->mcr & UART_MCR_LOOP) ? (uint8_t)((u->mcr & 0x0F) << 4) & UART_MSR_LOOP_BITS
                                     : UART_MSR_DCD_DSR_CTS;
        break;
    default:        v = u->scr; break;          /* UART_REG_SCR */
    }
    /* A wider access reads the next ports as an unclaimed bus would. */
    *val = size == 1 ? v : (((size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1)) & ~0xFFULL) | v;
    return 0;
}

int vuart16550_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vuart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v = (uint8_t)val;
    (void)size;

    switch (offset) {
    case UART_REG_THR:
        if (dlab)
            u->dll = v;
        else if (!(u->mcr & UART_MCR_LOOP))
            vconsole_putc(u->out, (char)v);
        break;
    case UART_REG_IER:
        if (dlab)
            u->dlm = v;
        else
            u->ier = v & 0x0F;
        break;
    case UART_REG_FCR: u->fcr = v; break;
    case UART_REG_LCR: u->lcr = v; break;
    case UART_REG_MCR: u->mcr = v & 0x1F; break;
    case UART_REG_SCR: u->scr = v; break;
    default: break;                              /* LSR, MSR: read-only */
    }
    return 0;
}
