/*
 * ACPI shutdown discovery: everything needed to put the machine into the
 * S5 (soft-off) sleeping state, found by reading the firmware's ACPI tables.
 *
 *   RSDP -> RSDT or XSDT -> FADT ("FACP") -> PM1a/PM1b control ports,
 *                                            SMI_CMD / ACPI_ENABLE,
 *                                            DSDT -> \_S5_ package -> SLP_TYPa/b
 *
 * Reference: ACPI Specification 6.5, "ACPI Software Programming Model"
 * (tables) and "ACPI Machine Language (AML) Specification" (the \_S5_ bytes).
 *
 * All physical memory is read through a caller-supplied acpi_map_fn, so this
 * code never touches hardware itself: the kernel passes its direct map, the
 * host unit tests pass a byte array. The port writes that actually switch the
 * machine off are done by the caller.
 */
#ifndef BOOT_ACPI_H
#define BOOT_ACPI_H

#include <hv/types.h>
#include <hv/acpi_layout.h>

/*
 * Returns a pointer to `len` readable bytes at physical address pa, or NULL
 * if that range is not mapped. Pointers must stay valid until the acpi_*
 * call that asked for them returns (a direct map of RAM does this).
 */
typedef const void *(*acpi_map_fn)(void *opaque, uint64_t pa, size_t len);

/* "Finding the RSDP on IA-PC Systems": where the BIOS may put the RSDP
 * (the EBDA here; the BIOS area, the RSDP's size and alignment, the table
 * layouts and the PM1 control bits are in include/hv/acpi_layout.h). */
#define ACPI_BDA_EBDA_SEG    0x40EULL   /* BDA word: real-mode segment of the EBDA */
#define ACPI_EBDA_SCAN_LEN   1024       /* only the first 1 KiB of the EBDA is searched */

/* What the caller needs to enter S5. */
struct acpi_s5 {
    uint16_t pm1a_cnt;      /* I/O port of PM1a_CNT (never 0 on success) */
    uint16_t pm1b_cnt;      /* I/O port of PM1b_CNT, 0 if the platform has none */
    uint16_t slp_typa;      /* \_S5_ package element 0: value for PM1a_CNT.SLP_TYP */
    uint16_t slp_typb;      /* \_S5_ package element 1: value for PM1b_CNT.SLP_TYP */
    uint32_t smi_cmd;       /* SMI command port, 0 if ACPI mode cannot be switched */
    uint8_t  acpi_enable;   /* value to write to smi_cmd to enter ACPI mode */
    char     oem_id[7];     /* RSDP OEMID, NUL-terminated (for log messages) */
    uint8_t  revision;      /* RSDP revision: 0 = ACPI 1.0, >= 2 = ACPI 2.0+ */
    uint64_t fadt_pa;       /* where the tables were found (for log messages) */
    uint64_t dsdt_pa;
};

/*
 * Search the BIOS areas for the RSDP ("Finding the RSDP on IA-PC Systems"):
 * the first 1 KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte boundaries,
 * for "RSD PTR " with a valid checksum (and a valid extended checksum when
 * the revision is >= 2). On success stores its physical address and how many
 * bytes of it to hand to acpi_parse_s5 (20 or its 2.0+ Length field).
 * Returns 0, -HV_ENOENT if there is none, -HV_EFAULT if the BIOS area
 * cannot be mapped.
 */
int acpi_find_rsdp(acpi_map_fn map, void *opaque, uint64_t *rsdp_pa,
                   size_t *rsdp_len) __must_check;

/*
 * Find the S5 parameters starting from an RSDP: `rsdp` points at rsdp_len
 * bytes holding it (a mapped BIOS copy, or the copy in a multiboot2 ACPI tag).
 * Every table's signature, length and checksum is checked, and nothing past
 * a table's declared Length is read.
 *
 * Returns 0 and fills *out, or a negative error with a one-line reason in
 * err (if err is non-NULL and errlen > 0):
 *   -HV_EINVAL  malformed RSDP, table or \_S5_ package (bad checksum, bad
 *               length, bad signature, value out of range)
 *   -HV_EFAULT  a table the RSDP points to cannot be mapped
 *   -HV_ENOENT  no FADT, no DSDT, or no \_S5_ object in the DSDT
 *   -HV_ENODEV  no usable PM1a control port (e.g. hardware-reduced ACPI or
 *               a memory-mapped PM1 block)
 */
int acpi_parse_s5(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
                  void *opaque, struct acpi_s5 *out, char *err,
                  size_t errlen) __must_check;

/*
 * The PM1x_CNT value that starts the S5 transition ("PM1 Control Registers"):
 * (slp_typ << 10) | SLP_EN. The caller writes it to PM1a_CNT with slp_typa,
 * then to PM1b_CNT (if any) with slp_typb.
 */
uint16_t acpi_pm1_cnt_s5(uint16_t slp_typ);

/* What the ACPI tables say about the platform's timers and CPUs. */
#define ACPI_MAX_CPUS 256
struct acpi_platform {
    uint16_t pm_timer_port;     /* FADT PM_TMR_BLK / X_PM_TMR_BLK; 0 = no PM timer */
    bool     pm_timer_32bit;    /* FADT TMR_VAL_EXT: 32-bit counter, else 24-bit */
    uint64_t hpet_base;         /* HPET table's base address (MMIO); 0 = no HPET */
    bool     has_madt;
    unsigned cpus;              /* enabled local APIC / x2APIC entries in the MADT */
    /* Their APIC IDs in MADT order (the first ACPI_MAX_CPUS of them): the
     * CPUs boot/smp.c may start. Disabled and online-capable-only entries
     * are not listed. */
    uint32_t cpu_apic_id[ACPI_MAX_CPUS];
    unsigned ncpu_apic_id;
    /* The firmware's serial console ("Serial Port Console Redirection
     * Table", SPCR): a 16550-compatible UART at an I/O port or MMIO address.
     * Both 0: no SPCR, or one naming another kind of UART. */
    uint16_t spcr_port;
    uint64_t spcr_mmio;
};

/*
 * Read the PM timer port from the FADT ("PM_TMR_BLK"; none under
 * hardware-reduced ACPI), the HPET base from the "HPET" table ("IA-PC HPET
 * (High Precision Event Timers) Specification") and count the enabled
 * processors in the MADT ("Processor Local APIC Structure", "Processor
 * Local x2APIC Structure"), and the serial console from the SPCR. Tables that are missing or fail their checks
 * are left out. Returns 0, or -HV_EINVAL for a bad RSDP (reason in err).
 */
int acpi_parse_platform(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *opaque,
                        struct acpi_platform *out, char *err, size_t errlen) __must_check;

#endif
