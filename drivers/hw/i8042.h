/*
 * The host's PS/2 keyboard through the i8042 controller (polled, IRQ 1
 * stays masked): its scan codes (set 1, as the controller translates them
 * by default) become the bytes a serial terminal would send
 * (drivers/hw/kbd_set1.c), and join COM1 as console input.
 */
#ifndef DRIVERS_HW_I8042_H
#define DRIVERS_HW_I8042_H

#include <hv/types.h>

/* Is there a controller (its status port does not read as all ones)?
 * Drops whatever is waiting in its output buffer. */
bool i8042_init(void);
/* The next byte typed on the keyboard, or -1 when none is waiting. */
int i8042_getc(void);

#endif
