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
#include <hv/board.h>
#include <hv/errno.h>
#include <hv/string.h>

/* ---- layouts (all little-endian, byte-packed) ---- */

/* "Root System Description Pointer (RSDP) Structure" */
struct __packed rsdp {
    char     signature[8];
    uint8_t  checksum;              /* bytes 0..19 */
    char     oem_id[6];
    uint8_t  revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t  extended_checksum;     /* all 36 bytes */
    uint8_t  reserved[3];
};
#define RSDP_V1_LEN         20
#define RSDP_ALIGN          16          /* "Finding the RSDP on IA-PC Systems" */
_Static_assert(offsetof(struct rsdp, length) == RSDP_V1_LEN, "RSDP 1.0 part");
_Static_assert(sizeof(struct rsdp) == 36, "RSDP size");

/* "System Description Table Header" */
struct __packed sdt_header {
    char     signature[4];
    uint32_t length;
    uint8_t  revision;
    uint8_t  checksum;
    char     oem_id[6];
    char     oem_table_id[8];
    uint32_t oem_revision;
    char     creator_id[4];
    uint32_t creator_revision;
};
_Static_assert(sizeof(struct sdt_header) == 36, "SDT header size");
#define HDR_LEN             sizeof(struct sdt_header)

/* "Generic Address Structure (GAS)" */
struct __packed gas {
    uint8_t  space_id;
    uint8_t  bit_width;
    uint8_t  bit_offset;
    uint8_t  access_size;
    uint64_t address;
};
_Static_assert(sizeof(struct gas) == 12, "GAS size");

#define GAS_SYSTEM_IO       1
#define GAS_ACCESS_BYTE     1
#define GAS_ACCESS_WORD     2
#define GAS_ACCESS_DWORD    3

/* "Firmware ACPI Control Structure (FACS)" */
struct __packed facs {
    char     signature[4];
    uint32_t length;
    uint32_t hardware_signature;
    uint32_t firmware_waking_vector;
    uint32_t global_lock;
    uint32_t flags;
    uint64_t x_firmware_waking_vector;
    uint8_t  version;
    uint8_t  reserved[3];
    uint32_t ospm_flags;
    uint8_t  reserved2[24];
};
_Static_assert(sizeof(struct facs) == 64, "FACS size");
#define FACS_ALIGN          64
#define FACS_VERSION        2

/* "Fixed ACPI Description Table (FADT)", ACPI 6.0+ (major 6), after the header. */
struct __packed fadt_body {
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t  reserved0;
    uint8_t  preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t  acpi_enable;
    uint8_t  acpi_disable;
    uint8_t  s4bios_req;
    uint8_t  pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t  pm1_evt_len;
    uint8_t  pm1_cnt_len;
    uint8_t  pm2_cnt_len;
    uint8_t  pm_tmr_len;
    uint8_t  gpe0_blk_len;
    uint8_t  gpe1_blk_len;
    uint8_t  gpe1_base;
    uint8_t  cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t  duty_offset;
    uint8_t  duty_width;
    uint8_t  day_alrm;
    uint8_t  mon_alrm;
    uint8_t  century;
    uint16_t iapc_boot_arch;
    uint8_t  reserved1;
    uint32_t flags;
    struct gas reset_reg;
    uint8_t  reset_value;
    uint16_t arm_boot_arch;
    uint8_t  minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct gas x_pm1a_evt_blk;
    struct gas x_pm1b_evt_blk;
    struct gas x_pm1a_cnt_blk;
    struct gas x_pm1b_cnt_blk;
    struct gas x_pm2_cnt_blk;
    struct gas x_pm_tmr_blk;
    struct gas x_gpe0_blk;
    struct gas x_gpe1_blk;
    struct gas sleep_control_reg;
    struct gas sleep_status_reg;
    uint64_t hypervisor_vendor_id;
};
#define FADT_OFF(f)         (HDR_LEN + offsetof(struct fadt_body, f))
_Static_assert(FADT_OFF(sci_int) == 46, "FADT SCI_INT");
_Static_assert(FADT_OFF(pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK");
_Static_assert(FADT_OFF(century) == 108, "FADT CENTURY");
_Static_assert(FADT_OFF(flags) == 112, "FADT Flags");
_Static_assert(FADT_OFF(reset_reg) == 116, "FADT RESET_REG");
_Static_assert(FADT_OFF(x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(FADT_OFF(x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(FADT_OFF(x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(FADT_OFF(hypervisor_vendor_id) == 268, "FADT hypervisor vendor");
#define FADT_LEN            (HDR_LEN + sizeof(struct fadt_body))
_Static_assert(FADT_LEN == 276, "FADT 6.0 size");

#define FADT_REVISION       6
#define FADT_MINOR_VERSION  0
#define FADT_PM_PROFILE_UNSPECIFIED 0
#define FADT_C2_UNSUPPORTED 101         /* P_LVL2_LAT > 100: no C2 */
#define FADT_C3_UNSUPPORTED 1001        /* P_LVL3_LAT > 1000: no C3 */

/* "Fixed ACPI Description Table Fixed Feature Flags" */
#define FADT_F_WBINVD       BIT(0)
#define FADT_F_PROC_C1      BIT(2)
#define FADT_F_PWR_BUTTON   BIT(4)      /* 1: no fixed-feature power button */
#define FADT_F_SLP_BUTTON   BIT(5)      /* 1: no fixed-feature sleep button */
#define FADT_F_FIX_RTC      BIT(6)      /* 1: no RTC wake status in PM1_STS */
#define FADT_F_TMR_VAL_EXT  BIT(8)      /* 32-bit PM timer: not set */
#define FADT_F_RESET_REG_SUP BIT(10)

/* "IA-PC Boot Architecture Flags" */
#define FADT_BOOT_LEGACY_DEVICES BIT(0)
#define FADT_BOOT_8042      BIT(1)

/* "Multiple APIC Description Table (MADT)" */
struct __packed madt_body {
    uint32_t lapic_addr;
    uint32_t flags;
};
#define MADT_REVISION       4           /* ACPI 6.0 Errata A */
#define MADT_F_PCAT_COMPAT  BIT(0)      /* there are 8259 PICs too */

struct __packed madt_lapic {            /* "Processor Local APIC Structure" */
    uint8_t  type, length, processor_uid, apic_id;
    uint32_t flags;
};
struct __packed madt_ioapic {           /* "I/O APIC Structure" */
    uint8_t  type, length, ioapic_id, reserved;
    uint32_t address;
    uint32_t gsi_base;
};
struct __packed madt_iso {              /* "Interrupt Source Override Structure" */
    uint8_t  type, length, bus, source;
    uint32_t gsi;
    uint16_t flags;
};
struct __packed madt_lapic_nmi {        /* "Local APIC NMI Structure" */
    uint8_t  type, length, processor_uid;
    uint16_t flags;
    uint8_t  lint;
};
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC entry");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC entry");
_Static_assert(sizeof(struct madt_iso) == 10, "MADT ISO entry");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI entry");

#define MADT_TYPE_LAPIC     0
#define MADT_TYPE_IOAPIC    1
#define MADT_TYPE_ISO       2
#define MADT_TYPE_LAPIC_NMI 4
#define MADT_LAPIC_ENABLED  BIT(0)
#define MADT_ISA_BUS        0
#define MADT_ALL_PROCESSORS 0xFF
#define MADT_LINT1          1
/* "MPS INTI Flags": polarity bits 1:0, trigger mode bits 3:2. */
#define MPS_INTI_CONFORMS   0x0
#define MPS_INTI_ACTIVE_HIGH 0x1
#define MPS_INTI_LEVEL      (0x3 << 2)
#define ISA_IRQ_CASCADE     2
#define ISA_IRQS            16

#define MADT_LEN(n)         (HDR_LEN + sizeof(struct madt_body) + \
                             (n) * sizeof(struct madt_lapic) + sizeof(struct madt_ioapic) + \
                             2 * sizeof(struct madt_iso) + sizeof(struct madt_lapic_nmi))

/* The DSDT's AML ("ACPI Machine Language (AML) Specification"):
 *   Name (_S5, Package (4) { typ, typ, Zero, Zero })
 * = NameOp NameSeg PackageOp PkgLength NumElements
 *   BytePrefix typ BytePrefix typ ZeroOp ZeroOp */
#define AML_ZERO_OP         0x00
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0A
#define AML_PACKAGE_OP      0x12
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
#define SLP_TYP_MAX         7
#define LIMIT_32BIT         GiB(4)

/* ---- layout ---- */

struct layout {
    uint64_t rsdp, facs, rsdt, xsdt, fadt, madt, dsdt, end;
};

static void plan(const struct acpi_tables_config *cfg, struct layout *l)
{
    l->rsdp = cfg->base;
    l->facs = ALIGN_UP(l->rsdp + sizeof(struct rsdp), FACS_ALIGN);
    l->rsdt = ALIGN_UP(l->facs + sizeof(struct facs), TABLE_ALIGN);
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
    struct sdt_header h;

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
    struct rsdp r;

    memset(&r, 0, sizeof(r));
    memcpy(r.signature, "RSD PTR ", sizeof(r.signature));
    memcpy(r.oem_id, ACPI_TABLES_OEM_ID, sizeof(r.oem_id));
    r.revision = RSDP_REVISION;
    r.rsdt_address = (uint32_t)l->rsdt;
    r.length = sizeof(r);
    r.xsdt_address = l->xsdt;
    r.checksum = (uint8_t)-sum8(&r, RSDP_V1_LEN);
    r.extended_checksum = (uint8_t)-sum8(&r, sizeof(r));
    out_write(o, l->rsdp, &r, sizeof(r));
}

static void write_facs(struct out *o, const struct layout *l)
{
    struct facs f;

    memset(&f, 0, sizeof(f));
    memcpy(f.signature, "FACS", sizeof(f.signature));
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
    table_end(&t, "RSDT", SDT_REVISION);

    table_begin(&t, o, l->xsdt);
    table_put(&t, r64, sizeof(r64));
    table_end(&t, "XSDT", SDT_REVISION);
}

static struct gas io_gas(uint16_t port, unsigned bytes, uint8_t access_size)
{
    return (struct gas){ .space_id = GAS_SYSTEM_IO, .bit_width = (uint8_t)(8 * bytes),
                         .bit_offset = 0, .access_size = access_size, .address = port };
}

static void write_fadt(struct out *o, const struct acpi_tables_config *cfg,
                       const struct layout *l)
{
    struct fadt_body f;
    struct table t;

    memset(&f, 0, sizeof(f));
    /* FIRMWARE_CTRL only: X_FIRMWARE_CTRL must be 0 when it is used. */
    f.firmware_ctrl = (uint32_t)l->facs;
    f.dsdt = (uint32_t)l->dsdt;
    f.x_dsdt = l->dsdt;
    f.preferred_pm_profile = FADT_PM_PROFILE_UNSPECIFIED;
    f.sci_int = cfg->sci_irq;
    f.smi_cmd = 0;                      /* no SMM: always in ACPI mode */
    f.pm1a_evt_blk = cfg->pm1a_evt_blk;
    f.pm1a_cnt_blk = cfg->pm1a_cnt_blk;
    f.pm_tmr_blk = cfg->pm_tmr_blk;
    f.pm1_evt_len = VACPI_PM1_EVT_LEN;
    f.pm1_cnt_len = VACPI_PM1_CNT_LEN;
    f.pm_tmr_len = VACPI_PM_TMR_LEN;
    f.p_lvl2_lat = FADT_C2_UNSUPPORTED;
    f.p_lvl3_lat = FADT_C3_UNSUPPORTED;
    f.century = cfg->rtc_century;
    f.iapc_boot_arch = FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042;
    f.flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
              FADT_F_FIX_RTC;
    if (cfg->reset_port) {
        f.flags |= FADT_F_RESET_REG_SUP;
        f.reset_reg = io_gas(cfg->reset_port, 1, GAS_ACCESS_BYTE);
        f.reset_value = cfg->reset_value;
    }
    f.minor_version = FADT_MINOR_VERSION;
    f.x_pm1a_evt_blk = io_gas(cfg->pm1a_evt_blk, VACPI_PM1_EVT_LEN, GAS_ACCESS_WORD);
    f.x_pm1a_cnt_blk = io_gas(cfg->pm1a_cnt_blk, VACPI_PM1_CNT_LEN, GAS_ACCESS_WORD);
    f.x_pm_tmr_blk = io_gas(cfg->pm_tmr_blk, VACPI_PM_TMR_LEN, GAS_ACCESS_DWORD);

    table_begin(&t, o, l->fadt);
    table_put(&t, &f, sizeof(f));
    table_end(&t, "FACP", FADT_REVISION);
}

static void write_madt(struct out *o, const struct acpi_tables_config *cfg,
                       const struct layout *l)
{
    struct madt_body m = { .lapic_addr = cfg->lapic_addr, .flags = MADT_F_PCAT_COMPAT };
    struct madt_ioapic io = {
        .type = MADT_TYPE_IOAPIC, .length = sizeof(io), .ioapic_id = cfg->ioapic_id,
        .address = cfg->ioapic_addr, .gsi_base = cfg->ioapic_gsi_base,
    };
    struct madt_iso iso[2] = {
        { .type = MADT_TYPE_ISO, .length = sizeof(struct madt_iso), .bus = MADT_ISA_BUS,
          .source = BOARD_PIT_IRQ, .gsi = BOARD_PIT_GSI, .flags = MPS_INTI_CONFORMS },
        { .type = MADT_TYPE_ISO, .length = sizeof(struct madt_iso), .bus = MADT_ISA_BUS,
          .source = cfg->sci_irq, .gsi = cfg->sci_irq,
          .flags = MPS_INTI_LEVEL | MPS_INTI_ACTIVE_HIGH },
    };
    struct madt_lapic_nmi nmi = {
        .type = MADT_TYPE_LAPIC_NMI, .length = sizeof(nmi),
        .processor_uid = MADT_ALL_PROCESSORS, .flags = MPS_INTI_CONFORMS, .lint = MADT_LINT1,
    };
    struct table t;

    table_begin(&t, o, l->madt);
    table_put(&t, &m, sizeof(m));
    for (unsigned i = 0; i < cfg->ncpus; i++) {
        struct madt_lapic a = {
            .type = MADT_TYPE_LAPIC, .length = sizeof(a), .processor_uid = (uint8_t)i,
            .apic_id = (uint8_t)i, .flags = MADT_LAPIC_ENABLED,
        };
        table_put(&t, &a, sizeof(a));
    }
    table_put(&t, &io, sizeof(io));
    table_put(&t, iso, sizeof(iso));
    table_put(&t, &nmi, sizeof(nmi));
    table_end(&t, "APIC", MADT_REVISION);
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
    table_end(&t, "DSDT", DSDT_REVISION);
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
    if (len == 0 || !IS_ALIGNED(cfg->base, RSDP_ALIGN) ||
        cfg->s5_slp_typ > SLP_TYP_MAX || cfg->sci_irq == BOARD_PIT_IRQ ||
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
