/*
 * Text on the VGA's colour text mode (80x25 at 0xB8000, as a BIOS leaves it
 * and GRUB passes it as an "EGA text" framebuffer): each cell is a character
 * byte and an attribute byte. Writes only.
 */
#ifndef DRIVERS_HW_VGACON_H
#define DRIVERS_HW_VGACON_H

#include <hv/types.h>

#define VGA_TEXT_BASE   0xB8000ULL
#define VGA_ATTR_NORMAL 0x07        /* light grey on black */

struct vgacon {
    volatile uint16_t *base;
    unsigned cols, rows;
};

void vgacon_init(struct vgacon *vc, void *base, unsigned cols, unsigned rows);
/* Draw ch at (col, row) (a textgrid_draw_fn; ctx is the vgacon). Bytes
 * outside printable ASCII show as '?': the VGA font is code page 437. */
void vgacon_draw(void *ctx, unsigned col, unsigned row, uint8_t ch);
/* Hide the hardware cursor (CRTC Cursor Start register, bit 5). */
void vgacon_hide_cursor(void);

#endif
