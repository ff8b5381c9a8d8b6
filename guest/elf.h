/*
 * ELF file structures needed to load an executable: the file header and the
 * program headers, for 32-bit and 64-bit objects.
 *
 * Reference: System V ABI, "Object Files" chapter (gABI, ELF header and
 * program header sections), and the ELF-64 Object File Format 1.5. Field
 * names follow the specification; its Elf32_Addr-style typedefs are written
 * as plain fixed-width integers. All multi-byte fields are little-endian for
 * the x86 objects we accept (ELFDATA2LSB).
 *
 * Left out: section headers, symbols, relocations, dynamic linking, notes;
 * a loader of static executables does not need them.
 */
#ifndef GUEST_ELF_H
#define GUEST_ELF_H

#include <hv/types.h>

/* e_ident[] indexes and values */
#define EI_NIDENT      16
#define EI_MAG0        0            /* 0x7f 'E' 'L' 'F' */
#define EI_CLASS       4
#define EI_DATA        5
#define EI_VERSION     6

#define ELF_MAGIC      "\177ELF"
#define ELF_MAGIC_LEN  4

#define ELFCLASS32     1
#define ELFCLASS64     2
#define ELFDATA2LSB    1            /* little-endian */
#define EV_CURRENT     1

/* e_type */
#define ET_EXEC        2
#define ET_DYN         3

/* e_machine */
#define EM_386         3
#define EM_X86_64      62

/* p_type */
#define PT_NULL        0
#define PT_LOAD        1

/* e_phnum value meaning "the real count is in section header 0". */
#define PN_XNUM        0xFFFF

struct elf32_ehdr {
    uint8_t  e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint32_t e_entry;
    uint32_t e_phoff;
    uint32_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_ehdr {
    uint8_t  e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf32_phdr {
    uint32_t p_type;
    uint32_t p_offset;
    uint32_t p_vaddr;
    uint32_t p_paddr;
    uint32_t p_filesz;
    uint32_t p_memsz;
    uint32_t p_flags;
    uint32_t p_align;
};

/* Note the different field order: p_flags moved up for alignment. */
struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header layout");
_Static_assert(offsetof(struct elf32_ehdr, e_entry) == 24, "ELF32 header layout");
_Static_assert(offsetof(struct elf32_ehdr, e_phentsize) == 42, "ELF32 header layout");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "ELF64 header layout");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "ELF64 header layout");
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "ELF64 program header layout");

#endif
