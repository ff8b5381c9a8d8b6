/*
 * Host unit tests for drivers/virt/vpic8259.c: the guest side through the
 * port handlers (as a kernel programs the PICs), the device side through
 * vpic8259_set_irq, and the CPU side through has_interrupt/ack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vpic8259.h"

#define M_CMD  0x20
#define M_DATA 0x21
#define S_CMD  0xA0
#define S_DATA 0xA1
#define ELCR0  0x4D0
#define ELCR1  0x4D1

/* ---- port helpers ----------------------------------------------------------- */

static void outb(struct vpic8259 *p, uint16_t port, uint8_t v)
{
    int rc;

    if (port >= M_CMD && port <= M_DATA)
        rc = vpic8259_master_write(p, port - M_CMD, 1, v);
    else if (port >= S_CMD && port <= S_DATA)
        rc = vpic8259_slave_write(p, port - S_CMD, 1, v);
    else
        rc = vpic8259_elcr_write(p, port - ELCR0, 1, v);
    assert_int_equal(rc, 0);
}

static uint8_t inb(struct vpic8259 *p, uint16_t port)
{
    uint64_t v = 0xDEAD;
    int rc;

    if (port >= M_CMD && port <= M_DATA)
        rc = vpic8259_master_read(p, port - M_CMD, 1, &v);
    else if (port >= S_CMD && port <= S_DATA)
        rc = vpic8259_slave_read(p, port - S_CMD, 1, &v);
    else
        rc = vpic8259_elcr_read(p, port - ELCR0, 1, &v);
    assert_int_equal(rc, 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void pulse(struct vpic8259 *p, unsigned irq)
{
    vpic8259_set_irq(p, irq, true);
    vpic8259_set_irq(p, irq, false);
}

/* OCW3 read-register selection, then read the command port. */
static uint8_t read_isr(struct vpic8259 *p, uint16_t cmd)
{
    outb(p, cmd, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
    return inb(p, cmd);
}

static uint8_t read_irr(struct vpic8259 *p, uint16_t cmd)
{
    outb(p, cmd, PIC_OCW3_SEL | PIC_OCW3_RR);
    return inb(p, cmd);
}

/* Linux's init_8259A(0): mask all, ICW1-4 with vectors 0x30/0x38, then
 * restore masks (here: everything unmasked, as the tests want it). */
static void linux_init(struct vpic8259 *p, uint8_t icw4)
{
    outb(p, M_DATA, 0xFF);
    outb(p, S_DATA, 0xFF);
    outb(p, M_CMD, 0x11);           /* ICW1: edge, cascade, ICW4 */
    outb(p, M_DATA, 0x30);          /* ICW2: IRQ 0-7 -> 0x30-0x37 */
    outb(p, M_DATA, 0x04);          /* ICW3: slave on IR2 */
    outb(p, M_DATA, icw4);          /* ICW4: 8086 mode (+AEOI) */
    outb(p, S_CMD, 0x11);
    outb(p, S_DATA, 0x38);          /* IRQ 8-15 -> 0x38-0x3F */
    outb(p, S_DATA, 0x02);          /* slave ID 2 */
    outb(p, S_DATA, icw4);
    outb(p, M_DATA, 0x00);
    outb(p, S_DATA, 0x00);
}

static int setup(void **state)
{
    struct vpic8259 *p = calloc(1, sizeof(*p));

    if (!p)
        return -1;
    vpic8259_init(p);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_bios_state(void **state)
{
    struct vpic8259 *p = *state;

    /* Everything masked until the guest says otherwise. */
    assert_int_equal(inb(p, M_DATA), 0xFF);
    assert_int_equal(inb(p, S_DATA), 0xFF);
    pulse(p, 1);
    pulse(p, 9);
    assert_false(vpic8259_has_interrupt(p));
    /* BIOS vectors once unmasked: IRQ 1 -> 0x09, IRQ 9 -> 0x71. */
    outb(p, M_DATA, 0xF9);          /* unmask IR1, IR2 */
    outb(p, S_DATA, 0xFD);          /* unmask IRQ 9 */
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x09);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x71);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));
    assert_int_equal(read_isr(p, M_CMD), 0);
    assert_int_equal(read_isr(p, S_CMD), 0);
}

static void test_linux_init(void **state)
{
    struct vpic8259 *p = *state;

    /* Linux's probe: write 0xFF to the master IMR and read it back. */
    outb(p, M_DATA, 0xFF);
    assert_int_equal(inb(p, M_DATA), 0xFF);

    outb(p, M_CMD, 0x11);
    assert_int_equal(inb(p, M_DATA), 0x00);     /* ICW1 clears the IMR */
    outb(p, M_DATA, 0x30);
    outb(p, M_DATA, 0x04);
    outb(p, M_DATA, 0x01);
    outb(p, S_CMD, 0x11);
    outb(p, S_DATA, 0x38);
    outb(p, S_DATA, 0x02);
    outb(p, S_DATA, 0x01);
    outb(p, M_DATA, 0xFA);                      /* timer and cascade unmasked */
    outb(p, S_DATA, 0xFF);
    assert_int_equal(inb(p, M_DATA), 0xFA);     /* OCW1 now, not an ICW */
    assert_int_equal(inb(p, S_DATA), 0xFF);

    pulse(p, 0);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x30);
    assert_false(vpic8259_has_interrupt(p));
    assert_int_equal(read_isr(p, M_CMD), 0x01);
    /* Linux's mask_and_ack_8259A: specific EOI 0x60 + irq. */
    outb(p, M_CMD, PIC_OCW2_SEOI | 0);
    assert_int_equal(read_isr(p, M_CMD), 0x00);

    /* A slave IRQ (8, RTC) once unmasked: slave EOI then master IR2 EOI. */
    outb(p, S_DATA, 0xFE);
    pulse(p, 8);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x38);
    assert_int_equal(read_isr(p, M_CMD), 0x04);
    assert_int_equal(read_isr(p, S_CMD), 0x01);
    outb(p, S_CMD, PIC_OCW2_SEOI | 0);
    outb(p, M_CMD, PIC_OCW2_SEOI | VPIC_CASCADE_IR);
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    assert_int_equal(read_isr(p, S_CMD), 0x00);
    assert_false(vpic8259_has_interrupt(p));
}

static void test_small_kernel_aeoi(void **state)
{
    struct vpic8259 *p = *state;

    /* Vectors 0x20/0x28, auto-EOI: no EOI writes at all. */
    outb(p, M_CMD, 0x11);
    outb(p, M_DATA, 0x20);
    outb(p, M_DATA, 0x04);
    outb(p, M_DATA, PIC_ICW4_UPM | PIC_ICW4_AEOI);
    outb(p, S_CMD, 0x11);
    outb(p, S_DATA, 0x28);
    outb(p, S_DATA, 0x02);
    outb(p, S_DATA, PIC_ICW4_UPM | PIC_ICW4_AEOI);
    outb(p, M_DATA, 0x00);
    outb(p, S_DATA, 0x00);

    pulse(p, 1);
    assert_int_equal(vpic8259_ack(p), 0x21);
    assert_int_equal(read_isr(p, M_CMD), 0);
    pulse(p, 1);                        /* same level again right away */
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x21);

    pulse(p, 12);
    pulse(p, 14);
    assert_int_equal(vpic8259_ack(p), 0x2C);
    assert_int_equal(read_isr(p, M_CMD), 0);
    assert_int_equal(read_isr(p, S_CMD), 0);
    /* The slave still requests IRQ 14: it must reach the CPU again. */
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x2E);
    assert_false(vpic8259_has_interrupt(p));
}

static void test_icw4_optional_and_single(void **state)
{
    struct vpic8259 *p = *state;

    /* ICW1 without IC4, single mode: only ICW2 follows. */
    outb(p, M_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL);
    outb(p, M_DATA, 0x40);
    outb(p, M_DATA, 0xF0);              /* already OCW1 */
    assert_int_equal(inb(p, M_DATA), 0xF0);
    /* Single mode: IR2 is an ordinary input from the master's view; the
     * slave's INT still drives it but the master supplies the vector. */
    outb(p, S_CMD, 0x11);
    outb(p, S_DATA, 0x48);
    outb(p, S_DATA, 0x02);
    outb(p, S_DATA, 0x01);
    outb(p, S_DATA, 0x00);
    pulse(p, 9);
    assert_int_equal(vpic8259_ack(p), 0x42);
    /* ICW1 with IC4 but cascade: ICW3 then ICW4. */
    outb(p, M_CMD, 0x11);
    outb(p, M_DATA, 0x50);
    outb(p, M_DATA, 0x04);
    outb(p, M_DATA, 0x01);
    outb(p, M_DATA, 0xAA);
    assert_int_equal(inb(p, M_DATA), 0xAA);
}

static void test_priority(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    pulse(p, 5);
    pulse(p, 3);
    pulse(p, 6);
    assert_int_equal(read_irr(p, M_CMD), 0x68);
    assert_int_equal(vpic8259_ack(p), 0x33);
    /* Fully nested: 5 and 6 are lower priority than 3 in service. */
    assert_false(vpic8259_has_interrupt(p));
    /* A higher priority request nests. */
    pulse(p, 1);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x31);
    assert_int_equal(read_isr(p, M_CMD), 0x0A);
    outb(p, M_CMD, PIC_OCW2_EOI);       /* ends IRQ 1 */
    assert_false(vpic8259_has_interrupt(p));
    outb(p, M_CMD, PIC_OCW2_EOI);       /* ends IRQ 3 */
    assert_int_equal(vpic8259_ack(p), 0x35);
    /* Equal priority does not nest either. */
    pulse(p, 5);
    assert_false(vpic8259_has_interrupt(p));
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x35);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x36);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));
}

static void test_masking(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, M_DATA, 0x10);              /* mask IRQ 4 */
    pulse(p, 4);
    assert_false(vpic8259_has_interrupt(p));
    assert_int_equal(read_irr(p, M_CMD), 0x10);     /* latched all the same */
    outb(p, M_DATA, 0x00);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x34);
    outb(p, M_CMD, PIC_OCW2_EOI);

    /* Masking master IR2 holds back every slave IRQ. */
    outb(p, M_DATA, 0x04);
    pulse(p, 11);
    assert_false(vpic8259_has_interrupt(p));
    outb(p, M_DATA, 0x00);
    assert_int_equal(vpic8259_ack(p), 0x3B);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);

    /* A mask on the slave too. */
    outb(p, S_DATA, 0x08);
    pulse(p, 11);
    assert_false(vpic8259_has_interrupt(p));
    outb(p, S_DATA, 0x00);
    assert_int_equal(vpic8259_ack(p), 0x3B);
}

static void test_eoi_specific_nonspecific(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    pulse(p, 6);
    assert_int_equal(vpic8259_ack(p), 0x36);
    pulse(p, 4);
    assert_int_equal(vpic8259_ack(p), 0x34);
    pulse(p, 0);
    assert_int_equal(vpic8259_ack(p), 0x30);
    assert_int_equal(read_isr(p, M_CMD), 0x51);

    outb(p, M_CMD, PIC_OCW2_SEOI | 4);  /* specific: the middle one */
    assert_int_equal(read_isr(p, M_CMD), 0x41);
    outb(p, M_CMD, PIC_OCW2_EOI);       /* non-specific: the highest (0) */
    assert_int_equal(read_isr(p, M_CMD), 0x40);
    outb(p, M_CMD, PIC_OCW2_SEOI | 3);  /* not in service: no effect */
    assert_int_equal(read_isr(p, M_CMD), 0x40);
    outb(p, M_CMD, PIC_OCW2_NOP);
    assert_int_equal(read_isr(p, M_CMD), 0x40);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    outb(p, M_CMD, PIC_OCW2_EOI);       /* nothing in service: harmless */
    assert_int_equal(read_isr(p, M_CMD), 0x00);
}

static void test_cascade(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    for (unsigned irq = 8; irq < 16; irq++) {
        pulse(p, irq);
        assert_true(vpic8259_has_interrupt(p));
        assert_int_equal(read_irr(p, M_CMD), 0x04);
        assert_int_equal(vpic8259_ack(p), 0x38 + (int)(irq - 8));
        assert_int_equal(read_isr(p, M_CMD), 0x04);
        assert_int_equal(read_isr(p, S_CMD), 1u << (irq - 8));
        assert_int_equal(read_irr(p, M_CMD), 0x00);
        outb(p, S_CMD, PIC_OCW2_EOI);
        outb(p, M_CMD, PIC_OCW2_EOI);
        assert_false(vpic8259_has_interrupt(p));
    }

    /* IRQ 8-15 rank between IRQ 1 and IRQ 3. */
    pulse(p, 3);
    pulse(p, 15);
    assert_int_equal(vpic8259_ack(p), 0x3F);
    pulse(p, 1);                        /* above IR2: nests */
    assert_int_equal(vpic8259_ack(p), 0x31);
    outb(p, M_CMD, PIC_OCW2_EOI);
    /* A higher slave IRQ waits for the master's IR2 EOI (fully nested). */
    pulse(p, 8);
    assert_false(vpic8259_has_interrupt(p));
    outb(p, S_CMD, PIC_OCW2_EOI);       /* ends 15 */
    assert_false(vpic8259_has_interrupt(p));
    outb(p, M_CMD, PIC_OCW2_EOI);       /* ends IR2 */
    assert_int_equal(vpic8259_ack(p), 0x38);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x33);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));

    /* Two slave requests: both come through, highest first. */
    pulse(p, 13);
    pulse(p, 10);
    assert_int_equal(vpic8259_ack(p), 0x3A);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x3D);
}

static void test_edge_vs_level(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, ELCR0, 0x20);               /* IRQ 5 level */
    outb(p, ELCR1, 0x04);               /* IRQ 10 level */

    /* Edge: one request per rising edge, held high or not. */
    vpic8259_set_irq(p, 4, true);
    assert_int_equal(vpic8259_ack(p), 0x34);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));
    vpic8259_set_irq(p, 4, true);       /* still high: no new edge */
    assert_false(vpic8259_has_interrupt(p));
    vpic8259_set_irq(p, 4, false);
    vpic8259_set_irq(p, 4, true);
    assert_int_equal(vpic8259_ack(p), 0x34);
    outb(p, M_CMD, PIC_OCW2_EOI);
    vpic8259_set_irq(p, 4, false);

    /* Level: requests as long as the line is high, again after EOI. */
    vpic8259_set_irq(p, 5, true);
    assert_int_equal(vpic8259_ack(p), 0x35);
    assert_false(vpic8259_has_interrupt(p));
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x35);
    vpic8259_set_irq(p, 5, false);      /* device serviced */
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));
    /* A level request that goes away before INTA is forgotten. */
    vpic8259_set_irq(p, 5, true);
    assert_int_equal(read_irr(p, M_CMD), 0x20);
    vpic8259_set_irq(p, 5, false);
    assert_int_equal(read_irr(p, M_CMD), 0x00);
    assert_false(vpic8259_has_interrupt(p));

    /* Level on the slave. */
    vpic8259_set_irq(p, 10, true);
    assert_int_equal(vpic8259_ack(p), 0x3A);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x3A);
    vpic8259_set_irq(p, 10, false);
    outb(p, S_CMD, PIC_OCW2_EOI);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));

    /* Switching an asserted input to level makes it follow its line. */
    outb(p, M_DATA, 0x40);
    pulse(p, 6);                        /* latched, masked, line now low */
    assert_int_equal(read_irr(p, M_CMD), 0x40);
    outb(p, ELCR0, 0x60);
    assert_int_equal(read_irr(p, M_CMD), 0x00);
}

static void test_spurious_irq7(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, ELCR0, 0x20);
    /* Level IRQ 5 withdrawn before INTA. */
    vpic8259_set_irq(p, 5, true);
    assert_true(vpic8259_has_interrupt(p));
    vpic8259_set_irq(p, 5, false);
    assert_int_equal(vpic8259_ack(p), 0x37);
    assert_int_equal(read_isr(p, M_CMD), 0x00);     /* no ISR bit for a spurious IRQ */
    /* An edge request masked after INT went up. */
    pulse(p, 3);
    outb(p, M_DATA, 0x08);
    assert_int_equal(vpic8259_ack(p), 0x37);
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    /* A real IRQ 7 does set the ISR: that is how Linux tells them apart. */
    outb(p, M_DATA, 0x00);
    assert_int_equal(vpic8259_ack(p), 0x33);        /* 3 still latched */
    outb(p, M_CMD, PIC_OCW2_EOI);
    pulse(p, 7);
    assert_int_equal(vpic8259_ack(p), 0x37);
    assert_int_equal(read_isr(p, M_CMD), 0x80);
}

static void test_spurious_irq15(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, ELCR1, 0x04);               /* IRQ 10 level */
    vpic8259_set_irq(p, 10, true);
    assert_true(vpic8259_has_interrupt(p));
    vpic8259_set_irq(p, 10, false);     /* gone from the slave ... */
    assert_int_equal(read_irr(p, S_CMD), 0x00);
    assert_int_equal(read_irr(p, M_CMD), 0x04);     /* ... but IR2 latched */
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x3F);
    assert_int_equal(read_isr(p, M_CMD), 0x04);     /* master IR2 in service */
    assert_int_equal(read_isr(p, S_CMD), 0x00);
    /* Linux then EOIs only the master. */
    outb(p, M_CMD, PIC_OCW2_SEOI | VPIC_CASCADE_IR);
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    assert_false(vpic8259_has_interrupt(p));
    /* Slave masked after the request reached the master: same. */
    pulse(p, 12);
    outb(p, S_DATA, 0x10);
    assert_int_equal(vpic8259_ack(p), 0x3F);
}

static void test_ocw3_read_irr_isr(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, M_DATA, 0xFF);
    pulse(p, 1);
    pulse(p, 6);
    /* After ICW1 the command port reads the IRR. */
    assert_int_equal(inb(p, M_CMD), 0x42);
    outb(p, M_DATA, 0x00);
    assert_int_equal(vpic8259_ack(p), 0x31);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
    assert_int_equal(inb(p, M_CMD), 0x02);
    assert_int_equal(inb(p, M_CMD), 0x02);          /* selection sticks */
    outb(p, M_CMD, PIC_OCW3_SEL);                   /* RR=0: no change */
    assert_int_equal(inb(p, M_CMD), 0x02);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_RR);
    assert_int_equal(inb(p, M_CMD), 0x40);
    assert_int_equal(inb(p, M_DATA), 0x00);         /* data port: IMR */
    /* The slave has its own selection. */
    assert_int_equal(inb(p, S_CMD), 0x00);
    pulse(p, 9);
    assert_int_equal(inb(p, S_CMD), 0x02);
}

static void test_imr_roundtrip(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    for (unsigned v = 0; v < 256; v += 17) {
        outb(p, M_DATA, (uint8_t)v);
        outb(p, S_DATA, (uint8_t)~v);
        assert_int_equal(inb(p, M_DATA), v);
        assert_int_equal(inb(p, S_DATA), (uint8_t)~v);
    }
}

static void test_elcr_fixed_bits(void **state)
{
    struct vpic8259 *p = *state;
    uint64_t v;

    assert_int_equal(inb(p, ELCR0), 0x00);
    assert_int_equal(inb(p, ELCR1), 0x00);
    outb(p, ELCR0, 0xFF);
    outb(p, ELCR1, 0xFF);
    assert_int_equal(inb(p, ELCR0), 0xF8);          /* IRQ 0, 1, 2 edge */
    assert_int_equal(inb(p, ELCR1), 0xDE);          /* IRQ 8, 13 edge */
    outb(p, ELCR0, 0x00);
    outb(p, ELCR1, 0x00);
    /* A 16-bit access covers both registers. */
    assert_int_equal(vpic8259_elcr_write(p, 0, 2, 0x0C20), 0);
    assert_int_equal(vpic8259_elcr_read(p, 0, 2, &v), 0);
    assert_int_equal(v, 0x0C20);

    /* IRQ 0 stays edge even when the guest asks for level. */
    linux_init(p, 0x01);
    outb(p, ELCR0, 0x01);
    vpic8259_set_irq(p, 0, true);
    assert_int_equal(vpic8259_ack(p), 0x30);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_false(vpic8259_has_interrupt(p));        /* no level re-request */
}

static void test_poll_mode(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_POLL);
    assert_int_equal(inb(p, M_CMD), 0x00);          /* nothing pending */
    pulse(p, 5);
    pulse(p, 3);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_POLL);
    assert_int_equal(inb(p, M_CMD), PIC_POLL_INT | 3);
    assert_int_equal(read_isr(p, M_CMD), 0x08);     /* acknowledged */
    assert_int_equal(inb(p, M_CMD), 0x08);          /* poll was one-shot */
    outb(p, M_CMD, PIC_OCW2_EOI);
    /* Poll through the cascade: master says 2, slave says which. */
    pulse(p, 14);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_POLL);
    assert_int_equal(inb(p, M_DATA), PIC_POLL_INT | 2);
    outb(p, S_CMD, PIC_OCW3_SEL | PIC_OCW3_POLL);
    assert_int_equal(inb(p, S_CMD), PIC_POLL_INT | 6);
    assert_int_equal(read_isr(p, S_CMD), 0x40);
}

static void test_rotation(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    /* Set priority: IR3 lowest, so IR4 highest. */
    outb(p, M_CMD, PIC_OCW2_SET_PRIO | 3);
    pulse(p, 1);
    pulse(p, 5);
    assert_int_equal(vpic8259_ack(p), 0x35);
    /* IR1 ranks below IR5 now: blocked while 5 is in service. */
    assert_false(vpic8259_has_interrupt(p));
    /* Rotate on non-specific EOI: 5 ends and becomes lowest (6 highest). */
    outb(p, M_CMD, PIC_OCW2_ROTATE_EOI);
    pulse(p, 5);
    assert_int_equal(vpic8259_ack(p), 0x31);
    outb(p, M_CMD, PIC_OCW2_ROTATE_SEOI | 1);      /* 1 lowest, 2 highest */
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    pulse(p, 1);
    assert_int_equal(vpic8259_ack(p), 0x35);
    outb(p, M_CMD, PIC_OCW2_EOI);
    assert_int_equal(vpic8259_ack(p), 0x31);
    outb(p, M_CMD, PIC_OCW2_EOI);
    /* Rotate in auto-EOI mode. */
    outb(p, M_CMD, PIC_OCW2_SET_PRIO | 7);          /* back to the default */
    outb(p, M_CMD, 0x11);
    outb(p, M_DATA, 0x30);
    outb(p, M_DATA, 0x04);
    outb(p, M_DATA, PIC_ICW4_UPM | PIC_ICW4_AEOI);
    outb(p, M_DATA, 0x00);
    outb(p, M_CMD, PIC_OCW2_ROTATE_AEOI_SET);
    pulse(p, 1);
    pulse(p, 3);
    assert_int_equal(vpic8259_ack(p), 0x31);        /* 1 becomes lowest */
    pulse(p, 1);
    assert_int_equal(vpic8259_ack(p), 0x33);
    assert_int_equal(vpic8259_ack(p), 0x31);
}

static void test_special_mask_mode(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    pulse(p, 3);
    assert_int_equal(vpic8259_ack(p), 0x33);
    pulse(p, 5);
    assert_false(vpic8259_has_interrupt(p));
    /* Special mask mode + masking IR3 lets the lower levels in. */
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_ESMM | PIC_OCW3_SMM);
    outb(p, M_DATA, 0x08);
    assert_true(vpic8259_has_interrupt(p));
    assert_int_equal(vpic8259_ack(p), 0x35);
    outb(p, M_CMD, PIC_OCW2_SEOI | 5);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_ESMM);   /* off again */
    pulse(p, 6);
    assert_false(vpic8259_has_interrupt(p));        /* 3 blocks again */
}

static void test_reinit_resets(void **state)
{
    struct vpic8259 *p = *state;

    linux_init(p, 0x01);
    pulse(p, 4);
    assert_int_equal(vpic8259_ack(p), 0x34);
    pulse(p, 6);
    outb(p, M_CMD, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
    /* ICW1: ISR, IMR, edge latches and the read selection are reset. */
    outb(p, M_CMD, 0x11);
    outb(p, M_DATA, 0x30);
    outb(p, M_DATA, 0x04);
    outb(p, M_DATA, 0x01);
    assert_int_equal(inb(p, M_CMD), 0x00);          /* reads IRR, empty */
    assert_int_equal(read_isr(p, M_CMD), 0x00);
    assert_false(vpic8259_has_interrupt(p));
}

struct out_log {
    unsigned changes;
    bool level;
    unsigned line;
};

static void out_set(void *ctx, unsigned line, bool level)
{
    struct out_log *l = ctx;
    l->changes++;
    l->level = level;
    l->line = line;
}

static void test_output_callback(void **state)
{
    struct vpic8259 *p = *state;
    struct out_log log = { 0 };
    struct virq_line out = { .set = out_set, .ctx = &log, .line = 99 };

    linux_init(p, 0x01);
    vpic8259_connect_output(p, &out);
    assert_int_equal(log.changes, 1);               /* initial level */
    assert_false(log.level);
    pulse(p, 3);
    assert_int_equal(log.changes, 2);
    assert_true(log.level);
    assert_int_equal(log.line, 99);
    pulse(p, 4);                                    /* already high */
    assert_int_equal(log.changes, 2);
    vpic8259_ack(p);
    assert_int_equal(log.changes, 3);               /* 4 blocked by 3 */
    assert_false(log.level);
    outb(p, M_CMD, PIC_OCW2_EOI);                   /* 4 gets through */
    assert_int_equal(log.changes, 4);
    assert_true(log.level);
    outb(p, M_DATA, 0xFF);
    assert_int_equal(log.changes, 5);
    assert_false(log.level);
    vpic8259_connect_output(p, NULL);
    outb(p, M_DATA, 0x00);                          /* not reported */
    assert_int_equal(log.changes, 5);
}

static void test_virq_adapter_and_ignored_lines(void **state)
{
    struct vpic8259 *p = *state;
    struct virq_line l = { .set = vpic8259_virq_set, .ctx = p, .line = 6 };

    linux_init(p, 0x01);
    virq_pulse(&l);
    assert_int_equal(vpic8259_ack(p), 0x36);
    outb(p, M_CMD, PIC_OCW2_EOI);
    /* IRQ 2 (the cascade) and out-of-range lines do nothing. */
    pulse(p, 2);
    pulse(p, 16);
    pulse(p, 1000);
    assert_false(vpic8259_has_interrupt(p));
    assert_int_equal(read_irr(p, M_CMD), 0x00);
}

static void test_wide_access(void **state)
{
    struct vpic8259 *p = *state;
    uint64_t v;

    linux_init(p, 0x01);
    outb(p, M_DATA, 0x5A);
    pulse(p, 0);
    /* 16-bit read of 0x20: IRR, then IMR from 0x21. */
    assert_int_equal(vpic8259_master_read(p, 0, 2, &v), 0);
    assert_int_equal(v, 0x5A01);
    /* 16-bit read at 0x21 runs past the chip: floating byte. */
    assert_int_equal(vpic8259_master_read(p, 1, 2, &v), 0);
    assert_int_equal(v, 0xFF5A);
    /* 16-bit write at 0xA0: OCW2 no-op to 0xA0, then the mask to 0xA1. */
    assert_int_equal(vpic8259_slave_write(p, 0, 2, 0x3340), 0);
    assert_int_equal(inb(p, S_DATA), 0x33);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bios_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_kernel_aeoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icw4_optional_and_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_specific_nonspecific, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_vs_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_irq7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_irq15, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ocw3_read_irr_isr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imr_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elcr_fixed_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_mask_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reinit_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virq_adapter_and_ignored_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_access, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
