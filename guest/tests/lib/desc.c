/*
 * Flat GDT and the IDT: exceptions and interrupt vectors (see desc.h).
 */
#include "desc.h"

/* Segment descriptors, written out: base 0, limit 0xFFFFF in 4 KiB units
 * (G=1), 32-bit (D=1), present, ring 0. Access byte 0x9A = code
 * execute/read, 0x92 = data read/write. */
static const uint64_t gdt[] __attribute__((aligned(8))) = {
    0,                           /* null descriptor */
    0x00CF9A000000FFFFull,       /* SEL_CODE */
    0x00CF92000000FFFFull,       /* SEL_DATA */
};

/* A 32-bit interrupt gate: handler offset split in two halves. */
struct __attribute__((packed)) idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;           /* 0x8E: present, ring 0, 32-bit interrupt gate */
    uint16_t offset_high;
};

#define GATE_INTERRUPT32  0x8Eu

static struct idt_gate idt[NUM_VECTORS] __attribute__((aligned(8)));

/* Entry points of the exception stubs, one per vector (isr.S). */
extern const uint32_t isr_table[NUM_EXCEPTIONS];
/* The interrupt stubs for vectors 32-255 (isr.S): IRQ_STUB_SIZE bytes each,
 * in vector order. */
extern const char irq_stubs[];

static void set_gate(unsigned v, uint32_t handler)
{
    idt[v].offset_low = (uint16_t)handler;
    idt[v].selector = SEL_CODE;
    idt[v].zero = 0;
    idt[v].type_attr = GATE_INTERRUPT32;
    idt[v].offset_high = (uint16_t)(handler >> 16);
}

/* Weak: a guest that must run on the loader's GDT (mb1gdt) defines its
 * own gdt_init that does nothing. */
__attribute__((weak)) void gdt_init(void)
{
    struct table_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };

    /* Load the GDT, then reload CS with a far jump and the data segment
     * registers with SEL_DATA. */
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%fs\n\t"
                     "mov %2, %%gs\n\t"
                     "mov %2, %%ss"
                     :
                     : "m"(p), "i"(SEL_CODE), "r"(SEL_DATA)
                     : "memory");
}

void idt_set_gate(unsigned v, void (*entry)(void))
{
    if (v < NUM_VECTORS)
        set_gate(v, (uint32_t)(uintptr_t)entry);
}

void idt_init(void)
{
    for (unsigned v = 0; v < NUM_EXCEPTIONS; v++)
        set_gate(v, isr_table[v]);
    for (unsigned v = NUM_EXCEPTIONS; v < NUM_VECTORS; v++)
        set_gate(v, (uint32_t)(uintptr_t)irq_stubs + (v - NUM_EXCEPTIONS) * IRQ_STUB_SIZE);
    struct table_ptr p = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
    lidt(&p);
}
