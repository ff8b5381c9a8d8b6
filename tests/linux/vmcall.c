/*
 * vmcall: a user program in the Linux guest's initramfs that tries the
 * hypervisor's "exit" hypercall (EAX = 2, EBX = 77) from ring 3 and prints
 * what RAX came back as. A hypervisor must not let a user process act
 * through VMCALL (minivisor returns HC_EPERM = -1, as KVM returns -EPERM),
 * so the line is printed and the guest goes on.
 *
 * No libc (static glibc may be missing): see nolibc.h.
 */
#include "nolibc.h"

/* Entered with RSP 16-byte aligned and no return address: realign. */
__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    long rax = 2, rbx = 77;
    __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx) : : "rcx", "rdx", "memory");

    char buf[128], *p = buf;
    p = put_str(p, "vmcall: user-mode VMCALL(EAX=2, EBX=77) returned RAX=");
    p = put_dec(p, rax);
    p = put_str(p, "\n");
    sys4(SYS_write, 1, (long)buf, p - buf, 0);
    sys4(SYS_exit, 0, 0, 0, 0);
    for (;;)
        ;
}
