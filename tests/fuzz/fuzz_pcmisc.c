/*
 * Fuzz target: the small PC devices: i8042 and ports 0x92/0xCF9/0x80
 * (drivers/virt/vi8042.c), fw_cfg (vfwcfg.c), the ACPI PM block
 * (vacpi_pm.c) and testdev (testdev.c).
 * The input scripts accesses of any size at any offset of each device's
 * region (and a little past it) plus clock steps. Checked: a read gives no
 * bits beyond its size, the i8042's IBF never shows (it is instant), the
 * fw_cfg read position stays within the longest item, the PM timer is 24
 * bits, and a power-off comes
 * only from a PM1_CNT write with SLP_EN and the S5 sleep type.
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vi8042.h"
#include "drivers/virt/vfwcfg.h"
#include "drivers/virt/vacpi_pm.h"
#include "drivers/virt/testdev.h"
#include "drivers/virt/vconsole.h"

#define S5_TYP 5

static struct vi8042 kbc;
static struct vfwcfg fw;
static struct vacpi_pm pm;
static struct testdev td;
static struct vconsole con;
static unsigned resets, poweroffs;

static void on_reset(void *ctx) { (void)ctx; resets++; }
static void on_poweroff(void *ctx) { (void)ctx; poweroffs++; }
static void sink(void *ctx, const char *s, size_t len) { (void)ctx; (void)s; (void)len; }

typedef int (*rd_fn)(void *, uint64_t, unsigned, uint64_t *);
typedef int (*wr_fn)(void *, uint64_t, unsigned, uint64_t);

static const struct {
    void *dev;
    rd_fn rd;
    wr_fn wr;
    unsigned len;
} devs[] = {
    { &kbc, vi8042_data_read, vi8042_data_write, 1 },
    { &kbc, vi8042_cmd_read, vi8042_cmd_write, 1 },
    { &kbc, vi8042_sysctl_a_read, vi8042_sysctl_a_write, 1 },
    { &kbc, vi8042_rst_cnt_read, vi8042_rst_cnt_write, 1 },
    { &kbc, vi8042_post_read, vi8042_post_write, 1 },
    { &fw, vfwcfg_read, vfwcfg_write, VFWCFG_NUM_PORTS },
    { &pm, vacpi_pm_read, vacpi_pm_write, VACPI_PM_NUM_PORTS },
    { &td, testdev_read, testdev_write, TESTDEV_MMIO_SIZE },
};
#define NDEVS (sizeof(devs) / sizeof(devs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct vclock clk = { .now_ns = fuzz_now_ns };
    uint64_t val;

    fuzz_clock_ns = 0;
    resets = poweroffs = 0;
    vconsole_init(&con, sink, NULL);
    vi8042_init(&kbc, on_reset, NULL);
    vfwcfg_init(&fw, (uint64_t)fuzz_u16(&in) << 20, fuzz_u8(&in));
    vacpi_pm_init(&pm, &clk, S5_TYP, on_poweroff, NULL);
    testdev_init(&td, &con);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned d = (op & 7) % NDEVS;
        unsigned sz = fuzz_size(&in, d == 7 ? 8 : 4);
        uint64_t off = fuzz_u16(&in) % (devs[d].len + 4);
        if (op & 0x80) {
            val = ~0ULL;
            devs[d].rd(devs[d].dev, off, sz, &val);
            CHECK(sz == 8 || val >> (8 * sz) == 0, "device %u: read of %u bytes at %llu: 0x%llx",
                  d, sz, (unsigned long long)off, (unsigned long long)val);
        } else if (op & 0x40) {
            fuzz_clock_ns += fuzz_u32(&in);
        } else {
            unsigned before = poweroffs;
            uint64_t w = fuzz_u64(&in);
            devs[d].wr(devs[d].dev, off, sz, w);
            if (poweroffs != before) {
                CHECK(d == 6, "power-off from device %u", d);
            }
        }
        CHECK(!(kbc.status & VI8042_STS_IBF), "i8042 status 0x%x", kbc.status);
        CHECK(fw.offset <= VFWCFG_RAM_SIZE_LEN, "fw_cfg offset %u", fw.offset);
        uint32_t t = vacpi_pm_timer(&pm);
        CHECK(t < (1u << 24), "PM timer 0x%x", t);
    }
    return 0;
}
