/*
 * The virtual PC every guest sees: where its RAM, its ports and its MMIO
 * devices are, and which interrupt line each device drives. One
 * description, used by the device wiring (vmm/board.c), the memory map
 * (guest/e820.c), the ACPI tables (guest/acpi_tables.c) and the loaders
 * (guest/loader.h). The conventions are QEMU's PC machine, so kernels
 * written for QEMU find things where they expect them. Device models keep
 * their own register offsets (drivers/virt/); where a model sits is here.
 * Constants only.
 *
 * Guest-physical memory:
 *   0          .. LOW_RAM_END    RAM (E820 usable; the loaders' boot
 *                                information lies in it)
 *   LOW_RAM_END .. LEGACY_END    E820 reserved, backed by RAM: EBDA, VGA,
 *                                option ROMs, BIOS; the ACPI tables at
 *                                ACPI_BASE, where an OS's RSDP search looks
 *   LEGACY_END .. RAM size       RAM (E820 usable), at most 3 GiB
 *   MMIO_HOLE_START .. 4 GiB     no RAM: testdev, IOAPIC, local APIC pages
 *                                (the two APIC pages E820 reserved)
 *
 * Ports (unlisted ones read as all ones and drop writes, vmx/exit_io.c):
 *   0x20-0x21, 0xA0-0xA1  8259A PIC pair           0x4D0-0x4D1  ELCR
 *   0x40-0x43             8254 PIT (IRQ 0)         0x61         port B (PIT gate 2, speaker)
 *   0x70-0x71             MC146818 RTC (IRQ 8)     0x60, 0x64   i8042
 *   0x92                  system control port A    0xCF9        reset control
 *   0x80                  POST code                0x510-0x511  QEMU fw_cfg
 *   0x600-0x60B           ACPI PM1 event/control, PM timer (SCI IRQ 9)
 *   0x3F8-0x3FF           COM1, 16550A (IRQ 4)     0xE9         debug console
 *   0xF4-0xF7             QEMU isa-debug-exit: stops the guest, status (v << 1) | 1
 *
 * Interrupts: ISA IRQ n goes to the PIC pair's input n and to IOAPIC pin
 * (GSI) n, except the PIT's IRQ 0, which is on GSI 2 (the MADT says so in
 * an interrupt source override, as on every PC since the IOAPIC).
 */
#ifndef HV_BOARD_LAYOUT_H
#define HV_BOARD_LAYOUT_H

#include <hv/types.h>
#include <hv/apic_regs.h>

/* ---- guest-physical memory ---- */
#define BOARD_LOW_RAM_END       0x9FC00ULL      /* conventional memory: 639 KiB */
#define BOARD_LEGACY_START      0xA0000ULL      /* VGA and BIOS area */
#define BOARD_LEGACY_END        0x100000ULL     /* extended memory from 1 MiB */
#define BOARD_ACPI_BASE         0xE0000ULL      /* RSDP and the tables after it */
#define BOARD_ACPI_SIZE         0x10000ULL      /* the lower half of the BIOS area */
#define BOARD_MMIO_HOLE_START   0xC0000000ULL   /* 3 GiB: RAM ends below */
#define BOARD_MMIO_HOLE_END     0x100000000ULL

/* ---- MMIO ---- */
#define BOARD_TESTDEV_BASE      0xFEB00000ULL   /* drivers/virt/testdev.h */
#define BOARD_IOAPIC_BASE       0xFEC00000ULL   /* 82093AA default */
#define BOARD_LAPIC_BASE        LAPIC_DEFAULT_BASE   /* 0xFEE00000, architectural */
#define BOARD_APIC_PAGE_SIZE    0x1000ULL       /* each APIC's register page */
#define BOARD_IOAPIC_ID         0               /* its ID register, as on QEMU */
#define BOARD_IOAPIC_GSI_BASE   0               /* pin n is GSI n */

/* ---- ports ---- */
#define BOARD_PIC_MASTER_PORT   0x20            /* command, data at +1 */
#define BOARD_PIC_SLAVE_PORT    0xA0
#define BOARD_ELCR_PORT         0x4D0           /* 0x4D0: IRQ 0-7, 0x4D1: IRQ 8-15 */
#define BOARD_PIT_PORT          0x40            /* counters 0-2 at +0..+2, control at +3 */
#define BOARD_PORT_B            0x61            /* system control port B */
#define BOARD_RTC_PORT          0x70            /* index, data at +1 */
#define BOARD_I8042_DATA_PORT   0x60
#define BOARD_I8042_CMD_PORT    0x64            /* read: status */
#define BOARD_PORT_A            0x92            /* system control port A */
#define BOARD_RESET_PORT        0xCF9           /* reset control (the FADT's RESET_REG) */
#define BOARD_POST_PORT         0x80
#define BOARD_FWCFG_PORT        0x510           /* selector, data at +1 */
#define BOARD_ACPI_PM_PORT      0x600           /* PM1a event, PM1a control, PM timer */
#define BOARD_COM1_PORT         0x3F8
#define BOARD_DEBUGCON_PORT     0xE9
#define BOARD_DEBUG_EXIT_PORT   0xF4            /* 4 ports, as QEMU's iosize=4 */

/* ---- ISA interrupt lines and their GSIs ---- */
#define BOARD_PIT_IRQ           0
#define BOARD_PIT_GSI           2               /* the MADT's interrupt source override */
#define BOARD_COM1_IRQ          4
#define BOARD_RTC_IRQ           8
#define BOARD_SCI_IRQ           9               /* the FADT's SCI_INT; level, active high */

/* ---- ACPI sleeping state ---- */
#define BOARD_S5_SLP_TYP        5               /* the DSDT's \_S5_ = what the PM model takes */

#endif
