/*
 * Multiboot (version 1) structures, as a boot loader sees them.
 *
 * Reference: Multiboot Specification version 0.6.96, section 3.1 (OS image
 * format and header), 3.2 (machine state) and 3.3 (boot information format).
 * All fields are little-endian and the structures are laid out exactly as the
 * specification's offset tables say (checked with _Static_assert below).
 *
 * Left out: the a.out symbol table and ELF section header fields are kept as
 * opaque words; drive, APM, VBE and framebuffer details are only laid out.
 */
#ifndef GUEST_MULTIBOOT1_H
#define GUEST_MULTIBOOT1_H

#include <hv/types.h>

/* ---- OS image header (3.1) ---- */

#define MB1_HEADER_MAGIC      0x1BADB002u
#define MB1_SEARCH_LIMIT      8192u      /* header lies within the first 8 KiB */
#define MB1_HEADER_ALIGN      4u         /* ... on a 32-bit boundary */

/* Header flags: bits 0-15 are requirements (a loader that cannot honour one
 * must refuse the image), bits 16-31 are optional features. */
#define MB1_HF_PAGE_ALIGN     BIT(0)     /* modules page (4 KiB) aligned */
#define MB1_HF_MEMORY_INFO    BIT(1)     /* mem_* and mmap_* must be given */
#define MB1_HF_VIDEO_MODE     BIT(2)     /* video mode table (mode_type..depth) */
#define MB1_HF_REQUIRED_MASK  0x0000FFFFu
#define MB1_HF_AOUT_KLUDGE    BIT(16)    /* header_addr..entry_addr are valid */

struct mb1_header {
    uint32_t magic;
    uint32_t flags;
    uint32_t checksum;         /* magic + flags + checksum == 0 (mod 2^32) */
    /* valid if MB1_HF_AOUT_KLUDGE */
    uint32_t header_addr;      /* physical address of the header itself */
    uint32_t load_addr;        /* where the text segment starts */
    uint32_t load_end_addr;    /* end of data to load; 0 = to end of file */
    uint32_t bss_end_addr;     /* end of bss; 0 = no bss */
    uint32_t entry_addr;
    /* valid if MB1_HF_VIDEO_MODE */
    uint32_t mode_type;
    uint32_t width;
    uint32_t height;
    uint32_t depth;
};

#define MB1_HEADER_MIN_SIZE   12u        /* magic, flags, checksum */
#define MB1_HEADER_AOUT_SIZE  32u        /* ... up to entry_addr */

_Static_assert(sizeof(struct mb1_header) == 48, "multiboot1 header layout");
_Static_assert(offsetof(struct mb1_header, header_addr) == 12, "multiboot1 header layout");
_Static_assert(offsetof(struct mb1_header, entry_addr) == 28, "multiboot1 header layout");
_Static_assert(offsetof(struct mb1_header, mode_type) == MB1_HEADER_AOUT_SIZE,
               "multiboot1 header layout");

/* ---- Machine state (3.2) ---- */

#define MB1_BOOTLOADER_MAGIC  0x2BADB002u  /* in EAX when the OS is entered */

/* ---- Boot information (3.3) ---- */

#define MB1_INFO_MEMORY       BIT(0)     /* mem_lower, mem_upper */
#define MB1_INFO_BOOTDEV      BIT(1)
#define MB1_INFO_CMDLINE      BIT(2)
#define MB1_INFO_MODS         BIT(3)
#define MB1_INFO_AOUT_SYMS    BIT(4)
#define MB1_INFO_ELF_SHDR     BIT(5)
#define MB1_INFO_MEM_MAP      BIT(6)
#define MB1_INFO_DRIVE_INFO   BIT(7)
#define MB1_INFO_CONFIG_TABLE BIT(8)
#define MB1_INFO_LOADER_NAME  BIT(9)
#define MB1_INFO_APM_TABLE    BIT(10)
#define MB1_INFO_VBE          BIT(11)
#define MB1_INFO_FRAMEBUFFER  BIT(12)

struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower;        /* KiB of memory from 0 (at most 640) */
    uint32_t mem_upper;        /* KiB of memory from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;          /* physical address of a C string */
    uint32_t mods_count;
    uint32_t mods_addr;        /* physical address of struct mb1_module[] */
    uint32_t syms[4];          /* a.out symbol table or ELF section headers */
    uint32_t mmap_length;      /* bytes of the memory map buffer */
    uint32_t mmap_addr;        /* physical address of struct mb1_mmap_entry[] */
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name; /* physical address of a C string */
    uint32_t apm_table;
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t  framebuffer_bpp;
    uint8_t  framebuffer_type;
    uint8_t  color_info[6];    /* palette or RGB field positions */
} __packed;

_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, mods_addr) == 24, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, vbe_mode) == 80, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "multiboot1 info layout");
_Static_assert(offsetof(struct mb1_info, framebuffer_bpp) == 108, "multiboot1 info layout");
_Static_assert(sizeof(struct mb1_info) == 116, "multiboot1 info layout");

/* One entry of the module list (mods_addr). */
struct mb1_module {
    uint32_t mod_start;        /* first byte of the module */
    uint32_t mod_end;          /* one past its last byte */
    uint32_t string;           /* physical address of a C string */
    uint32_t reserved;         /* 0 */
};

_Static_assert(sizeof(struct mb1_module) == 16, "multiboot1 module layout");

/*
 * One entry of the memory map (mmap_addr). `size` is the size of the rest of
 * the entry, not counting `size` itself; the next entry starts at
 * (address of size) + size + 4.
 */
struct mb1_mmap_entry {
    uint32_t size;             /* = 20 for this layout */
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;             /* 1 = RAM, 2 = reserved, ... (E820 types) */
} __packed;

#define MB1_MMAP_ENTRY_SIZE_FIELD 20u

_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot1 mmap entry layout");
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "multiboot1 mmap entry layout");
_Static_assert(sizeof(struct mb1_mmap_entry) - sizeof(uint32_t) == MB1_MMAP_ENTRY_SIZE_FIELD,
               "multiboot1 mmap entry size field");

#endif
