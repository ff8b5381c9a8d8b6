/* The screen console: see drivers/hw/screen.h. */
#include "drivers/hw/screen.h"
#include "drivers/hw/fbcon.h"
#include "drivers/hw/font.h"
#include "drivers/hw/textgrid.h"
#include "drivers/hw/vgacon.h"
#include "drivers/hw/console.h"
#include "boot/multiboot2.h"
#include "mm/paging.h"

/* Up to 480 x 160 cells: a 3840 x 2160 framebuffer with an 8 x 16 font
 * (larger screens use the top-left part). */
#define SCREEN_MAX_COLS 480
#define SCREEN_MAX_ROWS 160

enum screen_kind { SCREEN_NONE, SCREEN_FB, SCREEN_VGA };

static enum screen_kind kind;
static bool live;                   /* video memory mapped: draw */
static struct boot_framebuffer fb;
static struct fbcon fbc;
static struct vgacon vgc;
static struct textgrid grid;
static uint8_t cells[SCREEN_MAX_COLS * SCREEN_MAX_ROWS];
static uint8_t shown[SCREEN_MAX_COLS * SCREEN_MAX_ROWS];

void screen_setup(const struct boot_info *bi)
{
    unsigned cols, rows;
    kind = SCREEN_NONE;
    if (!bi->has_fb)
        return;
    fb = bi->fb;
    if (fb.type == MB2_FB_TYPE_EGA_TEXT) {
        if (fb.addr != VGA_TEXT_BASE || !fb.width || !fb.height)
            return;
        vgacon_init(&vgc, (void *)(uintptr_t)fb.addr, fb.width, fb.height);
        cols = fb.width;
        rows = fb.height;
        kind = SCREEN_VGA;
    } else {
        if (fbcon_init(&fbc, (void *)(uintptr_t)fb.addr, &fb, &console_font) < 0)
            return;
        cols = fbc.cols;
        rows = fbc.rows;
        kind = SCREEN_FB;
    }
    textgrid_init(&grid, MIN(cols, SCREEN_MAX_COLS), MIN(rows, SCREEN_MAX_ROWS), cells,
                  shown);
}

bool screen_present(void) { return kind != SCREEN_NONE; }

static void flush(void)
{
    if (kind == SCREEN_FB)
        textgrid_flush(&grid, fbcon_draw, &fbc);
    else
        textgrid_flush(&grid, vgacon_draw, &vgc);
}

void screen_start(void)
{
    if (kind == SCREEN_NONE)
        return;
    uint64_t len = kind == SCREEN_VGA ? (uint64_t)fb.width * fb.height * 2
                                      : (uint64_t)fb.pitch * fb.height;
    int wc = paging_map_wc(fb.addr, len);
    if (wc < 0) {
        kind = SCREEN_NONE;
        pr_warn("screen: cannot map the video memory at 0x%llx; no screen console\n",
                (unsigned long long)fb.addr);
        return;
    }
    if (kind == SCREEN_VGA)
        vgacon_hide_cursor();
    live = true;
    flush();
    if (kind == SCREEN_FB)
        pr_info("screen: %ux%u %u-bpp framebuffer at 0x%llx (%s), %ux%u text console, "
                "font %s %ux%u\n", fb.width, fb.height, fb.bpp, (unsigned long long)fb.addr,
                wc ? "write-combining" : "uncached", grid.cols, grid.rows, console_font.name,
                console_font.width, console_font.height);
    else
        pr_info("screen: VGA text mode %ux%u at 0x%llx\n", fb.width, fb.height,
                (unsigned long long)fb.addr);
}

void screen_write(const char *s, size_t len)
{
    if (kind == SCREEN_NONE)
        return;
    textgrid_write(&grid, s, len);
    if (live)
        flush();
}
