/*
 * The parts of the multiboot (version 1) information structure the test
 * guests read: memory sizes, the command line, the module count and the
 * memory map.
 * Layout from the Multiboot Specification 0.6.96, section 3.3.
 */
#ifndef GUEST_LIB_MULTIBOOT_H
#define GUEST_LIB_MULTIBOOT_H

#include <stdint.h>

#define MB1_HEADER_MAGIC      0x1BADB002u   /* in the kernel image */
#define MB1_BOOTLOADER_MAGIC  0x2BADB002u   /* in EAX at entry */

#define MB1_INFO_MEMORY       (1u << 0)     /* mem_lower, mem_upper valid */
#define MB1_INFO_CMDLINE      (1u << 2)     /* cmdline valid */
#define MB1_INFO_MODS         (1u << 3)     /* mods_count, mods_addr valid */
#define MB1_INFO_MEM_MAP      (1u << 6)     /* mmap_length, mmap_addr valid */

struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower;       /* KiB from 0 */
    uint32_t mem_upper;       /* KiB from 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;         /* physical address of a NUL-terminated string */
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
};

#endif
