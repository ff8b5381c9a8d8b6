/*
 * fpustress: XSAVE/XSAVEOPT/XSAVEC and XRSTOR of x87, SSE and AVX state,
 * hammered across timer interrupts, VM exits and (with two copies side by
 * side) guest switches. It runs the same way natively under Bochs (GRUB's
 * `multiboot` command), which tells a CPU (emulator) problem from ours.
 *
 * Each round loads a pattern into the x87 stack, FCW, MXCSR, XMM0-7 and the
 * upper halves of YMM0-7, causes exits (CPUID, OUT), saves the state with
 * one of the instructions into one of two 64-byte aligned areas, checks the
 * image's header (SDM Vol. 1 "XSAVE Header": XSTATE_BV within RFBM; for
 * XSAVEC, XCOMP_BV = bit 63 | RFBM; reserved bytes zero), clobbers every
 * register, restores with XRSTOR and checks every register. Like Linux's
 * fork, some rounds copy the image to another area before restoring it.
 * The PIT interrupts at 1 kHz; its handler saves the interrupted state with
 * XSAVEC, clobbers the registers and restores them, as a kernel using the
 * FPU in an interrupt would.
 *
 * First it probes where XSAVEC puts the AVX state (YMM_Hi128): the SDM's
 * compacted format puts the first extended component right after the
 * header, at offset 576. Bochs 2.7 puts it at 416 (160 + the SSE area's
 * 256 bytes), over the end of the legacy area and the header, so XRSTOR of
 * the image raises #GP or loads wrong registers (README, "Bochs 2.7's
 * XSAVEC"). The guest then leaves XSAVEC out. The hypervisor probes the same
 * and does not offer XSAVEC to guests on such a CPU.
 *
 * Command line: rounds=N (default 20000); xsavec=force uses XSAVEC even
 * where CPUID does not offer it (to run the probe under the hypervisor).
 */
#include "guest.h"

#define CPUID1_ECX_XSAVE    (1u << 26)
#define CPUID1_ECX_AVX      (1u << 28)
#define CPUIDD1_EAX_XSAVEOPT (1u << 0)
#define CPUIDD1_EAX_XSAVEC  (1u << 1)
#define CR0_EM              (1u << 2)
#define CR0_TS              (1u << 3)
#define CR0_MP              (1u << 1)
#define CR4_OSFXSR          (1u << 9)
#define CR4_OSXMMEXCPT      (1u << 10)
#define CR4_OSXSAVE         (1u << 18)
#define XCR0_X87            (1u << 0)
#define XCR0_SSE            (1u << 1)
#define XCR0_AVX            (1u << 2)
#define XSAVE_MXCSR         24
#define XSAVE_HEADER        512
#define XSAVE_AREA          4096
#define XSAVE_EXT_COMPACTED 576           /* first extended component, compacted */
#define IRQ0_VECTOR         PIC_MASTER_VECTOR

enum method { M_XSAVE, M_XSAVEOPT, M_XSAVEC, M_COUNT };
static const char *const method_name[M_COUNT] = { "XSAVE", "XSAVEOPT", "XSAVEC" };

static uint8_t area[3][XSAVE_AREA] __attribute__((aligned(64)));
static uint8_t irq_area[XSAVE_AREA] __attribute__((aligned(64)));
static uint32_t xcr0;
static bool have_avx, have_xsaveopt, have_xsavec, xsavec_offered;
static volatile uint32_t ticks, irq_bad;

/* What a round loads: 8 x87 integers, FCW, MXCSR, 8 XMM and 8 YMM-high
 * 128-bit values. */
struct fpstate {
    int32_t st[8];
    uint16_t fcw;
    uint32_t mxcsr;
    uint32_t xmm[8][4];
    uint32_t ymmh[8][4];
};

static inline void xsetbv0(uint32_t v)
{
    __asm__ volatile("xsetbv" :: "a"(v), "d"(0), "c"(0));
}

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
    return x;
}

static void make_pattern(struct fpstate *s, uint32_t seed)
{
    for (int i = 0; i < 8; i++)
        s->st[i] = (int32_t)(mix(seed * 8 + i) & 0x3FFFFFFF) - 0x1FFFFFFF;
    s->fcw = (seed & 1) ? 0x027F : 0x037F;                 /* 53- or 64-bit precision */
    s->mxcsr = 0x1F80 | ((seed & 2) ? 0x8000 : 0) | ((seed & 4) ? 0x2000 : 0);   /* FZ, RC */
    for (int r = 0; r < 8; r++)
        for (int k = 0; k < 4; k++) {
            s->xmm[r][k] = mix(seed * 64 + r * 4 + k + 1);
            s->ymmh[r][k] = mix(seed * 64 + r * 4 + k + 0x55555);
        }
}

#define FOR_8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

static void load_state(const struct fpstate *s)
{
    __asm__ volatile("fninit; fldcw %0" :: "m"(s->fcw));
    for (int i = 0; i < 8; i++)
        __asm__ volatile("fildl %0" :: "m"(s->st[i]));
    __asm__ volatile("ldmxcsr %0" :: "m"(s->mxcsr));
#define LOADX(n) __asm__ volatile("movdqu %0, %%xmm" #n :: "m"(s->xmm[n]));
    FOR_8(LOADX)
    if (have_avx) {
#define LOADY(n) __asm__ volatile("vinsertf128 $1, %0, %%ymm" #n ", %%ymm" #n :: "m"(s->ymmh[n]));
        FOR_8(LOADY)
    }
}

/* Reads the registers back; pops the x87 stack (st[i] comes back reversed). */
static void store_state(struct fpstate *s)
{
    for (int i = 7; i >= 0; i--)
        __asm__ volatile("fistpl %0" : "=m"(s->st[i]));
    __asm__ volatile("fnstcw %0" : "=m"(s->fcw));
    __asm__ volatile("stmxcsr %0" : "=m"(s->mxcsr));
#define STOREX(n) __asm__ volatile("movdqu %%xmm" #n ", %0" : "=m"(s->xmm[n]));
    FOR_8(STOREX)
    if (have_avx) {
#define STOREY(n) __asm__ volatile("vextractf128 $1, %%ymm" #n ", %0" : "=m"(s->ymmh[n]));
        FOR_8(STOREY)
    } else {
        memset(s->ymmh, 0, sizeof(s->ymmh));
    }
}

/* Saves with method m. The header is cleared first: a standard-form save
 * leaves XCOMP_BV alone, and one left by XSAVEC would make XRSTOR read the
 * image as compacted (SDM Vol. 1 "XSAVE Header"). */
static void xsave_any(enum method m, void *a, uint32_t rfbm)
{
    memset((uint8_t *)a + XSAVE_HEADER, 0, 64);
    switch (m) {
    case M_XSAVE:    __asm__ volatile("xsave (%0)" :: "r"(a), "a"(rfbm), "d"(0) : "memory"); break;
    case M_XSAVEOPT: __asm__ volatile("xsaveopt (%0)" :: "r"(a), "a"(rfbm), "d"(0) : "memory"); break;
    case M_XSAVEC:   __asm__ volatile("xsavec (%0)" :: "r"(a), "a"(rfbm), "d"(0) : "memory"); break;
    default: break;
    }
}

static void xrstor(const void *a, uint32_t rfbm)
{
    __asm__ volatile("xrstor (%0)" :: "r"(a), "a"(rfbm), "d"(0) : "memory");
}

/* XRSTOR under catch_fault (which takes no arguments). */
static const void *xrstor_src;
static uint32_t xrstor_rfbm;
static void xrstor_caught(void)
{
    xrstor(xrstor_src, xrstor_rfbm);
}

/* Where XSAVEC stores YMM_Hi128 of register 0: the offset of a pattern
 * loaded there, or -1 if it is not in the image. */
static int xsavec_avx_offset(void)
{
    static uint32_t pat[4] = { 0x5A17C0DE, 0x0FF5E7A5, 0xC0FFEE11, 0x12345678 };
    __asm__ volatile("vzeroupper; vinsertf128 $1, %0, %%ymm0, %%ymm0" :: "m"(pat));
    memset(irq_area, 0, XSAVE_AREA);
    __asm__ volatile("xsavec (%0)" :: "r"(irq_area), "a"(xcr0), "d"(0) : "memory");
    __asm__ volatile("vzeroupper");
    for (int off = 0; off + 16 <= XSAVE_AREA; off += 16)
        if (memcmp(irq_area + off, pat, 16) == 0)
            return off;
    return -1;
}

/* The checks XRSTOR makes on an image (SDM Vol. 1 "Operation of XRSTOR"):
 * 0 when it is well formed for `m`, else a code naming the problem. */
static int header_problem(const uint8_t *a, enum method m, uint32_t rfbm)
{
    const uint64_t *h = (const uint64_t *)(a + XSAVE_HEADER);
    uint32_t mxcsr = *(const uint32_t *)(a + XSAVE_MXCSR);
    if (h[0] & ~(uint64_t)rfbm)
        return 1;                                  /* XSTATE_BV beyond RFBM */
    if (m == M_XSAVEC) {
        if (h[1] != ((1ull << 63) | rfbm))
            return 2;                              /* XCOMP_BV */
    } else if (h[1]) {
        return 3;                                  /* XCOMP_BV in standard form */
    }
    for (int i = 2; i < 8; i++)
        if (h[i])
            return 4;                              /* reserved header bytes */
    if (mxcsr & 0xFFFF0000u)
        return 5;                                  /* MXCSR reserved bits */
    return 0;
}

static bool same(const struct fpstate *a, const struct fpstate *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

static void irq0(unsigned vector)
{
    (void)vector;
    static struct fpstate junk, back;
    /* Save what was interrupted, use the registers, put it back. */
    enum method m = have_xsavec ? M_XSAVEC : M_XSAVE;
    xsave_any(m, irq_area, xcr0);
    make_pattern(&junk, 0xDEAD0000u + ticks);
    load_state(&junk);
    store_state(&back);
    if (!same(&junk, &back))
        irq_bad++;
    xrstor(irq_area, xcr0);
    ticks++;
    pic_eoi(0);
}

/* The value of a `key=N` word on the command line, else dflt. */
static uint32_t arg_value(const char *cmdline, const char *key, uint32_t dflt)
{
    size_t klen = strlen(key), len;
    const char *w;
    while ((w = next_word(&cmdline, &len)) != NULL) {
        if (len <= klen || strncmp(w, key, klen) != 0)
            continue;
        uint32_t v = 0;
        for (size_t i = klen; i < len && w[i] >= '0' && w[i] <= '9'; i++)
            v = v * 10 + (uint32_t)(w[i] - '0');
        return v;
    }
    return dflt;
}

int main(uint32_t magic, struct mb1_info *info)
{
    test_begin("fpustress");
    const char *cmdline = "";
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_CMDLINE))
        cmdline = (const char *)(uintptr_t)info->cmdline;
    uint32_t rounds = arg_value(cmdline, "rounds=", 20000);
    bool force_xsavec = has_word(cmdline, "xsavec=force");

    struct cpuid_regs c1 = cpuid(1, 0);
    if (!(c1.ecx & CPUID1_ECX_XSAVE)) {
        note("no XSAVE on this CPU: nothing to test");
        return test_end();
    }
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE);
    struct cpuid_regs d0 = cpuid(0xD, 0), d1 = cpuid(0xD, 1);
    have_avx = (c1.ecx & CPUID1_ECX_AVX) && (d0.eax & XCR0_AVX);
    have_xsaveopt = d1.eax & CPUIDD1_EAX_XSAVEOPT;
    xsavec_offered = d1.eax & CPUIDD1_EAX_XSAVEC;
    have_xsavec = xsavec_offered || force_xsavec;
    xcr0 = XCR0_X87 | XCR0_SSE | (have_avx ? XCR0_AVX : 0);
    xsetbv0(xcr0);
    note("XCR0 0x%x, XSAVEOPT %d, XSAVEC %d%s, %u rounds", xcr0, have_xsaveopt, xsavec_offered,
         force_xsavec ? " (used anyway: xsavec=force)" : "", rounds);
    if (have_xsavec && have_avx) {
        int off = xsavec_avx_offset();
        if (off == XSAVE_EXT_COMPACTED) {
            note("XSAVEC puts the AVX state at offset %d, as the SDM says", off);
        } else {
            note("XSAVEC puts the AVX state at offset %d, not %d: a CPU bug; XSAVEC left out",
                 off, XSAVE_EXT_COMPACTED);
            have_xsavec = false;
        }
    }

    irq_install(IRQ0_VECTOR, irq0);
    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    pit_start_periodic(1000);
    pic_unmask(0);
    sti();

    static struct fpstate want, junk, got;
    uint32_t bad_regs[M_COUNT] = { 0 }, bad_header[M_COUNT] = { 0 }, done[M_COUNT] = { 0 };
    uint32_t first_problem = 0;
    for (uint32_t i = 0; i < rounds; i++) {
        enum method m = (enum method)(i % M_COUNT);
        if ((m == M_XSAVEOPT && !have_xsaveopt) || (m == M_XSAVEC && !have_xsavec))
            m = M_XSAVE;
        uint8_t *a = area[i & 1];
        /* A partial RFBM now and then (x87 always: XRSTOR below restores all). */
        uint32_t rfbm = (i % 7 == 3) ? (xcr0 & ~XCR0_AVX) : xcr0;

        make_pattern(&want, i);
        load_state(&want);
        (void)cpuid(0, 0);                          /* VM exits with live state */
        outb(0x80, (uint8_t)i);
        xsave_any(m, a, rfbm);
        int hp = header_problem(a, m, rfbm);
        if (hp) {
            if (!bad_header[m]++ && !first_problem)
                first_problem = (i << 4) | (uint32_t)hp;
        }
        uint8_t *src = a;
        if (i % 5 == 2) {                           /* like fork: restore a copy */
            memcpy(area[2], a, XSAVE_AREA);
            src = area[2];
        }
        make_pattern(&junk, ~i);
        store_state(&got);                          /* empties the x87 stack */
        load_state(&junk);
        /* Components outside a partial RFBM were neither saved nor are they
         * restored: they keep the junk. */
        if (rfbm != xcr0)
            memcpy(want.ymmh, junk.ymmh, sizeof(want.ymmh));
        xrstor_src = src;
        xrstor_rfbm = rfbm;
        if (catch_fault(xrstor_caught) != NO_FAULT) {
            if (!bad_header[m]++ && !first_problem)
                first_problem = (i << 4) | 6;      /* XRSTOR faulted */
            load_state(&want);                      /* keep counting rounds */
        }
        store_state(&got);
        if (!same(&want, &got) && !bad_regs[m]++ && !first_problem)
            first_problem = (i << 4) | 0xF;
        done[m]++;
    }
    cli();
    pic_mask(0);

    for (int m = 0; m < M_COUNT; m++) {
        if (!done[m])
            continue;
        check(bad_regs[m] == 0 && bad_header[m] == 0,
              "%s: %u rounds, registers wrong after XRSTOR in %u, bad image or XRSTOR #GP in %u",
              method_name[m], done[m], bad_regs[m], bad_header[m]);
    }
    check(irq_bad == 0 && ticks > 0, "timer interrupts using the FPU: %u, %u saw wrong registers",
          ticks, irq_bad);
    if (first_problem)
        note("first problem in round %u (code %u: 1-5 bad header, 6 XRSTOR fault, 15 registers)",
             first_problem >> 4, first_problem & 0xF);
    int rc = test_end();
    /* Natively under Bochs there is no debug-exit device: end Bochs, once
     * the UART has sent everything (LSR bit 6, transmitter empty). */
    outb(DEBUG_EXIT_PORT, (uint8_t)rc);
    for (int i = 0; i < 1000000 && !(inb(COM1_LSR) & 0x40); i++)
        ;
    for (const char *s = "Shutdown"; *s; s++)
        outb(0x8900, (uint8_t)*s);
    return rc;
}
