/*
 * Host GDT, TSS and IDT. SDM Vol. 3A, "Segment Descriptors",
 * "Task-State Segment (TSS)" (64-bit format) and "IDT Descriptors".
 * Exceptions are fatal for the hypervisor: trap_dispatch prints the name,
 * error code, RIP, CR2 and every general register, then stops the machine
 * the way the exit= boot option says.
 */
#include "boot/cpu.h"
#include "boot/percpu.h"
#include "boot/x86.h"
#include "boot/shutdown.h"
#include "drivers/hw/console.h"
#include <hv/string.h>

#define IDT_GATE_INTERRUPT  0x8E      /* present, DPL 0, 64-bit interrupt gate */
#define IST_FATAL           1         /* #DF, NMI, #MC run on their own stack */

/* The boot CPU's tables; an AP's are in the struct percpu smp.c allocates. */
static struct percpu bsp_cpu;
static bool tables_ready;
static irq_handler_fn irq_handlers[256];

extern const uint64_t isr_stubs[256];

static const char *const exc_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved (15)", "#MF x87 floating point", "#AC alignment check",
    "#MC machine check", "#XM SIMD floating point", "#VE virtualization",
    "#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
    "reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved (31)",
};

const char *exception_name(unsigned vector)
{
    return vector < 32 ? exc_names[vector] : "external interrupt";
}

void cpu_load_tables(struct percpu *pc)
{
    uint64_t *gdt = pc->gdt;
    struct tss64 *tss = &pc->tss;
    struct idt_gate *idt = pc->idt;
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFULL;   /* 64-bit code, DPL 0 */
    gdt[2] = 0x00CF92000000FFFFULL;   /* data, DPL 0 */
    uint64_t base = (uint64_t)(uintptr_t)tss;
    uint64_t limit = sizeof(*tss) - 1;
    gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |  /* available 64-bit TSS */
             (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[4] = base >> 32;

    tss->ist[IST_FATAL - 1] = (uint64_t)(uintptr_t)(pc->fatal_stack + sizeof(pc->fatal_stack));
    tss->iomap_base = sizeof(*tss);      /* no I/O permission bitmap */

    struct desc_ptr gp = { sizeof(pc->gdt) - 1, (uint64_t)(uintptr_t)gdt };
    lgdt(&gp);
    __asm__ volatile(
        "pushq %0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %1, %%ds\n\t"
        "mov %1, %%es\n\t"
        "mov %1, %%ss\n\t"
        :: "i"((uint64_t)GDT_KERNEL_CS), "r"((uint16_t)GDT_KERNEL_DS) : "rax", "memory");
    ltr(GDT_TSS);

    for (unsigned v = 0; v < 256; v++) {
        uint64_t off = isr_stubs[v];
        idt[v] = (struct idt_gate){
            .offset_lo = off & 0xFFFF,
            .selector = GDT_KERNEL_CS,
            .ist = (v == 2 || v == 8 || v == 18) ? IST_FATAL : 0,
            .type_attr = IDT_GATE_INTERRUPT,
            .offset_mid = (off >> 16) & 0xFFFF,
            .offset_hi = off >> 32,
        };
    }
    struct desc_ptr ip = { sizeof(pc->idt) - 1, (uint64_t)(uintptr_t)idt };
    lidt(&ip);
}

void cpu_init_tables(void)
{
    cpu_load_tables(&bsp_cpu);
    tables_ready = true;
}

struct percpu *percpu_bsp(void) { return &bsp_cpu; }

struct percpu *this_cpu(void)
{
    if (!tables_ready)
        return &bsp_cpu;
    struct desc_ptr d;
    sgdt(&d);
    return (struct percpu *)(uintptr_t)(d.base - offsetof(struct percpu, gdt));
}

unsigned this_cpu_id(void) { return this_cpu()->id; }

uint64_t cpu_gdt_base(void) { return (uint64_t)(uintptr_t)this_cpu()->gdt; }
uint64_t cpu_idt_base(void) { return (uint64_t)(uintptr_t)this_cpu()->idt; }
uint64_t cpu_tss_base(void) { return (uint64_t)(uintptr_t)&this_cpu()->tss; }

void cpu_set_irq_handler(unsigned vector, irq_handler_fn fn)
{
    if (vector >= 32 && vector < 256)
        irq_handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *tf);

void trap_dispatch(struct trap_frame *tf)
{
    if (tf->vector >= 32 && irq_handlers[tf->vector]) {
        irq_handlers[tf->vector](tf);
        return;
    }

    console_async(false);                 /* what was queued, then the report, unbuffered */
    kprintf("\n[hv:error] FATAL: CPU exception %llu (%s) in the hypervisor\n",
            (unsigned long long)tf->vector, exception_name((unsigned)tf->vector));
    kprintf("  error code 0x%llx  RIP 0x%016llx  CS %#llx  RFLAGS %#llx\n",
            (unsigned long long)tf->error_code, (unsigned long long)tf->rip,
            (unsigned long long)tf->cs, (unsigned long long)tf->rflags);
    kprintf("  CR2 0x%016llx  CR3 0x%016llx  RSP 0x%016llx  SS %#llx\n",
            (unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
            (unsigned long long)tf->rsp, (unsigned long long)tf->ss);
    kprintf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
            (unsigned long long)tf->rax, (unsigned long long)tf->rbx,
            (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
    kprintf("  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
            (unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
            (unsigned long long)tf->rbp, (unsigned long long)tf->r8);
    kprintf("  R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n",
            (unsigned long long)tf->r9, (unsigned long long)tf->r10,
            (unsigned long long)tf->r11, (unsigned long long)tf->r12);
    kprintf("  R13 %016llx R14 %016llx R15 %016llx\n",
            (unsigned long long)tf->r13, (unsigned long long)tf->r14,
            (unsigned long long)tf->r15);
    machine_stop(STOP_FAILURE);
}
