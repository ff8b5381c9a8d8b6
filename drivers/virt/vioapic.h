/*
 * Model of an I/O APIC with 24 input pins, as a guest sees it.
 *
 * Reference: Intel 82093AA I/O Advanced Programmable Interrupt Controller
 * (IOAPIC) datasheet (register set, redirection table, edge/level and
 * remote IRR semantics), with the version 0x20 register layout of later
 * chipsets (ICH) that adds the EOI register at offset 0x40.
 *
 * Interface: IOREGSEL at offset 0x00 and IOWIN at 0x10 (32-bit accesses;
 * IOREGSEL also takes 8- and 16-bit writes), EOI at 0x40. Indirect
 * registers: IOAPICID (0), IOAPICVER (1), IOAPICARB (2), redirection table
 * 0x10-0x3F (entry n: low half 0x10+2n, high half 0x11+2n).
 *
 * Semantics:
 *   - vioapic_set_irq gives the electrical level of a pin. An entry with
 *     active-low polarity sees it inverted ("asserted" = pin low), so the
 *     VM layer must drive an active-low source's idle pin high. All pins
 *     are low at reset.
 *   - Edge entries deliver once per rising edge of the (polarity-adjusted)
 *     input while unmasked; edges while masked are lost (82093AA).
 *   - Level entries deliver while the input is asserted and remote IRR is
 *     clear; remote IRR is set when the local APIC accepts the interrupt
 *     and cleared by vioapic_eoi / the EOI register for that vector, which
 *     re-delivers if the input is still asserted. Unmasking an asserted
 *     level entry delivers. Switching an entry to edge clears remote IRR
 *     (what older Linux kernels rely on).
 *   - Fixed and lowest-priority entries go to ops->deliver with the raw
 *     destination; the VM layer picks the vLAPIC. Other delivery modes
 *     (SMI, NMI, INIT, ExtINT) are only counted in stats.
 *   - Delivery is immediate: the delivery status bit always reads idle.
 *   - All entries are masked at reset (82093AA).
 *
 * Left out: the 82093AA's bus arbitration (IOAPICARB only mirrors the ID),
 * lowest-priority arbitration, the pin assertion register, interrupt
 * remapping / extended destination IDs, and a guard against interrupt
 * storms from a level line nobody deasserts.
 *
 * Pure state machine: no hardware access, no global state. Not thread-safe:
 * the VM layer serialises all calls for one vIOAPIC.
 */
#ifndef DRIVERS_VIRT_VIOAPIC_H
#define DRIVERS_VIRT_VIOAPIC_H

#include <hv/types.h>

#define VIOAPIC_MMIO_SIZE       0x1000
#define VIOAPIC_NUM_PINS        24

/* Direct registers (MMIO offsets) */
#define IOAPIC_IOREGSEL         0x00
#define IOAPIC_IOWIN            0x10
#define IOAPIC_EOI              0x40        /* version 0x20: write a vector */

/* Indirect registers (IOREGSEL values) */
#define IOAPIC_REG_ID           0x00
#define IOAPIC_REG_VER          0x01
#define IOAPIC_REG_ARB          0x02
#define IOAPIC_REG_REDTBL       0x10        /* + 2 * pin (low), + 2 * pin + 1 (high) */

#define IOAPIC_ID_SHIFT         24
#define IOAPIC_ID_MASK          (0xFu << 24)    /* IOAPICID / IOAPICARB bits 27:24 */
#define IOAPIC_VERSION          0x20u
#define IOAPIC_VER_MRE_SHIFT    16              /* maximum redirection entry */
#define IOAPIC_VER_VALUE        (IOAPIC_VERSION | ((VIOAPIC_NUM_PINS - 1u) << IOAPIC_VER_MRE_SHIFT))

/* Redirection table entry (64 bits) */
#define IOAPIC_RTE_VECTOR_MASK      0xFFULL
#define IOAPIC_RTE_DM_MASK          (7ULL << 8)
#define IOAPIC_RTE_DM_FIXED         (0ULL << 8)
#define IOAPIC_RTE_DM_LOWEST        (1ULL << 8)
#define IOAPIC_RTE_DM_SMI           (2ULL << 8)
#define IOAPIC_RTE_DM_NMI           (4ULL << 8)
#define IOAPIC_RTE_DM_INIT          (5ULL << 8)
#define IOAPIC_RTE_DM_EXTINT        (7ULL << 8)
#define IOAPIC_RTE_DEST_LOGICAL     BIT(11)
#define IOAPIC_RTE_DELIVERY_STATUS  BIT(12)     /* read-only */
#define IOAPIC_RTE_POLARITY_LOW     BIT(13)
#define IOAPIC_RTE_REMOTE_IRR       BIT(14)     /* read-only */
#define IOAPIC_RTE_LEVEL            BIT(15)     /* trigger mode: 1 = level */
#define IOAPIC_RTE_MASKED           BIT(16)
#define IOAPIC_RTE_DEST_SHIFT       56
#define IOAPIC_RTE_DEST_MASK        (0xFFULL << 56)
#define IOAPIC_RTE_WRITABLE         (IOAPIC_RTE_VECTOR_MASK | IOAPIC_RTE_DM_MASK | \
                                     IOAPIC_RTE_DEST_LOGICAL | IOAPIC_RTE_POLARITY_LOW | \
                                     IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | IOAPIC_RTE_DEST_MASK)

struct vioapic_ops {
    /*
     * Deliver `vector` to the local APIC(s) named by `dest` (8-bit
     * destination field; physical APIC ID or logical mask per
     * `dest_logical`). `level`: level-triggered (the LAPIC sets TMR and
     * reports the EOI back, which the VM layer passes to vioapic_eoi).
     * Return true if an APIC accepted it: only then is remote IRR set.
     * Called synchronously; it may call vlapic_accept but must not call
     * back into this vioapic.
     */
    bool (*deliver)(void *ctx, uint8_t vector, uint32_t dest, bool dest_logical, bool level);
};

struct vioapic_stats {
    uint64_t delivered;         /* deliver() returned true */
    uint64_t refused;           /* deliver() returned false (or no callback) */
    uint64_t unsupported;       /* entries with SMI/NMI/INIT/ExtINT delivery */
    uint64_t last_unsupported;  /* the entry of the last of those */
};

struct vioapic {
    uint32_t id;                /* IOAPICID register (bits 27:24) */
    uint32_t arb;               /* IOAPICARB register */
    uint8_t regsel;
    uint64_t redir[VIOAPIC_NUM_PINS];
    uint32_t pins;              /* electrical pin levels, bit n = pin n */
    const struct vioapic_ops *ops;
    void *ctx;
    struct vioapic_stats stats;
};

/* Reset state with IOAPIC ID `id` (0-15): all entries masked, pins low.
 * `ops` must outlive `io`. */
void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops, void *ctx);

/* Drive pin `gsi` to `level` (electrical); pins >= VIOAPIC_NUM_PINS are
 * ignored. Re-driving an asserted level entry retries a refused delivery. */
void vioapic_set_irq(struct vioapic *io, unsigned gsi, bool level);

/* EOI for `vector` from a local APIC (level-triggered EOI callback): clear
 * remote IRR of every level entry with that vector and re-deliver those
 * whose input is still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

/* MMIO (io_ops compatible), offset relative to the base. Accesses other
 * than those listed in the header comment read 0 and are ignored. Always
 * returns 0. */
int vioapic_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
