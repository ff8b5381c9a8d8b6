/*
 * vmcall: a user program in the Linux guest's initramfs that tries the
 * hypervisor's "exit" hypercall (EAX = 2, EBX = 77) from ring 3 and prints
 * what RAX came back as. A hypervisor must not let a user process act
 * through VMCALL (minivisor returns HC_EPERM = -1, as KVM returns -EPERM),
 * so the line is printed and the guest goes on.
 *
 * No libc (static glibc may be missing): raw system calls, built with
 * gcc -static -nostdlib by tests/linux/build.sh.
 */
#define SYS_write 1
#define SYS_exit  60

static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_dec(char *p, long v)
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

/* Entered with RSP 16-byte aligned and no return address: realign. */
__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    long rax = 2, rbx = 77;
    __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx) : : "rcx", "rdx", "memory");

    char buf[128], *p = buf;
    p = put_str(p, "vmcall: user-mode VMCALL(EAX=2, EBX=77) returned RAX=");
    p = put_dec(p, rax);
    p = put_str(p, "\n");
    sys3(SYS_write, 1, (long)buf, p - buf);
    sys3(SYS_exit, 0, 0, 0);
    for (;;)
        ;
}
