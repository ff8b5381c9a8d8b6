/*
 * Unit tests for vmx/insn_emulate.c: decoder tables, execution against a fake
 * guest (64 KiB of RAM plus a fake MMIO device at 0xFEE00000 that records
 * every access), guest page walks, fetch corner cases, and (on x86-64 hosts)
 * a cross-check of the ALU flags against the host CPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hv/errno.h>
#include "vmx/insn_emulate.h"

/* ---- Fake guest ---------------------------------------------------------- */

#define RAM_SIZE    0x10000ULL
#define MMIO_BASE   0xFEE00000ULL
#define MMIO_SIZE   0x2000ULL
#define M           MMIO_BASE
#define CODE_GPA    0x1000ULL
#define DATA_GPA    0xE000ULL           /* plain RAM for MOVS tests */
#define RIP_HI      0xFFFFFFFF80000000ULL   /* 64-bit: 4K-mapped to CODE_GPA */
#define MAX_LOG     16

/* Page-table entry bits and the standard 64-bit layout in fake RAM. */
#define P           0x1ULL
#define RW          0x2ULL
#define PS          0x80ULL
#define PML4_GPA    0x2000ULL   /* [0] -> PDPT_LO, [511] -> PDPT_HI */
#define PDPT_LO     0x3000ULL   /* 0-3G: 1G pages, 3G-4G: PD_MMIO */
#define PDPT_HI     0x4000ULL   /* [510] -> PD_HI, [511] -> 1G page at 3G */
#define PD_HI       0x5000ULL   /* [0] -> PT_HI */
#define PT_HI       0x6000ULL   /* [0] -> CODE_GPA, [1] -> MMIO_BASE */
#define PD_MMIO     0x7000ULL   /* 2M page for MMIO_BASE */
#define PML5_GPA    0x9000ULL   /* [0] -> PML4 (LA57 test) */
#define SCRATCH_PT  0xA000ULL   /* 0xA000-0xDFFF: per-test page tables */

#define CR0_PE      0x1ULL
#define CR0_PG      0x80000000ULL
#define CR4_PSE     0x10ULL
#define CR4_PAE     0x20ULL
#define CR4_LA57    0x1000ULL
#define EFER_LME    0x100ULL
#define EFER_LMA    0x400ULL

#define F_FIXED     0x2ULL
#define F_CF        0x1ULL
#define F_PF        0x4ULL
#define F_AF        0x10ULL
#define F_ZF        0x40ULL
#define F_SF        0x80ULL
#define F_DF        0x400ULL
#define F_OF        0x800ULL
#define FL(x)       (F_FIXED | (x))

struct access {
    char dir;           /* 'R' or 'W'; 0 ends a list */
    gpa_t gpa;
    unsigned size;
    uint64_t val;
};
#define RD(a, s, v) { 'R', (a), (s), (v) }
#define WR(a, s, v) { 'W', (a), (s), (v) }

struct fake_guest {
    uint8_t ram[RAM_SIZE];
    uint8_t mmio[MMIO_SIZE];
    struct access log[MAX_LOG];
    unsigned nlog;              /* total accesses (log keeps the first MAX_LOG) */
    unsigned ram_reads;         /* read_ram calls: page-table entries and fetches */
    unsigned ram_ptrs;          /* ram_ptr calls (fake_ops_ptr) */
    uint64_t gpr[EMUL_NR_GPRS]; /* the GPRs when ctx.gpr points here */
    struct emul_regs regs;
    struct emul_ctx ctx;
};

static struct fake_guest g;

static uint8_t *backing(gpa_t gpa, size_t len)
{
    if (gpa + len <= RAM_SIZE)
        return &g.ram[gpa];
    if (gpa >= MMIO_BASE && gpa + len <= MMIO_BASE + MMIO_SIZE)
        return &g.mmio[gpa - MMIO_BASE];
    return NULL;
}

static int fake_read_ram(void *opaque, gpa_t gpa, void *buf, size_t len)
{
    assert_ptr_equal(opaque, &g);
    g.ram_reads++;
    if (gpa + len > RAM_SIZE)
        return -HV_EFAULT;
    memcpy(buf, &g.ram[gpa], len);
    return 0;
}

static void log_access(char dir, gpa_t gpa, unsigned size, uint64_t val)
{
    if (g.nlog < MAX_LOG)
        g.log[g.nlog] = (struct access){ dir, gpa, size, val };
    g.nlog++;
}

static int fake_read_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t *val)
{
    uint8_t *p = backing(gpa, size);
    assert_ptr_equal(opaque, &g);
    assert_true(size == 1 || size == 2 || size == 4 || size == 8);
    if (!p)
        return -HV_EIO;
    *val = 0;
    memcpy(val, p, size);
    log_access('R', gpa, size, *val);
    return 0;
}

static int fake_write_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t val)
{
    uint8_t *p = backing(gpa, size);
    assert_ptr_equal(opaque, &g);
    assert_true(size == 1 || size == 2 || size == 4 || size == 8);
    if (!p)
        return -HV_EIO;
    memcpy(p, &val, size);
    log_access('W', gpa, size, val);
    return 0;
}

static const struct emul_ops fake_ops = {
    .read_ram = fake_read_ram,
    .read_mem = fake_read_mem,
    .write_mem = fake_write_mem,
};

static const void *fake_ram_ptr(void *opaque, gpa_t gpa, size_t len)
{
    assert_ptr_equal(opaque, &g);
    g.ram_ptrs++;
    return gpa + len <= RAM_SIZE ? &g.ram[gpa] : NULL;
}

/* The same guest with the optional ram_ptr. */
static const struct emul_ops fake_ops_ptr = {
    .read_ram = fake_read_ram,
    .read_mem = fake_read_mem,
    .write_mem = fake_write_mem,
    .ram_ptr = fake_ram_ptr,
};

/* Kept across guest_reset(), so that tests see misses turn into hits. */
static struct emul_dcache dc;

static void put64(gpa_t gpa, uint64_t v) { memcpy(&g.ram[gpa], &v, 8); }
static void put32(gpa_t gpa, uint32_t v) { memcpy(&g.ram[gpa], &v, 4); }

/* Initial value of registers a case does not set. */
#define PATTERN(i) (0x0123456789AB0000ULL + (uint64_t)(i) * 0x1111ULL)

/* Fresh guest: paging off for 16/32-bit code, the standard 4-level tables
 * for 64-bit code; registers filled with a pattern; code page full of NOPs. */
static void guest_reset(unsigned mode)
{
    memset(&g, 0, sizeof(g));
    memset(&g.ram[CODE_GPA], 0x90, PAGE_SIZE);
    for (unsigned i = 0; i < EMUL_NR_GPRS; i++)
        g.regs.gpr[i] = PATTERN(i);
    g.regs.rip = CODE_GPA;
    g.regs.rflags = F_FIXED;
    g.ctx = (struct emul_ctx){ .regs = &g.regs, .cpu_mode = mode, .cr0 = CR0_PE,
                               .ops = &fake_ops, .opaque = &g };

    put64(PML4_GPA + 0 * 8, PDPT_LO | P | RW);
    put64(PML4_GPA + 511 * 8, PDPT_HI | P | RW);
    for (unsigned i = 0; i < 3; i++)
        put64(PDPT_LO + i * 8, ((uint64_t)i << 30) | P | RW | PS);
    put64(PDPT_LO + 3 * 8, PD_MMIO | P | RW);
    put64(PD_MMIO + ((MMIO_BASE >> 21) & 0x1FF) * 8, MMIO_BASE | P | RW | PS);
    put64(PDPT_HI + 510 * 8, PD_HI | P | RW);
    put64(PDPT_HI + 511 * 8, 0xC0000000ULL | P | RW | PS);
    put64(PD_HI, PT_HI | P | RW);
    put64(PT_HI + 0 * 8, CODE_GPA | P | RW);
    put64(PT_HI + 1 * 8, MMIO_BASE | P | RW);
    put64(PML5_GPA, PML4_GPA | P | RW);
    if (mode == 64) {
        g.ctx.cr0 = CR0_PE | CR0_PG;
        g.ctx.cr4 = CR4_PAE;
        g.ctx.efer = EFER_LME | EFER_LMA;
        g.ctx.cr3 = PML4_GPA;
    }
}

/* "48 89 03" -> bytes; returns the count. */
static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*s) {
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (end == s)
            break;
        assert_true(n < max);
        out[n++] = (uint8_t)v;
        s = end;
    }
    return n;
}

static void place_code(gpa_t gpa, const char *hex)
{
    uint8_t buf[32];
    size_t n = parse_hex(hex, buf, sizeof(buf));
    memcpy(&g.ram[gpa], buf, n);
}

#define CHECK_EQ(idx, name, what, got, want)                                     \
    do {                                                                        \
        unsigned long long got_ = (unsigned long long)(got);                    \
        unsigned long long want_ = (unsigned long long)(want);                  \
        if (got_ != want_) {                                                    \
            print_error("case %u (%s): %s = 0x%llx, want 0x%llx\n",             \
                        (unsigned)(idx), (name), (what), got_, want_);          \
            fail();                                                             \
        }                                                                       \
    } while (0)

static void check_log(unsigned idx, const char *name, const struct access *want)
{
    unsigned n = 0;
    while (n < MAX_LOG && want[n].dir)
        n++;
    CHECK_EQ(idx, name, "number of accesses", g.nlog, n);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(idx, name, "access direction", g.log[i].dir, want[i].dir);
        CHECK_EQ(idx, name, "access gpa", g.log[i].gpa, want[i].gpa);
        CHECK_EQ(idx, name, "access size", g.log[i].size, want[i].size);
        CHECK_EQ(idx, name, "access value", g.log[i].val, want[i].val);
    }
}

/* ---- Execution case table ------------------------------------------------ */

struct regval { int r1; uint64_t v; };      /* r1 = register + 1; 0 ends */
#define RV(r, v) { EMUL_##r + 1, (v) }

struct mcase {
    const char *name;
    unsigned mode;
    const char *code;
    unsigned len;
    struct regval in[4];        /* initial registers (others: pattern) */
    uint64_t flags_in;          /* 0: F_FIXED */
    uint64_t mem;               /* preloaded at the first access's gpa */
    struct access acc[3];       /* expected accesses in order */
    struct regval out[3];       /* registers expected to change */
    uint64_t flags_out;         /* 0: unchanged */
    uint64_t rip;               /* 0: CODE_GPA */
    uint64_t seg[6];            /* segment bases by enum emul_seg */
};

/* fast: with everything optional on (decode cache, ram_ptr, GPRs outside
 * regs, the hint for the first access's page as a VM exit gives it, which
 * is the linear address here: these cases map data 1:1). */
static void run_case_cfg(unsigned idx, const struct mcase *c, bool fast)
{
    uint64_t want[EMUL_NR_GPRS];
    uint64_t *gpr = fast ? g.gpr : g.regs.gpr;
    char err[128];
    int rc;

    guest_reset(c->mode);
    place_code(CODE_GPA, c->code);
    if (c->rip)
        g.regs.rip = c->rip;
    for (const struct regval *r = c->in; r < c->in + 4 && r->r1; r++)
        g.regs.gpr[r->r1 - 1] = r->v;
    if (c->flags_in)
        g.regs.rflags = c->flags_in;
    g.ctx.es_base = c->seg[EMUL_SEG_ES];
    g.ctx.cs_base = c->seg[EMUL_SEG_CS];
    g.ctx.ss_base = c->seg[EMUL_SEG_SS];
    g.ctx.ds_base = c->seg[EMUL_SEG_DS];
    g.ctx.fs_base = c->seg[EMUL_SEG_FS];
    g.ctx.gs_base = c->seg[EMUL_SEG_GS];
    if (c->acc[0].dir) {
        uint8_t *p = backing(c->acc[0].gpa, 8);
        assert_non_null(p);
        memcpy(p, &c->mem, 8);
    }
    memcpy(want, g.regs.gpr, sizeof(want));
    for (const struct regval *r = c->out; r < c->out + 3 && r->r1; r++)
        want[r->r1 - 1] = r->v;
    uint64_t rip0 = g.regs.rip, flags0 = g.regs.rflags;
    if (fast) {
        memcpy(g.gpr, g.regs.gpr, sizeof(g.gpr));
        memset(g.regs.gpr, 0xA5, sizeof(g.regs.gpr));     /* must not be used */
        g.ctx.gpr = g.gpr;
        g.ctx.ops = &fake_ops_ptr;
        g.ctx.dcache = &dc;
        g.ctx.hint_valid = c->acc[0].dir != 0;
        g.ctx.hint_gva = g.ctx.hint_gpa = c->acc[0].gpa;
    }

    rc = emul_insn(&g.ctx, err, sizeof(err));
    if (rc)
        print_error("case %u (%s): err \"%s\"\n", idx, c->name, err);
    CHECK_EQ(idx, c->name, "return code", rc, 0);
    CHECK_EQ(idx, c->name, "err[0]", err[0], 0);
    check_log(idx, c->name, c->acc);
    for (unsigned i = 0; i < EMUL_NR_GPRS; i++) {
        char what[16];
        snprintf(what, sizeof(what), "gpr[%u]", i);
        CHECK_EQ(idx, c->name, what, gpr[i], want[i]);
    }
    CHECK_EQ(idx, c->name, "rip", g.regs.rip, rip0 + c->len);
    CHECK_EQ(idx, c->name, "rflags", g.regs.rflags, c->flags_out ? c->flags_out : flags0);
}

static void run_case(unsigned idx, const struct mcase *c)
{
    run_case_cfg(idx, c, false);
}

/* Each case through the decode cache: a miss, then a hit, both with the
 * same results as without it; the hit of a one-access MOV form on a 1:1
 * page takes the fast path. */
static void run_case_cached(unsigned idx, const struct mcase *c)
{
    uint8_t code[EMUL_MAX_INSN_LEN + 16];
    struct emul_insn in;
    size_t n = parse_hex(c->code, code, sizeof(code));

    emul_dcache_init(&dc);
    run_case_cfg(idx, c, true);
    CHECK_EQ(idx, c->name, "misses", dc.misses, 1);
    CHECK_EQ(idx, c->name, "hits", dc.hits, 0);
    run_case_cfg(idx, c, true);
    CHECK_EQ(idx, c->name, "misses", dc.misses, 1);
    CHECK_EQ(idx, c->name, "hits", dc.hits, 1);

    assert_true(emul_decode(code, n, c->mode, &in) > 0);
    bool one_access = c->acc[0].dir && !c->acc[1].dir;
    /* The hint is the gpa; it is also the linear address but for RIP-relative
     * data of code at RIP_HI and negative absolute addresses in 64-bit mode
     * (both map M from the top of the address space): those hits miss the
     * hinted page and take the general path. */
    bool linear_is_gpa = !(c->rip && in.base == EMUL_REG_RIP) &&
                         !(c->mode == 64 && in.base == EMUL_REG_NONE && in.disp < 0);
    CHECK_EQ(idx, c->name, "fast", dc.fast, in.op <= EMUL_OP_MOVSX && one_access && linear_is_gpa);
}

static const uint64_t Q = 0x1122334455667788ULL;

static const struct mcase mov_cases[] = {
    /* MOV r/m <- reg, 64-bit mode */
    { "mov [rbx],eax", 64, "89 03", 2, { RV(RBX, M), RV(RAX, Q) }, .acc = { WR(M, 4, 0x55667788) } },
    { "mov [rbx],rax", 64, "48 89 03", 3, { RV(RBX, M), RV(RAX, Q) }, .acc = { WR(M, 8, Q) } },
    { "mov [rbx],ax", 64, "66 89 03", 3, { RV(RBX, M), RV(RAX, Q) }, .acc = { WR(M, 2, 0x7788) } },
    { "mov [rbx],al", 64, "88 03", 2, { RV(RBX, M), RV(RAX, Q) }, .acc = { WR(M, 1, 0x88) } },
    { "mov [rbx],ah", 64, "88 23", 2, { RV(RBX, M), RV(RAX, Q) }, .acc = { WR(M, 1, 0x77) } },
    { "mov [rbx],spl", 64, "40 88 23", 3, { RV(RBX, M), RV(RSP, 0x12345678) }, .acc = { WR(M, 1, 0x78) } },
    { "mov [rbx],dil", 64, "40 88 3b", 3, { RV(RBX, M), RV(RDI, 0xABCD) }, .acc = { WR(M, 1, 0xCD) } },
    { "mov [rbx],bh", 64, "88 3b", 2, { RV(RBX, M | 0x1A00) }, .acc = { WR(M | 0x1A00, 1, 0x1A) } },
    { "mov [rbx+0x10],r8d (REX.R disp8)", 64, "44 89 43 10", 4,
      { RV(RBX, M), RV(R8, 0xCAFEBABEDEADBEEFULL) }, .acc = { WR(M + 0x10, 4, 0xDEADBEEF) } },
    { "mov [r12],eax (REX.B SIB)", 64, "41 89 04 24", 4, { RV(R12, M + 0x20), RV(RAX, 7) },
      .acc = { WR(M + 0x20, 4, 7) } },
    { "mov [rbx+r9*4],eax (REX.X)", 64, "42 89 04 8b", 4, { RV(RBX, M), RV(R9, 3), RV(RAX, 9) },
      .acc = { WR(M + 0xC, 4, 9) } },
    { "mov [rbx+rcx*4+0x100],eax", 64, "89 84 8b 00 01 00 00", 7, { RV(RBX, M), RV(RCX, 2), RV(RAX, 1) },
      .acc = { WR(M + 0x108, 4, 1) } },
    { "mov [rsp-8],eax", 64, "89 44 24 f8", 4, { RV(RSP, M + 0x40), RV(RAX, 2) },
      .acc = { WR(M + 0x38, 4, 2) } },
    { "mov [rbp+r13*8+0],r15 (r13 index)", 64, "4e 89 7c ed 00", 5,
      { RV(RBP, M), RV(R13, 2), RV(R15, Q) }, .acc = { WR(M + 0x10, 8, Q) } },
    { "mov [r13+0],eax (r13 base needs disp8)", 64, "41 89 45 00", 4, { RV(R13, M + 4), RV(RAX, 3) },
      .acc = { WR(M + 4, 4, 3) } },
    { "mov [disp32],eax (SIB no base, sign-extended)", 64, "89 04 25 00 00 e0 fe", 7, { RV(RAX, 5) },
      .acc = { WR(M, 4, 5) } },
    { "mov [rip+disp32],eax", 64, "89 05 0a 10 00 00", 6, { RV(RAX, 0x44) },
      .acc = { WR(M + 0x10, 4, 0x44) }, .rip = RIP_HI },
    { "mov dword [rip+disp32],imm32", 64, "c7 05 16 10 00 00 78 56 34 12", 10,
      .acc = { WR(M + 0x20, 4, 0x12345678) }, .rip = RIP_HI },
    { "mov byte [rip+disp32],imm8", 64, "c6 05 29 10 00 00 ab", 7,
      .acc = { WR(M + 0x30, 1, 0xAB) }, .rip = RIP_HI },
    /* MOV r/m <- imm */
    { "mov qword [rbx],-1", 64, "48 c7 03 ff ff ff ff", 7, { RV(RBX, M) }, .acc = { WR(M, 8, ~0ULL) } },
    { "mov qword [rbx],imm32 sign-extended", 64, "48 c7 03 00 00 00 80", 7, { RV(RBX, M) },
      .acc = { WR(M, 8, 0xFFFFFFFF80000000ULL) } },
    { "mov word [rbx],0x1234", 64, "66 c7 03 34 12", 5, { RV(RBX, M) }, .acc = { WR(M, 2, 0x1234) } },
    { "mov byte [rbx],0xab", 64, "c6 03 ab", 3, { RV(RBX, M) }, .acc = { WR(M, 1, 0xAB) } },
    { "mov byte [rbx+5],0xab", 64, "c6 43 05 ab", 4, { RV(RBX, M) }, .acc = { WR(M + 5, 1, 0xAB) } },
    { "mov dword [r11+0x80],imm32 (disp32)", 64, "41 c7 83 80 00 00 00 01 00 00 00", 11, { RV(R11, M) },
      .acc = { WR(M + 0x80, 4, 1) } },
    /* MOV with moffs */
    { "mov eax,[moffs64]", 64, "a1 00 00 e0 fe 00 00 00 00", 9, .mem = 0xAABBCCDD11223344ULL,
      .acc = { RD(M, 4, 0x11223344) }, .out = { RV(RAX, 0x11223344) } },
    { "mov [moffs64],rax", 64, "48 a3 08 00 e0 fe 00 00 00 00", 10, { RV(RAX, Q) },
      .acc = { WR(M + 8, 8, Q) } },
    { "mov al,[moffs64]", 64, "a0 01 00 e0 fe 00 00 00 00", 9, { RV(RAX, Q) }, .mem = 0x5A,
      .acc = { RD(M + 1, 1, 0x5A) }, .out = { RV(RAX, 0x112233445566775AULL) } },
    { "mov [moffs64],al", 64, "a2 02 00 e0 fe 00 00 00 00", 9, { RV(RAX, Q) },
      .acc = { WR(M + 2, 1, 0x88) } },
    { "mov eax,[moffs32] (0x67)", 64, "67 a1 10 00 e0 fe", 6, .mem = 7,
      .acc = { RD(M + 0x10, 4, 7) }, .out = { RV(RAX, 7) } },
    { "mov eax,fs:[moffs64]", 64, "64 a1 00 00 00 00 00 00 00 00", 10, .mem = 1,
      .acc = { RD(M + 0x40, 4, 1) }, .out = { RV(RAX, 1) }, .seg = { [EMUL_SEG_FS] = M + 0x40 } },
    /* MOV reg <- r/m */
    { "mov eax,[rbx] zero-extends", 64, "8b 03", 2, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x87654321,
      .acc = { RD(M, 4, 0x87654321) }, .out = { RV(RAX, 0x87654321) } },
    { "mov ax,[rbx] keeps upper", 64, "66 8b 03", 3, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x4321,
      .acc = { RD(M, 2, 0x4321) }, .out = { RV(RAX, 0xFFFFFFFFFFFF4321ULL) } },
    { "mov rax,[rbx]", 64, "48 8b 03", 3, { RV(RBX, M) }, .mem = Q,
      .acc = { RD(M, 8, Q) }, .out = { RV(RAX, Q) } },
    { "mov ah,[rbx]", 64, "8a 23", 2, { RV(RBX, M), RV(RAX, Q) }, .mem = 0xEE,
      .acc = { RD(M, 1, 0xEE) }, .out = { RV(RAX, 0x112233445566EE88ULL) } },
    { "mov dh,[rbx] (no REX)", 64, "8a 33", 2, { RV(RBX, M), RV(RDX, 0) }, .mem = 0xEE,
      .acc = { RD(M, 1, 0xEE) }, .out = { RV(RDX, 0xEE00) } },
    { "mov sil,[rbx] (REX)", 64, "40 8a 33", 3, { RV(RBX, M), RV(RSI, 0) }, .mem = 0xEE,
      .acc = { RD(M, 1, 0xEE) }, .out = { RV(RSI, 0xEE) } },
    { "mov r15b,[rbx]", 64, "44 8a 3b", 3, { RV(RBX, M), RV(R15, Q) }, .mem = 0xEE,
      .acc = { RD(M, 1, 0xEE) }, .out = { RV(R15, 0x11223344556677EEULL) } },
    { "mov r15,[rbx]", 64, "4c 8b 3b", 3, { RV(RBX, M) }, .mem = Q,
      .acc = { RD(M, 8, Q) }, .out = { RV(R15, Q) } },
    { "mov eax,[r12+r13] (REX.X+B)", 64, "43 8b 04 2c", 4, { RV(R12, M), RV(R13, 0x24) }, .mem = 3,
      .acc = { RD(M + 0x24, 4, 3) }, .out = { RV(RAX, 3) } },
    { "mov rax,[rbx+r12*4] (index 100 + REX.X)", 64, "4a 8b 04 a3", 4, { RV(RBX, M), RV(R12, 2) },
      .mem = Q, .acc = { RD(M + 8, 8, Q) }, .out = { RV(RAX, Q) } },
    { "mov eax,[rcx*4+disp32] (no base)", 64, "8b 04 8d 00 00 e0 fe", 7, { RV(RCX, 4) }, .mem = 2,
      .acc = { RD(M + 0x10, 4, 2) }, .out = { RV(RAX, 2) } },
    { "mov eax,[rip+disp32]", 64, "8b 05 0a 10 00 00", 6, .mem = 0x99,
      .acc = { RD(M + 0x10, 4, 0x99) }, .out = { RV(RAX, 0x99) }, .rip = RIP_HI },
    { "mov eax,[ebx] (0x67 truncates)", 64, "67 8b 03", 3, { RV(RBX, 0x12345678ULL << 32 | M) }, .mem = 1,
      .acc = { RD(M, 4, 1) }, .out = { RV(RAX, 1) } },
    { "mov eax,fs:[rbx]", 64, "64 8b 03", 3, { RV(RBX, M) }, .mem = 1,
      .acc = { RD(M + 0x100, 4, 1) }, .out = { RV(RAX, 1) }, .seg = { [EMUL_SEG_FS] = 0x100 } },
    { "mov eax,gs:[rbx]", 64, "65 8b 03", 3, { RV(RBX, M) }, .mem = 1,
      .acc = { RD(M + 0x200, 4, 1) }, .out = { RV(RAX, 1) }, .seg = { [EMUL_SEG_GS] = 0x200 } },
    { "mov eax,ds:[rbx] (base ignored in 64-bit)", 64, "3e 8b 03", 3, { RV(RBX, M) }, .mem = 1,
      .acc = { RD(M, 4, 1) }, .out = { RV(RAX, 1) }, .seg = { [EMUL_SEG_DS] = 0x100 } },
    { "rep prefix ignored on mov", 64, "f3 89 03", 3, { RV(RBX, M), RV(RAX, 1) }, .acc = { WR(M, 4, 1) } },

    /* 32-bit code, paging off */
    { "32: mov [ebx],eax", 32, "89 03", 2, { RV(RBX, M), RV(RAX, 0x11) }, .acc = { WR(M, 4, 0x11) } },
    { "32: mov [disp32],eax", 32, "89 05 00 00 e0 fe", 6, { RV(RAX, 0x11) }, .acc = { WR(M, 4, 0x11) } },
    { "32: mov [ebx+esi*8+0x10],ax", 32, "66 89 44 f3 10", 5, { RV(RBX, M), RV(RSI, 2), RV(RAX, 0xBEEF) },
      .acc = { WR(M + 0x20, 2, 0xBEEF) } },
    { "32: mov [ebx],ah", 32, "88 23", 2, { RV(RBX, M), RV(RAX, 0x1234) }, .acc = { WR(M, 1, 0x12) } },
    { "32: mov ecx,[ebx] with DS base", 32, "8b 0b", 2, { RV(RBX, M - 0x1000) }, .mem = 5,
      .acc = { RD(M, 4, 5) }, .out = { RV(RCX, 5) }, .seg = { [EMUL_SEG_DS] = 0x1000 } },
    { "32: mov eax,[ebp+8] uses SS", 32, "8b 45 08", 3, { RV(RBP, 0) }, .mem = 6,
      .acc = { RD(M + 8, 4, 6) }, .out = { RV(RAX, 6) },
      .seg = { [EMUL_SEG_DS] = 0x1000, [EMUL_SEG_SS] = M } },
    { "32: mov eax,[esp] uses SS", 32, "8b 04 24", 3, { RV(RSP, 4) }, .mem = 6,
      .acc = { RD(M + 4, 4, 6) }, .out = { RV(RAX, 6) }, .seg = { [EMUL_SEG_SS] = M } },
    { "32: mov eax,es:[ebx]", 32, "26 8b 03", 3, { RV(RBX, 0) }, .mem = 6,
      .acc = { RD(M, 4, 6) }, .out = { RV(RAX, 6) }, .seg = { [EMUL_SEG_ES] = M } },
    { "32: mov eax,[moffs32]", 32, "a1 04 00 e0 fe", 5, .mem = 6,
      .acc = { RD(M + 4, 4, 6) }, .out = { RV(RAX, 6) } },
    { "32: mov [moffs32],ax", 32, "66 a3 04 00 e0 fe", 6, { RV(RAX, 0xABCD) },
      .acc = { WR(M + 4, 2, 0xABCD) } },
    { "32: mov byte [ebx],imm8", 32, "c6 03 7f", 3, { RV(RBX, M) }, .acc = { WR(M, 1, 0x7F) } },
    { "32: mov dword [ebx+4],imm32", 32, "c7 43 04 ef be ad de", 7, { RV(RBX, M) },
      .acc = { WR(M + 4, 4, 0xDEADBEEF) } },
    { "32: mov eax,[bx+si] (0x67)", 32, "67 8b 00", 3, { RV(RBX, 0xFFFF0010), RV(RSI, 0x20) },
      .mem = 1, .acc = { RD(M + 0x30, 4, 1) }, .out = { RV(RAX, 1) }, .seg = { [EMUL_SEG_DS] = M } },

    /* 16-bit code */
    { "16: mov ax,[bx]", 16, "8b 07", 2, { RV(RBX, 0x10), RV(RAX, Q) }, .mem = 0xBEEF,
      .acc = { RD(M + 0x10, 2, 0xBEEF) }, .out = { RV(RAX, 0x112233445566BEEFULL) },
      .seg = { [EMUL_SEG_DS] = M } },
    { "16: mov ax,[bp+2] uses SS", 16, "8b 46 02", 3, { RV(RBP, 0x10) }, .mem = 1,
      .acc = { RD(M + 0x12, 2, 1) }, .out = { RV(RAX, (PATTERN(0) & ~0xFFFFULL) | 1) },
      .seg = { [EMUL_SEG_SS] = M } },
    { "16: mov ax,[bx+si+0x1234]", 16, "8b 80 34 12", 4, { RV(RBX, 0x10), RV(RSI, 0x20) }, .mem = 1,
      .acc = { RD(M + 0x1264, 2, 1) }, .out = { RV(RAX, (PATTERN(0) & ~0xFFFFULL) | 1) },
      .seg = { [EMUL_SEG_DS] = M } },
    { "16: mov ax,[0x1234]", 16, "8b 06 34 12", 4, .mem = 1,
      .acc = { RD(M + 0x1234, 2, 1) }, .out = { RV(RAX, (PATTERN(0) & ~0xFFFFULL) | 1) },
      .seg = { [EMUL_SEG_DS] = M } },
    { "16: mov eax,[bx] (0x66)", 16, "66 8b 07", 3, { RV(RBX, 0) }, .mem = 0x12345678,
      .acc = { RD(M, 4, 0x12345678) }, .out = { RV(RAX, 0x12345678) }, .seg = { [EMUL_SEG_DS] = M } },
    { "16: mov [ebx],ax (0x67)", 16, "67 89 03", 3, { RV(RBX, M), RV(RAX, 0x55AA) },
      .acc = { WR(M, 2, 0x55AA) } },
    { "16: mov [di-1],byte 1 (wraps at 64K)", 16, "c6 45 ff 01", 4, { RV(RDI, 0x0) },
      .acc = { WR(M + 0xFFFF - 0xF000, 1, 1) }, .seg = { [EMUL_SEG_DS] = M - 0xF000 } },

    /* MOVZX / MOVSX / MOVSXD */
    { "movzx eax,byte [rbx]", 64, "0f b6 03", 3, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x80,
      .acc = { RD(M, 1, 0x80) }, .out = { RV(RAX, 0x80) } },
    { "movzx ax,byte [rbx]", 64, "66 0f b6 03", 4, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x80,
      .acc = { RD(M, 1, 0x80) }, .out = { RV(RAX, 0xFFFFFFFFFFFF0080ULL) } },
    { "movzx rax,word [rbx]", 64, "48 0f b7 03", 4, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x8001,
      .acc = { RD(M, 2, 0x8001) }, .out = { RV(RAX, 0x8001) } },
    { "movzx r12d,byte [rbx]", 64, "44 0f b6 23", 4, { RV(RBX, M) }, .mem = 0xF0,
      .acc = { RD(M, 1, 0xF0) }, .out = { RV(R12, 0xF0) } },
    { "movsx eax,byte [rbx]", 64, "0f be 03", 3, { RV(RBX, M) }, .mem = 0x80,
      .acc = { RD(M, 1, 0x80) }, .out = { RV(RAX, 0xFFFFFF80) } },
    { "movsx rax,byte [rbx]", 64, "48 0f be 03", 4, { RV(RBX, M) }, .mem = 0x80,
      .acc = { RD(M, 1, 0x80) }, .out = { RV(RAX, 0xFFFFFFFFFFFFFF80ULL) } },
    { "movsx cx,byte [rbx]", 64, "66 0f be 0b", 4, { RV(RBX, M), RV(RCX, 0) }, .mem = 0xFE,
      .acc = { RD(M, 1, 0xFE) }, .out = { RV(RCX, 0xFFFE) } },
    { "movsx rax,word [rbx]", 64, "48 0f bf 03", 4, { RV(RBX, M) }, .mem = 0x8001,
      .acc = { RD(M, 2, 0x8001) }, .out = { RV(RAX, 0xFFFFFFFFFFFF8001ULL) } },
    { "movsx eax,word [rbx] positive", 64, "0f bf 03", 3, { RV(RBX, M) }, .mem = 0x7FFF,
      .acc = { RD(M, 2, 0x7FFF) }, .out = { RV(RAX, 0x7FFF) } },
    { "movsxd rax,dword [rbx]", 64, "48 63 03", 3, { RV(RBX, M) }, .mem = 0x80000000,
      .acc = { RD(M, 4, 0x80000000) }, .out = { RV(RAX, 0xFFFFFFFF80000000ULL) } },
    { "movsxd r8,dword [rbx+8]", 64, "4c 63 43 08", 4, { RV(RBX, M) }, .mem = 0x7FFFFFFF,
      .acc = { RD(M + 8, 4, 0x7FFFFFFF) }, .out = { RV(R8, 0x7FFFFFFF) } },
    { "32: movzx eax,word [ebx]", 32, "0f b7 03", 3, { RV(RBX, M) }, .mem = 0xFFFF,
      .acc = { RD(M, 2, 0xFFFF) }, .out = { RV(RAX, 0xFFFF) } },
    { "32: movsx ecx,byte [ebx]", 32, "0f be 0b", 3, { RV(RBX, M) }, .mem = 0x81,
      .acc = { RD(M, 1, 0x81) }, .out = { RV(RCX, 0xFFFFFF81) } },

    /* XCHG */
    { "xchg [rbx],eax", 64, "87 03", 2, { RV(RBX, M), RV(RAX, 0xAAAAAAAA22222222ULL) }, .mem = 0x11111111,
      .acc = { RD(M, 4, 0x11111111), WR(M, 4, 0x22222222) }, .out = { RV(RAX, 0x11111111) } },
    { "xchg [rbx],rcx", 64, "48 87 0b", 3, { RV(RBX, M), RV(RCX, Q) }, .mem = 5,
      .acc = { RD(M, 8, 5), WR(M, 8, Q) }, .out = { RV(RCX, 5) } },
    { "xchg [rbx],ax", 64, "66 87 03", 3, { RV(RBX, M), RV(RAX, Q) }, .mem = 5,
      .acc = { RD(M, 2, 5), WR(M, 2, 0x7788) }, .out = { RV(RAX, 0x1122334455660005ULL) } },
    { "xchg [rbx],ah", 64, "86 23", 2, { RV(RBX, M), RV(RAX, Q) }, .mem = 5,
      .acc = { RD(M, 1, 5), WR(M, 1, 0x77) }, .out = { RV(RAX, 0x1122334455660588ULL) } },
    { "xchg [rbx],r8b", 64, "44 86 03", 3, { RV(RBX, M), RV(R8, Q) }, .mem = 5,
      .acc = { RD(M, 1, 5), WR(M, 1, 0x88) }, .out = { RV(R8, 0x1122334455667705ULL) } },
};

static const struct mcase alu_cases[] = {
    /* ADD */
    { "add [rbx],eax overflow", 64, "01 03", 2, { RV(RBX, M), RV(RAX, 1) }, .mem = 0x7FFFFFFF,
      .acc = { RD(M, 4, 0x7FFFFFFF), WR(M, 4, 0x80000000) }, .flags_out = FL(F_OF | F_SF | F_AF | F_PF) },
    { "add [rbx],al carry to zero", 64, "00 03", 2, { RV(RBX, M), RV(RAX, 1) }, .mem = 0xFF,
      .acc = { RD(M, 1, 0xFF), WR(M, 1, 0) }, .flags_out = FL(F_CF | F_ZF | F_AF | F_PF) },
    { "add eax,[rbx] carry", 64, "03 03", 2, { RV(RBX, M), RV(RAX, 0xDEAD0000FFFFFFFFULL) }, .mem = 2,
      .acc = { RD(M, 4, 2) }, .out = { RV(RAX, 1) }, .flags_out = FL(F_CF | F_AF) },
    { "add ah,[rbx]", 64, "02 23", 2, { RV(RBX, M), RV(RAX, 0x1000) }, .mem = 0x01,
      .acc = { RD(M, 1, 1) }, .out = { RV(RAX, 0x1100) }, .flags_out = FL(F_PF) },
    { "add qword [rbx],-1 (81 imm32)", 64, "48 81 03 ff ff ff ff", 7, { RV(RBX, M) }, .mem = 1,
      .acc = { RD(M, 8, 1), WR(M, 8, 0) }, .flags_out = FL(F_CF | F_ZF | F_AF | F_PF) },
    { "add dword [rbx],1 (83)", 64, "83 03 01", 3, { RV(RBX, M) }, .mem = 0x0F,
      .acc = { RD(M, 4, 0x0F), WR(M, 4, 0x10) }, .flags_out = FL(F_AF) },
    { "add word [rbx],0x1234 (66 81)", 64, "66 81 03 34 12", 5, { RV(RBX, M) }, .mem = 0xF000,
      .acc = { RD(M, 2, 0xF000), WR(M, 2, 0x0234) }, .flags_out = FL(F_CF) },
    { "add byte [rbx],0x80 (80)", 64, "80 03 80", 3, { RV(RBX, M) }, .mem = 0x80,
      .acc = { RD(M, 1, 0x80), WR(M, 1, 0) }, .flags_out = FL(F_CF | F_OF | F_ZF | F_PF) },
    /* ADC / SBB use CF */
    { "adc [rbx],eax with CF", 64, "11 03", 2, { RV(RBX, M), RV(RAX, 0) }, .flags_in = FL(F_CF),
      .mem = 0xFFFFFFFF, .acc = { RD(M, 4, 0xFFFFFFFF), WR(M, 4, 0) }, .flags_out = FL(F_CF | F_ZF | F_AF | F_PF) },
    { "sbb [rbx],eax with CF", 64, "19 03", 2, { RV(RBX, M), RV(RAX, 0) }, .flags_in = FL(F_CF),
      .mem = 0, .acc = { RD(M, 4, 0), WR(M, 4, 0xFFFFFFFF) }, .flags_out = FL(F_CF | F_SF | F_AF | F_PF) },
    { "sbb dword [rbx],0 without CF (83 /3)", 64, "83 1b 00", 3, { RV(RBX, M) },
      .mem = 5, .acc = { RD(M, 4, 5), WR(M, 4, 5) }, .flags_out = FL(F_PF) },
    /* SUB / CMP */
    { "sub [rbx],eax borrow", 64, "29 03", 2, { RV(RBX, M), RV(RAX, 2) }, .mem = 1,
      .acc = { RD(M, 4, 1), WR(M, 4, 0xFFFFFFFF) }, .flags_out = FL(F_CF | F_SF | F_AF | F_PF) },
    { "sub eax,[rbx] overflow", 64, "2b 03", 2, { RV(RBX, M), RV(RAX, 0x80000000) }, .mem = 1,
      .acc = { RD(M, 4, 1) }, .out = { RV(RAX, 0x7FFFFFFF) }, .flags_out = FL(F_OF | F_AF | F_PF) },
    { "sub word [rbx],1 (66 83) overflow", 64, "66 83 2b 01", 4, { RV(RBX, M) }, .mem = 0x8000,
      .acc = { RD(M, 2, 0x8000), WR(M, 2, 0x7FFF) }, .flags_out = FL(F_OF | F_AF | F_PF) },
    { "sub [rbx],r10 64-bit", 64, "4c 29 13", 3, { RV(RBX, M), RV(R10, 1) }, .mem = 0x8000000000000000ULL,
      .acc = { RD(M, 8, 0x8000000000000000ULL), WR(M, 8, 0x7FFFFFFFFFFFFFFFULL) },
      .flags_out = FL(F_OF | F_AF | F_PF) },
    { "sub byte [rbx],al", 64, "28 03", 2, { RV(RBX, M), RV(RAX, 0x10) }, .mem = 0x10,
      .acc = { RD(M, 1, 0x10), WR(M, 1, 0) }, .flags_out = FL(F_ZF | F_PF) },
    { "cmp [rbx],eax equal", 64, "39 03", 2, { RV(RBX, M), RV(RAX, 0x1234) }, .mem = 0x1234,
      .acc = { RD(M, 4, 0x1234) }, .flags_out = FL(F_ZF | F_PF) },
    { "cmp eax,[rbx] below", 64, "3b 03", 2, { RV(RBX, M), RV(RAX, 5) }, .mem = 7,
      .acc = { RD(M, 4, 7) }, .flags_out = FL(F_CF | F_SF | F_AF) },
    { "cmp byte [rbx],0x10 (80 /7)", 64, "80 3b 10", 3, { RV(RBX, M) }, .mem = 0x10,
      .acc = { RD(M, 1, 0x10) }, .flags_out = FL(F_ZF | F_PF) },
    { "cmp dword [rbx],-1 (83 /7)", 64, "83 3b ff", 3, { RV(RBX, M) }, .mem = 0xFFFFFFFF,
      .acc = { RD(M, 4, 0xFFFFFFFF) }, .flags_out = FL(F_ZF | F_PF) },
    { "cmp cl,[rbx] signed overflow", 64, "3a 0b", 2, { RV(RBX, M), RV(RCX, 0x80) }, .mem = 0x01,
      .acc = { RD(M, 1, 1) }, .flags_out = FL(F_OF | F_AF) },
    /* Logic ops clear CF and OF (and AF, like the hardware) */
    { "xor [rbx],eax clears CF OF", 64, "31 03", 2, { RV(RBX, M), RV(RAX, 0x0F0F0F0F) },
      .flags_in = FL(F_CF | F_OF | F_ZF | F_AF), .mem = 0xFF00FF00,
      .acc = { RD(M, 4, 0xFF00FF00), WR(M, 4, 0xF00FF00F) }, .flags_out = FL(F_SF | F_PF) },
    { "xor eax,[rbx] to zero", 64, "33 03", 2, { RV(RBX, M), RV(RAX, 0xFFFFFFFF12345678ULL) },
      .flags_in = FL(F_CF), .mem = 0x12345678, .acc = { RD(M, 4, 0x12345678) }, .out = { RV(RAX, 0) },
      .flags_out = FL(F_ZF | F_PF) },
    { "xor byte [rbx],0xff (80 /6)", 64, "80 33 ff", 3, { RV(RBX, M) }, .mem = 0x0F,
      .acc = { RD(M, 1, 0x0F), WR(M, 1, 0xF0) }, .flags_out = FL(F_SF | F_PF) },
    { "and [rbx],eax to zero", 64, "21 03", 2, { RV(RBX, M), RV(RAX, 0x0F) }, .mem = 0xF0,
      .acc = { RD(M, 4, 0xF0), WR(M, 4, 0) }, .flags_out = FL(F_ZF | F_PF) },
    { "and eax,[rbx]", 64, "23 03", 2, { RV(RBX, M), RV(RAX, 0x10000007) }, .mem = 0x10000003,
      .acc = { RD(M, 4, 0x10000003) }, .out = { RV(RAX, 0x10000003) }, .flags_out = FL(F_PF) },
    { "and [rbx],rax sign", 64, "48 21 03", 3, { RV(RBX, M), RV(RAX, ~0ULL) }, .mem = 0x8000000000000000ULL,
      .acc = { RD(M, 8, 0x8000000000000000ULL), WR(M, 8, 0x8000000000000000ULL) },
      .flags_out = FL(F_SF | F_PF) },
    { "and dword [rbx],0xff (81 /4)", 64, "81 23 ff 00 00 00", 6, { RV(RBX, M) }, .mem = 0x12345601,
      .acc = { RD(M, 4, 0x12345601), WR(M, 4, 0x01) }, .flags_out = FL(0) },
    { "or [rbx],eax", 64, "09 03", 2, { RV(RBX, M), RV(RAX, 0x80000000) }, .mem = 3,
      .acc = { RD(M, 4, 3), WR(M, 4, 0x80000003) }, .flags_out = FL(F_SF | F_PF) },
    { "or ecx,[rbx]", 64, "0b 0b", 2, { RV(RBX, M), RV(RCX, 0xFFFFFFFF00000000ULL) }, .mem = 1,
      .acc = { RD(M, 4, 1) }, .out = { RV(RCX, 1) }, .flags_out = FL(0) },
    { "or [rbx],ah", 64, "08 23", 2, { RV(RBX, M), RV(RAX, 0x0300) }, .mem = 0,
      .acc = { RD(M, 1, 0), WR(M, 1, 3) }, .flags_out = FL(F_PF) },
    { "or byte [rbx],1 (80 /1)", 64, "80 0b 01", 3, { RV(RBX, M) }, .mem = 0x40,
      .acc = { RD(M, 1, 0x40), WR(M, 1, 0x41) }, .flags_out = FL(F_PF) },
    { "lock or dword [rbx],4 (f0 83 /1)", 64, "f0 83 0b 04", 4, { RV(RBX, M) }, .mem = 0x1,
      .acc = { RD(M, 4, 1), WR(M, 4, 5) }, .flags_out = FL(F_PF) },
    /* TEST */
    { "test [rbx],eax", 64, "85 03", 2, { RV(RBX, M), RV(RAX, 0x80000001) }, .flags_in = FL(F_CF | F_OF),
      .mem = 0x80000000, .acc = { RD(M, 4, 0x80000000) }, .flags_out = FL(F_SF | F_PF) },
    { "test [rbx],ah", 64, "84 23", 2, { RV(RBX, M), RV(RAX, 0x0100) }, .mem = 0x02,
      .acc = { RD(M, 1, 2) }, .flags_out = FL(F_ZF | F_PF) },
    { "test byte [rbx],1 (f6 /0)", 64, "f6 03 01", 3, { RV(RBX, M) }, .mem = 0xFE,
      .acc = { RD(M, 1, 0xFE) }, .flags_out = FL(F_ZF | F_PF) },
    { "test dword [rbx],imm32 (f7 /0)", 64, "f7 03 00 00 00 80", 6, { RV(RBX, M) }, .mem = 0x80000000,
      .acc = { RD(M, 4, 0x80000000) }, .flags_out = FL(F_SF | F_PF) },
    { "test qword [rbx],-1 (48 f7 /0)", 64, "48 f7 03 ff ff ff ff", 7, { RV(RBX, M) },
      .mem = 0x8000000000000001ULL, .acc = { RD(M, 8, 0x8000000000000001ULL) }, .flags_out = FL(F_SF) },
    { "test word [rbx],0x8000 (66 f7 /0)", 64, "66 f7 03 00 80", 5, { RV(RBX, M) }, .mem = 0x8000,
      .acc = { RD(M, 2, 0x8000) }, .flags_out = FL(F_SF | F_PF) },
    /* BT family: CF only, other flags kept */
    { "bt [rbx],eax", 64, "0f a3 03", 3, { RV(RBX, M), RV(RAX, 5) }, .flags_in = FL(F_ZF | F_SF),
      .mem = 0x20, .acc = { RD(M, 4, 0x20) }, .flags_out = FL(F_ZF | F_SF | F_CF) },
    { "bt [rbx],eax bit clear", 64, "0f a3 03", 3, { RV(RBX, M), RV(RAX, 4) }, .flags_in = FL(F_CF | F_OF),
      .mem = 0x20, .acc = { RD(M, 4, 0x20) }, .flags_out = FL(F_OF) },
    { "bt [rbx],eax negative offset", 64, "0f a3 03", 3, { RV(RBX, M + 8), RV(RAX, 0xFFFFFFFF) },
      .mem = 0x80000000, .acc = { RD(M + 4, 4, 0x80000000) }, .flags_out = FL(F_CF) },
    { "bt [rbx],rax offset 70", 64, "48 0f a3 03", 4, { RV(RBX, M), RV(RAX, 70) },
      .mem = 0x40, .acc = { RD(M + 8, 8, 0x40) }, .flags_out = FL(F_CF) },
    { "bt [rbx],ax offset 17", 64, "66 0f a3 03", 4, { RV(RBX, M), RV(RAX, 17) },
      .mem = 0x2, .acc = { RD(M + 2, 2, 2) }, .flags_out = FL(F_CF) },
    { "bt dword [rbx],3 (0f ba /4)", 64, "0f ba 23 03", 4, { RV(RBX, M) },
      .mem = 0x8, .acc = { RD(M, 4, 8) }, .flags_out = FL(F_CF) },
    { "bt dword [rbx],35 (imm mod 32)", 64, "0f ba 23 23", 4, { RV(RBX, M) }, .flags_in = FL(F_CF),
      .mem = 0x0, .acc = { RD(M, 4, 0) }, .flags_out = FL(0) },
    { "bts [rbx],eax", 64, "0f ab 03", 3, { RV(RBX, M), RV(RAX, 0) }, .mem = 0,
      .acc = { RD(M, 4, 0), WR(M, 4, 1) }, .flags_out = FL(0) },
    { "btr dword [rbx],31 (0f ba /6)", 64, "0f ba 33 1f", 4, { RV(RBX, M) }, .mem = 0x80000001,
      .acc = { RD(M, 4, 0x80000001), WR(M, 4, 1) }, .flags_out = FL(F_CF) },
    { "btc [rbx],eax", 64, "0f bb 03", 3, { RV(RBX, M), RV(RAX, 1) }, .mem = 2,
      .acc = { RD(M, 4, 2), WR(M, 4, 0) }, .flags_out = FL(F_CF) },
    /* 32-bit code */
    { "32: add [ebx],eax", 32, "01 03", 2, { RV(RBX, M), RV(RAX, 0x80000000) }, .mem = 0x80000000,
      .acc = { RD(M, 4, 0x80000000), WR(M, 4, 0) }, .flags_out = FL(F_CF | F_OF | F_ZF | F_PF) },
    { "32: cmp word [ebx+2],0x10 (66 83)", 32, "66 83 7b 02 10", 5, { RV(RBX, M) }, .mem = 0x0F,
      .acc = { RD(M + 2, 2, 0x0F) }, .flags_out = FL(F_CF | F_SF | F_PF) },
    { "32: and [ebx],dh", 32, "20 33", 2, { RV(RBX, M), RV(RDX, 0x0F00) }, .mem = 0x3C,
      .acc = { RD(M, 1, 0x3C), WR(M, 1, 0x0C) }, .flags_out = FL(F_PF) },
    { "32: bt [ebx],ecx", 32, "0f a3 0b", 3, { RV(RBX, M), RV(RCX, 33) }, .mem = 2,
      .acc = { RD(M + 4, 4, 2) }, .flags_out = FL(F_CF) },
    { "16: sub [bx],ax", 16, "29 07", 2, { RV(RBX, 0), RV(RAX, 1) }, .mem = 0,
      .acc = { RD(M, 2, 0), WR(M, 2, 0xFFFF) }, .flags_out = FL(F_CF | F_SF | F_AF | F_PF),
      .seg = { [EMUL_SEG_DS] = M } },
};

static void test_mov_cases(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(mov_cases); i++)
        run_case(i, &mov_cases[i]);
}

static void test_alu_cases(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(alu_cases); i++)
        run_case(i, &alu_cases[i]);
}

static void test_mov_cases_cached(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(mov_cases); i++)
        run_case_cached(i, &mov_cases[i]);
}

static void test_alu_cases_cached(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(alu_cases); i++)
        run_case_cached(i, &alu_cases[i]);
}

/* ---- String instructions ----------------------------------------------- */

struct scase {
    const char *name;
    unsigned mode;
    const char *code;
    unsigned len;
    struct regval in[4];
    uint64_t flags_in;
    uint64_t src[3];            /* preloaded at the source of MOVS, one per element */
    struct access acc[7];
    struct regval out[4];
    uint64_t seg[6];
};

static const struct scase string_cases[] = {
    { "stosb", 64, "aa", 1, { RV(RDI, M), RV(RAX, 0x5A) },
      .acc = { WR(M, 1, 0x5A) }, .out = { RV(RDI, M + 1) } },
    { "stosd", 64, "ab", 1, { RV(RDI, M), RV(RAX, Q) },
      .acc = { WR(M, 4, 0x55667788) }, .out = { RV(RDI, M + 4) } },
    { "stosw", 64, "66 ab", 2, { RV(RDI, M), RV(RAX, Q) },
      .acc = { WR(M, 2, 0x7788) }, .out = { RV(RDI, M + 2) } },
    { "stosq DF=1", 64, "48 ab", 2, { RV(RDI, M + 8), RV(RAX, Q) }, .flags_in = FL(F_DF),
      .acc = { WR(M + 8, 8, Q) }, .out = { RV(RDI, M) } },
    { "rep stosd", 64, "f3 ab", 2, { RV(RDI, M), RV(RAX, 7), RV(RCX, 3) },
      .acc = { WR(M, 4, 7), WR(M + 4, 4, 7), WR(M + 8, 4, 7) },
      .out = { RV(RDI, M + 12), RV(RCX, 0) } },
    { "rep stosq DF=1", 64, "f3 48 ab", 3, { RV(RDI, M + 8), RV(RAX, Q), RV(RCX, 2) }, .flags_in = FL(F_DF),
      .acc = { WR(M + 8, 8, Q), WR(M, 8, Q) }, .out = { RV(RDI, M - 8), RV(RCX, 0) } },
    { "rep stosb count 0", 64, "f3 aa", 2, { RV(RDI, M), RV(RCX, 0) }, .acc = { { 0 } } },
    { "rep stosd addr32 uses ecx/edi", 64, "67 f3 ab", 3,
      { RV(RDI, 0xFFFFFFFF00000000ULL | M), RV(RAX, 1), RV(RCX, 0xFFFFFFFF00000002ULL) },
      .acc = { WR(M, 4, 1), WR(M + 4, 4, 1) }, .out = { RV(RDI, M + 8), RV(RCX, 0) } },
    { "movsd RAM -> MMIO", 64, "a5", 1, { RV(RSI, DATA_GPA), RV(RDI, M) }, .src = { 0x11223344 },
      .acc = { RD(DATA_GPA, 4, 0x11223344), WR(M, 4, 0x11223344) },
      .out = { RV(RSI, DATA_GPA + 4), RV(RDI, M + 4) } },
    { "rep movsb MMIO -> RAM", 64, "f3 a4", 2, { RV(RSI, M), RV(RDI, DATA_GPA), RV(RCX, 3) },
      .src = { 0xA1, 0xA2, 0xA3 },
      .acc = { RD(M, 1, 0xA1), WR(DATA_GPA, 1, 0xA1), RD(M + 1, 1, 0xA2), WR(DATA_GPA + 1, 1, 0xA2),
               RD(M + 2, 1, 0xA3), WR(DATA_GPA + 2, 1, 0xA3) },
      .out = { RV(RSI, M + 3), RV(RDI, DATA_GPA + 3), RV(RCX, 0) } },
    { "rep movsq DF=1 RAM -> MMIO", 64, "f3 48 a5", 3,
      { RV(RSI, DATA_GPA + 8), RV(RDI, M + 8), RV(RCX, 2) }, .flags_in = FL(F_DF), .src = { Q, 5 },
      .acc = { RD(DATA_GPA + 8, 8, Q), WR(M + 8, 8, Q), RD(DATA_GPA, 8, 5), WR(M, 8, 5) },
      .out = { RV(RSI, DATA_GPA - 8), RV(RDI, M - 8), RV(RCX, 0) } },
    { "movsb fs: source override", 64, "64 a4", 2, { RV(RSI, 0), RV(RDI, DATA_GPA) }, .src = { 0x42 },
      .acc = { RD(M + 0x10, 1, 0x42), WR(DATA_GPA, 1, 0x42) },
      .out = { RV(RSI, 1), RV(RDI, DATA_GPA + 1) }, .seg = { [EMUL_SEG_FS] = M + 0x10 } },
    { "32: rep movsw with DS/ES bases", 32, "66 f3 a5", 3, { RV(RSI, 0x10), RV(RDI, 0x20), RV(RCX, 2) },
      .src = { 0x1111, 0x2222 },
      .acc = { RD(M + 0x10, 2, 0x1111), WR(DATA_GPA + 0x20, 2, 0x1111),
               RD(M + 0x12, 2, 0x2222), WR(DATA_GPA + 0x22, 2, 0x2222) },
      .out = { RV(RSI, 0x14), RV(RDI, 0x24), RV(RCX, 0) },
      .seg = { [EMUL_SEG_DS] = M, [EMUL_SEG_ES] = DATA_GPA } },
    { "32: stosd es: ignores ds override", 32, "3e ab", 2, { RV(RDI, 0x8), RV(RAX, 9) },
      .acc = { WR(M + 8, 4, 9) }, .out = { RV(RDI, 0xC) },
      .seg = { [EMUL_SEG_DS] = 0x100, [EMUL_SEG_ES] = M } },
    { "16: stosb DI wraps, upper RDI kept", 16, "aa", 1, { RV(RDI, 0xABCD00000000FFFFULL), RV(RAX, 1) },
      .acc = { WR(M, 1, 1) }, .out = { RV(RDI, 0xABCD000000000000ULL) },
      .seg = { [EMUL_SEG_ES] = M - 0xFFFF } },
    { "16: rep stosw uses CX", 16, "f3 ab", 2, { RV(RDI, 0), RV(RAX, 3), RV(RCX, 0x10001) },
      .acc = { WR(M, 2, 3) }, .out = { RV(RDI, 2), RV(RCX, 0x10000) }, .seg = { [EMUL_SEG_ES] = M } },
};

static void test_string_cases(void **state)
{
    (void)state;
    for (unsigned idx = 0; idx < ARRAY_SIZE(string_cases); idx++) {
        const struct scase *c = &string_cases[idx];
        uint64_t want[EMUL_NR_GPRS];
        char err[128];

        guest_reset(c->mode);
        place_code(CODE_GPA, c->code);
        for (const struct regval *r = c->in; r < c->in + 4 && r->r1; r++)
            g.regs.gpr[r->r1 - 1] = r->v;
        if (c->flags_in)
            g.regs.rflags = c->flags_in;
        g.ctx.ds_base = c->seg[EMUL_SEG_DS];
        g.ctx.es_base = c->seg[EMUL_SEG_ES];
        g.ctx.fs_base = c->seg[EMUL_SEG_FS];
        /* Preload each source element where the expected reads happen. */
        for (unsigned i = 0, k = 0; i < 7 && c->acc[i].dir; i++) {
            if (c->acc[i].dir == 'R') {
                uint8_t *p = backing(c->acc[i].gpa, c->acc[i].size);
                assert_non_null(p);
                memcpy(p, &c->src[k++], c->acc[i].size);
            }
        }
        memcpy(want, g.regs.gpr, sizeof(want));
        for (const struct regval *r = c->out; r < c->out + 4 && r->r1; r++)
            want[r->r1 - 1] = r->v;
        uint64_t flags0 = g.regs.rflags;

        int rc = emul_insn(&g.ctx, err, sizeof(err));
        if (rc)
            print_error("case %u (%s): err \"%s\"\n", idx, c->name, err);
        CHECK_EQ(idx, c->name, "return code", rc, 0);
        check_log(idx, c->name, c->acc);
        for (unsigned i = 0; i < EMUL_NR_GPRS; i++)
            CHECK_EQ(idx, c->name, "gpr", g.regs.gpr[i], want[i]);
        CHECK_EQ(idx, c->name, "rip", g.regs.rip, CODE_GPA + c->len);
        CHECK_EQ(idx, c->name, "rflags", g.regs.rflags, flags0);
    }
}

/* A long REP stops after EMUL_REP_MAX_ITER iterations with RIP unchanged;
 * running it again finishes it. */
static void test_rep_limit(void **state)
{
    char err[64];
    (void)state;
    guest_reset(64);
    place_code(CODE_GPA, "f3 aa");
    g.regs.gpr[EMUL_RDI] = DATA_GPA - 0x2000;
    g.regs.gpr[EMUL_RCX] = EMUL_REP_MAX_ITER + 5;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, EMUL_REP_MAX_ITER);
    assert_int_equal(g.regs.rip, CODE_GPA);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 5);
    assert_int_equal(g.regs.gpr[EMUL_RDI], DATA_GPA - 0x2000 + EMUL_REP_MAX_ITER);
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, EMUL_REP_MAX_ITER + 5);
    assert_int_equal(g.regs.rip, CODE_GPA + 2);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0);
}

/* ---- Decoder table ------------------------------------------------------- */

struct dcase {
    unsigned mode;
    const char *code;
    int ret;                    /* length, or negative error */
    enum emul_op op;
    enum emul_alu alu;
    unsigned opsize, memsize, addrsize;
    int reg;
    bool high8;
    int base, index;
    unsigned scale;
    int64_t disp;
    enum emul_seg seg;
    uint64_t imm;
};

#define NONE EMUL_REG_NONE
#define RIPB EMUL_REG_RIP
#define D(m, c, len, o, a, os, ms, as, r, h8, b, i, sc, dp, sg, im) \
    { m, c, len, EMUL_OP_##o, EMUL_ALU_##a, os, ms, as, r, h8, b, i, sc, dp, EMUL_SEG_##sg, im }
#define E(m, c, err) { .mode = m, .code = c, .ret = err }

static const struct dcase decode_cases[] = {
    D(64, "89 03", 2, MOV_STORE, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "48 66 89 03", 4, MOV_STORE, NONE, 2, 2, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "66 48 89 03", 4, MOV_STORE, NONE, 8, 8, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "8b 44 24 08", 4, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RSP, NONE, 1, 8, SS, 0),
    D(64, "8b 45 f8", 3, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBP, NONE, 1, -8, SS, 0),
    D(64, "3e 8b 45 08", 4, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBP, NONE, 1, 8, DS, 0),
    D(64, "41 8b 45 08", 4, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_R13, NONE, 1, 8, DS, 0),
    D(64, "8b 05 00 00 00 80", 6, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, RIPB, NONE, 1, -0x80000000LL, DS, 0),
    D(64, "67 8b 05 10 00 00 00", 7, MOV_LOAD, NONE, 4, 4, 4, EMUL_RAX, false, RIPB, NONE, 1, 0x10, DS, 0),
    D(32, "8b 05 00 00 e0 fe", 6, MOV_LOAD, NONE, 4, 4, 4, EMUL_RAX, false, NONE, NONE, 1, (int32_t)0xFEE00000, DS, 0),
    D(64, "8b 04 25 00 00 e0 fe", 7, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, NONE, NONE, 1, -0x1200000, DS, 0),
    D(64, "4f 8b 7c e5 7f", 5, MOV_LOAD, NONE, 8, 8, 8, EMUL_R15, false, EMUL_R13, EMUL_R12, 8, 0x7F, DS, 0),
    D(64, "43 8b 04 25 00 00 00 00", 8, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, NONE, EMUL_R12, 1, 0, DS, 0),
    D(64, "88 24 8d 00 10 00 00", 7, MOV_STORE, NONE, 1, 1, 8, EMUL_RAX, true, NONE, EMUL_RCX, 4, 0x1000, DS, 0),
    D(64, "40 88 24 24", 4, MOV_STORE, NONE, 1, 1, 8, EMUL_RSP, false, EMUL_RSP, NONE, 1, 0, SS, 0),
    D(64, "65 c6 04 25 10 00 00 00 01", 9, MOV_STORE, NONE, 1, 1, 8, NONE, false, NONE, NONE, 1, 0x10, GS, 1),
    D(64, "48 c7 80 00 01 00 00 fe ff ff ff", 11, MOV_STORE, NONE, 8, 8, 8, NONE, false, EMUL_RAX, NONE, 1, 0x100, DS,
      (uint64_t)-2),
    D(64, "66 c7 00 34 12", 5, MOV_STORE, NONE, 2, 2, 8, NONE, false, EMUL_RAX, NONE, 1, 0, DS, 0x1234),
    D(64, "48 a1 88 77 66 55 44 33 22 11", 10, MOV_LOAD, NONE, 8, 8, 8, EMUL_RAX, false, NONE, NONE, 1,
      0x1122334455667788LL, DS, 0),
    D(16, "a1 34 12", 3, MOV_LOAD, NONE, 2, 2, 2, EMUL_RAX, false, NONE, NONE, 1, 0x1234, DS, 0),
    D(16, "8b 42 02", 3, MOV_LOAD, NONE, 2, 2, 2, EMUL_RAX, false, EMUL_RBP, EMUL_RSI, 1, 2, SS, 0),
    D(16, "8a 21", 2, MOV_LOAD, NONE, 1, 1, 2, EMUL_RAX, true, EMUL_RBX, EMUL_RDI, 1, 0, DS, 0),
    D(16, "8b 86 00 80", 4, MOV_LOAD, NONE, 2, 2, 2, EMUL_RAX, false, EMUL_RBP, NONE, 1, -0x8000, SS, 0),
    D(64, "0f b7 0b", 3, MOVZX, NONE, 4, 2, 8, EMUL_RCX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "48 63 0b", 3, MOVSX, NONE, 8, 4, 8, EMUL_RCX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "0f be 23", 3, MOVSX, NONE, 4, 1, 8, EMUL_RSP, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "f3 48 a5", 3, MOVS, NONE, 8, 8, 8, NONE, false, NONE, NONE, 1, 0, DS, 0),
    D(64, "26 a4", 2, MOVS, NONE, 1, 1, 8, NONE, false, NONE, NONE, 1, 0, ES, 0),
    D(32, "f3 66 ab", 3, STOS, NONE, 2, 2, 4, EMUL_RAX, false, NONE, NONE, 1, 0, DS, 0),
    D(64, "86 3b", 2, XCHG, NONE, 1, 1, 8, EMUL_RBX, true, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "f0 48 83 43 08 f0", 6, ALU_MEM, ADD, 8, 8, 8, NONE, false, EMUL_RBX, NONE, 1, 8, DS, (uint64_t)-16),
    D(64, "81 7b 08 ff ff 00 00", 7, ALU_MEM, CMP, 4, 4, 8, NONE, false, EMUL_RBX, NONE, 1, 8, DS, 0xFFFF),
    D(64, "66 81 7b 08 ff ff", 6, ALU_MEM, CMP, 2, 2, 8, NONE, false, EMUL_RBX, NONE, 1, 8, DS, (uint64_t)-1),
    D(64, "80 73 08 ff", 4, ALU_MEM, XOR, 1, 1, 8, NONE, false, EMUL_RBX, NONE, 1, 8, DS, (uint64_t)-1),
    D(64, "1a 03", 2, ALU_REG, SBB, 1, 1, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "13 03", 2, ALU_REG, ADC, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "4d 85 03", 3, ALU_MEM, TEST, 8, 8, 8, EMUL_R8, false, EMUL_R11, NONE, 1, 0, DS, 0),
    D(64, "f7 03 01 00 00 00", 6, ALU_MEM, TEST, 4, 4, 8, NONE, false, EMUL_RBX, NONE, 1, 0, DS, 1),
    D(64, "0f ba 2b 3f", 4, BT, BTS, 4, 4, 8, NONE, false, EMUL_RBX, NONE, 1, 0, DS, 0x3F),
    D(64, "48 0f bb 03", 4, BT, BTC, 8, 8, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", 15, MOV_STORE, NONE, 2, 2, 8, EMUL_RAX, false,
      EMUL_RBX, NONE, 1, 0, DS, 0),
    /* Found by tests/fuzz/fuzz_insn (corpus fs-then-cs-64): 64-bit mode
     * ignores ES/CS/SS/DS overrides, so an earlier FS/GS one stays. */
    D(64, "64 2e 89 03", 4, MOV_STORE, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, FS, 0),
    D(64, "65 3e 26 8b 45 08", 6, MOV_LOAD, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBP, NONE, 1, 8, GS, 0),
    D(64, "64 26 65 89 03", 5, MOV_STORE, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, GS, 0),
    D(32, "64 2e 89 03", 4, MOV_STORE, NONE, 4, 4, 4, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, CS, 0),
        /* LOCK where it is allowed: read-modify-write of memory. */
    D(64, "f0 87 03", 3, XCHG, NONE, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    D(64, "f0 0f ab 03", 4, BT, BTS, 4, 4, 8, EMUL_RAX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    /* 66 63: MOVSXD r16, r/m16 (SDM "MOVSX/MOVSXD"; Zydis says m32, see
     * tests/fuzz/README.md). */
    D(64, "66 63 0b", 3, MOVSX, NONE, 2, 2, 8, EMUL_RCX, false, EMUL_RBX, NONE, 1, 0, DS, 0),
    /* errors */
    E(64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", -HV_ENOSYS),   /* 16 bytes */
    E(64, "0f 0b", -HV_ENOSYS),             /* UD2 */
    E(64, "89 c3", -HV_ENOSYS),             /* register-only form */
    E(64, "c7 c0 01 00 00 00", -HV_ENOSYS),
    E(64, "f7 13", -HV_ENOSYS),             /* NOT */
    E(64, "0f ba 03 01", -HV_ENOSYS),       /* 0F BA /0 undefined */
    E(64, "c6 4b 01 05", -HV_ENOSYS),       /* C6 /1 */
    E(64, "8f 03", -HV_ENOSYS),             /* POP m */
    E(32, "63 03", -HV_ENOSYS),             /* ARPL */
    E(32, "48 89 03", -HV_ENOSYS),          /* DEC eax outside 64-bit */
    /* Found by tests/fuzz/fuzz_insn (corpus lock-*): LOCK on a form that
     * does not take it is #UD, so we must not run it. */
    E(16, "f0 f0 f0 0a 1d 00 0a", -HV_ENOSYS),  /* LOCK OR BL,[DI] (reg destination) */
    E(64, "f0 89 03", -HV_ENOSYS),          /* LOCK MOV */
    E(64, "f0 39 03", -HV_ENOSYS),          /* LOCK CMP */
    E(64, "f0 85 03", -HV_ENOSYS),          /* LOCK TEST */
    E(64, "f0 0f a3 03", -HV_ENOSYS),       /* LOCK BT */
    E(64, "f0 0f b6 03", -HV_ENOSYS),       /* LOCK MOVZX */
    E(64, "f0 ab", -HV_ENOSYS),             /* LOCK STOS */
    E(64, "8b 05 00", -HV_EFAULT),          /* truncated displacement */
    E(64, "48", -HV_EFAULT),                /* truncated opcode */
    E(64, "", -HV_EFAULT),
    E(0, "89 03", -HV_EINVAL),
};

static void test_decode_table(void **state)
{
    (void)state;
    for (unsigned idx = 0; idx < ARRAY_SIZE(decode_cases); idx++) {
        const struct dcase *c = &decode_cases[idx];
        uint8_t bytes[32];
        size_t n = parse_hex(c->code, bytes, sizeof(bytes));
        struct emul_insn in;
        int ret = emul_decode(bytes, n, c->mode, &in);

        CHECK_EQ(idx, c->code, "return", (int64_t)ret, (int64_t)c->ret);
        if (ret < 0)
            continue;
        CHECK_EQ(idx, c->code, "len", in.len, (unsigned)ret);
        CHECK_EQ(idx, c->code, "op", in.op, c->op);
        CHECK_EQ(idx, c->code, "alu", in.alu, c->alu);
        CHECK_EQ(idx, c->code, "opsize", in.opsize, c->opsize);
        CHECK_EQ(idx, c->code, "memsize", in.memsize, c->memsize);
        CHECK_EQ(idx, c->code, "addrsize", in.addrsize, c->addrsize);
        CHECK_EQ(idx, c->code, "reg", (int64_t)in.reg, (int64_t)c->reg);
        CHECK_EQ(idx, c->code, "reg_high8", in.reg_high8, c->high8);
        CHECK_EQ(idx, c->code, "seg", in.seg, c->seg);
        CHECK_EQ(idx, c->code, "imm", in.imm, c->imm);
        CHECK_EQ(idx, c->code, "rep", in.rep, strstr(c->code, "f3") == c->code);
        if (c->op == EMUL_OP_STOS || c->op == EMUL_OP_MOVS)
            continue;
        CHECK_EQ(idx, c->code, "base", (int64_t)in.base, (int64_t)c->base);
        CHECK_EQ(idx, c->code, "index", (int64_t)in.index, (int64_t)c->index);
        CHECK_EQ(idx, c->code, "scale", in.scale, c->scale);
        CHECK_EQ(idx, c->code, "disp", in.disp, c->disp);
    }
}

/* ---- Page walks ---------------------------------------------------------- */

static void expect_gpa(gva_t gva, gpa_t want)
{
    gpa_t gpa = 0;
    int rc = emul_gva_to_gpa(&g.ctx, gva, &gpa);
    if (rc || gpa != want)
        print_error("gva 0x%llx: rc %d gpa 0x%llx, want 0x%llx\n", (unsigned long long)gva, rc,
                    (unsigned long long)gpa, (unsigned long long)want);
    assert_int_equal(rc, 0);
    assert_int_equal(gpa, want);
}

static void expect_unmapped(gva_t gva)
{
    gpa_t gpa;
    assert_int_equal(emul_gva_to_gpa(&g.ctx, gva, &gpa), -HV_EFAULT);
}

/* Run "mov eax,[abs]" (code placed at CODE_GPA, reached at gva rip) and check
 * it reads 4 bytes from gpa want. */
static void run_abs_load(unsigned mode, gva_t rip, const char *code, unsigned len, gpa_t want)
{
    char err[128];
    place_code(CODE_GPA, code);
    memcpy(backing(want, 4), &(uint32_t){ 0xC0FFEE }, 4);
    g.ctx.cpu_mode = mode;
    g.regs.rip = rip;
    int rc = emul_insn(&g.ctx, err, sizeof(err));
    if (rc)
        print_error("err \"%s\"\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].gpa, want);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0xC0FFEE);
    assert_int_equal(g.regs.rip, rip + len);
}

static void test_walk_paging_off(void **state)
{
    (void)state;
    guest_reset(32);
    expect_gpa(0x12345678, 0x12345678);
    expect_gpa(0x100000000ULL | 5, 5);      /* linear addresses are 32 bits */
}

static void test_walk_32bit(void **state)
{
    (void)state;
    guest_reset(32);
    g.ctx.cr0 = CR0_PE | CR0_PG;
    g.ctx.cr4 = CR4_PSE;
    g.ctx.cr3 = SCRATCH_PT;
    const gpa_t pd = SCRATCH_PT, pt = SCRATCH_PT + 0x1000;
    put32(pd + (0x40001000 >> 22) * 4, (uint32_t)(pt | P | RW));
    put32(pt + ((0x40001000 >> 12) & 0x3FF) * 4, (uint32_t)(CODE_GPA | P | RW));
    put32(pt + ((0x40002000 >> 12) & 0x3FF) * 4, (uint32_t)(0x7000 | P | RW));
    put32(pd + (0xC0000000 >> 22) * 4, (uint32_t)(0xFEC00000 | P | RW | PS));     /* 4M page */
    put32(pd + (0x80000000 >> 22) * 4, (uint32_t)(0x00400000 | (0x3 << 13) | P | PS)); /* PSE-36 */

    expect_gpa(0x40001234, 0x1234);
    expect_gpa(0x40002FFF, 0x7FFF);
    expect_gpa(0xC0212345, 0xFEE12345);
    expect_gpa(0x80012345, 0x300412345ULL);
    expect_unmapped(0x40003000);           /* PTE not present */
    expect_unmapped(0x00000000);           /* PDE not present */

    /* mov eax,[0xC0200010] from code at gva 0x40001000 */
    run_abs_load(32, 0x40001000, "8b 05 10 00 20 c0", 6, M + 0x10);

    /* Without CR4.PSE the PS bit is ignored and the PDE points to a table. */
    g.ctx.cr4 = 0;
    put32(pd + (0xC0000000 >> 22) * 4, (uint32_t)(pt | P | RW | PS));
    expect_gpa(0xC0001234, 0x1234);
}

static void test_walk_pae(void **state)
{
    (void)state;
    guest_reset(32);
    g.ctx.cr0 = CR0_PE | CR0_PG;
    g.ctx.cr4 = CR4_PAE;
    const gpa_t pdpt = SCRATCH_PT + 0x20;  /* CR3 only needs 32-byte alignment */
    const gpa_t pd1 = SCRATCH_PT + 0x1000, pt = SCRATCH_PT + 0x2000, pd3 = SCRATCH_PT + 0x3000;
    g.ctx.cr3 = pdpt;
    put64(pdpt + 1 * 8, pd1 | P);
    put64(pd1 + 0 * 8, pt | P | RW);
    put64(pt + 1 * 8, CODE_GPA | P | RW);
    put64(pt + 2 * 8, 0x123456789000ULL | P | RW | (1ULL << 63));  /* NX bit ignored */
    put64(pdpt + 3 * 8, pd3 | P);
    put64(pd3 + ((MMIO_BASE >> 21) & 0x1FF) * 8, MMIO_BASE | P | RW | PS);   /* 2M page */

    expect_gpa(0x40001234, 0x1234);
    expect_gpa(0x40002008, 0x123456789008ULL);
    expect_gpa(0xFEE01234, 0xFEE01234);
    expect_gpa(0xFEFFFFFF, 0xFEFFFFFF);
    expect_unmapped(0x00001000);           /* PDPTE 0 not present */
    expect_unmapped(0xFEC00000);           /* PDE not present */
    expect_unmapped(0x40200000);

    run_abs_load(32, 0x40001000, "8b 05 10 00 e0 fe", 6, M + 0x10);
}

static void test_walk_4level(void **state)
{
    (void)state;
    guest_reset(64);
    expect_gpa(0x1234, 0x1234);                     /* 1G page */
    expect_gpa(0x87654321, 0x87654321);             /* 1G page */
    expect_gpa(M + 0x123, M + 0x123);               /* 2M page */
    expect_gpa(RIP_HI + 0x10, CODE_GPA + 0x10);     /* 4K page */
    expect_gpa(RIP_HI + 0x1FF8, M + 0xFF8);
    expect_gpa(0xFFFFFFFFFEE00010ULL, M + 0x10);    /* 1G page in the high half */
    expect_unmapped(0xFEC00000);                    /* PDE not present */
    expect_unmapped(RIP_HI + 0x2000);               /* PTE not present */
    expect_unmapped(0x00007FFF00000000ULL);         /* PML4E not present */

    /* Compatibility mode (32-bit code, IA-32e paging). */
    guest_reset(64);
    run_abs_load(32, CODE_GPA, "8b 05 10 00 e0 fe", 6, M + 0x10);

    /* 5-level paging: one more level on top. */
    guest_reset(64);
    g.ctx.cr4 |= CR4_LA57;
    g.ctx.cr3 = PML5_GPA;
    expect_gpa(0x1234, 0x1234);
    expect_gpa(M + 8, M + 8);
    expect_unmapped(RIP_HI);                        /* PML5E 511 not present */
    put64(PML5_GPA + 511 * 8, PML4_GPA | P | RW);
    expect_gpa(RIP_HI + 0x1008, M + 8);
}

/* ---- Fetch and error paths ------------------------------------------------ */

/* An instruction spanning two pages mapped to non-adjacent frames. */
static void test_fetch_cross_page(void **state)
{
    uint8_t code[11];
    char err[128];
    (void)state;
    guest_reset(64);
    put64(PT_HI + 2 * 8, CODE_GPA | P | RW);
    put64(PT_HI + 3 * 8, 0xF000 | P | RW);
    /* mov qword [rip-0x1fc8],0x12345678 at RIP_HI+0x2FFD: next RIP
     * RIP_HI+0x3008, target RIP_HI+0x1040 -> M+0x40 */
    assert_int_equal(parse_hex("48 c7 05 38 e0 ff ff 78 56 34 12", code, sizeof(code)), 11);
    memcpy(&g.ram[CODE_GPA + 0xFFD], code, 3);
    memcpy(&g.ram[0xF000], code + 3, 8);
    g.regs.rip = RIP_HI + 0x2FFD;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].dir, 'W');
    assert_int_equal(g.log[0].gpa, M + 0x40);
    assert_int_equal(g.log[0].size, 8);
    assert_int_equal(g.log[0].val, 0x12345678);
    assert_int_equal(g.regs.rip, RIP_HI + 0x3008);

    /* With the second page unmapped the fetch is short: -HV_EFAULT. */
    guest_reset(64);
    put64(PT_HI + 2 * 8, CODE_GPA | P | RW);
    memcpy(&g.ram[CODE_GPA + 0xFFD], code, 3);
    g.regs.rip = RIP_HI + 0x2FFD;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
    assert_non_null(strstr(err, "ffffffff80003000"));
    assert_int_equal(g.nlog, 0);
    assert_int_equal(g.regs.rip, RIP_HI + 0x2FFD);
}

/* An instruction ending exactly at the end of RAM still runs. */
static void test_fetch_end_of_ram(void **state)
{
    char err[128];
    (void)state;
    guest_reset(32);
    place_code(RAM_SIZE - 3, "89 43 04");
    g.regs.rip = RAM_SIZE - 3;
    g.regs.gpr[EMUL_RBX] = M;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].gpa, M + 4);
    assert_int_equal(g.regs.rip, RAM_SIZE);

    /* ... but one that needs bytes past it fails. */
    guest_reset(32);
    place_code(RAM_SIZE - 2, "8b 05");
    g.regs.rip = RAM_SIZE - 2;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
    assert_non_null(strstr(err, "0x10000"));
    assert_int_equal(g.regs.rip, RAM_SIZE - 2);
}

static void test_undecodable(void **state)
{
    char err[128];
    (void)state;
    guest_reset(64);
    place_code(CODE_GPA, "0f 0b");
    g.regs.gpr[EMUL_RAX] = 1;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_ENOSYS);
    assert_string_equal(err, "cannot emulate: 0f 0b 90 90 90 90 90 90 90 90 90 90 90 90 90");
    assert_int_equal(g.regs.rip, CODE_GPA);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 1);
    assert_int_equal(g.nlog, 0);

    /* A small buffer is truncated but terminated. */
    char small[20];
    assert_int_equal(emul_insn(&g.ctx, small, sizeof(small)), -HV_ENOSYS);
    assert_string_equal(small, "cannot emulate: 0f ");
    assert_int_equal(emul_insn(&g.ctx, NULL, 0), -HV_ENOSYS);
}

static void test_unmapped_fetch(void **state)
{
    char err[128];
    (void)state;
    guest_reset(64);
    g.regs.rip = 0x00007FFF00000010ULL;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
    assert_non_null(strstr(err, "instruction fetch failed at gva 0x7fff00000010"));
    assert_int_equal(g.regs.rip, 0x00007FFF00000010ULL);

    /* RAM itself ends: paging off, RIP beyond RAM. */
    guest_reset(32);
    g.regs.rip = 0x20000;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
}

/* The translation the CPU reported with the exit (linear page -> guest-
 * physical page) replaces the data page walk, and only inside that page. */
static void test_linear_address_hint(void **state)
{
    char err[128];
    (void)state;
    /* Without a hint: the fetch walks to the 1G page of CODE_GPA (2 entries,
     * then the bytes), the data to a 4K page (4 entries), once: an access
     * inside one page needs no second walk for its last byte. */
    guest_reset(64);
    place_code(CODE_GPA, "8b 03");                 /* mov eax, [rbx] */
    g.regs.gpr[EMUL_RBX] = RIP_HI + 0x1010;        /* PT_HI[1] -> MMIO_BASE */
    put32(0, 0);
    memcpy(&g.mmio[0x10], "\x44\x33\x22\x11", 4);
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
    assert_int_equal(g.ram_reads, 2 + 1 + 4);

    /* With the hint for that page: no data walk, the same result. */
    guest_reset(64);
    place_code(CODE_GPA, "8b 03");
    g.regs.gpr[EMUL_RBX] = RIP_HI + 0x1010;
    memcpy(&g.mmio[0x10], "\x44\x33\x22\x11", 4);
    g.ctx.hint_valid = true;
    g.ctx.hint_gva = RIP_HI + 0x1010;
    g.ctx.hint_gpa = MMIO_BASE + 0x10;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
    assert_int_equal(g.ram_reads, 2 + 1);
    assert_int_equal(g.log[0].gpa, MMIO_BASE + 0x10);

    /* The hint is trusted for its page even where the guest tables (now
     * changed) say otherwise: the CPU's translation is the one that faulted. */
    guest_reset(64);
    place_code(CODE_GPA, "89 03");                 /* mov [rbx], eax */
    put64(PT_HI + 1 * 8, 0);                       /* page no longer mapped */
    g.regs.gpr[EMUL_RBX] = RIP_HI + 0x1FF8;
    g.regs.gpr[EMUL_RAX] = 0xCAFE;
    g.ctx.hint_valid = true;
    g.ctx.hint_gva = RIP_HI + 0x1000;              /* any address in the page */
    g.ctx.hint_gpa = MMIO_BASE + 0x123;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].dir, 'W');
    assert_int_equal(g.log[0].gpa, MMIO_BASE + 0xFF8);
    assert_int_equal(g.log[0].val, 0xCAFE);

    /* Another page: walked as usual (and here unmapped, so an error). */
    g.regs.rip = CODE_GPA;
    g.regs.gpr[EMUL_RBX] = RIP_HI + 0x2010;
    g.ctx.hint_gva = RIP_HI + 0x1000;
    put64(PT_HI + 2 * 8, 0);
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
    assert_non_null(strstr(err, "page walk failed"));

    /* An access crossing out of the hinted page walks both pages. */
    guest_reset(64);
    place_code(CODE_GPA, "89 03");
    g.regs.gpr[EMUL_RBX] = M + 0xFFE;              /* 2M page: frames adjacent */
    g.regs.gpr[EMUL_RAX] = 0x12345678;
    g.ctx.hint_valid = true;
    g.ctx.hint_gva = M;
    g.ctx.hint_gpa = 0;                            /* wrong on purpose: not used */
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].gpa, M + 0xFFE);
}

/* ---- Decode cache ------------------------------------------------------- */

/* A fresh guest with the decode cache (kept: see dc), ram_ptr and the hint
 * for the 1:1-mapped device page M, as exit_ept.c sets them up. */
static void cached_reset(unsigned mode)
{
    guest_reset(mode);
    g.ctx.ops = &fake_ops_ptr;
    g.ctx.dcache = &dc;
    g.ctx.hint_valid = true;
    g.ctx.hint_gva = g.ctx.hint_gpa = M;
    g.regs.gpr[EMUL_RBX] = M;
    memcpy(&g.mmio[0], "\x44\x33\x22\x11\x88\x77\x66\x55", 8);
}

/* Run the instruction at rip; check the counters moved as given. */
static void run_cached(uint64_t rip, unsigned misses, unsigned hits, unsigned fast)
{
    char err[128];
    uint64_t m0 = dc.misses, h0 = dc.hits, f0 = dc.fast;
    g.regs.rip = rip;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(dc.misses - m0, misses);
    assert_int_equal(dc.hits - h0, hits);
    assert_int_equal(dc.fast - f0, fast);
}

/* Hit after a miss; new bytes at the same RIP miss (self-modifying code);
 * bytes past the instruction do not matter; the code size is part of the key. */
static void test_dcache_bytes(void **state)
{
    (void)state;
    emul_dcache_init(&dc);
    cached_reset(32);
    place_code(CODE_GPA, "8b 03");                  /* mov eax, [ebx] */
    run_cached(CODE_GPA, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(CODE_GPA, 0, 1, 1);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
    assert_int_equal(g.regs.rip, CODE_GPA + 2);
    assert_int_equal(g.nlog, 2);

    /* The guest rewrites the instruction: mov ecx, [ebx]. */
    place_code(CODE_GPA, "8b 0b");
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(CODE_GPA, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x11223344);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0);
    run_cached(CODE_GPA, 0, 1, 1);

    /* A byte after the instruction changes: still the same instruction. */
    place_code(CODE_GPA + 2, "cc");
    run_cached(CODE_GPA, 0, 1, 1);
    /* Now it becomes a longer one, mov ecx, [ebx+0x04]: a miss. */
    place_code(CODE_GPA, "8b 4b 04");
    run_cached(CODE_GPA, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x55667788);
    assert_int_equal(g.regs.rip, CODE_GPA + 3);

    /* 66 8b 07 loads 16 bits from [edi] in 32-bit code and 32 bits from
     * [bx] in 16-bit code. */
    place_code(CODE_GPA, "66 8b 07");
    g.regs.gpr[EMUL_RDI] = M;
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(CODE_GPA, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x3344);
    g.ctx.cpu_mode = 16;
    g.regs.gpr[EMUL_RBX] = 0;
    g.ctx.ds_base = M;
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(CODE_GPA, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
    run_cached(CODE_GPA, 0, 1, 1);
}

/* The same RIP under another CR3, or after the guest changed its page
 * tables without telling anyone, reaches other bytes: they decide. */
static void test_dcache_cr3(void **state)
{
    const gpa_t pml4b = SCRATCH_PT, pdptb = SCRATCH_PT + 0x1000, pdb = SCRATCH_PT + 0x2000,
                ptb = SCRATCH_PT + 0x3000, code2 = 0x8000;
    (void)state;
    emul_dcache_init(&dc);
    cached_reset(64);
    /* Second address space: RIP_HI -> code2; low 4G as in the first. */
    put64(pml4b + 0 * 8, PDPT_LO | P | RW);
    put64(pml4b + 511 * 8, pdptb | P | RW);
    put64(pdptb + 510 * 8, pdb | P | RW);
    put64(pdb, ptb | P | RW);
    put64(ptb, code2 | P | RW);
    place_code(CODE_GPA, "8b 03");                  /* mov eax, [rbx] */
    place_code(code2, "8b 0b");                     /* mov ecx, [rbx] */

    run_cached(RIP_HI, 1, 0, 0);
    run_cached(RIP_HI, 0, 1, 1);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);

    g.ctx.cr3 = pml4b;
    run_cached(RIP_HI, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x11223344);
    run_cached(RIP_HI, 0, 1, 1);

    /* Back to the first: its bytes again (one slot per RIP: a miss). */
    g.ctx.cr3 = PML4_GPA;
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(RIP_HI, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);

    /* Same CR3, PTE changed behind our back: the new page's bytes run. */
    put64(PT_HI + 0 * 8, code2 | P | RW);
    g.regs.gpr[EMUL_RCX] = 0;
    run_cached(RIP_HI, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x11223344);

    /* Another address space with the same bytes at RIP: a hit, and right. */
    place_code(code2, "8b 03");
    g.ctx.cr3 = pml4b;
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(RIP_HI, 1, 0, 0);
    g.ctx.cr3 = PML4_GPA;
    put64(PT_HI + 0 * 8, CODE_GPA | P | RW);
    run_cached(RIP_HI, 0, 1, 1);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x11223344);
}

/* An instruction across a page boundary: cached too (general path), and
 * a change in either page, or a remapped second page, is a miss. */
static void test_dcache_cross_page(void **state)
{
    const uint64_t rip = RIP_HI + 0x2FFF;
    (void)state;
    emul_dcache_init(&dc);
    cached_reset(64);
    put64(PT_HI + 2 * 8, CODE_GPA | P | RW);
    put64(PT_HI + 3 * 8, 0xF000 | P | RW);
    place_code(CODE_GPA + 0xFFF, "48");             /* mov rax, [rbx] */
    place_code(0xF000, "8b 03");
    run_cached(rip, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x5566778811223344ULL);
    assert_int_equal(g.regs.rip, rip + 3);
    g.regs.gpr[EMUL_RAX] = 0;
    run_cached(rip, 0, 1, 0);
    assert_int_equal(g.regs.gpr[EMUL_RAX], 0x5566778811223344ULL);

    /* Second page rewritten: mov rcx, [rbx]. */
    place_code(0xF000, "8b 0b");
    run_cached(rip, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x5566778811223344ULL);
    /* First page rewritten: 66 8b 0b ... is mov cx, [rbx]. */
    place_code(CODE_GPA + 0xFFF, "66");
    g.regs.gpr[EMUL_RCX] = 0;
    run_cached(rip, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x3344);
    /* Second page remapped to a frame holding 8b 13: mov edx, [rbx]. */
    place_code(0xE000, "8b 13");
    put64(PT_HI + 3 * 8, 0xE000 | P | RW);
    run_cached(rip, 1, 0, 0);
    assert_int_equal(g.regs.gpr[EMUL_RDX] & 0xFFFF, 0x3344);
    assert_int_equal(g.regs.rip, rip + 3);
}

/* Fast path: values of the MOV forms, and the cases it leaves alone. */
static void test_fast_path(void **state)
{
    char err[128];
    (void)state;
    emul_dcache_init(&dc);
    cached_reset(64);
    /* movzx ecx, byte [rbx+1]; movsx rdx, word [rbx+2]; mov [rbx+8], eax;
     * mov dword [rbx+12], imm; mov ah, [rbx] */
    place_code(CODE_GPA, "0f b6 4b 01");
    place_code(CODE_GPA + 0x10, "48 0f bf 53 02");
    place_code(CODE_GPA + 0x20, "89 43 08");
    place_code(CODE_GPA + 0x30, "c7 43 0c 78 56 34 12");
    place_code(CODE_GPA + 0x40, "8a 23");
    memcpy(&g.mmio[0], "\x44\x33\x22\x91", 4);
    g.regs.gpr[EMUL_RCX] = ~0ULL;
    g.regs.gpr[EMUL_RAX] = 0xAAAABBBBCCCCDDDDULL;
    for (int pass = 0; pass < 2; pass++) {
        g.nlog = 0;
        run_cached(CODE_GPA, !pass, pass, pass);
        assert_int_equal(g.regs.gpr[EMUL_RCX], 0x33);              /* zero-extended */
        run_cached(CODE_GPA + 0x10, !pass, pass, pass);
        assert_int_equal(g.regs.gpr[EMUL_RDX], 0xFFFFFFFFFFFF9122ULL);
        assert_int_equal(g.regs.rip, CODE_GPA + 0x15);
        run_cached(CODE_GPA + 0x20, !pass, pass, pass);
        run_cached(CODE_GPA + 0x30, !pass, pass, pass);
        run_cached(CODE_GPA + 0x40, !pass, pass, pass);
        assert_int_equal(g.regs.gpr[EMUL_RAX], 0xAAAABBBBCCCC44DDULL);  /* AH only */
        g.regs.gpr[EMUL_RAX] = 0xAAAABBBBCCCCDDDDULL;
        assert_int_equal(g.nlog, 5);
        assert_int_equal(g.log[2].dir, 'W');
        assert_int_equal(g.log[2].gpa, M + 8);
        assert_int_equal(g.log[2].size, 4);
        assert_int_equal(g.log[2].val, 0xCCCCDDDD);
        assert_int_equal(g.log[3].gpa, M + 12);
        assert_int_equal(g.log[3].val, 0x12345678);
        assert_int_equal(g.log[4].size, 1);
    }
    assert_int_equal(dc.fast, 5);
    /* RFLAGS untouched by the MOV forms. */
    assert_int_equal(g.regs.rflags, F_FIXED);

    /* Access outside the hinted page: the general path (a walk), same result. */
    g.regs.gpr[EMUL_RBX] = M + 0x1000;
    memcpy(&g.mmio[0x1001], "\x5a", 1);
    run_cached(CODE_GPA, 0, 1, 0);
    assert_int_equal(g.regs.gpr[EMUL_RCX], 0x5A);
    /* An access straddling the end of the hinted page: general path. */
    g.regs.gpr[EMUL_RBX] = M + 0xFFD;
    run_cached(CODE_GPA + 0x20, 0, 1, 0);
    assert_int_equal(g.log[g.nlog - 1].gpa, M + 0xFFD + 8);
    /* A failing device access gives the general path's error text. */
    g.regs.gpr[EMUL_RBX] = M + MMIO_SIZE;                /* past the fake device */
    g.ctx.hint_gva = g.ctx.hint_gpa = M + MMIO_SIZE;
    g.regs.rip = CODE_GPA + 0x20;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EIO);
    assert_non_null(strstr(err, "4-byte write at gpa 0xfee02008 failed"));
    assert_int_equal(g.regs.rip, CODE_GPA + 0x20);
    /* Without the hint, or a non-MOV form: never the fast path. */
    g.ctx.hint_valid = false;
    g.regs.gpr[EMUL_RBX] = M;
    run_cached(CODE_GPA, 0, 1, 0);
}

static void test_data_errors(void **state)
{
    char err[128];
    (void)state;
    /* The device callback fails: error passed through, RIP kept. */
    guest_reset(64);
    place_code(CODE_GPA, "8b 03");
    g.regs.gpr[EMUL_RBX] = 0x80000000;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EIO);
    assert_non_null(strstr(err, "read at gpa 0x80000000"));
    assert_int_equal(g.regs.rip, CODE_GPA);

    /* Data address not mapped by the guest page tables. */
    guest_reset(64);
    place_code(CODE_GPA, "89 03");
    g.regs.gpr[EMUL_RBX] = 0xFEC00000;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EFAULT);
    assert_non_null(strstr(err, "0xfec00000"));

    /* Access crossing into a non-adjacent frame. */
    guest_reset(64);
    put64(PT_HI + 2 * 8, CODE_GPA | P | RW);
    place_code(CODE_GPA, "89 03");
    g.regs.gpr[EMUL_RBX] = RIP_HI + 0x1FFE;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_ENOSYS);
    assert_non_null(strstr(err, "cannot emulate"));
    assert_int_equal(g.nlog, 0);

    /* Crossing into the adjacent frame is one access. */
    guest_reset(64);
    place_code(CODE_GPA, "89 03");
    g.regs.gpr[EMUL_RBX] = M + 0xFFE;
    g.regs.gpr[EMUL_RAX] = 0x12345678;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);
    assert_int_equal(g.nlog, 1);
    assert_int_equal(g.log[0].gpa, M + 0xFFE);
    assert_int_equal(g.log[0].size, 4);

    /* Bad cpu_mode. */
    guest_reset(64);
    g.ctx.cpu_mode = 48;
    assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), -HV_EINVAL);
}

/* ---- Cross-check of the ALU flags against the host CPU ------------------- */

#if defined(__x86_64__)
#define HW_OP(name, sfx, mod)                                                     \
    static uint64_t hw_##name##sfx(uint64_t a, uint64_t b, uint64_t *flags)      \
    {                                                                             \
        uint64_t f = *flags;                                                      \
        /* step over the red zone: lea leaves the flags alone */                \
        __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t"       \
                         #name #sfx " %" mod "[b], %" mod "[a]\n\t"               \
                         "pushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"          \
                         : [a] "+r"(a), [f] "+r"(f) : [b] "r"(b) : "cc");         \
        *flags = f;                                                               \
        return a;                                                                 \
    }
#define HW_ALL(sfx, mod) HW_OP(add, sfx, mod) HW_OP(or, sfx, mod) HW_OP(adc, sfx, mod)  \
    HW_OP(sbb, sfx, mod) HW_OP(and, sfx, mod) HW_OP(sub, sfx, mod)                       \
    HW_OP(xor, sfx, mod) HW_OP(cmp, sfx, mod) HW_OP(test, sfx, mod)
HW_ALL(b, "b")
HW_ALL(w, "w")
HW_ALL(l, "k")
HW_ALL(q, "q")

typedef uint64_t (*hw_fn)(uint64_t, uint64_t, uint64_t *);
/* [size index][ADD OR ADC SBB AND SUB XOR CMP TEST] */
static const hw_fn hw_ops[4][9] = {
    { hw_addb, hw_orb, hw_adcb, hw_sbbb, hw_andb, hw_subb, hw_xorb, hw_cmpb, hw_testb },
    { hw_addw, hw_orw, hw_adcw, hw_sbbw, hw_andw, hw_subw, hw_xorw, hw_cmpw, hw_testw },
    { hw_addl, hw_orl, hw_adcl, hw_sbbl, hw_andl, hw_subl, hw_xorl, hw_cmpl, hw_testl },
    { hw_addq, hw_orq, hw_adcq, hw_sbbq, hw_andq, hw_subq, hw_xorq, hw_cmpq, hw_testq },
};

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Interesting operands: small, near a sign boundary, all ones, or random. */
static uint64_t operand(uint64_t *s)
{
    uint64_t r = next_random(s);
    switch (r & 7) {
    case 0: return (r >> 8) & 0xFF;
    case 1: return 0x80ULL << (8 * ((r >> 8) & 7));
    case 2: return (0x80ULL << (8 * ((r >> 8) & 7))) - 1;
    case 3: return ~0ULL - ((r >> 8) & 3);
    default: return next_random(s);
    }
}

static void test_flags_vs_host_cpu(void **state)
{
    static const uint8_t op_byte[9] = { 0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x84 };
    const uint64_t arith = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char err[128];
    (void)state;

    for (unsigned iter = 0; iter < 20000; iter++) {
        unsigned si = iter % 4, op = (iter / 4) % 9, size = 1u << si, n = 0;
        uint64_t a = operand(&seed), b = operand(&seed);
        uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
        uint64_t flags_in = F_FIXED | (next_random(&seed) & arith);
        uint64_t hw_flags = flags_in, hw_res = hw_ops[si][op](a, b, &hw_flags);
        uint8_t code[4];

        /* op [rbx], al/ax/eax/rax */
        if (size == 2)
            code[n++] = 0x66;
        if (size == 8)
            code[n++] = 0x48;
        code[n++] = op_byte[op] | (size > 1);
        code[n++] = 0x03;
        guest_reset(64);
        memcpy(&g.ram[CODE_GPA], code, n);
        memcpy(&g.mmio[0], &a, 8);
        g.regs.gpr[EMUL_RBX] = M;
        g.regs.gpr[EMUL_RAX] = b;
        g.regs.rflags = flags_in;
        assert_int_equal(emul_insn(&g.ctx, err, sizeof(err)), 0);

        uint64_t emu_res = 0;
        memcpy(&emu_res, &g.mmio[0], size);
        if ((emu_res & mask) != ((op == 7 || op == 8 ? a : hw_res) & mask) ||
            g.regs.rflags != (hw_flags & (arith | F_FIXED))) {
            print_error("iter %u: op %u size %u a 0x%llx b 0x%llx flags 0x%llx: host 0x%llx/0x%llx, "
                        "emulated 0x%llx/0x%llx\n", iter, op, size, (unsigned long long)a,
                        (unsigned long long)b, (unsigned long long)flags_in,
                        (unsigned long long)hw_res, (unsigned long long)hw_flags,
                        (unsigned long long)emu_res, (unsigned long long)g.regs.rflags);
            fail();
        }
    }
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_mov_cases),
        cmocka_unit_test(test_alu_cases),
        cmocka_unit_test(test_mov_cases_cached),
        cmocka_unit_test(test_alu_cases_cached),
        cmocka_unit_test(test_string_cases),
        cmocka_unit_test(test_rep_limit),
        cmocka_unit_test(test_walk_paging_off),
        cmocka_unit_test(test_linear_address_hint),
        cmocka_unit_test(test_walk_32bit),
        cmocka_unit_test(test_walk_pae),
        cmocka_unit_test(test_walk_4level),
        cmocka_unit_test(test_fetch_cross_page),
        cmocka_unit_test(test_fetch_end_of_ram),
        cmocka_unit_test(test_undecodable),
        cmocka_unit_test(test_unmapped_fetch),
        cmocka_unit_test(test_data_errors),
        cmocka_unit_test(test_dcache_bytes),
        cmocka_unit_test(test_dcache_cr3),
        cmocka_unit_test(test_dcache_cross_page),
        cmocka_unit_test(test_fast_path),
#if defined(__x86_64__)
        cmocka_unit_test(test_flags_vs_host_cpu),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
