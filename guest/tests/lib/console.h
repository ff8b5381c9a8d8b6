/*
 * Console output on COM1 (port 0x3F8): one character at a time through the
 * transmit holding register, and a small printf.
 *
 * printf understands %d %u %x %X %s %c %p %%, a '0' flag and a field width
 * (e.g. %08x), and the 'll' size for 64-bit %d/%u/%x (e.g. %llu, %016llx).
 */
#ifndef GUEST_LIB_CONSOLE_H
#define GUEST_LIB_CONSOLE_H

#include <stdarg.h>
#include <stdint.h>

#define COM1_BASE   0x3F8u
#define COM1_THR    (COM1_BASE + 0)   /* transmit holding register (write) */
#define COM1_LSR    (COM1_BASE + 5)   /* line status register (read) */
#define COM1_SCR    (COM1_BASE + 7)   /* scratch register */
#define LSR_THRE    0x20u             /* transmit holding register empty */
#define LSR_TEMT    0x40u             /* transmitter empty */

/* Print through minivisor's HC_CONSOLE_WRITE hypercall (a line at a time)
 * instead of COM1, and end through HC_EXIT instead of the debug-exit port:
 * for guests that must not use port I/O (labs/, the lab 2-4 tests). */
#include <stdbool.h>
extern bool console_hypercall;
void console_use_hypercall(void);

void putc(char c);
void puts(const char *s);                 /* no newline added */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char *fmt, va_list ap);

/* n / d for a 64-bit n and 32-bit d, without libgcc; *rem gets n % d. */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);

#endif
