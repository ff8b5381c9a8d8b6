/* The exit trace's parsing, filter and line format (see vmx/trace.h). */
#include "vmx/trace.h"
#include "vmx/exit.h"
#include <hv/cmdline.h>
#include <hv/format.h>
#include <hv/string.h>

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Word [w, w+n) against a name, ignoring case. */
static bool word_is(const char *w, size_t n, const char *name)
{
    size_t i = 0;
    for (; i < n && name[i]; i++)
        if (lower(w[i]) != lower(name[i]))
            return false;
    return i == n && !name[i];
}

static int reason_by_name(const char *w, size_t n)
{
    for (unsigned r = 0; r < EXIT_REASON_MAX; r++) {
        const char *name = exit_reason_name(r);
        if (strcmp(name, "unknown") && word_is(w, n, name))
            return (int)r;
    }
    return -1;
}

int trace_parse(const char *args, struct exit_trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->count = TRACE_DEFAULT_COUNT;
    bool first = true, any_reason = false;
    const char *p = args ? args : "";
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        char word[32];
        hv_strlcpy(word, p, MIN(n + 1, sizeof(word)));
        uint64_t num;
        if (first && word_is(p, n, "off")) {
            const char *q = p + n;
            while (*q == ' ')
                q++;
            if (*q) {
                fmt_snprintf(err, errlen, "\"off\" takes nothing after it");
                return -1;
            }
            return 1;
        }
        if (first && n < sizeof(word) && cmdline_parse_u64(word, &num) == 0) {
            if (num < 1 || num > TRACE_MAX_COUNT) {
                fmt_snprintf(err, errlen, "the count must be 1 to %u, got %s", TRACE_MAX_COUNT,
                             word);
                return -1;
            }
            t->count = (uint32_t)num;
        } else {
            int r = n < sizeof(word) ? reason_by_name(p, n) : -1;
            if (r < 0) {
                fmt_snprintf(err, errlen, "unknown exit reason \"%s\" (names as in stats, "
                             "e.g. CPUID, IO_INSTRUCTION)", word);
                return -1;
            }
            t->filter[r / 64] |= BIT(r % 64);
            any_reason = true;
        }
        first = false;
        p += n;
    }
    if (!any_reason)
        for (unsigned i = 0; i < ARRAY_SIZE(t->filter); i++)
            t->filter[i] = ~0ULL;
    return 0;
}

const char *trace_outcome_name(enum trace_outcome o)
{
    switch (o) {
    case TRACE_RESUMED:    return "resumed";
    case TRACE_INJECTED:   return "resumed, injected vector";
    case TRACE_HALTED:     return "halted";
    case TRACE_YIELDED:    return "yielded";
    case TRACE_SLICE_OVER: return "yielded (slice over)";
    case TRACE_STOPPED:    return "stopped";
    }
    return "?";
}

int trace_format(char *buf, size_t len, const char *name, unsigned k, unsigned n,
                 const struct trace_event *e)
{
    char what[40];
    if (e->outcome == TRACE_INJECTED)
        fmt_snprintf(what, sizeof(what), "%s %#x", trace_outcome_name(e->outcome), e->vector);
    else
        hv_strlcpy(what, trace_outcome_name(e->outcome), sizeof(what));
    return fmt_snprintf(buf, len, "[trace] %s %u/%u: %s, RIP %#llx, qualification %#llx: %s",
                        name, k, n, exit_reason_name(e->reason), (unsigned long long)e->rip,
                        (unsigned long long)e->qualification, what);
}
