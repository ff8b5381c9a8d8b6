/*
 * ELF executables: check an ELF32 or ELF64 x86 executable and copy its
 * PT_LOAD segments to their physical addresses (p_paddr) in guest RAM,
 * zeroing the part of each segment that is not in the file (the bss).
 *
 * Used by the plain ELF loader (guest/load_elf.c) and by the multiboot1
 * loader for kernels in ELF form (guest/load_mb1.c).
 * The entry point e_entry is a virtual address; like GRUB, it is moved to
 * the physical address of the PT_LOAD segment whose p_vaddr range holds it,
 * so kernels linked at a higher-half address still start correctly.
 *
 * Reference: System V ABI gABI "ELF Header" and "Program Header" sections.
 *
 * Left out: ET_DYN (position-independent) images, relocations, section
 * headers and symbols, big-endian files, PN_XNUM (more than 0xfffe program
 * headers).
 */
#include "guest/elf_plan.h"
#include "guest/elf.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>

#define ELF_MAX_PHNUM   64   /* far more than any kernel has; refuses absurd counts */

/* The file header fields the loader uses, the same for both classes. */
struct elf_file {
    bool is64;
    uint64_t entry;
    uint64_t phoff;
    unsigned phnum;
    size_t phentsize;
};

/* One program header, widened to 64 bits. */
struct elf_seg {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

bool elf_has_magic(const struct guest_image *img)
{
    return img->data && img->size >= ELF_MAGIC_LEN &&
           memcmp(img->data, ELF_MAGIC, ELF_MAGIC_LEN) == 0;
}

/* Read and check the ELF file header; after success the program header
 * table [phoff, phoff + phnum * phentsize) is known to lie inside the file. */
static int parse_ehdr(const struct guest_image *img, struct elf_file *f,
                      char *err, size_t errlen)
{
    uint16_t type, machine, phentsize, phnum;

    if (!elf_has_magic(img))
        return loader_fail(err, errlen, -HV_ENOEXEC, "not an ELF file");
    if (img->size < EI_NIDENT)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF identification is cut off (%zu bytes)", img->size);

    uint8_t class = img->data[EI_CLASS];
    if (class != ELFCLASS32 && class != ELFCLASS64)
        return loader_fail(err, errlen, -HV_EINVAL, "unknown ELF class %u", class);
    if (img->data[EI_DATA] != ELFDATA2LSB)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF data encoding %u is not little-endian",
                           img->data[EI_DATA]);
    if (img->data[EI_VERSION] != EV_CURRENT)
        return loader_fail(err, errlen, -HV_EINVAL, "unknown ELF version %u",
                           img->data[EI_VERSION]);

    f->is64 = class == ELFCLASS64;
    size_t ehsize = f->is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
    if (img->size < ehsize)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF header is cut off (%zu of %zu bytes)", img->size, ehsize);

    if (f->is64) {
        struct elf64_ehdr eh;
        memcpy(&eh, img->data, sizeof(eh));
        type = eh.e_type;
        machine = eh.e_machine;
        f->entry = eh.e_entry;
        f->phoff = eh.e_phoff;
        phentsize = eh.e_phentsize;
        phnum = eh.e_phnum;
    } else {
        struct elf32_ehdr eh;
        memcpy(&eh, img->data, sizeof(eh));
        type = eh.e_type;
        machine = eh.e_machine;
        f->entry = eh.e_entry;
        f->phoff = eh.e_phoff;
        phentsize = eh.e_phentsize;
        phnum = eh.e_phnum;
    }

    if (type != ET_EXEC)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF type %u is not an executable (ET_EXEC = %u); "
                           "position-independent images are not supported",
                           type, ET_EXEC);
    if (machine != EM_386 && machine != EM_X86_64)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF machine %u is not x86 (EM_386 or EM_X86_64)", machine);

    size_t want = f->is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
    if (phentsize != want)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF program header size %u, expected %zu", phentsize, want);
    if (phnum == 0)
        return loader_fail(err, errlen, -HV_EINVAL, "ELF file has no program headers");
    if (phnum > ELF_MAX_PHNUM)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF file has %u program headers (at most %u)",
                           phnum, ELF_MAX_PHNUM);

    uint64_t table = (uint64_t)phnum * phentsize;     /* at most 64 * 56 */
    if (f->phoff > img->size || table > img->size - f->phoff)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF program headers at offset 0x%llx (%llu bytes) are "
                           "past the end of the file (%zu bytes)",
                           (unsigned long long)f->phoff, (unsigned long long)table,
                           img->size);

    f->phnum = phnum;
    f->phentsize = phentsize;
    return 0;
}

/* Program header i (i < f->phnum; parse_ehdr checked the table bounds). */
static void read_seg(const struct guest_image *img, const struct elf_file *f,
                     unsigned i, struct elf_seg *s)
{
    const uint8_t *p = img->data + f->phoff + (uint64_t)i * f->phentsize;

    if (f->is64) {
        struct elf64_phdr ph;
        memcpy(&ph, p, sizeof(ph));
        *s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr,
                               ph.p_filesz, ph.p_memsz };
    } else {
        struct elf32_phdr ph;
        memcpy(&ph, p, sizeof(ph));
        *s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr,
                               ph.p_filesz, ph.p_memsz };
    }
}

/* A segment that occupies guest memory (empty PT_LOADs are skipped). */
static bool is_loaded(const struct elf_seg *s)
{
    return s->type == PT_LOAD && s->memsz > 0;
}

/* Check PT_LOAD segment i: its file bytes inside the file, its memory inside
 * guest RAM. Call only for s->type == PT_LOAD. */
static int check_seg(const struct guest_mem *mem, const struct guest_image *img,
                     unsigned i, const struct elf_seg *s, char *err, size_t errlen)
{
    char what[32];

    if (s->filesz > s->memsz)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx",
                           i, (unsigned long long)s->filesz, (unsigned long long)s->memsz);
    if (s->offset > img->size || s->filesz > img->size - s->offset)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF segment %u: file bytes at offset 0x%llx (0x%llx bytes) "
                           "are past the end of the file (%zu bytes)",
                           i, (unsigned long long)s->offset,
                           (unsigned long long)s->filesz, img->size);
    if (s->memsz == 0)
        return 0;
    fmt_snprintf(what, sizeof(what), "ELF segment %u", i);
    return loader_check_range(mem, s->paddr, s->memsz, what, err, errlen);
}

/* Do two loaded segments share a byte? (Both passed check_seg: no wrap.) */
static bool overlap(const struct elf_seg *a, const struct elf_seg *b)
{
    return a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz;
}

int elf_plan(const struct guest_mem *mem, const struct guest_image *img,
             struct elf_plan *plan, char *err, size_t errlen)
{
    struct elf_file f;
    struct elf_seg s, t;
    bool any = false, entry_found = false;
    int rc;

    memset(plan, 0, sizeof(*plan));
    rc = parse_ehdr(img, &f, err, errlen);
    if (rc)
        return rc;

    plan->is64 = f.is64;
    plan->entry_vaddr = f.entry;
    for (unsigned i = 0; i < f.phnum; i++) {
        read_seg(img, &f, i, &s);
        if (s.type != PT_LOAD)
            continue;
        rc = check_seg(mem, img, i, &s, err, errlen);
        if (rc)
            return rc;
        if (!is_loaded(&s))
            continue;

        for (unsigned j = 0; j < i; j++) {
            read_seg(img, &f, j, &t);
            if (is_loaded(&t) && overlap(&s, &t))
                return loader_fail(err, errlen, -HV_EINVAL,
                                   "ELF segments %u and %u overlap in memory", j, i);
        }

        if (!any || s.paddr < plan->load_start)
            plan->load_start = s.paddr;
        if (!any || s.paddr + s.memsz > plan->load_end)
            plan->load_end = s.paddr + s.memsz;
        any = true;

        if (!entry_found && f.entry >= s.vaddr && f.entry - s.vaddr < s.memsz) {
            plan->entry = s.paddr + (f.entry - s.vaddr);
            entry_found = true;
        }
    }

    if (!any)
        return loader_fail(err, errlen, -HV_EINVAL, "ELF file has no loadable segment");
    if (!entry_found)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "ELF entry point 0x%llx is outside every loaded segment",
                           (unsigned long long)f.entry);
    return 0;
}

int elf_copy(struct guest_mem *mem, const struct guest_image *img)
{
    struct elf_plan plan;
    struct elf_file f;
    struct elf_seg s;
    int rc;

    /* Never trust the caller: validate again (cheap) before copying. */
    rc = elf_plan(mem, img, &plan, NULL, 0);
    if (rc)
        return rc;
    rc = parse_ehdr(img, &f, NULL, 0);
    if (rc)
        return rc;

    for (unsigned i = 0; i < f.phnum; i++) {
        read_seg(img, &f, i, &s);
        if (!is_loaded(&s))
            continue;
        rc = gmem_write(mem, s.paddr, img->data + s.offset, s.filesz);
        if (rc)
            return rc;
        rc = gmem_zero(mem, s.paddr + s.filesz, s.memsz - s.filesz);
        if (rc)
            return rc;
    }
    return 0;
}
