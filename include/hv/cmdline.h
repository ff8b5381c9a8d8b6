/*
 * Command-line words: "key=value" options separated by spaces, as on GRUB's
 * multiboot2 and module2 lines. A word "--" ends the options; what follows it
 * is passed on untouched (cmdline_rest).
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/types.h>

/* Copy the value of `key` into val (NUL-terminated, truncated to len-1).
 * Returns true if `key=...` or a bare `key` (value "") is present before "--". */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/* Text after the first " -- " word (skipping spaces), or "" when absent. */
const char *cmdline_rest(const char *cmdline);

/* Parse a size like "64M", "512K", "1G", "4096" (bytes). 0 or -HV_EINVAL. */
int cmdline_parse_size(const char *s, uint64_t *out) __must_check;

/* Parse a decimal or 0x-hex unsigned number. 0 or -HV_EINVAL. */
int cmdline_parse_u64(const char *s, uint64_t *out) __must_check;

/*
 * Option tables: a line's words checked against a table of the options it
 * may carry, each problem reported as one line, the good values stored in
 * a config struct. The rules, the same for every line:
 *  - a word whose key is not in the table is reported and ignored;
 *  - a bad value is reported; an option marked `refuse` then refuses the
 *    whole line (the caller drops the guest), any other keeps its earlier
 *    value (the default, or an earlier good word), except that a number
 *    out of range is clamped to the range;
 *  - an option given again replaces the earlier value: the last one wins
 *    (and that is reported);
 *  - words after "--" are not options and are not looked at.
 */
enum cmdline_opt_type {
    CMDLINE_CHOICE,     /* one word of `choices`; stored as int */
    CMDLINE_UINT,       /* decimal or 0x-hex number in [min, max]; uint64_t */
    CMDLINE_SIZE,       /* decimal number with K, M or G in [min, max] bytes; uint64_t */
    CMDLINE_TEXT,       /* [min, max] characters that pass `check`; char[max + 1] */
    CMDLINE_NOT_HERE,   /* a known word that means nothing on this line (`why`) */
};

struct cmdline_choice {
    const char *word;   /* "" matches the bare key ("cr3exit" alone) */
    int value;
};

struct cmdline_opt {
    const char *key;
    enum cmdline_opt_type type;
    size_t offset;                          /* of the value in the config struct */
    const struct cmdline_choice *choices;   /* CHOICE: ends with { NULL, 0 } */
    uint64_t min, max;                      /* UINT, SIZE: range; TEXT: length */
    uint64_t align;                         /* SIZE: rounded up to this (0: none) */
    const char *unit;                       /* UINT: for messages ("ms") */
    bool refuse;                            /* a bad value refuses the line */
    const char *(*check)(const char *s, size_t n);  /* TEXT: NULL or why not */
    const char *why;                        /* NOT_HERE */
};

/* One row per option (st: the config struct type, f: its field). */
#define CMDLINE_OPT_CHOICE(k, st, f, words) \
    { .key = (k), .type = CMDLINE_CHOICE, .offset = offsetof(st, f), .choices = (words) }
#define CMDLINE_OPT_UINT(k, st, f, lo, hi, u) \
    { .key = (k), .type = CMDLINE_UINT, .offset = offsetof(st, f), .min = (lo), .max = (hi), \
      .unit = (u) }
#define CMDLINE_OPT_SIZE(k, st, f, lo, hi, al, ref) \
    { .key = (k), .type = CMDLINE_SIZE, .offset = offsetof(st, f), .min = (lo), .max = (hi), \
      .align = (al), .refuse = (ref) }
#define CMDLINE_OPT_TEXT(k, st, f, chk, ref) \
    { .key = (k), .type = CMDLINE_TEXT, .offset = offsetof(st, f), .min = 1, \
      .max = sizeof(((st *)0)->f) - 1, .check = (chk), .refuse = (ref) }
#define CMDLINE_OPT_NOT_HERE(k, reason) { .key = (k), .type = CMDLINE_NOT_HERE, .why = (reason) }

#define CMDLINE_MAX_OPTS 32     /* rows in one table */

/* Where problems go: one call per problem, `msg` a whole line without "\n"
 * (refused: the problem refuses the line). A NULL report stays silent. */
struct cmdline_report {
    void (*line)(void *ctx, bool refused, const char *msg);
    void *ctx;
};

/* To the hypervisor log: refusals as errors, the rest as warnings. */
extern const struct cmdline_report cmdline_report_log;

/* Report "WHO: [refused: ]MESSAGE" through rep (NULL: nothing). */
void cmdline_report(const struct cmdline_report *rep, bool refused, const char *who,
                    const char *fmt, ...) __printf(4, 5);

/* Check the words of `line` against `opts` (see the rules above), store the
 * good values into cfg and report each problem as "WHO: ...". Returns the
 * number of problems that refuse the line (0: the line is usable). */
unsigned cmdline_parse_options(const char *line, const struct cmdline_opt *opts, size_t nopts,
                               void *cfg, const char *who, const struct cmdline_report *rep);

/* A word as messages show it: printable ASCII as is, other bytes and '\\'
 * escaped (\xNN, \\), more than 40 characters cut with "...(N characters)". */
void cmdline_quote(char *out, size_t size, const char *s, size_t n);

/* A byte count as the largest exact unit: "3G", "2052K", "4097". */
void cmdline_format_size(char *out, size_t size, uint64_t bytes);

#endif
