/*
 * Plain ELF loader: an ELF32 or ELF64 executable without a multiboot1
 * header, copied by guest/elf_plan.c and entered in 32-bit protected mode,
 * paging off, flat segments, EAX = EBX = 0.
 *
 * Left out: starting a guest in 64-bit mode.
 */
#include "guest/loader.h"
#include "guest/elf_plan.h"
#include "guest/boot_cpu.h"
#include <hv/errno.h>
#include <hv/string.h>

int load_elf(struct guest_mem *mem, const struct guest_image *img,
             struct guest_loaded *out, char *err, size_t errlen)
{
    struct elf_plan plan;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!elf_has_magic(img))
        return loader_fail(err, errlen, -HV_ENOEXEC, "not an ELF file");

    rc = elf_plan(mem, img, &plan, err, errlen);
    if (rc)
        return rc;
    if (plan.is64 && plan.entry_vaddr >= GUEST_PROT32_LIMIT)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF64 entry point 0x%llx is above 4 GiB, but the guest "
                           "starts in 32-bit protected mode",
                           (unsigned long long)plan.entry_vaddr);
    if (img->nmods > 0)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "%u module(s) given, but a plain ELF guest (no multiboot1 "
                           "header) has no way to receive them", img->nmods);
    if (loader_strnlen(img->cmdline, 1) > 0)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "command line given, but a plain ELF guest (no multiboot1 "
                           "header) has no way to receive it");

    rc = elf_copy(mem, img);
    if (rc)
        return loader_fail(err, errlen, rc, "copying the ELF segments failed");

    /* No GDT of its own: CS 0x08 and DS 0x10 as in the multiboot1 GDT,
     * GDTR 0/0 (a guest that reloads a segment must load its own first). */
    boot_cpu_prot32(&out->regs, plan.entry, 0x08, 0x10, 0, 0);
    out->format = plan.is64 ? "elf64" : "elf32";
    out->load_start = plan.load_start;
    out->load_end = plan.load_end;
    return 0;
}
