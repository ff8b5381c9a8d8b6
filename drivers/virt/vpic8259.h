/*
 * Model of the PC/AT pair of Intel 8259A programmable interrupt controllers
 * (Intel 8259A/8259A-2 datasheet, "8259A Programmable Interrupt Controller",
 * order no. 231468) and of the edge/level control registers (ELCR) that the
 * EISA/PCI chipsets added beside them (Intel 82371AB PIIX4 datasheet, ports
 * 0x4D0-0x4D1).
 *
 *   master  ports 0x20-0x21, IRQ 0-7
 *   slave   ports 0xA0-0xA1, IRQ 8-15, its INT output wired to master IR2
 *   ELCR    ports 0x4D0 (IRQ 0-7) and 0x4D1 (IRQ 8-15): bit set = level
 *           triggered; IRQ 0, 1, 2, 8 and 13 are always edge (bits read 0)
 *
 * What it does: ICW1-ICW4 initialisation (ICW4 optional, single mode, auto
 * EOI, rotate in auto-EOI), OCW1 (IMR), OCW2 (non-specific, specific and
 * rotating EOIs, set priority), OCW3 (IRR/ISR read select, poll command,
 * special mask mode), fully nested priorities with rotation, edge inputs
 * latched into the IRR on a rising edge and level inputs (ELCR) that follow
 * the line, the cascade, and spurious vectors: an INTA that finds no request
 * answers with the chip's IR7 vector without setting the ISR; a request from
 * the slave that went away answers with the slave's IR7 vector (IRQ 15)
 * while master IR2 stays in service, as the hardware does.
 *
 * Model choices:
 *   - Before the guest sends ICW1 the pair is in the state a PC BIOS leaves
 *     it: vectors 0x08-0x0F and 0x70-0x77, cascade on IR2, normal EOI, but
 *     with every IRQ masked (IMR 0xFF on both chips) so nothing is
 *     delivered before the guest has set up its own vectors.
 *   - Master IR2 is driven by the slave's INT output: it requests while the
 *     slave's INT is high and stays latched (like any edge input) until the
 *     master acknowledges it, even if the slave's request goes away.
 *   - ISA IRQ 2 does not exist on its own (it is the cascade):
 *     vpic8259_set_irq(p, 2, ...) is ignored.
 *   - An INTA cycle (vpic8259_ack) is one atomic step: the request must be
 *     present when it is called, there is no window between the two pulses.
 *
 * Left out: 8080/8085 mode (ICW4 bit 0 is ignored, vectors are always
 * 8086-style), ICW1 LTIM (the ELCR alone selects level triggering, as on
 * PC/AT-compatible chipsets), ICW1 ADI, buffered mode and the ICW4 M/S bit,
 * special fully nested mode (ICW4 SFNM is accepted and ignored), and slave
 * identification by ICW3: the slave is always the one on master IR2.
 */
#ifndef DRIVERS_VIRT_VPIC8259_H
#define DRIVERS_VIRT_VPIC8259_H

#include <hv/types.h>
#include "drivers/virt/virq.h"

#define VPIC_NUM_PORTS      2           /* command (offset 0) and data (offset 1) */
#define VPIC_ELCR_NUM_PORTS 2           /* offset 0: IRQ 0-7, offset 1: IRQ 8-15 */
#define VPIC_NUM_IRQS       16
#define VPIC_CASCADE_IR     2           /* master input the slave is wired to */

/* Port offsets inside a chip's two ports. */
#define PIC_REG_CMD         0           /* ICW1, OCW2, OCW3; reads IRR/ISR */
#define PIC_REG_DATA        1           /* ICW2-4, OCW1 (IMR) */

/* ICW1: command port with bit 4 set. */
#define PIC_ICW1_IC4        0x01        /* ICW4 follows */
#define PIC_ICW1_SNGL       0x02        /* single 8259A, no ICW3 */
#define PIC_ICW1_ADI        0x04        /* call address interval (8080 only) */
#define PIC_ICW1_LTIM       0x08        /* level triggered mode (ignored) */
#define PIC_ICW1_INIT       0x10        /* identifies ICW1 */

/* ICW2: vector base in bits 7-3. */
#define PIC_ICW2_VECTOR_MASK 0xF8

/* ICW4 */
#define PIC_ICW4_UPM        0x01        /* 8086/8088 mode */
#define PIC_ICW4_AEOI       0x02        /* automatic end of interrupt */
#define PIC_ICW4_MS         0x04        /* buffered master/slave */
#define PIC_ICW4_BUF        0x08        /* buffered mode */
#define PIC_ICW4_SFNM       0x10        /* special fully nested mode */

/* OCW2: command port, bits 4-3 = 00. Bits 7-5 are R, SL, EOI; 2-0 the IR. */
#define PIC_OCW2_LEVEL_MASK 0x07
#define PIC_OCW2_CMD_MASK   0xE0
#define PIC_OCW2_ROTATE_AEOI_CLEAR 0x00
#define PIC_OCW2_EOI        0x20        /* non-specific EOI */
#define PIC_OCW2_NOP        0x40
#define PIC_OCW2_SEOI       0x60        /* specific EOI */
#define PIC_OCW2_ROTATE_AEOI_SET 0x80
#define PIC_OCW2_ROTATE_EOI 0xA0        /* rotate on non-specific EOI */
#define PIC_OCW2_SET_PRIO   0xC0        /* the IR given becomes lowest priority */
#define PIC_OCW2_ROTATE_SEOI 0xE0       /* rotate on specific EOI */

/* OCW3: command port, bits 4-3 = 01. */
#define PIC_OCW3_SEL        0x08        /* identifies OCW3 (with bit 4 clear) */
#define PIC_OCW3_RIS        0x01        /* read ISR (else IRR) ... */
#define PIC_OCW3_RR         0x02        /* ... when this bit is set */
#define PIC_OCW3_POLL       0x04        /* poll command */
#define PIC_OCW3_SMM        0x20        /* special mask mode on (else off) ... */
#define PIC_OCW3_ESMM       0x40        /* ... when this bit is set */

/* Poll word returned by a read after the poll command. */
#define PIC_POLL_INT        0x80        /* an interrupt was pending */

/* ELCR bits that can be set: IRQ 0, 1, 2 and 8, 13 are always edge. */
#define VPIC_ELCR_MASTER_MASK 0xF8
#define VPIC_ELCR_SLAVE_MASK  0xDE

/* The state a BIOS leaves the vectors in (see the file comment). */
#define VPIC_BIOS_MASTER_VECTOR 0x08
#define VPIC_BIOS_SLAVE_VECTOR  0x70

struct vpic_chip {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t lines;          /* current level of each input */
    uint8_t elcr;           /* 1 = level triggered */
    uint8_t elcr_mask;      /* ELCR bits that can be set */
    uint8_t vector_base;    /* ICW2 & 0xF8 */
    uint8_t icw3;           /* master: inputs with a slave; slave: its ID */
    uint8_t icw_next;       /* 2, 3, 4: next data write is that ICW; 0: operational */
    uint8_t prio_base;      /* IR with the highest priority (rotation) */
    bool icw4_expected;     /* ICW1 IC4 */
    bool single;            /* ICW1 SNGL */
    bool auto_eoi;          /* ICW4 AEOI */
    bool sfnm;              /* ICW4 SFNM (accepted, not implemented) */
    bool rotate_aeoi;       /* OCW2: rotate in automatic EOI mode */
    bool special_mask;      /* OCW3: special mask mode */
    bool read_isr;          /* OCW3: command port reads ISR (else IRR) */
    bool poll;              /* OCW3: the next read is a poll */
};

struct vpic8259 {
    struct vpic_chip chip[2];       /* [0] master, [1] slave */
    struct virq_line int_out;       /* INT to the CPU; .set may be NULL */
    bool int_level;                 /* last level reported on int_out */
};

/* Reset both chips to the BIOS-like state described above, ELCR all edge,
 * all inputs low, INT output low and not connected. */
void vpic8259_init(struct vpic8259 *p);

/* Optional: report the INT output (the level of vpic8259_has_interrupt)
 * on `out` (copied; its `line` is passed through): the current level right
 * away, then every change, from inside the vpic8259_* call that made it.
 * Called with NULL, disconnects. */
void vpic8259_connect_output(struct vpic8259 *p, const struct virq_line *out);

/* Drive input `irq` (0-15) to `level`. Edge inputs latch a request on a
 * low-to-high change; level inputs (ELCR) request while high. Out-of-range
 * numbers and IRQ 2 (the cascade) are ignored. */
void vpic8259_set_irq(struct vpic8259 *p, unsigned irq, bool level);

/* Same as vpic8259_set_irq with ctx = the struct vpic8259, so that a
 * struct virq_line can point straight at the PIC pair. */
void vpic8259_virq_set(void *ctx, unsigned irq, bool level);

/* The master's INT output: an unmasked request of higher priority than
 * anything in service (the slave's through IR2). */
bool vpic8259_has_interrupt(const struct vpic8259 *p);

/* One INTA cycle: the vector (0-255) the CPU should take now. Sets the ISR
 * bit (unless auto-EOI), clears an edge request's IRR bit, and runs the
 * slave's cycle when the master picks IR2. Meant to be called when
 * vpic8259_has_interrupt() is true; if no request is left it returns the
 * spurious vector (master vector base + 7, or slave base + 7 with master
 * IR2 in service). */
int vpic8259_ack(struct vpic8259 *p);

/* Port handlers (struct io_ops). dev is the struct vpic8259; offset is
 * relative to each region's base: master 0x20 and slave 0xA0 (2 ports
 * each), ELCR 0x4D0 (2 ports). Byte accesses; a wider access is split into
 * byte accesses to consecutive ports as the ISA bus does, and bytes past
 * the region read as 0xFF / are dropped. Always return 0. */
int vpic8259_master_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vpic8259_master_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vpic8259_slave_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vpic8259_slave_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vpic8259_elcr_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vpic8259_elcr_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
