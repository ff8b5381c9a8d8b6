/*
 * Multiboot2 boot information parser. Reference: Multiboot2 Specification
 * version 2.0, "Boot information format". Every size field is checked
 * against the block's total size before it is used. Left out: framebuffer,
 * ELF sections, EFI and network tags (skipped).
 */
#include "boot/multiboot2.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>

#define MB2_TAG_ALIGN 8

static int fail(char *err, size_t errlen, const char *why)
{
    fmt_snprintf(err, errlen, "bad multiboot2 information: %s", why);
    return -HV_EINVAL;
}

/* A NUL-terminated string that lies inside [s, s+max), or NULL. */
static const char *bounded_str(const char *s, size_t max)
{
    return strnlen(s, max) < max ? s : NULL;
}

int mb2_parse(const void *info, uint64_t info_addr, struct boot_info *out,
              char *err, size_t errlen)
{
    const struct mb2_info_header *hdr = info;
    const uint8_t *base = info;

    memset(out, 0, sizeof(*out));
    out->cmdline = "";
    out->loader_name = "";
    out->info_addr = info_addr;

    if (hdr->total_size < sizeof(*hdr) + sizeof(struct mb2_tag))
        return fail(err, errlen, "total_size too small");
    out->info_size = hdr->total_size;

    size_t off = sizeof(*hdr);
    for (;;) {
        if (off + sizeof(struct mb2_tag) > hdr->total_size)
            return fail(err, errlen, "no end tag");
        const struct mb2_tag *tag = (const void *)(base + off);
        if (tag->size < sizeof(*tag) || tag->size > hdr->total_size - off)
            return fail(err, errlen, "tag size runs past the end");
        if (tag->type == MB2_TAG_END)
            break;

        const char *payload = (const char *)tag + sizeof(*tag);
        size_t plen = tag->size - sizeof(*tag);

        switch (tag->type) {
        case MB2_TAG_CMDLINE:
        case MB2_TAG_LOADER_NAME: {
            const char *s = bounded_str(payload, plen);
            if (!s)
                return fail(err, errlen, "unterminated string tag");
            if (tag->type == MB2_TAG_CMDLINE)
                out->cmdline = s;
            else
                out->loader_name = s;
            break;
        }
        case MB2_TAG_MODULE: {
            const struct mb2_tag_module *m = (const void *)tag;
            if (tag->size < sizeof(*m))
                return fail(err, errlen, "module tag too small");
            const char *s = bounded_str(m->cmdline, tag->size - sizeof(*m));
            if (!s || m->mod_end < m->mod_start)
                return fail(err, errlen, "malformed module tag");
            if (out->nmodules == BOOT_MAX_MODULES) {
                out->modules_dropped++;
                break;
            }
            struct boot_module *bm = &out->modules[out->nmodules++];
            bm->start = m->mod_start;
            bm->end = m->mod_end;
            bm->cmdline = s;
            break;
        }
        case MB2_TAG_BASIC_MEM:
            if (plen >= 8) {
                out->mem_lower_kib = ((const uint32_t *)payload)[0];
                out->mem_upper_kib = ((const uint32_t *)payload)[1];
            }
            break;
        case MB2_TAG_MMAP: {
            const struct mb2_tag_mmap *mm = (const void *)tag;
            if (tag->size < sizeof(*mm) || mm->entry_size < sizeof(struct mb2_mmap_entry))
                return fail(err, errlen, "malformed memory map tag");
            for (size_t e = sizeof(*mm); e + mm->entry_size <= tag->size; e += mm->entry_size) {
                const struct mb2_mmap_entry *me = (const void *)((const uint8_t *)tag + e);
                if (out->nmmap == BOOT_MAX_MMAP)
                    break;
                if (me->len == 0)
                    continue;
                struct boot_mmap_entry *be = &out->mmap[out->nmmap++];
                be->addr = me->addr;
                be->len = me->len;
                be->type = me->type;
            }
            break;
        }
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            /* Prefer the ACPI 2.0+ RSDP when GRUB gives both. */
            if (plen >= 20 && (!out->rsdp || tag->type == MB2_TAG_ACPI_NEW)) {
                out->rsdp = payload;
                out->rsdp_len = plen;
            }
            break;
        default:
            break;
        }
        off += ALIGN_UP(tag->size, MB2_TAG_ALIGN);
    }
    return 0;
}
