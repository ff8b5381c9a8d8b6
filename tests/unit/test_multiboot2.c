/*
 * Host tests for boot/multiboot2.c (mb2_parse). Each test crafts a boot
 * information block with a small builder, then copies it into a heap block
 * of exactly total_size bytes so AddressSanitizer catches any read past the
 * end the parser was told about.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2.h"
#include <hv/errno.h>

/* ---- builder ---------------------------------------------------------------- */

struct mb {
    uint64_t area[2048];        /* 16 KiB, 8-byte aligned */
    size_t off;
};

static uint8_t *mb_bytes(struct mb *m) { return (uint8_t *)m->area; }

static void mb_begin(struct mb *m)
{
    memset(m->area, 0, sizeof(m->area));
    m->off = sizeof(struct mb2_info_header);
}

/* Append a tag of `size` bytes (header included) with `payload`; the next tag
 * starts at the next 8-byte boundary. Returns the tag's offset. */
static size_t mb_tag(struct mb *m, uint32_t type, uint32_t size, const void *payload, size_t plen)
{
    size_t at = m->off;
    struct mb2_tag t = { type, size };
    assert_true(at + 8 + plen <= sizeof(m->area));
    memcpy(mb_bytes(m) + at, &t, sizeof(t));
    if (plen)
        memcpy(mb_bytes(m) + at + 8, payload, plen);
    m->off = at + ALIGN_UP(size < 8 ? 8 : MAX(size, 8 + plen), 8);
    return at;
}

static size_t mb_string(struct mb *m, uint32_t type, const char *s)
{
    size_t n = strlen(s) + 1;
    return mb_tag(m, type, (uint32_t)(8 + n), s, n);
}

static size_t mb_module(struct mb *m, uint32_t start, uint32_t end, const char *cmdline)
{
    uint8_t p[256];
    size_t n = strlen(cmdline) + 1;
    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, cmdline, n);
    return mb_tag(m, MB2_TAG_MODULE, (uint32_t)(16 + n), p, 8 + n);
}

struct mmap_in { uint64_t addr, len; uint32_t type; };

/* A memory-map tag with `entry_size`-byte entries; bytes past the 24 of each
 * entry are filled with 0xEE (must be skipped). */
static size_t mb_mmap(struct mb *m, uint32_t entry_size, const struct mmap_in *e, size_t n)
{
    uint8_t p[4096];
    uint32_t ver = 0;
    memcpy(p, &entry_size, 4);
    memcpy(p + 4, &ver, 4);
    size_t len = 8;
    for (size_t i = 0; i < n; i++) {
        struct mb2_mmap_entry me = { e[i].addr, e[i].len, e[i].type, 0 };
        assert_true(len + entry_size <= sizeof(p));
        memset(p + len, 0xEE, entry_size);
        memcpy(p + len, &me, sizeof(me));
        len += entry_size;
    }
    return mb_tag(m, MB2_TAG_MMAP, (uint32_t)(8 + len), p, len);
}

static void mb_end(struct mb *m)
{
    mb_tag(m, MB2_TAG_END, 8, NULL, 0);
}

static uint32_t *tag_u32(struct mb *m, size_t tag_off, size_t field)
{
    return (uint32_t *)(mb_bytes(m) + tag_off + 4 * field);
}

/* Copy the first `total` bytes to an exactly sized heap block, with the
 * header's total_size set to `total`. */
static uint8_t *mb_finish(struct mb *m, size_t total)
{
    struct mb2_info_header h = { (uint32_t)total, 0 };
    memcpy(mb_bytes(m), &h, sizeof(h));
    uint8_t *p = malloc(total < 8 ? 8 : total);
    assert_non_null(p);
    memcpy(p, mb_bytes(m), total < 8 ? 8 : total);
    return p;
}

static uint8_t *mb_done(struct mb *m) { return mb_finish(m, m->off); }

static struct mb M;               /* large: keep it off the stack */
static struct boot_info BI;

#define INFO_ADDR 0x10000ULL

static int parse(const uint8_t *p, char *err, size_t errlen)
{
    return mb2_parse(p, INFO_ADDR, &BI, err, errlen);
}

static bool inside(const uint8_t *blk, size_t total, const void *ptr)
{
    return (const uint8_t *)ptr >= blk && (const uint8_t *)ptr < blk + total;
}

/* ---- well-formed blocks ------------------------------------------------------ */

static void test_minimal(void **state)
{
    (void)state;
    char err[128] = "";
    mb_begin(&M);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    memset(&BI, 0xA5, sizeof(BI));
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(BI.info_addr, INFO_ADDR);
    assert_int_equal(BI.info_size, 16);
    assert_string_equal(BI.cmdline, "");
    assert_string_equal(BI.loader_name, "");
    assert_int_equal(BI.nmmap, 0);
    assert_int_equal(BI.nmodules, 0);
    assert_int_equal(BI.modules_dropped, 0);
    assert_null(BI.rsdp);
    assert_int_equal(BI.rsdp_len, 0);
    assert_int_equal(BI.mem_lower_kib, 0);
    assert_int_equal(BI.mem_upper_kib, 0);
    free(p);
}

static void test_full_block(void **state)
{
    (void)state;
    char err[128] = "";
    uint8_t rsdp_old[20], rsdp_new[36];
    memset(rsdp_old, 0x11, sizeof(rsdp_old));
    memset(rsdp_new, 0x22, sizeof(rsdp_new));
    const struct mmap_in mm[] = {
        { 0x0, 0x9FC00, MB2_MMAP_AVAILABLE },
        { 0x9FC00, 0x400, 2 },
        { 0xA0000, 0, MB2_MMAP_AVAILABLE },          /* empty: skipped */
        { 0x100000, 0x7FEE0000, MB2_MMAP_AVAILABLE },
        { 0x7FFE0000, 0x20000, MB2_MMAP_ACPI },
        { 0xFFFC0000, 0x40000, 2 },
        { 0x100000000ULL, 0x180000000ULL, MB2_MMAP_AVAILABLE },
    };
    uint32_t meminfo[2] = { 639, 2096000 };

    mb_begin(&M);
    mb_string(&M, MB2_TAG_CMDLINE, "/boot/hypervisor.elf loglevel=3");
    mb_string(&M, MB2_TAG_LOADER_NAME, "GRUB 2.06");
    mb_tag(&M, MB2_TAG_BASIC_MEM, 16, meminfo, sizeof(meminfo));
    mb_mmap(&M, 24, mm, ARRAY_SIZE(mm));
    mb_module(&M, 0x200000, 0x2345678, "/guests/linux.elf mem=64M");
    mb_module(&M, 0x2346000, 0x2346000, "");                    /* empty module */
    mb_module(&M, 0x3000000, 0x3001234, "initrd");
    mb_tag(&M, MB2_TAG_ACPI_OLD, 8 + 20, rsdp_old, sizeof(rsdp_old));
    size_t new_off = mb_tag(&M, MB2_TAG_ACPI_NEW, 8 + 36, rsdp_new, sizeof(rsdp_new));
    mb_end(&M);
    size_t total = M.off;
    uint8_t *p = mb_done(&M);

    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.info_size, total);
    assert_string_equal(BI.cmdline, "/boot/hypervisor.elf loglevel=3");
    assert_true(inside(p, total, BI.cmdline));
    assert_string_equal(BI.loader_name, "GRUB 2.06");
    assert_true(inside(p, total, BI.loader_name));
    assert_int_equal(BI.mem_lower_kib, 639);
    assert_int_equal(BI.mem_upper_kib, 2096000);

    /* mmap: the zero-length entry is dropped, the rest in order */
    static const size_t keep[] = { 0, 1, 3, 4, 5, 6 };
    assert_int_equal(BI.nmmap, ARRAY_SIZE(keep));
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
        const struct mmap_in *w = &mm[keep[i]];
        if (BI.mmap[i].addr != w->addr || BI.mmap[i].len != w->len || BI.mmap[i].type != w->type)
            fail_msg("mmap entry %zu: {0x%llx, 0x%llx, %u}, want {0x%llx, 0x%llx, %u}", i,
                     (unsigned long long)BI.mmap[i].addr, (unsigned long long)BI.mmap[i].len,
                     BI.mmap[i].type, (unsigned long long)w->addr,
                     (unsigned long long)w->len, w->type);
    }

    static const struct { uint64_t s, e; const char *cl; } mods[] = {
        { 0x200000, 0x2345678, "/guests/linux.elf mem=64M" },
        { 0x2346000, 0x2346000, "" },
        { 0x3000000, 0x3001234, "initrd" },
    };
    assert_int_equal(BI.nmodules, ARRAY_SIZE(mods));
    assert_int_equal(BI.modules_dropped, 0);
    for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
        if (BI.modules[i].start != mods[i].s || BI.modules[i].end != mods[i].e ||
            strcmp(BI.modules[i].cmdline, mods[i].cl) != 0)
            fail_msg("module %zu: [0x%llx, 0x%llx) \"%s\", want [0x%llx, 0x%llx) \"%s\"", i,
                     (unsigned long long)BI.modules[i].start,
                     (unsigned long long)BI.modules[i].end, BI.modules[i].cmdline,
                     (unsigned long long)mods[i].s, (unsigned long long)mods[i].e, mods[i].cl);
        assert_true(inside(p, total, BI.modules[i].cmdline));
    }

    /* the ACPI 2.0 RSDP (tag 15) is preferred; it points at the tag's payload */
    assert_ptr_equal(BI.rsdp, p + new_off + 8);
    assert_int_equal(BI.rsdp_len, 36);
    assert_memory_equal(BI.rsdp, rsdp_new, 36);
    free(p);
}

/* ACPI tags: the new one wins in either order; short payloads are ignored. */
static const struct {
    int n;
    struct { uint32_t type; uint32_t plen; uint8_t fill; } tags[3];
    int want;                    /* index of the tag that must be chosen, -1: none */
} acpi_cases[] = {
    { 1, { { MB2_TAG_ACPI_OLD, 20, 0x11 } }, 0 },
    { 1, { { MB2_TAG_ACPI_NEW, 36, 0x22 } }, 0 },
    { 2, { { MB2_TAG_ACPI_OLD, 20, 0x11 }, { MB2_TAG_ACPI_NEW, 36, 0x22 } }, 1 },
    { 2, { { MB2_TAG_ACPI_NEW, 36, 0x22 }, { MB2_TAG_ACPI_OLD, 20, 0x11 } }, 0 },
    { 3, { { MB2_TAG_ACPI_OLD, 20, 0x11 }, { MB2_TAG_ACPI_NEW, 36, 0x22 },
           { MB2_TAG_ACPI_OLD, 20, 0x33 } }, 1 },
    { 1, { { MB2_TAG_ACPI_OLD, 19, 0x11 } }, -1 },      /* shorter than an RSDP */
    { 1, { { MB2_TAG_ACPI_NEW, 0, 0x11 } }, -1 },
    { 2, { { MB2_TAG_ACPI_NEW, 12, 0x22 }, { MB2_TAG_ACPI_OLD, 20, 0x11 } }, 1 },
    { 2, { { MB2_TAG_ACPI_OLD, 20, 0x11 }, { MB2_TAG_ACPI_NEW, 19, 0x22 } }, 0 },
};

static void test_acpi_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(acpi_cases); i++) {
        char err[128] = "";
        size_t offs[3];
        mb_begin(&M);
        for (int k = 0; k < acpi_cases[i].n; k++) {
            uint8_t pl[64];
            memset(pl, acpi_cases[i].tags[k].fill, sizeof(pl));
            offs[k] = mb_tag(&M, acpi_cases[i].tags[k].type, 8 + acpi_cases[i].tags[k].plen,
                             pl, acpi_cases[i].tags[k].plen);
        }
        mb_end(&M);
        uint8_t *p = mb_done(&M);
        int rc = parse(p, err, sizeof(err));
        if (rc != 0)
            fail_msg("acpi case %zu: rc %d (%s)", i, rc, err);
        int w = acpi_cases[i].want;
        const void *want_ptr = w < 0 ? NULL : p + offs[w] + 8;
        size_t want_len = w < 0 ? 0 : acpi_cases[i].tags[w].plen;
        if (BI.rsdp != want_ptr || BI.rsdp_len != want_len)
            fail_msg("acpi case %zu: rsdp %p len %zu, want %p len %zu", i, BI.rsdp,
                     BI.rsdp_len, want_ptr, want_len);
        free(p);
    }
}

/* Memory map entries larger than 24 bytes: the parser steps by entry_size. */
static const uint32_t esizes[] = { 24, 32, 40, 48 };

static void test_mmap_entry_sizes(void **state)
{
    (void)state;
    const struct mmap_in mm[] = {
        { 0x0, 0x9F000, 1 }, { 0x100000, 0x1000000, 1 }, { 0xFEC00000, 0x1000, 2 },
        { 0x200000000ULL, 0x40000000ULL, 5 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(esizes); i++) {
        char err[128] = "";
        mb_begin(&M);
        mb_mmap(&M, esizes[i], mm, ARRAY_SIZE(mm));
        mb_end(&M);
        uint8_t *p = mb_done(&M);
        int rc = parse(p, err, sizeof(err));
        if (rc != 0 || BI.nmmap != ARRAY_SIZE(mm))
            fail_msg("entry_size %u (case %zu): rc %d, %u entries (%s)", esizes[i], i, rc,
                     BI.nmmap, err);
        for (size_t k = 0; k < ARRAY_SIZE(mm); k++)
            if (BI.mmap[k].addr != mm[k].addr || BI.mmap[k].len != mm[k].len ||
                BI.mmap[k].type != mm[k].type)
                fail_msg("entry_size %u (case %zu) entry %zu: {0x%llx, 0x%llx, %u}", esizes[i],
                         i, k, (unsigned long long)BI.mmap[k].addr,
                         (unsigned long long)BI.mmap[k].len, BI.mmap[k].type);
        free(p);
    }
}

/* A trailing partial entry (tag size not a multiple of entry_size) is ignored. */
static void test_mmap_partial_entry(void **state)
{
    (void)state;
    char err[128] = "";
    const struct mmap_in mm[] = { { 0x1000, 0x2000, 1 }, { 0x5000, 0x1000, 1 } };
    mb_begin(&M);
    size_t t = mb_mmap(&M, 24, mm, 2);
    *tag_u32(&M, t, 1) -= 8;          /* cut the second entry short */
    M.off = t + ALIGN_UP(*tag_u32(&M, t, 1), 8);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.nmmap, 1);
    assert_int_equal(BI.mmap[0].addr, 0x1000);
    assert_int_equal(BI.mmap[0].len, 0x2000);
    free(p);
}

/* More entries than BOOT_MAX_MMAP: the first BOOT_MAX_MMAP are kept. */
static void test_mmap_overflow(void **state)
{
    (void)state;
    char err[128] = "";
    static struct mmap_in mm[BOOT_MAX_MMAP + 5];
    for (size_t i = 0; i < ARRAY_SIZE(mm); i++)
        mm[i] = (struct mmap_in){ i * 0x10000, 0x8000, 1 + (uint32_t)(i % 2) };
    mb_begin(&M);
    mb_mmap(&M, 24, mm, ARRAY_SIZE(mm));
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.nmmap, BOOT_MAX_MMAP);
    for (size_t i = 0; i < BOOT_MAX_MMAP; i++)
        if (BI.mmap[i].addr != mm[i].addr || BI.mmap[i].type != mm[i].type)
            fail_msg("mmap overflow entry %zu: addr 0x%llx type %u", i,
                     (unsigned long long)BI.mmap[i].addr, BI.mmap[i].type);
    free(p);
}

/* Unknown tags of any size are skipped; odd sizes are padded to 8 bytes. */
static void test_unknown_and_alignment(void **state)
{
    (void)state;
    char err[128] = "";
    uint8_t junk[64];
    memset(junk, 0xCC, sizeof(junk));
    mb_begin(&M);
    mb_tag(&M, 8, 8 + 13, junk, 13);             /* framebuffer-ish, size 21 */
    mb_string(&M, MB2_TAG_CMDLINE, "abcd");      /* size 13 -> padded to 16 */
    mb_tag(&M, 9, 8 + 1, junk, 1);               /* ELF sections, size 9 */
    mb_tag(&M, 21, 12, junk, 4);                 /* load base address */
    mb_tag(&M, 0xFFFF, 8, NULL, 0);              /* unknown, empty */
    mb_tag(&M, 0xDEADBEEF, 8 + 63, junk, 63);
    mb_string(&M, MB2_TAG_LOADER_NAME, "x");     /* size 10 */
    mb_module(&M, 0x1000, 0x2000, "m");          /* size 18 */
    uint32_t meminfo[2] = { 1, 2 };
    mb_tag(&M, MB2_TAG_BASIC_MEM, 16, meminfo, 8);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_string_equal(BI.cmdline, "abcd");
    assert_string_equal(BI.loader_name, "x");
    assert_int_equal(BI.nmodules, 1);
    assert_int_equal(BI.modules[0].start, 0x1000);
    assert_int_equal(BI.modules[0].end, 0x2000);
    assert_string_equal(BI.modules[0].cmdline, "m");
    assert_int_equal(BI.mem_lower_kib, 1);
    assert_int_equal(BI.mem_upper_kib, 2);
    free(p);
}

/* A NUL inside a string tag ends the string there. */
static void test_string_embedded_nul(void **state)
{
    (void)state;
    char err[128] = "";
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_CMDLINE, 8 + 8, "ab\0cdefg", 8);   /* last byte 'g': but NUL at 2 */
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_string_equal(BI.cmdline, "ab");
    free(p);
}

/* A basic-meminfo tag too short for both fields is ignored. */
static void test_short_meminfo(void **state)
{
    (void)state;
    char err[128] = "";
    uint32_t v = 640;
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_BASIC_MEM, 12, &v, 4);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.mem_lower_kib, 0);
    assert_int_equal(BI.mem_upper_kib, 0);
    free(p);
}

/* More modules than BOOT_MAX_MODULES: the rest are counted as dropped. */
static const unsigned module_counts[] = { 0, 1, BOOT_MAX_MODULES - 1, BOOT_MAX_MODULES,
                                          BOOT_MAX_MODULES + 1, BOOT_MAX_MODULES + 7 };

static void test_module_overflow(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(module_counts); i++) {
        char err[128] = "";
        unsigned n = module_counts[i];
        mb_begin(&M);
        for (unsigned k = 0; k < n; k++) {
            char cl[32];
            snprintf(cl, sizeof(cl), "mod%u", k);
            mb_module(&M, 0x100000 * (k + 1), 0x100000 * (k + 1) + 0x1000 + k, cl);
        }
        mb_end(&M);
        uint8_t *p = mb_done(&M);
        int rc = parse(p, err, sizeof(err));
        unsigned kept = n < BOOT_MAX_MODULES ? n : BOOT_MAX_MODULES;
        if (rc != 0 || BI.nmodules != kept || BI.modules_dropped != n - kept)
            fail_msg("modules case %zu (%u modules): rc %d, nmodules %u dropped %u, want %u/%u",
                     i, n, rc, BI.nmodules, BI.modules_dropped, kept, n - kept);
        for (unsigned k = 0; k < kept; k++) {
            char cl[32];
            snprintf(cl, sizeof(cl), "mod%u", k);
            if (BI.modules[k].start != 0x100000ULL * (k + 1) ||
                BI.modules[k].end != 0x100000ULL * (k + 1) + 0x1000 + k ||
                strcmp(BI.modules[k].cmdline, cl) != 0)
                fail_msg("modules case %zu module %u: [0x%llx, 0x%llx) \"%s\"", i, k,
                         (unsigned long long)BI.modules[k].start,
                         (unsigned long long)BI.modules[k].end, BI.modules[k].cmdline);
        }
        free(p);
    }
}

/* ---- malformed blocks ------------------------------------------------------- */

enum malformed {
    BAD_TOTAL_0, BAD_TOTAL_8, BAD_TOTAL_15,
    BAD_TAG_PAST_END, BAD_TAG_SIZE_4, BAD_TAG_SIZE_0, BAD_END_TAG_SIZE_4, BAD_END_PAST,
    BAD_NO_END, BAD_NO_END_EXACT, BAD_NO_END_PADDING,
    BAD_CMDLINE_UNTERMINATED, BAD_LOADER_UNTERMINATED, BAD_CMDLINE_EMPTY,
    BAD_MODULE_END_BEFORE_START, BAD_MODULE_TOO_SMALL, BAD_MODULE_UNTERMINATED,
    BAD_MODULE_NO_CMDLINE,
    BAD_MMAP_ENTRY_16, BAD_MMAP_ENTRY_0, BAD_MMAP_ENTRY_23, BAD_MMAP_TOO_SMALL,
    BAD_LATE_ERROR,
};

static const struct {
    enum malformed kind;
    const char *why;
} bad_cases[] = {
    { BAD_TOTAL_0, "total_size too small" },
    { BAD_TOTAL_8, "total_size too small" },
    { BAD_TOTAL_15, "total_size too small" },
    { BAD_TAG_PAST_END, "tag size runs past the end" },
    { BAD_TAG_SIZE_4, "tag size runs past the end" },
    { BAD_TAG_SIZE_0, "tag size runs past the end" },
    { BAD_END_TAG_SIZE_4, "tag size runs past the end" },
    { BAD_END_PAST, "tag size runs past the end" },
    { BAD_NO_END, "no end tag" },
    { BAD_NO_END_EXACT, "no end tag" },
    { BAD_NO_END_PADDING, "no end tag" },
    { BAD_CMDLINE_UNTERMINATED, "unterminated string tag" },
    { BAD_LOADER_UNTERMINATED, "unterminated string tag" },
    { BAD_CMDLINE_EMPTY, "unterminated string tag" },
    { BAD_MODULE_END_BEFORE_START, "malformed module tag" },
    { BAD_MODULE_TOO_SMALL, "module tag too small" },
    { BAD_MODULE_UNTERMINATED, "malformed module tag" },
    { BAD_MODULE_NO_CMDLINE, "malformed module tag" },
    { BAD_MMAP_ENTRY_16, "malformed memory map tag" },
    { BAD_MMAP_ENTRY_0, "malformed memory map tag" },
    { BAD_MMAP_ENTRY_23, "malformed memory map tag" },
    { BAD_MMAP_TOO_SMALL, "malformed memory map tag" },
    { BAD_LATE_ERROR, "malformed module tag" },
};

/* Build the malformed block; returns the heap copy and its total size. */
static uint8_t *build_bad(enum malformed kind)
{
    const struct mmap_in mm[] = { { 0x100000, 0x100000, 1 } };
    size_t t;

    mb_begin(&M);
    switch (kind) {
    case BAD_TOTAL_0:   return mb_finish(&M, 0);
    case BAD_TOTAL_8:   return mb_finish(&M, 8);
    case BAD_TOTAL_15:
        mb_end(&M);
        return mb_finish(&M, 15);
    case BAD_TAG_PAST_END:
        t = mb_string(&M, MB2_TAG_CMDLINE, "hello");
        *tag_u32(&M, t, 1) = 200;
        mb_end(&M);
        break;
    case BAD_TAG_SIZE_4:
        t = mb_string(&M, MB2_TAG_CMDLINE, "hello");
        *tag_u32(&M, t, 1) = 4;
        mb_end(&M);
        break;
    case BAD_TAG_SIZE_0:
        t = mb_tag(&M, 0x77, 8, NULL, 0);
        *tag_u32(&M, t, 1) = 0;
        mb_end(&M);
        break;
    case BAD_END_TAG_SIZE_4:
        t = M.off;
        mb_end(&M);
        *tag_u32(&M, t, 1) = 4;
        break;
    case BAD_END_PAST:
        t = M.off;
        mb_end(&M);
        *tag_u32(&M, t, 1) = 16;
        break;
    case BAD_NO_END:
        mb_string(&M, MB2_TAG_CMDLINE, "hello");
        mb_string(&M, MB2_TAG_LOADER_NAME, "GRUB");
        break;
    case BAD_NO_END_EXACT:    /* total ends 4 bytes into where the end tag would be */
        mb_string(&M, MB2_TAG_CMDLINE, "1234567");   /* size 16 */
        mb_end(&M);
        return mb_finish(&M, M.off - 4);
    case BAD_NO_END_PADDING:  /* last tag fits, but its padding reaches past total */
        mb_tag(&M, 0x77, 12, "abcd", 4);
        return mb_finish(&M, 8 + 12);
    case BAD_CMDLINE_UNTERMINATED:
        mb_tag(&M, MB2_TAG_CMDLINE, 8 + 5, "hello", 5);
        mb_end(&M);
        break;
    case BAD_LOADER_UNTERMINATED:
        mb_tag(&M, MB2_TAG_LOADER_NAME, 8 + 4, "GRUB", 4);
        mb_end(&M);
        break;
    case BAD_CMDLINE_EMPTY:
        mb_tag(&M, MB2_TAG_CMDLINE, 8, NULL, 0);
        mb_end(&M);
        break;
    case BAD_MODULE_END_BEFORE_START:
        mb_module(&M, 0x2000, 0x1FFF, "m");
        mb_end(&M);
        break;
    case BAD_MODULE_TOO_SMALL: {
        uint32_t start = 0x1000;
        mb_tag(&M, MB2_TAG_MODULE, 12, &start, 4);
        mb_end(&M);
        break;
    }
    case BAD_MODULE_UNTERMINATED: {
        uint8_t pl[12] = { 0, 0x10, 0, 0,  0, 0x20, 0, 0,  'a', 'b', 'c', 'd' };
        mb_tag(&M, MB2_TAG_MODULE, 8 + 12, pl, 12);
        mb_end(&M);
        break;
    }
    case BAD_MODULE_NO_CMDLINE: {     /* exactly 16 bytes: no room for even a NUL */
        uint8_t pl[8] = { 0, 0x10, 0, 0,  0, 0x20, 0, 0 };
        mb_tag(&M, MB2_TAG_MODULE, 16, pl, 8);
        mb_end(&M);
        break;
    }
    case BAD_MMAP_ENTRY_16:
        t = mb_mmap(&M, 24, mm, 1);
        *tag_u32(&M, t, 2) = 16;
        mb_end(&M);
        break;
    case BAD_MMAP_ENTRY_0:
        t = mb_mmap(&M, 24, mm, 1);
        *tag_u32(&M, t, 2) = 0;
        mb_end(&M);
        break;
    case BAD_MMAP_ENTRY_23:
        t = mb_mmap(&M, 24, mm, 1);
        *tag_u32(&M, t, 2) = 23;
        mb_end(&M);
        break;
    case BAD_MMAP_TOO_SMALL: {
        uint32_t es = 24;
        mb_tag(&M, MB2_TAG_MMAP, 12, &es, 4);
        mb_end(&M);
        break;
    }
    case BAD_LATE_ERROR:      /* good tags first, then a bad module */
        mb_string(&M, MB2_TAG_CMDLINE, "fine");
        mb_mmap(&M, 24, mm, 1);
        mb_module(&M, 0x5000, 0x4000, "bad");
        mb_end(&M);
        break;
    }
    return mb_done(&M);
}

static void test_malformed_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        char err[128];
        char want[160];
        memset(err, 0, sizeof(err));
        uint8_t *p = build_bad(bad_cases[i].kind);
        int rc = parse(p, err, sizeof(err));
        snprintf(want, sizeof(want), "bad multiboot2 information: %s", bad_cases[i].why);
        if (rc != -HV_EINVAL)
            fail_msg("malformed case %zu (%s): rc %d, want %d", i, bad_cases[i].why, rc,
                     -HV_EINVAL);
        if (strcmp(err, want) != 0)
            fail_msg("malformed case %zu: err \"%s\", want \"%s\"", i, err, want);
        /* out is always left consistent: strings are never NULL */
        if (!BI.cmdline || !BI.loader_name || BI.info_addr != INFO_ADDR)
            fail_msg("malformed case %zu: boot_info not initialised", i);
        free(p);
    }
}

/* The error text is truncated to errlen; errlen 0 writes nothing. */
static void test_error_buffer(void **state)
{
    (void)state;
    char err[16];
    uint8_t *p = build_bad(BAD_TOTAL_8);
    memset(err, 'Z', sizeof(err));
    assert_int_equal(parse(p, err, 10), -HV_EINVAL);
    assert_string_equal(err, "bad multi");
    assert_int_equal(err[10], 'Z');
    assert_int_equal(parse(p, NULL, 0), -HV_EINVAL);
    free(p);
}

/* ---- UEFI: the EFI memory map, system table and framebuffer tags ------------ */

struct efi_in { uint32_t type; uint64_t start, pages, attr; };

#define WB EFI_MEMORY_WB
#define RT EFI_MEMORY_RUNTIME

/* An EFI memory map tag with `dsize`-byte descriptors (bytes past 40 are
 * filled with 0xEE and must be skipped). */
static size_t mb_efi_mmap(struct mb *m, uint32_t dsize, const struct efi_in *e, size_t n)
{
    static uint8_t p[16384];
    uint32_t ver = 1;
    memcpy(p, &dsize, 4);
    memcpy(p + 4, &ver, 4);
    size_t len = 8;
    for (size_t i = 0; i < n; i++) {
        struct efi_memory_descriptor d = { e[i].type, 0, e[i].start, 0, e[i].pages, e[i].attr };
        assert_true(len + dsize <= sizeof(p));
        memset(p + len, 0xEE, dsize);
        memcpy(p + len, &d, sizeof(d));
        len += dsize;
    }
    return mb_tag(m, MB2_TAG_EFI_MMAP, (uint32_t)(8 + len), p, len);
}

/* Every EFI memory type, one descriptor each, not adjacent: which are free. */
static const struct { uint32_t type; uint64_t attr; uint32_t kind, kind_bs; } efi_types[] = {
    { EFI_RESERVED_MEMORY, WB, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
    { EFI_LOADER_CODE, WB, MB2_MMAP_AVAILABLE, MB2_MMAP_AVAILABLE },
    { EFI_LOADER_DATA, WB, MB2_MMAP_AVAILABLE, MB2_MMAP_AVAILABLE },
    { EFI_BOOT_SERVICES_CODE, WB, MB2_MMAP_AVAILABLE, MB2_MMAP_RESERVED },
    { EFI_BOOT_SERVICES_DATA, WB, MB2_MMAP_AVAILABLE, MB2_MMAP_RESERVED },
    { EFI_RUNTIME_SERVICES_CODE, WB | RT, BOOT_MEM_EFI_RUNTIME, BOOT_MEM_EFI_RUNTIME },
    { EFI_RUNTIME_SERVICES_DATA, WB | RT, BOOT_MEM_EFI_RUNTIME, BOOT_MEM_EFI_RUNTIME },
    { EFI_CONVENTIONAL_MEMORY, WB, MB2_MMAP_AVAILABLE, MB2_MMAP_AVAILABLE },
    { EFI_UNUSABLE_MEMORY, WB, MB2_MMAP_BADRAM, MB2_MMAP_BADRAM },
    { EFI_ACPI_RECLAIM_MEMORY, WB, MB2_MMAP_ACPI, MB2_MMAP_ACPI },
    { EFI_ACPI_MEMORY_NVS, WB, MB2_MMAP_NVS, MB2_MMAP_NVS },
    { EFI_MEMORY_MAPPED_IO, RT, BOOT_MEM_MMIO, BOOT_MEM_MMIO },
    { EFI_MEMORY_MAPPED_IO_PORT_SPACE, RT, BOOT_MEM_MMIO, BOOT_MEM_MMIO },
    { EFI_PAL_CODE, WB, BOOT_MEM_EFI_RUNTIME, BOOT_MEM_EFI_RUNTIME },
    { EFI_PERSISTENT_MEMORY, WB, MB2_MMAP_PERSISTENT, MB2_MMAP_PERSISTENT },
    { EFI_UNACCEPTED_MEMORY, WB, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
    { 0x70000000, WB, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },      /* OEM range */
    { 0x80000001, WB, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },      /* OS loader range */
    /* free types are free only when write-back and not needed at run time */
    { EFI_CONVENTIONAL_MEMORY, 0, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
    { EFI_CONVENTIONAL_MEMORY, WB | RT, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
    { EFI_BOOT_SERVICES_DATA, WB | RT, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
    { EFI_LOADER_DATA, 0, MB2_MMAP_RESERVED, MB2_MMAP_RESERVED },
};

static void check_efi_types(bool boot_services)
{
    char err[128] = "";
    struct efi_in e[ARRAY_SIZE(efi_types)];
    /* Given in reverse address order: the parser sorts. */
    for (size_t i = 0; i < ARRAY_SIZE(efi_types); i++)
        e[i] = (struct efi_in){ efi_types[i].type, 0x100000ULL * (ARRAY_SIZE(efi_types) - i),
                                (uint64_t)i + 1, efi_types[i].attr };
    mb_begin(&M);
    if (boot_services)
        mb_tag(&M, MB2_TAG_EFI_MMAP + 1, 8, NULL, 0);     /* EFI boot services tag */
    mb_efi_mmap(&M, 48, e, ARRAY_SIZE(e));
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_true(BI.uefi);
    assert_int_equal(BI.efi_boot_services, boot_services);
    assert_int_equal(BI.mmap_source, BOOT_MMAP_EFI);
    assert_int_equal(BI.efi_descs, ARRAY_SIZE(efi_types));
    assert_int_equal(BI.nmmap, ARRAY_SIZE(efi_types));
    for (size_t k = 0; k < BI.nmmap; k++) {
        size_t i = ARRAY_SIZE(efi_types) - 1 - k;      /* sorted by address */
        uint32_t want = boot_services ? efi_types[i].kind_bs : efi_types[i].kind;
        if (BI.mmap[k].addr != 0x100000ULL * (k + 1) || BI.mmap[k].len != 4096 * (i + 1) ||
            BI.mmap[k].type != want)
            fail_msg("EFI type %u attr 0x%llx (bs %d): entry {0x%llx, 0x%llx, %u}, want kind %u",
                     efi_types[i].type, (unsigned long long)efi_types[i].attr, boot_services,
                     (unsigned long long)BI.mmap[k].addr, (unsigned long long)BI.mmap[k].len,
                     BI.mmap[k].type, want);
        assert_int_equal(efi_memory_kind(efi_types[i].type, efi_types[i].attr, boot_services),
                         want);
    }
    free(p);
}

static void test_efi_mmap_types(void **state)
{
    (void)state;
    check_efi_types(false);
    check_efi_types(true);
}

/* Touching descriptors of one kind merge (free EFI types into one usable
 * run); other kinds, gaps and empty descriptors split them. */
static void test_efi_mmap_merge(void **state)
{
    (void)state;
    char err[128] = "";
    const struct efi_in e[] = {
        { EFI_BOOT_SERVICES_CODE, 0x100000, 0x10, WB },
        { EFI_CONVENTIONAL_MEMORY, 0x0, 0x9F, WB },
        { EFI_LOADER_DATA, 0x110000, 0x20, WB },
        { EFI_CONVENTIONAL_MEMORY, 0x130000, 0x10, WB },      /* joins the one above */
        { EFI_ACPI_MEMORY_NVS, 0x140000, 0x2, WB },
        { EFI_BOOT_SERVICES_DATA, 0x142000, 0xE, WB },
        { EFI_CONVENTIONAL_MEMORY, 0x150000, 0, WB },          /* empty: skipped */
        { EFI_RUNTIME_SERVICES_DATA, 0x150000, 0x10, WB | RT },
        { EFI_RUNTIME_SERVICES_CODE, 0x160000, 0x10, WB | RT },
        { EFI_CONVENTIONAL_MEMORY, 0x200000, 0x100, WB },     /* gap before it */
        { EFI_CONVENTIONAL_MEMORY, 0xFFFFFFFFFFFFF000ULL, 2, WB }, /* wraps: skipped */
    };
    const struct boot_mmap_entry want[] = {
        { 0x0, 0x9F000, MB2_MMAP_AVAILABLE },
        { 0x100000, 0x40000, MB2_MMAP_AVAILABLE },
        { 0x140000, 0x2000, MB2_MMAP_NVS },
        { 0x142000, 0xE000, MB2_MMAP_AVAILABLE },
        { 0x150000, 0x20000, BOOT_MEM_EFI_RUNTIME },
        { 0x200000, 0x100000, MB2_MMAP_AVAILABLE },
    };
    mb_begin(&M);
    mb_efi_mmap(&M, 40, e, ARRAY_SIZE(e));
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.efi_descs, ARRAY_SIZE(e));
    assert_int_equal(BI.nmmap, ARRAY_SIZE(want));
    for (size_t k = 0; k < ARRAY_SIZE(want); k++)
        if (BI.mmap[k].addr != want[k].addr || BI.mmap[k].len != want[k].len ||
            BI.mmap[k].type != want[k].type)
            fail_msg("merged entry %zu: {0x%llx, 0x%llx, %u}, want {0x%llx, 0x%llx, %u}", k,
                     (unsigned long long)BI.mmap[k].addr, (unsigned long long)BI.mmap[k].len,
                     BI.mmap[k].type, (unsigned long long)want[k].addr,
                     (unsigned long long)want[k].len, want[k].type);
    free(p);
}

/* Both maps present, in either order: the EFI map is used; the multiboot2
 * map (which folds boot-services and runtime memory together) is not. */
static void test_both_mmaps(void **state)
{
    (void)state;
    const struct mmap_in mm[] = {
        { 0x0, 0xA0000, MB2_MMAP_AVAILABLE },
        { 0x100000, 0x300000, MB2_MMAP_AVAILABLE },         /* hides the runtime area */
    };
    const struct efi_in e[] = {
        { EFI_CONVENTIONAL_MEMORY, 0x0, 0xA0, WB },
        { EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100, WB },
        { EFI_RUNTIME_SERVICES_DATA, 0x200000, 0x100, WB | RT },
        { EFI_BOOT_SERVICES_DATA, 0x300000, 0x100, WB },
    };
    for (int order = 0; order < 2; order++) {
        char err[128] = "";
        mb_begin(&M);
        if (order == 0)
            mb_mmap(&M, 24, mm, ARRAY_SIZE(mm));
        mb_efi_mmap(&M, 48, e, ARRAY_SIZE(e));
        if (order == 1)
            mb_mmap(&M, 24, mm, ARRAY_SIZE(mm));
        mb_end(&M);
        uint8_t *p = mb_done(&M);
        assert_int_equal(parse(p, err, sizeof(err)), 0);
        assert_int_equal(BI.mmap_source, BOOT_MMAP_EFI);
        assert_int_equal(BI.nmmap, 4);
        assert_int_equal(BI.mmap[1].addr, 0x100000);
        assert_int_equal(BI.mmap[1].len, 0x100000);
        assert_int_equal(BI.mmap[1].type, MB2_MMAP_AVAILABLE);
        assert_int_equal(BI.mmap[2].addr, 0x200000);
        assert_int_equal(BI.mmap[2].type, BOOT_MEM_EFI_RUNTIME);
        assert_int_equal(BI.mmap[3].addr, 0x300000);
        assert_int_equal(BI.mmap[3].type, MB2_MMAP_AVAILABLE);
        assert_true(BI.uefi);
        free(p);
    }
    /* Without an EFI map the multiboot2 map is used and the firmware is BIOS. */
    char err[128] = "";
    mb_begin(&M);
    mb_mmap(&M, 24, mm, ARRAY_SIZE(mm));
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.mmap_source, BOOT_MMAP_MB2);
    assert_int_equal(BI.nmmap, 2);
    assert_false(BI.uefi);
    free(p);
}

/* A map with more runs than BOOT_MAX_MMAP: the rest are counted as dropped. */
static void test_efi_mmap_overflow(void **state)
{
    (void)state;
    char err[128] = "";
    static struct efi_in e[BOOT_MAX_MMAP + 9];
    for (size_t i = 0; i < ARRAY_SIZE(e); i++)
        e[i] = (struct efi_in){ i % 2 ? EFI_ACPI_MEMORY_NVS : EFI_CONVENTIONAL_MEMORY,
                                0x10000 * i, 1, WB };
    mb_begin(&M);
    mb_efi_mmap(&M, 40, e, ARRAY_SIZE(e));
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_int_equal(BI.nmmap, BOOT_MAX_MMAP);
    assert_int_equal(BI.mmap_dropped, 9);
    free(p);
}

/* EFI system table tags mark UEFI firmware even without an EFI map. */
static void test_efi_system_table(void **state)
{
    (void)state;
    char err[128] = "";
    uint64_t st64 = 0x7F9EE018ULL;
    uint32_t st32 = 0x7F9EE000U;
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_EFI64, 16, &st64, 8);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_true(BI.uefi);
    assert_int_equal(BI.efi_system_table, st64);
    assert_int_equal(BI.mmap_source, BOOT_MMAP_NONE);
    free(p);

    mb_begin(&M);
    mb_tag(&M, MB2_TAG_EFI32, 12, &st32, 4);
    mb_end(&M);
    p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_true(BI.uefi);
    assert_int_equal(BI.efi_system_table, st32);
    free(p);
}

/* Malformed EFI map tags are refused. */
static void test_efi_mmap_malformed(void **state)
{
    (void)state;
    const struct efi_in e[] = { { EFI_CONVENTIONAL_MEMORY, 0x100000, 1, WB } };
    for (int k = 0; k < 2; k++) {
        char err[128] = "";
        mb_begin(&M);
        size_t t = mb_efi_mmap(&M, 40, e, 1);
        if (k == 0)
            *tag_u32(&M, t, 2) = 32;                 /* descriptor smaller than 40 */
        else
            *tag_u32(&M, t, 1) = 12;                 /* tag shorter than its header */
        M.off = t + ALIGN_UP(*tag_u32(&M, t, 1), 8);
        mb_end(&M);
        uint8_t *p = mb_done(&M);
        assert_int_equal(parse(p, err, sizeof(err)), -HV_EINVAL);
        assert_string_equal(err, "bad multiboot2 information: malformed EFI memory map tag");
        free(p);
    }
}

/* Framebuffer info tag: direct RGB with its colour fields at byte 32, EGA
 * text, and a tag too short for its colour fields (ignored). */
static void test_framebuffer(void **state)
{
    (void)state;
    char err[128] = "";
    uint8_t pl[40];
    memset(pl, 0, sizeof(pl));
    uint64_t addr = 0x80000000ULL;
    uint32_t pitch = 800 * 4, w = 800, h = 600;
    memcpy(pl, &addr, 8);
    memcpy(pl + 8, &pitch, 4);
    memcpy(pl + 12, &w, 4);
    memcpy(pl + 16, &h, 4);
    pl[20] = 32;
    pl[21] = MB2_FB_TYPE_RGB;
    const uint8_t rgb[6] = { 16, 8, 8, 8, 0, 8 };
    memcpy(pl + 24, rgb, 6);
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_FRAMEBUFFER, 8 + 30, pl, 30);
    mb_end(&M);
    uint8_t *p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_true(BI.has_fb);
    assert_int_equal(BI.fb.addr, addr);
    assert_int_equal(BI.fb.pitch, 3200);
    assert_int_equal(BI.fb.width, 800);
    assert_int_equal(BI.fb.height, 600);
    assert_int_equal(BI.fb.bpp, 32);
    assert_int_equal(BI.fb.type, MB2_FB_TYPE_RGB);
    assert_int_equal(BI.fb.red_pos, 16);
    assert_int_equal(BI.fb.red_size, 8);
    assert_int_equal(BI.fb.green_pos, 8);
    assert_int_equal(BI.fb.green_size, 8);
    assert_int_equal(BI.fb.blue_pos, 0);
    assert_int_equal(BI.fb.blue_size, 8);
    free(p);

    /* VGA text mode as GRUB passes it: 80x25 at 0xB8000, 16 bpp, no colour info */
    addr = 0xB8000;
    pitch = 160;
    w = 80;
    h = 25;
    memcpy(pl, &addr, 8);
    memcpy(pl + 8, &pitch, 4);
    memcpy(pl + 12, &w, 4);
    memcpy(pl + 16, &h, 4);
    pl[20] = 16;
    pl[21] = MB2_FB_TYPE_EGA_TEXT;
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_FRAMEBUFFER, 8 + 24, pl, 24);
    mb_end(&M);
    p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_true(BI.has_fb);
    assert_int_equal(BI.fb.type, MB2_FB_TYPE_EGA_TEXT);
    assert_int_equal(BI.fb.addr, 0xB8000);
    assert_int_equal(BI.fb.width, 80);
    assert_int_equal(BI.fb.height, 25);
    free(p);

    /* RGB without its six colour bytes: not used */
    pl[21] = MB2_FB_TYPE_RGB;
    mb_begin(&M);
    mb_tag(&M, MB2_TAG_FRAMEBUFFER, 8 + 24, pl, 24);
    mb_end(&M);
    p = mb_done(&M);
    assert_int_equal(parse(p, err, sizeof(err)), 0);
    assert_false(BI.has_fb);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_full_block),
        cmocka_unit_test(test_acpi_table),
        cmocka_unit_test(test_mmap_entry_sizes),
        cmocka_unit_test(test_mmap_partial_entry),
        cmocka_unit_test(test_mmap_overflow),
        cmocka_unit_test(test_unknown_and_alignment),
        cmocka_unit_test(test_string_embedded_nul),
        cmocka_unit_test(test_short_meminfo),
        cmocka_unit_test(test_module_overflow),
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_error_buffer),
        cmocka_unit_test(test_efi_mmap_types),
        cmocka_unit_test(test_efi_mmap_merge),
        cmocka_unit_test(test_both_mmaps),
        cmocka_unit_test(test_efi_mmap_overflow),
        cmocka_unit_test(test_efi_system_table),
        cmocka_unit_test(test_efi_mmap_malformed),
        cmocka_unit_test(test_framebuffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
