/*
 * Interrupts for the test guests: handlers for vectors 32-255, the
 * IF/HLT helpers, and the 8259A PIC pair.
 *
 * Every vector 32-255 has an interrupt gate (desc.c) whose stub calls the
 * handler given to irq_install with the vector number, interrupts off; the
 * handler must send its own EOI (pic_eoi, or the local APIC's). A vector
 * without a handler is counted in irq_unexpected and reported with a FAIL
 * line ("unexpected interrupt, vector 0x..").
 *
 * Waiting for an interrupt without a lost-wakeup race:
 *     cli();
 *     while (!condition)
 *         sti_hlt();          // STI; HLT: the interrupt comes after HLT starts
 *     sti();                  // (or stay with interrupts off)
 * sti_hlt returns with interrupts ENABLED, after the handler has run; the
 * loop body re-checks the condition with IF=1, so the condition must be a
 * volatile value the handler sets.
 */
#ifndef GUEST_LIB_IRQ_H
#define GUEST_LIB_IRQ_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_t)(unsigned vector);

/* Sets the handler of a vector (32-255); NULL removes it. */
void irq_install(unsigned vector, irq_handler_t handler);

/* Interrupts that arrived on a vector without a handler, and the last one. */
extern volatile uint32_t irq_unexpected;
extern volatile uint32_t irq_unexpected_vector;

/* Called by the stubs in isr.S. */
void irq_dispatch(uint32_t vector);

/* ---- IF and HLT ---- */

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* STI immediately followed by HLT: no interrupt can slip in between (the
 * STI shadow), so the HLT is woken by the next interrupt. Returns with IF=1. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint32_t read_eflags(void)
{
    uint32_t f;
    __asm__ volatile("pushfl; popl %0" : "=r"(f));
    return f;
}

#define EFLAGS_IF  (1u << 9)

static inline bool irqs_enabled(void) { return read_eflags() & EFLAGS_IF; }

/* ---- 8259A PIC pair (master 0x20/0x21, slave 0xA0/0xA1) ---- */

#define PIC_MASTER_CMD   0x20
#define PIC_MASTER_DATA  0x21
#define PIC_SLAVE_CMD    0xA0
#define PIC_SLAVE_DATA   0xA1
#define PIC_EOI          0x20     /* OCW2 non-specific EOI */
#define PIC_READ_IRR     0x0A     /* OCW3: the command port reads the IRR */
#define PIC_READ_ISR     0x0B     /* OCW3: the command port reads the ISR */

#define PIC_MASTER_VECTOR  0x20   /* where pic_remap puts IRQ 0-7 ... */
#define PIC_SLAVE_VECTOR   0x28   /* ... and IRQ 8-15 */

/* ICW1-ICW4 for both chips: IRQ 0-7 at master_base, 8-15 at slave_base,
 * slave on IR2, 8086 mode, normal EOI; then every IRQ masked. */
void pic_remap(uint8_t master_base, uint8_t slave_base);

/* Mask / unmask one IRQ (0-15); unmasking a slave IRQ also unmasks IRQ 2. */
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);

/* EOI for an IRQ (0-15): to the slave and the master for IRQ 8-15. */
void pic_eoi(unsigned irq);

/* The IRR / ISR of both chips (slave in bits 15-8). */
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);

#endif
