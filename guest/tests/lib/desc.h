/*
 * Descriptor tables for the test guests: a flat GDT (one 4 GiB code and one
 * 4 GiB data segment) and an IDT whose 32 exception vectors go to the stubs
 * in isr.S. crt0 sets both up before main runs.
 */
#ifndef GUEST_LIB_DESC_H
#define GUEST_LIB_DESC_H

#include <stdint.h>

#define SEL_CODE  0x08u   /* GDT entry 1: 32-bit code, base 0, limit 4 GiB */
#define SEL_DATA  0x10u   /* GDT entry 2: 32-bit data, base 0, limit 4 GiB */

#define NUM_EXCEPTIONS 32

/* The operand of LGDT/LIDT: limit, then linear base address. */
struct __attribute__((packed)) table_ptr {
    uint16_t limit;
    uint32_t base;
};

void gdt_init(void);
void idt_init(void);

static inline void lidt(const struct table_ptr *p)
{
    __asm__ volatile("lidt %0" : : "m"(*p));
}

#endif
