/*
 * ACPI table layouts and the constants in them, shared by the host's table
 * parser (boot/acpi.c) and the guest's table builder (guest/acpi_tables.c).
 * All tables are little-endian and byte-packed; both sides copy bytes in
 * and out of these structures (memcpy), never access tables in place.
 *
 * Reference: ACPI Specification 6.5. Section titles are quoted so they can
 * be found in any version; HPET and SPCR are in their own specifications
 * ("IA-PC HPET (High Precision Event Timers) Specification", Microsoft's
 * "Serial Port Console Redirection Table").
 */
#ifndef HV_ACPI_LAYOUT_H
#define HV_ACPI_LAYOUT_H

#include <hv/types.h>

/* ---- "Finding the RSDP on IA-PC Systems" ---- */
#define ACPI_BIOS_ROM_START     0xE0000ULL  /* the BIOS read-only area searched */
#define ACPI_BIOS_ROM_END       0x100000ULL
#define ACPI_RSDP_ALIGN         16          /* the RSDP starts on a 16-byte boundary */

/* ---- "Root System Description Pointer (RSDP) Structure" ---- */
struct __packed acpi_rsdp {
    char     signature[8];      /* "RSD PTR " */
    uint8_t  checksum;          /* bytes 0..19 sum to 0 (mod 256) */
    char     oem_id[6];
    uint8_t  revision;          /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ */
    uint32_t rsdt_address;
    /* ACPI 2.0+ only (revision >= 2): */
    uint32_t length;            /* of the whole RSDP */
    uint64_t xsdt_address;
    uint8_t  extended_checksum; /* all `length` bytes sum to 0 */
    uint8_t  reserved[3];
};
#define ACPI_RSDP_SIG           "RSD PTR "
#define ACPI_RSDP_V1_LEN        20
#define ACPI_RSDP_V2_LEN        36
#define ACPI_RSDP_XSDT_REV      2           /* first revision with Length / XsdtAddress */
_Static_assert(offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_LEN, "RSDP 1.0 size");
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP 2.0 size");

/* ---- "System Description Table Header": starts every table but the RSDP ---- */
struct __packed acpi_sdt_header {
    char     signature[4];
    uint32_t length;            /* whole table, header included */
    uint8_t  revision;
    uint8_t  checksum;          /* all `length` bytes sum to 0 */
    char     oem_id[6];
    char     oem_table_id[8];
    uint32_t oem_revision;
    char     creator_id[4];
    uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");
#define ACPI_SDT_HDR_LEN        sizeof(struct acpi_sdt_header)

#define ACPI_SIG_LEN            4
#define ACPI_SIG_RSDT           "RSDT"
#define ACPI_SIG_XSDT           "XSDT"
#define ACPI_SIG_FADT           "FACP"
#define ACPI_SIG_FACS           "FACS"
#define ACPI_SIG_DSDT           "DSDT"
#define ACPI_SIG_MADT           "APIC"
#define ACPI_SIG_HPET           "HPET"
#define ACPI_SIG_SPCR           "SPCR"

/* ---- "Generic Address Structure (GAS)" ---- */
struct __packed acpi_gas {
    uint8_t  space_id;          /* ACPI_GAS_SYSTEM_* */
    uint8_t  bit_width;
    uint8_t  bit_offset;
    uint8_t  access_size;       /* ACPI_GAS_ACCESS_* */
    uint64_t address;
};
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
#define ACPI_GAS_SYSTEM_MEMORY  0
#define ACPI_GAS_SYSTEM_IO      1
#define ACPI_GAS_ACCESS_BYTE    1
#define ACPI_GAS_ACCESS_WORD    2
#define ACPI_GAS_ACCESS_DWORD   3

/* ---- "Firmware ACPI Control Structure (FACS)" ---- */
struct __packed acpi_facs {
    char     signature[4];      /* "FACS" */
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
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS size");
#define ACPI_FACS_ALIGN         64

/*
 * ---- "Fixed ACPI Description Table (FADT)", ACPI 6.0+ (major version 6) ----
 * An ACPI 1.0 FADT ends after `flags` (ACPI_FADT_V1_LEN bytes); a reader
 * must check a later field against the table's Length before using it.
 */
struct __packed acpi_fadt {
    struct acpi_sdt_header hdr;     /* "FACP" */
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t  reserved0;             /* INT_MODEL in ACPI 1.0 */
    uint8_t  preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;               /* SMI command port; 0 = no legacy mode */
    uint8_t  acpi_enable;           /* write to smi_cmd to enter ACPI mode */
    uint8_t  acpi_disable;
    uint8_t  s4bios_req;
    uint8_t  pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;          /* I/O port of PM1a_CNT */
    uint32_t pm1b_cnt_blk;          /* I/O port of PM1b_CNT, 0 = none */
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
    uint32_t flags;                 /* ACPI_FADT_* fixed feature flags */
    /* ---- end of the ACPI 1.0 FADT ---- */
    struct acpi_gas reset_reg;
    uint8_t  reset_value;
    uint16_t arm_boot_arch;
    uint8_t  minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;                /* 64-bit DSDT address; 0 = use `dsdt` */
    struct acpi_gas x_pm1a_evt_blk;
    struct acpi_gas x_pm1b_evt_blk;
    struct acpi_gas x_pm1a_cnt_blk; /* overrides pm1a_cnt_blk when nonzero */
    struct acpi_gas x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk;
    struct acpi_gas x_pm_tmr_blk;
    struct acpi_gas x_gpe0_blk;
    struct acpi_gas x_gpe1_blk;
    struct acpi_gas sleep_control_reg;
    struct acpi_gas sleep_status_reg;
    uint64_t hypervisor_vendor_id;
};
#define ACPI_FADT_V1_LEN        116
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "FADT SMI_CMD");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "FADT PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "FADT PM_TMR_LEN");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == ACPI_FADT_V1_LEN, "FADT 1.0 size");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hypervisor vendor");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT 6.0 size");

/* True if a FADT of `len` bytes holds all of `field`. */
#define ACPI_FADT_HAS(len, field) \
    ((len) >= offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

#define ACPI_FADT_PM_PROFILE_UNSPECIFIED 0
#define ACPI_FADT_C2_UNSUPPORTED 101        /* P_LVL2_LAT > 100: no C2 */
#define ACPI_FADT_C3_UNSUPPORTED 1001       /* P_LVL3_LAT > 1000: no C3 */

/* "Fixed ACPI Description Table Fixed Feature Flags" */
#define ACPI_FADT_WBINVD        BIT(0)
#define ACPI_FADT_PROC_C1       BIT(2)
#define ACPI_FADT_PWR_BUTTON    BIT(4)      /* 1: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON    BIT(5)      /* 1: no fixed-feature sleep button */
#define ACPI_FADT_FIX_RTC       BIT(6)      /* 1: no RTC wake status in PM1_STS */
#define ACPI_FADT_TMR_VAL_EXT   BIT(8)      /* the PM timer counts 32 bits, not 24 */
#define ACPI_FADT_RESET_REG_SUP BIT(10)
#define ACPI_FADT_HW_REDUCED_ACPI BIT(20)   /* no PM1 blocks at all */

/* "IA-PC Boot Architecture Flags" */
#define ACPI_FADT_BOOT_LEGACY_DEVICES BIT(0)
#define ACPI_FADT_BOOT_8042     BIT(1)

/* ---- "PM1 Control Registers": bits of PM1a_CNT / PM1b_CNT ---- */
#define ACPI_PM1_CNT_SCI_EN         BIT(0)   /* 1 = ACPI mode (SCI), 0 = legacy (SMI) mode */
#define ACPI_PM1_CNT_BM_RLD         BIT(1)   /* bus master requests leave C3 */
#define ACPI_PM1_CNT_GBL_RLS        BIT(2)   /* write 1: the global lock is released */
#define ACPI_PM1_CNT_SLP_TYP_SHIFT  10       /* SLP_TYPx: bits 12:10 */
#define ACPI_PM1_CNT_SLP_TYP_MASK   (7U << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN         BIT(13)  /* write 1 to enter the sleeping state */
#define ACPI_SLP_TYP_MAX            7        /* SLP_TYPx is a 3-bit field */

/* ---- "Multiple APIC Description Table (MADT)" ---- */
struct __packed acpi_madt {
    struct acpi_sdt_header hdr;     /* "APIC" */
    uint32_t lapic_addr;            /* local APIC MMIO base */
    uint32_t flags;                 /* ACPI_MADT_PCAT_COMPAT */
    /* interrupt controller structures follow, to the table's end */
};
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT entries start at 44");
#define ACPI_MADT_PCAT_COMPAT   BIT(0)      /* there are 8259 PICs too */

/* Every entry starts with its type and length. */
#define ACPI_MADT_TYPE_LAPIC        0
#define ACPI_MADT_TYPE_IOAPIC       1
#define ACPI_MADT_TYPE_ISO          2
#define ACPI_MADT_TYPE_LAPIC_NMI    4
#define ACPI_MADT_TYPE_X2APIC       9

struct __packed acpi_madt_lapic {       /* "Processor Local APIC Structure" */
    uint8_t  type, length, processor_uid, apic_id;
    uint32_t flags;                     /* ACPI_MADT_ENABLED */
};
struct __packed acpi_madt_ioapic {      /* "I/O APIC Structure" */
    uint8_t  type, length, ioapic_id, reserved;
    uint32_t address;
    uint32_t gsi_base;
};
struct __packed acpi_madt_iso {         /* "Interrupt Source Override Structure" */
    uint8_t  type, length, bus, source;
    uint32_t gsi;
    uint16_t flags;                     /* MPS INTI flags */
};
struct __packed acpi_madt_lapic_nmi {   /* "Local APIC NMI Structure" */
    uint8_t  type, length, processor_uid;
    uint16_t flags;                     /* MPS INTI flags */
    uint8_t  lint;
};
struct __packed acpi_madt_x2apic {      /* "Processor Local x2APIC Structure" */
    uint8_t  type, length;
    uint8_t  reserved[2];
    uint32_t x2apic_id;
    uint32_t flags;                     /* ACPI_MADT_ENABLED */
    uint32_t processor_uid;
};
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC entry");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC entry");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO entry");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI entry");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC entry");

#define ACPI_MADT_ENABLED       BIT(0)      /* Local APIC Flags: usable now */
#define ACPI_MADT_ISA_BUS       0
#define ACPI_MADT_ALL_PROCESSORS 0xFF
/* "MPS INTI Flags": polarity bits 1:0, trigger mode bits 3:2. */
#define ACPI_MPS_INTI_CONFORMS      0x0
#define ACPI_MPS_INTI_ACTIVE_HIGH   0x1
#define ACPI_MPS_INTI_LEVEL         (0x3 << 2)

/* ---- "IA-PC HPET Description Table" (its start) ---- */
struct __packed acpi_hpet {
    struct acpi_sdt_header hdr;     /* "HPET" */
    uint32_t event_timer_block_id;
    struct acpi_gas base_address;   /* the HPET's MMIO registers */
};
_Static_assert(offsetof(struct acpi_hpet, base_address) == 40, "HPET base address");

/* ---- "Serial Port Console Redirection Table" (its start) ---- */
struct __packed acpi_spcr {
    struct acpi_sdt_header hdr;     /* "SPCR" */
    uint8_t  interface_type;        /* ACPI_SPCR_16550 ... */
    uint8_t  reserved[3];
    struct acpi_gas base_address;   /* the UART's registers */
};
_Static_assert(offsetof(struct acpi_spcr, base_address) == 40, "SPCR base address");
/* "Interface Type" values for a 16550-compatible UART (the DBG2 serial
 * subtypes): full 16550, 16550 subset, 16550 with GAS parameters. */
#define ACPI_SPCR_16550          0x00
#define ACPI_SPCR_16450          0x01
#define ACPI_SPCR_16550_GAS      0x12

/* ---- "ACPI Machine Language (AML) Specification" ---- */
#define AML_ZERO_OP             0x00    /* "Data Objects Encoding": ZeroOp */
#define AML_ONE_OP              0x01    /* OneOp */
#define AML_NAME_OP             0x08    /* "Namespace Modifier Objects Encoding": DefName */
#define AML_BYTE_PREFIX         0x0A
#define AML_WORD_PREFIX         0x0B
#define AML_DWORD_PREFIX        0x0C
#define AML_QWORD_PREFIX        0x0E
#define AML_PACKAGE_OP          0x12    /* "Expression Opcodes Encoding": DefPackage */
#define AML_ROOT_CHAR           '\\'    /* "Name Objects Encoding": RootChar */
#define AML_NAMESEG_LEN         4

#endif
