/*
 * Host unit tests for the small legacy devices: drivers/virt/vi8042.c
 * (i8042, port 0x92, 0xCF9, port 0x80) and drivers/virt/vfwcfg.c (QEMU
 * fw_cfg). Resets are counted by a fake callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vi8042.h"
#include "drivers/virt/vfwcfg.h"

struct fx {
    struct vi8042 k;
    unsigned resets;
};

static void fake_reset(void *ctx)
{
    ((struct fx *)ctx)->resets++;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    vi8042_init(&f->k, fake_reset, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

typedef int (*rd_fn)(void *, uint64_t, unsigned, uint64_t *);
typedef int (*wr_fn)(void *, uint64_t, unsigned, uint64_t);

static uint8_t in8(struct fx *f, rd_fn fn)
{
    uint64_t v;

    assert_int_equal(fn(&f->k, 0, 1, &v), 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void out8(struct fx *f, wr_fn fn, uint8_t v)
{
    assert_int_equal(fn(&f->k, 0, 1, v), 0);
}

static uint8_t status(struct fx *f)  { return in8(f, vi8042_cmd_read); }
static uint8_t data(struct fx *f)    { return in8(f, vi8042_data_read); }
static void command(struct fx *f, uint8_t c) { out8(f, vi8042_cmd_write, c); }
static void put_data(struct fx *f, uint8_t v) { out8(f, vi8042_data_write, v); }

/* ---- i8042 ---- */

static void test_kbc_status(void **state)
{
    struct fx *f = *state;
    uint8_t s = status(f);

    assert_int_equal(s & VI8042_STS_OBF, 0);
    assert_int_equal(s & VI8042_STS_IBF, 0);
    assert_true(s & VI8042_STS_SYS);
    assert_int_equal(data(f), 0);                            /* empty: reads 0 */
    /* The last write's target shows in bit 3. */
    command(f, VI8042_CMD_KBD_ENABLE);
    assert_true(status(f) & VI8042_STS_CMD);
    put_data(f, 0xF4);                                       /* to the (absent) keyboard */
    assert_false(status(f) & VI8042_STS_CMD);
    assert_false(status(f) & VI8042_STS_OBF);               /* no reply */
    assert_int_equal(f->resets, 0);
}

static void test_kbc_self_test(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_SELF_TEST);
    assert_true(status(f) & VI8042_STS_OBF);
    assert_false(status(f) & VI8042_STS_AUX_OBF);
    assert_int_equal(data(f), VI8042_SELF_TEST_OK);
    assert_false(status(f) & VI8042_STS_OBF);
    assert_int_equal(data(f), 0);

    command(f, VI8042_CMD_KBD_TEST);
    assert_int_equal(data(f), VI8042_PORT_TEST_OK);
    command(f, VI8042_CMD_AUX_TEST);
    assert_int_equal(data(f), VI8042_PORT_TEST_OK);
}

static void test_kbc_command_byte(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_READ_RAM);
    assert_int_equal(data(f), VI8042_CTR_DEFAULT);

    command(f, VI8042_CMD_WRITE_RAM);
    assert_false(status(f) & VI8042_STS_OBF);
    put_data(f, VI8042_CTR_XLATE | VI8042_CTR_SYS);
    command(f, VI8042_CMD_READ_RAM);
    assert_int_equal(data(f), VI8042_CTR_XLATE | VI8042_CTR_SYS);

    /* The status SYS bit follows the command byte's. */
    command(f, VI8042_CMD_WRITE_RAM);
    put_data(f, 0);
    assert_false(status(f) & VI8042_STS_SYS);
    command(f, VI8042_CMD_WRITE_RAM);
    put_data(f, VI8042_CTR_SYS);
    assert_true(status(f) & VI8042_STS_SYS);

    /* Other RAM bytes: 0x61 writes byte 1, 0x21 reads it back. */
    command(f, VI8042_CMD_WRITE_RAM | 1);
    put_data(f, 0x3C);
    command(f, VI8042_CMD_READ_RAM | 1);
    assert_int_equal(data(f), 0x3C);
    command(f, VI8042_CMD_READ_RAM);
    assert_int_equal(data(f), VI8042_CTR_SYS);
}

static void test_kbc_enable_disable(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_KBD_DISABLE);
    command(f, VI8042_CMD_READ_RAM);
    assert_true(data(f) & VI8042_CTR_KBD_DIS);
    command(f, VI8042_CMD_KBD_ENABLE);
    command(f, VI8042_CMD_READ_RAM);
    assert_false(data(f) & VI8042_CTR_KBD_DIS);

    command(f, VI8042_CMD_AUX_ENABLE);
    command(f, VI8042_CMD_READ_RAM);
    assert_false(data(f) & VI8042_CTR_AUX_DIS);
    command(f, VI8042_CMD_AUX_DISABLE);
    command(f, VI8042_CMD_READ_RAM);
    assert_true(data(f) & VI8042_CTR_AUX_DIS);
}

static void test_kbc_reset_pulse(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_PULSE_RESET);
    assert_int_equal(f->resets, 1);
    command(f, 0xFF);                                        /* pulses no line */
    command(f, 0xFD);                                        /* line 1, not reset */
    assert_int_equal(f->resets, 1);
    command(f, 0xF0);                                        /* all four, incl. reset */
    assert_int_equal(f->resets, 2);
}

static void test_kbc_output_port(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_READ_OUTPORT);
    assert_int_equal(data(f), VI8042_OUT_DEFAULT);
    command(f, VI8042_CMD_A20_DISABLE);
    command(f, VI8042_CMD_READ_OUTPORT);
    assert_int_equal(data(f), VI8042_OUT_RESET);
    command(f, VI8042_CMD_WRITE_OUTPORT);
    put_data(f, VI8042_OUT_RESET | VI8042_OUT_A20);          /* A20 on, no reset */
    assert_int_equal(f->resets, 0);
    command(f, VI8042_CMD_READ_OUTPORT);
    assert_int_equal(data(f), VI8042_OUT_DEFAULT);
    command(f, VI8042_CMD_WRITE_OUTPORT);
    put_data(f, VI8042_OUT_A20);                             /* reset line low */
    assert_int_equal(f->resets, 1);
}

static void test_kbc_write_obuf(void **state)
{
    struct fx *f = *state;

    command(f, VI8042_CMD_WRITE_AUX_OBUF);
    put_data(f, 0xA5);
    assert_int_equal(status(f) & (VI8042_STS_OBF | VI8042_STS_AUX_OBF),
                     VI8042_STS_OBF | VI8042_STS_AUX_OBF);
    assert_int_equal(data(f), 0xA5);
    assert_int_equal(status(f) & (VI8042_STS_OBF | VI8042_STS_AUX_OBF), 0);
    command(f, VI8042_CMD_WRITE_KBD_OBUF);
    put_data(f, 0x1C);
    assert_int_equal(status(f) & (VI8042_STS_OBF | VI8042_STS_AUX_OBF), VI8042_STS_OBF);
    assert_int_equal(data(f), 0x1C);
    /* 0xD4: the byte goes to the absent mouse. */
    command(f, VI8042_CMD_WRITE_AUX);
    put_data(f, 0xFF);
    assert_false(status(f) & VI8042_STS_OBF);
}

static void test_wide_access(void **state)
{
    struct fx *f = *state;
    uint64_t v;

    command(f, VI8042_CMD_SELF_TEST);
    assert_int_equal(vi8042_data_read(&f->k, 0, 2, &v), 0);
    assert_int_equal(v, 0xFF00 | VI8042_SELF_TEST_OK);      /* port 0x61 unclaimed here */
    assert_int_equal(vi8042_post_write(&f->k, 0, 2, 0x1234), 0);
    assert_int_equal(vi8042_post_read(&f->k, 0, 4, &v), 0);
    assert_int_equal(v, 0xFFFFFF34);
}

/* ---- port 0x92 ---- */

static void test_port92(void **state)
{
    struct fx *f = *state;

    assert_int_equal(in8(f, vi8042_sysctl_a_read), 0);
    out8(f, vi8042_sysctl_a_write, VI8042_SYSCTL_A_A20);
    assert_int_equal(in8(f, vi8042_sysctl_a_read), VI8042_SYSCTL_A_A20);
    assert_int_equal(f->resets, 0);
    out8(f, vi8042_sysctl_a_write, VI8042_SYSCTL_A_A20 | VI8042_SYSCTL_A_RESET);
    assert_int_equal(f->resets, 1);
    /* Only a 0 -> 1 transition resets. */
    out8(f, vi8042_sysctl_a_write, VI8042_SYSCTL_A_A20 | VI8042_SYSCTL_A_RESET);
    assert_int_equal(f->resets, 1);
    out8(f, vi8042_sysctl_a_write, VI8042_SYSCTL_A_A20);
    out8(f, vi8042_sysctl_a_write, VI8042_SYSCTL_A_RESET);
    assert_int_equal(f->resets, 2);
    assert_int_equal(in8(f, vi8042_sysctl_a_read), VI8042_SYSCTL_A_RESET);
}

/* ---- 0xCF9 ---- */

static void test_cf9(void **state)
{
    struct fx *f = *state;

    assert_int_equal(in8(f, vi8042_rst_cnt_read), 0);
    out8(f, vi8042_rst_cnt_write, VI8042_RST_SYS);          /* the usual first write */
    assert_int_equal(f->resets, 0);
    assert_int_equal(in8(f, vi8042_rst_cnt_read), VI8042_RST_SYS);
    out8(f, vi8042_rst_cnt_write, VI8042_RST_SYS | VI8042_RST_CPU);
    assert_int_equal(f->resets, 1);
    assert_int_equal(in8(f, vi8042_rst_cnt_read), VI8042_RST_SYS | VI8042_RST_CPU);
    out8(f, vi8042_rst_cnt_write, VI8042_RST_CPU);           /* soft reset too */
    assert_int_equal(f->resets, 2);
}

/* A reset callback that reinitialises the device, as a VM reset would. */
static void reinit_reset(void *ctx)
{
    struct fx *f = ctx;

    f->resets++;
    vi8042_init(&f->k, reinit_reset, f);
}

static void test_reset_reinitialises(void **state)
{
    struct fx *f = *state;

    vi8042_init(&f->k, reinit_reset, f);
    out8(f, vi8042_post_write, 0x42);
    out8(f, vi8042_rst_cnt_write, VI8042_RST_SYS | VI8042_RST_CPU);
    assert_int_equal(f->resets, 1);
    assert_int_equal(in8(f, vi8042_rst_cnt_read), 0);
    assert_int_equal(in8(f, vi8042_post_read), 0);
}

/* ---- port 0x80 ---- */

static void test_post_code(void **state)
{
    struct fx *f = *state;

    assert_int_equal(in8(f, vi8042_post_read), 0);
    out8(f, vi8042_post_write, 0x42);
    out8(f, vi8042_post_write, 0x55);
    assert_int_equal(in8(f, vi8042_post_read), 0x55);
    assert_int_equal(f->resets, 0);
}

/* ---- fw_cfg ---- */

static void select_item(struct vfwcfg *c, uint16_t key)
{
    assert_int_equal(vfwcfg_write(c, 0, 2, key), 0);
}

static uint8_t fw_byte(struct vfwcfg *c)
{
    uint64_t v;

    assert_int_equal(vfwcfg_read(c, 1, 1, &v), 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void fw_bytes(struct vfwcfg *c, uint16_t key, uint8_t *out, size_t n)
{
    select_item(c, key);
    for (size_t i = 0; i < n; i++)
        out[i] = fw_byte(c);
}

static uint64_t fw_le(struct vfwcfg *c, uint16_t key, unsigned n)
{
    uint8_t b[8];
    uint64_t v = 0;

    fw_bytes(c, key, b, n);
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void test_fwcfg_items(void **state)
{
    struct vfwcfg c;
    uint8_t b[16];
    (void)state;

    vfwcfg_init(&c, MiB(64), 4);
    fw_bytes(&c, VFWCFG_SIGNATURE, b, 4);
    assert_memory_equal(b, "QEMU", 4);
    assert_int_equal(fw_le(&c, VFWCFG_ID, 4), VFWCFG_ID_TRADITIONAL);
    assert_int_equal(fw_le(&c, VFWCFG_RAM_SIZE, 8), 64ULL << 20);
    assert_int_equal(fw_le(&c, VFWCFG_NB_CPUS, 2), 4);
    assert_int_equal(fw_le(&c, VFWCFG_MAX_CPUS, 2), 4);
    fw_bytes(&c, VFWCFG_FILE_DIR, b, 4);                    /* big-endian count 0 */
    assert_memory_equal(b, "\0\0\0\0", 4);

    /* A RAM size above 4 GiB keeps its high bytes. */
    vfwcfg_init(&c, GiB(6) + 0x1234, 1);
    assert_int_equal(fw_le(&c, VFWCFG_RAM_SIZE, 8), GiB(6) + 0x1234);
}

static void test_fwcfg_signature_at_init(void **state)
{
    struct vfwcfg c;
    uint8_t b[4];
    (void)state;

    vfwcfg_init(&c, MiB(64), 1);                             /* selector 0 is current */
    for (int i = 0; i < 4; i++)
        b[i] = fw_byte(&c);
    assert_memory_equal(b, "QEMU", 4);
}

static void test_fwcfg_offsets(void **state)
{
    struct vfwcfg c;
    uint8_t b[4];
    (void)state;

    vfwcfg_init(&c, MiB(64), 2);
    select_item(&c, VFWCFG_SIGNATURE);
    assert_int_equal(fw_byte(&c), 'Q');
    assert_int_equal(fw_byte(&c), 'E');
    /* Selecting again rewinds, even the same item. */
    select_item(&c, VFWCFG_SIGNATURE);
    assert_int_equal(fw_byte(&c), 'Q');
    /* Past the end: zeros, and it stays there. */
    select_item(&c, VFWCFG_NB_CPUS);
    assert_int_equal(fw_byte(&c), 2);
    assert_int_equal(fw_byte(&c), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(fw_byte(&c), 0);
    select_item(&c, VFWCFG_NB_CPUS);
    assert_int_equal(fw_byte(&c), 2);

    /* Unknown keys (incl. arch-local ones) read as zeros. */
    fw_bytes(&c, 0x0042, b, 4);
    assert_memory_equal(b, "\0\0\0\0", 4);
    fw_bytes(&c, VFWCFG_ARCH_LOCAL | 0x3, b, 4);             /* QEMU's e820 table */
    assert_memory_equal(b, "\0\0\0\0", 4);
    /* The write-channel bit does not change what is read. */
    fw_bytes(&c, VFWCFG_WRITE_CHANNEL | VFWCFG_SIGNATURE, b, 4);
    assert_memory_equal(b, "QEMU", 4);
}

static void test_fwcfg_port_accesses(void **state)
{
    struct vfwcfg c;
    uint64_t v;
    (void)state;

    vfwcfg_init(&c, MiB(64), 2);
    /* The selector is one 16-bit write: 0x0003 selects the RAM size ... */
    assert_int_equal(vfwcfg_write(&c, 0, 2, VFWCFG_RAM_SIZE), 0);
    assert_int_equal(fw_byte(&c), 0);
    assert_int_equal(fw_byte(&c), 0);
    assert_int_equal(fw_byte(&c), 0);
    assert_int_equal(fw_byte(&c), 0x04);                     /* 64 MiB = 0x04000000 */
    /* ... and the high byte counts: 0x0105 is not 0x0005. */
    assert_int_equal(vfwcfg_write(&c, 0, 2, 0x0105), 0);
    assert_int_equal(fw_byte(&c), 0);
    assert_int_equal(vfwcfg_write(&c, 0, 2, VFWCFG_NB_CPUS), 0);
    assert_int_equal(fw_byte(&c), 2);
    /* Byte writes to 0x510 and data writes change nothing. */
    assert_int_equal(vfwcfg_write(&c, 0, 1, VFWCFG_SIGNATURE), 0);
    assert_int_equal(vfwcfg_write(&c, 1, 1, 0x77), 0);
    assert_int_equal(fw_byte(&c), 0);                        /* NB_CPUS byte 1 */
    /* The selector does not read back. */
    assert_int_equal(vfwcfg_read(&c, 0, 2, &v), 0);
    assert_int_equal(v, 0);
    /* A wide read at 0x511 gets one data byte, the next ports float. */
    select_item(&c, VFWCFG_SIGNATURE);
    assert_int_equal(vfwcfg_read(&c, 1, 2, &v), 0);
    assert_int_equal(v, 0xFF00 | 'Q');
    assert_int_equal(fw_byte(&c), 'E');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kbc_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_self_test, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_command_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_enable_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_reset_pulse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_output_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kbc_write_obuf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port92, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf9, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_reinitialises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_code, setup, teardown),
        cmocka_unit_test(test_fwcfg_items),
        cmocka_unit_test(test_fwcfg_signature_at_init),
        cmocka_unit_test(test_fwcfg_offsets),
        cmocka_unit_test(test_fwcfg_port_accesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
