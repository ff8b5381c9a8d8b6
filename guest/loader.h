/*
 * Guest image loaders: detect the format of a guest module, copy it into the
 * guest's RAM and describe the CPU state the guest starts in.
 *
 * Formats (tried in this order):
 *   - multiboot version 1 kernel (magic 0x1BADB002 in the first 8 KiB),
 *     ELF or a.out-kludge addresses            -> guest/load_mb1.c
 *   - ELF32 / ELF64 executable, no MB1 header  -> guest/load_elf.c
 * Anything else is refused with a reason.
 *
 * Loaders are pure: they only touch guest RAM through mm/guest_mem.h, so the
 * host unit tests run them on crafted images.
 */
#ifndef GUEST_LOADER_H
#define GUEST_LOADER_H

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

enum guest_cpu_mode {
    GUEST_MODE_PROT32,         /* 32-bit protected mode, paging off, flat segments */
    GUEST_MODE_LONG64,         /* 64-bit mode, paging on (CR3 below) */
};

/* The state a loader asks the vCPU to start in. Unlisted registers are 0. */
struct guest_boot_state {
    enum guest_cpu_mode mode;
    uint64_t rip;
    uint64_t rax, rbx, rsi, rsp;
    uint64_t cr3;              /* GUEST_MODE_LONG64 only */
    uint64_t gdt_base;         /* GDT the loader built (limit 0: none, GDTR 0/0) */
    uint16_t gdt_limit;
    uint16_t cs_sel, ds_sel;   /* selectors in that GDT (0: 0x08 and 0x10) */
    const char *format;        /* "multiboot1", "elf32", "elf64", ... */
    uint64_t load_start;       /* lowest and highest+1 gpa the image occupies */
    uint64_t load_end;         /* (kernel incl. bss, and its modules; the boot
                                * info below 1 MiB is not counted) */
};

/*
 * Load `img` into `mem` and fill `out`. Returns 0, or a negative HV_E* with
 * a human-readable reason in err (NUL-terminated, at most errlen bytes; the
 * reason does not repeat the guest's name, the caller adds it):
 * -HV_ENOEXEC unknown format, -HV_EINVAL malformed/lying headers,
 * -HV_E2BIG does not fit in the guest's RAM (or too many modules, or the
 * boot information does not fit in [GUEST_BOOTINFO_BASE, GUEST_BOOTINFO_END)).
 *
 * Images are only read inside img->data[0..size) and guest RAM is only
 * written through gmem_*; every header is validated before the first byte
 * is written, so on failure guest RAM is left untouched. Kernels must load
 * at or above 1 MiB (GUEST_LEGACY_END); the first MiB holds the boot info.
 * img->path, img->cmdline and module strings may be NULL (same as "").
 * RAM is not zeroed outside what the image and boot info occupy.
 */
int guest_load(struct guest_mem *mem, const struct guest_image *img,
               struct guest_boot_state *out, char *err, size_t errlen) __must_check;

/* Format-specific entry points, used by guest_load (same contract).
 * They return -HV_ENOEXEC when the image is not of their format.
 * load_elf loads any ELF executable as a plain one (EAX = EBX = 0), so it
 * refuses modules and a command line: such a guest has no way to get them. */
int load_mb1(struct guest_mem *mem, const struct guest_image *img,
             struct guest_boot_state *out, char *err, size_t errlen) __must_check;
int load_elf(struct guest_mem *mem, const struct guest_image *img,
             struct guest_boot_state *out, char *err, size_t errlen) __must_check;
int load_bzimage(struct guest_mem *mem, const struct guest_image *img,
                 struct guest_boot_state *out, char *err, size_t errlen) __must_check;

/* ---- Helpers shared by the loaders (guest/loader.c, guest/load_elf.c) ---- */

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

/* A validated ELF executable, ready to be copied (guest/load_elf.c). */
struct elf_plan {
    bool is64;                 /* ELFCLASS64 */
    uint64_t entry_vaddr;      /* e_entry as written in the file */
    uint64_t entry;            /* e_entry moved to the physical address of the
                                * PT_LOAD segment whose p_vaddr range holds it */
    uint64_t load_start;       /* lowest p_paddr of a loaded segment */
    uint64_t load_end;         /* highest p_paddr + p_memsz */
};

/*
 * Validate img as an ELF32/ELF64 x86 executable whose PT_LOAD segments fit
 * in `mem` (loader_check_range rules, no two segments overlapping, entry
 * inside a segment). Writes nothing. 0, -HV_ENOEXEC (no ELF magic), or
 * -HV_EINVAL / -HV_E2BIG with a reason.
 */
int elf_plan(const struct guest_mem *mem, const struct guest_image *img,
             struct elf_plan *plan, char *err, size_t errlen) __must_check;

/* Copy the PT_LOAD segments of img to guest RAM and zero their bss. It runs
 * elf_plan() again first (cheap), so it never copies an unchecked image:
 * 0, or elf_plan's error code (no reason text), or -HV_EFAULT from gmem_*. */
int elf_copy(struct guest_mem *mem, const struct guest_image *img) __must_check;

#endif
