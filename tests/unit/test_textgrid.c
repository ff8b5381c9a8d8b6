/*
 * Host tests for the screen console's logic: drivers/hw/textgrid.c (the
 * shadow text grid: wrap, scroll, CR/BS/TAB, ESC [ K, and flushes that draw
 * only changed cells) and drivers/hw/fbcon.c (glyphs drawn into a memory
 * framebuffer at 32, 24 and 16 bpp). The screen is modelled by a draw
 * callback that only ever writes, as video memory is only written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/hw/textgrid.h"
#include "drivers/hw/fbcon.h"
#include "boot/multiboot2.h"
#include <hv/errno.h>
#include "rng.h"

#define MAXC 64
#define MAXR 16

static struct textgrid G;
static uint8_t cells[MAXC * MAXR], shown[MAXC * MAXR];
static uint8_t screen[MAXC * MAXR];        /* what the fake display shows */
static unsigned draws;

static void draw(void *ctx, unsigned col, unsigned row, uint8_t ch)
{
    (void)ctx;
    assert_true(col < G.cols && row < G.rows);
    screen[row * G.cols + col] = ch;
    draws++;
}

static void grid(unsigned cols, unsigned rows)
{
    textgrid_init(&G, cols, rows, cells, shown);
    memset(screen, '#', sizeof(screen));      /* whatever was on it before */
    draws = 0;
}

static void put(const char *s) { textgrid_write(&G, s, strlen(s)); }

/* Row r of the grid as a string, trailing blanks cut. */
static const char *line(unsigned r)
{
    static char buf[MAXC + 1];
    memcpy(buf, &G.cells[r * G.cols], G.cols);
    buf[G.cols] = 0;
    for (int i = (int)G.cols - 1; i >= 0 && buf[i] == ' '; i--)
        buf[i] = 0;
    return buf;
}

static void assert_screen_matches(void)
{
    assert_memory_equal(screen, G.cells, G.cols * G.rows);
}

static void test_write_wrap(void **state)
{
    (void)state;
    grid(10, 4);
    put("hello");
    assert_string_equal(line(0), "hello");
    assert_int_equal(G.col, 5);
    put(" world, wraps");                 /* 18 characters on 10 columns */
    assert_string_equal(line(0), "hello worl");
    assert_string_equal(line(1), "d, wraps");
    /* exactly a full line, then newline: no empty line in between */
    grid(10, 4);
    put("0123456789\nx");
    assert_string_equal(line(0), "0123456789");
    assert_string_equal(line(1), "x");
    assert_int_equal(G.row, 1);
}

static void test_scroll(void **state)
{
    (void)state;
    grid(8, 3);
    put("one\ntwo\nthree\nfour\nfive");
    assert_string_equal(line(0), "three");
    assert_string_equal(line(1), "four");
    assert_string_equal(line(2), "five");
    assert_int_equal(G.row, 2);
    put("\n");
    assert_string_equal(line(0), "four");
    assert_string_equal(line(1), "five");
    assert_string_equal(line(2), "");
    /* wrapping on the last line scrolls as well */
    put("abcdefghij");
    assert_string_equal(line(0), "five");
    assert_string_equal(line(1), "abcdefgh");
    assert_string_equal(line(2), "ij");
}

static void test_controls(void **state)
{
    (void)state;
    grid(16, 3);
    put("monitor> abc\r\033[K");           /* the console erasing its input line */
    assert_string_equal(line(0), "");
    assert_int_equal(G.col, 0);
    put("abcdef\rXY");
    assert_string_equal(line(0), "XYcdef");
    put("\033[3D\033[1;31mZ");              /* other CSI sequences are swallowed */
    assert_string_equal(line(0), "XYZdef");
    put("\b\bQ");
    assert_string_equal(line(0), "XQZdef");
    put("\b\b\b\b\b\bA");                    /* BS stops at column 0 */
    assert_string_equal(line(0), "AQZdef");
    grid(16, 3);
    put("a\tb\t\tc");
    assert_string_equal(line(0), "a       b");      /* the second TAB fills the line */
    assert_string_equal(line(1), "        c");      /* the third wraps, then to column 8 */
    grid(16, 3);
    put("a\x01\x07\x7f\x1b" "Xb");            /* controls ignored; ESC X swallows X */
    assert_string_equal(line(0), "ab");
    put("\xe9");                               /* Latin-1 bytes are characters */
    assert_int_equal(textgrid_at(&G, 2, 0), 0xE9);
}

static void test_flush_only_changes(void **state)
{
    (void)state;
    grid(10, 4);
    assert_int_equal(textgrid_flush(&G, draw, NULL), 40);     /* first: everything */
    assert_screen_matches();
    assert_int_equal(textgrid_flush(&G, draw, NULL), 0);
    put("abc");
    assert_int_equal(textgrid_flush(&G, draw, NULL), 3);
    put("\nline2\nline3\nline4");
    textgrid_flush(&G, draw, NULL);
    assert_screen_matches();
    /* a scroll redraws only cells whose character changed */
    put("\nx");
    unsigned n = textgrid_flush(&G, draw, NULL);
    assert_screen_matches();
    assert_string_equal(line(0), "line2");
    /* abc->line2 (5), line2->line3 (1), line3->line4 (1), line4->x (5) */
    assert_int_equal(n, 12);
}

/* Random text against a simple model of a terminal, flushed at random points:
 * the display always ends up equal to the model. */
static void test_random_against_model(void **state)
{
    (void)state;
    static const char alphabet[] = "abcdefghij \n\n\r\t\b";
    uint64_t seed = 0x5EED1234ABCDULL;
    for (unsigned round = 0; round < 200; round++) {
        unsigned cols = 1 + rng_next(&seed) % MAXC, rows = 1 + rng_next(&seed) % MAXR;
        static char model[MAXR][MAXC];
        unsigned mc = 0, mr = 0;
        memset(model, ' ', sizeof(model));
        grid(cols, rows);
        for (unsigned k = 0; k < 500; k++) {
            char c = alphabet[rng_next(&seed) % (sizeof(alphabet) - 1)];
            textgrid_write(&G, &c, 1);
            /* the model */
            if (c == '\n' || (c != '\r' && c != '\b' && c != '\t' && mc == cols)) {
                mc = 0;
                if (mr + 1 < rows) {
                    mr++;
                } else {
                    memmove(model[0], model[1], sizeof(model[0]) * (MAXR - 1));
                    memset(model[rows - 1], ' ', MAXC);
                }
                if (c == '\n')
                    goto next;
            }
            if (c == '\r') {
                mc = 0;
            } else if (c == '\b') {
                if (mc)
                    mc--;
            } else if (c == '\t') {
                do {
                    if (mc == cols) {
                        mc = 0;
                        if (mr + 1 < rows) {
                            mr++;
                        } else {
                            memmove(model[0], model[1], sizeof(model[0]) * (MAXR - 1));
                            memset(model[rows - 1], ' ', MAXC);
                        }
                    }
                    model[mr][mc++] = ' ';
                } while (mc % 8 && mc < cols);
            } else {
                model[mr][mc++] = c;
            }
        next:
            if (rng_next(&seed) % 7 == 0)
                textgrid_flush(&G, draw, NULL);
        }
        textgrid_flush(&G, draw, NULL);
        assert_screen_matches();
        for (unsigned r = 0; r < rows; r++)
            if (memcmp(model[r], &G.cells[r * cols], cols) != 0)
                fail_msg("round %u (%ux%u): row %u is '%.*s', model '%.*s'", round, cols,
                         rows, r, (int)cols, (const char *)&G.cells[r * cols], (int)cols,
                         model[r]);
    }
}

/* ---- fbcon ------------------------------------------------------------------ */

/* A 6x3 test font: glyph c has row y = c ^ (y * 0x25), left-aligned in 6 bits. */
static uint8_t font_bits[256 * 3];
static const struct console_font tfont = { 6, 3, 1, "test", font_bits };

static void make_font(void)
{
    for (unsigned c = 0; c < 256; c++)
        for (unsigned y = 0; y < 3; y++)
            font_bits[c * 3 + y] = (uint8_t)((c ^ (y * 0x25)) & 0xFC);
}

static const struct { uint8_t bpp; uint8_t rp, rs, gp, gs, bp, bs; uint32_t fg, bg; } fmts[] = {
    { 32, 16, 8, 8, 8, 0, 8, 0xAAAAAA, 0 },        /* x8r8g8b8 (GOP BGRX) */
    { 32, 0, 8, 8, 8, 16, 8, 0xAAAAAA, 0 },        /* x8b8g8r8 (GOP RGBX) */
    { 24, 16, 8, 8, 8, 0, 8, 0xAAAAAA, 0 },
    { 16, 11, 5, 5, 6, 0, 5, (0xAA >> 3) << 11 | (0xAA >> 2) << 5 | (0xAA >> 3), 0 },
};

static void test_fbcon_draw(void **state)
{
    (void)state;
    make_font();
    for (size_t f = 0; f < ARRAY_SIZE(fmts); f++) {
        struct boot_framebuffer bf = {
            .addr = 0, .width = 40, .height = 10, .bpp = fmts[f].bpp, .type = MB2_FB_TYPE_RGB,
            .red_pos = fmts[f].rp, .red_size = fmts[f].rs, .green_pos = fmts[f].gp,
            .green_size = fmts[f].gs, .blue_pos = fmts[f].bp, .blue_size = fmts[f].bs,
        };
        unsigned bpp = fmts[f].bpp / 8;
        bf.pitch = 40 * bpp + 12;                   /* padding after each line */
        uint8_t *mem = malloc(bf.pitch * bf.height);
        memset(mem, 0x5A, bf.pitch * bf.height);
        struct fbcon fc;
        assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), 0);
        assert_int_equal(fc.cols, 6);               /* 40 / 6 */
        assert_int_equal(fc.rows, 3);               /* 10 / 3 */
        assert_int_equal(fc.fg, fmts[f].fg);
        assert_int_equal(fc.bg, fmts[f].bg);
        fbcon_draw(&fc, 2, 1, 'M');
        for (unsigned y = 0; y < bf.height; y++) {
            for (unsigned x = 0; x < bf.pitch; x++) {
                uint8_t got = mem[y * bf.pitch + x];
                unsigned px = x / bpp, byte = x % bpp;
                bool in_cell = x < 40 * bpp && px >= 12 && px < 18 && y >= 3 && y < 6;
                uint8_t want = 0x5A;                 /* untouched */
                if (in_cell) {
                    bool lit = font_bits['M' * 3 + (y - 3)] & (0x80 >> (px - 12));
                    uint32_t v = lit ? fc.fg : fc.bg;
                    want = (uint8_t)(v >> (8 * byte));
                }
                if (got != want)
                    fail_msg("%u bpp: byte (%u, %u) is 0x%02x, want 0x%02x", fmts[f].bpp, x, y,
                             got, want);
            }
        }
        free(mem);
    }
}

static void test_fbcon_refuses(void **state)
{
    (void)state;
    make_font();
    struct fbcon fc;
    uint8_t mem[64];
    struct boot_framebuffer bf = { .width = 40, .height = 10, .pitch = 160, .bpp = 32,
                                   .type = MB2_FB_TYPE_INDEXED };
    assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), -HV_ENODEV);   /* palette */
    bf.type = MB2_FB_TYPE_EGA_TEXT;
    assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), -HV_ENODEV);
    bf.type = MB2_FB_TYPE_RGB;
    bf.bpp = 8;
    assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), -HV_ENODEV);   /* 8 bpp */
    bf.bpp = 32;
    bf.pitch = 100;                                                      /* < 40 * 4 */
    assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), -HV_ENODEV);
    bf.pitch = 160;
    bf.height = 2;                                                       /* < one cell */
    assert_int_equal(fbcon_init(&fc, mem, &bf, &tfont), -HV_ENODEV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_wrap),
        cmocka_unit_test(test_scroll),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_flush_only_changes),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_fbcon_draw),
        cmocka_unit_test(test_fbcon_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
