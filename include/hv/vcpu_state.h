/*
 * A vCPU's registers as plain data: what a loader produces and what
 * vcpu_get_state / vcpu_set_state (vmm/vm.h) read and write. Here rather
 * than in vmm/vm.h so that the loaders (guest/), which see no layer above
 * them, can fill one in.
 */
#ifndef HV_VCPU_STATE_H
#define HV_VCPU_STATE_H

#include <hv/types.h>

/* GPRs in x86 encoding order (the same order as the instruction emulator). */
enum vcpu_gpr {
    GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
    GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

/* Segment registers, in the order of the SDM's guest segment fields. */
enum vcpu_seg {
    VCPU_SEG_ES, VCPU_SEG_CS, VCPU_SEG_SS, VCPU_SEG_DS, VCPU_SEG_FS, VCPU_SEG_GS,
    VCPU_SEG_LDTR, VCPU_SEG_TR, VCPU_SEG_COUNT,
};

/* A segment register's hidden part, field by field as in a descriptor
 * (SDM Vol. 3A, "Segment Descriptors"). */
struct vcpu_segment {
    uint64_t base;
    uint32_t limit;          /* in bytes, as the CPU expands it (G=1: 0xFFFFFFFF flat) */
    uint16_t selector;
    uint8_t type;            /* 4-bit type: 0xB code execute/read accessed, 3 data... */
    uint8_t s;               /* 1 code or data, 0 system (LDT, TSS) */
    uint8_t dpl;
    uint8_t present;
    uint8_t avl;
    uint8_t l;               /* 64-bit code segment */
    uint8_t db;              /* default operation size 32 bits */
    uint8_t g;               /* limit counted in 4 KiB units */
    uint8_t unusable;        /* loaded with a null selector (the other fields are ignored) */
};

struct vcpu_dtable {
    uint64_t base;
    uint16_t limit;
};

struct vcpu_state {
    uint64_t gpr[16];        /* enum vcpu_gpr order; gpr[GPR_RSP] is RSP */
    uint64_t rip, rflags;
    struct vcpu_segment seg[VCPU_SEG_COUNT];
    struct vcpu_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4;   /* as the guest reads them */
    uint64_t efer;
};

#endif
