/*
 * The PC's legacy system-control ports, as far as an OS touches them to
 * reset the machine, gate A20 or probe for a keyboard controller:
 *
 *   0x60, 0x64  i8042 keyboard controller (reference: IBM PC/AT Technical
 *               Reference, "Keyboard Controller"; command set as in QEMU's
 *               pckbd and Linux's i8042 driver): status register, controller
 *               commands, the 32-byte controller RAM (byte 0 = command byte),
 *               output port (bit 0 = CPU reset line, bit 1 = A20)
 *   0x92        system control port A (PS/2 "fast A20 and reset")
 *   0xCF9       reset control register (Intel PIIX4/ICH "RST_CNT"), the
 *               FADT's RESET_REG
 *   0x80        POST code / delay port: keeps the last byte written
 *
 * Port 0x60 reads return the output buffer (emptying it), or 0 when it is
 * empty (a real controller repeats its last byte). Every way of resetting
 * the machine (command 0xFE, output port bit 0 cleared, port 0x92 bit 0
 * going 0 -> 1, 0xCF9 with RST_CPU) calls one callback; the VM decides
 * what a reset means.
 *
 * Left out:
 *   - keyboard and mouse: none is attached. Bytes the guest sends to them
 *     (data writes to 0x60 outside a controller command, command 0xD4) are
 *     dropped, so device probes time out; no scan codes ever arrive;
 *   - interrupts (IRQ 1 / IRQ 12): the output buffer only ever holds
 *     replies to controller commands, which guests poll for;
 *   - A20 masking: the gate bits are stored and read back, but guest memory
 *     is never wrapped at 1 MiB;
 *   - password, diagnostic and vendor commands (0xA4-0xA6, 0xC0-0xCF, ...):
 *     ignored, as are unknown ones;
 *   - 0xCF9 lies in the PCI configuration ports 0xCF8-0xCFF: a PCI host
 *     bridge model that claims them must pass byte accesses at 0xCF9 here.
 */
#ifndef DRIVERS_VIRT_VI8042_H
#define DRIVERS_VIRT_VI8042_H

#include <hv/types.h>

/* Status register (read at 0x64) */
#define VI8042_STS_OBF          0x01    /* output buffer full: read 0x60 */
#define VI8042_STS_IBF          0x02    /* input buffer full: always 0 (we are instant) */
#define VI8042_STS_SYS          0x04    /* system flag, = command byte bit 2 */
#define VI8042_STS_CMD          0x08    /* last write was to 0x64 (command) */
#define VI8042_STS_UNLOCKED     0x10    /* keyboard not inhibited by the key lock */
#define VI8042_STS_AUX_OBF      0x20    /* output buffer byte is from the aux port */

/* Command byte (controller RAM byte 0) */
#define VI8042_CTR_KBD_INT      0x01
#define VI8042_CTR_AUX_INT      0x02
#define VI8042_CTR_SYS          0x04
#define VI8042_CTR_KBD_DIS      0x10
#define VI8042_CTR_AUX_DIS      0x20
#define VI8042_CTR_XLATE        0x40
/* As a BIOS leaves it: keyboard interrupt, POST passed, translation, aux off. */
#define VI8042_CTR_DEFAULT      (VI8042_CTR_KBD_INT | VI8042_CTR_SYS | VI8042_CTR_XLATE | \
                                 VI8042_CTR_AUX_DIS)

/* Controller commands (written to 0x64) */
#define VI8042_CMD_READ_RAM     0x20    /* 0x20-0x3F: read RAM byte (cmd & 0x1F) */
#define VI8042_CMD_WRITE_RAM    0x60    /* 0x60-0x7F: next data byte to RAM byte */
#define VI8042_CMD_RAM_MASK     0x1F
#define VI8042_CMD_AUX_DISABLE  0xA7
#define VI8042_CMD_AUX_ENABLE   0xA8
#define VI8042_CMD_AUX_TEST     0xA9    /* reply 0x00: interface OK */
#define VI8042_CMD_SELF_TEST    0xAA    /* reply 0x55 */
#define VI8042_CMD_KBD_TEST     0xAB    /* reply 0x00: interface OK */
#define VI8042_CMD_KBD_DISABLE  0xAD
#define VI8042_CMD_KBD_ENABLE   0xAE
#define VI8042_CMD_READ_OUTPORT 0xD0
#define VI8042_CMD_WRITE_OUTPORT 0xD1   /* next data byte; bit 0 = 0 resets */
#define VI8042_CMD_WRITE_KBD_OBUF 0xD2  /* next data byte appears as keyboard input */
#define VI8042_CMD_WRITE_AUX_OBUF 0xD3  /* next data byte appears as aux input */
#define VI8042_CMD_WRITE_AUX    0xD4    /* next data byte to the mouse: dropped */
#define VI8042_CMD_A20_DISABLE  0xDD
#define VI8042_CMD_A20_ENABLE   0xDF
#define VI8042_CMD_PULSE        0xF0    /* 0xF0-0xFF: pulse output port bits 3:0 low */
#define VI8042_CMD_PULSE_RESET  0xFE    /* pulse bit 0 only: the reset line */

#define VI8042_SELF_TEST_OK     0x55
#define VI8042_PORT_TEST_OK     0x00

/* Output port bits */
#define VI8042_OUT_RESET        0x01    /* CPU reset line, active low */
#define VI8042_OUT_A20          0x02
#define VI8042_OUT_DEFAULT      (VI8042_OUT_RESET | VI8042_OUT_A20)

/* System control port A (0x92) */
#define VI8042_SYSCTL_A_RESET   0x01    /* 0 -> 1 resets the machine */
#define VI8042_SYSCTL_A_A20     0x02

/* Reset control register (0xCF9) */
#define VI8042_RST_SYS          0x02    /* SYS_RST: full (hard) reset rather than INIT */
#define VI8042_RST_CPU          0x04    /* RST_CPU: writing 1 resets */
#define VI8042_RST_FULL         0x08    /* FULL_RST: also cycle power */

#define VI8042_RAM_SIZE         32

struct vi8042 {
    /* keyboard controller */
    uint8_t ram[VI8042_RAM_SIZE];       /* ram[0] is the command byte */
    uint8_t status;                     /* CMD and OBF/AUX_OBF bits; the rest is derived */
    uint8_t obuf;                       /* output buffer, valid when STS_OBF */
    uint8_t pending;                    /* command waiting for a data byte, 0 = none */
    uint8_t outport;
    /* misc ports */
    uint8_t sysctl_a;                   /* port 0x92 */
    uint8_t rst_cnt;                    /* port 0xCF9, last value written */
    uint8_t post;                       /* port 0x80, last value written */
    void (*reset)(void *ctx);
    void *ctx;
};

/* Power-on state: command byte VI8042_CTR_DEFAULT, output buffer empty,
 * output port VI8042_OUT_DEFAULT, 0x92 / 0xCF9 / 0x80 read 0. `reset(ctx)`
 * (may be NULL) is called whenever the guest asks for a system reset; it
 * may reinitialise this device. */
void vi8042_init(struct vi8042 *k, void (*reset)(void *ctx), void *ctx);

/*
 * io_ops callbacks, one region of length 1 per port (offset is always 0;
 * other offsets read as all ones and drop writes). Only the low byte of a
 * wider access is used; the higher bytes read as all ones, as on a bus
 * where the next ports are unclaimed. Never fail.
 */
int vi8042_data_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);     /* 0x60 */
int vi8042_data_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vi8042_cmd_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);      /* 0x64 */
int vi8042_cmd_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vi8042_sysctl_a_read(void *dev, uint64_t offset, unsigned size, uint64_t *val); /* 0x92 */
int vi8042_sysctl_a_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vi8042_rst_cnt_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);  /* 0xCF9 */
int vi8042_rst_cnt_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
int vi8042_post_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);     /* 0x80 */
int vi8042_post_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
