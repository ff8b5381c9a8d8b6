/*
 * The hypervisor console: a serial port (COM1 unless console= names COM2-4),
 * the 0xE9 debug port and the screen (drivers/hw/screen.c). Whole lines
 * are written at once, so lines from the hypervisor and its guests never
 * interleave inside a line.
 */
#ifndef DRIVERS_HW_CONSOLE_H
#define DRIVERS_HW_CONSOLE_H

#include <hv/types.h>
#include <hv/log.h>

/* CONSOLE_SERIAL: COM1, or COM2-4 where console= names one. */
enum console_sink { CONSOLE_SERIAL = 1, CONSOLE_E9 = 2, CONSOLE_BOTH = 3, CONSOLE_SCREEN = 4 };

/* Probe COM1; until console_configure runs, output goes to COM1 if present,
 * else to port 0xE9. */
void console_init(void);
/* Apply the boot options console= (a value drivers/hw/console_spec.h
 * accepts, "" for the default: COM1 and the screen when screen_setup found
 * one) and loglevel= (boot/boot_options.c checks both). */
void console_configure(const char *console_spec, enum log_level level);
bool console_has_serial(void);
/* Follow the ACPI SPCR table's serial console (drivers/hw/console_spec.h)
 * unless console= was given; says what it did. */
void console_use_spcr(bool console_given, uint16_t spcr_port, uint64_t spcr_mmio);
/* The I/O base of the console's UART, 0 when there is none. */
uint16_t console_serial_port(void);
/* Does output go to the screen console (console= and screen_present)? */
bool console_has_screen(void);

void console_write(const char *s, size_t len);
/*
 * COM1 output mode. Written through (the default): each write returns once
 * the UART has taken it. Asynchronous (while guests run): writes are queued
 * and sent as fast as the UART takes them without waiting; console_drain
 * sends what it can now, and the scheduler calls it whenever it runs.
 * Switching back flushes the queue.
 */
void console_async(bool on);
void console_drain(void);
void console_flush(void);
void console_puts(const char *s);
/* printf to the console without a level prefix. */
void kprintf(const char *fmt, ...) __printf(1, 2);

enum log_level console_log_level(void);

/*
 * The input line: a prompt and the text typed so far, kept as the last line
 * on COM1 while other output scrolls above it. console_set_input replaces it
 * (len 0 removes it); console_commit_input leaves it on screen as a finished
 * line (Enter was pressed) and starts with none.
 */
void console_set_input(const char *s, size_t len);
void console_commit_input(void);

/* A byte typed on COM1 or on the PS/2 keyboard (drivers/hw/i8042.c), or -1
 * when none is waiting. */
int console_getc(void);
/* How many bytes console_getc took from the PS/2 keyboard (not from the UART). */
unsigned console_keyboard_bytes(void);

#endif
