/*
 * fpufork: a user program in the Linux guest's initramfs that checks the
 * guest kernel's FPU context switching across fork: it loads a pattern into
 * YMM3 and YMM9 (XMM3/XMM9 without AVX), forks with a raw system call,
 * and parent and child both check the registers right after it returns.
 * The child spins a while (so timer ticks and other tasks come between)
 * and reports through its exit status; the parent waits.
 *
 * This is what found Bochs 2.7's XSAVEC bug (README, "Bochs 2.7's XSAVEC"):
 * with XSAVEC offered, every child saw wrong YMM registers and the kernel's
 * XRSTOR raised #GP ("Bad FPU state detected"). No libc: see nolibc.h.
 */
#include "nolibc.h"

#define FORKS     300

static int have_avx;

/* Loads YMM3/YMM9 from in, forks, stores them to out[0..7] / out[8..15];
 * returns fork's result (0 in the child). */
static long fork_with_regs(const unsigned *in, unsigned *out)
{
    long ret;
    if (have_avx)
        __asm__ volatile("vmovdqu (%2), %%ymm3\n\tvmovdqu (%2), %%ymm9\n\t"
                         "syscall\n\t"
                         "vmovdqu %%ymm3, (%3)\n\tvmovdqu %%ymm9, 32(%3)"
                         : "=a"(ret) : "a"((long)SYS_fork), "r"(in), "r"(out)
                         : "rcx", "r11", "memory", "xmm3", "xmm9");
    else
        __asm__ volatile("movdqu (%2), %%xmm3\n\tmovdqu (%2), %%xmm9\n\t"
                         "syscall\n\t"
                         "movdqu %%xmm3, (%3)\n\tmovdqu %%xmm9, 32(%3)"
                         : "=a"(ret) : "a"((long)SYS_fork), "r"(in), "r"(out)
                         : "rcx", "r11", "memory", "xmm3", "xmm9");
    return ret;
}

static int wrong(const unsigned *in, const unsigned *out)
{
    int n = have_avx ? 8 : 4;
    for (int i = 0; i < n; i++)
        if (out[i] != in[i] || out[8 + i] != in[i])
            return 1;
    return 0;
}

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    unsigned a, b, c, d, xcr0_lo = 0, xcr0_hi;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if ((c >> 27) & 1)                     /* OSXSAVE: XGETBV may be used */
        __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    have_avx = ((c >> 28) & 1) && (xcr0_lo & 6) == 6;

    unsigned bad_parent = 0, bad_child = 0;
    for (unsigned i = 0; i < FORKS; i++) {
        unsigned in[8], out[16];
        for (int k = 0; k < 8; k++)
            in[k] = i * 2654435761u + (unsigned)k + 1;
        long pid = fork_with_regs(in, out);
        if (pid == 0) {
            volatile unsigned long x = 0;
            for (unsigned k = 0; k < 3000 * (i % 7); k++)
                x += k;
            sys4(SYS_exit, wrong(in, out), 0, 0, 0);
        }
        if (pid < 0)
            break;
        bad_parent += wrong(in, out);
        int status = 0;
        sys4(SYS_wait4, pid, (long)&status, 0, 0);
        if ((status & 0x7F) || ((status >> 8) & 0xFF))
            bad_child++;
    }

    char buf[160], *p = buf;
    p = put_str(p, "fpufork: ");
    p = put_dec(p, FORKS);
    p = put_str(p, have_avx ? " forks with YMM3/YMM9 live: " : " forks with XMM3/XMM9 live: ");
    p = put_dec(p, bad_parent);
    p = put_str(p, " wrong in the parent, ");
    p = put_dec(p, bad_child);
    p = put_str(p, " wrong in the child\n");
    sys4(SYS_write, 1, (long)buf, p - buf, 0);
    sys4(SYS_exit, 0, 0, 0, 0);
    for (;;)
        ;
}
