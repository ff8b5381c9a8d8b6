/*
 * Fuzz target: the IOAPIC (drivers/virt/vioapic.c).
 * The input scripts MMIO reads/writes (IOREGSEL, IOWIN, EOI, elsewhere),
 * pin level changes and EOIs; the fake local APIC accepts or refuses each
 * delivery as the input says. Checked: every delivery comes from an
 * unmasked fixed/lowest-priority entry with that vector (and, for a level
 * entry, with remote IRR clear); after every step no entry shows delivery
 * status busy or remote IRR on an edge entry, the ID has only bits 27:24,
 * and an entry written through IOWIN reads back its writable fields.
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vioapic.h"

static struct vioapic io;
static struct fuzz_in *cur;

#define RTE_RW_LO (0xFFULL | IOAPIC_RTE_DM_MASK | IOAPIC_RTE_DEST_LOGICAL | \
                   IOAPIC_RTE_POLARITY_LOW | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED)
#define RTE_RW_HI 0xFF000000ULL

static bool deliver(void *ctx, uint8_t vector, uint32_t dest, bool logical, bool level)
{
    bool found = false;
    (void)ctx;
    (void)dest;
    (void)logical;
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++) {
        uint64_t e = io.redir[i];
        uint64_t dm = e & IOAPIC_RTE_DM_MASK;
        if ((e & IOAPIC_RTE_VECTOR_MASK) == vector && !(e & IOAPIC_RTE_MASKED) &&
            (dm == IOAPIC_RTE_DM_FIXED || dm == IOAPIC_RTE_DM_LOWEST) &&
            !!(e & IOAPIC_RTE_LEVEL) == level && !(level && (e & IOAPIC_RTE_REMOTE_IRR)))
            found = true;
    }
    CHECK(found, "delivery of vector 0x%x (level %d) from no eligible entry", vector, level);
    return fuzz_u8(cur) & 1;
}

static const struct vioapic_ops ops = { .deliver = deliver };

static void check(const struct vioapic *v)
{
    CHECK((v->id & ~IOAPIC_ID_MASK) == 0, "ID 0x%x", v->id);
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++) {
        uint64_t e = v->redir[i];
        CHECK(!(e & IOAPIC_RTE_DELIVERY_STATUS), "pin %u delivery status set", i);
        CHECK(!(e & IOAPIC_RTE_REMOTE_IRR) || (e & IOAPIC_RTE_LEVEL),
              "pin %u: remote IRR on an edge entry (0x%llx)", i, (unsigned long long)e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    uint64_t val;

    cur = &in;
    vioapic_init(&io, fuzz_u8(&in) & 0xF, &ops, NULL);
    check(&io);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        switch (op & 7) {
        case 0: {
            /* Select an entry and write one half; read it back. */
            uint8_t sel = IOAPIC_REG_REDTBL + fuzz_u8(&in) % (2 * VIOAPIC_NUM_PINS);
            uint32_t w = fuzz_u32(&in);
            vioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, sel);
            vioapic_mmio_write(&io, IOAPIC_IOWIN, 4, w);
            vioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, sel);
            vioapic_mmio_read(&io, IOAPIC_IOWIN, 4, &val);
            uint64_t rw = (sel & 1) ? RTE_RW_HI : RTE_RW_LO;
            CHECK(((val ^ w) & rw) == 0, "entry register 0x%x: wrote 0x%x, read 0x%llx", sel, w,
                  (unsigned long long)val);
            break;
        }
        case 1:
        case 2: {
            /* Any access anywhere in the page. */
            uint64_t off = fuzz_u16(&in) & (VIOAPIC_MMIO_SIZE - 1);
            unsigned sz = fuzz_size(&in, 8);
            if (op & 8) {
                val = 0x5A5A5A5A5A5A5A5AULL;
                vioapic_mmio_read(&io, off, sz, &val);
                CHECK(sz == 8 || val >> (8 * sz) == 0, "read of %u bytes at 0x%llx: 0x%llx",
                      sz, (unsigned long long)off, (unsigned long long)val);
            } else {
                vioapic_mmio_write(&io, off, sz, fuzz_u64(&in));
            }
            break;
        }
        case 3:
        case 4: {
            uint8_t b = fuzz_u8(&in);
            vioapic_set_irq(&io, b & 0x1F, b & 0x80);
            break;
        }
        case 5:
            vioapic_eoi(&io, fuzz_u8(&in));
            break;
        case 6:
            vioapic_mmio_write(&io, IOAPIC_EOI, 4, fuzz_u8(&in));
            break;
        default:
            vioapic_mmio_write(&io, IOAPIC_IOREGSEL, 1, fuzz_u8(&in));
            break;
        }
        check(&io);
    }
    return 0;
}
