/*
 * Per-VM table of emulated device ranges in port I/O and MMIO space. A
 * device registers a range with its read/write callbacks; exit handlers
 * route accesses to it with the offset inside the range. Port lookup is one
 * table index (the hot path of every port access).
 */
#ifndef VMM_IO_BUS_H
#define VMM_IO_BUS_H

#include <hv/types.h>
#include <hv/errno.h>

#define IO_BUS_ENOENT HV_ENOENT

enum io_space { IO_SPACE_PIO, IO_SPACE_MMIO };

struct io_ops {
    /* Return 0, or negative if the device refuses the access. size is 1, 2, 4 or 8. */
    int (*read)(void *dev, uint64_t offset, unsigned size, uint64_t *val);
    int (*write)(void *dev, uint64_t offset, unsigned size, uint64_t val);
};

struct io_region {
    enum io_space space;
    uint64_t base, len;
    const struct io_ops *ops;
    void *dev;
    const char *name;
};

#define IO_BUS_MAX_REGIONS 32

struct io_bus {
    struct io_region regions[IO_BUS_MAX_REGIONS];
    unsigned nregions;
    uint8_t port_region[65536];     /* 1 + index into regions, 0 = unclaimed */
};

void io_bus_init(struct io_bus *bus);

/*
 * Claim [base, base+len) in `space` for a device. Returns 0, -HV_EINVAL for
 * an empty or wrapping range (or ports past 0xFFFF), -HV_EBUSY if it
 * overlaps a registered range, -HV_E2BIG when the table is full.
 */
int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base, uint64_t len,
                    const struct io_ops *ops, void *dev, const char *name) __must_check;

static inline const struct io_region *io_bus_find_port(const struct io_bus *bus, uint16_t port)
{
    unsigned i = bus->port_region[port];
    return i ? &bus->regions[i - 1] : NULL;
}

/* The MMIO region holding [gpa, gpa+size), or NULL. */
const struct io_region *io_bus_find_mmio(const struct io_bus *bus, uint64_t gpa, unsigned size);

static inline uint64_t io_all_ones(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * Port accesses (inline: they are on the exit path of every port access).
 * Unclaimed ports read as all ones and drop writes; both then return
 * -HV_ENOENT so the caller can log the port once.
 */
static inline int io_bus_port_read(const struct io_bus *bus, uint16_t port, unsigned size,
                                   uint64_t *val)
{
    const struct io_region *r = io_bus_find_port(bus, port);
    if (unlikely(!r || !r->ops->read)) {
        *val = io_all_ones(size);
        return -IO_BUS_ENOENT;
    }
    return r->ops->read(r->dev, port - r->base, size, val);
}

static inline int io_bus_port_write(const struct io_bus *bus, uint16_t port, unsigned size,
                                    uint64_t val)
{
    const struct io_region *r = io_bus_find_port(bus, port);
    if (unlikely(!r))
        return -IO_BUS_ENOENT;
    return r->ops->write ? r->ops->write(r->dev, port - r->base, size, val) : 0;
}

/* MMIO accesses: -HV_ENOENT when no device claims the range. */
int io_bus_mmio_read(const struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t *val);
int io_bus_mmio_write(const struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t val);

#endif
