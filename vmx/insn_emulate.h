/*
 * MMIO instruction emulation.
 *
 * When a guest touches a device register that is mapped nowhere in its EPT,
 * VT-x reports an EPT violation with the guest-physical address but without
 * the instruction length or its operands.  emul_insn() fetches the faulting
 * instruction through the guest's own page tables, decodes it, performs the
 * memory accesses through caller callbacks (which route each one to RAM or to
 * a device model), updates the guest registers and RFLAGS like the CPU would
 * and advances RIP.
 *
 * Covered: MOV (88-8B, A0-A3, C6/C7), MOVZX/MOVSX (0F B6/B7/BE/BF), MOVSXD
 * (63), STOS/MOVS (AA/AB/A4/A5, optionally REP), XCHG (86/87), the ALU family
 * ADD/OR/ADC/SBB/AND/SUB/XOR/CMP (00-3B, 80/81/83), TEST (84/85, F6/F7 /0),
 * BT/BTS/BTR/BTC (0F A3/AB/B3/BB, 0F BA /4-/7); 16-, 32- and 64-bit code.
 * Pure logic: no VMCS access, no global state.  See insn_emulate.c for what
 * is left out.
 */
#ifndef HV_VMX_INSN_EMULATE_H
#define HV_VMX_INSN_EMULATE_H

#include <hv/types.h>

/* GPR indices in x86 encoding order (SDM Vol. 2A, "Instruction Format"). */
enum emul_gpr {
    EMUL_RAX, EMUL_RCX, EMUL_RDX, EMUL_RBX, EMUL_RSP, EMUL_RBP, EMUL_RSI, EMUL_RDI,
    EMUL_R8, EMUL_R9, EMUL_R10, EMUL_R11, EMUL_R12, EMUL_R13, EMUL_R14, EMUL_R15,
    EMUL_NR_GPRS
};
#define EMUL_REG_NONE (-1)   /* no base / index / register operand */
#define EMUL_REG_RIP  (-2)   /* base of a RIP-relative address (64-bit mode) */

/* Segment registers in x86 encoding order (SDM Vol. 2A, "Segment Prefixes"). */
enum emul_seg { EMUL_SEG_ES, EMUL_SEG_CS, EMUL_SEG_SS, EMUL_SEG_DS, EMUL_SEG_FS, EMUL_SEG_GS };

/* Guest register state; the caller copies it from / back to the VMCS and its
 * saved-GPR area. */
struct emul_regs {
    uint64_t gpr[EMUL_NR_GPRS];
    uint64_t rip;
    uint64_t rflags;
};

struct emul_ops {
    /* Read guest-physical RAM (page-table walk and instruction fetch).
     * Returns 0 or -HV_EFAULT. */
    int (*read_ram)(void *opaque, gpa_t gpa, void *buf, size_t len);
    /* One data access of 1, 2, 4 or 8 bytes at gpa (crossing a page
     * boundary only where both pages are adjacent in guest-physical memory);
     * the caller routes it to RAM or to a device.  Returns 0 or negative. */
    int (*read_mem)(void *opaque, gpa_t gpa, unsigned size, uint64_t *val);
    int (*write_mem)(void *opaque, gpa_t gpa, unsigned size, uint64_t val);
    /* Optional (may be NULL): the host address of len bytes of guest RAM at
     * gpa if they are contiguous there, else NULL.  When given, page-table
     * entries and instruction bytes are loaded through it (cheaper than
     * read_ram, which remains the fallback). */
    const void *(*ram_ptr)(void *opaque, gpa_t gpa, size_t len);
};

struct emul_dcache;

struct emul_ctx {
    struct emul_regs *regs;
    unsigned cpu_mode;      /* 16, 32 or 64: default operand/address size (CS.D, CS.L) */
    /* Segment bases (ignored in 64-bit mode except FS and GS), by name or
     * indexed by enum emul_seg. */
    union {
        struct { uint64_t es_base, cs_base, ss_base, ds_base, fs_base, gs_base; };
        uint64_t seg_base[6];
    };
    /* For the guest page walk: paging off, 32-bit (4M pages with CR4.PSE),
     * PAE, 4-level and 5-level (CR4.LA57), large pages at every level. */
    uint64_t cr0, cr3, cr4, efer;
    const struct emul_ops *ops;
    void *opaque;
    /* Optional: one translation the caller already knows (the CPU reported
     * it with the exit), linear page hint_gva -> guest-physical page
     * hint_gpa; data accesses inside that page skip the page walk. */
    bool hint_valid;
    gva_t hint_gva;
    gpa_t hint_gpa;
    /* Optional: the 16 GPRs live here instead of regs->gpr (saves the
     * caller copying them in and out). */
    uint64_t *gpr;
    /* Optional: a decode cache (see struct emul_dcache). */
    struct emul_dcache *dcache;
};

/* What a decoded instruction does; "mem" is its ModRM/moffs memory operand. */
enum emul_op {
    /* The first four make one access and set no flags (keep them first). */
    EMUL_OP_MOV_STORE,  /* mem <- reg, or mem <- imm when has_imm */
    EMUL_OP_MOV_LOAD,   /* reg <- mem */
    EMUL_OP_MOVZX,      /* reg <- zero-extended mem (memsize < opsize) */
    EMUL_OP_MOVSX,      /* reg <- sign-extended mem (MOVSX, MOVSXD) */
    EMUL_OP_XCHG,       /* mem <-> reg */
    EMUL_OP_ALU_MEM,    /* mem <- mem (alu) reg/imm; CMP and TEST only set flags */
    EMUL_OP_ALU_REG,    /* reg <- reg (alu) mem; CMP only sets flags */
    EMUL_OP_BT,         /* bit test (alu = BT/BTS/BTR/BTC) of mem, offset in reg/imm */
    EMUL_OP_STOS,       /* ES:[rDI] <- rAX */
    EMUL_OP_MOVS,       /* ES:[rDI] <- seg:[rSI] */
};

/* ALU operations; the first eight match the opcode bits 5:3 of 00-3F and the
 * ModRM.reg extension of group 1 (SDM Vol. 2D, "Opcode Map"). */
enum emul_alu {
    EMUL_ALU_ADD, EMUL_ALU_OR, EMUL_ALU_ADC, EMUL_ALU_SBB,
    EMUL_ALU_AND, EMUL_ALU_SUB, EMUL_ALU_XOR, EMUL_ALU_CMP,
    EMUL_ALU_TEST,
    EMUL_ALU_BT, EMUL_ALU_BTS, EMUL_ALU_BTR, EMUL_ALU_BTC,
    EMUL_ALU_NONE
};

/* A decoded instruction. */
struct emul_insn {
    unsigned len;           /* total length in bytes */
    enum emul_op op;
    enum emul_alu alu;      /* EMUL_OP_ALU_* / EMUL_OP_BT only, else EMUL_ALU_NONE */
    unsigned opsize;        /* operand (register / immediate) size: 1, 2, 4, 8 */
    unsigned memsize;       /* size of each memory access: 1, 2, 4, 8 */
    unsigned addrsize;      /* address size: 2, 4, 8 */
    bool rep;               /* F3 (or F2) on STOS/MOVS */
    int reg;                /* register operand (enum emul_gpr) or EMUL_REG_NONE */
    bool reg_high8;         /* reg names AH/CH/DH/BH (bits 15:8 of gpr[reg]) */
    bool has_imm;
    uint64_t imm;           /* immediate, sign-extended to 64 bits where the CPU does */
    /* Memory operand: seg:[base + index * scale + disp]; for STOS/MOVS the
     * addresses come from rSI/rDI and only seg (source of MOVS) is used. */
    enum emul_seg seg;      /* effective segment (default or override) */
    int base;               /* enum emul_gpr, EMUL_REG_RIP or EMUL_REG_NONE */
    int index;              /* enum emul_gpr or EMUL_REG_NONE */
    unsigned scale;         /* 1, 2, 4 or 8 */
    int64_t disp;           /* sign-extended (moffs: zero-extended) displacement */
};

/* Longest x86 instruction (SDM Vol. 2A, "Instruction Format"). */
#define EMUL_MAX_INSN_LEN 15

/*
 * Decode cache.  A decoded instruction depends only on its bytes and the
 * code size (16/32/64), so an entry is keyed by exactly those: emul_insn()
 * still translates RIP and reads the bytes from guest memory on every call,
 * and uses an entry only if the bytes it just read equal the entry's over
 * the entry's length.  Self-modifying code, another address space with the
 * same CR3, changed page tables or a different RIP holding other bytes are
 * all misses; the same bytes decode the same wherever they are, so a hit
 * is always right.  The slot is chosen by the linear address of RIP
 * (direct mapped), so a loop touching a few devices keeps its entries.
 */
#define EMUL_DCACHE_ENTRIES 16

struct emul_dcache_entry {
    uint64_t bytes[2];      /* the instruction's bytes, zero past its length */
    uint64_t mask[2];       /* ones over the first insn.len bytes */
    unsigned mode;          /* 16, 32 or 64; 0 = empty */
    struct emul_insn insn;
};

struct emul_dcache {
    struct emul_dcache_entry entry[EMUL_DCACHE_ENTRIES];
    uint64_t hits, misses;  /* lookups; a miss decodes and refills the slot */
    uint64_t fast;          /* hits that took the fast path (MOV forms, see emul_insn) */
};

/* Empty the cache (never needed for correctness: entries check themselves). */
void emul_dcache_init(struct emul_dcache *c);
/* Iterations of a REP string instruction done per emul_insn() call; when
 * the count is not exhausted RIP stays so the guest executes it again. */
#define EMUL_REP_MAX_ITER 1024

/*
 * Decode the instruction in bytes[0..len) for a code segment of cpu_mode
 * (16, 32 or 64) bits.  Returns the instruction length (> 0) and fills *out;
 * -HV_EFAULT if the bytes end before the instruction does (len < 15);
 * -HV_ENOSYS for anything this emulator does not handle (including register-
 * only forms, which cannot cause an MMIO exit); -HV_EINVAL for a bad cpu_mode.
 */
int emul_decode(const uint8_t *bytes, size_t len, unsigned cpu_mode, struct emul_insn *out);

/*
 * Translate a guest-virtual (linear) address with the guest paging mode given
 * by ctx->cr0/cr4/efer and ctx->cr3 (no access-right checks).
 * Returns 0 and *gpa, or -HV_EFAULT (page not present or table unreadable).
 */
int emul_gva_to_gpa(const struct emul_ctx *ctx, gva_t gva, gpa_t *gpa);

/*
 * Emulate the one instruction at CS:RIP.
 * Returns 0: registers, RFLAGS and RIP updated (RIP unchanged if a REP
 *    instruction has iterations left; see EMUL_REP_MAX_ITER).
 * -HV_ENOSYS: cannot decode; err holds "cannot emulate: 0f 0b 90 ..." with
 *    the fetched bytes.
 * -HV_EFAULT: the fetch or a page walk failed; err names the address.
 * Another negative value: a read_mem/write_mem callback failed (err says
 *    which); accesses done before it are not undone.
 * err (errlen bytes, may be 0) is always NUL-terminated, "" on success.
 * The caller handles everything outside the instruction itself: interrupt
 * shadow, RFLAGS.TF/RF, injecting faults into the guest.
 * Fast path: with a decode cache, ram_ptr and the hint, a cached MOV, MOVZX
 * or MOVSX whose bytes lie in one page and whose access lies in the hinted
 * page runs without the general machinery (same results, same errors).
 */
int emul_insn(struct emul_ctx *ctx, char *err, size_t errlen);

#endif
