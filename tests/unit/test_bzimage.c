/*
 * Host tests for the Linux bzImage loader (guest/load_bzimage.c) and for
 * guest_load() picking it before the multiboot1 and ELF loaders.
 *
 * bzImage files are crafted here: (setup_sects + 1) * 512 bytes of setup
 * (recognisable filler, the setup header at 0x1F1) followed by a
 * protected-mode "kernel" of pattern bytes. They are loaded into a guest
 * whose 2 MiB chunks are separate malloc blocks filled with FILL, so
 * AddressSanitizer sees any access outside guest RAM and a test can tell
 * every byte the loader wrote from every byte it left alone.
 *
 * Reference: the kernel's Documentation/arch/x86/boot.rst ("The Linux/x86
 * Boot Protocol", "64-bit Boot Protocol") and zero-page.rst for offsets.
 *
 * Good images (table): the kernel at pref_address, bss zeroed up to
 * init_size, boot_params (header copied, type_of_loader, command line,
 * initrd, E820), identity page tables, GDT, boot state, and nothing else
 * written. Bad images (table): each patched from a good one, refused with
 * the right code and reason, guest RAM untouched. Every prefix of a small
 * good image, random header mutations, and non-bzImage files.
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
#include "boot_regs.h"
#include "guest/e820.h"
#include "guest/multiboot1.h"
#include "mm/guest_mem.h"

#define CASE_CHECK(i, cond) \
    do { if (!(cond)) fail_msg("case %u: %s", (unsigned)(i), #cond); } while (0)

#define FILL        0xCC        /* guest RAM before loading */
#define ERRLEN      256

/* Setup header / boot_params offsets (boot.rst, zero-page.rst). */
#define OFF_EXT_RAMDISK_IMAGE 0x0C0
#define OFF_EXT_RAMDISK_SIZE  0x0C4
#define OFF_EXT_CMD_LINE_PTR  0x0C8
#define OFF_E820_ENTRIES      0x1E8
#define OFF_SETUP_SECTS       0x1F1
#define OFF_SYSSIZE           0x1F4
#define OFF_BOOT_FLAG         0x1FE
#define OFF_JUMP              0x200
#define OFF_HEADER            0x202
#define OFF_VERSION           0x206
#define OFF_TYPE_OF_LOADER    0x210
#define OFF_LOADFLAGS         0x211
#define OFF_CODE32_START      0x214
#define OFF_RAMDISK_IMAGE     0x218
#define OFF_RAMDISK_SIZE      0x21C
#define OFF_CMD_LINE_PTR      0x228
#define OFF_INITRD_ADDR_MAX   0x22C
#define OFF_KERNEL_ALIGNMENT  0x230
#define OFF_XLOADFLAGS        0x236
#define OFF_CMDLINE_SIZE      0x238
#define OFF_PREF_ADDRESS      0x258
#define OFF_INIT_SIZE         0x260
#define OFF_E820_TABLE        0x2D0

#define LOADED_HIGH     0x01
#define XLF_KERNEL_64   0x01
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x02

/* Where load_bzimage.c documents boot_params ("zero page"). */
#define BOOT_PARAMS_GPA 0x8000ULL

#define PTE_P   BIT(0)
#define PTE_W   BIT(1)
#define PTE_PS  BIT(7)
#define PTE_NX  BIT(63)
#define PTE_ADDR 0x000FFFFFFFFFF000ULL

/* ---------------------------------------------------------------- guest RAM */

static uint8_t fill_block[GMEM_CHUNK_SIZE];     /* FILL, for fast comparisons */
static uint8_t zero_block[GMEM_CHUNK_SIZE];

static void mem_refill(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->nchunks; i++)
        memset(m->chunk[i], FILL, MIN(m->size - (uint64_t)i * GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE));
}

static struct guest_mem *mem_new(uint64_t size)
{
    struct guest_mem *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    if (fill_block[0] != FILL)
        memset(fill_block, FILL, sizeof(fill_block));
    m->size = size;
    m->nchunks = (unsigned)((size + GMEM_CHUNK_SIZE - 1) / GMEM_CHUNK_SIZE);
    for (unsigned i = 0; i < m->nchunks; i++) {
        m->chunk[i] = malloc(MIN(size - (uint64_t)i * GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE));
        assert_non_null(m->chunk[i]);
    }
    mem_refill(m);
    return m;
}

static void mem_free(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->nchunks; i++)
        free(m->chunk[i]);
    free(m);
}

/* First byte in [gpa, gpa+len) that is not `val` (FILL or 0), or UINT64_MAX. */
static uint64_t first_not(const struct guest_mem *m, uint64_t gpa, uint64_t len, uint8_t val)
{
    const uint8_t *ref = val ? fill_block : zero_block;
    assert_true(val == 0 || val == FILL);
    assert_true(gmem_contains(m, gpa, len));
    while (len) {
        uint64_t off = gpa & (GMEM_CHUNK_SIZE - 1);
        uint64_t n = MIN(len, GMEM_CHUNK_SIZE - off);
        const uint8_t *p = m->chunk[gpa >> GMEM_CHUNK_SHIFT] + off;
        if (memcmp(p, ref, n))
            for (uint64_t k = 0; k < n; k++)
                if (p[k] != val)
                    return gpa + k;
        gpa += n;
        len -= n;
    }
    return UINT64_MAX;
}

static uint64_t g64(const struct guest_mem *m, uint64_t gpa)
{
    uint64_t v;
    assert_int_equal(gmem_read(m, gpa, &v, 8), 0);
    return v;
}

/* ------------------------------------------------------------ image builder */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Content of file byte `off`: setup filler and kernel bytes differ. */
static uint8_t setup_pat(size_t off) { return (uint8_t)(0xA0 ^ (off * 7) ^ (off >> 8)); }
static uint8_t kernel_pat(size_t off) { return (uint8_t)(off * 13 + (off >> 8) + 1); }
static uint8_t initrd_pat(size_t off) { return (uint8_t)((off * 5 + 3) ^ (off >> 9)); }

struct bz_spec {
    uint8_t setup_sects;       /* as written at 0x1F1 (0 means 4) */
    uint16_t version;
    uint8_t jump_len;          /* byte at 0x201: the header ends at 0x202 + this */
    uint8_t loadflags;
    uint16_t xloadflags;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    uint32_t cmdline_size;
    uint64_t pref_address;
    uint32_t init_size;
    size_t kernel_len;         /* protected-mode kernel bytes (multiple of 16) */
};

/* A 2.15 header (ends at 0x26C), 6 KiB of kernel at 2 MiB, 32 KiB init_size. */
#define GOOD_SPEC { .setup_sects = 1, .version = 0x020F, .jump_len = 0x6A, \
    .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, \
    .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 2047, \
    .pref_address = 0x200000, .init_size = 0x8000, .kernel_len = 0x1800 }
#define GOOD_SIZE (2 * 512 + 0x1800)

static const struct bz_spec GOOD = GOOD_SPEC;

static size_t kernel_off(const struct bz_spec *s)
{
    return ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * 512;
}

static uint8_t *build_bz(const struct bz_spec *s, size_t *size)
{
    size_t koff = kernel_off(s);
    size_t n = koff + s->kernel_len;
    uint8_t *b = malloc(n);
    assert_non_null(b);
    for (size_t off = 0; off < koff; off++)
        b[off] = setup_pat(off);
    for (size_t off = koff; off < n; off++)
        b[off] = kernel_pat(off);

    b[OFF_SETUP_SECTS] = s->setup_sects;
    put32(b + OFF_SYSSIZE, (uint32_t)((s->kernel_len + 15) / 16));
    put16(b + OFF_BOOT_FLAG, 0xAA55);
    b[OFF_JUMP] = 0xEB;
    b[OFF_JUMP + 1] = s->jump_len;
    memcpy(b + OFF_HEADER, "HdrS", 4);
    put16(b + OFF_VERSION, s->version);
    b[OFF_TYPE_OF_LOADER] = 0;
    b[OFF_LOADFLAGS] = s->loadflags;
    put32(b + OFF_INITRD_ADDR_MAX, s->initrd_addr_max);
    put32(b + OFF_KERNEL_ALIGNMENT, s->kernel_alignment);
    put16(b + OFF_XLOADFLAGS, s->xloadflags);
    put32(b + OFF_CMDLINE_SIZE, s->cmdline_size);
    put64(b + OFF_PREF_ADDRESS, s->pref_address);
    put32(b + OFF_INIT_SIZE, s->init_size);
    *size = n;
    return b;
}

/* An exact-size copy of the first len bytes, so ASan sees reads past the end. */
static uint8_t *exact_copy(const uint8_t *file, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    assert_non_null(d);
    memcpy(d, file, len);
    return d;
}

static uint8_t *make_initrd(size_t size)
{
    uint8_t *d = malloc(size ? size : 1);
    assert_non_null(d);
    for (size_t i = 0; i < size; i++)
        d[i] = initrd_pat(i);
    return d;
}

static struct guest_image image(const uint8_t *data, size_t size)
{
    return (struct guest_image){ .name = "linux", .path = "/guests/bzImage", .data = data,
                                 .size = size, .cmdline = "", .mods = NULL, .nmods = 0 };
}

/* ------------------------------------------------------------ good images */

struct good_case {
    const char *what;
    struct bz_spec s;
    uint64_t mem;
    const char *cmdline;       /* NULL allowed (= "") */
    size_t cmdline_len;        /* instead of cmdline: this many 'y' */
    unsigned nmods;            /* 0 or 1 */
    size_t initrd_size;
    uint64_t want_initrd;      /* expected ramdisk_image (0: don't care) */
};

static const struct good_case good_cases[] = {
    { "minimal", GOOD_SPEC, .mem = MiB(8), .cmdline = "" },
    { "command line and initrd", GOOD_SPEC, .mem = MiB(8),
      .cmdline = "console=ttyS0 root=/dev/ram0 rdinit=/init",
      .nmods = 1, .initrd_size = 5000, .want_initrd = 0x7FE000 },
    { "initrd_addr_max below mem", { .setup_sects = 1, .version = 0x020F, .jump_len = 0x6A,
        .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64, .initrd_addr_max = 0x5FFFFF,
        .kernel_alignment = 0x200000, .cmdline_size = 255, .pref_address = 0x200000,
        .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "quiet", .nmods = 1, .initrd_size = 0x3000,
      .want_initrd = 0x5FD000 },
    { "initrd_addr_max mid-page", { .setup_sects = 1, .version = 0x020F, .jump_len = 0x6A,
        .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64, .initrd_addr_max = 0x5FF7FF,
        .kernel_alignment = 0x200000, .cmdline_size = 255, .pref_address = 0x200000,
        .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "", .nmods = 1, .initrd_size = 0x1000,
      .want_initrd = 0x5FE000 },
    { "initrd_addr_max: one byte more would cross it", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x5FFFFF, .kernel_alignment = 0x200000, .cmdline_size = 255,
        .pref_address = 0x200000, .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "", .nmods = 1, .initrd_size = 0x1001,
      .want_initrd = 0x5FE000 },
    { "Linux-like: setup_sects 0 (= 4), 16 MiB, bss across a chunk",
      { .setup_sects = 0, .version = 0x020F, .jump_len = 0x6A, .loadflags = LOADED_HIGH,
        .xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, .initrd_addr_max = 0x7FFFFFFF,
        .kernel_alignment = 0x1000000, .cmdline_size = 2047, .pref_address = 0x1000000,
        .init_size = 0x201000, .kernel_len = 0x3000 },
      .mem = MiB(24), .cmdline = "console=ttyS0 earlyprintk=serial", .nmods = 1,
      .initrd_size = MiB(1) + 123, .want_initrd = MiB(24) - MiB(1) - 0x1000 },
    { "initrd fits exactly above init_size", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 2047,
        .pref_address = 0x200000, .init_size = 0x100000, .kernel_len = 0x1800 },
      .mem = MiB(4), .cmdline = "x", .nmods = 1, .initrd_size = MiB(1), .want_initrd = MiB(3) },
    { "partial last chunk, initrd across a chunk boundary", GOOD_SPEC, .mem = MiB(5),
      .cmdline = "a", .nmods = 1, .initrd_size = 0x180000, .want_initrd = 0x380000 },
    { "odd RAM size", GOOD_SPEC, .mem = MiB(5) + 0x1234, .cmdline = "b", .nmods = 1,
      .initrd_size = 0x2000, .want_initrd = 0x4FF000 },
    { "no bss (init_size == kernel)", { .setup_sects = 1, .version = 0x020F, .jump_len = 0x6A,
        .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64, .initrd_addr_max = 0x7FFFFFFF,
        .kernel_alignment = 0x200000, .cmdline_size = 2047, .pref_address = 0x200000,
        .init_size = 0x1800, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "" },
    { "init_size reaches the end of RAM", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 2047,
        .pref_address = 0x200000, .init_size = 0x200000, .kernel_len = 0x1800 },
      .mem = MiB(4), .cmdline = "" },
    { "command line exactly cmdline_size", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 16,
        .pref_address = 0x200000, .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "0123456789abcdef" },
    { "cmdline_size 0, no command line", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 0,
        .pref_address = 0x200000, .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "" },
    { "NULL command line", GOOD_SPEC, .mem = MiB(8), .cmdline = NULL },
    { "longest command line (64 KiB - 1)", { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000,
        .cmdline_size = 0xFFFFFFFF, .pref_address = 0x200000, .init_size = 0x8000,
        .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline_len = 0xFFFF },
    { "empty initrd module", GOOD_SPEC, .mem = MiB(8), .cmdline = "", .nmods = 1,
      .initrd_size = 0 },
    { "protocol 2.12, header ends at init_size", { .setup_sects = 2, .version = 0x020C,
        .jump_len = 0x62, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 2047,
        .pref_address = 0x400000, .init_size = 0x10000, .kernel_len = 0x2000 },
      .mem = MiB(8), .cmdline = "ro" },
    { "long header (jump 0x80)", { .setup_sects = 1, .version = 0x020F, .jump_len = 0x80,
        .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64, .initrd_addr_max = 0x7FFFFFFF,
        .kernel_alignment = 0x200000, .cmdline_size = 2047, .pref_address = 0x200000,
        .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "" },
    { "kernel_alignment 0", { .setup_sects = 1, .version = 0x020F, .jump_len = 0x6A,
        .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64, .initrd_addr_max = 0x7FFFFFFF,
        .kernel_alignment = 0, .cmdline_size = 2047, .pref_address = 0x200000,
        .init_size = 0x8000, .kernel_len = 0x1800 },
      .mem = MiB(8), .cmdline = "" },
};

struct range { uint64_t start, end; const char *what; };

static void add_range(struct range *r, unsigned *n, uint64_t start, uint64_t len, const char *what)
{
    if (len)
        r[(*n)++] = (struct range){ start, start + len, what };
}

/* The loader's areas do not overlap, and RAM outside them still holds FILL. */
static void expect_only(unsigned i, const struct guest_mem *m, struct range *r, unsigned n)
{
    for (unsigned a = 1; a < n; a++)            /* insertion sort by start */
        for (unsigned b = a; b > 0 && r[b - 1].start > r[b].start; b--) {
            struct range t = r[b];
            r[b] = r[b - 1];
            r[b - 1] = t;
        }
    uint64_t at = 0;
    for (unsigned k = 0; k < n; k++) {
        if (k && r[k].start < r[k - 1].end)
            fail_msg("case %u: %s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)", i,
                     r[k].what, (unsigned long long)r[k].start, (unsigned long long)r[k].end,
                     r[k - 1].what, (unsigned long long)r[k - 1].start,
                     (unsigned long long)r[k - 1].end);
        if (r[k].end > m->size)
            fail_msg("case %u: %s ends at 0x%llx, past RAM", i, r[k].what,
                     (unsigned long long)r[k].end);
        if (r[k].start > at) {
            uint64_t bad = first_not(m, at, r[k].start - at, FILL);
            if (bad != UINT64_MAX)
                fail_msg("case %u: gpa 0x%llx written, outside every loader area", i,
                         (unsigned long long)bad);
        }
        at = MAX(at, r[k].end);
    }
    uint64_t bad = first_not(m, at, m->size - at, FILL);
    if (bad != UINT64_MAX)
        fail_msg("case %u: gpa 0x%llx written, outside every loader area", i,
                 (unsigned long long)bad);
}

/* Walk the identity map at cr3; record the table pages in r. */
static void expect_page_tables(unsigned i, const struct guest_mem *m, uint64_t cr3,
                               struct range *r, unsigned *n)
{
    uint64_t e[512];
    uint64_t pml4 = cr3 & PTE_ADDR;

    CASE_CHECK(i, (cr3 & 0xFFF) == 0);
    CASE_CHECK(i, pml4 < GUEST_LEGACY_END);
    add_range(r, n, pml4, PAGE_SIZE, "PML4");
    assert_int_equal(gmem_read(m, pml4, e, sizeof(e)), 0);
    CASE_CHECK(i, (e[0] & (PTE_P | PTE_W | PTE_PS)) == (PTE_P | PTE_W));
    for (unsigned k = 1; k < 512; k++)
        if (e[k])
            fail_msg("case %u: PML4[%u] = 0x%llx, want 0", i, k, (unsigned long long)e[k]);
    uint64_t pdpt = e[0] & PTE_ADDR;
    CASE_CHECK(i, pdpt < GUEST_LEGACY_END);
    add_range(r, n, pdpt, PAGE_SIZE, "PDPT");

    uint64_t pdpte[512];
    assert_int_equal(gmem_read(m, pdpt, pdpte, sizeof(pdpte)), 0);
    for (unsigned k = 4; k < 512; k++)
        if (pdpte[k])
            fail_msg("case %u: PDPT[%u] = 0x%llx, want 0", i, k, (unsigned long long)pdpte[k]);
    for (unsigned g = 0; g < 4; g++) {
        if ((pdpte[g] & (PTE_P | PTE_W | PTE_PS)) != (PTE_P | PTE_W))
            fail_msg("case %u: PDPT[%u] = 0x%llx", i, g, (unsigned long long)pdpte[g]);
        uint64_t pd = pdpte[g] & PTE_ADDR;
        CASE_CHECK(i, pd < GUEST_LEGACY_END);
        add_range(r, n, pd, PAGE_SIZE, "PD");
        assert_int_equal(gmem_read(m, pd, e, sizeof(e)), 0);
        for (unsigned k = 0; k < 512; k++) {
            uint64_t va = (uint64_t)g * GiB(1) + (uint64_t)k * LARGE_PAGE_SIZE;
            if ((e[k] & (PTE_P | PTE_W | PTE_PS | PTE_NX)) != (PTE_P | PTE_W | PTE_PS) ||
                (e[k] & PTE_ADDR) != va)
                fail_msg("case %u: PD entry for 0x%llx is 0x%llx", i, (unsigned long long)va,
                         (unsigned long long)e[k]);
        }
    }
}

/* A flat 4 GiB descriptor: base 0, limit 0xFFFFF, G = 1, P = 1, S = 1, DPL 0. */
static void expect_flat_desc(unsigned i, uint64_t d, const char *what)
{
    uint64_t base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24;
    uint64_t limit = (d & 0xFFFF) | ((d >> 48) & 0xF) << 16;
    if (base || limit != 0xFFFFF || !(d & BIT(55)) || !(d & BIT(47)) || !(d & BIT(44)) ||
        (d & (3ULL << 45)))
        fail_msg("case %u: %s descriptor 0x%016llx is not flat DPL 0", i, what,
                 (unsigned long long)d);
}

static void expect_gdt(unsigned i, const struct guest_mem *m, const struct guest_loaded *st,
                       struct range *r, unsigned *n)
{
    CASE_CHECK(i, st->regs.gdt.limit >= 0x1F && (st->regs.gdt.limit & 7) == 7);
    CASE_CHECK(i, st->regs.gdt.base < GUEST_LEGACY_END && st->regs.gdt.base % 8 == 0);
    add_range(r, n, st->regs.gdt.base, st->regs.gdt.limit + 1u, "GDT");
    uint64_t code = g64(m, st->regs.gdt.base + 0x10), data = g64(m, st->regs.gdt.base + 0x18);
    CASE_CHECK(i, g64(m, st->regs.gdt.base) == 0);
    expect_flat_desc(i, code, "code (0x10)");
    expect_flat_desc(i, data, "data (0x18)");
    /* Code: execute/read, L = 1, D = 0. Data: read/write. */
    CASE_CHECK(i, (code & BIT(43)) && (code & BIT(41)));
    CASE_CHECK(i, (code & BIT(53)) && !(code & BIT(54)));
    CASE_CHECK(i, !(data & BIT(43)) && (data & BIT(41)));
}

/* The setup header at 0x1F1 is the file's, except what the loader fills in. */
static bool loader_field(size_t off)
{
    return off == OFF_TYPE_OF_LOADER ||
           (off >= OFF_CODE32_START && off < OFF_RAMDISK_SIZE + 4) ||
           (off >= OFF_CMD_LINE_PTR && off < OFF_CMD_LINE_PTR + 4);
}

static void run_good_case(unsigned i, bool via_guest_load)
{
    const struct good_case *c = &good_cases[i];
    const struct bz_spec *s = &c->s;
    size_t size;
    uint8_t *file = build_bz(s, &size);
    uint8_t *data = exact_copy(file, size);
    uint8_t *rd = make_initrd(c->initrd_size);
    struct guest_module mod = { rd, c->initrd_size, "initrd" };
    char *long_cl = NULL;
    const char *cmdline = c->cmdline;
    if (c->cmdline_len) {
        long_cl = malloc(c->cmdline_len + 1);
        memset(long_cl, 'y', c->cmdline_len);
        long_cl[c->cmdline_len] = '\0';
        cmdline = long_cl;
    }
    const char *want_cl = cmdline ? cmdline : "";
    size_t cl = strlen(want_cl);

    struct guest_mem *m = mem_new(c->mem);
    struct guest_image img = image(data, size);
    img.cmdline = cmdline;
    img.mods = c->nmods ? &mod : NULL;
    img.nmods = c->nmods;
    struct guest_loaded st;
    memset(&st, 0, sizeof(st));
    char err[ERRLEN] = "";

    int rc = via_guest_load ? guest_load(m, &img, &st, err, sizeof(err))
                            : load_bzimage(m, &img, &st, err, sizeof(err));
    if (rc)
        fail_msg("case %u (%s, %s): rc %d: %s", i, c->what,
                 via_guest_load ? "guest_load" : "load_bzimage", rc, err);

    struct range r[16];
    unsigned nr = 0;
    uint64_t pref = s->pref_address;
    size_t koff = kernel_off(s);

    /* Boot state. */
    /* 64-bit boot protocol: long mode with the loader's identity map,
     * __BOOT_CS 0x10 and __BOOT_DS 0x18, RSI = boot_params, other GPRs 0. */
    struct boot_regs_want w = {
        .long_mode = true, .rip = pref + 0x200, .cr3 = st.regs.cr3, .cs = 0x10, .ds = 0x18,
        .gdt_base = st.regs.gdt.base, .gdt_limit = 4 * 8 - 1,
    };
    w.gpr[GPR_RSI] = BOOT_PARAMS_GPA;
    const char *diff = boot_regs_diff(&st.regs, &w);
    if (diff)
        fail_msg("case %u: registers: %s", i, diff);
    CASE_CHECK(i, st.format && strcmp(st.format, "Linux bzImage") == 0);
    CASE_CHECK(i, st.load_start == pref);

    /* The kernel at pref_address, its bss zeroed up to init_size. */
    add_range(r, &nr, pref, s->init_size, "kernel");
    for (size_t k = 0; k < s->kernel_len; k++) {
        uint8_t b;
        assert_int_equal(gmem_read(m, pref + k, &b, 1), 0);
        if (b != file[koff + k])
            fail_msg("case %u: kernel byte %zu (file 0x%zx) not at 0x%llx", i, k, koff + k,
                     (unsigned long long)(pref + k));
    }
    uint64_t bad = first_not(m, pref + s->kernel_len, s->init_size - s->kernel_len, 0);
    if (bad != UINT64_MAX)
        fail_msg("case %u: bss byte at 0x%llx not zeroed", i, (unsigned long long)bad);

    /* boot_params. */
    uint8_t bp[PAGE_SIZE];
    assert_int_equal(gmem_read(m, st.regs.gpr[GPR_RSI], bp, sizeof(bp)), 0);
    add_range(r, &nr, st.regs.gpr[GPR_RSI], PAGE_SIZE, "boot_params");
    struct e820_entry want_map[E820_MAX_ENTRIES];
    unsigned nmap = e820_build(c->mem, true, want_map);
    size_t hdr_end = OFF_HEADER + (size_t)s->jump_len;
    size_t map_end = OFF_E820_TABLE + nmap * sizeof(struct e820_entry);
    CASE_CHECK(i, bp[OFF_E820_ENTRIES] == nmap);
    if (memcmp(bp + OFF_E820_TABLE, want_map, nmap * sizeof(struct e820_entry)))
        fail_msg("case %u: boot_params E820 table differs from e820_build(mem, true)", i);
    for (size_t off = 0; off < sizeof(bp); off++) {
        if (off == OFF_E820_ENTRIES || (off >= OFF_E820_TABLE && off < map_end))
            continue;
        if (off >= OFF_SETUP_SECTS && off < hdr_end) {
            if (!loader_field(off) && bp[off] != file[off])
                fail_msg("case %u: boot_params[0x%zx] = 0x%02x, file has 0x%02x", i, off,
                         bp[off], file[off]);
        } else if (bp[off]) {
            fail_msg("case %u: boot_params[0x%zx] = 0x%02x outside the header, want 0", i,
                     off, bp[off]);
        }
    }
    CASE_CHECK(i, bp[OFF_TYPE_OF_LOADER] == 0xFF);
    CASE_CHECK(i, get32(bp + OFF_CODE32_START) == (uint32_t)pref);
    CASE_CHECK(i, get16(bp + OFF_VERSION) == s->version);
    CASE_CHECK(i, bp[OFF_LOADFLAGS] == s->loadflags);

    /* The command line, NUL-terminated, where cmd_line_ptr says. */
    uint64_t clp = get32(bp + OFF_CMD_LINE_PTR);
    CASE_CHECK(i, get32(bp + OFF_EXT_CMD_LINE_PTR) == 0);
    CASE_CHECK(i, clp >= PAGE_SIZE && clp + cl + 1 <= GUEST_LOW_RAM_END);
    add_range(r, &nr, clp, cl + 1, "command line");
    char *got = malloc(cl + 1);
    assert_int_equal(gmem_read(m, clp, got, cl + 1), 0);
    CASE_CHECK(i, got[cl] == '\0');
    CASE_CHECK(i, memcmp(got, want_cl, cl) == 0);
    free(got);

    /* The initrd. */
    uint64_t ri = get32(bp + OFF_RAMDISK_IMAGE) | (uint64_t)get32(bp + OFF_EXT_RAMDISK_IMAGE) << 32;
    uint64_t rs = get32(bp + OFF_RAMDISK_SIZE) | (uint64_t)get32(bp + OFF_EXT_RAMDISK_SIZE) << 32;
    uint64_t want_end = pref + s->init_size;
    CASE_CHECK(i, rs == (c->nmods ? c->initrd_size : 0));
    if (c->nmods == 0)
        CASE_CHECK(i, ri == 0);
    if (rs) {
        uint64_t top = MIN(c->mem, (uint64_t)s->initrd_addr_max + 1);
        CASE_CHECK(i, ri % PAGE_SIZE == 0);
        CASE_CHECK(i, ri >= ALIGN_UP(pref + s->init_size, PAGE_SIZE));
        CASE_CHECK(i, ri + rs - 1 <= s->initrd_addr_max);
        CASE_CHECK(i, ri + rs <= c->mem);
        CASE_CHECK(i, ri == ALIGN_DOWN(top - rs, PAGE_SIZE));      /* highest that fits */
        if (c->want_initrd)
            CASE_CHECK(i, ri == c->want_initrd);
        uint8_t *back = malloc(rs);
        assert_int_equal(gmem_read(m, ri, back, rs), 0);
        if (memcmp(back, rd, rs))
            fail_msg("case %u: initrd bytes at 0x%llx differ", i, (unsigned long long)ri);
        free(back);
        add_range(r, &nr, ri, rs, "initrd");
        want_end = ri + rs;
    }
    CASE_CHECK(i, st.load_end == want_end);

    /* Page tables, GDT, and nothing else written. */
    expect_page_tables(i, m, st.regs.cr3, r, &nr);
    expect_gdt(i, m, &st, r, &nr);
    expect_only(i, m, r, nr);

    mem_free(m);
    free(long_cl);
    free(rd);
    free(data);
    free(file);
}

static void test_good_images(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(good_cases); i++) {
        run_good_case(i, true);
        run_good_case(i, false);
    }
}

/* A bzImage that also holds a multiboot1 header (and so would pass for an
 * a.out-kludge kernel) is loaded as a bzImage: guest_load tries it first. */
static void test_bzimage_detected_first(void **state)
{
    (void)state;
    size_t size;
    uint8_t *file = build_bz(&GOOD, &size);
    size_t h = kernel_off(&GOOD) + 0x100;
    put32(file + h, MB1_HEADER_MAGIC);
    put32(file + h + 4, MB1_HF_PAGE_ALIGN | MB1_HF_AOUT_KLUDGE);
    put32(file + h + 8, (uint32_t)-(MB1_HEADER_MAGIC + (MB1_HF_PAGE_ALIGN | MB1_HF_AOUT_KLUDGE)));
    put32(file + h + 12, 0x100000 + (uint32_t)h);
    put32(file + h + 16, 0x100000);
    put32(file + h + 20, 0);
    put32(file + h + 24, 0);
    put32(file + h + 28, 0x100000 + (uint32_t)h + 0x40);
    struct guest_mem *m = mem_new(MiB(8));
    struct guest_image img = image(file, size);
    struct guest_loaded st;
    char err[ERRLEN];

    /* It is a valid multiboot1 kernel too... */
    assert_int_equal(load_mb1(m, &img, &st, err, sizeof(err)), 0);
    mem_refill(m);
    /* ...but guest_load sees the bzImage. */
    int rc = guest_load(m, &img, &st, err, sizeof(err));
    if (rc)
        fail_msg("rc %d: %s", rc, err);
    assert_string_equal(st.format, "Linux bzImage");
    assert_int_equal(st.regs.efer, 0x500);              /* long mode: LME | LMA */
    assert_int_equal(st.regs.rip, GOOD.pref_address + 0x200);
    mem_free(m);
    free(file);
}

/* --------------------------------------------------------- bad images table */

struct patch { size_t off; unsigned width; uint64_t val; };   /* width 0: none */

struct bad_case {
    const char *what;
    struct patch p[3];
    size_t truncate;           /* use only this many bytes, 0: all */
    unsigned nmods;
    bool null_mods;            /* nmods set but img->mods NULL */
    size_t mod_size;
    size_t cmdline_len;
    uint64_t mem;              /* 0: 8 MiB */
    int rc;
    const char *msg;           /* expected in the reason */
};

#define P1(o, w, v) { { (o), (w), (v) } }

static const struct bad_case bad_cases[] = {
    { "protocol 2.05", P1(OFF_VERSION, 2, 0x0205),
      .rc = -HV_EINVAL, .msg = "boot protocol 2.05 is older than 2.06" },
    { "protocol 2.00", P1(OFF_VERSION, 2, 0x0200),
      .rc = -HV_EINVAL, .msg = "boot protocol 2.00 is older than 2.06" },
    { "protocol 1.00", P1(OFF_VERSION, 2, 0x0100),
      .rc = -HV_EINVAL, .msg = "older than 2.06" },
    { "protocol 2.11 (no xloadflags yet)", P1(OFF_VERSION, 2, 0x020B),
      .rc = -HV_EINVAL, .msg = "not a 64-bit kernel" },
    { "no boot flag", P1(OFF_BOOT_FLAG, 2, 0),
      .rc = -HV_EINVAL, .msg = "boot flag is not 0xAA55" },
    { "boot flag byte-swapped", P1(OFF_BOOT_FLAG, 2, 0x55AA),
      .rc = -HV_EINVAL, .msg = "boot flag is not 0xAA55" },
    { "header truncated at 0x240", .truncate = 0x240,
      .rc = -HV_EINVAL, .msg = "truncated setup header" },
    { "header truncated inside init_size", .truncate = OFF_INIT_SIZE + 3,
      .rc = -HV_EINVAL, .msg = "truncated setup header" },
    { "setup_sects past the end of the file", P1(OFF_SETUP_SECTS, 1, 32),
      .rc = -HV_EINVAL,
      .msg = "setup_sects 32 puts the kernel at 16896, past the end of the file (7168 bytes)" },
    { "setup_sects: kernel starts exactly at end of file", P1(OFF_SETUP_SECTS, 1, 13),
      .rc = -HV_EINVAL, .msg = "setup_sects 13 puts the kernel at 7168, past the end" },
    { "setup_sects 0 (= 4) in a 2.5 KiB file", P1(OFF_SETUP_SECTS, 1, 0), .truncate = 0xA00,
      .rc = -HV_EINVAL, .msg = "setup_sects 4 puts the kernel at 2560" },
    { "syssize larger than the file", P1(OFF_SYSSIZE, 4, 0x181),
      .rc = -HV_EINVAL, .msg = "syssize says 6160 bytes of kernel but the file holds 6144" },
    { "kernel truncated", .truncate = GOOD_SIZE - 16,
      .rc = -HV_EINVAL, .msg = "syssize says 6144 bytes of kernel but the file holds 6128 "
                               "(truncated?)" },
    { "syssize 0xFFFFFFFF", P1(OFF_SYSSIZE, 4, 0xFFFFFFFF),
      .rc = -HV_EINVAL, .msg = "syssize says 68719476720 bytes" },
    { "zImage (not LOADED_HIGH)", P1(OFF_LOADFLAGS, 1, 0x80),
      .rc = -HV_EINVAL, .msg = "a zImage (not loaded high)" },
    { "no XLF_KERNEL_64", P1(OFF_XLOADFLAGS, 2, XLF_CAN_BE_LOADED_ABOVE_4G),
      .rc = -HV_EINVAL, .msg = "not a 64-bit kernel (no XLF_KERNEL_64)" },
    { "pref_address not 2 MiB aligned", P1(OFF_PREF_ADDRESS, 8, 0x201000),
      .rc = -HV_EINVAL, .msg = "preferred address 0x201000 is not a 2 MiB-aligned address" },
    { "pref_address 1 MiB", P1(OFF_PREF_ADDRESS, 8, 0x100000),
      .rc = -HV_EINVAL, .msg = "preferred address 0x100000 is not" },
    { "pref_address 0 (below 1 MiB)", P1(OFF_PREF_ADDRESS, 8, 0),
      .rc = -HV_EINVAL, .msg = "preferred address 0x0 is not a 2 MiB-aligned address above" },
    { "pref_address beyond RAM", P1(OFF_PREF_ADDRESS, 8, 0x40000000),
      .rc = -HV_E2BIG,
      .msg = "the kernel needs [0x40000000, 0x40008000) (init_size) but mem= gives 8 MiB" },
    { "pref_address above 4 GiB", P1(OFF_PREF_ADDRESS, 8, GiB(4)),
      .rc = -HV_E2BIG, .msg = "(init_size) but mem= gives 8 MiB" },
    { "pref_address + init_size wraps", { { OFF_PREF_ADDRESS, 8, 0xFFFFFFFFFFE00000ULL },
                                          { OFF_INIT_SIZE, 4, 0x400000 } },
      .rc = -HV_E2BIG, .msg = "(init_size) but mem=" },
    { "init_size smaller than the kernel", P1(OFF_INIT_SIZE, 4, 0x17FF),
      .rc = -HV_EINVAL, .msg = "init_size 6143 is smaller than the kernel (6144 bytes)" },
    { "init_size 0", P1(OFF_INIT_SIZE, 4, 0),
      .rc = -HV_EINVAL, .msg = "init_size 0 is smaller than the kernel" },
    { "init_size past mem", P1(OFF_INIT_SIZE, 4, 0x600001),
      .rc = -HV_E2BIG, .msg = "the kernel needs [0x200000, 0x800001) (init_size) but mem= "
                              "gives 8 MiB" },
    { "init_size past a 3 MiB guest", .mem = MiB(3),
      .rc = -HV_E2BIG, .msg = "needs [0x200000, 0x300001) (init_size) but mem= gives 3 MiB",
      .p = P1(OFF_INIT_SIZE, 4, 0x100001) },
    { "kernel_alignment not a power of two", P1(OFF_KERNEL_ALIGNMENT, 4, 0x300000),
      .rc = -HV_EINVAL, .msg = "kernel_alignment 0x300000 is not a power of two" },
    { "command line longer than cmdline_size", P1(OFF_CMDLINE_SIZE, 4, 16), .cmdline_len = 17,
      .rc = -HV_E2BIG, .msg = "command line of 17 bytes is longer than the kernel accepts (16)" },
    { "command line with cmdline_size 0", P1(OFF_CMDLINE_SIZE, 4, 0), .cmdline_len = 1,
      .rc = -HV_E2BIG, .msg = "command line of 1 bytes is longer than the kernel accepts (0)" },
    { "command line past the loader's buffer", P1(OFF_CMDLINE_SIZE, 4, 0xFFFFFFFF),
      .cmdline_len = 0x10000, .rc = -HV_E2BIG, .msg = "command line of 65536 bytes" },
    { "two modules", .nmods = 2, .mod_size = 16,
      .rc = -HV_EINVAL, .msg = "2 modules given; a Linux guest takes one (its initrd)" },
    { "nine modules", .nmods = GUEST_MAX_MODULES + 1, .mod_size = 16,
      .rc = -HV_EINVAL, .msg = "9 modules given" },
    { "initrd larger than RAM", .nmods = 1, .mod_size = MiB(9),
      .rc = -HV_E2BIG, .msg = "the initrd (9216 KiB) does not fit between the kernel" },
    { "initrd one byte too big", P1(OFF_INIT_SIZE, 4, 0x100000), .mem = MiB(4),
      .nmods = 1, .mod_size = MiB(1) + 1, .rc = -HV_E2BIG, .msg = "the initrd (1024 KiB) does not fit" },
    { "initrd_addr_max below the kernel's end", P1(OFF_INITRD_ADDR_MAX, 4, 0x207FFF),
      .nmods = 1, .mod_size = 16, .rc = -HV_E2BIG, .msg = "does not fit" },
    { "initrd_addr_max 0", P1(OFF_INITRD_ADDR_MAX, 4, 0),
      .nmods = 1, .mod_size = 16, .rc = -HV_E2BIG, .msg = "does not fit" },
    /* The header's length comes from the jump at 0x200 and must reach every
     * field the loader reads (through init_size); refused before any write. */
    { "setup header ends before init_size", P1(OFF_JUMP + 1, 1, 0x20),
      .rc = -HV_EINVAL, .msg = "setup header length 32 (from the jump at 0x200) does not reach "
                               "init_size at 0x260" },
    /* As load_mb1 does: a module count without a module list is refused. */
    { "module count without a module list", .nmods = 1, .null_mods = true,
      .rc = -HV_EINVAL, .msg = "module list missing" },
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
        uint8_t *file = build_bz(&GOOD, &size);
        assert_int_equal(size, GOOD_SIZE);
        for (unsigned k = 0; k < ARRAY_SIZE(c->p); k++)
            apply_patch(file, size, &c->p[k]);
        if (c->truncate)
            size = c->truncate;
        uint8_t *data = exact_copy(file, size);

        struct guest_module mods[GUEST_MAX_MODULES + 1];
        uint8_t *mod_data = make_initrd(c->mod_size);
        for (unsigned k = 0; k < c->nmods; k++)
            mods[k] = (struct guest_module){ mod_data, c->mod_size, "m" };
        char *cmdline = malloc(c->cmdline_len + 1);
        memset(cmdline, 'x', c->cmdline_len);
        cmdline[c->cmdline_len] = '\0';

        uint64_t msize = c->mem ? c->mem : MiB(8);
        struct guest_mem *m = mem_new(msize);
        struct guest_image img = image(data, size);
        img.mods = c->null_mods ? NULL : mods;
        img.nmods = c->nmods;
        img.cmdline = cmdline;

        for (int direct = 0; direct < 2; direct++) {
            struct guest_loaded st;
            memset(&st, 0, sizeof(st));
            char err[ERRLEN] = "";
            int rc = direct ? load_bzimage(m, &img, &st, err, sizeof(err))
                            : guest_load(m, &img, &st, err, sizeof(err));
            const char *via = direct ? "load_bzimage" : "guest_load";
            if (rc != c->rc)
                fail_msg("case %u (%s, %s): rc %d, want %d; reason \"%s\"", i, c->what, via,
                         rc, c->rc, err);
            if (!strstr(err, c->msg))
                fail_msg("case %u (%s, %s): reason \"%s\" lacks \"%s\"", i, c->what, via,
                         err, c->msg);
            CASE_CHECK(i, st.regs.rip == 0 && st.format == NULL);
            uint64_t touched = first_not(m, 0, m->size, FILL);
            if (touched != UINT64_MAX)
                fail_msg("case %u (%s, %s): refused, but gpa 0x%llx was written", i, c->what,
                         via, (unsigned long long)touched);
            /* No reason buffer: same code, no crash. */
            rc = direct ? load_bzimage(m, &img, &st, NULL, 0)
                        : guest_load(m, &img, &st, NULL, 0);
            if (rc != c->rc)
                fail_msg("case %u (%s, %s, no err buffer): rc %d", i, c->what, via, rc);
        }

        mem_free(m);
        free(cmdline);
        free(mod_data);
        free(data);
        free(file);
    }
}

/* --------------------------------------------------------- not a bzImage */

static void test_not_bzimage(void **state)
{
    (void)state;
    enum { GARBAGE, EMPTY, SHORT_HDRS, HDRS_ELSEWHERE, MB1_KLUDGE, NCASES };
    static const char *const names[NCASES] = {
        "garbage", "empty", "\"HdrS\" in a 0x209-byte file", "\"HdrS\" at 0x200", "multiboot1" };
    struct guest_mem *m = mem_new(MiB(8));

    for (unsigned i = 0; i < NCASES; i++) {
        size_t size = 0x3000;
        uint8_t *file = malloc(size);
        for (size_t k = 0; k < size; k++)
            file[k] = kernel_pat(k);
        switch (i) {
        case EMPTY:
            size = 0;
            break;
        case SHORT_HDRS:           /* boot flag and magic, but no version: too short */
            put16(file + OFF_BOOT_FLAG, 0xAA55);
            memcpy(file + OFF_HEADER, "HdrS", 4);
            size = OFF_HEADER + 7;
            break;
        case HDRS_ELSEWHERE:
            put16(file + OFF_BOOT_FLAG, 0xAA55);
            memcpy(file + OFF_JUMP, "HdrS", 4);
            break;
        case MB1_KLUDGE: {         /* a.out-kludge kernel: 12 KiB at 1 MiB */
            uint32_t flags = MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO | MB1_HF_AOUT_KLUDGE;
            put32(file + 0, MB1_HEADER_MAGIC);
            put32(file + 4, flags);
            put32(file + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags));
            put32(file + 12, 0x100000);
            put32(file + 16, 0x100000);
            put32(file + 20, 0);
            put32(file + 24, 0);
            put32(file + 28, 0x100040);
            break;
        }
        default:
            break;
        }
        uint8_t *data = exact_copy(file, size);
        struct guest_image img = image(data, size);
        struct guest_loaded st;
        char err[ERRLEN] = "";

        memset(&st, 0, sizeof(st));
        int rc = load_bzimage(m, &img, &st, err, sizeof(err));
        if (rc != -HV_ENOEXEC)
            fail_msg("case %u (%s): load_bzimage rc %d \"%s\", want -HV_ENOEXEC", i, names[i],
                     rc, err);
        CASE_CHECK(i, st.format == NULL);
        CASE_CHECK(i, first_not(m, 0, m->size, FILL) == UINT64_MAX);

        rc = guest_load(m, &img, &st, err, sizeof(err));
        if (i == MB1_KLUDGE) {
            if (rc)
                fail_msg("case %u (%s): guest_load rc %d \"%s\"", i, names[i], rc, err);
            CASE_CHECK(i, strcmp(st.format, "multiboot1") == 0);
            CASE_CHECK(i, !(st.regs.efer & 0x400) && st.regs.rip == 0x100040);
            mem_refill(m);
        } else {
            if (rc != -HV_ENOEXEC ||
                !strstr(err, "not a Linux bzImage, multiboot1 kernel or ELF executable"))
                fail_msg("case %u (%s): guest_load rc %d \"%s\"", i, names[i], rc, err);
            CASE_CHECK(i, first_not(m, 0, m->size, FILL) == UINT64_MAX);
        }
        free(data);
        free(file);
    }
    mem_free(m);
}

/* --------------------------------------------------- truncation and fuzzing */

static bool acceptable_rc(int rc)
{
    return rc == 0 || rc == -HV_EINVAL || rc == -HV_ENOEXEC || rc == -HV_E2BIG;
}

/* Every prefix of a small good image is refused with a reason (without
 * writing guest RAM) or, whole, loaded; never read past its end. */
static void test_truncated_prefixes(void **state)
{
    (void)state;
    static const struct bz_spec small = { .setup_sects = 1, .version = 0x020F,
        .jump_len = 0x6A, .loadflags = LOADED_HIGH, .xloadflags = XLF_KERNEL_64,
        .initrd_addr_max = 0x7FFFFFFF, .kernel_alignment = 0x200000, .cmdline_size = 255,
        .pref_address = 0x200000, .init_size = 0x1000, .kernel_len = 0x200 };
    size_t size;
    uint8_t *file = build_bz(&small, &size);
    uint8_t rd[100];
    memset(rd, 0x42, sizeof(rd));
    struct guest_module mod = { rd, sizeof(rd), "initrd" };
    struct guest_mem *m = mem_new(MiB(4));

    for (size_t len = 0; len <= size; len++) {
        for (int direct = 0; direct < 2; direct++) {
            uint8_t *data = exact_copy(file, len);
            struct guest_image img = image(data, len);
            img.cmdline = "console=ttyS0";
            img.mods = &mod;
            img.nmods = 1;
            struct guest_loaded st;
            memset(&st, 0, sizeof(st));
            char err[ERRLEN] = "";
            int rc = direct ? load_bzimage(m, &img, &st, err, sizeof(err))
                            : guest_load(m, &img, &st, err, sizeof(err));
            bool reason_needed = !(direct && rc == -HV_ENOEXEC);
            if (!acceptable_rc(rc) || (rc && reason_needed && !err[0]))
                fail_msg("len %zu (%s): rc %d \"%s\"", len, direct ? "load_bzimage" : "guest_load",
                         rc, err);
            if ((rc == 0) != (len == size))
                fail_msg("len %zu (%s): rc %d \"%s\"", len, direct ? "load_bzimage" : "guest_load",
                         rc, err);
            if (direct && len < OFF_HEADER + 8 && rc != -HV_ENOEXEC)
                fail_msg("len %zu: rc %d, want -HV_ENOEXEC", len, rc);
            if (rc == 0) {
                if (st.regs.rip != small.pref_address + 0x200)
                    fail_msg("len %zu: rip 0x%llx", len, (unsigned long long)st.regs.rip);
                mem_refill(m);
            } else {
                uint64_t touched = first_not(m, 0, m->size, FILL);
                if (touched != UINT64_MAX)
                    fail_msg("len %zu: refused (rc %d), but gpa 0x%llx was written", len, rc,
                             (unsigned long long)touched);
            }
            free(data);
        }
    }
    mem_free(m);
    free(file);
}

/* Random setup-header corruption: no crash, no out-of-bounds access, a known
 * result, and a successful load starts where the protocol says. */
static void test_random_mutations(void **state)
{
    (void)state;
    static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x10, 0x20 };
    struct guest_mem *m = mem_new(MiB(8));
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    uint8_t rd[64] = { 0 };
    struct guest_module mod = { rd, sizeof(rd), "initrd" };
    unsigned loaded = 0;

    for (unsigned iter = 0; iter < 4000; iter++) {
        size_t size;
        uint8_t *file = build_bz(&GOOD, &size);
        unsigned nflips = 1 + (unsigned)(rng_next(&seed) % 3);
        for (unsigned f = 0; f < nflips; f++) {
            uint64_t r = rng_next(&seed);
            size_t off = OFF_SETUP_SECTS + (size_t)((r >> 8) % (0x26C - OFF_SETUP_SECTS));
            file[off] = (r & 1) ? interesting[(r >> 32) % sizeof(interesting)]
                                : (uint8_t)(r >> 40);
        }
        uint8_t *data = exact_copy(file, size);
        struct guest_image img = image(data, size);
        img.cmdline = "root=/dev/ram0";
        img.mods = &mod;
        img.nmods = iter & 1;
        struct guest_loaded st;
        char err[ERRLEN] = "";
        int rc = guest_load(m, &img, &st, err, sizeof(err));
        if (!acceptable_rc(rc) || (rc != 0 && !err[0]))
            fail_msg("iteration %u: rc %d \"%s\"", iter, rc, err);
        if (rc == 0) {
            loaded++;
            if (st.regs.rip != st.load_start + 0x200 || st.load_start < MiB(1) ||
                st.load_start % LARGE_PAGE_SIZE || st.load_end > m->size ||
                st.regs.gpr[GPR_RSI] != BOOT_PARAMS_GPA || st.regs.efer != 0x500)
                fail_msg("iteration %u: rip 0x%llx load [0x%llx, 0x%llx)", iter,
                         (unsigned long long)st.regs.rip, (unsigned long long)st.load_start,
                         (unsigned long long)st.load_end);
        }
        free(data);
        free(file);
    }
    assert_true(loaded > 0);
    mem_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_images),
        cmocka_unit_test(test_bzimage_detected_first),
        cmocka_unit_test(test_bad_images),
        cmocka_unit_test(test_not_bzimage),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
