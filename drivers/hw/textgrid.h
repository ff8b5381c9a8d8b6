/*
 * A text grid: the characters a screen console shows, kept in RAM (the
 * shadow), with a cursor, line wrap and scrolling. Scrolling moves the
 * shadow, never video memory; textgrid_flush then hands the screen only the
 * cells that differ from what it shows (a second array), so a console never
 * reads video memory back. Pure logic: the host unit tests drive it.
 *
 * Understood in the text written: printable bytes (0x20-0xFF), '\n' (next
 * line, column 0), '\r' (column 0), '\b' (one column back), '\t' (to the
 * next multiple of 8), and the VT100 sequences ESC [ K (erase to the end of
 * the line; the console erases its input line so) - other ESC [ ... sequences
 * are swallowed. Other control bytes are ignored.
 */
#ifndef DRIVERS_HW_TEXTGRID_H
#define DRIVERS_HW_TEXTGRID_H

#include <hv/types.h>

#define TEXTGRID_BLANK ' '

struct textgrid {
    unsigned cols, rows;
    unsigned col, row;          /* cursor; col == cols: wrap before the next character */
    uint8_t *cells;             /* rows * cols: what the screen should show */
    uint8_t *shown;             /* rows * cols: what it shows now */
    uint8_t esc;                /* escape-sequence state */
};

/* Set up a grid over two caller-owned arrays of cols * rows bytes. The grid
 * starts blank and everything is marked as not yet shown, so the first flush
 * draws every cell (and so clears what was on the screen before). */
void textgrid_init(struct textgrid *g, unsigned cols, unsigned rows, uint8_t *cells,
                   uint8_t *shown);
void textgrid_write(struct textgrid *g, const char *s, size_t len);

typedef void (*textgrid_draw_fn)(void *ctx, unsigned col, unsigned row, uint8_t ch);
/* Draw every cell whose character differs from what the screen shows;
 * returns how many were drawn. */
unsigned textgrid_flush(struct textgrid *g, textgrid_draw_fn draw, void *ctx);

static inline uint8_t textgrid_at(const struct textgrid *g, unsigned col, unsigned row)
{
    return g->cells[row * g->cols + col];
}

#endif
