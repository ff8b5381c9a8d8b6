/*
 * Descriptor tables for the test guests: a flat GDT (one 4 GiB code and one
 * 4 GiB data segment) and a full 256-entry IDT: the 32 exception vectors go
 * to the exception stubs in isr.S, vectors 32-255 to the interrupt stubs
 * there, which call the handler irq_install gave (irq.h). All are interrupt
 * gates (IF cleared on entry). crt0 sets both up before main runs.
 */
#ifndef GUEST_LIB_DESC_H
#define GUEST_LIB_DESC_H

#include <stdint.h>

#define SEL_CODE  0x08u   /* GDT entry 1: 32-bit code, base 0, limit 4 GiB */
#define SEL_DATA  0x10u   /* GDT entry 2: 32-bit data, base 0, limit 4 GiB */

#define NUM_EXCEPTIONS 32
#define NUM_VECTORS    256
#define IRQ_STUB_SIZE  16     /* bytes per interrupt stub in isr.S */

/* The operand of LGDT/LIDT: limit, then linear base address. */
struct __attribute__((packed)) table_ptr {
    uint16_t limit;
    uint32_t base;
};

void gdt_init(void);
void idt_init(void);

/* Point vector `v` at `entry` instead (an interrupt gate): an assembly
 * routine of the test's own that ends with IRET (e.g. an NMI handler,
 * which the exception stubs do not return from). */
void idt_set_gate(unsigned v, void (*entry)(void));

static inline void lidt(const struct table_ptr *p)
{
    __asm__ volatile("lidt %0" : : "m"(*p));
}

#endif
