/*
 * poweroff: switches itself off the way an ACPI OS does.
 *
 *   - finds the RSDP: "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF
 *     with a valid checksum (and extended checksum for revision 2);
 *   - follows the RSDT (signature, checksum) to the FADT ("FACP") and the
 *     MADT ("APIC");
 *   - FADT: PM1a_CNT_BLK (0x604 expected), PM_TMR_BLK (0x608), the DSDT;
 *   - DSDT: finds the \_S5_ object, NameOp '_S5_' PackageOp PkgLength
 *     NumElements, and takes the first element (BytePrefix n, ZeroOp,
 *     OneOp) as SLP_TYPa (5 expected);
 *   - MADT: local APIC address 0xFEE00000, exactly one enabled local APIC,
 *     exactly one IOAPIC at 0xFEC00000 (GSI base 0), the override ISA IRQ 0
 *     -> GSI 2; prints what it found; reads the IOAPIC version register;
 *   - prints the final PASS line, then writes SLP_TYP << 10 | SLP_EN
 *     (1 << 13) to PM1a_CNT. The hypervisor powers the guest off; if the
 *     write returns, "FAIL poweroff: still running after the S5 request".
 */
#include "guest.h"

#define BIOS_AREA_START  0xE0000u
#define BIOS_AREA_END    0x100000u
#define SLP_EN           (1u << 13)
#define SLP_TYP_SHIFT    10

struct __attribute__((packed)) rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;            /* revision 2+ */
    uint64_t xsdt;
    uint8_t ext_checksum;
    uint8_t reserved[3];
};

struct __attribute__((packed)) sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};

/* FADT field offsets (ACPI 6.5, table "FADT Format"). */
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_PM1A_EVT_BLK  56
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM_TMR_BLK    76

/* MADT */
#define MADT_LAPIC_ADDR    36
#define MADT_ENTRIES       44
#define MADT_LAPIC         0
#define MADT_IOAPIC        1
#define MADT_ISO           2
#define MADT_LAPIC_NMI     4

static uint8_t sum(const void *p, uint32_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (len--)
        s = (uint8_t)(s + *b++);
    return s;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static const struct rsdp *find_rsdp(void)
{
    for (uint32_t a = BIOS_AREA_START; a < BIOS_AREA_END; a += 16) {
        const struct rsdp *r = (const struct rsdp *)(uintptr_t)a;
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sum(r, 20) == 0)
            return r;
    }
    return 0;
}

static bool table_ok(const struct sdt_header *t, const char *sig)
{
    return t && memcmp(t->signature, sig, 4) == 0 && t->length >= sizeof(*t) &&
           t->length < 0x10000 && sum(t, t->length) == 0;
}

static const struct sdt_header *rsdt_find(const struct sdt_header *rsdt, const char *sig)
{
    uint32_t n = (rsdt->length - sizeof(*rsdt)) / 4;
    const uint8_t *entries = (const uint8_t *)rsdt + sizeof(*rsdt);
    for (uint32_t i = 0; i < n; i++) {
        const struct sdt_header *t = (const struct sdt_header *)(uintptr_t)rd32(entries + 4 * i);
        if (memcmp(t->signature, sig, 4) == 0)
            return t;
    }
    return 0;
}

/* SLP_TYPa from the DSDT's \_S5_ package, or -1. */
static int find_s5(const struct sdt_header *dsdt)
{
    const uint8_t *aml = (const uint8_t *)dsdt + sizeof(*dsdt);
    const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
    for (const uint8_t *p = aml; p + 4 <= end; p++) {
        if (memcmp(p, "_S5_", 4) != 0)
            continue;
        /* NameOp (0x08) precedes, possibly with a root prefix '\'. */
        if (!(p > aml && (p[-1] == 0x08 || (p[-1] == '\\' && p > aml + 1 && p[-2] == 0x08))))
            continue;
        const uint8_t *q = p + 4;
        if (q >= end || *q++ != 0x12)          /* PackageOp */
            continue;
        q += 1 + (*q >> 6);                    /* PkgLength: lead byte + 0-3 more */
        q++;                                   /* NumElements */
        if (q >= end)
            return -1;
        switch (*q) {
        case 0x0A: return q + 1 < end ? q[1] : -1;   /* BytePrefix */
        case 0x00: return 0;                          /* ZeroOp */
        case 0x01: return 1;                          /* OneOp */
        default:   return -1;
        }
    }
    return -1;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("poweroff");

    const struct rsdp *rsdp = find_rsdp();
    check(rsdp != 0, "RSDP found at %p", rsdp);
    if (!rsdp)
        return test_end();
    char oem[7];
    memcpy(oem, rsdp->oem_id, 6);
    oem[6] = '\0';
    note("RSDP revision %u, OEM '%s', RSDT at 0x%08x", rsdp->revision, oem, rsdp->rsdt);
    if (rsdp->revision >= 2)
        check(sum(rsdp, rsdp->length) == 0, "RSDP extended checksum (length %u)", rsdp->length);

    const struct sdt_header *rsdt = (const struct sdt_header *)(uintptr_t)rsdp->rsdt;
    check(table_ok(rsdt, "RSDT"), "RSDT signature and checksum (length %u)", rsdt->length);
    const struct sdt_header *fadt = rsdt_find(rsdt, "FACP");
    const struct sdt_header *madt = rsdt_find(rsdt, "APIC");
    check(table_ok(fadt, "FACP"), "FADT found at %p, checksum ok", fadt);
    check(table_ok(madt, "APIC"), "MADT found at %p, checksum ok", madt);
    if (!fadt || !madt)
        return test_end();

    const uint8_t *f = (const uint8_t *)fadt;
    uint32_t pm1a_cnt = rd32(f + FADT_PM1A_CNT_BLK);
    uint32_t pm_tmr = rd32(f + FADT_PM_TMR_BLK);
    note("FADT: PM1a_EVT_BLK 0x%x, PM1a_CNT_BLK 0x%x, PM_TMR_BLK 0x%x, SCI_INT %u, DSDT 0x%08x",
         rd32(f + FADT_PM1A_EVT_BLK), pm1a_cnt, pm_tmr, rd16(f + FADT_SCI_INT),
         rd32(f + FADT_DSDT));
    check_eq("FADT PM1a_CNT_BLK", pm1a_cnt, 0x604);
    check_eq("FADT PM_TMR_BLK", pm_tmr, 0x608);

    const struct sdt_header *dsdt = (const struct sdt_header *)(uintptr_t)rd32(f + FADT_DSDT);
    check(table_ok(dsdt, "DSDT"), "DSDT signature and checksum (length %u)", dsdt->length);
    int slp_typ = find_s5(dsdt);
    note("\\_S5_ package: SLP_TYPa %d", slp_typ);
    check(slp_typ == 5, "\\_S5_ SLP_TYPa = %d (expected 5)", slp_typ);

    /* MADT */
    const uint8_t *m = (const uint8_t *)madt;
    uint32_t lapic_addr = rd32(m + MADT_LAPIC_ADDR);
    check_eq("MADT local APIC address", lapic_addr, 0xFEE00000u);
    unsigned lapics = 0, ioapics = 0, overrides = 0;
    uint32_t ioapic_addr = 0, ioapic_gsi = ~0u, irq0_gsi = 0;
    bool irq0_override = false;
    for (uint32_t off = MADT_ENTRIES; off + 2 <= madt->length;) {
        const uint8_t *e = m + off;
        if (e[1] < 2)
            break;
        switch (e[0]) {
        case MADT_LAPIC:
            note("MADT: local APIC, processor UID %u, APIC ID %u, flags 0x%x", e[2], e[3],
                 rd32(e + 4));
            if (rd32(e + 4) & 1)
                lapics++;
            break;
        case MADT_IOAPIC:
            ioapics++;
            ioapic_addr = rd32(e + 4);
            ioapic_gsi = rd32(e + 8);
            note("MADT: IOAPIC ID %u at 0x%08x, GSI base %u", e[2], ioapic_addr, ioapic_gsi);
            break;
        case MADT_ISO:
            overrides++;
            note("MADT: override bus %u IRQ %u -> GSI %u, flags 0x%x", e[2], e[3], rd32(e + 4),
                 rd16(e + 8));
            if (e[3] == 0) {
                irq0_override = true;
                irq0_gsi = rd32(e + 4);
            }
            break;
        case MADT_LAPIC_NMI:
            note("MADT: local APIC NMI, processor UID 0x%x, LINT%u", e[2], e[5]);
            break;
        default:
            note("MADT: entry type %u, length %u", e[0], e[1]);
            break;
        }
        off += e[1];
    }
    check(lapics == 1, "MADT lists %u enabled local APIC(s) (expected 1)", lapics);
    check(ioapics == 1 && ioapic_addr == 0xFEC00000u && ioapic_gsi == 0,
          "MADT lists %u IOAPIC(s), at 0x%08x, GSI base %u (expected 1, 0xfec00000, 0)",
          ioapics, ioapic_addr, ioapic_gsi);
    check(irq0_override && irq0_gsi == 2, "override ISA IRQ 0 -> GSI %u (%u overrides)",
          irq0_gsi, overrides);
    uint32_t ver = ioapic_read(IOAPIC_REG_VERSION);
    note("IOAPIC version register 0x%08x: version 0x%x, %u redirection entries", ver,
         ver & 0xFF, ((ver >> 16) & 0xFF) + 1);
    check((ver & 0xFF) == 0x20 && ((ver >> 16) & 0xFF) == 23,
          "IOAPIC version 0x20 with 24 entries (register 0x%08x)", ver);

    if (slp_typ < 0 || pm1a_cnt == 0) {
        check(false, "no way to power off (SLP_TYP %d, PM1a_CNT 0x%x)", slp_typ, pm1a_cnt);
        return test_end();
    }
    int result = test_end();
    uint16_t value = (uint16_t)((unsigned)slp_typ << SLP_TYP_SHIFT | SLP_EN);
    note("writing 0x%04x to PM1a_CNT (port 0x%x)", value, pm1a_cnt);
    outw((uint16_t)pm1a_cnt, value);
    printf("FAIL poweroff: still running after the S5 request\n");
    (void)result;
    return 1;
}
