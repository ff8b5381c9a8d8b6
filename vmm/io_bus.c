/* Device range table and routing (see vmm/io_bus.h). */
#include "vmm/io_bus.h"
#include <hv/errno.h>
#include <hv/string.h>

void io_bus_init(struct io_bus *bus)
{
    memset(bus, 0, sizeof(*bus));
}

int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base, uint64_t len,
                    const struct io_ops *ops, void *dev, const char *name)
{
    if (len == 0 || base + len < base || (space == IO_SPACE_PIO && base + len > 0x10000))
        return -HV_EINVAL;
    for (unsigned i = 0; i < bus->nregions; i++) {
        const struct io_region *r = &bus->regions[i];
        if (r->space == space && base < r->base + r->len && r->base < base + len)
            return -HV_EBUSY;
    }
    if (bus->nregions == IO_BUS_MAX_REGIONS)
        return -HV_E2BIG;

    bus->regions[bus->nregions] = (struct io_region){ space, base, len, ops, dev, name };
    bus->nregions++;
    if (space == IO_SPACE_PIO)
        for (uint64_t p = base; p < base + len; p++)
            bus->port_region[p] = (uint8_t)bus->nregions;
    return 0;
}

const struct io_region *io_bus_find_mmio(const struct io_bus *bus, uint64_t gpa, unsigned size)
{
    for (unsigned i = 0; i < bus->nregions; i++) {
        const struct io_region *r = &bus->regions[i];
        if (r->space == IO_SPACE_MMIO && gpa >= r->base && gpa - r->base + size <= r->len)
            return r;
    }
    return NULL;
}

int io_bus_mmio_read(const struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t *val)
{
    const struct io_region *r = io_bus_find_mmio(bus, gpa, size);
    if (!r)
        return -HV_ENOENT;
    if (!r->ops->read) {
        *val = io_all_ones(size);
        return 0;
    }
    return r->ops->read(r->dev, gpa - r->base, size, val);
}

int io_bus_mmio_write(const struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t val)
{
    const struct io_region *r = io_bus_find_mmio(bus, gpa, size);
    if (!r)
        return -HV_ENOENT;
    return r->ops->write ? r->ops->write(r->dev, gpa - r->base, size, val) : 0;
}
