/*
 * Fuzz target: the command-line parser (lib/cmdline.c), differentially
 * against simple reference implementations written here from the contract
 * in include/hv/cmdline.h.
 * Input: byte 0 picks the key and the value buffer length, the rest is the
 * command line (a NUL-terminated heap copy of exactly its length + 1).
 * Checked: cmdline_get finds the same first "key" / "key=value" word before
 * "--" and copies the same (truncated) value; cmdline_rest points into the
 * line at the first word after "--"; cmdline_parse_u64 and
 * cmdline_parse_size agree with strtoull-based references (decimal or 0x
 * hex, no sign or spaces, overflow refused, K/M/G with an optional B).
 */
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <hv/errno.h>
#include <hv/cmdline.h>

static const char *const keys[] = {
    "console", "loglevel", "exit", "slice", "name", "mem", "path", "for", "cr3exit", "idle",
    "a", "--", "x=y", "",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static bool sp(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* Reference cmdline_get: word by word. */
static bool ref_get(const char *s, const char *key, char *val, size_t len)
{
    size_t kl = strlen(key);
    while (*s) {
        while (*s && sp(*s))
            s++;
        if (!*s)
            break;
        const char *w = s;
        while (*s && !sp(*s))
            s++;
        size_t wl = (size_t)(s - w);
        if (wl == 2 && !memcmp(w, "--", 2))
            return false;
        if (wl >= kl && !memcmp(w, key, kl) && (wl == kl || w[kl] == '=')) {
            const char *v = wl == kl ? w + wl : w + kl + 1;
            size_t vl = (size_t)(s - v);
            if (len) {
                size_t n = vl < len - 1 ? vl : len - 1;
                memcpy(val, v, n);
                val[n] = 0;
            }
            return true;
        }
    }
    return false;
}

static const char *ref_rest(const char *s)
{
    while (*s) {
        while (*s && sp(*s))
            s++;
        const char *w = s;
        while (*s && !sp(*s))
            s++;
        if (s - w == 2 && !memcmp(w, "--", 2)) {
            while (*s && sp(*s))
                s++;
            return s;
        }
    }
    return NULL;    /* "" (a string constant, not inside the line) */
}

static int ref_u64(const char *s, uint64_t *out)
{
    const char *d = s;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        d = s + 2;
    }
    if (!*d)
        return -1;
    for (const char *p = d; *p; p++)
        if (!(base == 16 ? (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                           (*p >= 'A' && *p <= 'F')
                         : (*p >= '0' && *p <= '9')))
            return -1;
    errno = 0;
    unsigned long long v = strtoull(d, NULL, base);
    if (errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

static int ref_size(const char *s, uint64_t *out)
{
    size_t n = strspn(s, "0123456789");
    unsigned shift = 0;
    if (n == 0)
        return -1;
    char *num = strndup(s, n);
    const char *suf = s + n;
    if (*suf == 'k' || *suf == 'K') shift = 10, suf++;
    else if (*suf == 'm' || *suf == 'M') shift = 20, suf++;
    else if (*suf == 'g' || *suf == 'G') shift = 30, suf++;
    if ((*suf && strcmp(suf, "B") && strcmp(suf, "b")) || (*suf && !shift)) {
        free(num);
        return -1;
    }
    uint64_t v;
    int rc = ref_u64(num, &v);
    free(num);
    if (rc)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *key = keys[data[0] % NKEYS];
    size_t vlen = (data[0] / NKEYS) % 24;
    char *line = malloc(size);
    memcpy(line, data + 1, size - 1);
    line[size - 1] = 0;
    char *val = malloc(vlen ? vlen : 1), *rval = malloc(vlen ? vlen : 1);
    memset(val, 0x55, vlen ? vlen : 1);
    memset(rval, 0x55, vlen ? vlen : 1);

    bool got = cmdline_get(line, key, val, vlen), want = ref_get(line, key, rval, vlen);
    CHECK(got == want, "cmdline_get('%s', '%s') = %d, reference %d", line, key, got, want);
    if (got && vlen)
        CHECK(!strcmp(val, rval), "cmdline_get('%s', '%s', %zu): '%s', reference '%s'", line, key,
              vlen, val, rval);

    const char *rest = cmdline_rest(line), *rrest = ref_rest(line);
    if (!rrest)
        rrest = "";
    CHECK(rest && !strcmp(rest, rrest) && (!*rest || rest == rrest), "cmdline_rest('%s') = '%s'",
          line, rest);

    /* The numbers: the whole line as one value. */
    uint64_t a = 0, b = 0;
    int ra = cmdline_parse_u64(line, &a), rb = ref_u64(line, &b);
    CHECK((ra == 0) == (rb == 0) && (ra || a == b), "parse_u64('%s') = %d %llu, reference %d %llu",
          line, ra, (unsigned long long)a, rb, (unsigned long long)b);
    ra = cmdline_parse_size(line, &a);
    rb = ref_size(line, &b);
    CHECK((ra == 0) == (rb == 0) && (ra || a == b), "parse_size('%s') = %d %llu, reference %d %llu",
          line, ra, (unsigned long long)a, rb, (unsigned long long)b);
    CHECK(ra == 0 || ra == -HV_EINVAL, "parse_size: %d", ra);

    free(val);
    free(rval);
    free(line);
    return 0;
}
