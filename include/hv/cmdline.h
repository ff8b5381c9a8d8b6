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

#endif
