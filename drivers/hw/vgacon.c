/* VGA text-mode drawing: see drivers/hw/vgacon.h. Registers: IBM VGA
 * Technical Reference, "CRT Controller Registers" (index 0x3D4, data 0x3D5). */
#include "drivers/hw/vgacon.h"
#include "boot/x86.h"

#define VGA_CRTC_INDEX        0x3D4
#define VGA_CRTC_DATA         0x3D5
#define VGA_CRTC_CURSOR_START 0x0A
#define VGA_CURSOR_DISABLE    0x20

void vgacon_init(struct vgacon *vc, void *base, unsigned cols, unsigned rows)
{
    vc->base = base;
    vc->cols = cols;
    vc->rows = rows;
}

void vgacon_draw(void *ctx, unsigned col, unsigned row, uint8_t ch)
{
    struct vgacon *vc = ctx;
    if (ch < 0x20 || ch > 0x7E)
        ch = '?';
    vc->base[row * vc->cols + col] = (uint16_t)(VGA_ATTR_NORMAL << 8 | ch);
}

void vgacon_hide_cursor(void)
{
    outb(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_START);
    outb(VGA_CRTC_DATA, VGA_CURSOR_DISABLE);
}
