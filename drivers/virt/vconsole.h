/*
 * A guest's console output, line-buffered: bytes from the guest's UART,
 * debug port or hypercalls are collected until a newline (or until the
 * line is full) and handed to the sink as one line, so lines from different
 * guests never interleave. The sink prefixes the guest's name.
 */
#ifndef DRIVERS_VIRT_VCONSOLE_H
#define DRIVERS_VIRT_VCONSOLE_H

#include <hv/types.h>

#define VCONSOLE_LINE_MAX 200

/* Receives one complete line without its newline. */
typedef void (*vconsole_sink_fn)(void *ctx, const char *line, size_t len);

struct vconsole {
    char line[VCONSOLE_LINE_MAX];
    size_t len;
    vconsole_sink_fn sink;
    void *ctx;
    uint64_t bytes;          /* total bytes received */
};

void vconsole_init(struct vconsole *c, vconsole_sink_fn sink, void *ctx);
/* One byte of output: '\n' ends a line, '\r' is dropped, other control
 * characters except tab (C0, DEL and C1 0x80-0x9F) are shown as '?'. */
void vconsole_putc(struct vconsole *c, char ch);
/* True if byte ch is printed as it is (see vconsole.c for the rule). */
bool vconsole_shown_as_is(unsigned char ch);
void vconsole_write(struct vconsole *c, const char *s, size_t len);
/* Hand out a partial line (at guest stop). */
void vconsole_flush(struct vconsole *c);

#endif
