/*
 * lbench: a user program in the Linux guest's initramfs that measures, with
 * RDTSC, what a busy user process pays for running where it runs: the same
 * kernel and initramfs booted natively under Bochs and as a guest of the
 * hypervisor print these lines, and tests/integration/run.py sets them side
 * by side (`make bench`). Under Bochs with `clock: sync=none` the TSC
 * advances by one per emulated instruction, so every figure is an
 * instruction count (a REP iteration counts as one), not real cycles.
 *
 * One line per row, "lbench NAME: VALUE ..." with VALUE the row's figure:
 *   loop          TSC ticks of a fixed integer loop (LOOP_ITERS iterations
 *                 of LOOP_INSNS instructions; no system calls), average of
 *                 LOOP_RUNS runs: what is above the loop's own instructions
 *                 is time taken by interruptions
 *   getppid       a getppid system call round trip (min and average)
 *   first touch   a write to a fresh anonymous page: page fault, allocation,
 *                 clear_page, mapping (min and average over TOUCH_PAGES)
 *   interruption  spinning on RDTSC for SPIN_TICKS: the gaps longer than
 *                 GAP_TICKS are time taken from the program (timer ticks
 *                 and other interrupts); their average length, and how many
 *                 there were per million TSC ticks (and, to check them,
 *                 how many interrupts /proc/interrupts counted meanwhile)
 *   cpuid         what CPUID tells user space (the string-routine bits)
 * No libc: see nolibc.h.
 */
#include "nolibc.h"

#define SYS_read    0
#define SYS_open    2
#define SYS_close   3
#define SYS_mmap    9
#define SYS_munmap  11
#define SYS_getppid 110

#define LOOP_ITERS  3000000
#define LOOP_INSNS  4                 /* add, xor, dec, jnz */
#define LOOP_RUNS   3
#define CALLS       2000
#define TOUCH_PAGES 512
#define SPIN_TICKS  20000000UL
#define GAP_TICKS   150

static inline unsigned long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long)hi << 32) | lo;
}

static void out_line(char *buf, char *end)
{
    *end++ = '\n';
    sys4(SYS_write, 1, (long)buf, end - buf, 0);
}

/* "lbench NAME: min M avg A" */
static void min_avg(const char *name, unsigned long min, unsigned long sum, unsigned long n)
{
    char buf[160], *p = buf;
    p = put_str(p, "lbench ");
    p = put_str(p, name);
    p = put_str(p, ": min ");
    p = put_dec(p, (long)min);
    p = put_str(p, " avg ");
    p = put_dec(p, (long)((sum + n / 2) / n));
    out_line(buf, p);
}

static unsigned long loop_once(void)
{
    unsigned long n = LOOP_ITERS, a = 1, b = 2;
    unsigned long t0 = rdtsc();
    __asm__ volatile("1:\n\tadd %1, %2\n\txor %2, %1\n\tdec %0\n\tjnz 1b"
                     : "+r"(n), "+r"(a), "+r"(b));
    return rdtsc() - t0;
}

static void bench_loop(void)
{
    unsigned long sum = 0, min = ~0UL;
    loop_once();                          /* warm: the code and stack pages */
    for (int i = 0; i < LOOP_RUNS; i++) {
        unsigned long t = loop_once();
        sum += t;
        if (t < min)
            min = t;
    }
    char buf[160], *p = buf;
    p = put_str(p, "lbench loop: ");
    p = put_dec(p, (long)(sum / LOOP_RUNS));
    p = put_str(p, " ticks avg, min ");
    p = put_dec(p, (long)min);
    p = put_str(p, ", the loop's own instructions ");
    p = put_dec(p, (long)LOOP_ITERS * LOOP_INSNS);
    out_line(buf, p);
}

static void bench_syscall(void)
{
    unsigned long sum = 0, min = ~0UL, base = ~0UL;
    for (int i = 0; i < 100; i++) {       /* rdtsc;rdtsc: the bracket itself */
        unsigned long t0 = rdtsc();
        unsigned long t = rdtsc() - t0;
        if (t < base)
            base = t;
    }
    sys4(SYS_getppid, 0, 0, 0, 0);
    for (int i = 0; i < CALLS; i++) {
        unsigned long t0 = rdtsc();
        sys4(SYS_getppid, 0, 0, 0, 0);
        unsigned long t = rdtsc() - t0 - base;
        sum += t;
        if (t < min)
            min = t;
    }
    min_avg("getppid", min, sum, CALLS);
}

static void bench_touch(void)
{
    const long len = TOUCH_PAGES * 4096L;
    /* PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS */
    long addr = sys6(SYS_mmap, 0, len, 3, 0x22, -1, 0);
    if (addr < 0 && addr > -4096) {
        char buf[64], *p = buf;
        p = put_str(p, "lbench first touch: mmap failed ");
        p = put_dec(p, addr);
        out_line(buf, p);
        return;
    }
    unsigned long sum = 0, min = ~0UL;
    volatile char *mem = (volatile char *)addr;
    for (long i = 0; i < TOUCH_PAGES; i++) {
        unsigned long t0 = rdtsc();
        mem[i * 4096] = 1;
        unsigned long t = rdtsc() - t0;
        sum += t;
        if (t < min)
            min = t;
    }
    sys4(SYS_munmap, addr, len, 0, 0);
    min_avg("first touch", min, sum, TOUCH_PAGES);
}

/* The sum of /proc/interrupts' counts (one CPU: the first number after
 * each line's label), to check the gaps against what the kernel counted. */
static unsigned long interrupts_counted(void)
{
    static char text[16384];
    long fd = sys4(SYS_open, (long)"/proc/interrupts", 0, 0, 0), n = 0, got;
    if (fd < 0)
        return 0;
    while (n < (long)sizeof(text) - 1 &&
           (got = sys4(SYS_read, fd, (long)text + n, (long)sizeof(text) - 1 - n, 0)) > 0)
        n += got;
    sys4(SYS_close, fd, 0, 0, 0);
    text[n < 0 ? 0 : n] = 0;
    unsigned long total = 0;
    for (char *p = text; *p; ) {
        char *eol = p;
        while (*eol && *eol != '\n')
            eol++;
        char *q = p;
        while (q < eol && *q != ':')
            q++;
        if (q < eol && p != text) {          /* the first line names the CPUs */
            q++;
            while (q < eol && *q == ' ')
                q++;
            unsigned long v = 0;
            while (q < eol && *q >= '0' && *q <= '9')
                v = v * 10 + (unsigned long)(*q++ - '0');
            total += v;
        }
        p = *eol ? eol + 1 : eol;
    }
    return total;
}

static void bench_interruption(void)
{
    unsigned long gaps = 0, taken = 0;
    unsigned long irqs = interrupts_counted();
    unsigned long start = rdtsc(), prev = start, now;
    do {
        now = rdtsc();
        if (now - prev > GAP_TICKS) {
            gaps++;
            taken += now - prev;
        }
        prev = now;
    } while (now - start < SPIN_TICKS);
    unsigned long span = now - start;
    irqs = interrupts_counted() - irqs;
    char buf[200], *p = buf;
    p = put_str(p, "lbench interruption: ");
    p = put_dec(p, gaps ? (long)((taken + gaps / 2) / gaps) : 0);
    p = put_str(p, " ticks each, ");
    p = put_dec(p, (long)gaps);
    p = put_str(p, " in ");
    p = put_dec(p, (long)span);
    p = put_str(p, " ticks, ");
    p = put_dec(p, (long)((gaps * 1000000UL + span / 2) / span));
    p = put_str(p, " per million ticks; the kernel counted ");
    p = put_dec(p, (long)irqs);
    p = put_str(p, " interrupts");
    out_line(buf, p);
}

static void report_cpuid(void)
{
    unsigned a, b, c, d, max;
    __asm__ volatile("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    unsigned c1, b7 = 0, d7 = 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c1), "=d"(d) : "a"(1), "c"(0));
    if (max >= 7)
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b7), "=c"(c), "=d"(d7) : "a"(7), "c"(0));
    char buf[200], *p = buf;
    p = put_str(p, "lbench cpuid: erms ");
    p = put_dec(p, (b7 >> 9) & 1);
    p = put_str(p, " fsrm ");
    p = put_dec(p, (d7 >> 4) & 1);
    p = put_str(p, " tsc-deadline ");
    p = put_dec(p, (c1 >> 24) & 1);
    p = put_str(p, " hypervisor ");
    p = put_dec(p, (c1 >> 31) & 1);
    out_line(buf, p);
}

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    report_cpuid();
    bench_loop();
    bench_syscall();
    bench_touch();
    bench_interruption();
    sys4(SYS_exit, 0, 0, 0, 0);
    for (;;)
        ;
}
