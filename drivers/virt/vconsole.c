/* Line-buffered guest console (see drivers/virt/vconsole.h). */
#include "drivers/virt/vconsole.h"

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
    if (((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7F)
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
