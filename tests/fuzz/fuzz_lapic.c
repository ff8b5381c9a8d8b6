/*
 * Fuzz target: the local APIC (drivers/virt/vlapic.c), xAPIC MMIO, x2APIC
 * MSRs, IA32_APIC_BASE, CR8, TSC deadline, acceptance/delivery/EOI, timers
 * and the virtual-APIC page of APIC virtualization.
 * Checked after every step: IRR/ISR/TMR bits 0-15 clear (vectors below 16
 * are refused), TPR 8 bits and CR8 = TPR[7:4], PPR = max(TPR, ISR class),
 * vlapic_pending() is -1 or an IRR vector whose class is above PPR's,
 * RVI/SVI in vlapic_intr_status are the highest IRR/ISR vectors, after
 * vlapic_advance the next timer event is in the future, and a page filled
 * by vlapic_fill_page equals every register as read through MMIO (the
 * current count excepted).
 */
#include "tests/fuzz/fuzz.h"
#include "drivers/virt/vlapic.h"

static struct vlapic lapic;
static uint32_t page[1024];
static unsigned eois;

static void op_eoi(void *ctx, uint8_t v) { (void)ctx; (void)v; eois++; }
static void op_kick(void *ctx) { (void)ctx; }
static void op_ipi(void *ctx, uint32_t lo, uint32_t dest) { (void)ctx; (void)lo; (void)dest; }
static uint64_t op_tsc(void *ctx) { (void)ctx; return fuzz_clock_ns * 3; }

static const struct vlapic_ops ops = {
    .eoi = op_eoi, .kick = op_kick, .ipi = op_ipi, .tsc_now = op_tsc,
};

static int highest(const uint32_t *r)
{
    for (int i = 255; i >= 0; i--)
        if (r[i / 32] & (1u << (i % 32)))
            return i;
    return -1;
}

static void check(struct vlapic *l)
{
    CHECK((l->irr[0] & 0xFFFF) == 0 && (l->isr[0] & 0xFFFF) == 0,
          "vector below 16 in IRR 0x%x / ISR 0x%x", l->irr[0], l->isr[0]);
    CHECK(l->tpr <= 0xFF, "TPR 0x%x", l->tpr);
    CHECK(vlapic_get_cr8(l) == l->tpr >> 4, "CR8 %llu, TPR 0x%x",
          (unsigned long long)vlapic_get_cr8(l), l->tpr);
    int isrv = highest(l->isr), irrv = highest(l->irr);
    uint32_t ppr = vlapic_ppr(l);
    uint32_t want = ((unsigned)(isrv < 0 ? 0 : isrv) & 0xF0) > (l->tpr & 0xF0) ?
                    ((unsigned)isrv & 0xF0) : l->tpr;
    CHECK(ppr == want, "PPR 0x%x, TPR 0x%x, ISRV %d", ppr, l->tpr, isrv);
    int p = vlapic_pending(l);
    CHECK(p == -1 || (p == irrv && ((unsigned)p & 0xF0) > (ppr & 0xF0)),
          "pending %d, IRRV %d, PPR 0x%x", p, irrv, ppr);
    uint16_t st = vlapic_intr_status(l);
    CHECK((st & 0xFF) == (irrv < 0 ? 0 : irrv) && (st >> 8) == (isrv < 0 ? 0 : isrv),
          "intr status 0x%x, IRRV %d, ISRV %d", st, irrv, isrv);
}

/* SDM Vol. 3C, "PPR Virtualization": what the CPU writes to VPPR after
 * TPR virtualization, delivery and EOI virtualization. */
static void ppr_virtualization(void)
{
    int svi = -1;
    for (int i = 255; i >= 0 && svi < 0; i--)
        if (page[LAPIC_REG_ISR / 4 + (i / 32) * 4] & (1u << (i % 32)))
            svi = i;
    uint32_t vtpr = page[LAPIC_REG_TPR / 4] & 0xFF;
    uint32_t s = svi < 0 ? 0 : (uint32_t)svi;
    page[LAPIC_REG_PPR / 4] = (vtpr & 0xF0) >= (s & 0xF0) ? vtpr : (s & 0xF0);
}

static void check_page(struct vlapic *l)
{
    uint64_t val;
    if (vlapic_mode(l) != VLAPIC_MODE_XAPIC)
        return;
    vlapic_fill_page(l, page);
    for (unsigned off = 0; off < 0x400; off += 16) {
        if (off == LAPIC_REG_TIMER_CCR)
            continue;
        val = 0;
        vlapic_mmio_read(l, off, 4, &val);
        CHECK(page[off / 4] == (uint32_t)val, "page at 0x%x holds 0x%x, register 0x%llx", off,
              page[off / 4], (unsigned long long)val);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct vclock clk = { .now_ns = fuzz_now_ns };
    uint64_t val;
    uint8_t cfg = fuzz_u8(&in);

    fuzz_clock_ns = 0;
    memset(page, 0, sizeof(page));
    vlapic_init(&lapic, cfg & 0x7, cfg & 8, &clk, (cfg & 16) ? 3000000000ULL : 0,
                &ops, NULL);
    check(&lapic);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        switch (op & 15) {
        case 0:
        case 1: {
            /* A register, 16-byte aligned, or any offset and size. */
            uint64_t off = (op & 0x80) ? fuzz_u16(&in) & 0xFFF : (fuzz_u8(&in) & 0x3F) << 4;
            unsigned sz = (op & 0x80) ? fuzz_size(&in, 8) : 4;
            vlapic_mmio_write(&lapic, off, sz, fuzz_u32(&in));
            break;
        }
        case 2: {
            uint64_t off = (op & 0x80) ? fuzz_u16(&in) & 0xFFF : (fuzz_u8(&in) & 0x3F) << 4;
            unsigned sz = (op & 0x80) ? fuzz_size(&in, 8) : 4;
            val = 0;
            vlapic_mmio_read(&lapic, off, sz, &val);
            CHECK(sz == 8 || val >> (8 * sz) == 0, "read of %u bytes: 0x%llx", sz,
                  (unsigned long long)val);
            break;
        }
        case 3:
            vlapic_msr_write(&lapic, 0x800 + fuzz_u8(&in), (op & 0x80) ? fuzz_u64(&in) : fuzz_u32(&in));
            break;
        case 4:
            vlapic_msr_read(&lapic, 0x800 + fuzz_u8(&in), &val);
            break;
        case 5: {
            /* Mostly the usual transitions, sometimes anything. */
            static const uint64_t bases[4] = { 0xFEE00900, 0xFEE00D00, 0xFEE00100, 0 };
            vlapic_set_apic_base(&lapic, (op & 0x80) ? fuzz_u64(&in) : bases[(op >> 4) & 3]);
            break;
        }
        case 6:
            vlapic_set_cr8(&lapic, (op & 0x80) ? fuzz_u64(&in) : fuzz_u8(&in) & 0xF);
            break;
        case 7: {
            uint8_t v = fuzz_u8(&in);
            vlapic_accept(&lapic, v, op & 0x80);
            break;
        }
        case 8: {
            int p = vlapic_pending(&lapic);
            if (p >= 0)
                vlapic_ack(&lapic, (uint8_t)p);
            break;
        }
        case 9:
            vlapic_mmio_write(&lapic, LAPIC_REG_EOI, 4, 0);
            break;
        case 10:
            fuzz_clock_ns += (uint64_t)fuzz_u32(&in) << (8 * ((op >> 4) & 3));
            break;
        case 11:
            if (vlapic_next_event(&lapic) <= fuzz_clock_ns) {
                vlapic_advance(&lapic);
                uint64_t next = vlapic_next_event(&lapic);
                CHECK(next == VCLOCK_NEVER || next > fuzz_clock_ns,
                      "after advance at %llu the next event is %llu",
                      (unsigned long long)fuzz_clock_ns, (unsigned long long)next);
            }
            break;
        case 12:
            if (op & 0x80)
                vlapic_write_tsc_deadline(&lapic, fuzz_u64(&in));
            else
                vlapic_write_tsc_deadline(&lapic, fuzz_clock_ns * 3 + fuzz_u32(&in));
            break;
        case 13:
            vlapic_read_tsc_deadline(&lapic, &val);
            if (op & 0x80) {
                /* The posting path's expiry: a vector returned is in IRR
                 * and the timer is disarmed, reading 0. */
                int vec = vlapic_fire_tsc_deadline(&lapic);
                CHECK(vec == -1 || vec == VLAPIC_FIRE_ADVANCE || (vec >= 16 && vec <= 255),
                      "vlapic_fire_tsc_deadline returned %d", vec);
                if (vec >= 0) {
                    vlapic_read_tsc_deadline(&lapic, &val);
                    CHECK((lapic.irr[vec / 32] & (1u << (vec % 32))) && val == 0 &&
                          vlapic_tsc_next(&lapic) == UINT64_MAX,
                          "fired vector %d: IRR 0x%x, MSR %llu", vec, lapic.irr[vec / 32],
                          (unsigned long long)val);
                }
            }
            break;
        case 14:
            check_page(&lapic);
            break;
        default: {
            /* What the guest and the CPU change in the virtual-APIC page
             * without exits (SDM Vol. 3C, "Virtualizing Writes to the
             * APIC-Access Page", "Virtual-Interrupt Delivery", "EOI
             * Virtualization"), then handed to the model. */
            bool vid = op & 0x80;
            uint32_t v = fuzz_u32(&in);
            int eoi_vector = -1;
            vlapic_fill_page(&lapic, page);
            switch ((op >> 4) & 3) {
            case 0: page[LAPIC_REG_TPR / 4] = v & 0xFF; break;
            case 1: page[LAPIC_REG_ICR_HI / 4] = v; break;
            case 2:
                if (vid) {
                    /* Delivery of RVI if above the PPR, or a self-IPI. */
                    if (v & 1) {
                        uint8_t vec = (uint8_t)(v >> 8);
                        if (vec >= 16)
                            page[LAPIC_REG_IRR / 4 + (vec / 32) * 4] |= 1u << (vec % 32);
                    } else {
                        int p = vlapic_pending(&lapic);
                        if (p >= 0) {
                            page[LAPIC_REG_IRR / 4 + (p / 32) * 4] &= ~(1u << (p % 32));
                            page[LAPIC_REG_ISR / 4 + (p / 32) * 4] |= 1u << (p % 32);
                        }
                    }
                }
                break;
            default:
                if (vid) {
                    /* EOI virtualization: the highest ISR bit is cleared. */
                    for (int i = 255; i >= 16 && eoi_vector < 0; i--)
                        if (page[LAPIC_REG_ISR / 4 + (i / 32) * 4] & (1u << (i % 32))) {
                            page[LAPIC_REG_ISR / 4 + (i / 32) * 4] &= ~(1u << (i % 32));
                            eoi_vector = i;
                        }
                }
                break;
            }
            if (vid)
                ppr_virtualization();
            vlapic_take_page(&lapic, page, vid);
            if (eoi_vector >= 0)
                vlapic_eoi_done(&lapic, (uint8_t)eoi_vector);
            break;
        }
        }
        check(&lapic);
    }
    return 0;
}
