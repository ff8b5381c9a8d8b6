/*
 * 16550A UART model (see the header): registers, RX FIFO, interrupt
 * identification and the OUT2-gated interrupt line.
 */
#include "drivers/virt/vuart16550.h"
#include <hv/errno.h>
#include "hv/lab.h"

#define EXT_INPUTS_DEFAULT (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static bool fifo_on(const struct vuart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_capacity(const struct vuart16550 *u)
{
    return fifo_on(u) ? UART_FIFO_DEPTH : 1;
}

static unsigned rx_trigger(const struct vuart16550 *u)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return levels[(u->fcr & UART_FCR_TRIG_MASK) >> 6];
}

static uint8_t word_mask(const struct vuart16550 *u)
{
    return (uint8_t)((1u << (5 + (u->lcr & UART_LCR_WLEN_MASK))) - 1);
}

/* Interrupt identification (IIR bits 3:0) by the datasheet's priorities. */
static uint8_t pending_id(const struct vuart16550 *u)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr_err & UART_LSR_ERRORS))
        return UART_IIR_RLS;
    if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
        if (!fifo_on(u) || u->rx_count >= rx_trigger(u))
            return UART_IIR_RDA;
        return UART_IIR_TIMEOUT;
    }
    if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
        return UART_IIR_THRE;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
        return UART_IIR_MSR;
    return UART_IIR_NO_INT;
}

static bool compute_level(const struct vuart16550 *u)
{
    return (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2 &&
           pending_id(u) != UART_IIR_NO_INT;
}

static void update_irq(struct vuart16550 *u)
{
    bool level = compute_level(u);

    if (level != u->irq_level) {
        u->irq_level = level;
        virq_set(&u->irq, level);
    }
}

/* Modem inputs as the chip sees them: the pins, or in loopback the MCR. */
static uint8_t inputs_seen(const struct vuart16550 *u)
{
    uint8_t m = u->mcr;

    if (!(m & UART_MCR_LOOP))
        return u->ext_inputs;
    return (uint8_t)(((m & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
                     ((m & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
                     ((m & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
                     ((m & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
}

/* Refresh MSR bits 7:4; latch the deltas of a change unless `quiet`. */
static void update_msr(struct vuart16550 *u, bool quiet)
{
    uint8_t old = u->msr & UART_MSR_INPUTS, now = inputs_seen(u), chg = old ^ now;
    uint8_t delta = 0;

    if (quiet) {
        u->msr = (uint8_t)(now | (u->msr & UART_MSR_DELTAS));
        return;
    }
    if (chg & UART_MSR_CTS)
        delta |= UART_MSR_DCTS;
    if (chg & UART_MSR_DSR)
        delta |= UART_MSR_DDSR;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
        delta |= UART_MSR_TERI;
    if (chg & UART_MSR_DCD)
        delta |= UART_MSR_DDCD;
    u->msr = (uint8_t)(now | (u->msr & UART_MSR_DELTAS) | delta);
}

static void rx_clear(struct vuart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

/* A byte whose errors become visible: it has reached the top of the FIFO. */
static void reveal_top(struct vuart16550 *u)
{
    if (u->rx_count)
        u->lsr_err |= u->rx_err[u->rx_head];
}

/* The receiver shift register completed `byte` with errors `err`. */
static int rx_push(struct vuart16550 *u, uint8_t byte, uint8_t err)
{
    unsigned idx;

    if (u->rx_count >= rx_capacity(u)) {
        u->lsr_err |= UART_LSR_OE;
        u->overruns++;
        update_irq(u);
        return -HV_E2BIG;
    }
    idx = (u->rx_head + u->rx_count) % UART_FIFO_DEPTH;
    u->rx[idx] = byte & word_mask(u);
    u->rx_err[idx] = err;
    u->rx_count++;
    if (u->rx_count == 1)
        reveal_top(u);
    update_irq(u);
    return 0;
}

static uint8_t rx_pop(struct vuart16550 *u)
{
    if (u->rx_count) {
        u->rbr = u->rx[u->rx_head];
        u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_DEPTH);
        u->rx_count--;
        reveal_top(u);
    }
    return u->rbr;
}

static bool rx_any_error(const struct vuart16550 *u)
{
    for (unsigned i = 0; i < u->rx_count; i++)
        if (u->rx_err[(u->rx_head + i) % UART_FIFO_DEPTH])
            return true;
    return false;
}

void vuart16550_init(struct vuart16550 *u, struct vconsole *out)
{
    *u = (struct vuart16550){ .dll = 1, .lcr = UART_LCR_8N1, .out = out,
                              .ext_inputs = EXT_INPUTS_DEFAULT, .msr = EXT_INPUTS_DEFAULT };
}

void vuart16550_set_irq(struct vuart16550 *u, const struct virq_line *line)
{
    if (u->irq_level)
        virq_set(&u->irq, false);
    u->irq = line ? *line : (struct virq_line){ 0 };
    u->irq_level = false;
    update_irq(u);
}

bool vuart16550_irq_level(const struct vuart16550 *u)
{
    return u->irq_level;
}

static uint8_t read_reg(struct vuart16550 *u, unsigned reg)
{
    /* LAB 5 BEGIN uart_read_reg: the 16550's registers as the guest reads them (DLAB selects the divisor latch; IIR, LSR and MSR reads have side effects) */
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (reg) {
    case UART_RBR:
        return dlab ? u->dll : rx_pop(u);
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR:
        v = pending_id(u);
        if (v == UART_IIR_THRE)
            u->thre_pending = false;    /* reading the source clears it */
        return v | (fifo_on(u) ? UART_IIR_FIFO_ON : 0);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        v = (uint8_t)((u->rx_count ? UART_LSR_DR : 0) | u->lsr_err |
                      UART_LSR_THRE | UART_LSR_TEMT);
        if (fifo_on(u) && rx_any_error(u))
            v |= UART_LSR_FIFOE;
        u->lsr_err = 0;
        return v;
    case UART_MSR:
        v = u->msr;
        u->msr &= UART_MSR_INPUTS;
        return v;
    default:
        return u->scr;
    }
    /* LAB 5 END */
}

static __attribute__((noinline)) int read_port(struct vuart16550 *u, uint64_t offset,
                                              unsigned size, uint64_t *val)
{
    uint64_t high = size >= 8 ? ~0xFFULL : ((1ULL << (size * 8)) - 1) & ~0xFFULL;
    uint8_t v;

    if (offset >= UART_NUM_REGS) {
        *val = high | 0xFF;
        return -HV_EINVAL;
    }
    v = read_reg(u, (unsigned)offset);
    update_irq(u);
    /* A wider access reads the next ports as an unclaimed bus would. */
    *val = high | v;
    return 0;
}

int vuart16550_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vuart16550 *u = dev;
    /* Every polled driver spins on LSR: with nothing received or latched,
     * reading it changes no state, so skip the interrupt update. */
    if (offset == UART_LSR && size == 1 && !u->lsr_err && !u->rx_count) {
        *val = UART_LSR_THRE | UART_LSR_TEMT;
        return 0;
    }
    return read_port(u, offset, size, val);
}

static void write_thr(struct vuart16550 *u, uint8_t v)
{
    /* LAB 5 BEGIN uart_write_thr: a byte written to THR: to the guest's console line (or back to the receiver in loopback), then THR is empty again */
    v &= word_mask(u);
    if (u->mcr & UART_MCR_LOOP)
        (void)rx_push(u, v, 0);         /* overrun is the guest's to see in LSR */
    else if (u->out)
        vconsole_putc(u->out, (char)v);
    /* Writing THR clears the THRE interrupt; the byte leaves at once, so
     * THR is empty again and the interrupt is pending anew. */
    u->thre_pending = (u->ier & UART_IER_ETBEI) != 0;
    /* LAB 5 END */
}

static void write_ier(struct vuart16550 *u, uint8_t v)
{
    uint8_t changed = (u->ier ^ v) & UART_IER_MASK;

    u->ier = v & UART_IER_MASK;
    /* A rising ETBEI with THR empty (always) raises the THRE interrupt,
     * even if an IIR read had cleared it before (Linux's THRE test and
     * Windows rely on it); falling clears it. */
    if (changed & UART_IER_ETBEI)
        u->thre_pending = (u->ier & UART_IER_ETBEI) != 0;
}

static void write_fcr(struct vuart16550 *u, uint8_t v)
{
    /* Switching the FIFOs on or off empties them. */
    if ((u->fcr ^ v) & UART_FCR_ENABLE)
        rx_clear(u);
    if (!(v & UART_FCR_ENABLE)) {
        u->fcr = 0;                     /* other bits need FCR0 = 1 to be programmed */
        return;
    }
    if (v & UART_FCR_CLEAR_RX)
        rx_clear(u);
    /* UART_FCR_CLEAR_TX: the TX FIFO is always empty. */
    u->fcr = v & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIG_MASK);
}

int vuart16550_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vuart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v = (uint8_t)val;
    (void)size;

    switch (offset) {
    case UART_THR:
        if (dlab)
            u->dll = v;
        else
            write_thr(u, v);
        break;
    case UART_IER:
        if (dlab)
            u->dlm = v;
        else
            write_ier(u, v);
        break;
    case UART_FCR:
        write_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR: {
        /* Switching loopback on or off swaps the inputs without deltas. */
        bool loop_changed = (u->mcr ^ v) & UART_MCR_LOOP;
        u->mcr = v & UART_MCR_MASK;
        update_msr(u, loop_changed);
        break;
    }
    case UART_SCR:
        u->scr = v;
        break;
    case UART_LSR:
    case UART_MSR:
        break;                          /* read-only (LSR writes: factory test) */
    default:
        return -HV_EINVAL;
    }
    update_irq(u);
    return 0;
}

int vuart16550_receive(struct vuart16550 *u, uint8_t byte)
{
    if (u->mcr & UART_MCR_LOOP)
        return -HV_EBUSY;
    return rx_push(u, byte, 0);
}

int vuart16550_receive_break(struct vuart16550 *u)
{
    if (u->mcr & UART_MCR_LOOP)
        return -HV_EBUSY;
    return rx_push(u, 0, UART_LSR_BI | UART_LSR_FE);
}

unsigned vuart16550_rx_space(const struct vuart16550 *u)
{
    if (u->mcr & UART_MCR_LOOP)
        return 0;
    return rx_capacity(u) - u->rx_count;
}

bool vuart16550_rx_ready(const struct vuart16550 *u)
{
    return vuart16550_rx_space(u) > 0;
}

void vuart16550_set_modem_inputs(struct vuart16550 *u, uint8_t msr_inputs)
{
    u->ext_inputs = msr_inputs & UART_MSR_INPUTS;
    update_msr(u, false);
    update_irq(u);
}
