/*
 * The CPU state boot protocols hand a kernel, as a struct vcpu_state:
 * flat 4 GiB segments from a loader-built GDT, in 32-bit protected mode
 * (multiboot1, plain ELF) or in 64-bit mode with the loader's page tables
 * (Linux's 64-bit boot protocol). Everything a protocol leaves open is 0;
 * RFLAGS is 0x2 (interrupts off), LDTR is unusable, TR a busy TSS at 0.
 */
#ifndef GUEST_BOOT_CPU_H
#define GUEST_BOOT_CPU_H

#include <hv/vcpu_state.h>

/* Descriptor fields of the flat segments (SDM Vol. 3A, "Code- and
 * Data-Segment Types"). */
#define BOOT_SEG_TYPE_CODE   0xB   /* execute/read, accessed */
#define BOOT_SEG_TYPE_DATA   0x3   /* read/write, accessed */
#define BOOT_SEG_TYPE_TSS    0xB   /* busy 32/64-bit TSS */
#define BOOT_TSS_LIMIT       0x67

/* 32-bit protected mode, paging off: CR0 = PE | ET, CS = cs (32-bit code),
 * DS = ES = SS = FS = GS = ds, GDTR = gdt_base/gdt_limit (0/0: none). */
void boot_cpu_prot32(struct vcpu_state *st, uint64_t rip, uint16_t cs, uint16_t ds,
                     uint64_t gdt_base, uint16_t gdt_limit);

/* 64-bit mode: as above with CS a 64-bit code segment, CR0.PG, CR4.PAE,
 * EFER.LME and LMA, CR3 = cr3. */
void boot_cpu_long64(struct vcpu_state *st, uint64_t rip, uint64_t cr3, uint16_t cs,
                     uint16_t ds, uint64_t gdt_base, uint16_t gdt_limit);

#endif
