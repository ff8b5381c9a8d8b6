/* Line-buffered guest console (see drivers/virt/vconsole.h). */
#include "drivers/virt/vconsole.h"

/*
 * Guest output is shown, never obeyed by the terminal: C0 controls (ESC,
 * BEL, BS... all but tab), DEL and the C1 range 0x80-0x9F become '?'. C1
 * bytes matter because a terminal not in UTF-8 mode takes 0x9B as CSI and
 * 0x9D as OSC (ECMA-48, "C1 set").
 *
 * Bytes 0xA0-0xFF pass: they are printable in Latin-1, and in UTF-8 they
 * can only form characters from U+00A0 up whose continuation bytes are all
 * 0xA0-0xBF. Every UTF-8 encoding of a control (C1 is C2 80-C2 9F) or of a
 * format character such as the bidi overrides (E2 80 xx, E2 81 xx) has a
 * continuation byte in 0x80-0x9F, which is replaced, so what passes cannot
 * drive either kind of terminal. Text such as "café" (C3 A9) stays readable;
 * characters with a continuation byte below 0xA0 lose that byte.
 */
bool vconsole_shown_as_is(unsigned char ch)
{
    if (ch == '\t')
        return true;
    return (ch >= 0x20 && ch < 0x7F) || ch >= 0xA0;
}

void vconsole_init(struct vconsole *c, vconsole_sink_fn sink, void *ctx)
{
    c->len = 0;
    c->sink = sink;
    c->ctx = ctx;
    c->bytes = 0;
}

void vconsole_flush(struct vconsole *c)
{
    if (c->len) {
        c->sink(c->ctx, c->line, c->len);
        c->len = 0;
    }
}

void vconsole_putc(struct vconsole *c, char ch)
{
    c->bytes++;
    if (ch == '\n') {
        c->sink(c->ctx, c->line, c->len);
        c->len = 0;
        return;
    }
    if (ch == '\r')
        return;
    if (!vconsole_shown_as_is((unsigned char)ch))
        ch = '?';
    if (c->len == VCONSOLE_LINE_MAX)
        vconsole_flush(c);
    c->line[c->len++] = ch;
}

void vconsole_write(struct vconsole *c, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        vconsole_putc(c, s[i]);
}
