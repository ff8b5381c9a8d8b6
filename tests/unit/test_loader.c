/*
 * Host tests for the guest loaders (guest/loader.c, load_mb1.c, load_elf.c):
 * images are crafted here byte by byte, loaded into a guest whose 2 MiB
 * chunks are separate malloc blocks (so AddressSanitizer sees any access
 * outside guest RAM), and checked at their guest-physical addresses.
 *
 * Good images: multiboot1 ELF32 / ELF64 / higher-half ELF32 kernels, an
 * a.out-kludge kernel, plain ELF32 and ELF64, with and without modules.
 * Bad images: a table of lying headers (each case patches a good image),
 * every prefix of every good image, and random header mutations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/rng.h"

#include <hv/errno.h>
#include "guest/loader.h"
#include "guest/elf_plan.h"
#include "boot_regs.h"
#include "guest/multiboot1.h"
#include "guest/elf.h"
#include "mm/guest_mem.h"

#define CASE_CHECK(i, cond) \
    do { if (!(cond)) fail_msg("case %u: %s", (unsigned)(i), #cond); } while (0)

#define FILL        0xCC        /* guest RAM before loading */
#define PHOFF       0x40        /* program headers in the crafted ELF files */
#define ELF_MB1_OFF 0x200       /* multiboot1 header in the crafted ELF files */
#define KL_HOFF     0x40        /* multiboot1 header in the a.out-kludge file */
#define MB1_ELF_FLAGS (MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO)
#define MB1_KL_FLAGS  (MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO | MB1_HF_AOUT_KLUDGE)
#define INFO_GPA    0x1000
#define ERRLEN      256

/* ---------------------------------------------------------------- guest RAM */

static struct guest_mem *mem_new(uint64_t size)
{
    struct guest_mem *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->size = size;
    m->nchunks = (unsigned)((size + GMEM_CHUNK_SIZE - 1) / GMEM_CHUNK_SIZE);
    for (unsigned i = 0; i < m->nchunks; i++) {
        uint64_t used = MIN(size - (uint64_t)i * GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE);
        m->chunk[i] = malloc(used);
        assert_non_null(m->chunk[i]);
        memset(m->chunk[i], FILL, used);
    }
    return m;
}

static void mem_free(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->nchunks; i++)
        free(m->chunk[i]);
    free(m);
}

static uint8_t gbyte(const struct guest_mem *m, uint64_t gpa)
{
    uint8_t b;
    assert_int_equal(gmem_read(m, gpa, &b, 1), 0);
    return b;
}

static uint32_t g32(const struct guest_mem *m, uint64_t gpa)
{
    uint32_t v;
    assert_int_equal(gmem_read(m, gpa, &v, 4), 0);
    return v;
}

/* First byte in [gpa, gpa+len) that is not `val`, or UINT64_MAX. */
static uint64_t first_not(const struct guest_mem *m, uint64_t gpa, uint64_t len, uint8_t val)
{
    for (uint64_t a = gpa; a < gpa + len; a++)
        if (m->chunk[a >> GMEM_CHUNK_SHIFT][a & (GMEM_CHUNK_SIZE - 1)] != val)
            return a;
    return UINT64_MAX;
}

static void read_str(const struct guest_mem *m, uint64_t gpa, char *buf, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        buf[i] = (char)gbyte(m, gpa + i);
        if (!buf[i])
            return;
    }
    fail_msg("string at 0x%llx is not terminated", (unsigned long long)gpa);
}

/* ------------------------------------------------------------ image builders */

/* Content of file byte `off` (segment data and a.out text). */
static uint8_t pat(uint64_t off)
{
    return (uint8_t)(off * 13 + (off >> 8) + 1);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

struct seg { uint64_t vaddr, paddr, offset, filesz, memsz; };

struct elf_spec {
    bool is64;
    bool mb1;                  /* add a multiboot1 header (ELF form) */
    uint32_t mb1_flags;
    uint64_t entry;
    unsigned nsegs;
    struct seg segs[3];
};

/* Text at 1 MiB, data crossing the 2 MiB chunk boundary with 0x1800 of bss. */
#define GOOD_SEGS { \
    { 0x100000, 0x100000, 0x1000, 0x1800, 0x1800 }, \
    { 0x1FF000, 0x1FF000, 0x3000, 0x1800, 0x3000 } }
#define GOOD_ELF_END 0x202000  /* end of the second segment's bss */
#define GOOD_ELF_SIZE 0x4800

static const struct elf_spec MB1_ELF32 = { false, true, MB1_ELF_FLAGS, 0x100010, 2, GOOD_SEGS };
static const struct elf_spec MB1_ELF64 = { true, true, MB1_ELF_FLAGS, 0x100010, 2, GOOD_SEGS };
static const struct elf_spec PLAIN_ELF32 = { false, false, 0, 0x100010, 2, GOOD_SEGS };
static const struct elf_spec PLAIN_ELF64 = { true, false, 0, 0x100010, 2, GOOD_SEGS };
static const struct elf_spec MB1_HIGHER_HALF = { false, true, MB1_ELF_FLAGS, 0xC0100010, 2, {
    { 0xC0100000, 0x100000, 0x1000, 0x1800, 0x1800 },
    { 0xC01FF000, 0x1FF000, 0x3000, 0x1800, 0x3000 } } };

static void put_mb1_header(uint8_t *p, uint32_t flags)
{
    put32(p, MB1_HEADER_MAGIC);
    put32(p + 4, flags);
    put32(p + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags));
}

static uint8_t *build_elf(const struct elf_spec *s, size_t *size)
{
    size_t n = 0x1000;
    for (unsigned i = 0; i < s->nsegs; i++)
        n = MAX(n, s->segs[i].offset + s->segs[i].filesz);
    uint8_t *b = calloc(1, n);
    assert_non_null(b);
    for (size_t off = 0x1000; off < n; off++)
        b[off] = pat(off);

    memcpy(b, ELF_MAGIC, ELF_MAGIC_LEN);
    b[EI_CLASS] = s->is64 ? ELFCLASS64 : ELFCLASS32;
    b[EI_DATA] = ELFDATA2LSB;
    b[EI_VERSION] = EV_CURRENT;
    if (s->is64) {
        put16(b + offsetof(struct elf64_ehdr, e_type), ET_EXEC);
        put16(b + offsetof(struct elf64_ehdr, e_machine), EM_X86_64);
        put32(b + offsetof(struct elf64_ehdr, e_version), EV_CURRENT);
        put64(b + offsetof(struct elf64_ehdr, e_entry), s->entry);
        put64(b + offsetof(struct elf64_ehdr, e_phoff), PHOFF);
        put16(b + offsetof(struct elf64_ehdr, e_ehsize), sizeof(struct elf64_ehdr));
        put16(b + offsetof(struct elf64_ehdr, e_phentsize), sizeof(struct elf64_phdr));
        put16(b + offsetof(struct elf64_ehdr, e_phnum), (uint16_t)s->nsegs);
        for (unsigned i = 0; i < s->nsegs; i++) {
            struct elf64_phdr ph = { PT_LOAD, 7, s->segs[i].offset, s->segs[i].vaddr,
                                     s->segs[i].paddr, s->segs[i].filesz,
                                     s->segs[i].memsz, 0x1000 };
            memcpy(b + PHOFF + i * sizeof(ph), &ph, sizeof(ph));
        }
    } else {
        put16(b + offsetof(struct elf32_ehdr, e_type), ET_EXEC);
        put16(b + offsetof(struct elf32_ehdr, e_machine), EM_386);
        put32(b + offsetof(struct elf32_ehdr, e_version), EV_CURRENT);
        put32(b + offsetof(struct elf32_ehdr, e_entry), (uint32_t)s->entry);
        put32(b + offsetof(struct elf32_ehdr, e_phoff), PHOFF);
        put16(b + offsetof(struct elf32_ehdr, e_ehsize), sizeof(struct elf32_ehdr));
        put16(b + offsetof(struct elf32_ehdr, e_phentsize), sizeof(struct elf32_phdr));
        put16(b + offsetof(struct elf32_ehdr, e_phnum), (uint16_t)s->nsegs);
        for (unsigned i = 0; i < s->nsegs; i++) {
            struct elf32_phdr ph = { PT_LOAD, (uint32_t)s->segs[i].offset,
                                     (uint32_t)s->segs[i].vaddr, (uint32_t)s->segs[i].paddr,
                                     (uint32_t)s->segs[i].filesz, (uint32_t)s->segs[i].memsz,
                                     7, 0x1000 };
            memcpy(b + PHOFF + i * sizeof(ph), &ph, sizeof(ph));
        }
    }
    if (s->mb1)
        put_mb1_header(b + ELF_MB1_OFF, s->mb1_flags);
    *size = n;
    return b;
}

struct kludge_spec {
    uint32_t flags, header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
    size_t file_size;
};

/* 12 KiB of text at 1 MiB (header 0x40 bytes in), 8 KiB of bss. */
static const struct kludge_spec KLUDGE = {
    MB1_KL_FLAGS, 0x100040, 0x100000, 0x103000, 0x105000, 0x100080, 0x3000 };
/* Same, loaded to the end of the file, no bss. */
static const struct kludge_spec KLUDGE_TO_EOF = {
    MB1_KL_FLAGS, 0x100040, 0x100000, 0, 0, 0x100080, 0x3000 };

static uint8_t *build_kludge(const struct kludge_spec *s, size_t *size)
{
    uint8_t *b = malloc(s->file_size);
    assert_non_null(b);
    for (size_t off = 0; off < s->file_size; off++)
        b[off] = pat(off);
    put_mb1_header(b + KL_HOFF, s->flags);
    put32(b + KL_HOFF + offsetof(struct mb1_header, header_addr), s->header_addr);
    put32(b + KL_HOFF + offsetof(struct mb1_header, load_addr), s->load_addr);
    put32(b + KL_HOFF + offsetof(struct mb1_header, load_end_addr), s->load_end_addr);
    put32(b + KL_HOFF + offsetof(struct mb1_header, bss_end_addr), s->bss_end_addr);
    put32(b + KL_HOFF + offsetof(struct mb1_header, entry_addr), s->entry_addr);
    *size = s->file_size;
    return b;
}

enum kind { K_MB1_ELF32, K_MB1_ELF64, K_MB1_HIGHER, K_ELF32, K_ELF64, K_KLUDGE,
            K_KLUDGE_EOF, K_GARBAGE, K_EMPTY, K_COUNT };

static const char *const kind_name[K_COUNT] = {
    "mb1-elf32", "mb1-elf64", "mb1-higher-half", "elf32", "elf64", "kludge",
    "kludge-to-eof", "garbage", "empty" };

static uint8_t *build(enum kind k, size_t *size)
{
    switch (k) {
    case K_MB1_ELF32:  return build_elf(&MB1_ELF32, size);
    case K_MB1_ELF64:  return build_elf(&MB1_ELF64, size);
    case K_MB1_HIGHER: return build_elf(&MB1_HIGHER_HALF, size);
    case K_ELF32:      return build_elf(&PLAIN_ELF32, size);
    case K_ELF64:      return build_elf(&PLAIN_ELF64, size);
    case K_KLUDGE:     return build_kludge(&KLUDGE, size);
    case K_KLUDGE_EOF: return build_kludge(&KLUDGE_TO_EOF, size);
    case K_GARBAGE: {
        uint8_t *b = malloc(0x3000);
        for (size_t i = 0; i < 0x3000; i++)
            b[i] = pat(i);
        *size = 0x3000;
        return b;
    }
    case K_EMPTY:
    default:
        *size = 0;
        return malloc(1);
    }
}

static struct guest_image image(const uint8_t *data, size_t size)
{
    return (struct guest_image){ .name = "test", .path = "/guests/k.elf", .data = data,
                                 .size = size, .cmdline = "", .mods = NULL, .nmods = 0 };
}

/* --------------------------------------------------------------- checks */

/* File bytes [off, off+len) are at gpa. */
static void expect_file_at(const struct guest_mem *m, const uint8_t *file, uint64_t off,
                           uint64_t gpa, uint64_t len)
{
    for (uint64_t k = 0; k < len; k++)
        if (gbyte(m, gpa + k) != file[off + k])
            fail_msg("file byte 0x%llx not at gpa 0x%llx", (unsigned long long)(off + k),
                     (unsigned long long)(gpa + k));
}

static void expect_zero(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    uint64_t bad = first_not(m, gpa, len, 0);
    if (bad != UINT64_MAX)
        fail_msg("bss byte at gpa 0x%llx not zeroed", (unsigned long long)bad);
}

static void expect_segments(const struct guest_mem *m, const uint8_t *file,
                            const struct elf_spec *s)
{
    for (unsigned i = 0; i < s->nsegs; i++) {
        const struct seg *g = &s->segs[i];
        expect_file_at(m, file, g->offset, g->paddr, g->filesz);
        expect_zero(m, g->paddr + g->filesz, g->memsz - g->filesz);
    }
}

/* The multiboot1 information structure at EBX and what it points to. */
struct mods_want { unsigned n; const struct guest_module *mods; uint64_t first_start; };

static void expect_mb1_info(const struct guest_mem *m, const struct guest_loaded *st,
                            const char *cmdline, const struct mods_want *mw)
{
    struct mb1_info info;
    char s[1024];

    assert_int_equal(st->regs.gpr[GPR_RAX], MB1_BOOTLOADER_MAGIC);
    assert_int_equal(st->regs.gpr[GPR_RBX], INFO_GPA);
    assert_string_equal(st->format, "multiboot1");
    /* Specification 3.2: 32-bit protected mode, paging off, flat CS and
     * data from the loader's GDT, EAX magic, EBX the information. */
    struct boot_regs_want w = {
        .rip = st->regs.rip, .cs = 0x08, .ds = 0x10,
        .gdt_base = GUEST_MB1_GDT, .gdt_limit = 3 * 8 - 1,
    };
    w.gpr[GPR_RAX] = MB1_BOOTLOADER_MAGIC;
    w.gpr[GPR_RBX] = INFO_GPA;
    const char *diff = boot_regs_diff(&st->regs, &w);
    if (diff)
        fail_msg("multiboot1 registers: %s", diff);
    assert_int_equal(gmem_read(m, st->regs.gpr[GPR_RBX], &info, sizeof(info)), 0);

    /* A flat GDT as GRUB and QEMU leave, in the reserved range below 1 MiB
     * (so below the kernel), with matching selectors. */
    static const uint64_t want_gdt[3] = { 0, 0x00CF9B000000FFFFULL, 0x00CF93000000FFFFULL };
    uint64_t gdt[3];
    assert_int_equal(st->regs.gdt.base, GUEST_MB1_GDT);
    assert_int_equal(st->regs.gdt.limit, sizeof(gdt) - 1);
    assert_int_equal(st->regs.seg[VCPU_SEG_CS].selector, 0x08);
    assert_int_equal(st->regs.seg[VCPU_SEG_DS].selector, 0x10);
    assert_int_equal(gmem_read(m, st->regs.gdt.base, gdt, sizeof(gdt)), 0);
    assert_memory_equal(gdt, want_gdt, sizeof(gdt));
    assert_true(st->regs.gdt.base >= 0x9FC00 && st->regs.gdt.base + st->regs.gdt.limit < 0x100000);
    assert_true(st->regs.gdt.base + st->regs.gdt.limit < st->load_start);

    assert_int_equal(info.flags, MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS |
                                 MB1_INFO_MEM_MAP | MB1_INFO_LOADER_NAME);
    assert_int_equal(info.mem_lower, 639);
    assert_int_equal(info.mem_upper, (m->size - MiB(1)) / 1024);

    /* Memory map: 3 entries, `size` first, each 24 bytes apart. */
    assert_int_equal(info.mmap_length, 3 * 24);
    static const struct { uint64_t base, len; uint32_t type; } want_map[3] = {
        { 0, 0x9FC00, 1 }, { 0x9FC00, 0x60400, 2 }, { 0x100000, 0, 1 } };
    uint64_t at = info.mmap_addr;
    for (unsigned i = 0; i < 3; i++) {
        struct mb1_mmap_entry e;
        assert_int_equal(gmem_read(m, at, &e, sizeof(e)), 0);
        assert_int_equal(e.size, 20);
        assert_int_equal(e.base_addr, want_map[i].base);
        assert_int_equal(e.length, i == 2 ? m->size - MiB(1) : want_map[i].len);
        assert_int_equal(e.type, want_map[i].type);
        at += e.size + 4;
    }
    assert_true(info.mmap_addr >= GUEST_BOOTINFO_BASE &&
                info.mmap_addr + info.mmap_length <= GUEST_BOOTINFO_END);

    read_str(m, info.cmdline, s, sizeof(s));
    assert_string_equal(s, cmdline);
    read_str(m, info.boot_loader_name, s, sizeof(s));
    assert_string_equal(s, "minivisor");

    assert_int_equal(info.mods_count, mw->n);
    uint64_t prev_end = 0;
    for (unsigned i = 0; i < mw->n; i++) {
        struct mb1_module mod;
        assert_int_equal(gmem_read(m, info.mods_addr + i * sizeof(mod), &mod, sizeof(mod)), 0);
        assert_int_equal(mod.mod_start % PAGE_SIZE, 0);
        if (i == 0)
            assert_int_equal(mod.mod_start, mw->first_start);
        else
            assert_int_equal(mod.mod_start, ALIGN_UP(prev_end, PAGE_SIZE));
        assert_int_equal(mod.mod_end - mod.mod_start, mw->mods[i].size);
        assert_int_equal(mod.reserved, 0);
        for (size_t k = 0; k < mw->mods[i].size; k++)
            if (gbyte(m, mod.mod_start + k) != mw->mods[i].data[k])
                fail_msg("module %u byte %zu differs", i, k);
        read_str(m, mod.string, s, sizeof(s));
        assert_string_equal(s, mw->mods[i].string ? mw->mods[i].string : "");
        prev_end = mod.mod_end;
    }
    if (mw->n)
        assert_int_equal(st->load_end, prev_end);
}

/* ------------------------------------------------------------ good images */

static void test_mb1_elf32_with_modules(void **state)
{
    (void)state;
    size_t size;
    uint8_t *file = build(K_MB1_ELF32, &size);
    uint8_t *m0 = malloc(5000), m1[10];
    for (unsigned i = 0; i < 5000; i++)
        m0[i] = (uint8_t)(i ^ 0x5A);
    memset(m1, 0x77, sizeof(m1));
    struct guest_module mods[2] = {
        { m0, 5000, "initrd one" },
        { m1, sizeof(m1), NULL },
    };
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_image img = image(file, size);
    struct guest_loaded st;
    char err[ERRLEN];

    img.cmdline = "a b";
    img.mods = mods;
    img.nmods = 2;
    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    assert_int_equal(st.regs.rip, 0x100010);
    assert_int_equal(st.load_start, 0x100000);
    expect_segments(m, file, &MB1_ELF32);
    struct mods_want mw = { 2, mods, GOOD_ELF_END };
    expect_mb1_info(m, &st, "/guests/k.elf a b", &mw);
    assert_int_equal(st.load_end, ALIGN_UP(GOOD_ELF_END + 5000, PAGE_SIZE) + 10);

    /* Nothing below 1 MiB outside the boot-info area was touched. */
    assert_int_equal(first_not(m, 0, GUEST_BOOTINFO_BASE, FILL), UINT64_MAX);
    assert_int_equal(first_not(m, GUEST_BOOTINFO_END, GUEST_MB1_GDT - GUEST_BOOTINFO_END, FILL),
                     UINT64_MAX);
    assert_int_equal(first_not(m, GUEST_MB1_GDT + 24, MiB(1) - GUEST_MB1_GDT - 24, FILL),
                     UINT64_MAX);
    mem_free(m);
    free(file);
    free(m0);
}

static void test_mb1_elf_no_modules(void **state)
{
    (void)state;
    static const enum kind kinds[] = { K_MB1_ELF32, K_MB1_ELF64, K_MB1_HIGHER };
    for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
        size_t size;
        uint8_t *file = build(kinds[i], &size);
        struct guest_mem *m = mem_new(MiB(8));
        struct guest_image img = image(file, size);
        struct guest_loaded st;
        char err[ERRLEN];

        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (rc)
            fail_msg("case %u (%s): rc %d: %s", i, kind_name[kinds[i]], rc, err);
        CASE_CHECK(i, st.regs.rip == 0x100010);          /* higher half: moved to p_paddr */
        CASE_CHECK(i, st.load_start == 0x100000 && st.load_end == GOOD_ELF_END);
        expect_segments(m, file, &MB1_ELF32);       /* same physical layout */
        struct mods_want mw = { 0, NULL, 0 };
        expect_mb1_info(m, &st, "/guests/k.elf", &mw);
        mem_free(m);
        free(file);
    }
}

static void test_mb1_kludge(void **state)
{
    (void)state;
    static const struct kludge_spec *specs[] = { &KLUDGE, &KLUDGE_TO_EOF };
    for (unsigned i = 0; i < ARRAY_SIZE(specs); i++) {
        const struct kludge_spec *ks = specs[i];
        size_t size;
        uint8_t *file = build_kludge(ks, &size);
        uint8_t mdata[3] = { 1, 2, 3 };
        struct guest_module mod = { mdata, 3, "mod -v" };
        struct guest_mem *m = mem_new(MiB(8));
        struct guest_image img = image(file, size);
        struct guest_loaded st;
        char err[ERRLEN];

        img.cmdline = "console=ttyS0";
        img.mods = &mod;
        img.nmods = 1;
        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (rc)
            fail_msg("case %u: rc %d: %s", i, rc, err);
        uint64_t end = ks->bss_end_addr ? ks->bss_end_addr : 0x103000;
        CASE_CHECK(i, st.regs.rip == ks->entry_addr);
        CASE_CHECK(i, st.load_start == 0x100000);
        expect_file_at(m, file, 0, 0x100000, 0x3000);
        expect_zero(m, 0x103000, end - 0x103000);
        CASE_CHECK(i, gbyte(m, 0x100000 - 1) == FILL);
        struct mods_want mw = { 1, &mod, ALIGN_UP(end, PAGE_SIZE) };
        expect_mb1_info(m, &st, "/guests/k.elf console=ttyS0", &mw);
        mem_free(m);
        free(file);
    }
}

/* The video mode request (flag 2) is ignored, as the spec allows. */
static void test_mb1_video_flag_ignored(void **state)
{
    (void)state;
    struct elf_spec s = MB1_ELF32;
    s.mb1_flags |= MB1_HF_VIDEO_MODE | BIT(20);    /* + an unknown optional flag */
    size_t size;
    uint8_t *file = build_elf(&s, &size);
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_image img = image(file, size);
    struct guest_loaded st;
    char err[ERRLEN];

    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    assert_int_equal(st.regs.gpr[GPR_RAX], MB1_BOOTLOADER_MAGIC);
    mem_free(m);
    free(file);
}

/* A stray magic with a bad checksum before the real header is skipped. */
static void test_mb1_first_valid_header(void **state)
{
    (void)state;
    size_t size;
    uint8_t *file = build(K_KLUDGE, &size);
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_image img = image(file, size);
    struct guest_loaded st;
    char err[ERRLEN];

    put32(file + 4, MB1_HEADER_MAGIC);             /* flags/checksum = pattern bytes */
    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    assert_int_equal(st.regs.rip, KLUDGE.entry_addr);
    mem_free(m);
    free(file);
}

static void test_plain_elf(void **state)
{
    (void)state;
    static const struct { enum kind k; const struct elf_spec *s; const char *fmt; } cases[] = {
        { K_ELF32, &PLAIN_ELF32, "elf32" },
        { K_ELF64, &PLAIN_ELF64, "elf64" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        size_t size;
        uint8_t *file = build(cases[i].k, &size);
        struct guest_mem *m = mem_new(MiB(8));
        struct guest_image img = image(file, size);
        struct guest_loaded st;
        char err[ERRLEN];

        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (rc)
            fail_msg("case %u: rc %d: %s", i, rc, err);
        /* 32-bit protected mode, CS 0x08, DS 0x10, no GDT, every GPR 0. */
        const struct boot_regs_want w = { .rip = 0x100010, .cs = 0x08, .ds = 0x10 };
        const char *diff = boot_regs_diff(&st.regs, &w);
        if (diff)
            fail_msg("case %u: %s registers: %s", i, cases[i].fmt, diff);
        CASE_CHECK(i, strcmp(st.format, cases[i].fmt) == 0);
        CASE_CHECK(i, st.load_start == 0x100000 && st.load_end == GOOD_ELF_END);
        expect_segments(m, file, cases[i].s);
        CASE_CHECK(i, gbyte(m, GOOD_ELF_END) == FILL);
        /* No boot information for a plain ELF guest. */
        CASE_CHECK(i, first_not(m, 0, MiB(1), FILL) == UINT64_MAX);
        mem_free(m);
        free(file);
    }
}

/* A 3 MiB guest: the last chunk is only 1 MiB; loading up to its last byte works. */
static void test_partial_last_chunk(void **state)
{
    (void)state;
    struct kludge_spec ks = { MB1_KL_FLAGS, 0x2FC040, 0x2FC000, 0x2FF000, 0x300000,
                              0x2FC080, 0x3000 };
    size_t size;
    uint8_t *file = build_kludge(&ks, &size);
    struct guest_mem *m = mem_new(MiB(3));
    struct guest_image img = image(file, size);
    struct guest_loaded st;
    char err[ERRLEN];

    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    expect_file_at(m, file, 0, 0x2FC000, 0x3000);
    expect_zero(m, 0x2FF000, 0x1000);
    assert_int_equal(g32(m, INFO_GPA + offsetof(struct mb1_info, mem_upper)), 2048);

    /* One more byte of bss no longer fits. */
    ks.bss_end_addr++;
    free(file);
    file = build_kludge(&ks, &size);
    img = image(file, size);
    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), -HV_E2BIG);
    assert_non_null(strstr(err, "needs 3073 KiB of RAM but mem= gives 3072 KiB"));
    mem_free(m);
    free(file);
}

/* --------------------------------------------------------- bad images table */

#define EH32(f)    offsetof(struct elf32_ehdr, f)
#define EH64(f)    offsetof(struct elf64_ehdr, f)
#define PH32(i, f) (PHOFF + (i) * sizeof(struct elf32_phdr) + offsetof(struct elf32_phdr, f))
#define PH64(i, f) (PHOFF + (i) * sizeof(struct elf64_phdr) + offsetof(struct elf64_phdr, f))
#define EMBH(f)    (ELF_MB1_OFF + offsetof(struct mb1_header, f))
#define KLH(f)     (KL_HOFF + offsetof(struct mb1_header, f))

struct patch { size_t off; unsigned width; uint64_t val; };   /* width 0: none */

struct bad_case {
    const char *what;
    enum kind kind;
    struct patch p[3];
    size_t fix_checksum_at;    /* header offset whose checksum to recompute, 0: none */
    size_t truncate;           /* use only this many bytes, 0: all */
    unsigned nmods;
    size_t mod_size;
    size_t cmdline_len;
    uint64_t mem;              /* 0: 8 MiB */
    int rc;
    const char *msg;           /* expected in the reason */
};

static const struct bad_case bad_cases[] = {
    { "bad checksum (ELF)", K_MB1_ELF32, { { EMBH(checksum), 4, 0x12345678 } },
      .rc = -HV_EINVAL, .msg = "bad checksum" },
    { "bad checksum (kludge)", K_KLUDGE, { { KLH(checksum), 4, 0 } },
      .rc = -HV_EINVAL, .msg = "offset 0x40 has a bad checksum" },
    { "p_offset past end of file", K_ELF32, { { PH32(0, p_offset), 4, 0x4000 } },
      .rc = -HV_EINVAL, .msg = "ELF segment 0: file bytes at offset 0x4000" },
    { "p_filesz past end of file", K_MB1_ELF32, { { PH32(1, p_filesz), 4, 0x2000 } },
      .rc = -HV_EINVAL, .msg = "past the end of the file" },
    { "p_offset near 2^64", K_ELF64, { { PH64(0, p_offset), 8, UINT64_MAX - 0x10 } },
      .rc = -HV_EINVAL, .msg = "past the end of the file" },
    { "p_filesz near 2^64", K_ELF64, { { PH64(0, p_filesz), 8, UINT64_MAX },
                                       { PH64(0, p_memsz), 8, UINT64_MAX } },
      .rc = -HV_EINVAL, .msg = "past the end of the file" },
    { "p_filesz > p_memsz", K_ELF32, { { PH32(0, p_memsz), 4, 0x100 } },
      .rc = -HV_EINVAL, .msg = "p_filesz 0x1800 is larger than p_memsz 0x100" },
    { "phdrs past end of file", K_ELF32, { { EH32(e_phoff), 4, GOOD_ELF_SIZE - 0x20 } },
      .rc = -HV_EINVAL, .msg = "program headers at offset" },
    { "e_phoff near 2^64", K_MB1_ELF64, { { EH64(e_phoff), 8, UINT64_MAX - 8 } },
      .rc = -HV_EINVAL, .msg = "past the end of the file" },
    { "e_phnum absurd", K_ELF32, { { EH32(e_phnum), 2, 1000 } },
      .rc = -HV_EINVAL, .msg = "1000 program headers (at most 64)" },
    { "e_phnum PN_XNUM", K_ELF64, { { EH64(e_phnum), 2, PN_XNUM } },
      .rc = -HV_EINVAL, .msg = "program headers (at most" },
    { "e_phnum 0", K_ELF32, { { EH32(e_phnum), 2, 0 } },
      .rc = -HV_EINVAL, .msg = "no program headers" },
    { "e_phentsize wrong", K_ELF32, { { EH32(e_phentsize), 2, 40 } },
      .rc = -HV_EINVAL, .msg = "program header size 40" },
    { "paddr + memsz wraps", K_ELF64, { { PH64(1, p_paddr), 8, 0xFFFFFFFFFFFFF000ULL } },
      .rc = -HV_EINVAL, .msg = "wraps around" },
    { "ELF32 segment crosses 4 GiB", K_ELF32, { { PH32(1, p_paddr), 4, 0xFFFFF000 } },
      .rc = -HV_EINVAL, .msg = "above 4 GiB" },
    { "ELF64 segment above 4 GiB", K_MB1_ELF64, { { PH64(1, p_paddr), 8, GiB(5) } },
      .rc = -HV_EINVAL, .msg = "above 4 GiB" },
    { "segment beyond RAM", K_ELF32, { { PH32(1, p_paddr), 4, 0x10000000 } },
      .rc = -HV_E2BIG, .msg = "needs 262156 KiB of RAM but mem= gives 8192 KiB" },
    { "segment beyond 3 MiB RAM", K_MB1_ELF32, .mem = MiB(3),
      .p = { { PH32(1, p_paddr), 4, 0x2FF000 } },
      .rc = -HV_E2BIG, .msg = "needs 3080 KiB of RAM but mem= gives 3072 KiB" },
    { "segment below 1 MiB", K_ELF32, { { PH32(0, p_paddr), 4, 0x80000 } },
      .rc = -HV_EINVAL, .msg = "overlaps the first MiB" },
    { "segment on the boot info", K_MB1_ELF32, { { PH32(0, p_paddr), 4, 0x1000 } },
      .rc = -HV_EINVAL, .msg = "overlaps the first MiB" },
    { "segment straddles 1 MiB", K_MB1_ELF64, { { PH64(0, p_paddr), 8, 0xFF000 } },
      .rc = -HV_EINVAL, .msg = "overlaps the first MiB" },
    { "segments overlap", K_ELF32, { { PH32(1, p_paddr), 4, 0x101000 } },
      .rc = -HV_EINVAL, .msg = "segments 0 and 1 overlap" },
    { "no PT_LOAD", K_ELF32, { { PH32(0, p_type), 4, PT_NULL },
                               { PH32(1, p_type), 4, 6 /* PT_PHDR */ } },
      .rc = -HV_EINVAL, .msg = "no loadable segment" },
    { "entry outside segments", K_MB1_ELF32, { { EH32(e_entry), 4, 0x500000 } },
      .rc = -HV_EINVAL, .msg = "entry point 0x500000 is outside" },
    { "entry in the gap", K_ELF64, { { EH64(e_entry), 8, 0x180000 } },
      .rc = -HV_EINVAL, .msg = "outside every loaded segment" },
    { "ELF64 entry above 4 GiB", K_ELF64, {
          { EH64(e_entry), 8, 0xFFFFFFFF80100010ULL },
          { PH64(0, p_vaddr), 8, 0xFFFFFFFF80100000ULL } },
      .rc = -HV_EINVAL, .msg = "above 4 GiB" },
    { "ET_DYN", K_ELF32, { { EH32(e_type), 2, ET_DYN } },
      .rc = -HV_EINVAL, .msg = "not an executable" },
    { "not x86", K_MB1_ELF32, { { EH32(e_machine), 2, 40 /* EM_ARM */ } },
      .rc = -HV_EINVAL, .msg = "machine 40" },
    { "big-endian", K_ELF32, { { EI_DATA, 1, 2 } },
      .rc = -HV_EINVAL, .msg = "not little-endian" },
    { "unknown class", K_ELF64, { { EI_CLASS, 1, 3 } },
      .rc = -HV_EINVAL, .msg = "ELF class 3" },
    { "bad ELF version", K_ELF32, { { EI_VERSION, 1, 0 } },
      .rc = -HV_EINVAL, .msg = "ELF version" },
    { "ELF header cut off", K_ELF64, .truncate = 0x30,
      .rc = -HV_EINVAL, .msg = "ELF header is cut off" },
    { "garbage", K_GARBAGE, .rc = -HV_ENOEXEC,
      .msg = "not a Linux bzImage, multiboot1 kernel or ELF executable" },
    { "empty", K_EMPTY, .rc = -HV_ENOEXEC,
      .msg = "not a Linux bzImage, multiboot1 kernel or ELF executable" },
    { "unsupported required flag", K_MB1_ELF32, { { EMBH(flags), 4, MB1_ELF_FLAGS | BIT(3) } },
      .fix_checksum_at = ELF_MB1_OFF, .rc = -HV_EINVAL, .msg = "requires features 0x8 " },
    { "unsupported required flag 15", K_KLUDGE, { { KLH(flags), 4, MB1_KL_FLAGS | BIT(15) } },
      .fix_checksum_at = KL_HOFF, .rc = -HV_EINVAL, .msg = "requires features 0x8000" },
    { "MB1 without addresses, not ELF", K_KLUDGE, { { KLH(flags), 4, MB1_ELF_FLAGS } },
      .fix_checksum_at = KL_HOFF, .rc = -HV_EINVAL, .msg = "the image is not ELF" },
    { "MB1 ELF, lying ELF header", K_MB1_ELF32, { { EH32(e_phnum), 2, 0x7FFF } },
      .rc = -HV_EINVAL, .msg = "program headers" },
    { "kludge header cut off", K_KLUDGE, .truncate = KL_HOFF + 20,
      .rc = -HV_EINVAL, .msg = "cut off by the end of the file" },
    { "kludge load_end < load_addr", K_KLUDGE, { { KLH(load_end_addr), 4, 0xFF000 } },
      .rc = -HV_EINVAL, .msg = "load_end_addr 0xff000 is below load_addr" },
    { "kludge load_addr > header_addr", K_KLUDGE, { { KLH(load_addr), 4, 0x100100 } },
      .rc = -HV_EINVAL, .msg = "above header_addr" },
    { "kludge header_addr too far in", K_KLUDGE, { { KLH(load_addr), 4, 0xFF000 } },
      .rc = -HV_EINVAL, .msg = "only 0x40 bytes into the file" },
    { "kludge load_end past end of file", K_KLUDGE, { { KLH(load_end_addr), 4, 0x103001 } },
      .rc = -HV_EINVAL, .msg = "past the end of the file" },
    { "kludge bss_end < load_end", K_KLUDGE, { { KLH(bss_end_addr), 4, 0x102000 } },
      .rc = -HV_EINVAL, .msg = "bss_end_addr 0x102000 is below" },
    { "kludge entry in bss", K_KLUDGE, { { KLH(entry_addr), 4, 0x103000 } },
      .rc = -HV_EINVAL, .msg = "entry_addr 0x103000 is outside" },
    { "kludge entry below", K_KLUDGE, { { KLH(entry_addr), 4, 0 } },
      .rc = -HV_EINVAL, .msg = "entry_addr 0x0 is outside" },
    { "kludge below 1 MiB", K_KLUDGE, { { KLH(header_addr), 4, 0xFF040 },
                                        { KLH(load_addr), 4, 0xFF000 },
                                        { KLH(load_end_addr), 4, 0x102000 } },
      .rc = -HV_EINVAL, .msg = "overlaps the first MiB" },
    { "kludge reaching 4 GiB", K_KLUDGE_EOF, { { KLH(header_addr), 4, 0xFFFFF040 },
                                               { KLH(load_addr), 4, 0xFFFFF000 },
                                               { KLH(entry_addr), 4, 0xFFFFF080 } },
      .rc = -HV_EINVAL, .msg = "above 4 GiB" },
    { "kludge bss beyond RAM", K_KLUDGE, { { KLH(bss_end_addr), 4, 0x900000 } },
      .rc = -HV_E2BIG, .msg = "needs 9216 KiB of RAM but mem= gives 8192 KiB" },
    { "too many modules", K_MB1_ELF32, .nmods = GUEST_MAX_MODULES + 1, .mod_size = 16,
      .rc = -HV_E2BIG, .msg = "9 modules given, at most 8" },
    { "module beyond RAM", K_MB1_ELF32, .nmods = 2, .mod_size = MiB(3),
      .rc = -HV_E2BIG, .msg = "module 1: " },
    { "strings too long", K_KLUDGE, .cmdline_len = 28000,
      .rc = -HV_E2BIG, .msg = "longer than the 27648 bytes" },
    { "plain ELF with modules", K_ELF32, .nmods = 1, .mod_size = 16,
      .rc = -HV_EINVAL, .msg = "no way to receive them" },
    { "plain ELF with command line", K_ELF64, .cmdline_len = 5,
      .rc = -HV_EINVAL, .msg = "no way to receive it" },
};

static void apply_patch(uint8_t *b, size_t size, const struct patch *p)
{
    if (!p->width)
        return;
    assert_true(p->off + p->width <= size);
    memcpy(b + p->off, &p->val, p->width);      /* little-endian host */
}

static void test_bad_images(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t size;
        uint8_t *file = build(c->kind, &size);
        for (unsigned k = 0; k < ARRAY_SIZE(c->p); k++)
            apply_patch(file, size, &c->p[k]);
        if (c->fix_checksum_at) {
            uint32_t flags;
            memcpy(&flags, file + c->fix_checksum_at + 4, 4);
            put32(file + c->fix_checksum_at + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags));
        }
        if (c->truncate)
            size = c->truncate;
        /* An exact-size copy, so ASan sees reads past the end. */
        uint8_t *data = malloc(size ? size : 1);
        memcpy(data, file, size);

        struct guest_module mods[GUEST_MAX_MODULES + 1];
        uint8_t *mod_data = calloc(1, c->mod_size ? c->mod_size : 1);
        for (unsigned k = 0; k < c->nmods; k++)
            mods[k] = (struct guest_module){ mod_data, c->mod_size, "m" };
        char *cmdline = malloc(c->cmdline_len + 1);
        memset(cmdline, 'x', c->cmdline_len);
        cmdline[c->cmdline_len] = '\0';

        struct guest_mem *m = mem_new(c->mem ? c->mem : MiB(8));
        struct guest_image img = image(data, size);
        img.mods = mods;
        img.nmods = c->nmods;
        img.cmdline = cmdline;
        struct guest_loaded st;
        char err[ERRLEN] = "";

        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (rc != c->rc)
            fail_msg("case %u (%s): rc %d, want %d; reason \"%s\"", i, c->what, rc, c->rc, err);
        if (!strstr(err, c->msg))
            fail_msg("case %u (%s): reason \"%s\" lacks \"%s\"", i, c->what, err, c->msg);
        CASE_CHECK(i, st.regs.rip == 0 && st.format == NULL);
        uint64_t touched = first_not(m, 0, m->size, FILL);
        if (touched != UINT64_MAX)
            fail_msg("case %u (%s): refused, but gpa 0x%llx was written", i, c->what,
                     (unsigned long long)touched);

        mem_free(m);
        free(cmdline);
        free(mod_data);
        free(data);
        free(file);
    }
}

/* --------------------------------------------------- truncation and fuzzing */

static bool acceptable_rc(int rc)
{
    return rc == 0 || rc == -HV_EINVAL || rc == -HV_ENOEXEC || rc == -HV_E2BIG;
}

/* Every prefix of every good image is refused with a reason (or, for the
 * kludge loaded to end of file, loaded), and never read past its end. */
static void test_truncated_prefixes(void **state)
{
    (void)state;
    static const enum kind kinds[] = { K_MB1_ELF32, K_MB1_ELF64, K_MB1_HIGHER, K_ELF32,
                                       K_ELF64, K_KLUDGE, K_KLUDGE_EOF };
    struct guest_mem *m = mem_new(MiB(8));
    uint8_t mod_data[100] = { 0 };
    struct guest_module mod = { mod_data, sizeof(mod_data), "m" };

    for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
        size_t size;
        uint8_t *file = build(kinds[i], &size);
        bool elf_plain = kinds[i] == K_ELF32 || kinds[i] == K_ELF64;
        for (size_t len = 0; len <= size; len++) {
            uint8_t *data = malloc(len ? len : 1);
            memcpy(data, file, len);
            struct guest_image img = image(data, len);
            if (!elf_plain) {
                img.mods = &mod;
                img.nmods = 1;
            }
            struct guest_loaded st;
            char err[ERRLEN] = "";
            int rc = guest_load(m, &img, &st, err, sizeof(err));
            if (!acceptable_rc(rc) || (rc != 0 && !err[0]))
                fail_msg("case %u (%s) len %zu: rc %d \"%s\"", i, kind_name[kinds[i]],
                         len, rc, err);
            bool may_load = len == size ||
                            (kinds[i] == K_KLUDGE_EOF && len > KLUDGE_TO_EOF.entry_addr - 0x100000);
            if ((rc == 0) != may_load)
                fail_msg("case %u (%s) len %zu: rc %d \"%s\"", i, kind_name[kinds[i]],
                         len, rc, err);
            free(data);
        }
        free(file);
    }
    mem_free(m);
}

/* Random header corruption: never a crash, never an out-of-bounds access,
 * always a known result, and a successful load starts inside what it loaded. */
static void test_random_mutations(void **state)
{
    (void)state;
    static const enum kind kinds[] = { K_MB1_ELF32, K_MB1_ELF64, K_ELF32, K_ELF64,
                                       K_KLUDGE, K_KLUDGE_EOF };
    static const uint8_t interesting[] = { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x10, 0x20 };
    struct guest_mem *m = mem_new(MiB(8));
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    unsigned loaded = 0;

    for (unsigned iter = 0; iter < 6000; iter++) {
        enum kind k = kinds[iter % ARRAY_SIZE(kinds)];
        size_t size;
        uint8_t *file = build(k, &size);
        unsigned nflips = 1 + (unsigned)(rng_next(&seed) % 4);
        for (unsigned f = 0; f < nflips; f++) {
            /* Mostly the headers: the first 0x100 bytes and the ELF MB1 header. */
            uint64_t r = rng_next(&seed);
            size_t off = (r & 1) ? (r >> 8) % 0x100 : ELF_MB1_OFF + (r >> 8) % 32;
            uint8_t val = (r & 2) ? interesting[(r >> 32) % sizeof(interesting)]
                                  : (uint8_t)(r >> 40);
            file[off % size] = val;
        }
        struct guest_image img = image(file, size);
        struct guest_loaded st;
        char err[ERRLEN] = "";
        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (!acceptable_rc(rc) || (rc != 0 && !err[0]))
            fail_msg("iteration %u (%s): rc %d \"%s\"", iter, kind_name[k], rc, err);
        if (rc == 0) {
            loaded++;
            if (st.regs.rip < st.load_start || st.regs.rip >= st.load_end || st.load_start < MiB(1) ||
                st.load_end > m->size)
                fail_msg("iteration %u (%s): rip 0x%llx load [0x%llx, 0x%llx)", iter,
                         kind_name[k], (unsigned long long)st.regs.rip,
                         (unsigned long long)st.load_start, (unsigned long long)st.load_end);
        }
        free(file);
    }
    assert_true(loaded > 0);      /* some mutations are harmless */
    mem_free(m);
}

/* ----------------------------------------------------------- small things */

static void test_format_entry_points(void **state)
{
    (void)state;
    size_t size;
    uint8_t *garbage = build(K_GARBAGE, &size);
    uint8_t *elf = NULL;
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_image img = image(garbage, size);
    struct guest_loaded st;
    char err[ERRLEN];

    assert_int_equal(load_mb1(m, &img, &st, err, sizeof(err)), -HV_ENOEXEC);
    assert_int_equal(load_elf(m, &img, &st, err, sizeof(err)), -HV_ENOEXEC);

    /* A plain ELF is not a multiboot1 kernel... */
    elf = build(K_ELF32, &size);
    img = image(elf, size);
    assert_int_equal(load_mb1(m, &img, &st, err, sizeof(err)), -HV_ENOEXEC);
    /* ...and the reason survives a tiny buffer, NUL-terminated. */
    char tiny[8];
    memset(tiny, 'Z', sizeof(tiny));
    assert_int_equal(guest_load(m, &(struct guest_image){ .data = garbage, .size = 64 },
                                &st, tiny, sizeof(tiny)), -HV_ENOEXEC);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    /* No reason buffer at all is fine too. */
    assert_int_equal(guest_load(m, &img, &st, NULL, 0), 0);
    assert_string_equal(st.format, "elf32");

    mem_free(m);
    free(garbage);
    free(elf);
}

/* NULL path / cmdline / module string behave like "". */
static void test_null_strings(void **state)
{
    (void)state;
    size_t size;
    uint8_t *file = build(K_MB1_ELF32, &size);
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_module mod = { NULL, 0, NULL };
    struct guest_image img = { .data = file, .size = size, .mods = &mod, .nmods = 1 };
    struct guest_loaded st;
    char err[ERRLEN];

    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    struct mods_want mw = { 1, &mod, GOOD_ELF_END };
    expect_mb1_info(m, &st, "", &mw);

    img.cmdline = "only the args";
    assert_int_equal(guest_load(m, &img, &st, err, sizeof(err)), 0);
    expect_mb1_info(m, &st, "only the args", &mw);
    mem_free(m);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mb1_elf32_with_modules),
        cmocka_unit_test(test_mb1_elf_no_modules),
        cmocka_unit_test(test_mb1_kludge),
        cmocka_unit_test(test_mb1_video_flag_ignored),
        cmocka_unit_test(test_mb1_first_valid_header),
        cmocka_unit_test(test_plain_elf),
        cmocka_unit_test(test_partial_last_chunk),
        cmocka_unit_test(test_bad_images),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_random_mutations),
        cmocka_unit_test(test_format_entry_points),
        cmocka_unit_test(test_null_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
