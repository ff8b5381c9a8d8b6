/*
 * i8042 keyboard controller and the other legacy system ports (see
 * drivers/virt/vi8042.h).
 */
#include "drivers/virt/vi8042.h"
#include <hv/string.h>

void vi8042_init(struct vi8042 *k, void (*reset)(void *ctx), void *ctx)
{
    memset(k, 0, sizeof(*k));
    k->ram[0] = VI8042_CTR_DEFAULT;
    k->outport = VI8042_OUT_DEFAULT;
    k->reset = reset;
    k->ctx = ctx;
}

/* Ask the VM for a reset. The callback may reinitialise *k, so callers
 * must not touch the device state afterwards. */
static void request_reset(struct vi8042 *k)
{
    if (k->reset)
        k->reset(k->ctx);
}

/* A one-byte register seen through an access of `size` bytes: the bytes
 * above it belong to unclaimed ports and read as all ones. */
static uint64_t byte_result(unsigned size, uint8_t v)
{
    uint64_t ones = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;

    return (ones & ~0xFFULL) | v;
}

/* ---- keyboard controller ---- */

static void put_output(struct vi8042 *k, uint8_t v, bool aux)
{
    k->obuf = v;
    k->status |= VI8042_STS_OBF;
    if (aux)
        k->status |= VI8042_STS_AUX_OBF;
    else
        k->status &= (uint8_t)~VI8042_STS_AUX_OBF;
}

int vi8042_data_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vi8042 *k = dev;
    uint8_t v = 0;

    if (offset != 0) {
        *val = byte_result(size, 0xFF);
        return 0;
    }
    if (k->status & VI8042_STS_OBF) {
        v = k->obuf;
        k->status &= (uint8_t)~(VI8042_STS_OBF | VI8042_STS_AUX_OBF);
    }
    *val = byte_result(size, v);
    return 0;
}

int vi8042_data_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vi8042 *k = dev;
    uint8_t v = (uint8_t)val, cmd = k->pending;
    (void)size;

    if (offset != 0)
        return 0;
    k->status &= (uint8_t)~VI8042_STS_CMD;
    k->pending = 0;
    if (cmd >= VI8042_CMD_WRITE_RAM && cmd <= (VI8042_CMD_WRITE_RAM | VI8042_CMD_RAM_MASK)) {
        k->ram[cmd & VI8042_CMD_RAM_MASK] = v;
    } else if (cmd == VI8042_CMD_WRITE_OUTPORT) {
        k->outport = v;
        if (!(v & VI8042_OUT_RESET))            /* reset line is active low */
            request_reset(k);
    } else if (cmd == VI8042_CMD_WRITE_KBD_OBUF || cmd == VI8042_CMD_WRITE_AUX_OBUF) {
        put_output(k, v, cmd == VI8042_CMD_WRITE_AUX_OBUF);
    }
    /* Otherwise the byte is for the keyboard (or, after 0xD4, the mouse):
     * neither is attached. */
    return 0;
}

int vi8042_cmd_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vi8042 *k = dev;
    uint8_t v;

    if (offset != 0) {
        *val = byte_result(size, 0xFF);
        return 0;
    }
    v = (uint8_t)(k->status & (VI8042_STS_OBF | VI8042_STS_CMD | VI8042_STS_AUX_OBF));
    v |= VI8042_STS_UNLOCKED;
    if (k->ram[0] & VI8042_CTR_SYS)
        v |= VI8042_STS_SYS;
    *val = byte_result(size, v);
    return 0;
}

int vi8042_cmd_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vi8042 *k = dev;
    uint8_t cmd = (uint8_t)val;
    (void)size;

    if (offset != 0)
        return 0;
    k->status |= VI8042_STS_CMD;
    k->pending = 0;

    if (cmd >= VI8042_CMD_READ_RAM && cmd <= (VI8042_CMD_READ_RAM | VI8042_CMD_RAM_MASK)) {
        put_output(k, k->ram[cmd & VI8042_CMD_RAM_MASK], false);
        return 0;
    }
    if (cmd >= VI8042_CMD_WRITE_RAM && cmd <= (VI8042_CMD_WRITE_RAM | VI8042_CMD_RAM_MASK)) {
        k->pending = cmd;
        return 0;
    }
    if (cmd >= VI8042_CMD_PULSE) {
        /* Bits 3:0 select output port lines to pulse low; line 0 is reset. */
        if (!(cmd & VI8042_OUT_RESET))
            request_reset(k);
        return 0;
    }
    switch (cmd) {
    case VI8042_CMD_AUX_DISABLE:    k->ram[0] |= VI8042_CTR_AUX_DIS; break;
    case VI8042_CMD_AUX_ENABLE:     k->ram[0] &= (uint8_t)~VI8042_CTR_AUX_DIS; break;
    case VI8042_CMD_KBD_DISABLE:    k->ram[0] |= VI8042_CTR_KBD_DIS; break;
    case VI8042_CMD_KBD_ENABLE:     k->ram[0] &= (uint8_t)~VI8042_CTR_KBD_DIS; break;
    case VI8042_CMD_SELF_TEST:      put_output(k, VI8042_SELF_TEST_OK, false); break;
    case VI8042_CMD_AUX_TEST:
    case VI8042_CMD_KBD_TEST:       put_output(k, VI8042_PORT_TEST_OK, false); break;
    case VI8042_CMD_READ_OUTPORT:   put_output(k, k->outport, false); break;
    case VI8042_CMD_A20_DISABLE:    k->outport &= (uint8_t)~VI8042_OUT_A20; break;
    case VI8042_CMD_A20_ENABLE:     k->outport |= VI8042_OUT_A20; break;
    case VI8042_CMD_WRITE_OUTPORT:
    case VI8042_CMD_WRITE_KBD_OBUF:
    case VI8042_CMD_WRITE_AUX_OBUF:
    case VI8042_CMD_WRITE_AUX:      k->pending = cmd; break;
    default:                        break;      /* unknown: ignored */
    }
    return 0;
}

/* ---- port 0x92: system control port A ---- */

int vi8042_sysctl_a_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vi8042 *k = dev;

    *val = byte_result(size, offset == 0 ? k->sysctl_a : 0xFF);
    return 0;
}

int vi8042_sysctl_a_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vi8042 *k = dev;
    uint8_t old = k->sysctl_a, v = (uint8_t)val;
    (void)size;

    if (offset != 0)
        return 0;
    k->sysctl_a = v;
    if (!(old & VI8042_SYSCTL_A_RESET) && (v & VI8042_SYSCTL_A_RESET))
        request_reset(k);
    return 0;
}

/* ---- port 0xCF9: reset control ---- */

int vi8042_rst_cnt_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vi8042 *k = dev;

    *val = byte_result(size, offset == 0 ? k->rst_cnt : 0xFF);
    return 0;
}

int vi8042_rst_cnt_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vi8042 *k = dev;
    (void)size;

    if (offset != 0)
        return 0;
    k->rst_cnt = (uint8_t)val;
    /* Hard (SYS_RST) and soft resets are the same thing here. */
    if (k->rst_cnt & VI8042_RST_CPU)
        request_reset(k);
    return 0;
}

/* ---- port 0x80: POST codes ---- */

int vi8042_post_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vi8042 *k = dev;

    *val = byte_result(size, offset == 0 ? k->post : 0xFF);
    return 0;
}

int vi8042_post_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vi8042 *k = dev;
    (void)size;

    if (offset == 0)
        k->post = (uint8_t)val;
    return 0;
}
