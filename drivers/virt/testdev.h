/*
 * "testdev": a tiny MMIO device for exercising the MMIO path and the
 * instruction emulator from test guests (in the spirit of QEMU's pc-testdev).
 *   0x000-0x07F  sixteen 64-bit scratch registers, any width at any offset
 *   0x100        32-bit identification register, reads TESTDEV_ID
 *   0x200        console: byte writes go to the guest's console
 * Everything else reads as zero and ignores writes.
 */
#ifndef DRIVERS_VIRT_TESTDEV_H
#define DRIVERS_VIRT_TESTDEV_H

#include <hv/types.h>
#include "drivers/virt/vconsole.h"

#define TESTDEV_MMIO_SIZE   0x1000
#define TESTDEV_REG_SCRATCH 0x000
#define TESTDEV_SCRATCH_LEN 0x80
#define TESTDEV_REG_ID      0x100
#define TESTDEV_REG_CONSOLE 0x200
#define TESTDEV_ID          0x7E57DE00u

struct testdev {
    uint8_t scratch[TESTDEV_SCRATCH_LEN];
    struct vconsole *out;
    uint64_t reads, writes;
};

void testdev_init(struct testdev *t, struct vconsole *out);
int testdev_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int testdev_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
