/*
 * A guest image as the loaders receive it (the kernel file, its command
 * line and modules), the guest-physical layout they share, and the rules
 * every loader applies to where image data may go (guest/image.c).
 *
 * Pure: guest RAM is touched only through mm/guest_mem.h.
 */
#ifndef GUEST_IMAGE_H
#define GUEST_IMAGE_H

#include <hv/types.h>
#include "mm/guest_mem.h"
#include <hv/board_layout.h>

/* Guest-physical layout used by the loaders (the board's: include/hv/board_layout.h). */
#define GUEST_BOOTINFO_BASE  0x1000ULL   /* MB1 info, mmap, cmdline, module list */
#define GUEST_BOOTINFO_END   0x8000ULL
#define GUEST_LOW_RAM_END    BOARD_LOW_RAM_END   /* conventional memory reported to the guest */
#define GUEST_LEGACY_START   BOARD_LEGACY_START  /* VGA + BIOS area: reserved in the map, backed by RAM */
#define GUEST_LEGACY_END     BOARD_LEGACY_END
#define GUEST_MB1_GDT        BOARD_LOW_RAM_END   /* multiboot1: the loader's flat GDT (reserved range) */

#define GUEST_MAX_MODULES    8
#define GUEST_CMDLINE_MAX    512

struct guest_module {
    const uint8_t *data;
    size_t size;
    const char *string;        /* MB1 module string ("" if none) */
};

struct guest_image {
    const char *name;          /* guest name, for messages */
    const char *path;          /* file name as given to GRUB, e.g. "/guests/x.elf" */
    const uint8_t *data;
    size_t size;
    const char *cmdline;       /* words after "--" ("" if none) */
    const struct guest_module *mods;
    unsigned nmods;
};

/* ---- Helpers shared by the loaders ---- */

#define GUEST_PROT32_LIMIT   GiB(4)      /* a 32-bit guest without paging sees only this */

/* Format a reason into err (when err && errlen) and return `code`. */
int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...) __printf(4, 5);

/*
 * Check that [gpa, gpa+len) may receive image data: no wrap-around
 * (-HV_EINVAL), below 4 GiB (-HV_EINVAL), not overlapping the first MiB
 * (-HV_EINVAL), inside guest RAM (-HV_E2BIG "needs N KiB of RAM but mem=
 * gives M KiB"). `what` names the range in the reason ("segment 2").
 */
int loader_check_range(const struct guest_mem *mem, uint64_t gpa, uint64_t len,
                       const char *what, char *err, size_t errlen) __must_check;

/* Length of s (NULL counts as ""), looking at no more than max bytes. */
size_t loader_strnlen(const char *s, size_t max);

#endif
