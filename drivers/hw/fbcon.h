/*
 * Text drawn on a linear framebuffer (the one GRUB set up: a UEFI GOP mode,
 * or a VBE mode under BIOS), direct RGB at 16, 24 or 32 bits per pixel, one
 * font cell per character. Writes only: nothing is read back from video
 * memory. Works on any memory (the host unit tests draw into a buffer).
 */
#ifndef DRIVERS_HW_FBCON_H
#define DRIVERS_HW_FBCON_H

#include <hv/types.h>
#include "drivers/hw/font.h"

struct boot_framebuffer;

struct fbcon {
    uint8_t *base;
    uint32_t pitch, width, height;
    unsigned bytes_pp;
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
    uint32_t fg, bg;                /* pixel values */
    const struct console_font *font;
    unsigned cols, rows;            /* text cells that fit */
};

/* Light grey on black, as the VGA text console draws its default attribute. */
#define FBCON_FG_RGB 0xAAAAAA
#define FBCON_BG_RGB 0x000000

/* Set up for the framebuffer bf, mapped at base. -HV_ENODEV when it is not
 * direct RGB at 16/24/32 bpp or is smaller than one cell. */
int fbcon_init(struct fbcon *fc, void *base, const struct boot_framebuffer *bf,
               const struct console_font *font) __must_check;
/* Draw character ch in cell (col, row) (a textgrid_draw_fn; ctx is the fbcon). */
void fbcon_draw(void *ctx, unsigned col, unsigned row, uint8_t ch);
/* The pixel value of a 0xRRGGBB colour in this framebuffer's format. */
uint32_t fbcon_pixel(const struct fbcon *fc, uint32_t rgb);

#endif
