/*
 * PC keyboard scan code set 1 (what an i8042 controller hands over with its
 * set 2 -> set 1 translation on, as firmware leaves it) to the bytes a
 * serial terminal would send: letters, digits and punctuation of the US
 * layout with Shift and Caps Lock, Ctrl + letter as control codes (Ctrl-A is
 * 0x01), Enter as CR, Backspace as DEL (0x7F), Tab, Esc, and the arrow keys
 * as VT100 sequences (ESC [ A..D). Key releases and keys without a byte give
 * nothing. Pure logic: the host unit tests drive it.
 * Reference: IBM PC AT Technical Reference, keyboard scan codes; the
 * 0xE0-prefixed codes of the enhanced (101-key) keyboard.
 */
#ifndef DRIVERS_HW_KBD_SET1_H
#define DRIVERS_HW_KBD_SET1_H

#include <hv/types.h>

#define KBD_OUT_MAX 3          /* the longest output of one scan code */

struct kbd_set1 {
    bool shift_l, shift_r, ctrl_l, ctrl_r, caps, caps_down;
    bool e0;                   /* the last byte was the 0xE0 prefix */
};

void kbd_set1_init(struct kbd_set1 *k);
/* Feed one byte from the keyboard; stores up to KBD_OUT_MAX bytes in out and
 * returns how many. */
size_t kbd_set1_feed(struct kbd_set1 *k, uint8_t code, char out[KBD_OUT_MAX]);

#endif
