/*
 * 8259A PIC pair with ELCR (see drivers/virt/vpic8259.h for the reference
 * and what is left out).
 *
 * Priorities: IR `prio_base` has the highest priority, then prio_base+1 and
 * so on round the ring of eight (prio_base is 0 until a rotation changes
 * it). A request gets the CPU when it is unmasked and of strictly higher
 * priority than the highest in-service level (fully nested mode); in
 * special mask mode, masked in-service levels do not block.
 */
#include "drivers/virt/vpic8259.h"
#include <hv/string.h>
#include "hv/lab.h"

#define MASTER 0
#define SLAVE  1
#define SPURIOUS_IR 7

/* Priority rank of IR `ir` on chip c: 0 is the highest. */
static unsigned prio_rank(const struct vpic_chip *c, unsigned ir)
{
    return (ir - c->prio_base) & 7;
}

/* The highest-priority IR set in `bits`, or -1 if none. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
    for (unsigned r = 0; r < 8; r++) {
        unsigned ir = (c->prio_base + r) & 7;
        if (bits & BIT(ir))
            return (int)ir;
    }
    return -1;
}

/* The IR that would be acknowledged now, or -1 (INT output low). */
static int chip_pending(const struct vpic_chip *c)
{
    int req = highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    uint8_t blocking = c->special_mask ? (c->isr & ~c->imr) : c->isr;
    int srv = highest(c, blocking);
    if (srv >= 0 && prio_rank(c, (unsigned)req) >= prio_rank(c, (unsigned)srv))
        return -1;
    return req;
}

/* Does the master treat IR `ir` as a cascade input (slave supplies the vector)? */
static bool is_cascade(const struct vpic_chip *m, unsigned ir)
{
    return ir == VPIC_CASCADE_IR && !m->single && (m->icw3 & BIT(VPIC_CASCADE_IR));
}

/* Acknowledge `ir` on one chip (an INTA cycle or a poll read). */
static void chip_ack(struct vpic_chip *c, unsigned ir)
{
    uint8_t bit = (uint8_t)BIT(ir);

    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit;        /* edge latch consumed; level follows the line */
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->prio_base = (uint8_t)((ir + 1) & 7);
    } else {
        c->isr |= bit;
    }
}

/* After any change: feed the slave's INT into master IR2 and report the
 * master's INT output if it changed. */
static void pic_update(struct vpic8259 *p)
{
    if (chip_pending(&p->chip[SLAVE]) >= 0)
        p->chip[MASTER].irr |= (uint8_t)BIT(VPIC_CASCADE_IR);

    bool level = chip_pending(&p->chip[MASTER]) >= 0;
    if (level != p->int_level) {
        p->int_level = level;
        virq_set(&p->int_out, level);
    }
}

static void chip_reset(struct vpic_chip *c, uint8_t vector_base, uint8_t icw3, uint8_t elcr_mask)
{
    *c = (struct vpic_chip){
        .imr = 0xFF,
        .elcr_mask = elcr_mask,
        .vector_base = vector_base,
        .icw3 = icw3,
        .icw4_expected = true,
    };
}

void vpic8259_init(struct vpic8259 *p)
{
    memset(p, 0, sizeof(*p));
    chip_reset(&p->chip[MASTER], VPIC_BIOS_MASTER_VECTOR, BIT(VPIC_CASCADE_IR),
               VPIC_ELCR_MASTER_MASK);
    chip_reset(&p->chip[SLAVE], VPIC_BIOS_SLAVE_VECTOR, VPIC_CASCADE_IR,
               VPIC_ELCR_SLAVE_MASK);
}

void vpic8259_connect_output(struct vpic8259 *p, const struct virq_line *out)
{
    if (out)
        p->int_out = *out;
    else
        p->int_out = (struct virq_line){ 0 };
    p->int_level = chip_pending(&p->chip[MASTER]) >= 0;
    virq_set(&p->int_out, p->int_level);
}

void vpic8259_set_irq(struct vpic8259 *p, unsigned irq, bool level)
{
    if (irq >= VPIC_NUM_IRQS || irq == VPIC_CASCADE_IR)
        return;

    struct vpic_chip *c = &p->chip[irq >> 3];
    uint8_t bit = (uint8_t)BIT(irq & 7);

    if (c->elcr & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;    /* request withdrawn before INTA */
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit;                  /* rising edge */
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= (uint8_t)~bit;
    pic_update(p);
}

void vpic8259_virq_set(void *ctx, unsigned irq, bool level)
{
    vpic8259_set_irq(ctx, irq, level);
}

bool vpic8259_has_interrupt(const struct vpic8259 *p)
{
    return chip_pending(&p->chip[MASTER]) >= 0;
}

int vpic8259_ack(struct vpic8259 *p)
{
    /* LAB 6 BEGIN vpic8259_ack: the INTA cycle: the master's highest request goes in service (through the slave for IR2), answer its vector; no request: the spurious IR7 vector */
    struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
    int ir = chip_pending(m);
    int vector;

    if (ir < 0)
        return m->vector_base + SPURIOUS_IR;

    chip_ack(m, (unsigned)ir);
    if (is_cascade(m, (unsigned)ir)) {
        int sir = chip_pending(s);
        if (sir < 0) {
            vector = s->vector_base + SPURIOUS_IR;  /* master IR2 stays in service */
        } else {
            chip_ack(s, (unsigned)sir);
            vector = s->vector_base + sir;
        }
    } else {
        vector = m->vector_base + ir;
    }
    pic_update(p);
    return vector;
    /* LAB 6 END */
}

/* ---- command and data ports --------------------------------------------- */

static void write_icw1(struct vpic_chip *c, uint8_t v)
{
    /* The edge sense latches are reset: edge inputs need a new rising edge;
     * asserted level inputs keep requesting. */
    c->irr = c->lines & c->elcr;
    c->isr = 0;
    c->imr = 0;
    c->prio_base = 0;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    c->single = v & PIC_ICW1_SNGL;
    c->icw4_expected = v & PIC_ICW1_IC4;
    if (!c->icw4_expected) {
        c->auto_eoi = false;
        c->sfnm = false;
    }
    c->icw_next = 2;
}

static void write_ocw2(struct vpic_chip *c, uint8_t v)
{
    unsigned level = v & PIC_OCW2_LEVEL_MASK;
    int ir;

    switch (v & PIC_OCW2_CMD_MASK) {
    case PIC_OCW2_EOI:
    case PIC_OCW2_ROTATE_EOI:
        ir = highest(c, c->isr);
        if (ir < 0)
            break;
        c->isr &= (uint8_t)~BIT(ir);
        if ((v & PIC_OCW2_CMD_MASK) == PIC_OCW2_ROTATE_EOI)
            c->prio_base = (uint8_t)((ir + 1) & 7);
        break;
    case PIC_OCW2_SEOI:
        c->isr &= (uint8_t)~BIT(level);
        break;
    case PIC_OCW2_ROTATE_SEOI:
        c->isr &= (uint8_t)~BIT(level);
        c->prio_base = (uint8_t)((level + 1) & 7);
        break;
    case PIC_OCW2_SET_PRIO:
        c->prio_base = (uint8_t)((level + 1) & 7);
        break;
    case PIC_OCW2_ROTATE_AEOI_SET:
        c->rotate_aeoi = true;
        break;
    case PIC_OCW2_ROTATE_AEOI_CLEAR:
        c->rotate_aeoi = false;
        break;
    default:                            /* PIC_OCW2_NOP */
        break;
    }
}

static void write_ocw3(struct vpic_chip *c, uint8_t v)
{
    if (v & PIC_OCW3_RR)
        c->read_isr = v & PIC_OCW3_RIS;
    if (v & PIC_OCW3_ESMM)
        c->special_mask = v & PIC_OCW3_SMM;
    c->poll = v & PIC_OCW3_POLL;
}

static void chip_write(struct vpic8259 *p, unsigned idx, unsigned reg, uint8_t v)
{
    struct vpic_chip *c = &p->chip[idx];

    if (reg == PIC_REG_CMD) {
        if (v & PIC_ICW1_INIT)
            write_icw1(c, v);
        else if (v & PIC_OCW3_SEL)
            write_ocw3(c, v);
        else
            write_ocw2(c, v);
    } else {
        switch (c->icw_next) {
        case 2:
            c->vector_base = v & PIC_ICW2_VECTOR_MASK;
            c->icw_next = c->single ? (c->icw4_expected ? 4 : 0) : 3;
            break;
        case 3:
            c->icw3 = v;
            c->icw_next = c->icw4_expected ? 4 : 0;
            break;
        case 4:
            c->auto_eoi = v & PIC_ICW4_AEOI;
            c->sfnm = v & PIC_ICW4_SFNM;
            c->icw_next = 0;
            break;
        default:
            c->imr = v;                 /* OCW1 */
            break;
        }
    }
    /* ICW1 on the master drops the IR2 latch; pic_update re-feeds it. */
    pic_update(p);
}

/* A read after the poll command: acknowledge this chip's highest request
 * and report it (the master reports IR2 for the slave; software then polls
 * the slave). */
static uint8_t chip_poll(struct vpic8259 *p, unsigned idx)
{
    struct vpic_chip *c = &p->chip[idx];
    int ir;

    c->poll = false;
    ir = chip_pending(c);
    if (ir < 0)
        return 0;
    chip_ack(c, (unsigned)ir);
    pic_update(p);
    return (uint8_t)(PIC_POLL_INT | ir);
}

static uint8_t chip_read(struct vpic8259 *p, unsigned idx, unsigned reg)
{
    struct vpic_chip *c = &p->chip[idx];

    if (c->poll)
        return chip_poll(p, idx);
    if (reg == PIC_REG_CMD)
        return c->read_isr ? c->isr : c->irr;
    return c->imr;
}

/* ---- port handlers --------------------------------------------------------- */

/* Split an access into byte accesses on consecutive ports. */
static uint64_t bytes_read(struct vpic8259 *p, unsigned idx, uint64_t offset, unsigned size,
                           unsigned nports, uint8_t (*rd)(struct vpic8259 *, unsigned, unsigned))
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i;
        uint8_t b = reg < nports ? rd(p, idx, (unsigned)reg) : 0xFF;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void bytes_write(struct vpic8259 *p, unsigned idx, uint64_t offset, unsigned size,
                        uint64_t val, unsigned nports,
                        void (*wr)(struct vpic8259 *, unsigned, unsigned, uint8_t))
{
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i;
        if (reg < nports)
            wr(p, idx, (unsigned)reg, (uint8_t)(val >> (8 * i)));
    }
}

int vpic8259_master_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    *val = bytes_read(dev, MASTER, offset, size, VPIC_NUM_PORTS, chip_read);
    return 0;
}

int vpic8259_master_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    bytes_write(dev, MASTER, offset, size, val, VPIC_NUM_PORTS, chip_write);
    return 0;
}

int vpic8259_slave_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    *val = bytes_read(dev, SLAVE, offset, size, VPIC_NUM_PORTS, chip_read);
    return 0;
}

int vpic8259_slave_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    bytes_write(dev, SLAVE, offset, size, val, VPIC_NUM_PORTS, chip_write);
    return 0;
}

/* ELCR: the register index is the chip (0x4D0 master, 0x4D1 slave). */
static uint8_t elcr_read(struct vpic8259 *p, unsigned idx, unsigned reg)
{
    (void)idx;
    return p->chip[reg].elcr;
}

static void elcr_write(struct vpic8259 *p, unsigned idx, unsigned reg, uint8_t v)
{
    struct vpic_chip *c = &p->chip[reg];
    (void)idx;

    c->elcr = v & c->elcr_mask;
    /* Inputs now level triggered request exactly while their line is high. */
    c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
    pic_update(p);
}

int vpic8259_elcr_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    *val = bytes_read(dev, 0, offset, size, VPIC_ELCR_NUM_PORTS, elcr_read);
    return 0;
}

int vpic8259_elcr_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    bytes_write(dev, 0, offset, size, val, VPIC_ELCR_NUM_PORTS, elcr_write);
    return 0;
}
