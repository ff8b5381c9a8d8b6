/*
 * cpustate: the CPU state the hypervisor must keep per guest. Two copies
 * run side by side (`-- id=1`, `-- id=2`) with a short time slice.
 *
 * First XSETBV: #UD while CR4.OSXSAVE = 0; then #GP(0) for ECX != 0 and
 * for every invalid value (x87 clear, AVX without SSE, components not
 * offered: AVX-512 whole or in part, MPX, PKRU, AMX, reserved bits) and
 * at CPL 3, with XCR0 unchanged; valid values are taken and
 * CPUID.(0xD,0).EBX follows. Protection keys are not offered: CPUID hides
 * PKU and setting CR4.PKE raises #GP.
 *
 * Then each copy plants its own values (derived from its id) in DR0-DR3,
 * DR6, DR7, CR2, XCR0 (id 1: x87|SSE, id 2: x87|SSE|AVX where offered), the
 * x87 stack and control word, XMM0-7 (YMM0-7 with AVX) and MXCSR, STAR,
 * LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, SYSENTER_CS/ESP/EIP and TSC_AUX
 * (also read by RDTSCP where offered), and spins. A TSC jump of more than
 * a millisecond means the other guest ran; everything is read back after
 * each one. After SWITCHES of them it prints each value it reads.
 */
#include "guest.h"

#define SWITCHES      8         /* stop after this many switches ... */
#define MIN_SWITCHES  5         /* ... and want at least this many */
#define BUDGET_MS     2000      /* give up after this much TSC time */

#define CPUID1_ECX_XSAVE    (1u << 26)
#define CPUID1_ECX_OSXSAVE  (1u << 27)
#define CPUID1_ECX_AVX      (1u << 28)
#define CPUID_EXT1_EDX_RDTSCP (1u << 27)
#define XCR0_X87  1u
#define XCR0_SSE  2u
#define XCR0_AVX  4u
#define DR6_FIXED 0xFFFF0FF0u   /* DR6 bits that read as 1 */
#define DR6_GUEST 0x0000E00Fu   /* B0-B3, BD, BS, BT: software may write them */

static const uint32_t msr_index[] = {
    MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK, MSR_IA32_KERNEL_GS_BASE,
    MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC_AUX,
};
static const char *const msr_name[] = {
    "STAR", "LSTAR", "CSTAR", "FMASK", "KERNEL_GS_BASE",
    "SYSENTER_CS", "SYSENTER_ESP", "SYSENTER_EIP", "TSC_AUX",
};
#define NMSR   (sizeof(msr_index) / sizeof(msr_index[0]))
#define TSC_AUX_SLOT 8

struct state {
    uint32_t dr[4], dr6, dr7, cr2;
    uint64_t xcr0;
    uint64_t msr[NMSR];
    uint32_t rdtscp_aux;
    uint16_t fcw;
    int32_t fpu[4];             /* ST0-ST3 */
    uint32_t mxcsr;
    uint8_t vec[8][32];         /* XMM0-7, or YMM0-7 with AVX */
};

static bool has_avx, has_rdtscp;
static unsigned vec_bytes;      /* 16 (XMM) or 32 (YMM) */

/* ---- XSETBV ---------------------------------------------------------------------- */

static uint32_t xs_ecx;
static uint64_t xs_value;

static void do_xsetbv(void)
{
    xsetbv(xs_ecx, xs_value);
}

static int try_xsetbv(uint32_t ecx, uint64_t value)
{
    xs_ecx = ecx;
    xs_value = value;
    return catch_fault(do_xsetbv);
}

static const struct {
    uint32_t ecx;
    uint64_t value;
    const char *what;
} bad_xsetbv[] = {
    { 1, 0x3, "ECX = 1" },
    { 0, 0x0, "x87 clear" },
    { 0, 0x2, "x87 clear, SSE set" },
    { 0, 0x5, "AVX without SSE" },
    { 0, 0xE7, "AVX-512 (not offered)" },
    { 0, 0x27, "AVX-512 opmask alone" },
    { 0, 0x1B, "MPX (not offered)" },
    { 0, 0x203, "PKRU (not offered)" },
    { 0, 0x60003, "AMX (not offered)" },
    { 0, 0x103, "reserved bit 8" },
    { 0, 0x100000003ull, "reserved bit 32" },
    { 0, 0x8000000000000003ull, "reserved bit 63" },
};

/* XSETBV at CPL 3 needs ring-3 segments and a TSS for the way back: a
 * GDT that extends the library's (same code and data selectors). */
#define SEL_CODE3  (0x18u | 3)
#define SEL_DATA3  (0x20u | 3)
#define SEL_TSS    0x28u

static uint64_t gdt3[6] __attribute__((aligned(8)));
static uint32_t tss[26] __attribute__((aligned(8)));     /* 104 bytes */
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));
static uint8_t ring3_stack[1024] __attribute__((aligned(16)));
extern const char cpl3_xsetbv[];

static void setup_ring3(void)
{
    uint32_t base = (uint32_t)(uintptr_t)tss;
    gdt3[1] = 0x00CF9A000000FFFFull;          /* SEL_CODE */
    gdt3[2] = 0x00CF92000000FFFFull;          /* SEL_DATA */
    gdt3[3] = 0x00CFFA000000FFFFull;          /* ring-3 code */
    gdt3[4] = 0x00CFF2000000FFFFull;          /* ring-3 data */
    gdt3[5] = (sizeof(tss) - 1) | (uint64_t)(base & 0xFFFFFF) << 16 |
              0x89ull << 40 | (uint64_t)(base >> 24) << 56;      /* 32-bit TSS */
    tss[1] = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));   /* ESP0 */
    tss[2] = SEL_DATA;                                                   /* SS0 */
    tss[25] = (uint32_t)sizeof(tss) << 16;    /* I/O map base: none */
    struct table_ptr p = { sizeof(gdt3) - 1, (uint32_t)(uintptr_t)gdt3 };
    __asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(p), "r"(SEL_TSS) : "memory");
}

/* IRET to ring 3 and XSETBV 3 there; a UD2 brings us back if it passes. */
static void do_xsetbv_cpl3(void)
{
    __asm__ volatile("mov %w0, %%ds\n\t"
                     "mov %w0, %%es\n\t"
                     "pushl %0\n\t"
                     "pushl %1\n\t"
                     "pushfl\n\t"
                     "pushl %2\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:\txorl %%ecx, %%ecx\n\t"
                     "xorl %%edx, %%edx\n\t"
                     "movl $3, %%eax\n"
                     ".globl cpl3_xsetbv\n"
                     "cpl3_xsetbv:\n\t"
                     "xsetbv\n\t"
                     "ud2"
                     : : "r"(SEL_DATA3), "r"(ring3_stack + sizeof(ring3_stack)), "r"(SEL_CODE3)
                     : "eax", "ecx", "edx", "memory");
}

static void xsetbv_cpl3_check(void)
{
    setup_ring3();
    int vec = catch_fault(do_xsetbv_cpl3);
    __asm__ volatile("mov %w0, %%ds\n\tmov %w0, %%es" : : "r"(SEL_DATA));
    uint64_t now = xgetbv(0);
    check(vec == VEC_GP && last_fault.error_code == 0 &&
          last_fault.eip == (uint32_t)(uintptr_t)cpl3_xsetbv && now == XCR0_X87,
          "XSETBV at CPL 3 raises #GP(0): vector %d, error code 0x%x, at the XSETBV %s, XCR0 0x%llx",
          vec, vec == NO_FAULT ? 0 : last_fault.error_code,
          last_fault.eip == (uint32_t)(uintptr_t)cpl3_xsetbv ? "yes" : "no", now);
}

/* CPUID.(0xD,0).EBX for XCR0 = x87|SSE(|AVX): the legacy area and header,
 * and the AVX component where it ends. */
static uint32_t expected_xsave_size(uint64_t xcr0)
{
    uint32_t size = 576;
    if (xcr0 & XCR0_AVX) {
        struct cpuid_regs avx = cpuid(0xD, 2);
        if (avx.ebx + avx.eax > size)
            size = avx.ebx + avx.eax;
    }
    return size;
}

static void xsetbv_checks(void)
{
    bool xsave = cpuid(1, 0).ecx & CPUID1_ECX_XSAVE;
    check(xsave, "CPUID.1:ECX.XSAVE offered");
    if (!xsave)
        return;

    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    int vec = try_xsetbv(0, 0x3);
    check(vec == VEC_UD, "XSETBV with CR4.OSXSAVE = 0 raises #UD: vector %d", vec);

    write_cr4(read_cr4() | CR4_OSXSAVE);
    check(cpuid(1, 0).ecx & CPUID1_ECX_OSXSAVE, "CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE");
    check_eq64("XCR0 at start", xgetbv(0), XCR0_X87);

    struct cpuid_regs d = cpuid(0xD, 0);
    uint64_t offered = (uint64_t)d.edx << 32 | d.eax;
    has_avx = (offered & XCR0_AVX) && (cpuid(1, 0).ecx & CPUID1_ECX_AVX);
    check(offered == (XCR0_X87 | XCR0_SSE) || offered == (XCR0_X87 | XCR0_SSE | XCR0_AVX),
          "CPUID.(0xD,0) offers XCR0 components 0x%llx (x87, SSE%s)", offered,
          has_avx ? ", AVX" : "");

    for (unsigned i = 0; i < sizeof(bad_xsetbv) / sizeof(bad_xsetbv[0]); i++) {
        vec = try_xsetbv(bad_xsetbv[i].ecx, bad_xsetbv[i].value);
        uint64_t now = xgetbv(0);
        check(vec == VEC_GP && last_fault.error_code == 0 && now == XCR0_X87,
              "XSETBV ECX=%u 0x%llx (%s) raises #GP(0): vector %d, error code 0x%x, XCR0 0x%llx",
              bad_xsetbv[i].ecx, bad_xsetbv[i].value, bad_xsetbv[i].what, vec,
              vec == NO_FAULT ? 0 : last_fault.error_code, now);
    }

    xsetbv_cpl3_check();

    uint64_t good[] = { XCR0_X87 | XCR0_SSE, XCR0_X87 | XCR0_SSE | XCR0_AVX };
    for (unsigned i = 0; i < (has_avx ? 2u : 1u); i++) {
        vec = try_xsetbv(0, good[i]);
        uint64_t now = xgetbv(0);
        uint32_t size = cpuid(0xD, 0).ebx;
        check(vec == NO_FAULT && now == good[i] && size == expected_xsave_size(good[i]),
              "XSETBV 0x%llx taken: XCR0 0x%llx, CPUID.(0xD,0).EBX %u (expected %u), vector %d",
              good[i], now, size, expected_xsave_size(good[i]), vec);
    }
}

/* Protection keys are not offered (PKRU is not switched between guests):
 * CPUID hides PKU and CR4.PKE cannot be set. */
#define CPUID7_ECX_PKU_OSPKE  (3u << 3)
#define CR4_PKE               (1u << 22)

static void set_pke(void)
{
    write_cr4(read_cr4() | CR4_PKE);
}

static void pkeys_checks(void)
{
    uint32_t ecx = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).ecx : 0;
    check(!(ecx & CPUID7_ECX_PKU_OSPKE), "CPUID.7:ECX.PKU and OSPKE clear: ECX 0x%x", ecx);
    int vec = catch_fault(set_pke);
    uint32_t cr4 = read_cr4();
    check(vec == VEC_GP && !(cr4 & CR4_PKE),
          "setting CR4.PKE raises #GP: vector %d, CR4 0x%x", vec, cr4);
}

/* ---- planting and reading back ------------------------------------------------------- */

static void markers(unsigned id, struct state *s)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < 4; i++)
        s->dr[i] = 0xDB000000u | id << 16 | i << 8 | i;
    s->dr6 = DR6_FIXED | (id == 1 ? 0x5u : 0x400Au);       /* B0|B2, or B1|B3|BS */
    s->dr7 = 0x400u | (id == 1 ? 0x09u : 0x90u);           /* L0|G1, or L2|G3 */
    s->cr2 = 0xC2C20000u | id;
    s->xcr0 = XCR0_X87 | XCR0_SSE | (id != 1 && has_avx ? XCR0_AVX : 0);
    s->msr[0] = 0x5354415200000000ull | id;                /* STAR */
    s->msr[1] = 0xFFFFFFFF81000000ull | id << 12;          /* LSTAR (canonical) */
    s->msr[2] = 0xFFFFFFFF82000000ull | id << 12;          /* CSTAR */
    s->msr[3] = 0x00047700u | id;                          /* FMASK: 32 bits */
    s->msr[4] = 0xFFFF888000000000ull | (uint64_t)id << 24; /* KERNEL_GS_BASE */
    s->msr[5] = 0x08u * (id + 1);                          /* SYSENTER_CS */
    s->msr[6] = 0x00E50000u | id;                          /* SYSENTER_ESP */
    s->msr[7] = 0x00E10000u | id;                          /* SYSENTER_EIP */
    s->msr[8] = 0x7A000000u | id;                          /* TSC_AUX: 32 bits */
    s->rdtscp_aux = has_rdtscp ? (uint32_t)s->msr[8] : 0;
    s->fcw = (uint16_t)(0x037F | (id & 3) << 10);          /* rounding control */
    for (unsigned i = 0; i < 4; i++)
        s->fpu[i] = (int32_t)(id * 1000 + i + 1) * (i % 2 ? -1 : 1);
    s->mxcsr = 0x1F80u | (id & 3) << 13;                   /* rounding control */
    for (unsigned r = 0; r < 8; r++)
        for (unsigned b = 0; b < vec_bytes; b++)
            s->vec[r][b] = (uint8_t)(id << 6 ^ r << 3 ^ b * 37);
}

#define VEC_LOAD(r)  __asm__ volatile("movdqu %0, %%xmm" #r : : "m"(s->vec[r][0]))
#define VEC_STORE(r) __asm__ volatile("movdqu %%xmm" #r ", %0" : "=m"(s->vec[r][0]))
#define YMM_LOAD(r)  __asm__ volatile("vmovdqu %0, %%ymm" #r : : "m"(s->vec[r][0]))
#define YMM_STORE(r) __asm__ volatile("vmovdqu %%ymm" #r ", %0" : "=m"(s->vec[r][0]))
/* ST(i) without popping the stack: push a copy, store and pop the copy. */
#define FPU_STORE(i) __asm__ volatile("fld %%st(" #i ")\n\tfistpl %0" : "=m"(s->fpu[i]))

static void plant(const struct state *s)
{
    for (unsigned i = 0; i < NMSR; i++)
        if (i != TSC_AUX_SLOT || has_rdtscp)
            wrmsr(msr_index[i], s->msr[i]);
    write_dr0(s->dr[0]);
    write_dr1(s->dr[1]);
    write_dr2(s->dr[2]);
    write_dr3(s->dr[3]);
    write_dr6(s->dr6);
    write_dr7(s->dr7);
    write_cr2(s->cr2);
    xsetbv(0, s->xcr0);
    __asm__ volatile("fninit\n\tfldcw %0" : : "m"(s->fcw));
    for (int i = 3; i >= 0; i--)
        __asm__ volatile("fildl %0" : : "m"(s->fpu[i]));
    __asm__ volatile("ldmxcsr %0" : : "m"(s->mxcsr));
    if (s->xcr0 & XCR0_AVX) {
        YMM_LOAD(0); YMM_LOAD(1); YMM_LOAD(2); YMM_LOAD(3);
        YMM_LOAD(4); YMM_LOAD(5); YMM_LOAD(6); YMM_LOAD(7);
    } else {
        VEC_LOAD(0); VEC_LOAD(1); VEC_LOAD(2); VEC_LOAD(3);
        VEC_LOAD(4); VEC_LOAD(5); VEC_LOAD(6); VEC_LOAD(7);
    }
}

/* Reads everything back without changing it (no VM exit either, except
 * the MSRs that are not passed through). */
static void read_back(struct state *s, uint64_t xcr0)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < NMSR; i++)
        if (i != TSC_AUX_SLOT || has_rdtscp)
            s->msr[i] = rdmsr(msr_index[i]);
    if (has_rdtscp)
        rdtscp(&s->rdtscp_aux);
    s->dr[0] = read_dr0();
    s->dr[1] = read_dr1();
    s->dr[2] = read_dr2();
    s->dr[3] = read_dr3();
    s->dr6 = read_dr6();
    s->dr7 = read_dr7();
    s->cr2 = read_cr2();
    s->xcr0 = xgetbv(0);
    __asm__ volatile("fnstcw %0" : "=m"(s->fcw));
    FPU_STORE(0); FPU_STORE(1); FPU_STORE(2); FPU_STORE(3);
    __asm__ volatile("stmxcsr %0" : "=m"(s->mxcsr));
    if (xcr0 & XCR0_AVX) {
        YMM_STORE(0); YMM_STORE(1); YMM_STORE(2); YMM_STORE(3);
        YMM_STORE(4); YMM_STORE(5); YMM_STORE(6); YMM_STORE(7);
    } else {
        VEC_STORE(0); VEC_STORE(1); VEC_STORE(2); VEC_STORE(3);
        VEC_STORE(4); VEC_STORE(5); VEC_STORE(6); VEC_STORE(7);
    }
}

/* Names the first field of `got` that differs from `want`, or NULL. */
static const char *differs(const struct state *got, const struct state *want)
{
    for (unsigned i = 0; i < 4; i++)
        if (got->dr[i] != want->dr[i])
            return "DR0-DR3";
    if ((got->dr6 & DR6_GUEST) != (want->dr6 & DR6_GUEST))
        return "DR6";
    if (got->dr7 != want->dr7)
        return "DR7";
    if (got->cr2 != want->cr2)
        return "CR2";
    if (got->xcr0 != want->xcr0)
        return "XCR0";
    for (unsigned i = 0; i < NMSR; i++)
        if (got->msr[i] != want->msr[i])
            return msr_name[i];
    if (got->rdtscp_aux != want->rdtscp_aux)
        return "RDTSCP's TSC_AUX";
    if (got->fcw != want->fcw)
        return "x87 control word";
    for (unsigned i = 0; i < 4; i++)
        if (got->fpu[i] != want->fpu[i])
            return "x87 stack";
    if (got->mxcsr != want->mxcsr)
        return "MXCSR";
    if (memcmp(got->vec, want->vec, sizeof(got->vec)) != 0)
        return vec_bytes == 32 ? "YMM registers" : "XMM registers";
    return NULL;
}

static void report(const struct state *got, const struct state *want)
{
    static const char *const dr_name[] = { "DR0", "DR1", "DR2", "DR3" };
    for (unsigned i = 0; i < 4; i++)
        check_eq(dr_name[i], got->dr[i], want->dr[i]);
    check((got->dr6 & DR6_GUEST) == (want->dr6 & DR6_GUEST),
          "DR6 = 0x%x (status bits 0x%x, expected 0x%x)", got->dr6, got->dr6 & DR6_GUEST,
          want->dr6 & DR6_GUEST);
    check_eq("DR7", got->dr7, want->dr7);
    check_eq("CR2", got->cr2, want->cr2);
    check_eq64("XCR0", got->xcr0, want->xcr0);
    for (unsigned i = 0; i < NMSR; i++) {
        if (i == TSC_AUX_SLOT && !has_rdtscp)
            continue;
        check_eq64(msr_name[i], got->msr[i], want->msr[i]);
    }
    if (has_rdtscp)
        check_eq("RDTSCP ECX", got->rdtscp_aux, want->rdtscp_aux);
    check_eq("x87 control word", got->fcw, want->fcw);
    check(memcmp(got->fpu, want->fpu, sizeof(got->fpu)) == 0,
          "x87 ST0-ST3 = %d %d %d %d (expected %d %d %d %d)", (int)got->fpu[0],
          (int)got->fpu[1], (int)got->fpu[2], (int)got->fpu[3], (int)want->fpu[0],
          (int)want->fpu[1], (int)want->fpu[2], (int)want->fpu[3]);
    check_eq("MXCSR", got->mxcsr, want->mxcsr);
    for (unsigned r = 0; r < 8; r++) {
        const uint8_t *g = got->vec[r];
        check(memcmp(g, want->vec[r], sizeof(got->vec[r])) == 0,
              "%s%u = %02x%02x%02x%02x...%02x%02x%02x%02x", vec_bytes == 32 ? "YMM" : "XMM", r,
              g[0], g[1], g[2], g[3], g[vec_bytes - 4], g[vec_bytes - 3], g[vec_bytes - 2],
              g[vec_bytes - 1]);
    }
}

/* The guest's id from its command line ("id=N"), 1 if none. */
static unsigned parse_id(const struct mb1_info *info)
{
    if (!(info->flags & MB1_INFO_CMDLINE))
        return 1;
    const char *s = (const char *)(uintptr_t)info->cmdline, *w;
    size_t len;
    while ((w = next_word(&s, &len)) != NULL)
        if (len == 4 && strncmp(w, "id=", 3) == 0 && w[3] >= '1' && w[3] <= '3')
            return (unsigned)(w[3] - '0');
    return 1;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    test_begin("cpustate");
    unsigned id = parse_id(info);
    note("guest id %u", id);

    xsetbv_checks();
    pkeys_checks();
    has_rdtscp = cpuid(0x80000000, 0).eax >= 0x80000001 &&
                 (cpuid(0x80000001, 0).edx & CPUID_EXT1_EDX_RDTSCP);

    struct state want, got;
    vec_bytes = 16;
    markers(id, &want);
    if (want.xcr0 & XCR0_AVX) {
        vec_bytes = 32;
        markers(id, &want);
    }
    plant(&want);
    note("planted: DR0 0x%x, XCR0 0x%llx, %s, RDTSCP %s", want.dr[0], want.xcr0,
         vec_bytes == 32 ? "YMM0-7" : "XMM0-7", has_rdtscp ? "offered" : "not offered");

    /* The hypervisor tells the TSC rate in CPUID leaf 0x16 (MHz). */
    uint64_t ms = (uint64_t)cpuid(0x16, 0).eax * 1000;
    if (ms == 0)
        ms = 1000000;
    unsigned switches = 0, bad = 0;
    uint64_t start = rdtsc(), prev = start;
    while (switches < SWITCHES) {
        uint64_t now = rdtsc();
        if (now - prev > ms) {
            switches++;
            read_back(&got, want.xcr0);
            const char *what = differs(&got, &want);
            if (what && bad++ == 0)
                printf("FAIL cpustate: %s changed after switch %u\n", what, switches);
            prev = rdtsc();
            continue;
        }
        prev = now;
        if (now - start > BUDGET_MS * ms)
            break;
    }
    check(switches >= MIN_SWITCHES, "%u switches to the other guest seen (TSC jumps > 1 ms)",
          switches);
    check(bad == 0, "state intact after each switch (%u differed)", bad);
    read_back(&got, want.xcr0);
    report(&got, &want);
    return test_end();
}
