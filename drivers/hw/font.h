/*
 * The screen console's font: a Linux console font (PSF) from Debian's
 * console-setup package, converted at build time by tools/psf2c.py into
 * build/gen/font.c. One glyph per byte value 0-255 (Latin-1); each glyph is
 * `height` rows of `row_bytes` bytes, the leftmost pixel in the top bit.
 */
#ifndef DRIVERS_HW_FONT_H
#define DRIVERS_HW_FONT_H

#include <hv/types.h>

struct console_font {
    unsigned width, height, row_bytes;
    const char *name;
    const uint8_t *glyphs;          /* 256 * height * row_bytes bytes */
};

extern const struct console_font console_font;

static inline const uint8_t *font_glyph(const struct console_font *f, uint8_t ch)
{
    return f->glyphs + (size_t)ch * f->height * f->row_bytes;
}

#endif
