/*
 * Fuzz target: the 8259A PIC pair and ELCR (drivers/virt/vpic8259.c).
 * The input is a script of port reads/writes, IRQ line changes and INTA
 * cycles; after every step the model's invariants are checked:
 * initialisation state in range, ELCR only in its settable bits, vector
 * bases 8-aligned, the INT output as last reported equal to
 * vpic8259_has_interrupt(), and an INTA returning a vector of one of the
 * two chips.
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vpic8259.h"

static struct vpic8259 pic;
static bool int_seen;
static unsigned int_calls;

static void int_out(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    (void)line;
    int_seen = level;
    int_calls++;
}

static void check(const struct vpic8259 *p)
{
    for (unsigned c = 0; c < 2; c++) {
        const struct vpic_chip *ch = &p->chip[c];
        CHECK(ch->icw_next == 0 || (ch->icw_next >= 2 && ch->icw_next <= 4),
              "chip %u icw_next %u", c, ch->icw_next);
        CHECK(ch->prio_base < 8, "chip %u prio_base %u", c, ch->prio_base);
        CHECK((ch->vector_base & 7) == 0, "chip %u vector base 0x%x", c, ch->vector_base);
        CHECK((ch->elcr & ~ch->elcr_mask) == 0, "chip %u elcr 0x%x mask 0x%x", c, ch->elcr,
              ch->elcr_mask);
        /* A level input requests only while its line is high. */
        CHECK(!(ch->irr & ch->elcr & ~ch->lines & ~(c == 0 ? 1u << VPIC_CASCADE_IR : 0)),
              "chip %u level request without line: irr 0x%x elcr 0x%x lines 0x%x", c,
              ch->irr, ch->elcr, ch->lines);
    }
    CHECK(p->int_level == vpic8259_has_interrupt(p), "int_level %d", p->int_level);
    CHECK(int_seen == p->int_level, "INT reported %d, model %d", int_seen, p->int_level);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct virq_line out = { .set = int_out };
    uint64_t val;

    vpic8259_init(&pic);
    int_seen = false;
    vpic8259_connect_output(&pic, &out);
    check(&pic);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned size_ = fuzz_size(&in, 4), off = op >> 4 & 1;
        switch (op & 7) {
        case 0: vpic8259_master_write(&pic, off, size_, fuzz_u32(&in)); break;
        case 1: vpic8259_slave_write(&pic, off, size_, fuzz_u32(&in)); break;
        case 2: vpic8259_elcr_write(&pic, off, size_, fuzz_u32(&in)); break;
        case 3:
            val = 0x5A5A5A5A5A5A5A5AULL;
            if (op & 8)
                vpic8259_master_read(&pic, off, size_, &val);
            else if (op & 0x20)
                vpic8259_slave_read(&pic, off, size_, &val);
            else
                vpic8259_elcr_read(&pic, off, size_, &val);
            CHECK((val >> (8 * size_)) == 0 || size_ == 8, "read of %u bytes gave 0x%llx",
                  size_, (unsigned long long)val);
            break;
        case 4:
        case 5: {
            uint8_t b = fuzz_u8(&in);
            vpic8259_set_irq(&pic, b & 0x1F, b & 0x80);
            break;
        }
        case 6:
            if (vpic8259_has_interrupt(&pic)) {
                int v = vpic8259_ack(&pic);
                unsigned mb = pic.chip[0].vector_base, sb = pic.chip[1].vector_base;
                CHECK(v >= 0 && v < 256 && (((unsigned)v & ~7u) == mb || ((unsigned)v & ~7u) == sb),
                      "INTA vector %d, bases 0x%x 0x%x", v, mb, sb);
            }
            break;
        default:
            vpic8259_virq_set(&pic, op >> 3, op & 0x80);
            break;
        }
        check(&pic);
    }
    return 0;
}
