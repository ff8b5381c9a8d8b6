/*
 * Multiboot2 boot information (Multiboot2 Specification, "Boot information
 * format"), reduced to what the hypervisor uses: the command line, the
 * memory map (the EFI one where the firmware is UEFI), the modules, the
 * ACPI RSDP copy and the framebuffer.
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
#define MB2_TAG_FRAMEBUFFER  8
#define MB2_TAG_EFI32        11   /* EFI system table pointers: UEFI firmware */
#define MB2_TAG_EFI64        12
#define MB2_TAG_ACPI_OLD     14
#define MB2_TAG_ACPI_NEW     15
#define MB2_TAG_EFI_MMAP     17
#define MB2_TAG_EFI_BS       18   /* boot services were not exited */

/* Memory kinds in struct boot_mmap_entry: the multiboot2 "type" values
 * (1-5; 7 is GRUB's persistent memory), and two the EFI map tells apart. */
#define MB2_MMAP_AVAILABLE   1
#define MB2_MMAP_RESERVED    2
#define MB2_MMAP_ACPI        3
#define MB2_MMAP_NVS         4
#define MB2_MMAP_BADRAM      5
#define MB2_MMAP_PERSISTENT  7
#define BOOT_MEM_EFI_RUNTIME 0x100   /* EfiRuntimeServicesCode/Data, PAL code */
#define BOOT_MEM_MMIO        0x101   /* EfiMemoryMappedIO, ...PortSpace */

/* UEFI Specification, "EFI_BOOT_SERVICES.GetMemoryMap()": memory types and
 * the descriptor (descriptors may be larger: step by the tag's descr_size). */
enum efi_memory_type {
    EFI_RESERVED_MEMORY, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BOOT_SERVICES_CODE,
    EFI_BOOT_SERVICES_DATA, EFI_RUNTIME_SERVICES_CODE, EFI_RUNTIME_SERVICES_DATA,
    EFI_CONVENTIONAL_MEMORY, EFI_UNUSABLE_MEMORY, EFI_ACPI_RECLAIM_MEMORY,
    EFI_ACPI_MEMORY_NVS, EFI_MEMORY_MAPPED_IO, EFI_MEMORY_MAPPED_IO_PORT_SPACE,
    EFI_PAL_CODE, EFI_PERSISTENT_MEMORY, EFI_UNACCEPTED_MEMORY,
};
#define EFI_MEMORY_WB        BIT(3)    /* write-back cacheable */
#define EFI_MEMORY_RUNTIME   BIT(63)   /* the firmware needs it at run time */
#define EFI_PAGE_SIZE        4096ULL

struct efi_memory_descriptor {
    uint32_t type, pad;
    uint64_t phys_start, virt_start, num_pages, attribute;
} __packed;
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI memory descriptor");

/* Framebuffer tag: the common part (GRUB's layout: a 16-bit reserved field,
 * so the colour information starts at byte 32), then for direct RGB the
 * field positions and sizes. */
#define MB2_FB_TYPE_INDEXED  0
#define MB2_FB_TYPE_RGB      1
#define MB2_FB_TYPE_EGA_TEXT 2
struct mb2_tag_framebuffer {
    uint32_t type, size;
    uint64_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp, fb_type;
    uint16_t reserved;
} __packed;
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "multiboot2 framebuffer tag");
struct mb2_tag_efi_mmap { uint32_t type, size, descr_size, descr_vers; } __packed;

struct mb2_info_header { uint32_t total_size, reserved; } __packed;
struct mb2_tag { uint32_t type, size; } __packed;
struct mb2_tag_module { uint32_t type, size, mod_start, mod_end; char cmdline[]; } __packed;
struct mb2_tag_mmap { uint32_t type, size, entry_size, entry_version; } __packed;
struct mb2_mmap_entry { uint64_t addr, len; uint32_t type, reserved; } __packed;

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "multiboot2 module tag");

#define BOOT_MAX_MMAP     128
#define BOOT_MAX_MODULES  144      /* 16 guests, each with 8 for= modules */

struct boot_mmap_entry { uint64_t addr, len; uint32_t type; };

enum boot_mmap_source { BOOT_MMAP_NONE, BOOT_MMAP_MB2, BOOT_MMAP_EFI };

/* A linear framebuffer GRUB set up (or VGA text mode: type EGA text, width
 * and height in characters). */
struct boot_framebuffer {
    uint64_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp, type;
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_module {
    uint64_t start, end;        /* physical [start, end) */
    const char *cmdline;        /* points into the boot information */
};

struct boot_info {
    uint64_t info_addr, info_size;   /* the boot information block itself */
    const char *cmdline;             /* "" when GRUB passed none */
    const char *loader_name;
    struct boot_mmap_entry mmap[BOOT_MAX_MMAP];   /* sorted by address for the EFI map */
    unsigned nmmap;
    enum boot_mmap_source mmap_source;
    unsigned efi_descs;              /* descriptors in the EFI map */
    unsigned mmap_dropped;           /* entries beyond BOOT_MAX_MMAP */
    bool uefi;                       /* EFI system table or EFI map tag seen */
    bool efi_boot_services;          /* GRUB left boot services running */
    uint64_t efi_system_table;       /* 0 when none was passed */
    bool has_fb;
    struct boot_framebuffer fb;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned nmodules;
    unsigned modules_dropped;        /* modules beyond BOOT_MAX_MODULES */
    const void *rsdp;                /* copy of the RSDP inside the info, or NULL */
    size_t rsdp_len;
    uint32_t rsdp_tag;               /* MB2_TAG_ACPI_OLD/NEW it came from, or 0 */
    uint32_t mem_lower_kib, mem_upper_kib;
};

/*
 * Parse the boot information at `info` (its physical address is `info_addr`).
 * Where the EFI memory map tag is present, the memory map comes from it
 * (whatever the order of the tags) and the multiboot2 map is ignored; see
 * efi_memory_kind for which EFI types become usable RAM.
 * Returns 0, or -HV_EINVAL with a reason in err for a malformed block
 * (size fields that run past total_size, a missing end tag, ...).
 */
int mb2_parse(const void *info, uint64_t info_addr, struct boot_info *out,
              char *err, size_t errlen) __must_check;

/* The memory kind (MB2_MMAP_* or BOOT_MEM_*) of an EFI descriptor, given
 * whether boot services are still running. */
uint32_t efi_memory_kind(uint32_t efi_type, uint64_t attribute, bool boot_services_running);

/* "usable", "reserved", "ACPI NVS", ... for a memory kind. */
const char *boot_mem_kind_name(uint32_t kind);

#endif
