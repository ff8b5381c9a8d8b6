/*
 * Byte-at-a-time memory and string functions (see string.h).
 */
#include "str.h"

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x - *y;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (*a == '\0')
            return 0;
    }
    return 0;
}

const char *next_word(const char **s, size_t *len)
{
    const char *p = *s;
    while (*p == ' ')
        p++;
    const char *start = p;
    while (*p && *p != ' ')
        p++;
    *s = p;
    *len = (size_t)(p - start);
    return *len ? start : NULL;
}

bool has_word(const char *s, const char *word)
{
    size_t n = strlen(word), len;
    const char *w;
    while ((w = next_word(&s, &len)) != NULL)
        if (len == n && strncmp(w, word, n) == 0)
            return true;
    return false;
}
