/*
 * Fuzz target: the MMIO instruction decoder and emulator (vmx/insn_emulate.c).
 *
 * Input: byte 0 picks the CPU mode (16/32/64) and paging, bytes 1-15 are the
 * instruction, the rest seeds registers, RFLAGS and the guest's RAM (which
 * holds the page tables, so page walks see fuzzed tables too).
 *
 * 1. Differential decode: whatever emul_decode() accepts must be a valid
 *    instruction for Zydis (Debian's libzydis) with the same length,
 *    mnemonic, operand size, address size, register operand, memory operand
 *    (base, index, scale, displacement, segment, access size) and immediate.
 *    Intended divergences (documented in tests/fuzz/README.md):
 *      - the segment of a memory operand is compared only outside 64-bit
 *        mode and for FS/GS (64-bit mode ignores ES/CS/SS/DS overrides, and
 *        they do not displace an earlier FS/GS override);
 *      - 66 63 (MOVSXD r16, r/m16) reads 16 bits as the SDM says; Zydis
 *        reports a 32-bit memory operand;
 *      - an instruction emul_decode() refuses (-HV_ENOSYS) is not compared:
 *        the emulator covers a subset on purpose.
 * 2. Execution: emul_insn() runs the instruction against a fake guest; each
 *    data access must be 1/2/4/8 bytes; on success RIP moves by the decoded
 *    length (or stays for an unfinished REP); the error text is a string;
 *    with paging off the first access is at the address Zydis' memory
 *    operand gives for the same registers and segment bases.
 * 3. Fast paths: the same instruction runs again from the same state with
 *    the optional parts of the emul_ctx on (ram_ptr, GPRs outside regs, a
 *    decode cache kept across inputs, so entries of earlier inputs are
 *    probed), then a third time (now a cache hit); return value, error
 *    text, registers, RIP, RFLAGS, RAM and the data accesses must equal
 *    the plain run's.
 */
#include "tests/fuzz/fuzz.h"

#include <Zydis/Zydis.h>
#include <hv/errno.h>
#include "vmx/insn_emulate.h"

#define RAM_SIZE 0x10000ULL

static uint8_t ram[RAM_SIZE];
static unsigned accesses;
static gpa_t first_gpa;         /* gpa of the first data access */
static uint64_t access_hash;    /* of every access: direction, gpa, size, value */

static void hash_access(uint64_t dir, gpa_t gpa, unsigned size, uint64_t val)
{
    access_hash = (access_hash ^ dir ^ (gpa << 4) ^ size) * 0x100000001B3ULL + val;
}

static int fake_read_ram(void *opaque, gpa_t gpa, void *buf, size_t len)
{
    (void)opaque;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -HV_EFAULT;
    memcpy(buf, &ram[gpa], len);
    return 0;
}

/* RAM below RAM_SIZE, a "device" everywhere else (reads return a pattern). */
static int fake_read_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t *val)
{
    (void)opaque;
    CHECK(size == 1 || size == 2 || size == 4 || size == 8, "read size %u", size);
    if (accesses++ == 0)
        first_gpa = gpa;
    if (gpa < RAM_SIZE && size <= RAM_SIZE - gpa) {
        *val = 0;
        memcpy(val, &ram[gpa], size);
        hash_access(1, gpa, size, *val);
        return 0;
    }
    hash_access(2, gpa, size, 0);
    if ((gpa & 0xFF) == 0xEE)
        return -HV_EIO;             /* a failing device access */
    *val = gpa * 0x9E3779B97F4A7C15ULL;
    return 0;
}

static int fake_write_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t val)
{
    (void)opaque;
    CHECK(size == 1 || size == 2 || size == 4 || size == 8, "write size %u", size);
    CHECK(size == 8 || (val >> (8 * size)) == 0, "write of %u bytes has value 0x%llx",
          size, (unsigned long long)val);
    if (accesses++ == 0)
        first_gpa = gpa;
    hash_access(3, gpa, size, val);
    if (gpa < RAM_SIZE && size <= RAM_SIZE - gpa) {
        memcpy(&ram[gpa], &val, size);
        return 0;
    }
    return (gpa & 0xFF) == 0xEE ? -HV_EIO : 0;
}

static const struct emul_ops ops = {
    .read_ram = fake_read_ram, .read_mem = fake_read_mem, .write_mem = fake_write_mem,
};

static const void *fake_ram_ptr(void *opaque, gpa_t gpa, size_t len)
{
    (void)opaque;
    return gpa < RAM_SIZE && len <= RAM_SIZE - gpa ? &ram[gpa] : NULL;
}

static const struct emul_ops ops_ptr = {
    .read_ram = fake_read_ram, .read_mem = fake_read_mem, .write_mem = fake_write_mem,
    .ram_ptr = fake_ram_ptr,
};

static struct emul_dcache dcache;       /* kept across inputs */
static uint8_t ram0[RAM_SIZE], ram1[RAM_SIZE];

/* ---- Zydis comparison ---------------------------------------------------- */

static ZydisDecoder zdec[3];
/* Zydis' view of the last instruction compared (for the address check). */
static ZydisDecodedInstruction zi;
static ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
static int zmem = -1;          /* index of its memory operand, or -1 */

static ZydisMachineMode zmode(unsigned mode)
{
    return mode == 64 ? ZYDIS_MACHINE_MODE_LONG_64 :
           mode == 32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16;
}

/* Our GPR number of a Zydis general-purpose register of any width, or -1;
 * *high8 is set for AH/CH/DH/BH. */
static int gpr_of(ZydisRegister r, bool *high8)
{
    *high8 = false;
    if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
        return r - ZYDIS_REGISTER_AL;
    if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
        *high8 = true;
        return r - ZYDIS_REGISTER_AH;
    }
    if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_DIL)
        return 4 + (r - ZYDIS_REGISTER_SPL);
    if (r >= ZYDIS_REGISTER_R8B && r <= ZYDIS_REGISTER_R15B)
        return 8 + (r - ZYDIS_REGISTER_R8B);
    if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
        return r - ZYDIS_REGISTER_AX;
    if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
        return r - ZYDIS_REGISTER_EAX;
    if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
        return r - ZYDIS_REGISTER_RAX;
    return -1;
}

/* Our base/index encoding of a Zydis address register. */
static int addr_reg(ZydisRegister r)
{
    bool high8;
    if (r == ZYDIS_REGISTER_NONE)
        return EMUL_REG_NONE;
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return EMUL_REG_RIP;
    return gpr_of(r, &high8);
}

static ZydisMnemonic expected_mnemonic(const struct emul_insn *in, uint8_t opcode_byte)
{
    static const ZydisMnemonic alu[] = {
        ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB,
        ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP,
        ZYDIS_MNEMONIC_TEST, ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
        ZYDIS_MNEMONIC_BTC,
    };
    static const ZydisMnemonic stos[] = { ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW,
        ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_INVALID,
        ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_STOSQ };
    static const ZydisMnemonic movs[] = { ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW,
        ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_INVALID,
        ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_INVALID, ZYDIS_MNEMONIC_MOVSQ };

    switch (in->op) {
    case EMUL_OP_MOV_STORE:
    case EMUL_OP_MOV_LOAD:  return ZYDIS_MNEMONIC_MOV;
    case EMUL_OP_MOVZX:     return ZYDIS_MNEMONIC_MOVZX;
    case EMUL_OP_MOVSX:     return opcode_byte == 0x63 ? ZYDIS_MNEMONIC_MOVSXD : ZYDIS_MNEMONIC_MOVSX;
    case EMUL_OP_XCHG:      return ZYDIS_MNEMONIC_XCHG;
    case EMUL_OP_STOS:      return stos[in->opsize - 1];
    case EMUL_OP_MOVS:      return movs[in->opsize - 1];
    default:
        return in->alu < EMUL_ALU_NONE ? alu[in->alu] : ZYDIS_MNEMONIC_INVALID;
    }
}

/* The memory operand comes first (it is the destination) for these. */
static bool mem_first(enum emul_op op)
{
    return op == EMUL_OP_MOV_STORE || op == EMUL_OP_XCHG || op == EMUL_OP_ALU_MEM ||
           op == EMUL_OP_BT;
}

static void dump(const uint8_t *b, size_t n, unsigned mode)
{
    fprintf(stderr, "mode %u bytes:", mode);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02x", b[i]);
    fputc('\n', stderr);
}

static void compare_with_zydis(const uint8_t *b, size_t n, unsigned mode, int rc,
                               const struct emul_insn *in)
{
    const ZydisDecoder *zd = &zdec[mode == 64 ? 2 : mode == 32 ? 1 : 0];
    ZyanStatus zs = ZydisDecoderDecodeFull(zd, b, n, &zi, zo);

    if (rc == -HV_EFAULT) {
        /* We wanted more bytes: Zydis must not find a whole instruction. */
        if (ZYAN_SUCCESS(zs) && zi.length <= n && expected_mnemonic(in, 0) == zi.mnemonic) {
            dump(b, n, mode);
            CHECK(0, "emul_decode wants more bytes, Zydis decodes %u", zi.length);
        }
        return;
    }
    if (rc < 0)
        return;
    if (!ZYAN_SUCCESS(zs)) {
        dump(b, n, mode);
        CHECK(0, "emul_decode accepts (len %d), Zydis says invalid (status 0x%x)",
              rc, (unsigned)zs);
    }
    if (zi.length != in->len || (unsigned)rc != in->len) {
        dump(b, n, mode);
        CHECK(0, "length %u (rc %d), Zydis %u", in->len, rc, zi.length);
    }

    /* The first byte after the legacy prefixes and REX. */
    size_t p = 0;
    while (p < n && (memchr("\x66\x67\xf0\xf2\xf3\x26\x2e\x36\x3e\x64\x65", b[p], 11) ||
                     (mode == 64 && (b[p] & 0xF0) == 0x40)))
        p++;
    uint8_t opcode = p < n ? b[p] : 0;
    ZydisMnemonic want = expected_mnemonic(in, opcode);
    if (zi.mnemonic != want) {
        dump(b, n, mode);
        CHECK(0, "mnemonic: Zydis %s, we decoded op %d alu %d opsize %u",
              ZydisMnemonicGetString(zi.mnemonic), in->op, in->alu, in->opsize);
    }
    if (zi.address_width != in->addrsize * 8) {
        dump(b, n, mode);
        CHECK(0, "address size %u, Zydis %u", in->addrsize * 8, zi.address_width);
    }
    if (zi.operand_width != in->opsize * 8) {
        dump(b, n, mode);
        CHECK(0, "operand size %u, Zydis %u", in->opsize * 8, zi.operand_width);
    }

    if (in->op == EMUL_OP_STOS || in->op == EMUL_OP_MOVS) {
        bool zrep = zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPNE);
        if (zrep != in->rep) {
            dump(b, n, mode);
            CHECK(0, "rep %d, Zydis %d", in->rep, zrep);
        }
        return;
    }

    /* Explicit operands: one memory, at most one register, at most one immediate. */
    int mem_idx = -1, reg_idx = -1, imm_idx = -1;
    for (unsigned i = 0; i < zi.operand_count_visible; i++) {
        if (zo[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            mem_idx = (int)i;
        else if (zo[i].type == ZYDIS_OPERAND_TYPE_REGISTER)
            reg_idx = (int)i;
        else if (zo[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            imm_idx = (int)i;
    }
    if (mem_idx < 0) {
        dump(b, n, mode);
        CHECK(0, "Zydis finds no memory operand");
    }
    if ((mem_idx == 0) != mem_first(in->op)) {
        dump(b, n, mode);
        CHECK(0, "operand order: memory operand is #%d for Zydis", mem_idx);
    }
    zmem = mem_idx;
    const ZydisDecodedOperandMem *m = &zo[mem_idx].mem;
    /* 66 63 (MOVSXD r16, r/m16): the SDM's "MOVSXD" reads 16 bits, Zydis
     * says 32; we follow the SDM. */
    bool movsxd16 = opcode == 0x63 && in->opsize == 2;
    if (zo[mem_idx].size != in->memsize * 8 && !movsxd16) {
        dump(b, n, mode);
        CHECK(0, "memory access size %u, Zydis %u", in->memsize * 8, zo[mem_idx].size);
    }
    if (addr_reg(m->base) != in->base) {
        dump(b, n, mode);
        CHECK(0, "base %d, Zydis %s", in->base, ZydisRegisterGetString(m->base));
    }
    if (addr_reg(m->index) != in->index) {
        dump(b, n, mode);
        CHECK(0, "index %d, Zydis %s", in->index, ZydisRegisterGetString(m->index));
    }
    if (in->index != EMUL_REG_NONE && m->scale != in->scale) {
        dump(b, n, mode);
        CHECK(0, "scale %u, Zydis %u", in->scale, m->scale);
    }
    uint64_t amask = in->addrsize == 8 ? ~0ULL : (1ULL << (8 * in->addrsize)) - 1;
    uint64_t zdisp = m->disp.has_displacement ? (uint64_t)m->disp.value : 0;
    if (((uint64_t)in->disp ^ zdisp) & amask) {
        dump(b, n, mode);
        CHECK(0, "displacement 0x%llx, Zydis 0x%llx", (unsigned long long)in->disp,
              (unsigned long long)zdisp);
    }
    if (mode != 64 || in->seg == EMUL_SEG_FS || in->seg == EMUL_SEG_GS ||
        m->segment == ZYDIS_REGISTER_FS || m->segment == ZYDIS_REGISTER_GS) {
        if ((int)m->segment != ZYDIS_REGISTER_ES + (int)in->seg) {
            dump(b, n, mode);
            CHECK(0, "segment %d, Zydis %s", in->seg, ZydisRegisterGetString(m->segment));
        }
    }

    if (in->has_imm) {
        if (imm_idx < 0) {
            dump(b, n, mode);
            CHECK(0, "Zydis finds no immediate");
        }
        unsigned bits = in->op == EMUL_OP_BT ? 8 : in->opsize * 8;
        uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
        if ((in->imm ^ zo[imm_idx].imm.value.u) & mask) {
            dump(b, n, mode);
            CHECK(0, "immediate 0x%llx, Zydis 0x%llx", (unsigned long long)in->imm,
                  (unsigned long long)zo[imm_idx].imm.value.u);
        }
    } else if (in->reg != EMUL_REG_NONE) {
        bool high8;
        if (reg_idx < 0) {
            dump(b, n, mode);
            CHECK(0, "Zydis finds no register operand");
        }
        ZydisRegister zr = zo[reg_idx].reg.value;
        int r = gpr_of(zr, &high8);
        if (r != in->reg || high8 != in->reg_high8 ||
            ZydisRegisterGetWidth(zmode(mode), zr) != in->opsize * 8) {
            dump(b, n, mode);
            CHECK(0, "register %d%s size %u, Zydis %s", in->reg, in->reg_high8 ? " (high 8)" : "",
                  in->opsize, ZydisRegisterGetString(zr));
        }
    }
}

/* ---- Target -------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static const unsigned modes[4] = { 16, 32, 64, 64 };
    struct fuzz_in fin = { data, size, 0 };
    uint8_t bytes[EMUL_MAX_INSN_LEN] = { 0 };
    struct emul_insn in;

    if (!init) {
        ZydisDecoderInit(&zdec[0], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
        ZydisDecoderInit(&zdec[1], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
        ZydisDecoderInit(&zdec[2], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        init = true;
    }
    if (size < 2)
        return 0;
    uint8_t sel = fuzz_u8(&fin);
    unsigned mode = modes[sel & 3];
    size_t n = size - 1 < EMUL_MAX_INSN_LEN ? size - 1 : EMUL_MAX_INSN_LEN;
    memcpy(bytes, data + 1, n);
    fin.pos += n;

    int rc = emul_decode(bytes, n, mode, &in);
    CHECK(rc > 0 || rc == -HV_EFAULT || rc == -HV_ENOSYS, "emul_decode returned %d", rc);
    if (rc > 0)
        CHECK(rc <= (int)n && in.len == (unsigned)rc, "length %d of %zu bytes", rc, n);
    zmem = -1;
    compare_with_zydis(bytes, n, mode, rc, &in);
    struct emul_insn decoded = in;

    /* Execute: instruction at RIP, registers and RAM from the rest. */
    struct emul_regs regs;
    struct emul_ctx ctx = { .regs = &regs, .cpu_mode = mode, .ops = &ops, .opaque = NULL };
    for (unsigned i = 0; i < EMUL_NR_GPRS; i++)
        regs.gpr[i] = fuzz_u64(&fin);
    regs.rflags = 0x2 | (fuzz_u64(&fin) & 0xCD5);
    memset(ram, 0, sizeof(ram));
    /* Paging: bit 2 paging on, bit 3 PAE, bit 4 PSE, bit 5 LA57. */
    if (sel & 4) {
        ctx.cr0 = 0x80000001ULL;
        ctx.cr3 = fuzz_u16(&fin) & 0xF000;
        ctx.cr4 = ((sel & 8) ? 0x20 : 0) | ((sel & 16) ? 0x10 : 0) | ((sel & 32) ? 0x1000 : 0);
        ctx.efer = mode == 64 ? 0x500 : 0;
        if (mode == 64)
            ctx.cr4 |= 0x20;
    } else {
        ctx.cr0 = 1;
    }
    ctx.fs_base = fuzz_u64(&fin);
    ctx.gs_base = fuzz_u64(&fin);
    ctx.ds_base = ctx.es_base = ctx.ss_base = fuzz_u32(&fin) & 0xFFFF;
    ctx.hint_valid = sel & 64;
    ctx.hint_gva = fuzz_u64(&fin);
    ctx.hint_gpa = fuzz_u64(&fin);
    /* The rest of the input fills RAM in order from 0; the code goes at RIP's
     * linear address when that is in RAM and paging is off. */
    size_t rest = fin.pos < size ? size - fin.pos : 0;
    memcpy(ram, data + fin.pos, rest < RAM_SIZE ? rest : RAM_SIZE);
    regs.rip = regs.gpr[EMUL_RAX] & 0xFFF0;
    if (!(sel & 4))
        memcpy(&ram[regs.rip], bytes, EMUL_MAX_INSN_LEN);

    uint64_t rip0 = regs.rip, regs0[EMUL_NR_GPRS];
    memcpy(regs0, regs.gpr, sizeof(regs0));
    struct emul_regs start = regs;
    memcpy(ram0, ram, sizeof(ram));
    /* With paging off and a hint, usually make the hint the page of the
     * first access (as a VM exit reports it), so the fast path runs. */
    if ((sel & 64) && !(sel & 4) && (ctx.hint_gpa & 3) != 0) {
        struct emul_ctx probe = ctx;
        char perr[96];
        probe.hint_valid = false;
        accesses = 0;
        emul_insn(&probe, perr, sizeof(perr));
        if (accesses > 0) {
            ctx.hint_gva = first_gpa;
            if ((ctx.hint_gpa & 3) != 1)
                ctx.hint_gpa = first_gpa;
        }
        regs = start;
        memcpy(ram, ram0, sizeof(ram));
    }
    char err[96];
    accesses = 0;
    access_hash = 0;
    rc = emul_insn(&ctx, err, sizeof(err));

    /* The fast paths, twice, from the same state: the same outcome. */
    struct emul_regs plain = regs;
    uint64_t plain_hash = access_hash;
    unsigned plain_accesses = accesses;
    gpa_t plain_first = first_gpa;
    memcpy(ram1, ram, sizeof(ram));
    for (int run = 0; run < 2; run++) {
        uint64_t gpr[EMUL_NR_GPRS];
        struct emul_regs fregs = start;
        struct emul_ctx fctx = ctx;
        char ferr[96];
        memcpy(gpr, start.gpr, sizeof(gpr));
        memset(fregs.gpr, 0xA5, sizeof(fregs.gpr));     /* must not be used */
        fctx.regs = &fregs;
        fctx.gpr = gpr;
        fctx.ops = &ops_ptr;
        fctx.dcache = &dcache;
        memcpy(ram, ram0, sizeof(ram));
        accesses = 0;
        access_hash = 0;
        int frc = emul_insn(&fctx, ferr, sizeof(ferr));
        CHECK(frc == rc && strcmp(ferr, err) == 0, "run %d: %d '%s', plain %d '%s'", run,
              frc, ferr, rc, err);
        CHECK(memcmp(gpr, plain.gpr, sizeof(gpr)) == 0 && fregs.rip == plain.rip &&
              fregs.rflags == plain.rflags, "run %d: registers differ", run);
        CHECK(access_hash == plain_hash && accesses == plain_accesses, "run %d: accesses differ",
              run);
        CHECK(memcmp(ram, ram1, sizeof(ram)) == 0, "run %d: RAM differs", run);
    }
    first_gpa = plain_first;
    CHECK(memchr(err, 0, sizeof(err)) != NULL, "error text not terminated");
    if (rc == 0) {
        CHECK(err[0] == '\0', "success with error text '%s'", err);
        if (regs.rip != rip0) {
            /* Re-decode what was fetched: RIP moved by its length. */
            int len = emul_decode(bytes, EMUL_MAX_INSN_LEN, mode, &in);
            CHECK((sel & 4) || (len > 0 && regs.rip == rip0 + (unsigned)len),
                  "RIP 0x%llx -> 0x%llx, length %d", (unsigned long long)rip0,
                  (unsigned long long)regs.rip, len);
        }
    } else {
        CHECK(err[0] != '\0', "failure %d without error text", rc);
    }
    CHECK(accesses <= 4 * EMUL_REP_MAX_ITER, "%u accesses", accesses);

    /* The first data access is at the address Zydis' operand gives, from
     * the same registers and segment bases (paging off, no hint, so the
     * linear address is the guest-physical one; BT with a register offset
     * moves the address, so it is left out). */
    if (zmem >= 0 && !(sel & (4 | 64)) && accesses > 0 &&
        !(decoded.op == EMUL_OP_BT && !decoded.has_imm)) {
        const ZydisDecodedOperandMem *m = &zo[zmem].mem;
        uint64_t amask = zi.address_width == 64 ? ~0ULL : (1ULL << zi.address_width) - 1;
        uint64_t ea = m->disp.has_displacement ? (uint64_t)m->disp.value : 0;
        bool high8;
        if (m->base == ZYDIS_REGISTER_RIP || m->base == ZYDIS_REGISTER_EIP)
            ea += rip0 + zi.length;
        else if (m->base != ZYDIS_REGISTER_NONE)
            ea += regs0[gpr_of(m->base, &high8)];
        if (m->index != ZYDIS_REGISTER_NONE)
            ea += regs0[gpr_of(m->index, &high8)] * m->scale;
        ea &= amask;
        uint64_t lin;
        if (m->segment == ZYDIS_REGISTER_FS || m->segment == ZYDIS_REGISTER_GS)
            lin = ea + (m->segment == ZYDIS_REGISTER_FS ? ctx.fs_base : ctx.gs_base);
        else
            lin = ea + (mode == 64 || m->segment == ZYDIS_REGISTER_CS ? 0 : ctx.ds_base);
        if (mode != 64)
            lin &= 0xFFFFFFFFULL;
        CHECK(first_gpa == (lin & 0xFFFFFFFFULL), "first access at 0x%llx, Zydis' operand gives "
              "linear 0x%llx", (unsigned long long)first_gpa, (unsigned long long)lin);
    }
    return 0;
}
