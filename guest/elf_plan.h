/*
 * ELF executables planned and copied into guest RAM (guest/elf_plan.c),
 * for the plain ELF loader (guest/load_elf.c) and multiboot1 kernels in
 * ELF form (guest/load_mb1.c).
 */
#ifndef GUEST_ELF_PLAN_H
#define GUEST_ELF_PLAN_H

#include "guest/image.h"

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

/* Does img start with the ELF magic? */
bool elf_has_magic(const struct guest_image *img);

#endif
