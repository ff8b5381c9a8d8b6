/*
 * printf-style formatting (lib/format.c): %d %i %u %x %X %o %p %s %c %%,
 * length modifiers hh h l ll z, flags '-' '0' '+' ' ', width and precision
 * (also '*').
 */
#ifndef HV_FORMAT_H
#define HV_FORMAT_H

#include <hv/types.h>

/* Like vsnprintf: returns the length the full output would have. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
