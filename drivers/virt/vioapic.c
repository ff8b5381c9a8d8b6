/* I/O APIC model (see drivers/virt/vioapic.h). */
#include "drivers/virt/vioapic.h"
#include <hv/string.h>

void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops, void *ctx)
{
    memset(io, 0, sizeof(*io));
    io->id = ((uint32_t)id << IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
    io->arb = io->id;
    io->ops = ops;
    io->ctx = ctx;
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++)
        io->redir[i] = IOAPIC_RTE_MASKED;
}

/* Polarity-adjusted input of pin n. */
static bool asserted(const struct vioapic *io, unsigned n)
{
    bool pin = io->pins & (1u << n);

    return (io->redir[n] & IOAPIC_RTE_POLARITY_LOW) ? !pin : pin;
}

/* Send entry n's interrupt. Returns whether a local APIC accepted it. */
static bool deliver(struct vioapic *io, unsigned n)
{
    uint64_t e = io->redir[n];
    uint64_t dm = e & IOAPIC_RTE_DM_MASK;
    bool ok = false;

    if (dm != IOAPIC_RTE_DM_FIXED && dm != IOAPIC_RTE_DM_LOWEST) {
        io->stats.unsupported++;
        io->stats.last_unsupported = e;
        return false;
    }
    if (io->ops && io->ops->deliver)
        ok = io->ops->deliver(io->ctx, (uint8_t)(e & IOAPIC_RTE_VECTOR_MASK),
                              (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT),
                              e & IOAPIC_RTE_DEST_LOGICAL, e & IOAPIC_RTE_LEVEL);
    if (ok)
        io->stats.delivered++;
    else
        io->stats.refused++;
    return ok;
}

/* A level entry delivers while asserted, unmasked and remote IRR clear. */
static void service_level(struct vioapic *io, unsigned n)
{
    uint64_t e = io->redir[n];

    if (!(e & IOAPIC_RTE_LEVEL) || (e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) ||
        !asserted(io, n))
        return;
    if (deliver(io, n))
        io->redir[n] |= IOAPIC_RTE_REMOTE_IRR;
}

void vioapic_set_irq(struct vioapic *io, unsigned gsi, bool level)
{
    bool was;

    if (gsi >= VIOAPIC_NUM_PINS)
        return;
    was = asserted(io, gsi);
    if (level)
        io->pins |= 1u << gsi;
    else
        io->pins &= ~(1u << gsi);

    if (io->redir[gsi] & IOAPIC_RTE_LEVEL)
        service_level(io, gsi);
    else if (!was && asserted(io, gsi) && !(io->redir[gsi] & IOAPIC_RTE_MASKED))
        deliver(io, gsi);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
    for (unsigned n = 0; n < VIOAPIC_NUM_PINS; n++) {
        uint64_t e = io->redir[n];

        if ((e & IOAPIC_RTE_VECTOR_MASK) != vector || !(e & IOAPIC_RTE_LEVEL) ||
            !(e & IOAPIC_RTE_REMOTE_IRR))
            continue;
        io->redir[n] &= ~IOAPIC_RTE_REMOTE_IRR;
        service_level(io, n);
    }
}

/* ---- registers ------------------------------------------------------------- */

static uint32_t reg_read(const struct vioapic *io, uint8_t reg)
{
    switch (reg) {
    case IOAPIC_REG_ID:  return io->id;
    case IOAPIC_REG_VER: return IOAPIC_VER_VALUE;
    case IOAPIC_REG_ARB: return io->arb;
    default:
        break;
    }
    if (reg >= IOAPIC_REG_REDTBL && reg < IOAPIC_REG_REDTBL + 2 * VIOAPIC_NUM_PINS) {
        uint64_t e = io->redir[(reg - IOAPIC_REG_REDTBL) / 2];
        return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;
}

static void write_redir(struct vioapic *io, unsigned n, bool high, uint32_t v)
{
    uint64_t e = io->redir[n], keep, w;

    if (high) {
        w = ((uint64_t)v << 32) & IOAPIC_RTE_WRITABLE;
        keep = e & ~(0xFFFFFFFF00000000ULL);
    } else {
        w = v & IOAPIC_RTE_WRITABLE & 0xFFFFFFFFULL;
        keep = e & (0xFFFFFFFF00000000ULL | IOAPIC_RTE_REMOTE_IRR);
    }
    e = keep | w;
    if (!(e & IOAPIC_RTE_LEVEL))
        e &= ~IOAPIC_RTE_REMOTE_IRR;    /* edge entries have no remote IRR */
    io->redir[n] = e;
    /* An asserted level input delivers once it is unmasked (or becomes
     * level-triggered / asserted through a polarity change). Polarity or
     * trigger changes never make an edge. */
    service_level(io, n);
}

static void reg_write(struct vioapic *io, uint8_t reg, uint32_t v)
{
    if (reg == IOAPIC_REG_ID) {
        io->id = v & IOAPIC_ID_MASK;
        io->arb = io->id;               /* the arbitration ID follows the ID */
    } else if (reg >= IOAPIC_REG_REDTBL && reg < IOAPIC_REG_REDTBL + 2 * VIOAPIC_NUM_PINS) {
        write_redir(io, (reg - IOAPIC_REG_REDTBL) / 2, reg & 1, v);
    }                                   /* VER, ARB, others: read-only / absent */
}

int vioapic_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vioapic *io = dev;

    *val = 0;
    if (offset == IOAPIC_IOREGSEL && size <= 4)
        *val = io->regsel;
    else if (offset == IOAPIC_IOWIN && size == 4)
        *val = reg_read(io, io->regsel);
    return 0;
}

int vioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vioapic *io = dev;

    if (offset == IOAPIC_IOREGSEL && size <= 4)
        io->regsel = (uint8_t)val;
    else if (offset == IOAPIC_IOWIN && size == 4)
        reg_write(io, io->regsel, (uint32_t)val);
    else if (offset == IOAPIC_EOI && size == 4)
        vioapic_eoi(io, (uint8_t)val);
    return 0;
}
