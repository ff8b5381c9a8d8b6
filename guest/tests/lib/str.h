/*
 * The few string and memory functions the test guests use. The compiler
 * may also call memset/memcpy itself (e.g. to zero a large local array).
 */
#ifndef GUEST_LIB_STR_H
#define GUEST_LIB_STR_H

#include <stdbool.h>
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
/* The next space-separated word of *s (its length in *len; *s moves past
 * it), or NULL when none is left. */
const char *next_word(const char **s, size_t *len);
/* True if `word` is one of the space-separated words of s (a guest's
 * command line, for options after `--`). */
bool has_word(const char *s, const char *word);

#endif
