/*
 * ACPI shutdown discovery: from the RSDP to the numbers needed for S5.
 *
 * What it does:
 *   1. check the RSDP ("Root System Description Pointer (RSDP) Structure"),
 *      found by acpi_find_rsdp or copied by the boot loader;
 *   2. walk the XSDT (ACPI 2.0+) or the RSDT (ACPI 1.0) to the FADT
 *      ("Extended System Description Table (XSDT)", "Root System Description
 *      Table (RSDT)");
 *   3. read the PM1a/PM1b control ports, SMI_CMD, ACPI_ENABLE and the DSDT
 *      address from the FADT ("Fixed ACPI Description Table (FADT)");
 *   4. find the \_S5_ package in the DSDT's AML and take its first two
 *      integers as SLP_TYPa and SLP_TYPb ("\_Sx (System States)").
 *
 * Reference: ACPI Specification 6.5. Section titles are quoted in the
 * comments below so they can be searched for in any spec version.
 *
 * Left out:
 *   - an AML interpreter: \_S5_ is found by pattern matching the bytes of
 *     `Name (_S5, Package () { a, b, ... })`. A \_S5_ that is a Method, or
 *     that lives in an SSDT, is not found;
 *   - hardware-reduced ACPI (SLEEP_CONTROL_REG) and PM1 blocks in memory
 *     space: both are reported as -HV_ENODEV;
 *   - _PTS / _GTS and the rest of the orderly sleep sequence ("Transitioning
 *     from the Working to the Sleeping State"): the hypervisor just cuts power.
 *
 * Every table is read only through the caller's acpi_map_fn, and only within
 * its declared Length, after its checksum has been verified.
 */
#include <boot/acpi.h>
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>

/* Table layouts: include/hv/acpi_layout.h. Tables are never accessed in
 * place: their bytes are memcpy'd into those structures, so alignment and
 * aliasing are never a concern. */

/* Sanity limit on a table's Length, so a corrupt value is caught before it
 * is handed to the map function. Real DSDTs are at most a few hundred KiB. */
#define ACPI_MAX_TABLE_LEN  (16U << 20)

#define AML_S5_NAME         "_S5_"  /* NameSeg: 4 characters, '_'-padded */

/* "Package Length Encoding" */
#define AML_PKGLEN_FOLLOW_SHIFT  6      /* lead bits 7:6: count of bytes that follow */
#define AML_PKGLEN_SHORT_MASK    0x3F   /* no bytes follow: bits 5:0 are the length */
#define AML_PKGLEN_LOW_MASK      0x0F   /* bytes follow: bits 3:0 are the low nibble */
#define AML_PKGLEN_RESERVED      0x30   /* ... and bits 5:4 must be 0 */

/* ---------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

struct acpi_ctx {
    acpi_map_fn map;
    void *opaque;
    char *err;          /* reason for the failure; may be NULL */
    size_t errlen;
};

/* Record a reason in c->err and return rc (a negative HV_E* value). */
static int __printf(3, 4) fail(struct acpi_ctx *c, int rc, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        fmt_vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Sum of n bytes mod 256: a valid ACPI structure sums to 0. */
static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A signature as a printable C string (non-printable bytes become '?'). */
static void sig_str(char out[ACPI_SIG_LEN + 1], const char *sig)
{
    for (int i = 0; i < ACPI_SIG_LEN; i++)
        out[i] = (sig[i] >= 0x20 && sig[i] < 0x7F) ? sig[i] : '?';
    out[ACPI_SIG_LEN] = '\0';
}

/*
 * Check the RSDP in the `avail` bytes at p and copy it to *r. Revision 2+
 * RSDPs also have their Length and extended checksum checked; if fewer
 * than 36 bytes are available, a revision 2+ RSDP is used as a 1.0 one
 * (RSDT only). *used is the RSDP's size.
 */
static int check_rsdp(struct acpi_ctx *c, const uint8_t *p, size_t avail,
                      struct acpi_rsdp *r, size_t *used)
{
    memset(r, 0, sizeof(*r));
    if (avail < ACPI_RSDP_V1_LEN)
        return fail(c, -HV_EINVAL, "RSDP: %zu bytes, need at least %d", avail, ACPI_RSDP_V1_LEN);
    if (memcmp(p, ACPI_RSDP_SIG, sizeof(r->signature)) != 0)
        return fail(c, -HV_EINVAL, "RSDP: no \"" ACPI_RSDP_SIG "\" signature");
    if (sum8(p, ACPI_RSDP_V1_LEN) != 0)
        return fail(c, -HV_EINVAL, "RSDP: bad checksum");

    memcpy(r, p, ACPI_RSDP_V1_LEN);
    *used = ACPI_RSDP_V1_LEN;
    if (r->revision < ACPI_RSDP_XSDT_REV || avail < ACPI_RSDP_V2_LEN)
        return 0;

    memcpy(r, p, ACPI_RSDP_V2_LEN);
    if (r->length < ACPI_RSDP_V2_LEN || r->length > avail)
        return fail(c, -HV_EINVAL, "RSDP: length %u (have %zu bytes)", r->length, avail);
    if (sum8(p, r->length) != 0)
        return fail(c, -HV_EINVAL, "RSDP: bad extended checksum");
    *used = r->length;
    return 0;
}

/*
 * Map the table at pa and check it: signature `sig`, a Length that covers
 * at least the header, and a zero checksum over Length bytes. On success
 * *table points at all *len bytes of it.
 */
static int load_table(struct acpi_ctx *c, uint64_t pa, const char *sig,
                      const uint8_t **table, uint32_t *len)
{
    struct acpi_sdt_header hdr;
    const uint8_t *p;
    char got[ACPI_SIG_LEN + 1];

    p = c->map(c->opaque, pa, ACPI_SDT_HDR_LEN);
    if (!p)
        return fail(c, -HV_EFAULT, "%s at 0x%llx: not mapped", sig, (unsigned long long)pa);
    memcpy(&hdr, p, sizeof(hdr));
    if (memcmp(hdr.signature, sig, ACPI_SIG_LEN) != 0) {
        sig_str(got, hdr.signature);
        return fail(c, -HV_EINVAL, "%s at 0x%llx: signature is \"%s\"", sig,
                    (unsigned long long)pa, got);
    }
    if (hdr.length < ACPI_SDT_HDR_LEN || hdr.length > ACPI_MAX_TABLE_LEN)
        return fail(c, -HV_EINVAL, "%s at 0x%llx: bad length %u", sig,
                    (unsigned long long)pa, hdr.length);

    p = c->map(c->opaque, pa, hdr.length);
    if (!p)
        return fail(c, -HV_EFAULT, "%s at 0x%llx: %u bytes not mapped", sig,
                    (unsigned long long)pa, hdr.length);
    if (sum8(p, hdr.length) != 0)
        return fail(c, -HV_EINVAL, "%s at 0x%llx: bad checksum", sig, (unsigned long long)pa);

    *table = p;
    *len = hdr.length;
    return 0;
}

/*
 * Find a table by signature through the XSDT (revision 2+ RSDP with a
 * nonzero XsdtAddress) or else the RSDT. Both are a header followed by
 * physical addresses of other tables: 64-bit in the XSDT, 32-bit in the RSDT.
 */
static int find_table(struct acpi_ctx *c, const struct acpi_rsdp *r, const char *want,
                      const uint8_t **table, uint32_t *table_len, uint64_t *table_pa)
{
    bool use_xsdt = r->revision >= ACPI_RSDP_XSDT_REV && r->xsdt_address != 0;
    const char *sig = use_xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
    uint64_t root_pa = use_xsdt ? r->xsdt_address : r->rsdt_address;
    size_t entry_size = use_xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
    const uint8_t *root;
    uint32_t root_len;
    size_t i, n;
    int rc;

    if (root_pa == 0)
        return fail(c, -HV_ENOENT, "RSDP: no %s address", sig);
    rc = load_table(c, root_pa, sig, &root, &root_len);
    if (rc)
        return rc;

    /* Entries run to the end of the table; a partial last entry is ignored. */
    n = (root_len - ACPI_SDT_HDR_LEN) / entry_size;
    for (i = 0; i < n; i++) {
        const uint8_t *entry = root + ACPI_SDT_HDR_LEN + i * entry_size;
        uint64_t pa = 0;
        const char *hdr;

        if (use_xsdt) {
            memcpy(&pa, entry, sizeof(uint64_t));
        } else {
            uint32_t pa32;
            memcpy(&pa32, entry, sizeof(pa32));
            pa = pa32;
        }
        if (pa == 0)
            continue;
        /* Peek at the signature only; other tables are none of our business,
         * even if they cannot be mapped. */
        hdr = c->map(c->opaque, pa, ACPI_SDT_HDR_LEN);
        if (!hdr || memcmp(hdr, want, ACPI_SIG_LEN) != 0)
            continue;
        *table_pa = pa;
        return load_table(c, pa, want, table, table_len);
    }
    return fail(c, -HV_ENOENT, "%s: no %s among its %zu entries", sig,
                strcmp(want, ACPI_SIG_FADT) == 0 ? "FADT" : want, n);
}

/*
 * The I/O port of a PM1x control block: the 64-bit X_PM1x_CNT_BLK generic
 * address when the FADT is long enough to have it, it is nonzero and in
 * System I/O space; otherwise the 32-bit PM1x_CNT_BLK port field.
 * *port = 0 means "no such block".
 */
static int pm1_port(struct acpi_ctx *c, const char *name, uint32_t blk,
                    const struct acpi_gas *x, bool has_x, uint16_t *port)
{
    uint64_t addr = blk;
    const char *field = "";         /* "X_" when the generic address is used */

    if (has_x && x->address != 0) {
        if (x->space_id == ACPI_GAS_SYSTEM_IO) {
            addr = x->address;
            field = "X_";
        } else if (blk == 0) {
            return fail(c, -HV_ENODEV,
                        "FADT: X_%s_CNT_BLK is in address space %u; only System I/O is supported",
                        name, x->space_id);
        }
        /* else: a memory-space X_ block with a port field too: use the port. */
    }
    if (addr > UINT16_MAX)
        return fail(c, -HV_EINVAL, "FADT: %s%s_CNT_BLK 0x%llx is not a 16-bit port", field, name,
                    (unsigned long long)addr);
    *port = (uint16_t)addr;
    return 0;
}

/* Read the PM1 ports, SMI_CMD, ACPI_ENABLE and the DSDT address. */
static int read_fadt(struct acpi_ctx *c, const uint8_t *p, uint32_t len,
                     struct acpi_s5 *out)
{
    struct acpi_fadt f;
    int rc;

    if (len < ACPI_FADT_V1_LEN)
        return fail(c, -HV_EINVAL, "FADT: length %u is shorter than ACPI 1.0's %d", len,
                    ACPI_FADT_V1_LEN);
    /* Copy only what the table has; fields past its end are checked with
     * ACPI_FADT_HAS before being looked at. */
    memset(&f, 0, sizeof(f));
    memcpy(&f, p, MIN((size_t)len, sizeof(f)));

    if (f.flags & ACPI_FADT_HW_REDUCED_ACPI)
        return fail(c, -HV_ENODEV, "FADT: hardware-reduced ACPI, no PM1 control block");

    rc = pm1_port(c, "PM1a", f.pm1a_cnt_blk, &f.x_pm1a_cnt_blk,
                  ACPI_FADT_HAS(len, x_pm1a_cnt_blk), &out->pm1a_cnt);
    if (rc)
        return rc;
    if (out->pm1a_cnt == 0)
        return fail(c, -HV_ENODEV, "FADT: no PM1a_CNT_BLK");
    rc = pm1_port(c, "PM1b", f.pm1b_cnt_blk, &f.x_pm1b_cnt_blk,
                  ACPI_FADT_HAS(len, x_pm1b_cnt_blk), &out->pm1b_cnt);
    if (rc)
        return rc;

    out->smi_cmd = f.smi_cmd;
    out->acpi_enable = f.acpi_enable;
    out->dsdt_pa = (ACPI_FADT_HAS(len, x_dsdt) && f.x_dsdt != 0) ? f.x_dsdt : f.dsdt;
    if (out->dsdt_pa == 0)
        return fail(c, -HV_ENOENT, "FADT: no DSDT address");
    return 0;
}

/*
 * "Package Length Encoding": PkgLength at b[*pos] (b has `end` bytes).
 * The lead byte's bits 7:6 say how many bytes follow (0-3). With none, bits
 * 5:0 are the length; otherwise bits 3:0 are its low nibble and each
 * following byte adds 8 more bits. The length counts from the lead byte.
 * Advances *pos past the encoding. False if it is malformed or cut off.
 */
static bool aml_pkg_length(const uint8_t *b, size_t end, size_t *pos, uint32_t *len)
{
    size_t at = *pos;
    unsigned follow, i;
    uint8_t lead;
    uint32_t v;

    if (at >= end)
        return false;
    lead = b[at];
    follow = lead >> AML_PKGLEN_FOLLOW_SHIFT;
    if (end - at - 1 < follow)
        return false;
    if (follow == 0) {
        v = lead & AML_PKGLEN_SHORT_MASK;
    } else {
        if (lead & AML_PKGLEN_RESERVED)
            return false;
        v = lead & AML_PKGLEN_LOW_MASK;
        for (i = 0; i < follow; i++)
            v |= (uint32_t)b[at + 1 + i] << (4 + 8 * i);
    }
    *pos = at + 1 + follow;
    *len = v;
    return true;
}

/*
 * "Data Objects Encoding": an integer constant at b[*pos], before `end`.
 * ZeroOp, OneOp, or BytePrefix / WordPrefix / DWordPrefix / QWordPrefix
 * followed by that many little-endian bytes. Advances *pos past it.
 * False if b[*pos] is something else (e.g. a name or an expression).
 */
static bool aml_integer(const uint8_t *b, size_t end, size_t *pos, uint64_t *value)
{
    size_t at = *pos, n, i;
    uint64_t v = 0;

    if (at >= end)
        return false;
    switch (b[at]) {
    case AML_ZERO_OP:       *value = 0; *pos = at + 1; return true;
    case AML_ONE_OP:        *value = 1; *pos = at + 1; return true;
    case AML_BYTE_PREFIX:   n = 1; break;
    case AML_WORD_PREFIX:   n = 2; break;
    case AML_DWORD_PREFIX:  n = 4; break;
    case AML_QWORD_PREFIX:  n = 8; break;
    default:                return false;
    }
    if (end - at - 1 < n)
        return false;
    for (i = 0; i < n; i++)
        v |= (uint64_t)b[at + 1 + i] << (8 * i);
    *value = v;
    *pos = at + 1 + n;
    return true;
}

/*
 * Decode `Package (N) { SLP_TYPa, SLP_TYPb, ... }` whose PackageOp is at
 * b[pos] ("\_Sx (System States)": element 0 is the PM1a_CNT.SLP_TYP value,
 * element 1 the PM1b_CNT.SLP_TYP value, the rest are reserved):
 *
 *   PackageOp PkgLength NumElements element0 element1 ...
 *
 * Nothing outside the package (nor past `end`) is read. Returns NULL on
 * success, or why the bytes do not decode.
 */
static const char *decode_s5_package(const uint8_t *b, size_t end, size_t pos,
                                     uint16_t *slp_typa, uint16_t *slp_typb)
{
    size_t pkg_start = pos + 1;         /* PkgLength counts from here */
    size_t at = pkg_start, pkg_end;
    uint32_t pkg_len;
    uint64_t typ[2];

    if (!aml_pkg_length(b, end, &at, &pkg_len))
        return "bad PkgLength";
    if (pkg_len < at - pkg_start)
        return "PkgLength shorter than its own encoding";
    if (pkg_len > end - pkg_start)
        return "package runs past the end of the DSDT";
    pkg_end = pkg_start + pkg_len;

    if (at >= pkg_end)
        return "package has no NumElements";
    if (b[at] < 2)
        return "package has fewer than 2 elements";
    at++;

    for (int i = 0; i < 2; i++) {
        if (!aml_integer(b, pkg_end, &at, &typ[i]))
            return i == 0 ? "element 0 (SLP_TYPa) is not an integer constant"
                          : "element 1 (SLP_TYPb) is not an integer constant";
        if (typ[i] > ACPI_SLP_TYP_MAX)
            return i == 0 ? "SLP_TYPa does not fit in 3 bits"
                          : "SLP_TYPb does not fit in 3 bits";
    }
    *slp_typa = (uint16_t)typ[0];
    *slp_typb = (uint16_t)typ[1];
    return NULL;
}

/*
 * Find `Name (\_S5, Package ...)` in the DSDT's AML (b, len: the bytes after
 * the header). Its encoding is
 *
 *   [NameOp 0x08] ['\' 0x5C] '_' 'S' '5' '_' PackageOp 0x12 ...
 *
 * The NameOp and root prefix are accepted but not required: "_S5_" directly
 * followed by PackageOp is specific enough. Other occurrences of "_S5_"
 * (e.g. a reference inside a method) are skipped.
 */
static int find_s5(struct acpi_ctx *c, const uint8_t *b, size_t len, struct acpi_s5 *out)
{
    const char *why = NULL;
    size_t why_at = 0;

    for (size_t i = 0; i + AML_NAMESEG_LEN < len; i++) {
        size_t op = i + AML_NAMESEG_LEN;
        const char *r;

        if (memcmp(b + i, AML_S5_NAME, AML_NAMESEG_LEN) != 0 || b[op] != AML_PACKAGE_OP)
            continue;
        r = decode_s5_package(b, len, op, &out->slp_typa, &out->slp_typb);
        if (!r)
            return 0;
        why = r;            /* keep looking; report the last failure */
        why_at = i;
    }
    if (why)
        return fail(c, -HV_EINVAL, "DSDT: \\_S5_ at offset 0x%zx: %s",
                    why_at + ACPI_SDT_HDR_LEN, why);
    return fail(c, -HV_ENOENT, "DSDT: no \\_S5_ package");
}

/* ---------------------------------------------------------------------
 * Exported functions
 * --------------------------------------------------------------------- */

/* Scan `len` bytes at pa for a valid RSDP on a 16-byte boundary. */
static bool scan_for_rsdp(struct acpi_ctx *c, uint64_t pa, size_t len,
                          uint64_t *rsdp_pa, size_t *rsdp_len)
{
    const uint8_t *p = c->map(c->opaque, pa, len);
    struct acpi_rsdp r;

    if (!p)
        return false;
    for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += ACPI_RSDP_ALIGN) {
        if (check_rsdp(c, p + off, len - off, &r, rsdp_len) == 0) {
            *rsdp_pa = pa + off;
            return true;
        }
    }
    return false;
}

/* The EBDA lies in conventional memory, after the BDA and below 640 KiB. */
#define ACPI_EBDA_MIN   0x500ULL
#define ACPI_EBDA_END   0xA0000ULL

int acpi_find_rsdp(acpi_map_fn map, void *opaque, uint64_t *rsdp_pa, size_t *rsdp_len)
{
    struct acpi_ctx c = { .map = map, .opaque = opaque, .err = NULL, .errlen = 0 };
    const uint8_t *bda;

    /* "Finding the RSDP on IA-PC Systems": first the first 1 KiB of the
     * EBDA, whose real-mode segment is the word at 0x40E ... */
    bda = map(opaque, ACPI_BDA_EBDA_SEG, sizeof(uint16_t));
    if (bda) {
        uint64_t ebda = (uint64_t)(bda[0] | (bda[1] << 8)) << 4;

        if (ebda >= ACPI_EBDA_MIN && ebda + ACPI_EBDA_SCAN_LEN <= ACPI_EBDA_END &&
            scan_for_rsdp(&c, ebda, ACPI_EBDA_SCAN_LEN, rsdp_pa, rsdp_len))
            return 0;
    }

    /* ... then the BIOS read-only area 0xE0000-0xFFFFF. */
    if (!map(opaque, ACPI_BIOS_ROM_START, ACPI_BIOS_ROM_END - ACPI_BIOS_ROM_START))
        return -HV_EFAULT;
    if (scan_for_rsdp(&c, ACPI_BIOS_ROM_START, ACPI_BIOS_ROM_END - ACPI_BIOS_ROM_START,
                      rsdp_pa, rsdp_len))
        return 0;
    return -HV_ENOENT;
}

int acpi_parse_s5(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *opaque,
                  struct acpi_s5 *out, char *err, size_t errlen)
{
    struct acpi_ctx c = { .map = map, .opaque = opaque, .err = err, .errlen = errlen };
    struct acpi_rsdp r;
    const uint8_t *fadt, *dsdt;
    uint32_t fadt_len, dsdt_len;
    size_t used;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof(*out));
    if (!rsdp)
        return fail(&c, -HV_EINVAL, "no RSDP");

    rc = check_rsdp(&c, rsdp, rsdp_len, &r, &used);
    if (rc)
        return rc;
    memcpy(out->oem_id, r.oem_id, sizeof(r.oem_id));
    out->oem_id[sizeof(r.oem_id)] = '\0';
    out->revision = r.revision;

    rc = find_table(&c, &r, ACPI_SIG_FADT, &fadt, &fadt_len, &out->fadt_pa);
    if (rc)
        return rc;
    rc = read_fadt(&c, fadt, fadt_len, out);
    if (rc)
        return rc;

    /* "Differentiated System Description Table (DSDT)": a header followed
     * by AML. */
    rc = load_table(&c, out->dsdt_pa, ACPI_SIG_DSDT, &dsdt, &dsdt_len);
    if (rc)
        return rc;
    return find_s5(&c, dsdt + ACPI_SDT_HDR_LEN, dsdt_len - ACPI_SDT_HDR_LEN, out);
}

uint16_t acpi_pm1_cnt_s5(uint16_t slp_typ)
{
    /* "PM1 Control Registers": SLP_TYPx in bits 12:10, SLP_EN is bit 13. */
    return (uint16_t)(((slp_typ & ACPI_SLP_TYP_MAX) << ACPI_PM1_CNT_SLP_TYP_SHIFT) |
                      ACPI_PM1_CNT_SLP_EN);
}

/* ---------------------------------------------------------------------
 * Platform facts: PM timer (FADT), HPET ("HPET" table), CPUs (MADT)
 * --------------------------------------------------------------------- */

static void read_pm_timer(const uint8_t *f, uint32_t len, struct acpi_platform *out)
{
    uint32_t flags, blk;
    memcpy(&flags, f + offsetof(struct acpi_fadt, flags), sizeof(flags));
    if (flags & ACPI_FADT_HW_REDUCED_ACPI)
        return;
    memcpy(&blk, f + offsetof(struct acpi_fadt, pm_tmr_blk), sizeof(blk));
    uint64_t port = f[offsetof(struct acpi_fadt, pm_tmr_len)] == 4 ? blk : 0;
    if (ACPI_FADT_HAS(len, x_pm_tmr_blk)) {
        struct acpi_gas x;
        memcpy(&x, f + offsetof(struct acpi_fadt, x_pm_tmr_blk), sizeof(x));
        if (x.address && x.space_id == ACPI_GAS_SYSTEM_IO)
            port = x.address;
    }
    if (port == 0 || port > UINT16_MAX)
        return;
    out->pm_timer_port = (uint16_t)port;
    out->pm_timer_32bit = flags & ACPI_FADT_TMR_VAL_EXT;
}

static void read_madt(const uint8_t *t, uint32_t len, struct acpi_platform *out)
{
    out->has_madt = true;
    for (uint32_t off = sizeof(struct acpi_madt); off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len)
            break;                              /* malformed: stop counting */
        uint32_t flags = 0, id = 0;
        if (type == ACPI_MADT_TYPE_LAPIC && elen >= sizeof(struct acpi_madt_lapic)) {
            memcpy(&flags, t + off + offsetof(struct acpi_madt_lapic, flags), sizeof(flags));
            id = t[off + offsetof(struct acpi_madt_lapic, apic_id)];
        } else if (type == ACPI_MADT_TYPE_X2APIC && elen >= sizeof(struct acpi_madt_x2apic)) {
            memcpy(&flags, t + off + offsetof(struct acpi_madt_x2apic, flags), sizeof(flags));
            memcpy(&id, t + off + offsetof(struct acpi_madt_x2apic, x2apic_id), sizeof(id));
        } else {
            type = 0xFF;
        }
        if (type != 0xFF && (flags & ACPI_MADT_ENABLED)) {
            out->cpus++;
            if (out->ncpu_apic_id < ACPI_MAX_CPUS)
                out->cpu_apic_id[out->ncpu_apic_id++] = id;
        }
        off += elen;
    }
}

static void read_spcr(const uint8_t *t, struct acpi_platform *out)
{
    uint8_t type = t[offsetof(struct acpi_spcr, interface_type)];
    struct acpi_gas g;
    memcpy(&g, t + offsetof(struct acpi_spcr, base_address), sizeof(g));
    if (type != ACPI_SPCR_16550 && type != ACPI_SPCR_16450 && type != ACPI_SPCR_16550_GAS)
        return;
    if (g.space_id == ACPI_GAS_SYSTEM_IO && g.address && g.address <= 0xFFF8)
        out->spcr_port = (uint16_t)g.address;
    else if (g.space_id == ACPI_GAS_SYSTEM_MEMORY && g.address)
        out->spcr_mmio = g.address;
}

int acpi_parse_platform(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *opaque,
                        struct acpi_platform *out, char *err, size_t errlen)
{
    struct acpi_ctx c = { .map = map, .opaque = opaque, .err = err, .errlen = errlen };
    struct acpi_rsdp r;
    const uint8_t *t;
    uint32_t len;
    uint64_t pa;
    size_t used;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof(*out));
    if (!rsdp)
        return fail(&c, -HV_EINVAL, "no RSDP");
    rc = check_rsdp(&c, rsdp, rsdp_len, &r, &used);
    if (rc)
        return rc;
    /* Each table is optional: a missing or broken one just leaves its facts out. */
    if (find_table(&c, &r, ACPI_SIG_FADT, &t, &len, &pa) == 0 && len >= ACPI_FADT_V1_LEN)
        read_pm_timer(t, len, out);
    if (find_table(&c, &r, ACPI_SIG_HPET, &t, &len, &pa) == 0 &&
        len >= sizeof(struct acpi_hpet)) {
        struct acpi_gas g;
        memcpy(&g, t + offsetof(struct acpi_hpet, base_address), sizeof(g));
        if (g.space_id == ACPI_GAS_SYSTEM_MEMORY && g.address)
            out->hpet_base = g.address;
    }
    if (find_table(&c, &r, ACPI_SIG_MADT, &t, &len, &pa) == 0)
        read_madt(t, len, out);
    if (find_table(&c, &r, ACPI_SIG_SPCR, &t, &len, &pa) == 0 &&
        len >= sizeof(struct acpi_spcr))
        read_spcr(t, out);
    if (err && errlen)
        err[0] = '\0';
    return 0;
}
