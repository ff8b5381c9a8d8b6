/* The MMIO test device (see drivers/virt/testdev.h). */
#include "drivers/virt/testdev.h"
#include <hv/string.h>
#include "hv/lab.h"

void testdev_init(struct testdev *t, struct vconsole *out)
{
    memset(t, 0, sizeof(*t));
    t->out = out;
}

int testdev_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    /* LAB 7 BEGIN testdev_read: scratch bytes little-endian at any width and offset, the ID register (4 bytes at 0x100), zero elsewhere; count the read */
    struct testdev *t = dev;
    t->reads++;
    *val = 0;
    if (offset + size <= TESTDEV_SCRATCH_LEN) {
        for (unsigned i = 0; i < size; i++)         /* little-endian */
            *val |= (uint64_t)t->scratch[offset + i] << (8 * i);
    } else if (offset == TESTDEV_REG_ID && size == 4) {
        *val = TESTDEV_ID;
    }
    return 0;
    /* LAB 7 END */
}

int testdev_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct testdev *t = dev;
    t->writes++;
    if (offset + size <= TESTDEV_SCRATCH_LEN) {
        for (unsigned i = 0; i < size; i++)
            t->scratch[offset + i] = (uint8_t)(val >> (8 * i));
    } else if (offset == TESTDEV_REG_CONSOLE) {
        vconsole_putc(t->out, (char)val);
    }
    return 0;
}
