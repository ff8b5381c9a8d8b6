/*
 * Fuzz target: the host ACPI table parser (boot/acpi.c): acpi_parse_s5 from
 * an RSDP through RSDT/XSDT, FADT and the DSDT's \_S5_ package, and
 * acpi_find_rsdp over the BIOS areas.
 * Input: byte 0 = flags; then 36 bytes of RSDP; the rest is "physical
 * memory" at 0x100000. To get past the checksums, the harness fixes the
 * RSDP's and every table's checksum it finds by signature (RSDT, XSDT,
 * FACP, DSDT, APIC) unless flag bit 0 says not to. Each acpi_map_fn call
 * returns a fresh heap copy of exactly the bytes asked for, so reading past
 * a mapped range (e.g. past a table's Length) is an AddressSanitizer
 * finding. Flag bit 1 instead runs acpi_find_rsdp with the input placed in
 * the BIOS ROM area or the EBDA.
 * Checked: the result code is one of the documented ones with a reason; on
 * success PM1a_CNT is non-zero, SLP_TYPa/b fit in 3 bits, and the OEM ID is
 * terminated; acpi_find_rsdp returns a 16-byte-aligned address inside the
 * areas searched, with length 20 or at least 36.
 */
#include "tests/fuzz/fuzz.h"
#include <hv/errno.h>
#include "boot/acpi.h"

#define MEM_BASE 0x100000ULL
#define MAX_MAPS 256

static const uint8_t *blob;
static size_t blob_len;
static void *maps[MAX_MAPS];
static unsigned nmaps;

static const void *map_copy(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    if (pa < MEM_BASE || pa - MEM_BASE > blob_len || len > blob_len - (pa - MEM_BASE))
        return NULL;
    CHECK(nmaps < MAX_MAPS, "more than %d map calls", MAX_MAPS);
    void *p = malloc(len ? len : 1);
    memcpy(p, blob + (pa - MEM_BASE), len);
    maps[nmaps++] = p;
    return p;
}

/* Low memory for acpi_find_rsdp: 1 MiB, mapped in place. */
static uint8_t *low;
static const void *map_low(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    if (pa > MiB(1) || len > MiB(1) - pa)
        return NULL;
    return low + pa;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    p[at] = (uint8_t)-s;
}

static void fix_tables(uint8_t *m, size_t n)
{
    static const char *const sigs[] = { "RSDT", "XSDT", "FACP", "DSDT", "APIC" };
    for (size_t off = 0; off + 36 <= n; off++) {
        for (unsigned s = 0; s < 5; s++) {
            if (memcmp(m + off, sigs[s], 4))
                continue;
            uint32_t len;
            memcpy(&len, m + off + 4, 4);
            if (len >= 36 && len <= n - off)
                fix_sum(m + off, len, 9);
        }
    }
}

static void find_rsdp(const uint8_t *data, size_t size, uint8_t flags)
{
    if (!low)
        low = calloc(1, MiB(1));
    /* Bit 2: in the EBDA (segment from the input), else in the ROM area. */
    uint64_t at;
    if (flags & 4) {
        uint16_t seg = size >= 2 ? (uint16_t)(data[0] | data[1] << 8) : 0;
        memcpy(low + ACPI_BDA_EBDA_SEG, &seg, 2);
        at = ((uint64_t)seg << 4) + (size >= 3 ? data[2] & 0xF0 : 0);
    } else {
        at = ACPI_BIOS_ROM_START + ((size >= 3 ? (data[1] | data[2] << 8) : 0) & 0x1FFF0);
    }
    size_t n = at < MiB(1) ? MIN(size, MiB(1) - at) : 0;
    uint8_t *p = low + at;
    if (n)
        memcpy(p, data, n);
    if (n >= 20 && !(flags & 1)) {
        fix_sum(p, 20, 8);
        if (n >= 36 && p[15] >= 2) {
            uint32_t len;
            memcpy(&len, p + 20, 4);
            if (len >= 36 && len <= n)
                fix_sum(p, len, 32);
        }
    }
    uint64_t pa = 0;
    size_t len = 0;
    int rc = acpi_find_rsdp(map_low, NULL, &pa, &len);
    CHECK(rc == 0 || rc == -HV_ENOENT || rc == -HV_EFAULT, "acpi_find_rsdp: %d", rc);
    if (rc == 0) {
        CHECK(pa % ACPI_RSDP_ALIGN == 0 && (len == ACPI_RSDP_V1_LEN || len >= ACPI_RSDP_V2_LEN),
              "RSDP at 0x%llx, %zu bytes", (unsigned long long)pa, len);
        CHECK(pa + len <= MiB(1) && !memcmp(low + pa, "RSD PTR ", 8), "RSDP at 0x%llx",
              (unsigned long long)pa);
    }
    /* Put low memory back to zeros. */
    memset(low + ACPI_BDA_EBDA_SEG, 0, 2);
    if (n)
        memset(p, 0, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    if (flags & 2) {
        find_rsdp(data + 1, size - 1, flags);
        return 0;
    }
    uint8_t rsdp[ACPI_RSDP_V2_LEN] = { 0 };
    size_t rl = MIN(size - 1, sizeof(rsdp));
    memcpy(rsdp, data + 1, rl);
    size_t rsdp_len = (flags & 8) ? ACPI_RSDP_V1_LEN : rl;
    size_t mlen = size - 1 - rl;
    uint8_t *m = malloc(mlen ? mlen : 1);
    memcpy(m, data + 1 + rl, mlen);
    if (!(flags & 1)) {
        fix_sum(rsdp, ACPI_RSDP_V1_LEN, 8);
        fix_sum(rsdp, ACPI_RSDP_V2_LEN, 32);
        fix_tables(m, mlen);
    }
    uint8_t *r = malloc(rsdp_len);     /* exactly rsdp_len bytes */
    memcpy(r, rsdp, rsdp_len);
    blob = m;
    blob_len = mlen;
    nmaps = 0;

    struct acpi_s5 s5;
    char err[160];
    memset(err, 'X', sizeof(err));
    int rc = acpi_parse_s5(r, rsdp_len, map_copy, NULL, &s5, err, sizeof(err));
    CHECK(memchr(err, 0, sizeof(err)), "reason not terminated");
    if (rc) {
        CHECK(rc == -HV_EINVAL || rc == -HV_EFAULT || rc == -HV_ENOENT || rc == -HV_ENODEV,
              "acpi_parse_s5: %d", rc);
        CHECK(err[0], "failure %d without a reason", rc);
    } else {
        CHECK(s5.pm1a_cnt != 0, "PM1a_CNT 0");
        CHECK(s5.slp_typa <= ACPI_SLP_TYP_MAX && s5.slp_typb <= ACPI_SLP_TYP_MAX,
              "SLP_TYP %u/%u", s5.slp_typa, s5.slp_typb);
        CHECK(memchr(s5.oem_id, 0, sizeof(s5.oem_id)), "OEM ID not terminated");
    }
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "acpi_parse_s5: %d %s\n", rc, rc ? err : "");
    for (unsigned i = 0; i < nmaps; i++)
        free(maps[i]);
    free(r);
    free(m);
    return 0;
}
