/*
 * The value of the console= boot option: words com1-com4, e9, both (com1
 * and e9), screen (also fb or vga), joined by ','. Pure: boot/boot_options.c
 * checks the word with it, drivers/hw/console.c applies it.
 */
#ifndef DRIVERS_HW_CONSOLE_SPEC_H
#define DRIVERS_HW_CONSOLE_SPEC_H

#include <hv/types.h>

#define CONSOLE_SPEC_WORDS "com1-com4, e9, both, screen, fb or vga, joined by ','"

/* Parse v[0..n): *sinks gets the enum console_sink bits, *com the first
 * serial port named (1-4, 1 if none), *coms how many were named. False if
 * a word is unknown or nothing is named. */
bool console_spec_parse(const char *v, size_t n, unsigned *sinks, unsigned *com, unsigned *coms);

#endif
