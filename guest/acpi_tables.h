/*
 * ACPI tables describing the virtual PC to its guest (reference: ACPI
 * Specification 6.5, "ACPI Software Programming Model"; table revisions as
 * in ACPI 6.0+), written into guest memory where an OS's search for the
 * RSDP finds them (the BIOS area 0xE0000-0xFFFFF, on a 16-byte boundary;
 * the board puts them at BOARD_ACPI_BASE, include/hv/board_layout.h):
 *
 *   base + 0x00  RSDP  revision 2: RSDT and XSDT addresses, both checksums
 *   64-aligned   FACS  64 bytes (a non-hardware-reduced FADT needs one)
 *   16-aligned   RSDT, XSDT -> FADT, MADT
 *                FADT  "FACP" revision 6: PM1a event/control and PM timer
 *                      blocks (and their X_ forms), SCI_INT, no SMI_CMD
 *                      (always in ACPI mode), RESET_REG, legacy devices and
 *                      an 8042, RTC century index, DSDT and FACS pointers
 *                MADT  "APIC": one enabled local APIC per vCPU (IDs and
 *                      processor UIDs 0..n-1), one IOAPIC, ISA overrides
 *                      IRQ 0 -> GSI 2 and SCI IRQ -> same GSI, level /
 *                      active high, LINT1 = NMI on all processors
 *                DSDT  just Name (_S5, Package (4) { typ, typ, 0, 0 })
 *
 * All tables carry OEM ID "MINIVS", OEM table ID "MNVS" + signature,
 * creator ID "MNVS", and a correct length and checksum.
 *
 * Left out: any device in the DSDT (no PCI root bridge or _PRT, processor
 * objects, _S0/_S3, power button, embedded controller), HPET/MCFG/SRAT and
 * other optional tables, GPE blocks, x2APIC entries (so APIC IDs stop at
 * 254).
 */
#ifndef GUEST_ACPI_TABLES_H
#define GUEST_ACPI_TABLES_H

#include <hv/types.h>

#define ACPI_TABLES_MAX_CPUS    255         /* xAPIC IDs 0..254; 255 is broadcast */

#define ACPI_TABLES_OEM_ID      "MINIVS"    /* 6 characters */
#define ACPI_TABLES_CREATOR_ID  "MNVS"      /* 4 characters */

struct acpi_tables_config {
    unsigned ncpus;             /* 1..ACPI_TABLES_MAX_CPUS: LAPIC IDs 0..ncpus-1 */
    uint32_t lapic_addr;        /* local APIC MMIO base */
    uint8_t ioapic_id;          /* as the IOAPIC's ID register reads */
    uint32_t ioapic_addr;
    uint32_t ioapic_gsi_base;   /* ISA IRQ n is GSI n: keep this 0 */
    uint16_t pm1a_evt_blk;      /* I/O ports of the PM blocks (4, 2, 4 bytes) */
    uint16_t pm1a_cnt_blk;
    uint16_t pm_tmr_blk;
    uint8_t sci_irq;            /* ISA IRQ of the SCI (1-15, not 2) */
    uint8_t s5_slp_typ;         /* 0-7: the \_S5_ value, = the PM model's */
    uint16_t reset_port;        /* RESET_REG (system I/O), 0 = none */
    uint8_t reset_value;
    uint8_t rtc_century;        /* CMOS index of the century byte, 0 = none */
    uint64_t base;              /* guest-physical address of the RSDP, 16-aligned */
    uint64_t size;              /* bytes available from base */
};

/* Fill *cfg for the board every guest gets (include/hv/board_layout.h): ncpus
 * vCPUs, the local APIC and the IOAPIC (ID and GSI base as the IOAPIC model
 * is given) where the board has them, the PM blocks of drivers/virt/vacpi_pm.h
 * at BOARD_ACPI_PM_PORT, SCI IRQ BOARD_SCI_IRQ, S5 = BOARD_S5_SLP_TYP, reset
 * through BOARD_RESET_PORT with 0x06, century at CMOS 0x32, and the area
 * [BOARD_ACPI_BASE, +BOARD_ACPI_SIZE). */
void acpi_tables_default_config(struct acpi_tables_config *cfg, unsigned ncpus);

/* Writes len bytes to guest-physical gpa. 0, or a negative HV_E* value
 * which acpi_tables_build returns. */
typedef int (*acpi_tables_write_fn)(void *ctx, uint64_t gpa, const void *data, size_t len);

/*
 * Bytes from cfg->base to the end of the last table (what
 * acpi_tables_build needs of cfg->size), or 0 if ncpus is out of range.
 */
uint64_t acpi_tables_len(const struct acpi_tables_config *cfg);

/*
 * Write all tables through `write`, only inside [cfg->base, cfg->base +
 * acpi_tables_len(cfg)); the padding between tables is not written.
 * Everything is checked before the first write. Returns 0, or
 *   -HV_EINVAL  a config value out of range, base not 16-byte aligned, or
 *               tables that would reach above 4 GiB (the RSDT has 32-bit
 *               pointers)
 *   -HV_E2BIG   the tables do not fit in cfg->size bytes
 *   or the first error `write` returned (later tables are then not written).
 */
int acpi_tables_build(const struct acpi_tables_config *cfg, acpi_tables_write_fn write,
                      void *ctx) __must_check;

#endif
