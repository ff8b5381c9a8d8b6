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

/* What to do with the serial console the firmware names in the ACPI SPCR
 * table (spcr_port / spcr_mmio, both 0: none) when the UART in use is at
 * current_port. console= given on the boot line always wins. */
enum spcr_use {
    SPCR_NONE,          /* no SPCR console */
    SPCR_CHOSEN,        /* console= chose: the SPCR is not used */
    SPCR_SAME,          /* it is the port in use already */
    SPCR_SWITCH,        /* move the serial console to spcr_port */
    SPCR_MMIO,          /* an MMIO UART: not driven (only I/O-port 16550s are) */
};
enum spcr_use console_spcr_use(bool console_given, uint16_t spcr_port, uint64_t spcr_mmio,
                               uint16_t current_port);

#endif
