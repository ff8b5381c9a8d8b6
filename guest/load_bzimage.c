/*
 * Linux bzImage loader, following the kernel's boot protocol
 * (Documentation/arch/x86/boot.rst, "The Linux/x86 Boot Protocol") and its
 * 64-bit entry ("64-bit Boot Protocol"):
 *   - the setup header at 0x1F1 ("HdrS", protocol 2.06 or newer, a 64-bit
 *     kernel: XLF_KERNEL_64);
 *   - the protected-mode kernel (the file after the setup sectors) copied
 *     to pref_address, with init_size bytes free from there;
 *   - a zeroed boot_params page with the setup header copied in,
 *     type_of_loader 0xFF, the command line, the initrd (page-aligned,
 *     highest that fits below initrd_addr_max) and an E820 table of the
 *     guest's real memory;
 *   - identity page tables for the first 4 GiB (2 MiB pages) and a GDT with
 *     __BOOT_CS (0x10) and __BOOT_DS (0x18);
 *   - entry in long mode at pref_address + 0x200 with RSI = boot_params.
 * Refused with a reason: older protocols, 32-bit-only kernels, setup_sects
 * or syssize past the end of the file, a kernel that does not fit in mem=.
 * Left out: the 16-bit and 32-bit entries, relocating a kernel away from
 * pref_address, EFI handover, setup_data.
 */
#include "guest/loader.h"
#include "guest/boot_cpu.h"
#include "guest/e820.h"
#include <hv/errno.h>
#include <hv/string.h>

/* Offsets in the setup header / boot_params ("zero page"). */
#define BP_E820_ENTRIES     0x1E8
#define BP_SETUP_SECTS      0x1F1
#define BP_SYSSIZE          0x1F4
#define BP_BOOT_FLAG        0x1FE
#define BP_JUMP             0x200
#define BP_HEADER           0x202
#define BP_VERSION          0x206
#define BP_TYPE_OF_LOADER   0x210
#define BP_LOADFLAGS        0x211
#define BP_CODE32_START     0x214
#define BP_RAMDISK_IMAGE    0x218
#define BP_RAMDISK_SIZE     0x21C
#define BP_HEAP_END_PTR     0x224
#define BP_CMD_LINE_PTR     0x228
#define BP_INITRD_ADDR_MAX  0x22C
#define BP_KERNEL_ALIGNMENT 0x230
#define BP_RELOCATABLE      0x234
#define BP_XLOADFLAGS       0x236
#define BP_CMDLINE_SIZE     0x238
#define BP_PREF_ADDRESS     0x258
#define BP_INIT_SIZE        0x260
#define BP_EXT_RAMDISK_IMAGE 0x0C0
#define BP_EXT_RAMDISK_SIZE  0x0C4
#define BP_EXT_CMD_LINE_PTR  0x0C8
#define BP_E820_TABLE       0x2D0
#define BP_E820_MAX         128
_Static_assert(sizeof(struct e820_entry) == 20, "boot_params E820 entries are 20 bytes");

#define BOOT_FLAG_MAGIC     0xAA55
#define HEADER_MAGIC        0x53726448      /* "HdrS" */
#define MIN_PROTOCOL        0x0206
#define LOADFLAGS_LOADED_HIGH BIT(0)
#define XLF_KERNEL_64       BIT(0)
#define LOADER_TYPE_UNDEFINED 0xFF
#define SECTOR              512
#define SETUP_SECTS_DEFAULT 4

/* Guest-physical layout of what the loader builds (below 1 MiB). */
#define BZ_GDT              0x1000ULL
#define BZ_PML4             0x2000ULL
#define BZ_PDPT             0x3000ULL
#define BZ_PD               0x4000ULL       /* four pages: 4 GiB of 2 MiB pages */
#define BZ_BOOT_PARAMS      0x8000ULL
#define BZ_CMDLINE          0x9000ULL
#define BZ_CMDLINE_MAX      (0x10000ULL - 1)   /* up to 0x19000, far below the EBDA */
#define BOOT_CS             0x10
#define BOOT_DS             0x18

#define PTE_P   BIT(0)
#define PTE_W   BIT(1)
#define PTE_PS  BIT(7)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static int put(struct guest_mem *mem, uint64_t gpa, const void *src, size_t len,
               const char *what, char *err, size_t errlen)
{
    if (gmem_write(mem, gpa, src, len) < 0)
        return loader_fail(err, errlen, -HV_E2BIG, "%s at 0x%llx does not fit in guest RAM",
                           what, (unsigned long long)gpa);
    return 0;
}

/* Identity map of the first 4 GiB and the boot GDT. */
static int build_page_tables(struct guest_mem *mem, char *err, size_t errlen)
{
    uint64_t e[512];
    int rc;

    memset(e, 0, sizeof(e));
    e[0] = BZ_PDPT | PTE_P | PTE_W;
    if ((rc = put(mem, BZ_PML4, e, sizeof(e), "page tables", err, errlen)) < 0)
        return rc;
    memset(e, 0, sizeof(e));
    for (int i = 0; i < 4; i++)
        e[i] = (BZ_PD + (uint64_t)i * PAGE_SIZE) | PTE_P | PTE_W;
    if ((rc = put(mem, BZ_PDPT, e, sizeof(e), "page tables", err, errlen)) < 0)
        return rc;
    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < 512; i++)
            e[i] = ((uint64_t)t * 512 + (uint64_t)i) * LARGE_PAGE_SIZE | PTE_P | PTE_W | PTE_PS;
        if ((rc = put(mem, BZ_PD + (uint64_t)t * PAGE_SIZE, e, sizeof(e), "page tables", err,
                      errlen)) < 0)
            return rc;
    }
    const uint64_t gdt[4] = {
        0, 0,
        0x00AF9A000000FFFFULL,          /* 0x10: 64-bit code */
        0x00CF92000000FFFFULL,          /* 0x18: data */
    };
    return put(mem, BZ_GDT, gdt, sizeof(gdt), "GDT", err, errlen);
}

int load_bzimage(struct guest_mem *mem, const struct guest_image *img,
                 struct guest_loaded *out, char *err, size_t errlen)
{
    const uint8_t *f = img->data;
    size_t size = img->size;
    int rc;

    if (size < BP_HEADER + 8 || rd32(f + BP_HEADER) != HEADER_MAGIC)
        return -HV_ENOEXEC;
    if (rd16(f + BP_BOOT_FLAG) != BOOT_FLAG_MAGIC)
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: boot flag is not 0xAA55");

    uint16_t version = rd16(f + BP_VERSION);
    if (version < MIN_PROTOCOL)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: boot protocol %u.%02u is older than 2.06",
                           version >> 8, version & 0xFF);
    /* From 2.10 on, the header reaches init_size (0x264). */
    if (size < BP_INIT_SIZE + 4)
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: truncated setup header");
    /* The jump at 0x200 skips the header: its end must cover every field
     * read here (through init_size) and lie inside the file. */
    size_t hdr_end = BP_HEADER + f[BP_JUMP + 1];
    if (hdr_end < BP_INIT_SIZE + 4 || hdr_end > size)
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: setup header length %zu (from the "
                           "jump at 0x200) does not reach init_size at 0x%x",
                           hdr_end - BP_HEADER, BP_INIT_SIZE);

    unsigned setup_sects = f[BP_SETUP_SECTS] ? f[BP_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
    uint64_t kernel_off = (uint64_t)(setup_sects + 1) * SECTOR;
    uint64_t syssize = (uint64_t)rd32(f + BP_SYSSIZE) * 16;
    if (kernel_off >= size)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: setup_sects %u puts the kernel at %llu, past the end "
                           "of the file (%zu bytes)", setup_sects,
                           (unsigned long long)kernel_off, size);
    uint64_t kernel_len = size - kernel_off;
    if (syssize > kernel_len)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: syssize says %llu bytes of kernel but the file holds %llu "
                           "(truncated?)", (unsigned long long)syssize,
                           (unsigned long long)kernel_len);
    if (!(f[BP_LOADFLAGS] & LOADFLAGS_LOADED_HIGH))
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: a zImage (not loaded high)");
    if (version < 0x020C || !(rd16(f + BP_XLOADFLAGS) & XLF_KERNEL_64))
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: not a 64-bit kernel (no XLF_KERNEL_64): only the "
                           "64-bit entry is supported");

    uint64_t load = rd64(f + BP_PREF_ADDRESS);
    uint64_t init_size = rd32(f + BP_INIT_SIZE);
    uint32_t align = rd32(f + BP_KERNEL_ALIGNMENT);
    if (init_size < kernel_len)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: init_size %llu is smaller than the kernel (%llu bytes)",
                           (unsigned long long)init_size, (unsigned long long)kernel_len);
    if (align && (align & (align - 1)))
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: kernel_alignment 0x%x is not a "
                           "power of two", align);
    if (!IS_ALIGNED(load, LARGE_PAGE_SIZE) || load < GUEST_LEGACY_END)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "bzImage: preferred address 0x%llx is not a 2 MiB-aligned address "
                           "above 1 MiB", (unsigned long long)load);
    if (load + init_size < load || !gmem_contains(mem, load, init_size))
        return loader_fail(err, errlen, -HV_E2BIG,
                           "bzImage: the kernel needs [0x%llx, 0x%llx) (init_size) but mem= "
                           "gives %llu MiB", (unsigned long long)load,
                           (unsigned long long)(load + init_size),
                           (unsigned long long)(mem->size >> 20));

    /* The command line. */
    uint32_t cmdline_max = version >= 0x0206 ? rd32(f + BP_CMDLINE_SIZE) : 255;
    size_t cl = loader_strnlen(img->cmdline, BZ_CMDLINE_MAX + 1);
    if (cl > cmdline_max || cl > BZ_CMDLINE_MAX)
        return loader_fail(err, errlen, -HV_E2BIG, "bzImage: command line of %zu bytes is "
                           "longer than the kernel accepts (%u)", cl, cmdline_max);

    /* The initrd: the first module, as high as allowed, page-aligned. */
    uint64_t initrd = 0, initrd_size = 0;
    if (img->nmods > 1)
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: %u modules given; a Linux "
                           "guest takes one (its initrd)", img->nmods);
    if (img->nmods == 1 && !img->mods)
        return loader_fail(err, errlen, -HV_EINVAL, "bzImage: module list missing");
    if (img->nmods == 1) {
        initrd_size = img->mods[0].size;
        uint64_t max = rd32(f + BP_INITRD_ADDR_MAX);
        uint64_t top = MIN(mem->size, max + 1);
        uint64_t low = ALIGN_UP(load + init_size, PAGE_SIZE);
        if (initrd_size > top || ALIGN_DOWN(top - initrd_size, PAGE_SIZE) < low)
            return loader_fail(err, errlen, -HV_E2BIG,
                               "bzImage: the initrd (%llu KiB) does not fit between the kernel "
                               "and min(mem, initrd_addr_max)",
                               (unsigned long long)(initrd_size >> 10));
        initrd = ALIGN_DOWN(top - initrd_size, PAGE_SIZE);
    }

    /* Everything was checked: now write the guest's memory. */
    if ((rc = put(mem, load, f + kernel_off, kernel_len, "kernel", err, errlen)) < 0 ||
        gmem_zero(mem, load + kernel_len, init_size - kernel_len) < 0)
        return rc < 0 ? rc : loader_fail(err, errlen, -HV_E2BIG, "bzImage: kernel bss");
    if (initrd_size &&
        (rc = put(mem, initrd, img->mods[0].data, initrd_size, "initrd", err, errlen)) < 0)
        return rc;
    char zero = 0;
    if (cl && (rc = put(mem, BZ_CMDLINE, img->cmdline, cl, "command line", err, errlen)) < 0)
        return rc;
    if ((rc = put(mem, BZ_CMDLINE + cl, &zero, 1, "command line", err, errlen)) < 0)
        return rc;

    uint8_t bp[PAGE_SIZE];
    memset(bp, 0, sizeof(bp));
    memcpy(bp + BP_SETUP_SECTS, f + BP_SETUP_SECTS, hdr_end - BP_SETUP_SECTS);
    bp[BP_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    wr32(bp + BP_CODE32_START, (uint32_t)load);
    wr32(bp + BP_CMD_LINE_PTR, (uint32_t)BZ_CMDLINE);
    wr32(bp + BP_RAMDISK_IMAGE, (uint32_t)initrd);
    wr32(bp + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
    wr32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
    wr32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
    wr32(bp + BP_EXT_CMD_LINE_PTR, 0);

    struct e820_entry map[E820_MAX_ENTRIES];
    unsigned n = e820_build(mem->size, true, map);
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    memcpy(bp + BP_E820_TABLE, map, n * sizeof(map[0]));
    if ((rc = put(mem, BZ_BOOT_PARAMS, bp, sizeof(bp), "boot_params", err, errlen)) < 0)
        return rc;
    if ((rc = build_page_tables(mem, err, errlen)) < 0)
        return rc;

    /* The 64-bit entry at pref_address + 0x200, RSI = boot_params, the
     * identity map and __BOOT_CS/__BOOT_DS loaded ("64-bit Boot Protocol"). */
    boot_cpu_long64(&out->regs, load + 0x200, BZ_PML4, BOOT_CS, BOOT_DS, BZ_GDT, 4 * 8 - 1);
    out->regs.gpr[GPR_RSI] = BZ_BOOT_PARAMS;
    out->format = "Linux bzImage";
    out->load_start = load;
    out->load_end = initrd_size ? initrd + initrd_size : load + init_size;
    return 0;
}
