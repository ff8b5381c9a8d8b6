/* Parsing of "key=value" command lines (see include/hv/cmdline.h). */
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>

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

/* ---- option tables ------------------------------------------------------- */

#define QUOTE_MAX 40        /* characters of a word shown in a message */
#define MSG_MAX   384

static void log_line(void *ctx, bool refused, const char *msg)
{
    (void)ctx;
    if (refused)
        pr_err("%s\n", msg);
    else
        pr_warn("%s\n", msg);
}

const struct cmdline_report cmdline_report_log = { log_line, NULL };

void cmdline_report(const struct cmdline_report *rep, bool refused, const char *who,
                    const char *fmt, ...)
{
    if (!rep)
        return;
    char msg[MSG_MAX];
    int n = fmt_snprintf(msg, sizeof(msg), "%s: %s", who, refused ? "refused: " : "");
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof(msg))
        fmt_vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    va_end(ap);
    rep->line(rep->ctx, refused, msg);
}

void cmdline_quote(char *out, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
        char c = s[i];
        char esc[5];
        if (c >= ' ' && c < 0x7F && c != '\\') {
            esc[0] = c;
            esc[1] = '\0';
        } else if (c == '\\') {
            esc[0] = esc[1] = '\\';
            esc[2] = '\0';
        } else {
            fmt_snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)c);
        }
        for (const char *e = esc; *e && o + 1 < size; e++)
            out[o++] = *e;
    }
    if (size)
        out[o] = '\0';
    if (n > QUOTE_MAX && o < size)
        fmt_snprintf(out + o, size - o, "...(%zu characters)", n);
}

void cmdline_format_size(char *out, size_t size, uint64_t bytes)
{
    static const char units[] = "KMG";
    int u = -1;
    while (u < 2 && bytes && !(bytes & 1023)) {
        bytes >>= 10;
        u++;
    }
    if (u < 0)
        fmt_snprintf(out, size, "%llu", (unsigned long long)bytes);
    else
        fmt_snprintf(out, size, "%llu%c", (unsigned long long)bytes, units[u]);
}

/* Digits of base at s[0..n): the value, and how many characters were used;
 * -HV_EINVAL without a digit, -HV_E2BIG when it does not fit 64 bits. */
static int scan_number(const char *s, size_t n, unsigned base, uint64_t *out, size_t *used)
{
    uint64_t v = 0;
    size_t i = 0;
    bool big = false;
    for (; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else break;
        if (v > (UINT64_MAX - d) / base)
            big = true;
        else
            v = v * base + d;
    }
    *used = i;
    if (!i)
        return -HV_EINVAL;
    *out = v;
    return big ? -HV_E2BIG : 0;
}

/* UINT: the whole value is one number. */
static int parse_uint(const char *s, size_t n, uint64_t *out)
{
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    size_t used;
    int rc = scan_number(s, n, base, out, &used);
    if (rc == -HV_EINVAL || used != n)
        return -HV_EINVAL;
    return rc;
}

/* SIZE: decimal digits, then K, M or G (either case), then B or iB. */
static int parse_size(const char *s, size_t n, uint64_t *out)
{
    size_t used;
    uint64_t v;
    int rc = scan_number(s, n, 10, &v, &used);
    if (rc == -HV_EINVAL)
        return rc;
    unsigned shift = 0;
    if (used < n) {
        switch (s[used]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -HV_EINVAL;
        }
        used++;
        if (used < n && s[used] == 'i' && used + 1 < n && s[used + 1] == 'B')
            used += 2;
        else if (used < n && (s[used] == 'B' || s[used] == 'b'))
            used++;
        if (used != n)
            return -HV_EINVAL;
    }
    if (rc < 0 || v > (UINT64_MAX >> shift))
        return -HV_E2BIG;
    *out = v << shift;
    return 0;
}

static bool same(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n; i++)
        if (word[i] != s[i])
            return false;
    return word[i] == '\0';
}

enum applied { APPLIED, APPLIED_NOTED, IGNORED, REFUSED };

/* A number for messages: "1000 ms", "3G". */
static void format_number(char *out, size_t size, const struct cmdline_opt *o, uint64_t v)
{
    if (o->type == CMDLINE_SIZE)
        cmdline_format_size(out, size, v);
    else
        fmt_snprintf(out, size, "%llu%s%s", (unsigned long long)v, o->unit ? " " : "",
                     o->unit ? o->unit : "");
}

/* "a, b or c" from a choice list (the bare "" word is not shown). */
static void format_choices(char *out, size_t size, const struct cmdline_choice *c)
{
    size_t total = 0, k = 0, o = 0;
    for (const struct cmdline_choice *p = c; p->word; p++)
        total += p->word[0] != '\0';
    out[0] = '\0';
    for (const struct cmdline_choice *p = c; p->word && o < size; p++) {
        if (!p->word[0])
            continue;
        const char *sep = k == 0 ? "" : k + 1 == total ? " or " : ", ";
        int w = fmt_snprintf(out + o, size - o, "%s%s", sep, p->word);
        if (w < 0)
            break;
        o += (size_t)w;
        k++;
    }
}

static enum applied apply_number(const struct cmdline_opt *o, const char *v, size_t n,
                                 void *cfg, const char *who, const char *shown,
                                 const struct cmdline_report *rep)
{
    uint64_t x = 0;
    int rc = o->type == CMDLINE_SIZE ? parse_size(v, n, &x) : parse_uint(v, n, &x);
    const char *what = o->type == CMDLINE_SIZE ? "not a size (a number with K, M or G)"
                                                 : "not a number";
    if (rc == -HV_EINVAL) {
        cmdline_report(rep, o->refuse, who, "%s: %s%s", shown, what, o->refuse ? "" : "; ignored");
        return o->refuse ? REFUSED : IGNORED;
    }
    char lim[32];
    enum applied res = APPLIED;
    if (rc == -HV_E2BIG || x > o->max || x < o->min) {
        bool above = rc == -HV_E2BIG || x > o->max;
        x = above ? o->max : o->min;
        format_number(lim, sizeof(lim), o, x);
        if (o->refuse) {
            cmdline_report(rep, true, who, "%s: %s the %s %s", shown, above ? "above" : "below",
                           above ? "maximum" : "minimum", lim);
            return REFUSED;
        }
        cmdline_report(rep, false, who, "%s: %s the %s %s; using %s", shown,
                       above ? "above" : "below", above ? "maximum" : "minimum", lim, lim);
        res = APPLIED_NOTED;
    } else if (o->align && !IS_ALIGNED(x, o->align)) {
        char al[32];
        x = ALIGN_UP(x, o->align);
        cmdline_format_size(al, sizeof(al), o->align);
        format_number(lim, sizeof(lim), o, x);
        cmdline_report(rep, false, who, "%s: not a multiple of %s; using %s", shown, al, lim);
        res = APPLIED_NOTED;
    }
    memcpy((char *)cfg + o->offset, &x, sizeof(x));
    return res;
}

static enum applied apply(const struct cmdline_opt *o, const char *v, size_t n, void *cfg,
                          const char *who, const char *shown, const struct cmdline_report *rep)
{
    const char *tail = o->refuse ? "" : "; ignored";
    switch (o->type) {
    case CMDLINE_CHOICE:
        for (const struct cmdline_choice *c = o->choices; c->word; c++) {
            if (same(v, n, c->word)) {
                memcpy((char *)cfg + o->offset, &c->value, sizeof(c->value));
                return APPLIED;
            }
        }
        char list[128];
        format_choices(list, sizeof(list), o->choices);
        cmdline_report(rep, o->refuse, who, "%s: expected %s%s", shown, list, tail);
        return o->refuse ? REFUSED : IGNORED;
    case CMDLINE_UINT:
    case CMDLINE_SIZE:
        return apply_number(o, v, n, cfg, who, shown, rep);
    case CMDLINE_TEXT: {
        const char *why = NULL;
        char buf[48];
        if (n < o->min)
            why = "empty";
        else if (n > o->max) {
            fmt_snprintf(buf, sizeof(buf), "longer than %llu characters",
                         (unsigned long long)o->max);
            why = buf;
        } else if (o->check)
            why = o->check(v, n);
        if (why) {
            cmdline_report(rep, o->refuse, who, "%s: %s%s", shown, why, tail);
            return o->refuse ? REFUSED : IGNORED;
        }
        char *dst = (char *)cfg + o->offset;
        memcpy(dst, v, n);
        dst[n] = '\0';
        return APPLIED;
    }
    case CMDLINE_NOT_HERE:
    default:
        cmdline_report(rep, false, who, "%s: %s; ignored", shown, o->why ? o->why : "not here");
        return IGNORED;
    }
}

unsigned cmdline_parse_options(const char *line, const struct cmdline_opt *opts, size_t nopts,
                               void *cfg, const char *who, const struct cmdline_report *rep)
{
    const char *prev[CMDLINE_MAX_OPTS] = { 0 };
    size_t prev_len[CMDLINE_MAX_OPTS] = { 0 };
    unsigned refusals = 0;

    if (nopts > CMDLINE_MAX_OPTS)
        nopts = CMDLINE_MAX_OPTS;
    for (const char *w = next_word(line); w; ) {
        const char *end = w;
        while (*end && !is_space(*end))
            end++;
        size_t n = (size_t)(end - w);
        if (n == 2 && w[0] == '-' && w[1] == '-')
            break;
        size_t klen = 0;
        while (klen < n && w[klen] != '=')
            klen++;
        const char *v = w + klen + (klen < n);
        char shown[QUOTE_MAX * 4 + 32];
        cmdline_quote(shown, sizeof(shown), w, n);

        size_t i = 0;
        while (i < nopts && !same(w, klen, opts[i].key))
            i++;
        if (i == nopts) {
            cmdline_report(rep, false, who, "unknown option %s; ignored", shown);
        } else {
            enum applied a = apply(&opts[i], v, (size_t)(end - v), cfg, who, shown, rep);
            if (a == REFUSED)
                refusals++;
            if (a == APPLIED && prev[i]) {
                char before[QUOTE_MAX * 4 + 32];
                cmdline_quote(before, sizeof(before), prev[i], prev_len[i]);
                cmdline_report(rep, false, who, "%s replaces %s (the last one wins)", shown,
                               before);
            }
            if (a == APPLIED || a == APPLIED_NOTED) {
                prev[i] = w;
                prev_len[i] = n;
            }
        }
        w = next_word(end);
    }
    return refusals;
}
