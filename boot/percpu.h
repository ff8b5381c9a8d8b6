/*
 * Per-CPU data: each CPU's own GDT, TSS and IDT (boot/cpu.c fills them the
 * same way on every CPU), its fatal-exception stack, and what boot/smp.c
 * knows of it. The boot CPU's is static; an AP's is allocated when it is
 * started. A CPU finds its own through its GDT's base (SGDT): no segment
 * base to keep across VM exits.
 */
#ifndef BOOT_PERCPU_H
#define BOOT_PERCPU_H

#include <hv/types.h>

#define SMP_MAX_CPUS 256

struct __packed tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

struct __packed idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t  ist;
    uint8_t  type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

enum cpu_state {
    CPU_OFF,            /* not started */
    CPU_ALIVE,          /* running C code on its own stack and tables */
    CPU_VMX_ON,         /* in VMX root operation, parked (cli; hlt) */
    CPU_REFUSED,        /* its VMX differs or VMXON failed: parked outside VMX */
};

struct percpu {
    uint64_t gdt[5] __attribute__((aligned(16)));
    struct tss64 tss __attribute__((aligned(16)));
    struct idt_gate idt[256] __attribute__((aligned(16)));
    uint8_t fatal_stack[8192] __attribute__((aligned(16)));
    unsigned id;                /* 0 = the boot CPU, then in start order */
    uint32_t apic_id;
    uint64_t stack_top;         /* the AP's stack (the BSP runs on boot_stack) */
    hpa_t vmxon_region;
    volatile int state;         /* enum cpu_state, written by the CPU itself */
};

/* This CPU's data (the boot CPU's until cpu_init_tables has run). */
struct percpu *this_cpu(void);
unsigned this_cpu_id(void);
/* The boot CPU's. */
struct percpu *percpu_bsp(void);

#endif
