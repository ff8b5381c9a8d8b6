/*
 * Host unit tests for boot/acpi.c: fake ACPI tables are written into a byte
 * array that plays "physical memory", and acpi_parse_s5 / acpi_find_rsdp read
 * them through a map function over that array.
 *
 * The DSDT is always the last thing in fake memory and the array ends exactly
 * at its end, so AddressSanitizer catches any read past its declared length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <boot/acpi.h>
#include <hv/errno.h>

/* ---- fake physical memory ------------------------------------------- */

struct world {
    uint8_t *mem;
    size_t size;
    uint8_t rsdp[ACPI_RSDP_V2_LEN];    /* the RSDP copy handed to acpi_parse_s5 */
};

static const void *fake_map(void *opaque, uint64_t pa, size_t len)
{
    struct world *w = opaque;

    if (pa > w->size || len > w->size - pa)
        return NULL;
    return w->mem + pa;
}

/* Where the tables go. The DSDT comes last (see the file comment). */
#define PA_RSDT   0x101000ULL
#define PA_XSDT   0x102000ULL
#define PA_FADT   0x103000ULL
#define PA_APIC   0x104000ULL     /* some other table, to be skipped */
#define PA_DSDT   0x110000ULL
#define PA_NOWHERE 0x40000000ULL  /* beyond fake memory */

#define HDR_LEN        36
#define HDR_LENGTH     4          /* offset of Length in a table header */
#define HDR_CHECKSUM   9          /* offset of Checksum */
#define FADT_MAX_LEN   276        /* ACPI 6.x FADT */
#define APIC_LEN       44

#define PORT_PM1A      0x604
#define PORT_SMI       0xB2
#define ACPI_ENABLE_V  0xF1

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* Make the table at pa checksum to 0 again (over the bytes that exist). */
static void fix_table(struct world *w, uint64_t pa)
{
    uint8_t *t = w->mem + pa;
    size_t len = get32(t + HDR_LENGTH);

    len = len < w->size - pa ? len : w->size - pa;
    t[HDR_CHECKSUM] = 0;
    t[HDR_CHECKSUM] = (uint8_t)-sum(t, len);
}

static void fix_rsdp(uint8_t *r)
{
    r[8] = 0;
    r[8] = (uint8_t)-sum(r, ACPI_RSDP_V1_LEN);
    r[32] = 0;
    r[32] = (uint8_t)-sum(r, ACPI_RSDP_V2_LEN);
}

static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + HDR_LENGTH, len);
    t[8] = rev;
    memcpy(t + 10, "TESTOE", 6);
    memcpy(t + 16, "TESTTABL", 8);
}

/* Fill in an RSDP: v1 fields, and the v2 ones when rev >= 2. */
static void put_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(r, 0, ACPI_RSDP_V2_LEN);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "TESTOE", 6);
    r[15] = rev;
    put32(r + 16, rsdt);
    if (rev >= 2) {
        put32(r + 20, ACPI_RSDP_V2_LEN);
        put64(r + 24, xsdt);
    }
    fix_rsdp(r);
}

/* ---- table model: what to write -------------------------------------- */

struct gas { uint8_t space, width, offset, access; uint64_t addr; };

struct model {
    uint8_t  rsdp_rev;
    uint64_t rsdt_pa, xsdt_pa;      /* as written into the RSDP */
    uint64_t rsdt_entries[4];       /* (32-bit in the RSDT) */
    unsigned n_rsdt;
    uint64_t xsdt_entries[4];
    unsigned n_xsdt;
    uint32_t fadt_len;
    uint8_t  fadt_rev;
    uint32_t dsdt32, pm1a, pm1b, smi_cmd, flags;
    uint8_t  acpi_enable;
    uint64_t x_dsdt;
    struct gas x_pm1a, x_pm1b;
    const uint8_t *aml;
    size_t aml_len;
};

/* The default: an ACPI 2.0 system (RSDP v2, XSDT, 244-byte FADT). */
static void default_model(struct model *m)
{
    memset(m, 0, sizeof(*m));
    m->rsdp_rev = 2;
    m->rsdt_pa = PA_RSDT;
    m->xsdt_pa = PA_XSDT;
    m->rsdt_entries[0] = PA_APIC;
    m->rsdt_entries[1] = PA_FADT;
    m->n_rsdt = 2;
    m->xsdt_entries[0] = PA_APIC;
    m->xsdt_entries[1] = PA_FADT;
    m->n_xsdt = 2;
    m->fadt_len = 244;
    m->fadt_rev = 3;
    m->dsdt32 = PA_DSDT;
    m->x_dsdt = PA_DSDT;
    m->pm1a = PORT_PM1A;
    m->smi_cmd = PORT_SMI;
    m->acpi_enable = ACPI_ENABLE_V;
}

/* FADT field writers that respect the FADT's length, like real firmware. */
static void fadt_put32(const struct model *m, uint8_t *f, size_t off, uint32_t v)
{
    if (off + 4 <= m->fadt_len)
        put32(f + off, v);
}

static void fadt_put64(const struct model *m, uint8_t *f, size_t off, uint64_t v)
{
    if (off + 8 <= m->fadt_len)
        put64(f + off, v);
}

/* A generic address is written even if the FADT's Length cuts it short
 * (as if the firmware had got the Length wrong), to check that a field
 * only partly inside the table is ignored. */
static void fadt_put_gas(const struct model *m, uint8_t *f, size_t off, const struct gas *g)
{
    uint8_t b[12];

    if (off >= m->fadt_len)
        return;
    b[0] = g->space;
    b[1] = g->width;
    b[2] = g->offset;
    b[3] = g->access;
    put64(b + 4, g->addr);
    memcpy(f + off, b, m->fadt_len - off < sizeof(b) ? m->fadt_len - off : sizeof(b));
}

static void build(struct world *w, const struct model *m)
{
    uint32_t dsdt_len = (uint32_t)(HDR_LEN + m->aml_len);
    uint8_t *t;

    w->size = PA_DSDT + dsdt_len;
    w->mem = calloc(1, w->size);
    assert_non_null(w->mem);

    t = w->mem + PA_APIC;
    put_header(t, "APIC", APIC_LEN, 1);
    fix_table(w, PA_APIC);

    t = w->mem + PA_DSDT;
    put_header(t, "DSDT", dsdt_len, 2);
    memcpy(t + HDR_LEN, m->aml, m->aml_len);
    fix_table(w, PA_DSDT);

    /* FADT: poison everything after its Length with 0xFF, so reading an
     * X_ field that the table does not have gives nonsense. */
    t = w->mem + PA_FADT;
    memset(t, 0xFF, FADT_MAX_LEN);
    memset(t, 0, m->fadt_len < FADT_MAX_LEN ? m->fadt_len : FADT_MAX_LEN);
    put_header(t, "FACP", m->fadt_len, m->fadt_rev);
    fadt_put32(m, t, 40, m->dsdt32);
    fadt_put32(m, t, 48, m->smi_cmd);
    if (52 < m->fadt_len)
        t[52] = m->acpi_enable;
    fadt_put32(m, t, 64, m->pm1a);
    fadt_put32(m, t, 68, m->pm1b);
    fadt_put32(m, t, 112, m->flags);
    fadt_put64(m, t, 140, m->x_dsdt);
    fadt_put_gas(m, t, 172, &m->x_pm1a);
    fadt_put_gas(m, t, 184, &m->x_pm1b);
    fix_table(w, PA_FADT);

    t = w->mem + PA_RSDT;
    put_header(t, "RSDT", HDR_LEN + 4 * m->n_rsdt, 1);
    for (unsigned i = 0; i < m->n_rsdt; i++)
        put32(t + HDR_LEN + 4 * i, (uint32_t)m->rsdt_entries[i]);
    fix_table(w, PA_RSDT);

    t = w->mem + PA_XSDT;
    put_header(t, "XSDT", HDR_LEN + 8 * m->n_xsdt, 1);
    for (unsigned i = 0; i < m->n_xsdt; i++)
        put64(t + HDR_LEN + 8 * i, m->xsdt_entries[i]);
    fix_table(w, PA_XSDT);

    put_rsdp(w->rsdp, m->rsdp_rev, (uint32_t)m->rsdt_pa, m->xsdt_pa);
}

/* ---- AML samples (the DSDT body after its header) --------------------- */

#define S5 '_', 'S', '5', '_'

/* Name (_S5, Package (4) { 5, 5 }) followed by two unrelated ZeroOps. */
static const uint8_t aml_basic[] = { 0x08, S5, 0x12, 0x06, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
/* Name (\_S5, Package (4) { Zero, One, Zero, Zero }) */
static const uint8_t aml_root_zero_one[] = { 0x08, '\\', S5, 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00 };
/* WordPrefix 7, DWordPrefix 3 */
static const uint8_t aml_word_dword[] = {
    0x08, S5, 0x12, 0x0C, 0x04, 0x0B, 0x07, 0x00, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* QWordPrefix 6, BytePrefix 2 */
static const uint8_t aml_qword[] = {
    0x08, S5, 0x12, 0x0D, 0x02, 0x0E, 6, 0, 0, 0, 0, 0, 0, 0, 0x0A, 0x02 };
/* 2-byte PkgLength: 80 = 0x50 -> lead 0x40 | 0x0, next byte 0x05. The
 * package has 75 elements: 3, 4 and 73 ZeroOps (the array's zero tail). */
static const uint8_t aml_pkglen2[6 + 80] = { 0x08, S5, 0x12, 0x40, 0x05, 75, 0x0A, 0x03, 0x0A, 0x04 };
/* 3-byte PkgLength (non-minimal) of 9 */
static const uint8_t aml_pkglen3[] = { 0x08, S5, 0x12, 0x89, 0x00, 0x00, 0x03, 0x0A, 0x01, 0x0A, 0x02, 0x00 };
/* 4-byte PkgLength (non-minimal) of 9 */
static const uint8_t aml_pkglen4[] = { 0x08, S5, 0x12, 0xC9, 0x00, 0x00, 0x00, 0x02, 0x0A, 0x06, 0x0A, 0x07 };
/* Method (_PTS, 1) { Return (_S5_) } before the real definition. */
static const uint8_t aml_ref_first[] = {
    0x14, 0x0B, '_', 'P', 'T', 'S', 0x01, 0xA4, S5,
    0x08, S5, 0x12, 0x06, 0x04, 0x0A, 0x02, 0x0A, 0x03 };
/* No NameOp: the name is the first thing in the DSDT body. */
static const uint8_t aml_no_nameop[] = { S5, 0x12, 0x06, 0x04, 0x0A, 0x01, 0x0A, 0x01 };
/* A "_S5_" package that does not decode (a String element), then a good one. */
static const uint8_t aml_decoy[] = {
    0x08, S5, 0x12, 0x07, 0x02, 0x0D, 'A', 0x00, 0x0A, 0x05,
    0x08, '\\', S5, 0x12, 0x06, 0x04, 0x0A, 0x05, 0x0A, 0x06 };

/* Bad ones. */
static const uint8_t aml_none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x0A, 0x06, 0x0A, 0x06 };
static const uint8_t aml_name_at_end[] = { 0x08, 0x5F, 0x00, 0x08, S5 };
static const uint8_t aml_op_at_end[] = { 0x08, S5, 0x12 };
static const uint8_t aml_pkg_past_end[] = { 0x08, S5, 0x12, 0x0A, 0x04, 0x0A, 0x05, 0x0A, 0x05 };
static const uint8_t aml_pkglen_cut[] = { 0x08, S5, 0x12, 0x41 };
static const uint8_t aml_pkglen_reserved[] = { 0x08, S5, 0x12, 0x56, 0x00, 0x02, 0x0A, 0x05, 0x0A, 0x05, 0x00 };
static const uint8_t aml_pkglen_zero[] = { 0x08, S5, 0x12, 0x00, 0x02, 0x0A, 0x05, 0x0A, 0x05 };
static const uint8_t aml_no_numelements[] = { 0x08, S5, 0x12, 0x01, 0x02, 0x0A, 0x05 };
static const uint8_t aml_one_element[] = { 0x08, S5, 0x12, 0x04, 0x01, 0x0A, 0x05, 0x00 };
static const uint8_t aml_elem_cut_by_pkg[] = { 0x08, S5, 0x12, 0x05, 0x02, 0x0A, 0x05, 0x0B, 0x06, 0x00 };
static const uint8_t aml_elem_cut_by_end[] = { 0x08, S5, 0x12, 0x07, 0x02, 0x0A, 0x05, 0x0C, 0x06, 0x00 };
static const uint8_t aml_typ_too_big[] = { 0x08, S5, 0x12, 0x06, 0x04, 0x0A, 0x08, 0x0A, 0x00 };
static const uint8_t aml_string_elem[] = { 0x08, S5, 0x12, 0x07, 0x02, 0x0D, 'A', 0x00, 0x0A, 0x05 };

/* ---- changes to the default model (pre) and to the bytes (post) ------- */

static void pre_acpi1(struct model *m)
{
    m->rsdp_rev = 0;
    m->fadt_len = 116;
    m->fadt_rev = 1;
}
static void pre_acpi1_no_rsdt(struct model *m) { pre_acpi1(m); m->rsdt_pa = 0; }
static void pre_acpi1_rsdt_unmapped(struct model *m) { pre_acpi1(m); m->rsdt_pa = PA_NOWHERE; }
static void pre_acpi1_odd_entries(struct model *m)
{
    pre_acpi1(m);
    m->rsdt_entries[0] = 0;
    m->rsdt_entries[1] = PA_NOWHERE;
    m->rsdt_entries[2] = PA_APIC;
    m->rsdt_entries[3] = PA_FADT;
    m->n_rsdt = 4;
}
static void pre_odd_xsdt_entries(struct model *m)
{
    m->xsdt_entries[0] = 0;
    m->xsdt_entries[1] = 0xDEAD00000000ULL;
    m->xsdt_entries[2] = PA_APIC;
    m->xsdt_entries[3] = PA_FADT;
    m->n_xsdt = 4;
}
static void pre_no_xsdt_addr(struct model *m) { m->xsdt_pa = 0; }
static void pre_xsdt_no_fadt(struct model *m) { m->n_xsdt = 1; }
static void pre_acpi1_rsdt_no_fadt(struct model *m) { pre_acpi1(m); m->n_rsdt = 1; }
static void pre_fadt276(struct model *m) { m->fadt_len = 276; m->fadt_rev = 6; }
static void pre_fadt_short(struct model *m) { m->fadt_len = 100; }
static void pre_x_pm1a_io(struct model *m) { m->x_pm1a = (struct gas){ 1, 16, 0, 2, 0x1004 }; }
static void pre_x_pm1a_cut(struct model *m) { pre_x_pm1a_io(m); m->fadt_len = 180; }
static void pre_x_pm1a_mem(struct model *m) { m->x_pm1a = (struct gas){ 0, 16, 0, 2, 0xFED00004 }; }
static void pre_x_pm1a_mem_only(struct model *m) { pre_x_pm1a_mem(m); m->pm1a = 0; }
static void pre_x_pm1a_big(struct model *m) { m->x_pm1a = (struct gas){ 1, 16, 0, 2, 0x10000 }; }
static void pre_pm1b(struct model *m) { m->pm1b = 0x605; }
static void pre_x_pm1b(struct model *m) { m->pm1b = 0x605; m->x_pm1b = (struct gas){ 1, 16, 0, 2, 0x1005 }; }
static void pre_acpi1_pm1b(struct model *m) { pre_acpi1(m); m->pm1b = 0x605; }
static void pre_no_pm1a(struct model *m) { m->pm1a = 0; }
static void pre_big_pm1a(struct model *m) { pre_acpi1(m); m->pm1a = 0x12345; }
static void pre_hw_reduced(struct model *m) { m->flags = 1u << 20; }
static void pre_x_dsdt_wins(struct model *m) { m->dsdt32 = PA_APIC; }
static void pre_x_dsdt_zero(struct model *m) { m->x_dsdt = 0; }
static void pre_no_dsdt(struct model *m) { m->x_dsdt = 0; m->dsdt32 = 0; }
static void pre_acpi1_no_dsdt(struct model *m) { pre_acpi1(m); m->dsdt32 = 0; }

static void post_rsdp_bad_sig(struct world *w) { w->rsdp[0] = 'X'; fix_rsdp(w->rsdp); }
static void post_rsdp_bad_sum(struct world *w) { w->rsdp[9] ^= 1; }
static void post_rsdp_bad_xsum(struct world *w) { w->rsdp[33] ^= 1; }
static void post_rsdp_len_small(struct world *w) { put32(w->rsdp + 20, 30); fix_rsdp(w->rsdp); }
static void post_break_rsdt(struct world *w) { w->mem[PA_RSDT + 20] ^= 1; }
static void post_break_xsdt(struct world *w) { w->mem[PA_XSDT + 20] ^= 1; }
static void post_rsdt_sig(struct world *w) { w->mem[PA_RSDT + 3] = 0x01; fix_table(w, PA_RSDT); }
static void post_rsdt_len20(struct world *w) { put32(w->mem + PA_RSDT + HDR_LENGTH, 20); fix_table(w, PA_RSDT); }
static void post_rsdt_len_past_mem(struct world *w)
{
    put32(w->mem + PA_RSDT + HDR_LENGTH, (uint32_t)(w->size - PA_RSDT + 4));
}
static void post_rsdt_len_absurd(struct world *w) { put32(w->mem + PA_RSDT + HDR_LENGTH, 0x80000000u); }
static void post_fadt_bad_sum(struct world *w) { w->mem[PA_FADT + 48] ^= 1; }
static void post_dsdt_bad_sum(struct world *w) { w->mem[PA_DSDT + HDR_LEN] ^= 0x40; }
static void post_dsdt_sig(struct world *w) { memcpy(w->mem + PA_DSDT, "SSDT", 4); fix_table(w, PA_DSDT); }
static void post_dsdt_len_past_mem(struct world *w)
{
    uint8_t *t = w->mem + PA_DSDT;
    put32(t + HDR_LENGTH, get32(t + HDR_LENGTH) + 1);
    fix_table(w, PA_DSDT);
}

/* ---- the case table ---------------------------------------------------- */

struct acpi_case {
    const char *name;
    void (*pre)(struct model *);
    void (*post)(struct world *);
    const uint8_t *aml;             /* NULL: aml_basic */
    size_t aml_len;
    size_t rsdp_len;                /* bytes passed; 0: 20 or 36 by revision */
    int want;                       /* expected return value */
    uint16_t pm1a, pm1b, typa, typb;  /* expected on success (pm1a 0: PORT_PM1A) */
};

#define AML(a) .aml = (a), .aml_len = sizeof(a)

static const struct acpi_case cases[] = {
    /* Working tables. */
    { "ACPI 2.0: RSDP v2, XSDT, 244-byte FADT", .typa = 5, .typb = 5 },
    { "ACPI 1.0: RSDP v1, RSDT, 116-byte FADT (X_ fields past its end ignored)",
      pre_acpi1, .typa = 5, .typb = 5 },
    { "ACPI 6: 276-byte FADT", pre_fadt276, .typa = 5, .typb = 5 },
    { "v2 uses the XSDT (broken RSDT not looked at)", .post = post_break_rsdt, .typa = 5, .typb = 5 },
    { "v2 with XsdtAddress 0 uses the RSDT", pre_no_xsdt_addr, post_break_xsdt, .typa = 5, .typb = 5 },
    { "v2 RSDP passed as 20 bytes uses the RSDT", .post = post_break_xsdt, .rsdp_len = 20,
      .typa = 5, .typb = 5 },
    { "XSDT with null, unmapped and other entries before the FADT", pre_odd_xsdt_entries,
      .typa = 5, .typb = 5 },
    { "RSDT with null, unmapped and other entries before the FADT", pre_acpi1_odd_entries,
      .typa = 5, .typb = 5 },
    { "X_PM1a_CNT_BLK in System I/O overrides PM1a_CNT_BLK", pre_x_pm1a_io, .pm1a = 0x1004,
      .typa = 5, .typb = 5 },
    { "X_PM1a_CNT_BLK cut short by the FADT's Length: ignored", pre_x_pm1a_cut,
      .typa = 5, .typb = 5 },
    { "X_PM1a_CNT_BLK in memory space: fall back to PM1a_CNT_BLK", pre_x_pm1a_mem,
      .typa = 5, .typb = 5 },
    { "PM1b_CNT_BLK", pre_pm1b, .pm1b = 0x605, .typa = 5, .typb = 5 },
    { "X_PM1b_CNT_BLK", pre_x_pm1b, .pm1b = 0x1005, .typa = 5, .typb = 5 },
    { "ACPI 1.0 PM1b_CNT_BLK", pre_acpi1_pm1b, .pm1b = 0x605, .typa = 5, .typb = 5 },
    { "X_DSDT is preferred over DSDT", pre_x_dsdt_wins, .typa = 5, .typb = 5 },
    { "X_DSDT zero: DSDT is used", pre_x_dsdt_zero, .typa = 5, .typb = 5 },
    { "\\_S5_ with root prefix, ZeroOp and OneOp", AML(aml_root_zero_one), .typa = 0, .typb = 1 },
    { "\\_S5_ with WordPrefix and DWordPrefix", AML(aml_word_dword), .typa = 7, .typb = 3 },
    { "\\_S5_ with QWordPrefix and BytePrefix", AML(aml_qword), .typa = 6, .typb = 2 },
    { "\\_S5_ with 2-byte PkgLength", AML(aml_pkglen2), .typa = 3, .typb = 4 },
    { "\\_S5_ with 3-byte PkgLength", AML(aml_pkglen3), .typa = 1, .typb = 2 },
    { "\\_S5_ with 4-byte PkgLength", AML(aml_pkglen4), .typa = 6, .typb = 7 },
    { "\\_S5_ referenced in a method before its definition", AML(aml_ref_first), .typa = 2, .typb = 3 },
    { "\\_S5_ without NameOp", AML(aml_no_nameop), .typa = 1, .typb = 1 },
    { "undecodable \\_S5_ package, then a good one", AML(aml_decoy), .typa = 5, .typb = 6 },

    /* RSDP problems. */
    { "RSDP: bad signature", .post = post_rsdp_bad_sig, .want = -HV_EINVAL },
    { "RSDP: bad checksum", .post = post_rsdp_bad_sum, .want = -HV_EINVAL },
    { "RSDP: bad extended checksum", .post = post_rsdp_bad_xsum, .want = -HV_EINVAL },
    { "RSDP: Length 30 < 36", .post = post_rsdp_len_small, .want = -HV_EINVAL },
    { "RSDP: only 19 bytes", .rsdp_len = 19, .want = -HV_EINVAL },
    { "RSDP: no RSDT address", pre_acpi1_no_rsdt, .want = -HV_ENOENT },

    /* RSDT / XSDT problems. */
    { "XSDT: bad checksum", .post = post_break_xsdt, .want = -HV_EINVAL },
    { "RSDT: bad checksum", pre_acpi1, post_break_rsdt, .want = -HV_EINVAL },
    { "RSDT: wrong signature", pre_acpi1, post_rsdt_sig, .want = -HV_EINVAL },
    { "RSDT: not mapped", pre_acpi1_rsdt_unmapped, .want = -HV_EFAULT },
    { "RSDT: Length shorter than the header", pre_acpi1, post_rsdt_len20, .want = -HV_EINVAL },
    { "RSDT: Length past the end of memory", pre_acpi1, post_rsdt_len_past_mem, .want = -HV_EFAULT },
    { "RSDT: absurd Length", pre_acpi1, post_rsdt_len_absurd, .want = -HV_EINVAL },
    { "XSDT: no FADT", pre_xsdt_no_fadt, .want = -HV_ENOENT },
    { "RSDT: no FADT", pre_acpi1_rsdt_no_fadt, .want = -HV_ENOENT },

    /* FADT problems. */
    { "FADT: bad checksum", .post = post_fadt_bad_sum, .want = -HV_EINVAL },
    { "FADT: truncated to 100 bytes", pre_fadt_short, .want = -HV_EINVAL },
    { "FADT: no PM1a_CNT_BLK", pre_no_pm1a, .want = -HV_ENODEV },
    { "FADT: PM1a_CNT_BLK beyond 16 bits", pre_big_pm1a, .want = -HV_EINVAL },
    { "FADT: X_PM1a_CNT_BLK beyond 16 bits", pre_x_pm1a_big, .want = -HV_EINVAL },
    { "FADT: PM1a only in memory space", pre_x_pm1a_mem_only, .want = -HV_ENODEV },
    { "FADT: hardware-reduced ACPI", pre_hw_reduced, .want = -HV_ENODEV },
    { "FADT: no DSDT", pre_no_dsdt, .want = -HV_ENOENT },
    { "FADT 1.0: no DSDT", pre_acpi1_no_dsdt, .want = -HV_ENOENT },

    /* DSDT problems. */
    { "DSDT: bad checksum", .post = post_dsdt_bad_sum, .want = -HV_EINVAL },
    { "DSDT: wrong signature", .post = post_dsdt_sig, .want = -HV_EINVAL },
    { "DSDT: Length past the end of memory", .post = post_dsdt_len_past_mem, .want = -HV_EFAULT },
    { "DSDT: no \\_S5_", AML(aml_none), .want = -HV_ENOENT },
    { "DSDT: \\_S5_ name at the very end", AML(aml_name_at_end), .want = -HV_ENOENT },
    { "DSDT: PackageOp at the very end", AML(aml_op_at_end), .want = -HV_EINVAL },
    { "DSDT: package runs past the table", AML(aml_pkg_past_end), .want = -HV_EINVAL },
    { "DSDT: PkgLength bytes cut off", AML(aml_pkglen_cut), .want = -HV_EINVAL },
    { "DSDT: PkgLength reserved bits set", AML(aml_pkglen_reserved), .want = -HV_EINVAL },
    { "DSDT: PkgLength 0", AML(aml_pkglen_zero), .want = -HV_EINVAL },
    { "DSDT: package without NumElements", AML(aml_no_numelements), .want = -HV_EINVAL },
    { "DSDT: package with one element", AML(aml_one_element), .want = -HV_EINVAL },
    { "DSDT: element cut off by the package end", AML(aml_elem_cut_by_pkg), .want = -HV_EINVAL },
    { "DSDT: element cut off by the table end", AML(aml_elem_cut_by_end), .want = -HV_EINVAL },
    { "DSDT: SLP_TYP 8 does not fit", AML(aml_typ_too_big), .want = -HV_EINVAL },
    { "DSDT: String element", AML(aml_string_elem), .want = -HV_EINVAL },
};

static void test_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct acpi_case *k = &cases[i];
        struct world w = { 0 };
        struct model m;
        struct acpi_s5 s5;
        char err[160];
        size_t rsdp_len;
        int rc;

        default_model(&m);
        m.aml = k->aml ? k->aml : aml_basic;
        m.aml_len = k->aml ? k->aml_len : sizeof(aml_basic);
        if (k->pre)
            k->pre(&m);
        build(&w, &m);
        if (k->post)
            k->post(&w);
        rsdp_len = k->rsdp_len ? k->rsdp_len
                               : (m.rsdp_rev >= 2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN);

        memset(err, 'x', sizeof(err));
        rc = acpi_parse_s5(w.rsdp, rsdp_len, fake_map, &w, &s5, err, sizeof(err));
        print_message("case %zu (%s): rc %d \"%s\"\n", i, k->name, rc, err);

        if (rc != k->want)
            fail_msg("case %zu (%s): rc %d, want %d (%s)", i, k->name, rc, k->want, err);
        if (rc == 0) {
            uint16_t pm1a = k->pm1a ? k->pm1a : PORT_PM1A;
            if (s5.pm1a_cnt != pm1a || s5.pm1b_cnt != k->pm1b ||
                s5.slp_typa != k->typa || s5.slp_typb != k->typb)
                fail_msg("case %zu (%s): pm1a 0x%x pm1b 0x%x typ %u/%u, want 0x%x 0x%x %u/%u",
                         i, k->name, s5.pm1a_cnt, s5.pm1b_cnt, s5.slp_typa, s5.slp_typb,
                         pm1a, k->pm1b, k->typa, k->typb);
            if (s5.smi_cmd != PORT_SMI || s5.acpi_enable != ACPI_ENABLE_V ||
                strcmp(s5.oem_id, "TESTOE") != 0 || s5.revision != m.rsdp_rev ||
                s5.fadt_pa != PA_FADT || s5.dsdt_pa != PA_DSDT)
                fail_msg("case %zu (%s): smi 0x%x enable 0x%x oem \"%s\" rev %u fadt 0x%llx dsdt 0x%llx",
                         i, k->name, s5.smi_cmd, s5.acpi_enable, s5.oem_id, s5.revision,
                         (unsigned long long)s5.fadt_pa, (unsigned long long)s5.dsdt_pa);
            if (err[0] != '\0')
                fail_msg("case %zu (%s): err set on success: %s", i, k->name, err);
        } else if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err)) {
            fail_msg("case %zu (%s): no NUL-terminated reason in err", i, k->name);
        }

        /* The same again without an error buffer: same result, no crash. */
        rc = acpi_parse_s5(w.rsdp, rsdp_len, fake_map, &w, &s5, NULL, 0);
        if (rc != k->want)
            fail_msg("case %zu (%s): without err: rc %d, want %d", i, k->name, rc, k->want);
        free(w.mem);
    }
}

static void test_parse_null_rsdp(void **state)
{
    struct world w = { 0 };
    struct acpi_s5 s5;
    char err[64];

    (void)state;
    assert_int_equal(acpi_parse_s5(NULL, 0, fake_map, &w, &s5, err, sizeof(err)), -HV_EINVAL);
    assert_true(err[0] != '\0');
}

static void test_err_truncated(void **state)
{
    struct world w = { 0 };
    struct model m;
    struct acpi_s5 s5;
    char err[8];

    (void)state;
    default_model(&m);
    m.aml = aml_none;
    m.aml_len = sizeof(aml_none);
    build(&w, &m);
    assert_int_equal(acpi_parse_s5(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &s5, err, sizeof(err)),
                     -HV_ENOENT);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    free(w.mem);
}

/* ---- acpi_find_rsdp ------------------------------------------------------ */

#define LOW_MEM_SIZE   0x100000ULL

/* 1 MiB of fake low memory, with the EBDA segment word at 0x40E. */
static void low_mem(struct world *w, uint16_t ebda_seg)
{
    w->size = LOW_MEM_SIZE;
    w->mem = calloc(1, w->size);
    assert_non_null(w->mem);
    put16(w->mem + ACPI_BDA_EBDA_SEG, ebda_seg);
}

struct scan_case {
    const char *name;
    uint16_t ebda_seg;
    uint64_t at[3];         /* where to put RSDPs (0: none) */
    uint8_t rev[3];
    bool bad_sum[3];        /* break the 1.0 checksum */
    bool bad_xsum[3];       /* break the extended checksum */
    bool misalign[3];       /* place it 8 bytes off the 16-byte boundary */
    int want;
    uint64_t want_pa;
    size_t want_len;
};

static const struct scan_case scan_cases[] = {
    { "v2 RSDP in the BIOS area", 0, { 0xF5A30 }, { 2 }, .want_pa = 0xF5A30, .want_len = 36 },
    { "v1 RSDP at the start of the BIOS area", 0, { 0xE0000 }, { 0 }, .want_pa = 0xE0000, .want_len = 20 },
    { "v1 RSDP at the last slot of the BIOS area", 0, { 0xFFFE0 }, { 0 },
      .want_pa = 0xFFFE0, .want_len = 20 },
    { "EBDA is searched before the BIOS area", 0x9FC0, { 0xE0000, 0x9FC40 }, { 0, 2 },
      .want_pa = 0x9FC40, .want_len = 36 },
    { "RSDP beyond the EBDA's first KiB is not found there", 0x9F00, { 0x9F400, 0xE1230 }, { 0, 0 },
      .want_pa = 0xE1230, .want_len = 20 },
    { "EBDA below 0x500 is ignored", 0x10, { 0x00100 }, { 0 }, .want = -HV_ENOENT },
    { "bad checksum skipped", 0, { 0xE0000, 0xE0100 }, { 0, 0 }, { true, false },
      .want_pa = 0xE0100, .want_len = 20 },
    { "bad extended checksum skipped", 0, { 0xE0000, 0xE0100 }, { 2, 2 }, .bad_xsum = { true, false },
      .want_pa = 0xE0100, .want_len = 36 },
    { "not on a 16-byte boundary", 0, { 0xE0000 }, { 0 }, .misalign = { true }, .want = -HV_ENOENT },
    { "nothing there", 0x9FC0, { 0 }, { 0 }, .want = -HV_ENOENT },
};

static void test_find_rsdp_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(scan_cases); i++) {
        const struct scan_case *k = &scan_cases[i];
        struct world w = { 0 };
        uint64_t pa = 0;
        size_t len = 0;
        int rc;

        low_mem(&w, k->ebda_seg);
        for (int j = 0; j < 3 && k->at[j]; j++) {
            uint8_t r[ACPI_RSDP_V2_LEN];
            uint64_t at = k->at[j] + (k->misalign[j] ? 8 : 0);

            put_rsdp(r, k->rev[j], (uint32_t)PA_RSDT, PA_XSDT);
            if (k->bad_sum[j])
                r[8] ^= 1;
            if (k->bad_xsum[j])
                r[32] ^= 1;
            memcpy(w.mem + at, r, k->rev[j] >= 2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN);
        }
        rc = acpi_find_rsdp(fake_map, &w, &pa, &len);
        print_message("scan case %zu (%s): rc %d pa 0x%llx len %zu\n", i, k->name, rc,
                      (unsigned long long)pa, len);
        if (rc != k->want)
            fail_msg("scan case %zu (%s): rc %d, want %d", i, k->name, rc, k->want);
        if (rc == 0 && (pa != k->want_pa || len != k->want_len))
            fail_msg("scan case %zu (%s): pa 0x%llx len %zu, want 0x%llx %zu", i, k->name,
                     (unsigned long long)pa, len, (unsigned long long)k->want_pa, k->want_len);
        free(w.mem);
    }
}

static void test_find_rsdp_unmapped(void **state)
{
    struct world w = { 0 };
    uint64_t pa;
    size_t len;

    (void)state;
    w.size = 0x80000;                   /* no BIOS area */
    w.mem = calloc(1, w.size);
    assert_non_null(w.mem);
    assert_int_equal(acpi_find_rsdp(fake_map, &w, &pa, &len), -HV_EFAULT);
    free(w.mem);
}

/* Scan for the RSDP, then parse from the mapped copy, as the kernel does
 * without a multiboot2 ACPI tag. */
static void test_find_then_parse(void **state)
{
    struct world w = { 0 };
    struct model m;
    struct acpi_s5 s5;
    uint64_t pa;
    size_t len;
    const void *rsdp;
    char err[128];

    (void)state;
    default_model(&m);
    m.aml = aml_word_dword;
    m.aml_len = sizeof(aml_word_dword);
    build(&w, &m);
    memcpy(w.mem + 0xF0010, w.rsdp, ACPI_RSDP_V2_LEN);

    assert_int_equal(acpi_find_rsdp(fake_map, &w, &pa, &len), 0);
    assert_int_equal(pa, 0xF0010);
    assert_int_equal(len, ACPI_RSDP_V2_LEN);
    rsdp = fake_map(&w, pa, len);
    assert_non_null(rsdp);
    assert_int_equal(acpi_parse_s5(rsdp, len, fake_map, &w, &s5, err, sizeof(err)), 0);
    assert_int_equal(s5.pm1a_cnt, PORT_PM1A);
    assert_int_equal(s5.slp_typa, 7);
    assert_int_equal(s5.slp_typb, 3);
    free(w.mem);
}

/* ---- platform facts: PM timer, HPET, MADT CPUs ---------------------------- */

#define PA_HPET        0x105000ULL

struct madt_entry { uint8_t type, len; uint32_t flags; uint32_t id; };

/* Build the default world, then: FADT PM timer fields, an HPET table (when
 * hpet_base), and a MADT with the given entries in place of the plain
 * "APIC" table. */
static void build_platform(struct world *w, void (*pre)(struct model *), uint32_t pm_tmr,
                           uint8_t pm_tmr_len, uint32_t extra_flags, uint64_t hpet_base,
                           const struct madt_entry *e, unsigned ne)
{
    struct model m;
    default_model(&m);
    m.aml = aml_basic;
    m.aml_len = sizeof(aml_basic);
    m.flags = extra_flags;
    if (pre)
        pre(&m);
    if (hpet_base) {
        m.xsdt_entries[m.n_xsdt++] = PA_HPET;
        m.rsdt_entries[m.n_rsdt++] = PA_HPET;
    }
    build(w, &m);

    uint8_t *f = w->mem + PA_FADT;
    if (80 <= m.fadt_len)
        put32(f + 76, pm_tmr);
    if (91 < m.fadt_len)
        f[91] = pm_tmr_len;
    fix_table(w, PA_FADT);

    if (hpet_base) {
        uint8_t *t = w->mem + PA_HPET;
        put_header(t, "HPET", 56, 1);
        put32(t + 36, 0x8086A201);          /* event timer block ID */
        t[40] = 0;                          /* GAS: system memory */
        t[41] = 64;
        put64(t + 44, hpet_base);
        fix_table(w, PA_HPET);
    }

    uint8_t *t = w->mem + PA_APIC;
    uint32_t len = APIC_LEN;
    for (unsigned i = 0; i < ne; i++) {
        uint8_t *p = t + len;
        memset(p, 0, e[i].len);
        p[0] = e[i].type;
        p[1] = e[i].len;
        if (e[i].type == 0 && e[i].len >= 8) {
            p[3] = (uint8_t)e[i].id;
            put32(p + 4, e[i].flags);
        } else if (e[i].type == 9 && e[i].len >= 16) {
            put32(p + 4, e[i].id);
            put32(p + 8, e[i].flags);
        }
        len += e[i].len;
    }
    put_header(t, "APIC", len, 4);
    put32(t + 36, 0xFEE00000);              /* local APIC address */
    fix_table(w, PA_APIC);
}

static void test_platform_full(void **state)
{
    (void)state;
    static const struct madt_entry e[] = {
        { 0, 8, 1, 0 },     /* enabled */
        { 0, 8, 1, 2 },     /* enabled */
        { 0, 8, 2, 4 },     /* online capable only: not there now */
        { 0, 8, 0, 6 },     /* disabled */
        { 1, 12, 0, 0 },    /* an I/O APIC: not a CPU */
        { 9, 16, 1, 0x1234 },   /* x2APIC, enabled */
        { 2, 10, 1, 0 },    /* interrupt source override: not a CPU */
    };
    struct world w;
    struct acpi_platform p;
    char err[128];

    build_platform(&w, NULL, 0x608, 4, 1u << 8, 0xFED00000ULL, e, ARRAY_SIZE(e));
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, err,
                                         sizeof(err)), 0);
    assert_int_equal(p.pm_timer_port, 0x608);
    assert_true(p.pm_timer_32bit);
    assert_int_equal(p.hpet_base, 0xFED00000ULL);
    assert_true(p.has_madt);
    assert_int_equal(p.cpus, 3);
    /* the enabled CPUs' APIC IDs, in MADT order, for boot/smp.c */
    assert_int_equal(p.ncpu_apic_id, 3);
    assert_int_equal(p.cpu_apic_id[0], 0);
    assert_int_equal(p.cpu_apic_id[1], 2);
    assert_int_equal(p.cpu_apic_id[2], 0x1234);
    free(w.mem);

    /* the same through the ACPI 1.0 RSDT; a 24-bit PM timer */
    build_platform(&w, pre_acpi1, 0x408, 4, 0, 0xFED00000ULL, e, ARRAY_SIZE(e));
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V1_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.pm_timer_port, 0x408);
    assert_false(p.pm_timer_32bit);
    assert_int_equal(p.hpet_base, 0xFED00000ULL);
    assert_int_equal(p.cpus, 3);
    free(w.mem);
}

/* SPCR: the firmware's serial console, at an I/O port or in MMIO. */
#define PA_SPCR        0x106000ULL

static void pre_spcr(struct model *m)
{
    m->xsdt_entries[m->n_xsdt++] = PA_SPCR;
    m->rsdt_entries[m->n_rsdt++] = PA_SPCR;
}

static void put_spcr(struct world *w, uint8_t type, uint8_t space, uint64_t addr)
{
    uint8_t *t = w->mem + PA_SPCR;
    memset(t, 0, 80);
    put_header(t, "SPCR", 80, 2);
    t[36] = type;                           /* Interface Type */
    t[40] = space;                          /* Base Address: GAS address space */
    t[41] = 8;                              /* register bit width */
    put64(t + 44, addr);
    fix_table(w, PA_SPCR);
}

static void test_platform_spcr(void **state)
{
    (void)state;
    static const struct {
        uint8_t type, space;
        uint64_t addr;
        uint16_t want_port;
        uint64_t want_mmio;
    } cases[] = {
        { 0x00, 1, 0x2F8, 0x2F8, 0 },                     /* full 16550 at COM2 */
        { 0x01, 1, 0x3E8, 0x3E8, 0 },                     /* 16450 subset */
        { 0x12, 1, 0x3F8, 0x3F8, 0 },                     /* 16550 with GAS parameters */
        { 0x12, 0, 0xFE030000ULL, 0, 0xFE030000ULL },     /* MMIO 16550 */
        { 0x03, 0, 0x9000000ULL, 0, 0 },                  /* ARM PL011: not ours */
        { 0x00, 1, 0, 0, 0 },                             /* no address */
        { 0x00, 1, 0x10000, 0, 0 },                       /* not an I/O port */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        struct world w;
        struct acpi_platform p;
        build_platform(&w, pre_spcr, 0x608, 4, 0, 0, NULL, 0);
        put_spcr(&w, cases[i].type, cases[i].space, cases[i].addr);
        assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
        if (p.spcr_port != cases[i].want_port || p.spcr_mmio != cases[i].want_mmio)
            fail_msg("SPCR case %u: port %#x mmio %#llx", i, p.spcr_port,
                     (unsigned long long)p.spcr_mmio);
        assert_int_equal(p.pm_timer_port, 0x608);   /* the other tables still read */
        free(w.mem);
    }
}

static void test_platform_missing(void **state)
{
    (void)state;
    static const struct madt_entry one[] = { { 0, 8, 1, 0 } };
    static const struct madt_entry cut[] = { { 0, 8, 1, 0 }, { 0, 8, 1, 1 }, { 0, 40, 1, 2 } };
    struct world w;
    struct acpi_platform p;

    /* PM_TMR_LEN 0: no PM timer; no HPET table */
    build_platform(&w, NULL, 0x608, 0, 0, 0, one, 1);
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.pm_timer_port, 0);
    assert_int_equal(p.hpet_base, 0);
    assert_int_equal(p.cpus, 1);
    free(w.mem);

    /* hardware-reduced ACPI: no PM timer even with a port */
    build_platform(&w, NULL, 0x608, 4, 1u << 20, 0, one, 1);
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.pm_timer_port, 0);
    free(w.mem);

    /* an entry running past the MADT's end stops the count */
    build_platform(&w, NULL, 0x608, 4, 0, 0, cut, 2);
    put32(w.mem + PA_APIC + HDR_LENGTH, APIC_LEN + 16 + 4);  /* Length cuts into entry 3 */
    w.mem[PA_APIC + APIC_LEN + 16] = 0;
    w.mem[PA_APIC + APIC_LEN + 17] = 40;
    fix_table(&w, PA_APIC);
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.cpus, 2);
    assert_int_equal(p.pm_timer_port, 0x608);
    free(w.mem);

    /* a MADT with a bad checksum is left out, the rest still read */
    build_platform(&w, NULL, 0x608, 4, 0, 0xFED00000ULL, one, 1);
    w.mem[PA_APIC + HDR_CHECKSUM] ^= 1;
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_false(p.has_madt);
    assert_int_equal(p.cpus, 0);
    assert_int_equal(p.pm_timer_port, 0x608);
    assert_int_equal(p.hpet_base, 0xFED00000ULL);
    free(w.mem);
}

static void test_platform_x_pm_tmr_and_bad_rsdp(void **state)
{
    (void)state;
    static const struct madt_entry one[] = { { 0, 8, 1, 0 } };
    struct world w;
    struct acpi_platform p;
    char err[128];

    /* X_PM_TMR_BLK in System I/O space wins over PM_TMR_BLK */
    build_platform(&w, NULL, 0x608, 4, 0, 0, one, 1);
    uint8_t *f = w.mem + PA_FADT;
    f[208] = 1;
    f[209] = 32;
    put64(f + 212, 0x1808);
    fix_table(&w, PA_FADT);
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.pm_timer_port, 0x1808);
    /* ... but not one in memory space */
    f[208] = 0;
    fix_table(&w, PA_FADT);
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, NULL, 0), 0);
    assert_int_equal(p.pm_timer_port, 0x608);

    w.rsdp[8] ^= 1;
    assert_int_equal(acpi_parse_platform(w.rsdp, ACPI_RSDP_V2_LEN, fake_map, &w, &p, err,
                                         sizeof(err)), -HV_EINVAL);
    assert_string_equal(err, "RSDP: bad checksum");
    assert_int_equal(acpi_parse_platform(NULL, 0, fake_map, &w, &p, NULL, 0), -HV_EINVAL);
    free(w.mem);
}

/* ---- PM1 control value ---------------------------------------------------- */

static void test_pm1_cnt_s5(void **state)
{
    (void)state;
    /* "PM1 Control Registers": SLP_TYPx bits 12:10, SLP_EN bit 13. */
    assert_int_equal(acpi_pm1_cnt_s5(0), 0x2000);
    assert_int_equal(acpi_pm1_cnt_s5(5), 0x3400);
    assert_int_equal(acpi_pm1_cnt_s5(7), 0x3C00);
    assert_int_equal(acpi_pm1_cnt_s5(5) & ACPI_PM1_CNT_SCI_EN, 0);
    assert_int_equal(acpi_pm1_cnt_s5(8), 0x2000);   /* only 3 bits are used */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),
        cmocka_unit_test(test_parse_null_rsdp),
        cmocka_unit_test(test_err_truncated),
        cmocka_unit_test(test_find_rsdp_cases),
        cmocka_unit_test(test_find_rsdp_unmapped),
        cmocka_unit_test(test_find_then_parse),
        cmocka_unit_test(test_pm1_cnt_s5),
        cmocka_unit_test(test_platform_full),
        cmocka_unit_test(test_platform_missing),
        cmocka_unit_test(test_platform_spcr),
        cmocka_unit_test(test_platform_x_pm_tmr_and_bad_rsdp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
