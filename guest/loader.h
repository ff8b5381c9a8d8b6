/*
 * Guest image loaders: detect the format of a guest module, copy it into the
 * guest's RAM and produce the registers the guest starts with (a struct
 * vcpu_state of <hv/vcpu_state.h>, which the VM builder gives the vCPU with
 * vcpu_set_state).
 *
 * Formats (tried in this order):
 *   - Linux bzImage, 64-bit boot protocol     -> guest/load_bzimage.c
 *   - multiboot version 1 kernel (magic 0x1BADB002 in the first 8 KiB),
 *     ELF or a.out-kludge addresses            -> guest/load_mb1.c
 *   - ELF32 / ELF64 executable, no MB1 header  -> guest/load_elf.c
 * Anything else is refused with a reason.
 *
 * Files: loader.c picks the loader; each load_*.c uses only the shared
 * rules (guest/image.c), ELF planning (guest/elf_plan.c) and the boot
 * register states (guest/boot_cpu.c), never each other.
 *
 * Loaders are pure: they only touch guest RAM through mm/guest_mem.h, so the
 * host unit tests run them on crafted images.
 */
#ifndef GUEST_LOADER_H
#define GUEST_LOADER_H

#include "guest/image.h"
#include <hv/vcpu_state.h>

/* What a loader produced. */
struct guest_loaded {
    struct vcpu_state regs;    /* the registers the guest starts with */
    const char *format;        /* "multiboot1", "elf32", "elf64", "Linux bzImage" */
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
               struct guest_loaded *out, char *err, size_t errlen) __must_check;

/* Format-specific entry points, used by guest_load (same contract).
 * They return -HV_ENOEXEC when the image is not of their format.
 * load_elf loads any ELF executable as a plain one (EAX = EBX = 0), so it
 * refuses modules and a command line: such a guest has no way to get them. */
int load_mb1(struct guest_mem *mem, const struct guest_image *img,
             struct guest_loaded *out, char *err, size_t errlen) __must_check;
int load_elf(struct guest_mem *mem, const struct guest_image *img,
             struct guest_loaded *out, char *err, size_t errlen) __must_check;
int load_bzimage(struct guest_mem *mem, const struct guest_image *img,
                 struct guest_loaded *out, char *err, size_t errlen) __must_check;

#endif
