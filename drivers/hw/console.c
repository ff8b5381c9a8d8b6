/*
 * Console output and leveled logging. Each log line is formatted into one
 * buffer and written whole: "[hv:LEVEL] message".
 *
 * While guests run (console_async), COM1 output goes through a ring that is
 * drained as fast as the UART takes it without waiting: a line at 115200
 * baud takes milliseconds to send, and waiting for it would stop every
 * guest meanwhile. Elsewhere (boot, the summary, fatal errors) it is
 * written through, so nothing is left unsent when the machine stops.
 *
 * The screen console (drivers/hw/screen.c) gets the same bytes as COM1.
 *
 * The input line (the monitor's prompt and what has been typed so far) lives
 * on the terminal's last line, on COM1 and the screen: other output first erases it
 * (CR, then VT100 "erase to end of line", ESC [ K) and draws it again once a
 * whole line has been written, as line editors do.
 */
#include "drivers/hw/console.h"
#include "drivers/hw/console_spec.h"
#include "drivers/hw/i8042.h"
#include "drivers/hw/screen.h"
#include "drivers/hw/uart16550.h"
#include "boot/percpu.h"
#include "boot/x86.h"
#include <hv/spinlock.h>
#include <hv/format.h>
#include <hv/string.h>

#define E9_PORT 0xE9

static bool uart_present;                   /* the serial console's UART answers */
static uint16_t uart_port = COM1_PORT;      /* COM1, or COM2-4 by console= */
static const uint16_t com_ports[] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };   /* COM1-4 */
static bool kbd_present;
static unsigned sink = CONSOLE_E9;   /* enum console_sink bits */
static enum log_level max_level = LOG_INFO;

#define INPUT_MAX 96
#define TX_RING_SIZE 16384          /* a power of two */
#define TX_STALL_LIMIT 100000       /* drain attempts without progress: the UART is dead */

static char tx_ring[TX_RING_SIZE];
static size_t tx_head, tx_tail;     /* free-running; head - tail bytes queued */
static bool tx_async;

static char input[INPUT_MAX];
static size_t input_len;
static bool input_shown;          /* drawn on the terminal right now */
static bool at_line_start = true; /* the last output ended its line */

/* Output from several CPUs: one lock around each write (a log line is one
 * write, so lines never interleave). The CPU holding it may come back in
 * (an exception report, an interrupt handler, console_write -> drain). */
static struct spinlock out_lock = SPINLOCK_INIT;
static volatile int out_owner = -1;

static bool out_enter(void)
{
    int me = (int)this_cpu_id();
    if (out_owner == me)
        return false;
    spin_lock(&out_lock);
    out_owner = me;
    return true;
}

static void out_leave(bool took)
{
    if (took) {
        out_owner = -1;
        spin_unlock(&out_lock);
    }
}

static const char *const level_name[] = {
    [LOG_ERR] = "error", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void console_init(void)
{
    uart_present = uart16550_init(uart_port);
    sink = uart_present ? CONSOLE_SERIAL : CONSOLE_E9;
    kbd_present = i8042_init();
}

bool console_has_serial(void) { return uart_present; }

void console_use_spcr(bool console_given, uint16_t spcr_port, uint64_t spcr_mmio)
{
    switch (console_spcr_use(console_given, spcr_port, spcr_mmio, uart_port)) {
    case SPCR_NONE:
    case SPCR_SAME:
        break;
    case SPCR_CHOSEN:
        pr_info("console: console= given; the ACPI SPCR table's UART is not used\n");
        break;
    case SPCR_SWITCH:
        if (!uart16550_init(spcr_port)) {
            pr_warn("console: the ACPI SPCR table names a UART at port 0x%x that does not "
                    "answer; keeping port 0x%x\n", spcr_port, uart_port);
            break;
        }
        pr_info("console: moving to port 0x%x, the serial console of the ACPI SPCR table\n",
                spcr_port);
        uart_port = spcr_port;
        uart_present = true;
        sink = (sink & ~(unsigned)CONSOLE_E9) | CONSOLE_SERIAL;
        pr_info("console: moved to port 0x%x, as the ACPI SPCR table asks\n", spcr_port);
        break;
    case SPCR_MMIO:
        pr_info("console: the ACPI SPCR table names an MMIO UART at 0x%llx; only I/O-port "
                "UARTs are driven (console=com1-com4 picks one)\n",
                (unsigned long long)spcr_mmio);
        break;
    }
}
uint16_t console_serial_port(void) { return uart_present ? uart_port : 0; }
bool console_has_screen(void) { return (sink & CONSOLE_SCREEN) != 0; }
enum log_level console_log_level(void) { return max_level; }

void console_configure(const char *spec, enum log_level level)
{
    /* The default: COM1 (or port 0xE9 without a UART) and the screen. */
    if (screen_present())
        sink |= CONSOLE_SCREEN;
    unsigned want, com, coms;
    if (spec[0] && console_spec_parse(spec, strlen(spec), &want, &com, &coms)) {
        sink = want;
        if (coms > 1)
            pr_warn("console=%s: one serial port at a time; using COM%u\n", spec, com);
        if (com_ports[com - 1] != uart_port) {
            uart_port = com_ports[com - 1];
            uart_present = uart16550_init(uart_port);
        }
        if ((sink & CONSOLE_SCREEN) && !screen_present()) {
            sink &= ~CONSOLE_SCREEN;
            if (!(want & ~CONSOLE_SCREEN))
                sink = uart_present ? CONSOLE_SERIAL : CONSOLE_E9;
            pr_warn("console=%s: GRUB passed no usable framebuffer\n", spec);
        }
        if ((sink & CONSOLE_SERIAL) && !uart_present) {
            sink = (sink & ~CONSOLE_SERIAL) | CONSOLE_E9;
            pr_warn("console=%s: no UART answers at port 0x%x, using port 0xE9\n", spec,
                    uart_port);
        }
    }
    max_level = level;
}

static void drain(void)
{
    while (tx_head != tx_tail) {
        size_t at = tx_tail % TX_RING_SIZE;
        size_t n = MIN(tx_head - tx_tail, TX_RING_SIZE - at);
        size_t sent = uart16550_write_nowait(uart_port, &tx_ring[at], n);
        if (!sent)
            return;
        tx_tail += sent;
    }
}

/* Drain until at most `keep` bytes are queued. */
static void drain_to(size_t keep)
{
    unsigned stalled = 0;
    while (tx_head - tx_tail > keep) {
        size_t before = tx_tail;
        drain();
        stalled = tx_tail == before ? stalled + 1 : 0;
        if (stalled == TX_STALL_LIMIT) {       /* nobody listens: drop the backlog */
            tx_tail = tx_head;
            return;
        }
    }
}

void console_drain(void)
{
    bool took = out_enter();
    drain();
    out_leave(took);
}

void console_flush(void)
{
    bool took = out_enter();
    drain_to(0);
    uart16550_wait_sent(uart_port);
    out_leave(took);
}

void console_async(bool on)
{
    if (!on)
        console_flush();
    tx_async = on;
}

static void com1_put(char c)
{
    if (tx_head - tx_tail == TX_RING_SIZE)
        drain_to(TX_RING_SIZE - 1);
    tx_ring[tx_head++ % TX_RING_SIZE] = c;
}

static void com1_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            com1_put('\r');
        com1_put(s[i]);
    }
    if (tx_async) {
        drain();
    } else {
        drain_to(0);
        uart16550_wait_sent(uart_port);
    }
}

static bool input_visible(void)
{
    return (sink & (CONSOLE_SERIAL | CONSOLE_SCREEN)) != 0;
}

/* The terminals that show the input line: COM1 and the screen. */
static void term_write(const char *s, size_t len)
{
    if (sink & CONSOLE_SERIAL)
        com1_write(s, len);
    if (sink & CONSOLE_SCREEN)
        screen_write(s, len);
}

static void erase_input(void)
{
    if (input_shown) {
        term_write("\r\033[K", 4);
        input_shown = false;
    }
}

static void draw_input(void)
{
    if (!input_shown && input_len && at_line_start && input_visible()) {
        term_write(input, input_len);
        input_shown = true;
    }
}

void console_write(const char *s, size_t len)
{
    if (!len)
        return;
    bool took = out_enter();
    erase_input();
    term_write(s, len);
    if (sink & CONSOLE_E9)
        for (size_t i = 0; i < len; i++)
            outb(E9_PORT, (uint8_t)s[i]);
    at_line_start = s[len - 1] == '\n';
    draw_input();
    out_leave(took);
}

void console_set_input(const char *s, size_t len)
{
    if (len > INPUT_MAX)
        len = INPUT_MAX;
    /* Typing one more character: write just that, not the whole line. */
    if (input_shown && len >= input_len && !memcmp(s, input, input_len)) {
        term_write(s + input_len, len - input_len);
        memcpy(input + input_len, s + input_len, len - input_len);
        input_len = len;
        return;
    }
    erase_input();
    if (len)
        memcpy(input, s, len);
    input_len = len;
    draw_input();
}

void console_commit_input(void)
{
    if (!input_len)
        return;
    if (!input_shown && input_visible())
        term_write(input, input_len);
    if (input_visible())
        term_write("\n", 1);
    input_shown = false;
    input_len = 0;
    at_line_start = true;
}

void console_puts(const char *s)
{
    console_write(s, strlen(s));
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    char buf[512];
    size_t n = 0;
    if (prefix)
        n = (size_t)fmt_snprintf(buf, sizeof(buf), "%s", prefix);
    int m = fmt_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    n += (size_t)m;
    if (n >= sizeof(buf)) {           /* truncated: keep the line ending */
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }
    console_write(buf, n);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(NULL, fmt, ap);
    va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    char prefix[16];
    fmt_snprintf(prefix, sizeof(prefix), "[hv:%s] ", level_name[level]);
    va_list ap;
    va_start(ap, fmt);
    vprint(prefix, fmt, ap);
    va_end(ap);
}

static unsigned kbd_bytes;

int console_getc(void)
{
    int c = uart_present ? uart16550_getc(uart_port) : -1;
    if (c < 0 && kbd_present) {
        c = i8042_getc();
        kbd_bytes += c >= 0;
    }
    return c;
}

unsigned console_keyboard_bytes(void)
{
    return kbd_bytes;
}
