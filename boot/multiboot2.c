/*
 * Multiboot2 boot information parser. Reference: Multiboot2 Specification
 * version 2.0, "Boot information format". Every size field is checked
 * against the block's total size before it is used. Left out: ELF
 * sections, SMBIOS and network tags (skipped).
 *
 * Under UEFI, GRUB passes the firmware's own memory map (the EFI memory map
 * tag) beside its multiboot2 map, which folds EFI types into five. The EFI
 * map is the one used: it keeps firmware areas apart (run-time services,
 * MMIO, persistent memory) and says which memory is free once boot services
 * have ended. Free (usable) memory, after ExitBootServices:
 *   EfiConventionalMemory, EfiBootServicesCode/Data (the firmware's boot-time
 *   memory, dead after ExitBootServices), EfiLoaderCode/Data (GRUB's memory;
 *   what of it is still in use - this kernel, the boot information, the
 *   modules - is reserved by mm/frames.c from the boot information itself);
 *   each only with the EFI_MEMORY_WB attribute and without EFI_MEMORY_RUNTIME,
 *   as Linux does. When GRUB left boot services running (the EFI boot
 *   services tag), their memory stays reserved.
 * Never free: EfiRuntimeServicesCode/Data and EfiPalCode (the firmware uses
 *   them for its run-time services), EfiACPIReclaimMemory (kept: the ACPI
 *   tables are read at power-off), EfiACPIMemoryNVS, EfiReservedMemoryType,
 *   EfiMemoryMappedIO(PortSpace), EfiUnusableMemory, EfiPersistentMemory,
 *   EfiUnacceptedMemoryType and any type this code does not know.
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

uint32_t efi_memory_kind(uint32_t efi_type, uint64_t attribute, bool boot_services_running)
{
    bool wb = (attribute & EFI_MEMORY_WB) && !(attribute & EFI_MEMORY_RUNTIME);
    switch (efi_type) {
    case EFI_CONVENTIONAL_MEMORY:
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
        return wb ? MB2_MMAP_AVAILABLE : MB2_MMAP_RESERVED;
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
        return wb && !boot_services_running ? MB2_MMAP_AVAILABLE : MB2_MMAP_RESERVED;
    case EFI_RUNTIME_SERVICES_CODE:
    case EFI_RUNTIME_SERVICES_DATA:
    case EFI_PAL_CODE:
        return BOOT_MEM_EFI_RUNTIME;
    case EFI_ACPI_RECLAIM_MEMORY:
        return MB2_MMAP_ACPI;
    case EFI_ACPI_MEMORY_NVS:
        return MB2_MMAP_NVS;
    case EFI_MEMORY_MAPPED_IO:
    case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
        return BOOT_MEM_MMIO;
    case EFI_UNUSABLE_MEMORY:
        return MB2_MMAP_BADRAM;
    case EFI_PERSISTENT_MEMORY:
        return MB2_MMAP_PERSISTENT;
    default:                    /* reserved, unaccepted, unknown */
        return MB2_MMAP_RESERVED;
    }
}

const char *boot_mem_kind_name(uint32_t kind)
{
    switch (kind) {
    case MB2_MMAP_AVAILABLE:   return "usable";
    case MB2_MMAP_ACPI:        return "ACPI reclaimable";
    case MB2_MMAP_NVS:         return "ACPI NVS";
    case MB2_MMAP_BADRAM:      return "bad RAM";
    case MB2_MMAP_PERSISTENT:  return "persistent";
    case BOOT_MEM_EFI_RUNTIME: return "EFI runtime";
    case BOOT_MEM_MMIO:        return "MMIO";
    default:                   return "reserved";
    }
}

/*
 * Put [addr, addr+len) of `kind` into the address-sorted map, merged with
 * a neighbour of the same kind that it touches. Returns false when the map
 * is full.
 */
static bool mmap_insert(struct boot_info *out, uint64_t addr, uint64_t len, uint32_t kind)
{
    struct boot_mmap_entry *m = out->mmap;
    unsigned i = 0;
    while (i < out->nmmap && m[i].addr < addr)
        i++;
    bool join_prev = i > 0 && m[i - 1].type == kind && m[i - 1].addr + m[i - 1].len == addr;
    bool join_next = i < out->nmmap && m[i].type == kind && addr + len == m[i].addr;
    if (join_prev && join_next) {
        m[i - 1].len += len + m[i].len;
        memmove(&m[i], &m[i + 1], (out->nmmap - i - 1) * sizeof(*m));
        out->nmmap--;
        return true;
    }
    if (join_prev) {
        m[i - 1].len += len;
        return true;
    }
    if (join_next) {
        m[i].addr = addr;
        m[i].len += len;
        return true;
    }
    if (out->nmmap == BOOT_MAX_MMAP)
        return false;
    memmove(&m[i + 1], &m[i], (out->nmmap - i) * sizeof(*m));
    m[i] = (struct boot_mmap_entry){ addr, len, kind };
    out->nmmap++;
    return true;
}

static void take_efi_mmap(const struct mb2_tag_efi_mmap *tag, struct boot_info *out)
{
    out->nmmap = 0;
    out->mmap_dropped = 0;
    out->mmap_source = BOOT_MMAP_EFI;
    for (size_t e = sizeof(*tag); e + tag->descr_size <= tag->size; e += tag->descr_size) {
        struct efi_memory_descriptor d;
        memcpy(&d, (const uint8_t *)tag + e, sizeof(d));
        out->efi_descs++;
        uint64_t len = d.num_pages * EFI_PAGE_SIZE;
        if (!d.num_pages || d.num_pages > (UINT64_MAX - d.phys_start) / EFI_PAGE_SIZE)
            continue;                           /* empty, or wraps past 2^64 */
        uint32_t kind = efi_memory_kind(d.type, d.attribute, out->efi_boot_services);
        if (!mmap_insert(out, d.phys_start, len, kind))
            out->mmap_dropped++;
    }
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

    const struct mb2_tag_efi_mmap *efi_mmap = NULL;
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
            if (out->mmap_source != BOOT_MMAP_NONE)
                break;                          /* only the first map counts */
            out->mmap_source = BOOT_MMAP_MB2;
            for (size_t e = sizeof(*mm); e + mm->entry_size <= tag->size; e += mm->entry_size) {
                const struct mb2_mmap_entry *me = (const void *)((const uint8_t *)tag + e);
                if (out->nmmap == BOOT_MAX_MMAP) {
                    out->mmap_dropped++;
                    continue;
                }
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
                out->rsdp_tag = tag->type;
            }
            break;
        case MB2_TAG_EFI32:
        case MB2_TAG_EFI64:
            out->uefi = true;
            if (plen >= 8 && tag->type == MB2_TAG_EFI64)
                memcpy(&out->efi_system_table, payload, 8);
            else if (plen >= 4 && !out->efi_system_table) {
                uint32_t st;
                memcpy(&st, payload, 4);
                out->efi_system_table = st;
            }
            break;
        case MB2_TAG_EFI_BS:
            out->efi_boot_services = true;
            break;
        case MB2_TAG_EFI_MMAP: {
            const struct mb2_tag_efi_mmap *em = (const void *)tag;
            if (tag->size < sizeof(*em) || em->descr_size < sizeof(struct efi_memory_descriptor))
                return fail(err, errlen, "malformed EFI memory map tag");
            out->uefi = true;
            if (!efi_mmap)
                efi_mmap = em;
            break;
        }
        case MB2_TAG_FRAMEBUFFER: {
            /* Shorter than the common part: not a framebuffer we can use. */
            const struct mb2_tag_framebuffer *fb = (const void *)tag;
            if (tag->size < sizeof(*fb))
                break;
            struct boot_framebuffer *bf = &out->fb;
            memset(bf, 0, sizeof(*bf));
            bf->addr = fb->addr;
            bf->pitch = fb->pitch;
            bf->width = fb->width;
            bf->height = fb->height;
            bf->bpp = fb->bpp;
            bf->type = fb->fb_type;
            if (fb->fb_type == MB2_FB_TYPE_RGB) {
                if (tag->size < sizeof(*fb) + 6)
                    break;
                const uint8_t *c = (const uint8_t *)fb + sizeof(*fb);
                bf->red_pos = c[0];
                bf->red_size = c[1];
                bf->green_pos = c[2];
                bf->green_size = c[3];
                bf->blue_pos = c[4];
                bf->blue_size = c[5];
            }
            out->has_fb = true;
            break;
        }
        default:
            break;
        }
        off += ALIGN_UP(tag->size, MB2_TAG_ALIGN);
    }
    /* After the loop: the boot services tag may follow the map. */
    if (efi_mmap)
        take_efi_mmap(efi_mmap, out);
    return 0;
}
