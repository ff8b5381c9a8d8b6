/*
 * ACPI table builder (see guest/acpi_tables.h).
 *
 * Each table is streamed to the writer: its body first, entry by entry,
 * while its checksum is accumulated, then the header (which holds the final
 * length and checksum). No table is ever built whole on the stack, so a
 * MADT for 255 CPUs costs nothing extra. The layout is computed up front
 * from fixed sizes, so every pointer is known before the first write.
 *
 * Section titles of the ACPI specification are quoted so they can be found
 * in any version of it.
 */
#include "guest/acpi_tables.h"
#include "drivers/virt/vacpi_pm.h"
#include "drivers/virt/vi8042.h"
#include "drivers/virt/vrtc.h"
#include <hv/acpi_layout.h>
#include <hv/board_layout.h>
#include <hv/errno.h>
#include <hv/string.h>

/* ---- layouts: include/hv/acpi_layout.h ---- */

#define HDR_LEN             ACPI_SDT_HDR_LEN
#define FACS_VERSION        2
#define FADT_REVISION       6
#define FADT_MINOR_VERSION  0
#define FADT_LEN            sizeof(struct acpi_fadt)
#define MADT_REVISION       4           /* ACPI 6.0 Errata A */
#define MADT_LINT1          1
#define ISA_IRQ_CASCADE     2
#define ISA_IRQS            16

/* A table's bytes after its header: what is streamed before the header. */
#define BODY(t)             ((const uint8_t *)&(t) + HDR_LEN)
#define BODY_LEN(t)         (sizeof(t) - HDR_LEN)

#define MADT_LEN(n)         (sizeof(struct acpi_madt) + (n) * sizeof(struct acpi_madt_lapic) + \
                             sizeof(struct acpi_madt_ioapic) + 2 * sizeof(struct acpi_madt_iso) + \
                             sizeof(struct acpi_madt_lapic_nmi))

/* The DSDT's AML ("ACPI Machine Language (AML) Specification"):
 *   Name (_S5, Package (4) { typ, typ, Zero, Zero })
 * = NameOp NameSeg PackageOp PkgLength NumElements
 *   BytePrefix typ BytePrefix typ ZeroOp ZeroOp */
#define S5_NUM_ELEMENTS     4
#define S5_PKG_LEN          8           /* PkgLength byte .. last element */
#define S5_TYP_A_AT         9           /* offsets of the two SLP_TYP values */
#define S5_TYP_B_AT         11
#define S5_AML_LEN          14
#define DSDT_REVISION       2           /* 64-bit AML integers */
#define DSDT_LEN            (HDR_LEN + S5_AML_LEN)

#define RSDP_REVISION       2
#define SDT_REVISION        1           /* RSDT, XSDT */
#define RSDT_LEN            (HDR_LEN + 2 * sizeof(uint32_t))   /* FADT, MADT */
#define XSDT_LEN            (HDR_LEN + 2 * sizeof(uint64_t))
#define OEM_REVISION        1
#define CREATOR_REVISION    1
#define TABLE_ALIGN         16
#define LIMIT_32BIT         GiB(4)

/* ---- layout ---- */

struct layout {
    uint64_t rsdp, facs, rsdt, xsdt, fadt, madt, dsdt, end;
};

static void plan(const struct acpi_tables_config *cfg, struct layout *l)
{
    l->rsdp = cfg->base;
    l->facs = ALIGN_UP(l->rsdp + sizeof(struct acpi_rsdp), ACPI_FACS_ALIGN);
    l->rsdt = ALIGN_UP(l->facs + sizeof(struct acpi_facs), TABLE_ALIGN);
    l->xsdt = ALIGN_UP(l->rsdt + RSDT_LEN, TABLE_ALIGN);
    l->fadt = ALIGN_UP(l->xsdt + XSDT_LEN, TABLE_ALIGN);
    l->madt = ALIGN_UP(l->fadt + FADT_LEN, TABLE_ALIGN);
    l->dsdt = ALIGN_UP(l->madt + MADT_LEN(cfg->ncpus), TABLE_ALIGN);
    l->end = l->dsdt + DSDT_LEN;
}

uint64_t acpi_tables_len(const struct acpi_tables_config *cfg)
{
    struct layout l;

    if (cfg->ncpus == 0 || cfg->ncpus > ACPI_TABLES_MAX_CPUS ||
        cfg->base > UINT64_MAX - GiB(1))
        return 0;
    plan(cfg, &l);
    return l.end - cfg->base;
}

/* ---- streaming a table ---- */

struct out {
    acpi_tables_write_fn write;
    void *ctx;
    int err;                    /* first error from write; nothing written after it */
};

struct table {
    struct out *o;
    uint64_t gpa;
    uint32_t len;               /* bytes so far, header included */
    uint8_t sum;                /* of the body bytes so far */
};

static uint8_t sum8(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    while (n--)
        s = (uint8_t)(s + *b++);
    return s;
}

static void out_write(struct out *o, uint64_t gpa, const void *data, size_t len)
{
    if (!o->err)
        o->err = o->write(o->ctx, gpa, data, len);
}

static void table_begin(struct table *t, struct out *o, uint64_t gpa)
{
    *t = (struct table){ .o = o, .gpa = gpa, .len = HDR_LEN, .sum = 0 };
}

static void table_put(struct table *t, const void *data, size_t len)
{
    out_write(t->o, t->gpa + t->len, data, len);
    t->sum = (uint8_t)(t->sum + sum8(data, len));
    t->len += (uint32_t)len;
}

/* Write the header last: now the length and checksum are known. */
static void table_end(struct table *t, const char sig[4], uint8_t revision)
{
    struct acpi_sdt_header h;

    memset(&h, 0, sizeof(h));
    memcpy(h.signature, sig, sizeof(h.signature));
    h.length = t->len;
    h.revision = revision;
    memcpy(h.oem_id, ACPI_TABLES_OEM_ID, sizeof(h.oem_id));
    memcpy(h.oem_table_id, ACPI_TABLES_CREATOR_ID, 4);
    memcpy(h.oem_table_id + 4, sig, 4);
    h.oem_revision = OEM_REVISION;
    memcpy(h.creator_id, ACPI_TABLES_CREATOR_ID, sizeof(h.creator_id));
    h.creator_revision = CREATOR_REVISION;
    h.checksum = (uint8_t)-(sum8(&h, sizeof(h)) + t->sum);
    out_write(t->o, t->gpa, &h, sizeof(h));
}

/* ---- the tables ---- */

static void write_rsdp(struct out *o, const struct layout *l)
{
    struct acpi_rsdp r;

    memset(&r, 0, sizeof(r));
    memcpy(r.signature, ACPI_RSDP_SIG, sizeof(r.signature));
    memcpy(r.oem_id, ACPI_TABLES_OEM_ID, sizeof(r.oem_id));
    r.revision = RSDP_REVISION;
    r.rsdt_address = (uint32_t)l->rsdt;
    r.length = sizeof(r);
    r.xsdt_address = l->xsdt;
    r.checksum = (uint8_t)-sum8(&r, ACPI_RSDP_V1_LEN);
    r.extended_checksum = (uint8_t)-sum8(&r, sizeof(r));
    out_write(o, l->rsdp, &r, sizeof(r));
}

static void write_facs(struct out *o, const struct layout *l)
{
    struct acpi_facs f;

    memset(&f, 0, sizeof(f));
    memcpy(f.signature, ACPI_SIG_FACS, sizeof(f.signature));
    f.length = sizeof(f);
    f.version = FACS_VERSION;
    out_write(o, l->facs, &f, sizeof(f));
}

static void write_roots(struct out *o, const struct layout *l)
{
    uint32_t r32[2] = { (uint32_t)l->fadt, (uint32_t)l->madt };
    uint64_t r64[2] = { l->fadt, l->madt };
    struct table t;

    table_begin(&t, o, l->rsdt);
    table_put(&t, r32, sizeof(r32));
    table_end(&t, ACPI_SIG_RSDT, SDT_REVISION);

    table_begin(&t, o, l->xsdt);
    table_put(&t, r64, sizeof(r64));
    table_end(&t, ACPI_SIG_XSDT, SDT_REVISION);
}

static struct acpi_gas io_gas(uint16_t port, unsigned bytes, uint8_t access_size)
{
    return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = (uint8_t)(8 * bytes),
                              .bit_offset = 0, .access_size = access_size, .address = port };
}

static void write_fadt(struct out *o, const struct acpi_tables_config *cfg,
                       const struct layout *l)
{
    struct acpi_fadt f;
    struct table t;

    memset(&f, 0, sizeof(f));
    /* FIRMWARE_CTRL only: X_FIRMWARE_CTRL must be 0 when it is used. */
    f.firmware_ctrl = (uint32_t)l->facs;
    f.dsdt = (uint32_t)l->dsdt;
    f.x_dsdt = l->dsdt;
    f.preferred_pm_profile = ACPI_FADT_PM_PROFILE_UNSPECIFIED;
    f.sci_int = cfg->sci_irq;
    f.smi_cmd = 0;                      /* no SMM: always in ACPI mode */
    f.pm1a_evt_blk = cfg->pm1a_evt_blk;
    f.pm1a_cnt_blk = cfg->pm1a_cnt_blk;
    f.pm_tmr_blk = cfg->pm_tmr_blk;
    f.pm1_evt_len = VACPI_PM1_EVT_LEN;
    f.pm1_cnt_len = VACPI_PM1_CNT_LEN;
    f.pm_tmr_len = VACPI_PM_TMR_LEN;
    f.p_lvl2_lat = ACPI_FADT_C2_UNSUPPORTED;
    f.p_lvl3_lat = ACPI_FADT_C3_UNSUPPORTED;
    f.century = cfg->rtc_century;
    f.iapc_boot_arch = ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_8042;
    f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
              ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC;
    if (cfg->reset_port) {
        f.flags |= ACPI_FADT_RESET_REG_SUP;
        f.reset_reg = io_gas(cfg->reset_port, 1, ACPI_GAS_ACCESS_BYTE);
        f.reset_value = cfg->reset_value;
    }
    f.minor_version = FADT_MINOR_VERSION;
    f.x_pm1a_evt_blk = io_gas(cfg->pm1a_evt_blk, VACPI_PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD);
    f.x_pm1a_cnt_blk = io_gas(cfg->pm1a_cnt_blk, VACPI_PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD);
    f.x_pm_tmr_blk = io_gas(cfg->pm_tmr_blk, VACPI_PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD);

    table_begin(&t, o, l->fadt);
    table_put(&t, BODY(f), BODY_LEN(f));
    table_end(&t, ACPI_SIG_FADT, FADT_REVISION);
}

static void write_madt(struct out *o, const struct acpi_tables_config *cfg,
                       const struct layout *l)
{
    struct acpi_madt m = { .lapic_addr = cfg->lapic_addr, .flags = ACPI_MADT_PCAT_COMPAT };
    struct acpi_madt_ioapic io = {
        .type = ACPI_MADT_TYPE_IOAPIC, .length = sizeof(io), .ioapic_id = cfg->ioapic_id,
        .address = cfg->ioapic_addr, .gsi_base = cfg->ioapic_gsi_base,
    };
    struct acpi_madt_iso iso[2] = {
        { .type = ACPI_MADT_TYPE_ISO, .length = sizeof(struct acpi_madt_iso),
          .bus = ACPI_MADT_ISA_BUS, .source = BOARD_PIT_IRQ, .gsi = BOARD_PIT_GSI,
          .flags = ACPI_MPS_INTI_CONFORMS },
        { .type = ACPI_MADT_TYPE_ISO, .length = sizeof(struct acpi_madt_iso),
          .bus = ACPI_MADT_ISA_BUS, .source = cfg->sci_irq, .gsi = cfg->sci_irq,
          .flags = ACPI_MPS_INTI_LEVEL | ACPI_MPS_INTI_ACTIVE_HIGH },
    };
    struct acpi_madt_lapic_nmi nmi = {
        .type = ACPI_MADT_TYPE_LAPIC_NMI, .length = sizeof(nmi),
        .processor_uid = ACPI_MADT_ALL_PROCESSORS, .flags = ACPI_MPS_INTI_CONFORMS,
        .lint = MADT_LINT1,
    };
    struct table t;

    table_begin(&t, o, l->madt);
    table_put(&t, BODY(m), BODY_LEN(m));
    for (unsigned i = 0; i < cfg->ncpus; i++) {
        struct acpi_madt_lapic a = {
            .type = ACPI_MADT_TYPE_LAPIC, .length = sizeof(a), .processor_uid = (uint8_t)i,
            .apic_id = (uint8_t)i, .flags = ACPI_MADT_ENABLED,
        };
        table_put(&t, &a, sizeof(a));
    }
    table_put(&t, &io, sizeof(io));
    table_put(&t, iso, sizeof(iso));
    table_put(&t, &nmi, sizeof(nmi));
    table_end(&t, ACPI_SIG_MADT, MADT_REVISION);
}

static void write_dsdt(struct out *o, const struct acpi_tables_config *cfg,
                       const struct layout *l)
{
    uint8_t aml[S5_AML_LEN] = {
        AML_NAME_OP, '_', 'S', '5', '_',
        AML_PACKAGE_OP, S5_PKG_LEN, S5_NUM_ELEMENTS,
        AML_BYTE_PREFIX, 0, AML_BYTE_PREFIX, 0, AML_ZERO_OP, AML_ZERO_OP,
    };
    struct table t;

    aml[S5_TYP_A_AT] = cfg->s5_slp_typ;        /* PM1a_CNT.SLP_TYP */
    aml[S5_TYP_B_AT] = cfg->s5_slp_typ;        /* PM1b_CNT.SLP_TYP (no PM1b) */
    table_begin(&t, o, l->dsdt);
    table_put(&t, aml, sizeof(aml));
    table_end(&t, ACPI_SIG_DSDT, DSDT_REVISION);
}

/* ---- exported ---- */

void acpi_tables_default_config(struct acpi_tables_config *cfg, unsigned ncpus)
{
    *cfg = (struct acpi_tables_config){
        .ncpus = ncpus,
        .lapic_addr = (uint32_t)BOARD_LAPIC_BASE,
        .ioapic_id = BOARD_IOAPIC_ID,
        .ioapic_addr = (uint32_t)BOARD_IOAPIC_BASE,
        .ioapic_gsi_base = BOARD_IOAPIC_GSI_BASE,
        .pm1a_evt_blk = BOARD_ACPI_PM_PORT + VACPI_PM1_STS_OFF,
        .pm1a_cnt_blk = BOARD_ACPI_PM_PORT + VACPI_PM1_CNT_OFF,
        .pm_tmr_blk = BOARD_ACPI_PM_PORT + VACPI_PM_TMR_OFF,
        .sci_irq = BOARD_SCI_IRQ,
        .s5_slp_typ = BOARD_S5_SLP_TYP,
        .reset_port = BOARD_RESET_PORT,
        .reset_value = VI8042_RST_CPU | VI8042_RST_SYS,
        .rtc_century = VRTC_REG_CENTURY,
        .base = BOARD_ACPI_BASE,
        .size = BOARD_ACPI_SIZE,
    };
}

int acpi_tables_build(const struct acpi_tables_config *cfg, acpi_tables_write_fn write,
                      void *ctx)
{
    struct out o = { .write = write, .ctx = ctx, .err = 0 };
    struct layout l;
    uint64_t len;

    if (!cfg || !write)
        return -HV_EINVAL;
    len = acpi_tables_len(cfg);
    if (len == 0 || !IS_ALIGNED(cfg->base, ACPI_RSDP_ALIGN) ||
        cfg->s5_slp_typ > ACPI_SLP_TYP_MAX || cfg->sci_irq == BOARD_PIT_IRQ ||
        cfg->sci_irq == ISA_IRQ_CASCADE || cfg->sci_irq >= ISA_IRQS ||
        cfg->pm1a_evt_blk == 0 || cfg->pm1a_cnt_blk == 0 || cfg->pm_tmr_blk == 0)
        return -HV_EINVAL;
    if (cfg->base + len > LIMIT_32BIT)
        return -HV_EINVAL;
    if (len > cfg->size)
        return -HV_E2BIG;

    plan(cfg, &l);
    write_rsdp(&o, &l);
    write_facs(&o, &l);
    write_roots(&o, &l);
    write_fadt(&o, cfg, &l);
    write_madt(&o, cfg, &l);
    write_dsdt(&o, cfg, &l);
    return o.err;
}
