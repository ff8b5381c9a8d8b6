/* Text grid of the screen console: see drivers/hw/textgrid.h. */
#include "drivers/hw/textgrid.h"
#include <hv/string.h>

enum { ESC_NONE, ESC_SEEN, ESC_CSI };

#define SHOWN_UNKNOWN 0     /* never a character the grid holds (NUL is not stored) */

void textgrid_init(struct textgrid *g, unsigned cols, unsigned rows, uint8_t *cells,
                   uint8_t *shown)
{
    g->cols = cols;
    g->rows = rows;
    g->col = g->row = 0;
    g->cells = cells;
    g->shown = shown;
    g->esc = ESC_NONE;
    memset(cells, TEXTGRID_BLANK, (size_t)cols * rows);
    memset(shown, SHOWN_UNKNOWN, (size_t)cols * rows);
}

/* Move every line up by one and blank the last: in the shadow only. */
static void scroll(struct textgrid *g)
{
    size_t line = g->cols;
    memmove(g->cells, g->cells + line, line * (g->rows - 1));
    memset(g->cells + line * (g->rows - 1), TEXTGRID_BLANK, line);
}

static void newline(struct textgrid *g)
{
    g->col = 0;
    if (g->row + 1 < g->rows)
        g->row++;
    else
        scroll(g);
}

static void put(struct textgrid *g, uint8_t ch)
{
    if (g->col == g->cols)
        newline(g);
    g->cells[g->row * g->cols + g->col] = ch;
    g->col++;
}

void textgrid_write(struct textgrid *g, const char *s, size_t len)
{
    if (!g->cols || !g->rows)
        return;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (g->esc == ESC_SEEN) {
            g->esc = c == '[' ? ESC_CSI : ESC_NONE;
            continue;
        }
        if (g->esc == ESC_CSI) {
            if (c >= 0x40 && c <= 0x7E) {               /* the final byte */
                g->esc = ESC_NONE;
                if (c == 'K' && g->col < g->cols)
                    memset(&g->cells[g->row * g->cols + g->col], TEXTGRID_BLANK,
                           g->cols - g->col);
            }
            continue;
        }
        switch (c) {
        case '\n':
            newline(g);
            break;
        case '\r':
            g->col = 0;
            break;
        case '\b':
            if (g->col)
                g->col--;
            break;
        case '\t':
            do
                put(g, TEXTGRID_BLANK);
            while (g->col % 8 && g->col < g->cols);
            break;
        case 0x1B:
            g->esc = ESC_SEEN;
            break;
        default:
            if (c >= 0x20 && c != 0x7F)
                put(g, c);
            break;
        }
    }
}

unsigned textgrid_flush(struct textgrid *g, textgrid_draw_fn draw, void *ctx)
{
    unsigned n = 0;
    for (unsigned r = 0; r < g->rows; r++) {
        for (unsigned c = 0; c < g->cols; c++) {
            size_t i = (size_t)r * g->cols + c;
            if (g->cells[i] != g->shown[i]) {
                draw(ctx, c, r, g->cells[i]);
                g->shown[i] = g->cells[i];
                n++;
            }
        }
    }
    return n;
}
