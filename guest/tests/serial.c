/*
 * serial: COM1 receive interrupts (16550A, IRQ 4 through the PIC).
 *
 * Enables the received-data interrupt (IER = 1) and the OUT2 gate (MCR
 * 0x0B), unmasks IRQ 4, prints "serial: ready, type a line" and HLTs until
 * a line ending in CR or LF has arrived; the IRQ 4 handler reads IIR, then
 * every byte while LSR.DR is set, and EOIs the PIC. Prints the line as
 * "serial: got '<line>'" and checks it is "hello minivisor". Then the same
 * with the FIFOs on (FCR trigger level 4, so single typed bytes come in by
 * the character-timeout indication, IIR 0xCC): "serial: ready for a second
 * line (FIFO on)", expecting "FIFO works".
 *
 * The integration test types the lines (send-after). IRQ 0 from the PIT
 * (20 Hz) bounds each wait at 60 s, so a missing interrupt is a FAIL line
 * rather than a hang.
 */
#include "guest.h"

#define FCR_FIFO_TRIG4 0x47      /* enable, clear both FIFOs, trigger level 4 */

#define TICK_HZ      20u
#define WAIT_S       60u
#define LINE_MAX     64

static volatile uint32_t uart_irqs, pit_ticks;
static volatile uint8_t iir_first, iir_seen;
static volatile bool line_done;
static char line[LINE_MAX];
static volatile unsigned line_len;

static void com1_handler(unsigned vector)
{
    (void)vector;
    uint8_t iir = inb(UART_IIR);
    if (uart_irqs == 0)
        iir_first = iir;
    iir_seen |= (uint8_t)(1u << ((iir >> 1) & 7));
    uart_irqs++;
    while (inb(UART_LSR) & LSR_DR) {
        char c = (char)inb(UART_RBR);
        if (line_done)
            continue;                       /* keep the first line only */
        if (c == '\r' || c == '\n') {
            line[line_len] = '\0';
            line_done = true;
        } else if (line_len + 1 < LINE_MAX) {
            line[line_len++] = c;
        }
    }
    pic_eoi(COM1_IRQ);
}

static void pit_handler(unsigned vector)
{
    (void)vector;
    pit_ticks++;
    pic_eoi(0);
}

static void read_line(const char *prompt, const char *expected, uint8_t iir_id)
{
    line_len = 0;
    line_done = false;
    uart_irqs = 0;
    iir_seen = 0;
    pit_ticks = 0;
    note("%s", prompt);
    cli();
    while (!line_done && pit_ticks < WAIT_S * TICK_HZ) {
        sti_hlt();
        cli();
    }
    sti();
    if (!line_done) {
        check(false, "no line within %u s (%u interrupts, %u bytes)", WAIT_S, uart_irqs,
              line_len);
        return;
    }
    note("got '%s'", line);
    check(strlen(line) == strlen(expected) && memcmp(line, expected, strlen(expected)) == 0,
          "line '%s' (expected '%s')", line, expected);
    check(uart_irqs >= 1, "%u receive interrupts on IRQ 4", uart_irqs);
    check((iir_first & 0x0F) == iir_id,
          "IIR in the first interrupt 0x%02x (interrupt id 0x%x expected)", iir_first, iir_id);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("serial");

    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(PIC_MASTER_VECTOR + COM1_IRQ, com1_handler);
    irq_install(PIC_MASTER_VECTOR + 0, pit_handler);

    /* The guard timer: PIT channel 0, mode 2, 20 Hz. */
    pit_start_periodic(TICK_HZ);
    pic_unmask(0);

    outb(UART_LCR, LCR_8N1);
    outb(UART_FCR, 0);                       /* FIFOs off: one holding register */
    while (inb(UART_LSR) & LSR_DR)           /* nothing stale */
        (void)inb(UART_RBR);
    outb(UART_MCR, MCR_DTR_RTS_OUT2);
    outb(UART_IER, IER_ERBFI);
    check_eq("IER reads back", inb(UART_IER), IER_ERBFI);
    pic_unmask(COM1_IRQ);

    read_line("ready, type a line", "hello minivisor", 0x04);

    outb(UART_FCR, FCR_FIFO_TRIG4);
    uint8_t iir = inb(UART_IIR);
    check((iir & 0xC0) == 0xC0, "IIR bits 7:6 with the FIFOs on: 0x%02x", iir);
    read_line("ready for a second line (FIFO on)", "FIFO works", 0x0C);

    outb(UART_IER, 0);
    pic_mask(COM1_IRQ);
    pic_mask(0);
    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    return test_end();
}
