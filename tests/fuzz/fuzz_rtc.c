/*
 * Fuzz target: the MC146818 RTC/CMOS (drivers/virt/vrtc.c).
 * The input picks the start time, then scripts port reads/writes and clock
 * steps (from nanoseconds to years). After every step: the index is 7 bits,
 * a read gives one byte, IRQF in register C is set by an enabled flag and never
 * stands alone, the IRQ line follows IRQF, and after a step of a second or more
 * while the clock runs (divider on, SET clear) the time registers are a
 * valid date and time.
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vrtc.h"

static struct vrtc rtc;
static bool line;

static void irq_set(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    (void)l;
    line = level;
}

static void check(const struct vrtc *r)
{
    uint8_t b = r->cmos[VRTC_REG_B];
    uint8_t en = b & (VRTC_B_PIE | VRTC_B_AIE | VRTC_B_UIE);

    CHECK(r->index <= VRTC_INDEX_MASK, "index 0x%x", r->index);
    /* IRQF latches (vrtc.h): an enabled flag sets it, and it is never set
     * without a flag; clearing an enable does not drop it. */
    CHECK(!(r->reg_c & en) || (r->reg_c & VRTC_C_IRQF), "register C 0x%x with B 0x%x",
          r->reg_c, b);
    CHECK(!(r->reg_c & VRTC_C_IRQF) || (r->reg_c & (VRTC_C_PF | VRTC_C_AF | VRTC_C_UF)),
          "register C 0x%x: IRQF without a flag", r->reg_c);
    CHECK(line == r->irq_level, "line %d, model %d", line, r->irq_level);
    CHECK(r->irq_level == !!(r->reg_c & VRTC_C_IRQF), "IRQ %d, C 0x%x", r->irq_level, r->reg_c);
}

/* After an update while the clock runs, the time registers hold a valid
 * date and time (a guest's out-of-range writes are normalised, vrtc.h). */
static void check_time(const struct vrtc *r)
{
    if ((r->cmos[VRTC_REG_A] & VRTC_A_DV_RESET) != VRTC_A_DV_RESET &&
        !(r->cmos[VRTC_REG_B] & VRTC_B_SET)) {
        const struct vrtc_time *t = &r->tm;
        CHECK(t->sec < 60 && t->min < 60 && t->hour < 24 && t->mday >= 1 && t->mday <= 31 &&
              t->mon >= 1 && t->mon <= 12 && r->wday >= 1 && r->wday <= 7,
              "running clock at %u-%u-%u %u:%u:%u wday %u", t->year, t->mon, t->mday, t->hour,
              t->min, t->sec, r->wday);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct vclock clk = { .now_ns = fuzz_now_ns };
    struct virq_line irq = { .set = irq_set };
    struct vrtc_time now = { .year = 1970 + fuzz_u8(&in) % 200, .mon = 1 + fuzz_u8(&in) % 12,
                             .mday = 1 + fuzz_u8(&in) % 28, .hour = fuzz_u8(&in) % 24,
                             .min = fuzz_u8(&in) % 60, .sec = fuzz_u8(&in) % 60 };
    uint64_t val;

    fuzz_clock_ns = 0;
    line = false;
    vrtc_init(&rtc, &clk, &irq, &now, (uint64_t)fuzz_u16(&in) << 20);
    check(&rtc);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned sz = fuzz_size(&in, 4), off = (op >> 3) & 1;
        switch (op & 7) {
        case 0:
        case 1:
        case 2:
            vrtc_write(&rtc, off, sz, fuzz_u32(&in));
            break;
        case 3:
        case 4:
            val = ~0ULL;
            vrtc_read(&rtc, off, sz, &val);
            CHECK(val >> (8 * sz) == 0, "read of %u bytes: 0x%llx", sz, (unsigned long long)val);
            break;
        case 5: {
            uint64_t step = (uint64_t)fuzz_u32(&in) << (8 * (op >> 6));
            fuzz_clock_ns += step;
            if (step >= NS_PER_SEC) {
                vrtc_advance(&rtc);
                check_time(&rtc);
            }
            break;
        }
        default:
            if (vrtc_next_event(&rtc) <= fuzz_clock_ns)
                vrtc_advance(&rtc);
            break;
        }
        check(&rtc);
    }
    return 0;
}
