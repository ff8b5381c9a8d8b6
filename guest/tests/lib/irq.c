/*
 * Interrupt handlers and the PIC pair (see irq.h).
 */
#include "irq.h"
#include "console.h"
#include "desc.h"
#include "test.h"
#include "x86.h"

static irq_handler_t handlers[NUM_VECTORS];

volatile uint32_t irq_unexpected;
volatile uint32_t irq_unexpected_vector;

void irq_install(unsigned vector, irq_handler_t handler)
{
    if (vector >= NUM_EXCEPTIONS && vector < NUM_VECTORS)
        handlers[vector] = handler;
}

void irq_dispatch(uint32_t vector)
{
    irq_handler_t h = vector < NUM_VECTORS ? handlers[vector] : 0;
    if (h) {
        h(vector);
        return;
    }
    irq_unexpected++;
    irq_unexpected_vector = vector;
    printf("FAIL %s: unexpected interrupt, vector 0x%x\n", test_name(), vector);
}

/* ---- PIC ---- */

#define ICW1_INIT_ICW4   0x11     /* ICW1: initialise, ICW4 follows, cascade */
#define ICW3_MASTER      0x04     /* a slave on IR2 */
#define ICW3_SLAVE       0x02     /* slave ID 2 */
#define ICW4_8086        0x01

static uint8_t master_mask = 0xFF, slave_mask = 0xFF;

void pic_remap(uint8_t master_base, uint8_t slave_base)
{
    outb(PIC_MASTER_CMD, ICW1_INIT_ICW4);
    outb(PIC_SLAVE_CMD, ICW1_INIT_ICW4);
    outb(PIC_MASTER_DATA, master_base);
    outb(PIC_SLAVE_DATA, slave_base);
    outb(PIC_MASTER_DATA, ICW3_MASTER);
    outb(PIC_SLAVE_DATA, ICW3_SLAVE);
    outb(PIC_MASTER_DATA, ICW4_8086);
    outb(PIC_SLAVE_DATA, ICW4_8086);
    master_mask = slave_mask = 0xFF;
    outb(PIC_MASTER_DATA, master_mask);
    outb(PIC_SLAVE_DATA, slave_mask);
}

void pic_mask(unsigned irq)
{
    if (irq < 8) {
        master_mask |= (uint8_t)(1u << irq);
        outb(PIC_MASTER_DATA, master_mask);
    } else if (irq < 16) {
        slave_mask |= (uint8_t)(1u << (irq - 8));
        outb(PIC_SLAVE_DATA, slave_mask);
    }
}

void pic_unmask(unsigned irq)
{
    if (irq < 8) {
        master_mask &= (uint8_t)~(1u << irq);
        outb(PIC_MASTER_DATA, master_mask);
    } else if (irq < 16) {
        slave_mask &= (uint8_t)~(1u << (irq - 8));
        outb(PIC_SLAVE_DATA, slave_mask);
        pic_unmask(2);
    }
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC_SLAVE_CMD, PIC_EOI);
    outb(PIC_MASTER_CMD, PIC_EOI);
}

static uint16_t read_both(uint8_t ocw3)
{
    outb(PIC_MASTER_CMD, ocw3);
    outb(PIC_SLAVE_CMD, ocw3);
    return (uint16_t)(inb(PIC_MASTER_CMD) | inb(PIC_SLAVE_CMD) << 8);
}

uint16_t pic_read_irr(void) { return read_both(PIC_READ_IRR); }
uint16_t pic_read_isr(void) { return read_both(PIC_READ_ISR); }
