/*
 * Host CPU tables: the GDT (with a TSS, which VM exits need: the host TR
 * selector may not be 0) and the IDT whose exception handlers print a
 * register dump and stop the machine.
 */
#ifndef BOOT_CPU_H
#define BOOT_CPU_H

#include <hv/types.h>

#define GDT_KERNEL_CS  0x08
#define GDT_KERNEL_DS  0x10
#define GDT_TSS        0x18

/* The register frame isr.S builds for every vector. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;        /* pushed by the CPU */
};

/* Build and load the boot CPU's tables. */
void cpu_init_tables(void);
struct percpu;
/* Build and load a CPU's own GDT, TSS and IDT (run on that CPU). */
void cpu_load_tables(struct percpu *pc);
/* Name of an exception vector 0-31 ("#GP general protection", ...). */
const char *exception_name(unsigned vector);
/* This CPU's GDT/IDT/TSS bases, for the VMCS host-state area. */
uint64_t cpu_gdt_base(void);
uint64_t cpu_idt_base(void);
uint64_t cpu_tss_base(void);

/* Hook for host vectors 32-255 (external interrupts); NULL = report and stop. */
typedef void (*irq_handler_fn)(struct trap_frame *tf);
void cpu_set_irq_handler(unsigned vector, irq_handler_fn fn);

#endif
