/*
 * Start-up code for the test guests.
 *
 * The multiboot (version 1) header tells the loader this is a multiboot
 * kernel; its ELF program headers say where it goes (1 MiB). The loader
 * enters _start in 32-bit protected mode, paging off, with
 * EAX = 0x2BADB002 and EBX = the address of the multiboot information.
 *
 * _start: save EAX/EBX, zero the bss, switch to our own stack, set up our
 * own GDT and IDT, call main(magic, info), and end the guest through the
 * debug-exit port with main's return value.
 */
#define MB1_HEADER_MAGIC   0x1BADB002
#define MB1_FLAG_ALIGN     (1 << 0)      /* modules page aligned */
#define MB1_FLAG_MEMINFO   (1 << 1)      /* we want mem_lower/mem_upper and the map */
#define MB1_FLAGS          (MB1_FLAG_ALIGN | MB1_FLAG_MEMINFO)
#define STACK_SIZE         16384

    .section .multiboot, "a"
    .align 4
multiboot_header:
    .long MB1_HEADER_MAGIC
    .long MB1_FLAGS
    .long -(MB1_HEADER_MAGIC + MB1_FLAGS)   /* checksum: the three sum to 0 */

    .text
    .globl _start
_start:
    cli
    cld
    movl %eax, boot_magic       /* no stack yet: keep them in .data */
    movl %ebx, boot_info

    movl $__bss_start, %edi     /* zero the bss (our stack included) */
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb

    movl $stack_top, %esp
    xorl %ebp, %ebp
    call gdt_init
    call idt_init

    pushl boot_info
    pushl boot_magic
    call main
    addl $8, %esp

    pushl %eax
    call guest_exit             /* does not return */

    .data
    .align 4
boot_magic:
    .long 0
boot_info:
    .long 0

    .bss
    .align 16
stack_bottom:
    .space STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits
