/*
 * Fuzz target: the 8254 PIT and port 0x61 (drivers/virt/vpit8254.c).
 * The input is a script of port reads/writes and clock steps; after every
 * step: each channel's mode (0-5), access mode, count (1-65536) and running
 * period are in range, a read returns no bits beyond its size, and after
 * vpit8254_advance() the next IRQ 0 edge lies in the future (every edge
 * that came due was delivered or folded, none is left behind).
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vpit8254.h"

static struct vpit8254 pit;
static unsigned pulses;
static bool line;

static void irq_set(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    (void)l;
    if (level && !line)
        pulses++;
    line = level;
}

static void check(const struct vpit8254 *p)
{
    for (unsigned i = 0; i < VPIT_NUM_CHANNELS; i++) {
        const struct vpit_channel *c = &p->ch[i];
        CHECK(c->mode <= 5, "ch%u mode %u", i, c->mode);
        CHECK(c->rw <= PIT_RW_LSB_MSB, "ch%u rw %u", i, c->rw);
        CHECK(c->count <= 65536 && (!c->armed || c->count >= 1), "ch%u count %u", i, c->count);
        CHECK(!c->running || (c->start >= 1 && c->start <= 65536), "ch%u start %u", i, c->start);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct vclock clk = { .now_ns = fuzz_now_ns };
    struct virq_line irq0 = { .set = irq_set };
    uint64_t val;

    fuzz_clock_ns = 0;
    pulses = 0;
    line = false;
    vpit8254_init(&pit, &clk, &irq0);
    check(&pit);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned sz = fuzz_size(&in, 4), off = (op >> 3) & 3;
        switch (op & 7) {
        case 0:
        case 1:
            vpit8254_write(&pit, off, sz, fuzz_u32(&in));
            break;
        case 2:
            val = ~0ULL;
            vpit8254_read(&pit, off, sz, &val);
            CHECK(val >> (8 * sz) == 0, "PIT read of %u bytes: 0x%llx", sz, (unsigned long long)val);
            break;
        case 3:
            vpit8254_port61_write(&pit, 0, sz, fuzz_u32(&in));
            break;
        case 4:
            val = ~0ULL;
            vpit8254_port61_read(&pit, 0, sz, &val);
            CHECK(val >> (8 * sz) == 0, "port 61 read of %u bytes: 0x%llx", sz,
                  (unsigned long long)val);
            break;
        case 5: {
            /* Steps from nanoseconds to years. */
            unsigned shift = MIN(8 * ((op >> 5) & 7u), 40u);
            fuzz_clock_ns += (uint64_t)fuzz_u16(&in) << shift;
            break;
        }
        default: {
            uint64_t next = vpit8254_next_event(&pit);
            if (next <= fuzz_clock_ns) {
                vpit8254_advance(&pit);
                uint64_t after = vpit8254_next_event(&pit);
                CHECK(after == VCLOCK_NEVER || after > fuzz_clock_ns,
                      "after advance at %llu the next event is %llu (was %llu)",
                      (unsigned long long)fuzz_clock_ns, (unsigned long long)after,
                      (unsigned long long)next);
            }
            break;
        }
        }
        check(&pit);
    }
    return 0;
}
