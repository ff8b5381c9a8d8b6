/*
 * MMIO instruction decoder and emulator (see insn_emulate.h).
 *
 * Covered:
 *  - legacy prefixes 66 67 F0 F2 F3 and the six segment overrides, REX in
 *    64-bit mode (W/R/X/B, and SPL/BPL/SIL/DIL instead of AH/CH/DH/BH);
 *    F0 (LOCK) only on the read-modify-write forms that take it (the CPU
 *    raises #UD for the others before any access, so they are refused);
 *  - ModRM/SIB addressing with 16-, 32- and 64-bit address size, disp8/16/32,
 *    RIP-relative addressing, moffs;
 *  - MOV 88/89/8A/8B/C6/C7/A0-A3, MOVZX/MOVSX 0F B6/B7/BE/BF, MOVSXD 63,
 *    XCHG 86/87, STOS AA/AB and MOVS A4/A5 with REP and RFLAGS.DF,
 *    ADD/OR/ADC/SBB/AND/SUB/XOR/CMP (00-3B, 80/81/83), TEST 84/85 F6/F7 /0,
 *    BT/BTS/BTR/BTC 0F A3/AB/B3/BB and 0F BA /4-/7, with exact CF PF AF ZF
 *    SF OF (AF, which the SDM leaves undefined after logic ops, is cleared);
 *  - guest page walk: no paging, 32-bit (PSE 4M pages), PAE, 4- and 5-level.
 * Left out: other instructions (PUSH/POP mem, NOT/NEG, CMPXCHG, SSE/AVX
 * moves, LODS/SCAS/CMPS, ...), access-right and canonical/limit checks,
 * injecting #PF/#GP into the guest, atomicity of LOCKed read-modify-write
 * against other vCPUs, PAE PDPTEs cached in the VMCS (we re-read them from
 * guest memory), accesses crossing a page boundary into a non-adjacent frame.
 */
#include <hv/types.h>
#include <hv/errno.h>
#include <hv/string.h>
#include <hv/format.h>
#include "vmx/insn_emulate.h"
#include "hv/lab.h"

/* ---- Encoding constants (SDM Vol. 2A, "Instruction Format") ---------- */

#define PFX_OPSIZE      0x66
#define PFX_ADDRSIZE    0x67
#define PFX_LOCK        0xF0
#define PFX_REPNE       0xF2
#define PFX_REP         0xF3
#define PFX_ES          0x26
#define PFX_CS          0x2E
#define PFX_SS          0x36
#define PFX_DS          0x3E
#define PFX_FS          0x64
#define PFX_GS          0x65

#define REX_MIN         0x40    /* 40-4F in 64-bit mode */
#define REX_MAX         0x4F
#define REX_W           0x08    /* 64-bit operand size */
#define REX_R           0x04    /* extends ModRM.reg */
#define REX_X           0x02    /* extends SIB.index */
#define REX_B           0x01    /* extends ModRM.rm / SIB.base */

#define OP_TWO_BYTE     0x0F
#define OP_ALU_LAST     0x3F    /* 00-3F: ALU family (op in bits 5:3) */
#define OP_MOVSXD       0x63
#define OP_GRP1_EB_IB   0x80
#define OP_GRP1_EV_IZ   0x81
#define OP_GRP1_EV_IB   0x83
#define OP_TEST_EB_GB   0x84
#define OP_TEST_EV_GV   0x85
#define OP_XCHG_EB_GB   0x86
#define OP_XCHG_EV_GV   0x87
#define OP_MOV_EB_GB    0x88
#define OP_MOV_EV_GV    0x89
#define OP_MOV_GB_EB    0x8A
#define OP_MOV_GV_EV    0x8B
#define OP_MOV_AL_OB    0xA0
#define OP_MOV_AX_OV    0xA1
#define OP_MOV_OB_AL    0xA2
#define OP_MOV_OV_AX    0xA3
#define OP_MOVSB        0xA4
#define OP_MOVSV        0xA5
#define OP_STOSB        0xAA
#define OP_STOSV        0xAB
#define OP_MOV_EB_IB    0xC6
#define OP_MOV_EV_IZ    0xC7
#define OP_GRP3_EB      0xF6
#define OP_GRP3_EV      0xF7
/* Second byte after 0F. */
#define OP2_BT_EV_GV    0xA3
#define OP2_BTS_EV_GV   0xAB
#define OP2_BTR_EV_GV   0xB3
#define OP2_MOVZX_GV_EB 0xB6
#define OP2_MOVZX_GV_EW 0xB7
#define OP2_GRP8_EV_IB  0xBA
#define OP2_BTC_EV_GV   0xBB
#define OP2_MOVSX_GV_EB 0xBE
#define OP2_MOVSX_GV_EW 0xBF

#define GRP3_TEST       0       /* F6/F7 /0 */
#define GRP8_BT         4       /* 0F BA /4../7 = BT BTS BTR BTC */

#define MODRM_MOD(m)    ((m) >> 6)
#define MODRM_REG(m)    (((m) >> 3) & 7)
#define MODRM_RM(m)     ((m) & 7)
#define MOD_NO_DISP     0
#define MOD_DISP8       1
#define MOD_DISP32      2       /* disp16 with 16-bit addressing */
#define MOD_REGISTER    3
#define RM_SIB          4       /* 32/64-bit addressing: SIB byte follows */
#define RM_DISP32       5       /* with mod 0: disp32 (RIP-relative in 64-bit mode) */
#define RM16_DISP16     6       /* 16-bit addressing, mod 0: disp16 only */
#define SIB_SCALE(s)    ((s) >> 6)
#define SIB_INDEX(s)    (((s) >> 3) & 7)
#define SIB_BASE(s)     ((s) & 7)
#define SIB_NO_INDEX    4       /* index 100b (without REX.X): none */
#define SIB_NO_BASE     5       /* base 101b with mod 0: disp32, no base */

/* ---- RFLAGS (SDM Vol. 1, "EFLAGS Register") --------------------------- */

#define RFLAGS_CF       BIT(0)
#define RFLAGS_PF       BIT(2)
#define RFLAGS_AF       BIT(4)
#define RFLAGS_ZF       BIT(6)
#define RFLAGS_SF       BIT(7)
#define RFLAGS_DF       BIT(10)
#define RFLAGS_OF       BIT(11)
#define RFLAGS_ARITH    (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* ---- Paging (SDM Vol. 3A, "Paging") ----------------------------------- */

#define CR0_PG          BIT(31)
#define CR4_PSE         BIT(4)
#define CR4_PAE         BIT(5)
#define CR4_LA57        BIT(12)
#define EFER_LMA        BIT(10)
#define PTE_P           BIT(0)
#define PTE_PS          BIT(7)
#define PTE_ADDR_MASK   0x000FFFFFFFFFF000ULL   /* bits 51:12 */
#define PTE32_ADDR_MASK 0xFFFFF000ULL
#define PDE32_4M_MASK   0xFFC00000ULL           /* bits 31:22 of a 4M page */
#define PDE32_PSE36(e)  ((((e) >> 13) & 0xFF) << 32)    /* bits 20:13 -> 39:32 */
#define PAE_PDPT_MASK   0xFFFFFFE0ULL           /* CR3 bits 31:5 */
#define PAGE_OFFSET(a)  ((a) & (PAGE_SIZE - 1))

/* Small helpers on the fast path: inlined so that a cached MOV costs no
 * calls but the device callback. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ======================================================================
 * Decoder
 * ====================================================================== */

struct decoder {
    const uint8_t *bytes;
    size_t len;             /* bytes available */
    size_t pos;             /* next byte to consume */
    unsigned mode;          /* 16, 32, 64 */
    uint8_t rex;            /* 0 when absent */
    int seg_override;       /* enum emul_seg or -1 */
    bool lock;              /* F0 seen */
};

/* Consume an n-byte little-endian value. */
static int take(struct decoder *d, unsigned n, uint64_t *val)
{
    if (d->pos + n > EMUL_MAX_INSN_LEN)
        return -HV_ENOSYS;          /* longer than any valid instruction */
    if (d->pos + n > d->len)
        return -HV_EFAULT;          /* ran out of fetched bytes */
    *val = 0;
    for (unsigned i = 0; i < n; i++)
        *val |= (uint64_t)d->bytes[d->pos + i] << (8 * i);
    d->pos += n;
    return 0;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return (int64_t)(v << shift) >> shift;
}

/* Consume a sign-extended displacement or immediate of n bytes. */
static int take_signed(struct decoder *d, unsigned n, int64_t *val)
{
    uint64_t raw;
    int rc = take(d, n, &raw);
    if (rc == 0)
        *val = sign_extend(raw, n);
    return rc;
}

/* 16-bit ModRM memory forms (SDM Vol. 2A, "16-Bit Addressing Forms with the
 * ModR/M Byte"): rm selects base + index, BP-based forms default to SS. */
static int decode_mem16(struct decoder *d, struct emul_insn *in, unsigned mod, unsigned rm)
{
    static const int8_t base16[8] = { EMUL_RBX, EMUL_RBX, EMUL_RBP, EMUL_RBP,
                                      EMUL_RSI, EMUL_RDI, EMUL_RBP, EMUL_RBX };
    static const int8_t index16[8] = { EMUL_RSI, EMUL_RDI, EMUL_RSI, EMUL_RDI,
                                       EMUL_REG_NONE, EMUL_REG_NONE,
                                       EMUL_REG_NONE, EMUL_REG_NONE };
    in->base = base16[rm];
    in->index = index16[rm];
    if (mod == MOD_NO_DISP && rm == RM16_DISP16) {
        in->base = EMUL_REG_NONE;
        return take_signed(d, 2, &in->disp);
    }
    if (mod == MOD_DISP8)
        return take_signed(d, 1, &in->disp);
    if (mod == MOD_DISP32)
        return take_signed(d, 2, &in->disp);
    return 0;
}

/* 32/64-bit ModRM/SIB memory forms (SDM Vol. 2A, "32-Bit Addressing Forms
 * with the ModR/M Byte" and "... with the SIB Byte"; Vol. 2A, "RIP-Relative
 * Addressing"). */
static int decode_mem32(struct decoder *d, struct emul_insn *in, unsigned mod, unsigned rm)
{
    /* LAB 7 BEGIN decode_mem32: base, index, scale and displacement of a 32/64-bit ModRM memory operand: the SIB byte, disp32 without base (RIP-relative in 64-bit mode), disp8/disp32, REX.X and REX.B */
    int rc;
    bool rex_b = d->rex & REX_B;

    if (rm == RM_SIB) {
        uint64_t sib;
        if ((rc = take(d, 1, &sib)) != 0)
            return rc;
        unsigned index = SIB_INDEX(sib) | ((d->rex & REX_X) ? 8 : 0);
        in->index = index == SIB_NO_INDEX ? EMUL_REG_NONE : (int)index;
        in->scale = 1u << SIB_SCALE(sib);
        if (mod == MOD_NO_DISP && SIB_BASE(sib) == SIB_NO_BASE) {
            in->base = EMUL_REG_NONE;       /* also with REX.B */
            return take_signed(d, 4, &in->disp);
        }
        in->base = SIB_BASE(sib) | (rex_b ? 8 : 0);
    } else if (mod == MOD_NO_DISP && rm == RM_DISP32) {
        in->base = d->mode == 64 ? EMUL_REG_RIP : EMUL_REG_NONE;
        return take_signed(d, 4, &in->disp);
    } else {
        in->base = rm | (rex_b ? 8 : 0);
    }
    if (mod == MOD_DISP8)
        return take_signed(d, 1, &in->disp);
    if (mod == MOD_DISP32)
        return take_signed(d, 4, &in->disp);
    return 0;
    /* LAB 7 END */
}

/* ModRM with a memory operand.  reg_is_operand: ModRM.reg names a register
 * (otherwise it is an opcode extension, returned in *ext). */
static int decode_modrm(struct decoder *d, struct emul_insn *in, bool reg_is_operand,
                        unsigned *ext)
{
    uint64_t modrm;
    int rc = take(d, 1, &modrm);
    if (rc)
        return rc;
    unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);

    if (ext)
        *ext = MODRM_REG(modrm);
    if (reg_is_operand)
        in->reg = MODRM_REG(modrm) | ((d->rex & REX_R) ? 8 : 0);
    if (mod == MOD_REGISTER)
        return -HV_ENOSYS;          /* no memory operand: cannot be an MMIO exit */
    if (in->addrsize == 2)
        rc = decode_mem16(d, in, mod, rm);
    else
        rc = decode_mem32(d, in, mod, rm);
    if (rc)
        return rc;

    /* SDM Vol. 1, "Segment Registers": rSP/rBP-based accesses use SS. */
    if (d->seg_override < 0 && (in->base == EMUL_RSP || in->base == EMUL_RBP))
        in->seg = EMUL_SEG_SS;
    return 0;
}

/* Immediate of the operand size, at most 32 bits, sign-extended ("Iz"). */
static int decode_imm_z(struct decoder *d, struct emul_insn *in)
{
    in->has_imm = true;
    return take_signed(d, MIN(in->opsize, 4u), (int64_t *)&in->imm);
}

static int decode_imm8(struct decoder *d, struct emul_insn *in)
{
    in->has_imm = true;
    return take_signed(d, 1, (int64_t *)&in->imm);
}

/* Legacy prefixes and REX (SDM Vol. 2A, "Instruction Prefixes", "REX
 * Prefixes").  Returns the first opcode byte in *op. */
static int decode_prefixes(struct decoder *d, struct emul_insn *in, uint64_t *op)
{
    bool opsize_pfx = false, addrsize_pfx = false;
    int rc;

    for (;;) {
        if ((rc = take(d, 1, op)) != 0)
            return rc;
        switch (*op) {
        case PFX_OPSIZE:   opsize_pfx = true; break;
        case PFX_ADDRSIZE: addrsize_pfx = true; break;
        case PFX_REP:
        case PFX_REPNE:    in->rep = true; break;
        case PFX_LOCK:     d->lock = true; break;
        case PFX_ES:
        case PFX_CS:
        case PFX_SS:
        case PFX_DS:
            /* 64-bit mode ignores these (SDM Vol. 3A, "Segmentation in
             * IA-32e Mode"), so on the CPU they do not displace an earlier
             * FS/GS override.  Bits 4:3 of 26/2E/36/3E are ES/CS/SS/DS. */
            if (d->mode != 64 || (d->seg_override != EMUL_SEG_FS &&
                                  d->seg_override != EMUL_SEG_GS))
                d->seg_override = (int)((*op >> 3) & 3);
            break;
        case PFX_FS:       d->seg_override = EMUL_SEG_FS; break;
        case PFX_GS:       d->seg_override = EMUL_SEG_GS; break;
        default:
            if (d->mode == 64 && *op >= REX_MIN && *op <= REX_MAX) {
                d->rex = (uint8_t)*op;
                continue;           /* must be last: re-checked below */
            }
            goto opcode;
        }
        d->rex = 0;                 /* a REX followed by a prefix is ignored */
    }
opcode:
    /* Default sizes from CS.D/CS.L, toggled by 66/67; REX.W wins over 66
     * (SDM Vol. 1, "Operand-Size and Address-Size Attributes"). */
    if (d->mode == 16) {
        in->opsize = opsize_pfx ? 4 : 2;
        in->addrsize = addrsize_pfx ? 4 : 2;
    } else {
        in->opsize = opsize_pfx ? 2 : 4;
        in->addrsize = d->mode == 64 ? (addrsize_pfx ? 4 : 8) : (addrsize_pfx ? 2 : 4);
    }
    if (d->rex & REX_W)
        in->opsize = 8;
    return 0;
}

/* Two-byte opcodes 0F xx. */
static int decode_0f(struct decoder *d, struct emul_insn *in)
{
    uint64_t op;
    unsigned ext;
    int rc;

    if ((rc = take(d, 1, &op)) != 0)
        return rc;
    switch (op) {
    case OP2_MOVZX_GV_EB:
    case OP2_MOVZX_GV_EW:
    case OP2_MOVSX_GV_EB:
    case OP2_MOVSX_GV_EW:
        in->op = (op == OP2_MOVZX_GV_EB || op == OP2_MOVZX_GV_EW) ? EMUL_OP_MOVZX : EMUL_OP_MOVSX;
        in->memsize = (op & 1) ? 2 : 1;
        return decode_modrm(d, in, true, NULL);
    case OP2_BT_EV_GV:
    case OP2_BTS_EV_GV:
    case OP2_BTR_EV_GV:
    case OP2_BTC_EV_GV:
        in->op = EMUL_OP_BT;
        in->alu = op == OP2_BT_EV_GV ? EMUL_ALU_BT : op == OP2_BTS_EV_GV ? EMUL_ALU_BTS :
                  op == OP2_BTR_EV_GV ? EMUL_ALU_BTR : EMUL_ALU_BTC;
        return decode_modrm(d, in, true, NULL);
    case OP2_GRP8_EV_IB:
        in->op = EMUL_OP_BT;
        if ((rc = decode_modrm(d, in, false, &ext)) != 0)
            return rc;
        if (ext < GRP8_BT)
            return -HV_ENOSYS;
        in->alu = EMUL_ALU_BT + (ext - GRP8_BT);
        return decode_imm8(d, in);
    default:
        return -HV_ENOSYS;
    }
}

/* One-byte opcodes (SDM Vol. 2D, "One-byte Opcode Map"). */
static int decode_opcode(struct decoder *d, struct emul_insn *in, unsigned op)
{
    unsigned ext;
    int rc;

    if (!(op & 1))
        in->opsize = 1;             /* the even opcode of each pair is the byte form */
    in->memsize = in->opsize;

    if (op <= OP_ALU_LAST && (op & 7) <= 3) {
        /* 00-3B: bit 1 = direction (reg is destination), bits 5:3 = op. */
        in->op = (op & 2) ? EMUL_OP_ALU_REG : EMUL_OP_ALU_MEM;
        in->alu = (enum emul_alu)(op >> 3);
        return decode_modrm(d, in, true, NULL);
    }
    switch (op) {
    case OP_MOV_EB_GB:
    case OP_MOV_EV_GV:
        in->op = EMUL_OP_MOV_STORE;
        return decode_modrm(d, in, true, NULL);
    case OP_MOV_GB_EB:
    case OP_MOV_GV_EV:
        in->op = EMUL_OP_MOV_LOAD;
        return decode_modrm(d, in, true, NULL);
    case OP_MOV_EB_IB:
    case OP_MOV_EV_IZ:
        in->op = EMUL_OP_MOV_STORE;
        if ((rc = decode_modrm(d, in, false, &ext)) != 0)
            return rc;
        if (ext != 0)
            return -HV_ENOSYS;
        return decode_imm_z(d, in);
    case OP_MOV_AL_OB:
    case OP_MOV_AX_OV:
    case OP_MOV_OB_AL:
    case OP_MOV_OV_AX: {
        /* moffs: an absolute offset of the address size (SDM Vol. 2B, "MOV"). */
        uint64_t off;
        in->op = op >= OP_MOV_OB_AL ? EMUL_OP_MOV_STORE : EMUL_OP_MOV_LOAD;
        in->reg = EMUL_RAX;
        if ((rc = take(d, in->addrsize, &off)) != 0)
            return rc;
        in->disp = (int64_t)off;
        return 0;
    }
    case OP_MOVSXD:
        if (d->mode != 64)
            return -HV_ENOSYS;      /* ARPL outside 64-bit mode */
        in->op = EMUL_OP_MOVSX;
        in->memsize = MIN(in->opsize, 4u);
        return decode_modrm(d, in, true, NULL);
    case OP_XCHG_EB_GB:
    case OP_XCHG_EV_GV:
        in->op = EMUL_OP_XCHG;
        return decode_modrm(d, in, true, NULL);
    case OP_TEST_EB_GB:
    case OP_TEST_EV_GV:
        in->op = EMUL_OP_ALU_MEM;
        in->alu = EMUL_ALU_TEST;
        return decode_modrm(d, in, true, NULL);
    case OP_GRP1_EB_IB:
    case OP_GRP1_EV_IZ:
    case OP_GRP1_EV_IB:
        in->op = EMUL_OP_ALU_MEM;
        if ((rc = decode_modrm(d, in, false, &ext)) != 0)
            return rc;
        in->alu = (enum emul_alu)ext;
        return op == OP_GRP1_EV_IZ ? decode_imm_z(d, in) : decode_imm8(d, in);
    case OP_GRP3_EB:
    case OP_GRP3_EV:
        in->op = EMUL_OP_ALU_MEM;
        in->alu = EMUL_ALU_TEST;
        if ((rc = decode_modrm(d, in, false, &ext)) != 0)
            return rc;
        if (ext != GRP3_TEST)
            return -HV_ENOSYS;      /* NOT, NEG, MUL, DIV ... */
        return decode_imm_z(d, in);
    case OP_STOSB:
    case OP_STOSV:
        in->op = EMUL_OP_STOS;
        in->reg = EMUL_RAX;
        return 0;
    case OP_MOVSB:
    case OP_MOVSV:
        in->op = EMUL_OP_MOVS;
        return 0;
    case OP_TWO_BYTE:
        return decode_0f(d, in);
    default:
        return -HV_ENOSYS;
    }
}

/* SDM Vol. 2A, "LOCK-Assert LOCK# Signal Prefix": only these forms with a
 * memory destination take LOCK; on anything else it raises #UD. */
static bool lockable(const struct emul_insn *in)
{
    if (in->op == EMUL_OP_XCHG)
        return true;
    if (in->op == EMUL_OP_ALU_MEM)
        return in->alu != EMUL_ALU_CMP && in->alu != EMUL_ALU_TEST;
    if (in->op == EMUL_OP_BT)
        return in->alu != EMUL_ALU_BT;
    return false;
}

int emul_decode(const uint8_t *bytes, size_t len, unsigned cpu_mode, struct emul_insn *out)
{
    struct decoder d = { .bytes = bytes, .len = len, .mode = cpu_mode, .seg_override = -1 };
    uint64_t op;
    int rc;

    if (cpu_mode != 16 && cpu_mode != 32 && cpu_mode != 64)
        return -HV_EINVAL;
    memset(out, 0, sizeof(*out));
    out->alu = EMUL_ALU_NONE;
    out->reg = out->base = out->index = EMUL_REG_NONE;
    out->scale = 1;
    out->seg = EMUL_SEG_DS;

    if ((rc = decode_prefixes(&d, out, &op)) != 0)
        return rc;
    if ((rc = decode_opcode(&d, out, (unsigned)op)) != 0)
        return rc;
    if (d.lock && !lockable(out))
        return -HV_ENOSYS;          /* #UD on the CPU: it never reaches us */
    if (out->op != EMUL_OP_STOS && out->op != EMUL_OP_MOVS)
        out->rep = false;           /* F2/F3 on other opcodes: hints only */
    if (d.seg_override >= 0)
        out->seg = (enum emul_seg)d.seg_override;

    /* Byte registers 4-7 are AH CH DH BH unless a REX prefix is present
     * (SDM Vol. 2A, "Byte-Register Addressing in 64-Bit Mode"). */
    if (out->opsize == 1 && !d.rex && out->reg >= EMUL_RSP && out->reg <= EMUL_RDI) {
        out->reg -= 4;
        out->reg_high8 = true;
    }
    out->len = (unsigned)d.pos;
    return (int)d.pos;
}

/* ======================================================================
 * Guest page walk
 * ====================================================================== */

/* A little-endian load from a host address of any alignment. */
typedef uint64_t u64_unaligned __attribute__((aligned(1), may_alias));
typedef uint32_t u32_unaligned __attribute__((aligned(1), may_alias));

static int read_entry(const struct emul_ctx *ctx, gpa_t gpa, unsigned size, uint64_t *e)
{
    if (ctx->ops->ram_ptr) {
        const void *p = ctx->ops->ram_ptr(ctx->opaque, gpa, size);
        if (p) {
            *e = size == 8 ? *(const u64_unaligned *)p : *(const u32_unaligned *)p;
            return 0;
        }
    }
    *e = 0;
    return ctx->ops->read_ram(ctx->opaque, gpa, e, size) ? -HV_EFAULT : 0;
}

/* 32-bit paging (SDM Vol. 3A, "32-Bit Paging"). */
static int walk32(const struct emul_ctx *ctx, gva_t gva, gpa_t *gpa)
{
    uint64_t pde, pte;

    if (read_entry(ctx, (ctx->cr3 & PTE32_ADDR_MASK) + ((gva >> 22) & 0x3FF) * 4, 4, &pde) ||
        !(pde & PTE_P))
        return -HV_EFAULT;
    if ((pde & PTE_PS) && (ctx->cr4 & CR4_PSE)) {
        *gpa = (pde & PDE32_4M_MASK) | PDE32_PSE36(pde) | (gva & (MiB(4) - 1));
        return 0;
    }
    if (read_entry(ctx, (pde & PTE32_ADDR_MASK) + ((gva >> PAGE_SHIFT) & 0x3FF) * 4, 4, &pte) ||
        !(pte & PTE_P))
        return -HV_EFAULT;
    *gpa = (pte & PTE32_ADDR_MASK) | PAGE_OFFSET(gva);
    return 0;
}

int emul_gva_to_gpa(const struct emul_ctx *ctx, gva_t gva, gpa_t *gpa)
{
    bool long_mode = ctx->efer & EFER_LMA;
    uint64_t table, entry;
    unsigned shift;

    if (!(ctx->cr0 & CR0_PG)) {
        *gpa = gva & 0xFFFFFFFFULL;
        return 0;
    }
    if (!(ctx->cr4 & CR4_PAE))
        return walk32(ctx, gva & 0xFFFFFFFFULL, gpa);

    if (long_mode) {
        /* SDM Vol. 3A, "4-Level Paging and 5-Level Paging": 9 bits per level. */
        shift = (ctx->cr4 & CR4_LA57) ? 48 : 39;
        table = ctx->cr3 & PTE_ADDR_MASK;
    } else {
        /* SDM Vol. 3A, "PAE Paging": a 4-entry PDPT at CR3[31:5], then 9 bits. */
        gva &= 0xFFFFFFFFULL;
        shift = 30;
        table = ctx->cr3 & PAE_PDPT_MASK;
    }
    for (;;) {
        if (read_entry(ctx, table + ((gva >> shift) & 0x1FF) * 8, 8, &entry) || !(entry & PTE_P))
            return -HV_EFAULT;
        /* PS maps a 1G page in a PDPTE (4/5-level only) or a 2M page in a PDE. */
        bool large = (entry & PTE_PS) && (shift == 21 || (shift == 30 && long_mode));
        if (shift == PAGE_SHIFT || large) {
            uint64_t offset_mask = (1ULL << shift) - 1;
            *gpa = (entry & PTE_ADDR_MASK & ~offset_mask) | (gva & offset_mask);
            return 0;
        }
        table = entry & PTE_ADDR_MASK;
        shift -= 9;
    }
}

/* ======================================================================
 * Execution helpers
 * ====================================================================== */

/* emul_gva_to_gpa with the no-paging case inline. */
static ALWAYS_INLINE int translate(const struct emul_ctx *ctx, gva_t gva, gpa_t *gpa)
{
    if (!(ctx->cr0 & CR0_PG)) {
        *gpa = gva & 0xFFFFFFFFULL;
        return 0;
    }
    return emul_gva_to_gpa(ctx, gva, gpa);
}

static const uint64_t size_masks[9] = {
    0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFULL, 0xFFFFFFFFFFFFULL,
    0xFFFFFFFFFFFFFFULL, ~0ULL
};

/* Ones over the low size bytes (size 0..8). */
static ALWAYS_INLINE uint64_t size_mask(unsigned size)
{
    return size_masks[size];
}

/* The GPRs: in the caller's array when it gave one, else in regs. */
static ALWAYS_INLINE uint64_t *gprs(const struct emul_ctx *ctx)
{
    return ctx->gpr ? ctx->gpr : ctx->regs->gpr;
}

static ALWAYS_INLINE uint64_t reg_get(const uint64_t *gpr, int reg, unsigned size, bool high8)
{
    if (high8)
        return (gpr[reg] >> 8) & 0xFF;
    return gpr[reg] & size_mask(size);
}

/* Write a GPR like the CPU: 8/16-bit writes keep the other bits, 32-bit
 * writes zero bits 63:32 (SDM Vol. 1, "General-Purpose Registers in 64-Bit
 * Mode"). */
static ALWAYS_INLINE void reg_set(uint64_t *gpr, int reg, unsigned size, bool high8, uint64_t val)
{
    if (high8)
        gpr[reg] = (gpr[reg] & ~0xFF00ULL) | ((val & 0xFF) << 8);
    else if (size <= 2)
        gpr[reg] = (gpr[reg] & ~size_mask(size)) | (val & size_mask(size));
    else
        gpr[reg] = val & size_mask(size);
}

#define SEG_SLOT(seg, name) _Static_assert(__builtin_offsetof(struct emul_ctx, seg_base[seg]) == \
                                           __builtin_offsetof(struct emul_ctx, name), #name)
SEG_SLOT(EMUL_SEG_ES, es_base);
SEG_SLOT(EMUL_SEG_CS, cs_base);
SEG_SLOT(EMUL_SEG_SS, ss_base);
SEG_SLOT(EMUL_SEG_DS, ds_base);
SEG_SLOT(EMUL_SEG_FS, fs_base);
SEG_SLOT(EMUL_SEG_GS, gs_base);

/* seg:offset -> linear address.  In 64-bit mode only FS and GS have a base
 * (SDM Vol. 3A, "Segmentation in IA-32e Mode"). */
static ALWAYS_INLINE gva_t linear(const struct emul_ctx *ctx, enum emul_seg seg, uint64_t offset)
{
    if (ctx->cpu_mode == 64)
        return offset + (seg >= EMUL_SEG_FS ? ctx->seg_base[seg] : 0);
    return (ctx->seg_base[seg] + offset) & 0xFFFFFFFFULL;
}

static ALWAYS_INLINE gva_t mem_operand(const struct emul_ctx *ctx, const struct emul_insn *in)
{
    const uint64_t *gpr = gprs(ctx);
    uint64_t ea = (uint64_t)in->disp;

    if (in->base == EMUL_REG_RIP)
        ea += ctx->regs->rip + in->len;     /* relative to the next instruction */
    else if (in->base != EMUL_REG_NONE)
        ea += gpr[in->base];
    if (in->index != EMUL_REG_NONE)
        ea += gpr[in->index] * in->scale;
    return linear(ctx, in->seg, ea & size_mask(in->addrsize));
}

/* Linear -> guest-physical for a data access of size bytes. */
static int data_gpa(const struct emul_ctx *ctx, gva_t gva, unsigned size, gpa_t *gpa,
                    char *err, size_t errlen)
{
    gpa_t last;
    bool one_page = PAGE_OFFSET(gva) + size <= PAGE_SIZE;

    if (one_page && ctx->hint_valid && (gva >> PAGE_SHIFT) == (ctx->hint_gva >> PAGE_SHIFT)) {
        *gpa = (ctx->hint_gpa & ~(gpa_t)(PAGE_SIZE - 1)) | PAGE_OFFSET(gva);
        return 0;
    }
    if (emul_gva_to_gpa(ctx, gva, gpa) ||
        (!one_page && emul_gva_to_gpa(ctx, gva + size - 1, &last))) {
        fmt_snprintf(err, errlen, "page walk failed for data gva 0x%llx (cr3 0x%llx)",
                     (unsigned long long)gva, (unsigned long long)ctx->cr3);
        return -HV_EFAULT;
    }
    if (!one_page && last != *gpa + size - 1) {
        fmt_snprintf(err, errlen, "cannot emulate: %u-byte access at gva 0x%llx "
                     "spans non-adjacent pages", size, (unsigned long long)gva);
        return -HV_ENOSYS;
    }
    return 0;
}

static int mem_read(const struct emul_ctx *ctx, gva_t gva, unsigned size, uint64_t *val,
                    char *err, size_t errlen)
{
    gpa_t gpa;
    int rc = data_gpa(ctx, gva, size, &gpa, err, errlen);
    if (rc)
        return rc;
    *val = 0;
    rc = ctx->ops->read_mem(ctx->opaque, gpa, size, val);
    if (rc) {
        fmt_snprintf(err, errlen, "%u-byte read at gpa 0x%llx failed (%d)",
                     size, (unsigned long long)gpa, rc);
        return rc;
    }
    *val &= size_mask(size);
    return 0;
}

static int mem_write(const struct emul_ctx *ctx, gva_t gva, unsigned size, uint64_t val,
                     char *err, size_t errlen)
{
    gpa_t gpa;
    int rc = data_gpa(ctx, gva, size, &gpa, err, errlen);
    if (rc)
        return rc;
    rc = ctx->ops->write_mem(ctx->opaque, gpa, size, val & size_mask(size));
    if (rc)
        fmt_snprintf(err, errlen, "%u-byte write at gpa 0x%llx failed (%d)",
                     size, (unsigned long long)gpa, rc);
    return rc;
}

/* ---- Flags (SDM Vol. 1, "Status Flags"; Vol. 2, each instruction's
 * "Flags Affected") ----------------------------------------------------- */

/* ZF, SF and PF (PF: even number of set bits in the low byte). */
static uint64_t flags_zsp(uint64_t res, unsigned size)
{
    uint64_t f = 0;
    uint8_t p = (uint8_t)res;

    if ((res & size_mask(size)) == 0)
        f |= RFLAGS_ZF;
    if ((res >> (8 * size - 1)) & 1)
        f |= RFLAGS_SF;
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    if (!(p & 1))
        f |= RFLAGS_PF;
    return f;
}

/* dst (op) src at the given size; sets the six arithmetic flags in *rflags
 * and returns the result. */
static uint64_t alu_compute(enum emul_alu op, unsigned size, uint64_t dst, uint64_t src,
                            uint64_t *rflags)
{
    uint64_t mask = size_mask(size), sign = 1ULL << (8 * size - 1);
    uint64_t a = dst & mask, b = src & mask, res, f = 0;
    uint64_t carry_in = (*rflags & RFLAGS_CF) ? 1 : 0;

    switch (op) {
    case EMUL_ALU_ADD:
        carry_in = 0;
        /* fall through */
    case EMUL_ALU_ADC:
        res = (a + b + carry_in) & mask;
        /* Carry out of the top bit: both set, or one set and no result bit. */
        if (((a & b) | ((a | b) & ~res)) & sign)
            f |= RFLAGS_CF;
        if ((a ^ res) & (b ^ res) & sign)   /* same-sign inputs, sign changed */
            f |= RFLAGS_OF;
        f |= (a ^ b ^ res) & RFLAGS_AF;     /* carry into bit 4 */
        break;
    case EMUL_ALU_SUB:
    case EMUL_ALU_CMP:
        carry_in = 0;
        /* fall through */
    case EMUL_ALU_SBB:
        res = (a - b - carry_in) & mask;
        /* Borrow out of the top bit. */
        if (((~a & b) | ((~a | b) & res)) & sign)
            f |= RFLAGS_CF;
        if ((a ^ b) & (a ^ res) & sign)     /* different-sign inputs, sign flipped */
            f |= RFLAGS_OF;
        f |= (a ^ b ^ res) & RFLAGS_AF;     /* borrow from bit 4 */
        break;
    case EMUL_ALU_OR:
        res = a | b;
        break;
    case EMUL_ALU_XOR:
        res = a ^ b;
        break;
    default:                                /* AND, TEST: CF = OF = 0 */
        res = a & b;
        break;
    }
    f |= flags_zsp(res, size);
    *rflags = (*rflags & ~RFLAGS_ARITH) | f;
    return res;
}

/* ---- Instruction execution ----------------------------------------------- */

static bool alu_writes(enum emul_alu op)
{
    return op != EMUL_ALU_CMP && op != EMUL_ALU_TEST && op != EMUL_ALU_BT;
}

/* Value of the reg-or-immediate source operand. */
static ALWAYS_INLINE uint64_t source(const struct emul_ctx *ctx, const struct emul_insn *in)
{
    if (in->has_imm)
        return in->imm;
    return reg_get(gprs(ctx), in->reg, in->opsize, in->reg_high8);
}

/* BT family (SDM Vol. 2A, "BT"): an immediate offset is taken modulo the
 * operand width; a register offset is signed and selects any bit relative
 * to the operand address. */
static int exec_bt(struct emul_ctx *ctx, const struct emul_insn *in, gva_t gva,
                   char *err, size_t errlen)
{
    unsigned bits = 8 * in->opsize;
    int64_t offset;
    uint64_t val, bit;
    int rc;

    if (in->has_imm) {
        offset = (int64_t)(in->imm & (bits - 1));
    } else {
        /* Floor-divide by the width (arithmetic shift) to get the unit. */
        unsigned log2_bits = in->opsize == 2 ? 4 : in->opsize == 4 ? 5 : 6;
        offset = sign_extend(reg_get(gprs(ctx), in->reg, in->opsize, false), in->opsize);
        gva += (uint64_t)((offset >> log2_bits) * (int64_t)in->opsize);
        if (ctx->cpu_mode != 64)
            gva &= 0xFFFFFFFFULL;
        offset &= bits - 1;
    }
    if ((rc = mem_read(ctx, gva, in->opsize, &val, err, errlen)) != 0)
        return rc;
    bit = 1ULL << offset;
    /* CF = the bit; the other flags are left alone. */
    ctx->regs->rflags = (ctx->regs->rflags & ~RFLAGS_CF) | ((val & bit) ? RFLAGS_CF : 0);
    switch (in->alu) {
    case EMUL_ALU_BTS: val |= bit; break;
    case EMUL_ALU_BTR: val &= ~bit; break;
    case EMUL_ALU_BTC: val ^= bit; break;
    default:           return 0;
    }
    return mem_write(ctx, gva, in->opsize, val, err, errlen);
}

/* STOS / MOVS, optionally REP (SDM Vol. 2B, "MOVS/MOVSB/...", "STOS/...",
 * "REP/REPE/REPZ/REPNE/REPNZ"): rCX, rSI, rDI have the address size; DF
 * selects the direction.  Sets *done to false when iterations remain. */
static int exec_string(struct emul_ctx *ctx, const struct emul_insn *in, bool *done,
                       char *err, size_t errlen)
{
    uint64_t *gpr = gprs(ctx);
    unsigned asz = in->addrsize, size = in->opsize;
    uint64_t amask = size_mask(asz);
    uint64_t count = in->rep ? gpr[EMUL_RCX] & amask : 1;
    uint64_t step = (ctx->regs->rflags & RFLAGS_DF) ? (uint64_t)0 - size : size;
    uint64_t val;
    int rc;

    for (unsigned i = 0; count > 0 && i < EMUL_REP_MAX_ITER; i++) {
        uint64_t rdi = gpr[EMUL_RDI] & amask, rsi = gpr[EMUL_RSI] & amask;
        if (in->op == EMUL_OP_MOVS) {
            rc = mem_read(ctx, linear(ctx, in->seg, rsi), size, &val, err, errlen);
            if (rc)
                return rc;
        } else {
            val = reg_get(gpr, EMUL_RAX, size, false);
        }
        rc = mem_write(ctx, linear(ctx, EMUL_SEG_ES, rdi), size, val, err, errlen);
        if (rc)
            return rc;
        reg_set(gpr, EMUL_RDI, asz, false, rdi + step);
        if (in->op == EMUL_OP_MOVS)
            reg_set(gpr, EMUL_RSI, asz, false, rsi + step);
        count--;
        if (in->rep)
            reg_set(gpr, EMUL_RCX, asz, false, count);
    }
    *done = count == 0;
    return 0;
}

static __attribute__((noinline, cold)) void access_failed(char *err, size_t errlen, bool write,
                                                          unsigned size, gpa_t gpa, int rc)
{
    fmt_snprintf(err, errlen, "%u-byte %s at gpa 0x%llx failed (%d)", size,
                 write ? "write" : "read", (unsigned long long)gpa, rc);
}

/* Execute a decoded instruction; *done is false if RIP must stay. */
static int exec_insn(struct emul_ctx *ctx, const struct emul_insn *in, bool *done,
                     char *err, size_t errlen)
{
    uint64_t *gpr = gprs(ctx);
    gva_t gva;
    uint64_t val, res;
    int rc;

    *done = true;
    if (in->op == EMUL_OP_STOS || in->op == EMUL_OP_MOVS)
        return exec_string(ctx, in, done, err, errlen);
    gva = mem_operand(ctx, in);

    /* LAB 7 BEGIN exec_insn: run the decoded instruction on its memory operand at gva: MOV both ways, MOVZX/MOVSX, XCHG, the ALU forms (alu_compute sets the flags; CMP and TEST write nothing), BT */
    switch (in->op) {
    case EMUL_OP_MOV_STORE:
        return mem_write(ctx, gva, in->memsize, source(ctx, in), err, errlen);
    case EMUL_OP_MOV_LOAD:
    case EMUL_OP_MOVZX:
    case EMUL_OP_MOVSX:
        if ((rc = mem_read(ctx, gva, in->memsize, &val, err, errlen)) != 0)
            return rc;
        if (in->op == EMUL_OP_MOVSX)
            val = (uint64_t)sign_extend(val, in->memsize);
        reg_set(gpr, in->reg, in->opsize, in->reg_high8, val);
        return 0;
    case EMUL_OP_XCHG:
        if ((rc = mem_read(ctx, gva, in->memsize, &val, err, errlen)) != 0)
            return rc;
        if ((rc = mem_write(ctx, gva, in->memsize, source(ctx, in), err, errlen)) != 0)
            return rc;
        reg_set(gpr, in->reg, in->opsize, in->reg_high8, val);
        return 0;
    case EMUL_OP_ALU_MEM:
        if ((rc = mem_read(ctx, gva, in->memsize, &val, err, errlen)) != 0)
            return rc;
        res = alu_compute(in->alu, in->opsize, val, source(ctx, in), &ctx->regs->rflags);
        if (!alu_writes(in->alu))
            return 0;
        return mem_write(ctx, gva, in->memsize, res, err, errlen);
    case EMUL_OP_ALU_REG:
        if ((rc = mem_read(ctx, gva, in->memsize, &val, err, errlen)) != 0)
            return rc;
        res = alu_compute(in->alu, in->opsize, source(ctx, in), val, &ctx->regs->rflags);
        if (alu_writes(in->alu))
            reg_set(gpr, in->reg, in->opsize, in->reg_high8, res);
        return 0;
    case EMUL_OP_BT:
        return exec_bt(ctx, in, gva, err, errlen);
    default:
        return -HV_ENOSYS;
    }
    /* LAB 7 END */
}

/* ======================================================================
 * Fetch and top level
 * ====================================================================== */

/* Instruction bytes as fetched; w lets the decode cache compare 8 at once. */
union insn_buf {
    uint8_t b[16];
    uint64_t w[2];
};

/* Fetch up to EMUL_MAX_INSN_LEN bytes at CS:RIP, page by page; stops early
 * at an unmapped or unreadable later page.  Returns the count or -HV_EFAULT;
 * *lin is the linear address of RIP. */
static int fetch(const struct emul_ctx *ctx, union insn_buf *ib, gva_t *first_bad, gva_t *lin)
{
    uint64_t ip = ctx->regs->rip & size_mask(ctx->cpu_mode / 8);
    gva_t gva = linear(ctx, EMUL_SEG_CS, ip);
    uint8_t *buf = ib->b;
    size_t got = 0;

    *lin = gva;
    /* Common case: 16 bytes inside one page of directly reachable RAM (the
     * 16th is read but not used). */
    if (ctx->ops->ram_ptr && PAGE_OFFSET(gva) <= PAGE_SIZE - sizeof(ib->b)) {
        gpa_t gpa;
        const u64_unaligned *p;
        if (!translate(ctx, gva, &gpa) &&
            (p = ctx->ops->ram_ptr(ctx->opaque, gpa, sizeof(ib->b))) != NULL) {
            ib->w[0] = p[0];
            ib->w[1] = p[1];
            return EMUL_MAX_INSN_LEN;
        }
    }

    while (got < EMUL_MAX_INSN_LEN) {
        size_t chunk = MIN(EMUL_MAX_INSN_LEN - got, PAGE_SIZE - PAGE_OFFSET(gva));
        gpa_t gpa;
        if (emul_gva_to_gpa(ctx, gva, &gpa) ||
            ctx->ops->read_ram(ctx->opaque, gpa, buf + got, chunk)) {
            *first_bad = gva;
            break;
        }
        got += chunk;
        gva = ctx->cpu_mode == 64 ? gva + chunk : (gva + chunk) & 0xFFFFFFFFULL;
    }
    return got ? (int)got : -HV_EFAULT;
}

static void describe_bytes(char *err, size_t errlen, const uint8_t *buf, int n)
{
    size_t pos = (size_t)fmt_snprintf(err, errlen, "cannot emulate:");
    for (int i = 0; i < n && pos < errlen; i++)
        pos += (size_t)fmt_snprintf(err + pos, errlen - pos, " %02x", buf[i]);
}

void emul_dcache_init(struct emul_dcache *c)
{
    memset(c, 0, sizeof(*c));
}

/* Direct-mapped slot of the instruction at linear address lin. */
static unsigned dcache_slot(gva_t lin)
{
    return (unsigned)((lin * 0x9E3779B97F4A7C15ULL) >> 60) & (EMUL_DCACHE_ENTRIES - 1);
}

_Static_assert(EMUL_DCACHE_ENTRIES <= 16 && (EMUL_DCACHE_ENTRIES & (EMUL_DCACHE_ENTRIES - 1)) == 0,
               "dcache_slot takes 4 bits");

/* Remember in e that the n-byte instruction in ib decoded to e->insn. */
static void dcache_fill(struct emul_dcache_entry *e, const union insn_buf *ib, unsigned mode)
{
    unsigned len = e->insn.len;
    e->mask[0] = len >= 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
    e->mask[1] = len <= 8 ? 0 : len >= 16 ? ~0ULL : (1ULL << (8 * (len - 8))) - 1;
    e->bytes[0] = ib->w[0] & e->mask[0];
    e->bytes[1] = ib->w[1] & e->mask[1];
    e->mode = mode;
}

/*
 * The fast path: a MOV, MOVZX or MOVSX the decode cache knows, whose bytes
 * lie inside one page of directly reachable RAM, accessing the page whose
 * translation the CPU reported.  Returns 1, having changed nothing, when
 * any of that does not hold; else as emul_insn.
 */
static int emul_insn_fast(struct emul_ctx *ctx, char *err, size_t errlen)
{
    struct emul_regs *r = ctx->regs;
    unsigned mode = ctx->cpu_mode;
    gva_t lin = linear(ctx, EMUL_SEG_CS, r->rip & size_mask(mode / 8));
    const struct emul_dcache_entry *e;
    const struct emul_insn *in;
    const u64_unaligned *p;
    unsigned size;
    uint64_t val;
    gpa_t gpa;
    gva_t gva;
    int rc;

    if (PAGE_OFFSET(lin) > PAGE_SIZE - sizeof(union insn_buf) || translate(ctx, lin, &gpa) ||
        !(p = ctx->ops->ram_ptr(ctx->opaque, gpa, sizeof(union insn_buf))))
        return 1;
    e = &ctx->dcache->entry[dcache_slot(lin)];
    /* Entries hold only valid modes, so an invalid ctx->cpu_mode misses. */
    if (e->mode != mode || ((p[0] & e->mask[0]) ^ e->bytes[0]) | ((p[1] & e->mask[1]) ^ e->bytes[1]))
        return 1;
    in = &e->insn;
    if (in->op > EMUL_OP_MOVSX)
        return 1;
    gva = mem_operand(ctx, in);
    size = in->memsize;
    if ((gva >> PAGE_SHIFT) != (ctx->hint_gva >> PAGE_SHIFT) || PAGE_OFFSET(gva) + size > PAGE_SIZE)
        return 1;
    gpa = (ctx->hint_gpa & ~(gpa_t)(PAGE_SIZE - 1)) | PAGE_OFFSET(gva);
    /* From here on the instruction is done here. */
    if (in->op == EMUL_OP_MOV_STORE) {
        rc = ctx->ops->write_mem(ctx->opaque, gpa, size, source(ctx, in) & size_mask(size));
        if (rc)
            goto failed;
    } else {
        val = 0;
        rc = ctx->ops->read_mem(ctx->opaque, gpa, size, &val);
        if (rc)
            goto failed;
        val &= size_mask(in->memsize);
        if (in->op == EMUL_OP_MOVSX)
            val = (uint64_t)sign_extend(val, in->memsize);
        reg_set(gprs(ctx), in->reg, in->opsize, in->reg_high8, val);
    }
    ctx->dcache->hits++;
    ctx->dcache->fast++;
    r->rip += in->len;
    if (ctx->cpu_mode != 64)
        r->rip &= size_mask(ctx->cpu_mode / 8);
    return 0;
failed:
    access_failed(err, errlen, in->op == EMUL_OP_MOV_STORE, in->memsize, gpa, rc);
    return rc;
}

/* Everything else: fetch, decode (or find in the cache), execute. */
static __attribute__((noinline)) int emul_insn_slow(struct emul_ctx *ctx, char *err, size_t errlen)
{
    union insn_buf ib = { .w = { 0, 0 } };
    uint8_t *buf = ib.b;
    struct emul_insn local, *dst = &local;
    const struct emul_insn *in;
    struct emul_dcache_entry *e = NULL;
    gva_t bad = 0, lin;
    bool done;
    int n, rc;

    if (ctx->cpu_mode != 16 && ctx->cpu_mode != 32 && ctx->cpu_mode != 64) {
        fmt_snprintf(err, errlen, "bad cpu_mode %u", ctx->cpu_mode);
        return -HV_EINVAL;
    }
    n = fetch(ctx, &ib, &bad, &lin);
    if (n < 0) {
        fmt_snprintf(err, errlen, "instruction fetch failed at gva 0x%llx (cr3 0x%llx)",
                     (unsigned long long)bad, (unsigned long long)ctx->cr3);
        return n;
    }
    if (ctx->dcache) {
        e = &ctx->dcache->entry[dcache_slot(lin)];
        if (e->mode == ctx->cpu_mode && e->insn.len <= (unsigned)n &&
            (ib.w[0] & e->mask[0]) == e->bytes[0] && (ib.w[1] & e->mask[1]) == e->bytes[1]) {
            ctx->dcache->hits++;
            in = &e->insn;
            goto execute;
        }
        ctx->dcache->misses++;
        e->mode = 0;                /* refilled below if the bytes decode */
        dst = &e->insn;
    }
    in = dst;
    rc = emul_decode(buf, (size_t)n, ctx->cpu_mode, dst);
    if (rc >= 0 && e)
        dcache_fill(e, &ib, ctx->cpu_mode);
    if (rc == -HV_EFAULT) {
        fmt_snprintf(err, errlen, "instruction fetch failed at gva 0x%llx after %d bytes",
                     (unsigned long long)bad, n);
        return rc;
    }
    if (rc < 0) {
        describe_bytes(err, errlen, buf, n);
        return -HV_ENOSYS;
    }
execute:
    rc = exec_insn(ctx, in, &done, err, errlen);
    if (rc)
        return rc;
    if (done) {
        uint64_t rip = ctx->regs->rip + in->len;
        ctx->regs->rip = ctx->cpu_mode == 64 ? rip : rip & size_mask(ctx->cpu_mode / 8);
    }
    return 0;
}

int emul_insn(struct emul_ctx *ctx, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (ctx->dcache && ctx->hint_valid && ctx->ops->ram_ptr) {
        int rc = emul_insn_fast(ctx, err, errlen);
        if (rc <= 0)
            return rc;
    }
    return emul_insn_slow(ctx, err, errlen);
}
