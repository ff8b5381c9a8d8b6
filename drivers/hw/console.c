/*
 * Console output and leveled logging. Each log line is formatted into one
 * buffer and written whole: "[hv:LEVEL] message".
 */
#include "drivers/hw/console.h"
#include "drivers/hw/uart16550.h"
#include "boot/x86.h"
#include <hv/cmdline.h>
#include <hv/format.h>
#include <hv/string.h>

#define E9_PORT 0xE9

static bool com1_present;
static enum console_sink sink = CONSOLE_E9;
static enum log_level max_level = LOG_INFO;

static const char *const level_name[] = {
    [LOG_ERR] = "error", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void console_init(void)
{
    com1_present = uart16550_init(COM1_PORT);
    sink = com1_present ? CONSOLE_COM1 : CONSOLE_E9;
}

bool console_has_com1(void) { return com1_present; }
enum log_level console_log_level(void) { return max_level; }

void console_configure(const char *cmdline)
{
    char v[16];
    if (cmdline_get(cmdline, "console", v, sizeof(v))) {
        if (!strcmp(v, "com1"))
            sink = CONSOLE_COM1;
        else if (!strcmp(v, "e9"))
            sink = CONSOLE_E9;
        else if (!strcmp(v, "both"))
            sink = CONSOLE_BOTH;
        else
            pr_warn("unknown console=%s (com1|e9|both); keeping the default\n", v);
        if ((sink & CONSOLE_COM1) && !com1_present) {
            sink = CONSOLE_E9;
            pr_warn("console=%s: no UART answers at COM1, using port 0xE9\n", v);
        }
    }
    if (cmdline_get(cmdline, "loglevel", v, sizeof(v))) {
        bool found = false;
        for (unsigned i = 0; i < ARRAY_SIZE(level_name); i++) {
            if (!strcmp(v, level_name[i]) || (v[0] == (char)('0' + i) && !v[1])) {
                max_level = (enum log_level)i;
                found = true;
            }
        }
        if (!found)
            pr_warn("unknown loglevel=%s (err|warn|info|debug)\n", v);
    }
}

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (sink & CONSOLE_COM1) {
            if (s[i] == '\n')
                uart16550_putc(COM1_PORT, '\r');
            uart16550_putc(COM1_PORT, s[i]);
        }
        if (sink & CONSOLE_E9)
            outb(E9_PORT, (uint8_t)s[i]);
    }
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

int console_getc(void)
{
    return com1_present ? uart16550_getc(COM1_PORT) : -1;
}
