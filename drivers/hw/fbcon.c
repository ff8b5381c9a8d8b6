/* Framebuffer text drawing: see drivers/hw/fbcon.h. */
#include "drivers/hw/fbcon.h"
#include "boot/multiboot2.h"
#include <hv/errno.h>

static uint32_t channel(uint32_t v8, uint8_t pos, uint8_t size)
{
    if (!size)
        return 0;
    if (size > 8)
        size = 8;
    return (v8 >> (8 - size)) << pos;
}

uint32_t fbcon_pixel(const struct fbcon *fc, uint32_t rgb)
{
    return channel((rgb >> 16) & 0xFF, fc->red_pos, fc->red_size) |
           channel((rgb >> 8) & 0xFF, fc->green_pos, fc->green_size) |
           channel(rgb & 0xFF, fc->blue_pos, fc->blue_size);
}

int fbcon_init(struct fbcon *fc, void *base, const struct boot_framebuffer *bf,
               const struct console_font *font)
{
    if (bf->type != MB2_FB_TYPE_RGB || (bf->bpp != 16 && bf->bpp != 24 && bf->bpp != 32))
        return -HV_ENODEV;
    fc->base = base;
    fc->pitch = bf->pitch;
    fc->width = bf->width;
    fc->height = bf->height;
    fc->bytes_pp = bf->bpp / 8;
    if ((uint64_t)fc->width * fc->bytes_pp > fc->pitch)
        return -HV_ENODEV;
    fc->red_pos = bf->red_pos;
    fc->red_size = bf->red_size;
    fc->green_pos = bf->green_pos;
    fc->green_size = bf->green_size;
    fc->blue_pos = bf->blue_pos;
    fc->blue_size = bf->blue_size;
    fc->font = font;
    fc->cols = fc->width / font->width;
    fc->rows = fc->height / font->height;
    if (!fc->cols || !fc->rows)
        return -HV_ENODEV;
    fc->fg = fbcon_pixel(fc, FBCON_FG_RGB);
    fc->bg = fbcon_pixel(fc, FBCON_BG_RGB);
    return 0;
}

void fbcon_draw(void *ctx, unsigned col, unsigned row, uint8_t ch)
{
    const struct fbcon *fc = ctx;
    const struct console_font *f = fc->font;
    const uint8_t *glyph = font_glyph(f, ch);
    uint8_t *line = fc->base + (size_t)row * f->height * fc->pitch +
                    (size_t)col * f->width * fc->bytes_pp;

    /* Row by row, left to right: sequential stores suit write-combining. */
    for (unsigned y = 0; y < f->height; y++, line += fc->pitch) {
        const uint8_t *bits = glyph + y * f->row_bytes;
        for (unsigned x = 0; x < f->width; x++) {
            uint32_t px = (bits[x / 8] & (0x80 >> (x % 8))) ? fc->fg : fc->bg;
            switch (fc->bytes_pp) {
            case 4:
                ((volatile uint32_t *)line)[x] = px;
                break;
            case 3: {
                volatile uint8_t *p = line + x * 3;
                p[0] = (uint8_t)px;
                p[1] = (uint8_t)(px >> 8);
                p[2] = (uint8_t)(px >> 16);
                break;
            }
            default:
                ((volatile uint16_t *)line)[x] = (uint16_t)px;
                break;
            }
        }
    }
}
