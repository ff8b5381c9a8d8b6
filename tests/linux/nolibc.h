/*
 * What the Linux guest's user programs (vmcall.c, fpufork.c, lbench.c) need instead of a
 * libc: raw x86-64 system calls and two formatters for their output lines.
 * Built with gcc -static -nostdlib by tests/linux/build.sh.
 */
#ifndef TESTS_LINUX_NOLIBC_H
#define TESTS_LINUX_NOLIBC_H

#define SYS_write 1
#define SYS_fork  57
#define SYS_exit  60
#define SYS_wait4 61

static inline long sys4(long nr, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Six arguments (mmap): the fifth and sixth in r8 and r9. */
static inline long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10),
                     "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return ret;
}

static inline char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static inline char *put_dec(char *p, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    if (v < 0)
        *p++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *p++ = tmp[--n];
    return p;
}

#endif
