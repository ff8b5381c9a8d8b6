/*
 * Multiboot (version 1) kernel loader: loads a kernel and its modules the
 * way a multiboot1 boot loader such as GRUB does, and builds the multiboot
 * information structure the kernel receives in EBX.
 *
 * Reference: Multiboot Specification 0.6.96: 3.1.1-3.1.4 (header, flags,
 * address fields), 3.2 (machine state: EAX = 0x2BADB002, EBX = info, 32-bit
 * protected mode, paging off), 3.3 (boot information format).
 *
 * Steps: find the header in the first 8 KiB; plan where the kernel goes,
 * either from the header's a.out-kludge address fields (flag 16) or from the
 * ELF program headers; plan the modules, page-aligned above the kernel;
 * check the strings fit in the boot-info area; only then write guest RAM.
 *
 * Guest-physical layout of the boot information (GUEST_BOOTINFO_BASE..END):
 *   0x1000  struct mb1_info
 *   0x1100  memory map, struct mb1_mmap_entry[] (from guest/e820.c)
 *   0x1200  module list, struct mb1_module[GUEST_MAX_MODULES]
 *   0x1300  boot loader name "minivisor"
 *   0x1400  strings: the kernel command line, then each module's string,
 *           packed one after another, up to 0x8000
 * The kernel sits at its own addresses (>= 1 MiB); module i starts at the
 * first page boundary after the kernel's end (bss included) or module i-1.
 *
 * The specification lets GDTR be invalid at entry, but GRUB and QEMU's
 * -kernel leave a flat GDT loaded and real kernels take interrupts with it
 * before loading their own: so does this loader. Its GDT (null, 0x08 flat
 * 32-bit code, 0x10 flat data, as QEMU's) is at GUEST_MB1_GDT, inside the
 * range the memory map reports reserved, below any kernel (>= 1 MiB).
 *
 * Left out: the video mode request (flag 2: no display is emulated, the
 * request is ignored as the specification allows), a.out symbols and ELF
 * section headers (flags 4/5), boot device, drives, APM, VBE, framebuffer.
 */
#include "guest/loader.h"
#include "guest/elf_plan.h"
#include "guest/boot_cpu.h"
#include "guest/multiboot1.h"
#include "guest/e820.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>
#include "hv/lab.h"

#define MB1_INFO_GPA         GUEST_BOOTINFO_BASE
#define MB1_MMAP_GPA         (GUEST_BOOTINFO_BASE + 0x100)
#define MB1_MODS_GPA         (GUEST_BOOTINFO_BASE + 0x200)
#define MB1_LOADER_NAME_GPA  (GUEST_BOOTINFO_BASE + 0x300)
#define MB1_STRINGS_GPA      (GUEST_BOOTINFO_BASE + 0x400)
#define MB1_STRINGS_END      GUEST_BOOTINFO_END

#define MB1_LOADER_NAME      "minivisor"

#define MB1_GDT_CS           0x08
#define MB1_GDT_DS           0x10
/* Base 0, limit 4 GiB (G=1, D=1), present, ring 0; code execute/read and
 * data read/write, accessed set as the VMCS access rights have it. */
static const uint64_t mb1_gdt[] = {
    0,
    0x00CF9B000000FFFFULL,          /* 0x08: code */
    0x00CF93000000FFFFULL,          /* 0x10: data */
};
_Static_assert(GUEST_MB1_GDT >= GUEST_LOW_RAM_END &&
               GUEST_MB1_GDT + sizeof(mb1_gdt) <= GUEST_LEGACY_START,
               "the multiboot1 GDT is outside the reserved range below the VGA area");

/* Flags we honour in the header's required half (bits 0-15). Video (bit 2)
 * may be ignored: the specification lets the loader choose another mode. */
#define MB1_HF_SUPPORTED     (MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO | MB1_HF_VIDEO_MODE)

/* What the information structure always carries. */
#define MB1_INFO_FLAGS       (MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | \
                              MB1_INFO_MEM_MAP | MB1_INFO_LOADER_NAME)

_Static_assert(MB1_INFO_GPA + sizeof(struct mb1_info) <= MB1_MMAP_GPA,
               "multiboot info overlaps the memory map");
_Static_assert(MB1_MMAP_GPA + E820_MAX_ENTRIES * sizeof(struct mb1_mmap_entry) <= MB1_MODS_GPA,
               "memory map overlaps the module list");
_Static_assert(MB1_MODS_GPA + GUEST_MAX_MODULES * sizeof(struct mb1_module) <= MB1_LOADER_NAME_GPA,
               "module list overlaps the loader name");
_Static_assert(MB1_LOADER_NAME_GPA + sizeof(MB1_LOADER_NAME) <= MB1_STRINGS_GPA,
               "loader name overlaps the strings");
_Static_assert(MB1_STRINGS_GPA < MB1_STRINGS_END, "no room for strings");
_Static_assert(GUEST_BOOTINFO_END <= GUEST_LOW_RAM_END, "boot info outside low RAM");

/* Where the kernel goes, whichever way its addresses were found. */
struct kernel_plan {
    bool elf;                  /* copy with elf_copy(); else the kludge range */
    uint64_t file_offset;      /* a.out kludge: first file byte to load */
    uint64_t file_size;        /* a.out kludge: bytes from the file */
    uint64_t entry;
    uint64_t load_start;       /* lowest gpa */
    uint64_t load_end;         /* highest gpa + 1, bss included */
};

/* Little-endian 32-bit word at p (any alignment). */
static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/*
 * Find the multiboot1 header: the first 4-byte-aligned magic in the first
 * 8 KiB whose checksum is right. 0 (hdr filled, *offset set), -HV_ENOEXEC
 * when there is no magic at all, -HV_EINVAL when there is one with a bad
 * checksum only, or the header is cut off by the end of file or of 8 KiB.
 */
static int find_header(const struct guest_image *img, struct mb1_header *hdr,
                       size_t *offset, char *err, size_t errlen)
{
    size_t limit = MIN(img->size, (size_t)MB1_SEARCH_LIMIT);
    bool bad_checksum = false;
    size_t bad_off = 0;

    if (!img->data)
        return loader_fail(err, errlen, -HV_ENOEXEC, "empty image");

    for (size_t off = 0; off + MB1_HEADER_MIN_SIZE <= limit; off += MB1_HEADER_ALIGN) {
        const uint8_t *p = img->data + off;
        if (get_le32(p) != MB1_HEADER_MAGIC)
            continue;
        uint32_t flags = get_le32(p + 4), checksum = get_le32(p + 8);
        if ((uint32_t)(MB1_HEADER_MAGIC + flags + checksum) != 0) {
            if (!bad_checksum)
                bad_off = off;
            bad_checksum = true;
            continue;
        }

        size_t need = (flags & MB1_HF_AOUT_KLUDGE) ? MB1_HEADER_AOUT_SIZE
                                                   : MB1_HEADER_MIN_SIZE;
        if (off + need > limit)
            return loader_fail(err, errlen, -HV_EINVAL,
                               "multiboot1 header at offset 0x%zx is cut off by the "
                               "end of the %s", off,
                               img->size < MB1_SEARCH_LIMIT ? "file" : "first 8 KiB");
        memset(hdr, 0, sizeof(*hdr));
        memcpy(hdr, p, need);
        *offset = off;
        return 0;
    }

    if (bad_checksum)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 header at offset 0x%zx has a bad checksum",
                           bad_off);
    return loader_fail(err, errlen, -HV_ENOEXEC, "no multiboot1 header");
}

/*
 * Plan a kernel described by the header's address fields (flag 16): the
 * header at file offset hoff is loaded to header_addr, so file offset 0 of
 * the text is hoff - (header_addr - load_addr).
 */
static int plan_aout_kludge(const struct guest_mem *mem, const struct guest_image *img,
                            const struct mb1_header *h, size_t hoff,
                            struct kernel_plan *k, char *err, size_t errlen)
{
    uint64_t load_addr = h->load_addr;
    int rc;

    if (h->load_addr > h->header_addr)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 load_addr 0x%x is above header_addr 0x%x",
                           h->load_addr, h->header_addr);
    uint64_t header_in_text = h->header_addr - h->load_addr;
    if (header_in_text > hoff)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 header_addr - load_addr = 0x%llx, but the "
                           "header is only 0x%zx bytes into the file",
                           (unsigned long long)header_in_text, hoff);
    k->file_offset = hoff - header_in_text;

    if (h->load_end_addr == 0) {
        k->file_size = img->size - k->file_offset;
    } else {
        if (h->load_end_addr < h->load_addr)
            return loader_fail(err, errlen, -HV_EINVAL,
                               "multiboot1 load_end_addr 0x%x is below load_addr 0x%x",
                               h->load_end_addr, h->load_addr);
        k->file_size = h->load_end_addr - h->load_addr;
        if (k->file_size > img->size - k->file_offset)
            return loader_fail(err, errlen, -HV_EINVAL,
                               "multiboot1 load_end_addr 0x%x needs 0x%llx bytes from "
                               "file offset 0x%llx, past the end of the file (%zu bytes)",
                               h->load_end_addr, (unsigned long long)k->file_size,
                               (unsigned long long)k->file_offset, img->size);
    }

    uint64_t load_end = load_addr + k->file_size;   /* < 2^32 + size: no wrap */
    uint64_t mem_end = load_end;
    if (h->bss_end_addr != 0) {
        if (h->bss_end_addr < load_end)
            return loader_fail(err, errlen, -HV_EINVAL,
                               "multiboot1 bss_end_addr 0x%x is below the end of the "
                               "loaded data 0x%llx", h->bss_end_addr,
                               (unsigned long long)load_end);
        mem_end = h->bss_end_addr;
    }

    rc = loader_check_range(mem, load_addr, mem_end - load_addr, "multiboot1 kernel",
                            err, errlen);
    if (rc)
        return rc;
    if (h->entry_addr < load_addr || h->entry_addr >= load_end)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 entry_addr 0x%x is outside the loaded "
                           "image [0x%llx, 0x%llx)", h->entry_addr,
                           (unsigned long long)load_addr, (unsigned long long)load_end);

    k->elf = false;
    k->entry = h->entry_addr;
    k->load_start = load_addr;
    k->load_end = mem_end;
    return 0;
}

static int plan_elf(const struct guest_mem *mem, const struct guest_image *img,
                    struct kernel_plan *k, char *err, size_t errlen)
{
    struct elf_plan ep;
    int rc = elf_plan(mem, img, &ep, err, errlen);

    if (rc == -HV_ENOEXEC)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 header has no address fields (flag 16) and "
                           "the image is not ELF");
    if (rc)
        return rc;
    k->elf = true;
    k->entry = ep.entry;
    k->load_start = ep.load_start;
    k->load_end = ep.load_end;
    return 0;
}

/* Place the modules page-aligned one after another above the kernel. */
static int plan_modules(const struct guest_mem *mem, const struct guest_image *img,
                        uint64_t kernel_end, uint64_t *start, char *err, size_t errlen)
{
    uint64_t next = kernel_end;
    char what[32];
    int rc;

    for (unsigned i = 0; i < img->nmods; i++) {
        const struct guest_module *m = &img->mods[i];

        if (!m->data && m->size)
            return loader_fail(err, errlen, -HV_EINVAL, "module %u has no data", i);
        start[i] = ALIGN_UP(next, PAGE_SIZE);    /* next <= 4 GiB: no wrap */
        fmt_snprintf(what, sizeof(what), "module %u", i);
        rc = loader_check_range(mem, start[i], m->size, what, err, errlen);
        if (rc)
            return rc;
        next = start[i] + m->size;
    }
    return 0;
}

static bool has_text(const char *s)
{
    return s && s[0];
}

/*
 * Bytes the strings area needs, or SIZE_MAX when that is more than the area
 * holds. The kernel command line is "path cmdline" as GRUB and QEMU pass it
 * ("path" alone when cmdline is empty, "cmdline" alone without a path); then
 * each module's string. Every string ends with a NUL.
 */
static size_t strings_size(const struct guest_image *img)
{
    const size_t room = MB1_STRINGS_END - MB1_STRINGS_GPA;
    size_t total = loader_strnlen(img->path, room);

    if (has_text(img->path) && has_text(img->cmdline))
        total += 1;                                    /* the space */
    total += loader_strnlen(img->cmdline, room) + 1;   /* + NUL */
    for (unsigned i = 0; i < img->nmods; i++)
        total += loader_strnlen(img->mods[i].string, room) + 1;
    return total > room ? SIZE_MAX : total;            /* no overflow: <= 10 * room */
}

/* Append bytes to the strings area; *at advances. The area size was checked. */
static int put_bytes(struct guest_mem *mem, uint64_t *at, const void *src, size_t len)
{
    int rc = gmem_write(mem, *at, src, len);
    *at += len;
    return rc;
}

static int put_string(struct guest_mem *mem, uint64_t *at, const char *s)
{
    return put_bytes(mem, at, s ? s : "", loader_strnlen(s, SIZE_MAX) + 1);
}

/* Write the boot information structures (their size was checked). */
static int write_boot_info(struct guest_mem *mem, const struct guest_image *img,
                           const uint64_t *mod_start)
{
    struct e820_entry map[E820_MAX_ENTRIES];
    struct mb1_info info;
    uint64_t str = MB1_STRINGS_GPA;
    int rc;

    memset(&info, 0, sizeof(info));
    info.flags = MB1_INFO_FLAGS;

    rc = gmem_zero(mem, GUEST_BOOTINFO_BASE, GUEST_BOOTINFO_END - GUEST_BOOTINFO_BASE);
    if (rc)
        return rc;

    /* LAB 3 BEGIN write_boot_info: write the multiboot1 information: memory map from e820_build with mem_lower/mem_upper, command line, modules, loader name, then the structure at MB1_INFO_GPA */
    /* Memory map, and mem_lower/mem_upper taken from it. */
    unsigned n = e820_build(mem->size, false, map);
    for (unsigned i = 0; i < n; i++) {
        struct mb1_mmap_entry e = {
            .size = MB1_MMAP_ENTRY_SIZE_FIELD,
            .base_addr = map[i].addr,
            .length = map[i].size,
            .type = map[i].type,
        };
        rc = gmem_write(mem, MB1_MMAP_GPA + i * sizeof(e), &e, sizeof(e));
        if (rc)
            return rc;
        if (map[i].type == E820_RAM && map[i].addr == 0)
            info.mem_lower = (uint32_t)(map[i].size / 1024);
        if (map[i].type == E820_RAM && map[i].addr == GUEST_LEGACY_END)
            info.mem_upper = (uint32_t)(map[i].size / 1024);
    }
    info.mmap_addr = MB1_MMAP_GPA;
    info.mmap_length = n * sizeof(struct mb1_mmap_entry);

    /* Command line: "path cmdline" (see strings_size). */
    info.cmdline = (uint32_t)str;
    if (has_text(img->path)) {
        rc = put_bytes(mem, &str, img->path, strlen(img->path));
        if (!rc && has_text(img->cmdline))
            rc = put_bytes(mem, &str, " ", 1);
        if (rc)
            return rc;
    }
    rc = put_string(mem, &str, img->cmdline);
    if (rc)
        return rc;

    /* Modules: the list entries and their strings. */
    for (unsigned i = 0; i < img->nmods; i++) {
        struct mb1_module mod = {
            .mod_start = (uint32_t)mod_start[i],
            .mod_end = (uint32_t)(mod_start[i] + img->mods[i].size),
            .string = (uint32_t)str,
        };
        rc = put_string(mem, &str, img->mods[i].string);
        if (!rc)
            rc = gmem_write(mem, MB1_MODS_GPA + i * sizeof(mod), &mod, sizeof(mod));
        if (rc)
            return rc;
    }
    info.mods_count = img->nmods;
    info.mods_addr = MB1_MODS_GPA;

    rc = gmem_write(mem, MB1_LOADER_NAME_GPA, MB1_LOADER_NAME, sizeof(MB1_LOADER_NAME));
    if (rc)
        return rc;
    info.boot_loader_name = MB1_LOADER_NAME_GPA;

    return gmem_write(mem, MB1_INFO_GPA, &info, sizeof(info));
    /* LAB 3 END */
}

/* Copy the kernel and the modules (everything was checked by the planners). */
static int write_images(struct guest_mem *mem, const struct guest_image *img,
                        const struct kernel_plan *k, const uint64_t *mod_start)
{
    int rc;

    if (k->elf) {
        rc = elf_copy(mem, img);
    } else {
        rc = gmem_write(mem, k->load_start, img->data + k->file_offset, k->file_size);
        if (!rc)
            rc = gmem_zero(mem, k->load_start + k->file_size,
                           k->load_end - k->load_start - k->file_size);
    }
    for (unsigned i = 0; !rc && i < img->nmods; i++)
        rc = gmem_write(mem, mod_start[i], img->mods[i].data, img->mods[i].size);
    return rc;
}

int load_mb1(struct guest_mem *mem, const struct guest_image *img,
             struct guest_loaded *out, char *err, size_t errlen)
{
    struct mb1_header hdr;
    struct kernel_plan k;
    uint64_t mod_start[GUEST_MAX_MODULES];
    size_t hoff = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = find_header(img, &hdr, &hoff, err, errlen);
    if (rc)
        return rc;

    uint32_t unsupported = hdr.flags & MB1_HF_REQUIRED_MASK & ~MB1_HF_SUPPORTED;
    if (unsupported)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "multiboot1 header requires features 0x%x that this "
                           "loader does not provide", unsupported);
    if (img->nmods > GUEST_MAX_MODULES)
        return loader_fail(err, errlen, -HV_E2BIG, "%u modules given, at most %u",
                           img->nmods, GUEST_MAX_MODULES);
    if (img->nmods && !img->mods)
        return loader_fail(err, errlen, -HV_EINVAL, "module list missing");

    memset(&k, 0, sizeof(k));
    if (hdr.flags & MB1_HF_AOUT_KLUDGE)
        rc = plan_aout_kludge(mem, img, &hdr, hoff, &k, err, errlen);
    else
        rc = plan_elf(mem, img, &k, err, errlen);
    if (rc)
        return rc;

    rc = plan_modules(mem, img, k.load_end, mod_start, err, errlen);
    if (rc)
        return rc;
    if (strings_size(img) == SIZE_MAX)
        return loader_fail(err, errlen, -HV_E2BIG,
                           "command line and module strings are longer than the "
                           "%llu bytes of boot information space",
                           (unsigned long long)(MB1_STRINGS_END - MB1_STRINGS_GPA));

    /* Everything checked: now write guest RAM. */
    rc = write_images(mem, img, &k, mod_start);
    if (!rc)
        rc = write_boot_info(mem, img, mod_start);
    if (!rc)
        rc = gmem_write(mem, GUEST_MB1_GDT, mb1_gdt, sizeof(mb1_gdt));
    if (rc)
        return loader_fail(err, errlen, rc, "writing the guest image failed");

    /* Machine state (specification 3.2): EAX magic, EBX the information
     * structure, 32-bit protected mode, paging off, flat CS and data. */
    boot_cpu_prot32(&out->regs, k.entry, MB1_GDT_CS, MB1_GDT_DS, GUEST_MB1_GDT,
                    sizeof(mb1_gdt) - 1);
    out->regs.gpr[GPR_RAX] = MB1_BOOTLOADER_MAGIC;
    out->regs.gpr[GPR_RBX] = MB1_INFO_GPA;
    out->format = "multiboot1";
    out->load_start = k.load_start;
    out->load_end = k.load_end;
    if (img->nmods)
        out->load_end = mod_start[img->nmods - 1] + img->mods[img->nmods - 1].size;
    return 0;
}
