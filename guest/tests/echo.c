/*
 * echo: an interactive demo guest. Reads typed lines from COM1 by receive
 * interrupts and answers each one, so `make run` has a guest to type to.
 *
 * COM1 as in serial.c: IER.ERBFI, MCR.OUT2, FIFOs on (trigger level 1),
 * IRQ 4 through the PIC; the handler reads IIR, then every byte while
 * LSR.DR is set into a ring buffer, and EOIs. The PIT (channel 0, mode 2,
 * 20 Hz, IRQ 0) is the clock for the idle timeout. The main loop HLTs
 * (cli; sti_hlt) until a byte or a tick arrives and edits the line: CR or
 * LF ends it (empty lines are ignored), backspace (0x08) or DEL (0x7f)
 * deletes the last character, other control bytes and bytes above 0x7e
 * are ignored, and characters beyond the 70th (LINE_MAX) are dropped.
 *
 * Prints, with N the line number and K the COM1 interrupts so far:
 *     echo: leaving after S s without input (...)  (idle=0: "waiting for
 *           input without a time limit (idle=0)")
 *     echo: type a line and Enter; quit ends this guest
 *     echo: N: line too long, kept the first 70 characters   (if so)
 *     echo: N: 'TEXT' (K receive interrupts so far)
 *     echo: N: L characters, reversed 'TXET'
 * The line "quit" ends the guest: "echo: bye after N lines". Command-line
 * option idle=S (module2 ... -- idle=S; default 30, 0 = wait forever):
 * after S seconds of PIT time without a byte, "echo: no input for S s,
 * leaving". Either way it then prints "echo: B bytes in K receive
 * interrupts (E found nothing to read), T timer ticks" and the checks: no
 * interrupt on any other vector, every COM1 interrupt a receive one (IIR
 * 0x04/0x0C, or 0x01 when an earlier interrupt already took the byte), no
 * receive errors in the LSR, no byte lost in the ring buffer.
 */
#include "guest.h"

#define LSR_ERRORS   0x1E        /* OE, PE, FE, BI */
#define FCR_FIFO_TRIG1 0x07      /* enable, clear both FIFOs, trigger level 1 */
#define IIR_NONE     0x01
#define IIR_RX_DATA  0x04
#define IIR_RX_TIMEOUT 0x0C

#define TICK_HZ      20u
#define IDLE_DEFAULT_S 30u
#define LINE_MAX     70
#define RING_SIZE    1024u       /* a power of two */

#define KEY_BS       0x08
#define KEY_DEL      0x7F

static volatile uint32_t pit_ticks, last_rx_tick;
static volatile uint32_t rx_irqs, rx_empty_irqs, rx_bad_iir, rx_bytes, rx_dropped;
static volatile uint8_t bad_iir, lsr_errors;
static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head, ring_tail;    /* head: handler, tail: main */
static uint32_t lines_done;                        /* lines answered so far */

static void com1_handler(unsigned vector)
{
    (void)vector;
    uint8_t iir = inb(UART_IIR) & 0x0F;
    rx_irqs++;
    if (iir == IIR_NONE) {
        rx_empty_irqs++;
    } else if (iir != IIR_RX_DATA && iir != IIR_RX_TIMEOUT) {
        rx_bad_iir++;
        bad_iir = iir;
    }
    uint8_t lsr;
    while ((lsr = inb(UART_LSR)) & LSR_DR) {
        lsr_errors |= lsr & LSR_ERRORS;
        uint8_t c = inb(UART_RBR);
        rx_bytes++;
        last_rx_tick = pit_ticks;
        if (ring_head - ring_tail < RING_SIZE) {
            ring[ring_head % RING_SIZE] = c;
            ring_head++;
        } else {
            rx_dropped++;
        }
    }
    lsr_errors |= lsr & LSR_ERRORS;
    pic_eoi(COM1_IRQ);
}

/* Bytes that answer nothing (empty lines, control characters) are named,
 * so a count that differs from what was typed says which byte came. */
static void ignored(uint8_t c, uint32_t index)
{
    note("ignored byte 0x%02x (byte %u received, after line %u)", c, index + 1, lines_done);
}

static void pit_handler(unsigned vector)
{
    (void)vector;
    pit_ticks++;
    pic_eoi(0);
}

/* idle=S among the command line's words; `fallback` if absent or bad. */
static uint32_t idle_option(const char *s, uint32_t fallback)
{
    const char *word;
    size_t len;
    while ((word = next_word(&s, &len)) != NULL) {
        if (len > 5 && strncmp(word, "idle=", 5) == 0) {
            uint32_t v = 0;
            const char *p;
            for (p = word + 5; p < s && *p >= '0' && *p <= '9' && v < 100000; p++)
                v = v * 10 + (uint32_t)(*p - '0');
            if (p == s)
                return v;
            note("ignoring a bad idle= option (seconds expected)");
        }
    }
    return fallback;
}

static bool idle_expired(uint32_t idle_s)
{
    return idle_s && pit_ticks - last_rx_tick >= idle_s * TICK_HZ;
}

int main(uint32_t magic, struct mb1_info *info)
{
    const char *cmdline = "";
    test_begin("echo");
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_CMDLINE))
        cmdline = (const char *)(uintptr_t)info->cmdline;
    uint32_t idle_s = idle_option(cmdline, IDLE_DEFAULT_S);

    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(PIC_MASTER_VECTOR + COM1_IRQ, com1_handler);
    irq_install(PIC_MASTER_VECTOR + 0, pit_handler);

    /* The clock: PIT channel 0, mode 2, 20 Hz. */
    pit_start_periodic(TICK_HZ);
    pic_unmask(0);

    outb(UART_LCR, LCR_8N1);
    outb(UART_FCR, FCR_FIFO_TRIG1);
    while (inb(UART_LSR) & LSR_DR)           /* nothing stale */
        (void)inb(UART_RBR);
    outb(UART_MCR, MCR_DTR_RTS_OUT2);
    outb(UART_IER, IER_ERBFI);
    pic_unmask(COM1_IRQ);

    if (idle_s)
        note("leaving after %u s without input (idle=S on the command line, 0: never)", idle_s);
    else
        note("waiting for input without a time limit (idle=0)");
    note("type a line and Enter; quit ends this guest");

    char line[LINE_MAX + 1];
    unsigned len = 0, lines = 0;
    bool truncated = false, quit = false;

    cli();
    while (!quit) {
        while (ring_tail == ring_head && !idle_expired(idle_s)) {
            sti_hlt();
            cli();
        }
        if (ring_tail == ring_head) {       /* the idle timeout */
            sti();
            note("no input for %u s, leaving", idle_s);
            break;
        }
        uint8_t c = ring[ring_tail % RING_SIZE];
        ring_tail++;
        sti();

        if ((c == '\r' || c == '\n') && len) {
            line[len] = '\0';
            if (len == 4 && memcmp(line, "quit", 4) == 0) {
                quit = true;
            } else {
                lines++;
                lines_done = lines;
                if (truncated)
                    note("%u: line too long, kept the first %u characters", lines, LINE_MAX);
                note("%u: '%s' (%u receive interrupts so far)", lines, line, rx_irqs);
                char rev[LINE_MAX + 1];
                for (unsigned i = 0; i < len; i++)
                    rev[i] = line[len - 1 - i];
                rev[len] = '\0';
                note("%u: %u characters, reversed '%s'", lines, len, rev);
            }
            len = 0;
            truncated = false;
        } else if (c == '\r' || c == '\n') {
            truncated = false;              /* an empty line: nothing to answer */
            ignored(c, ring_tail - 1);
        } else if (c == KEY_BS || c == KEY_DEL) {
            if (len)
                len--;
        } else if (c >= 0x20 && c < 0x7F) {
            if (len < LINE_MAX)
                line[len++] = (char)c;
            else
                truncated = true;
        } else {
            ignored(c, ring_tail - 1);
        }
        cli();
    }
    sti();
    if (quit)
        note("bye after %u line%s", lines, lines == 1 ? "" : "s");

    outb(UART_IER, 0);
    pic_mask(COM1_IRQ);
    pic_mask(0);
    note("%u bytes in %u receive interrupts (%u found nothing to read), %u timer ticks",
         rx_bytes, rx_irqs, rx_empty_irqs, pit_ticks);
    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    check(rx_bad_iir == 0, "every COM1 interrupt a receive one (%u others, last IIR 0x%02x)",
          rx_bad_iir, bad_iir);
    check(lsr_errors == 0, "no receive errors (LSR error bits 0x%02x)", lsr_errors);
    check(rx_dropped == 0, "no byte lost (%u received, %u dropped)", rx_bytes, rx_dropped);
    return test_end();
}
