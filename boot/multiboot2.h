/*
 * Multiboot2 boot information (Multiboot2 Specification, "Boot information
 * format"), reduced to what the hypervisor uses: the command line, the
 * memory map, the modules and the ACPI RSDP copy.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include <hv/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36D76289

#define MB2_TAG_END          0
#define MB2_TAG_CMDLINE      1
#define MB2_TAG_LOADER_NAME  2
#define MB2_TAG_MODULE       3
#define MB2_TAG_BASIC_MEM    4
#define MB2_TAG_MMAP         6
#define MB2_TAG_ACPI_OLD     14
#define MB2_TAG_ACPI_NEW     15

#define MB2_MMAP_AVAILABLE   1
#define MB2_MMAP_ACPI        3
#define MB2_MMAP_NVS         4
#define MB2_MMAP_BADRAM      5

struct mb2_info_header { uint32_t total_size, reserved; } __packed;
struct mb2_tag { uint32_t type, size; } __packed;
struct mb2_tag_module { uint32_t type, size, mod_start, mod_end; char cmdline[]; } __packed;
struct mb2_tag_mmap { uint32_t type, size, entry_size, entry_version; } __packed;
struct mb2_mmap_entry { uint64_t addr, len; uint32_t type, reserved; } __packed;

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "multiboot2 module tag");

#define BOOT_MAX_MMAP     64
#define BOOT_MAX_MODULES  144      /* 16 guests, each with 8 for= modules */

struct boot_mmap_entry { uint64_t addr, len; uint32_t type; };

struct boot_module {
    uint64_t start, end;        /* physical [start, end) */
    const char *cmdline;        /* points into the boot information */
};

struct boot_info {
    uint64_t info_addr, info_size;   /* the boot information block itself */
    const char *cmdline;             /* "" when GRUB passed none */
    const char *loader_name;
    struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
    unsigned nmmap;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned nmodules;
    unsigned modules_dropped;        /* modules beyond BOOT_MAX_MODULES */
    const void *rsdp;                /* copy of the RSDP inside the info, or NULL */
    size_t rsdp_len;
    uint32_t mem_lower_kib, mem_upper_kib;
};

/*
 * Parse the boot information at `info` (its physical address is `info_addr`).
 * Returns 0, or -HV_EINVAL with a reason in err for a malformed block
 * (size fields that run past total_size, a missing end tag, ...).
 */
int mb2_parse(const void *info, uint64_t info_addr, struct boot_info *out,
              char *err, size_t errlen) __must_check;

#endif
