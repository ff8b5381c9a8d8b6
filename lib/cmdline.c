/* Parsing of "key=value" command lines (see include/hv/cmdline.h). */
#include <hv/cmdline.h>
#include <hv/errno.h>

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* Advance past spaces; returns the start of the next word or NULL at the end. */
static const char *next_word(const char *p)
{
    while (*p && is_space(*p))
        p++;
    return *p ? p : NULL;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
    size_t klen = 0;
    while (key[klen])
        klen++;

    for (const char *w = next_word(cmdline); w; ) {
        const char *end = w;
        while (*end && !is_space(*end))
            end++;
        if (end - w == 2 && w[0] == '-' && w[1] == '-')
            return false;
        bool match = (size_t)(end - w) >= klen;
        for (size_t i = 0; match && i < klen; i++)
            match = w[i] == key[i];
        if (match && (w + klen == end || w[klen] == '=')) {
            const char *v = w + klen + (w + klen < end ? 1 : 0);
            size_t n = 0;
            while (v + n < end && n + 1 < len) {
                val[n] = v[n];
                n++;
            }
            if (len)
                val[n] = '\0';
            return true;
        }
        w = next_word(end);
    }
    return false;
}

const char *cmdline_rest(const char *cmdline)
{
    for (const char *w = next_word(cmdline); w; ) {
        const char *end = w;
        while (*end && !is_space(*end))
            end++;
        if (end - w == 2 && w[0] == '-' && w[1] == '-') {
            const char *r = next_word(end);
            return r ? r : "";
        }
        w = next_word(end);
    }
    return "";
}

int cmdline_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -HV_EINVAL;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return -HV_EINVAL;
        if (v > (UINT64_MAX - d) / base)
            return -HV_EINVAL;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

int cmdline_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    /* Any number of digits (leading zeros too), refused on overflow. */
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        unsigned d = (unsigned)(s[n] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -HV_EINVAL;
        v = v * 10 + d;
    }
    if (n == 0)
        return -HV_EINVAL;
    unsigned shift = 0;
    switch (s[n]) {
    case '\0': break;
    case 'k': case 'K': shift = 10; n++; break;
    case 'm': case 'M': shift = 20; n++; break;
    case 'g': case 'G': shift = 30; n++; break;
    default: return -HV_EINVAL;
    }
    if (s[n] != '\0' && !((s[n] == 'B' || s[n] == 'b') && s[n + 1] == '\0'))
        return -HV_EINVAL;
    if (shift && v > (UINT64_MAX >> shift))
        return -HV_EINVAL;
    *out = v << shift;
    return 0;
}
