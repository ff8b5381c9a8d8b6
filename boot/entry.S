/*
 * 32-bit entry from GRUB (Multiboot2 Specification, "I386 machine state"):
 * EAX = 0x36D76289, EBX = physical address of the boot information, paging
 * off. Builds a temporary GDT and identity page tables for the first 4 GiB
 * (2 MiB pages), enables long mode (SDM Vol. 3A, "Initializing IA-32e Mode")
 * and calls kmain(magic, info) in 64-bit mode. mm/paging.c replaces these
 * tables with the final ones.
 */
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define MSR_EFER      0xC0000080
#define EFER_LME      (1 << 8)
#define EFER_NXE      (1 << 11)
#define PTE_P         0x1
#define PTE_W         0x2
#define PTE_PS        0x80
#define BOOT_STACK_SIZE 0x8000

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov   $boot_stack_top, %esp
    mov   %eax, %edi                    /* kmain's 1st argument: the magic */
    mov   %ebx, %esi                    /* 2nd: multiboot2 information */

    /* Long mode present? CPUID.80000001H:EDX.LM[bit 29] */
    mov   $0x80000000, %eax
    cpuid
    cmp   $0x80000001, %eax
    jb    no_long_mode
    mov   $0x80000001, %eax
    cpuid
    test  $(1 << 29), %edx
    jz    no_long_mode

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages */
    mov   $boot_pdpt, %eax
    or    $(PTE_P | PTE_W), %eax
    mov   %eax, boot_pml4
    xor   %ecx, %ecx
1:  mov   %ecx, %eax
    shl   $12, %eax
    add   $boot_pd, %eax
    or    $(PTE_P | PTE_W), %eax
    mov   %eax, boot_pdpt(, %ecx, 8)
    inc   %ecx
    cmp   $4, %ecx
    jne   1b
    xor   %ecx, %ecx                    /* 2048 entries map 4 GiB */
2:  mov   %ecx, %eax
    shl   $21, %eax
    or    $(PTE_P | PTE_W | PTE_PS), %eax
    mov   %eax, boot_pd(, %ecx, 8)
    mov   %ecx, %eax
    shr   $11, %eax                     /* high dword: bits 32+ of the address */
    mov   %eax, boot_pd + 4(, %ecx, 8)
    inc   %ecx
    cmp   $2048, %ecx
    jne   2b

    mov   %cr4, %eax
    or    $CR4_PAE, %eax
    mov   %eax, %cr4
    mov   $boot_pml4, %eax
    mov   %eax, %cr3
    mov   $MSR_EFER, %ecx
    rdmsr
    or    $EFER_LME, %eax
    wrmsr
    mov   %cr0, %eax
    or    $CR0_PG, %eax
    mov   %eax, %cr0

    lgdt  boot_gdt_ptr
    ljmp  $0x08, $long_mode_entry

no_long_mode:
    /* Say why on the Bochs/QEMU debug port and stop. */
    mov   $no_lm_msg, %esi
3:  lodsb
    test  %al, %al
    jz    4f
    outb  %al, $0xE9
    jmp   3b
4:  cli
    hlt
    jmp   4b

    .code64
long_mode_entry:
    mov   $0x10, %ax
    mov   %ax, %ds
    mov   %ax, %es
    mov   %ax, %ss
    xor   %eax, %eax
    mov   %ax, %fs
    mov   %ax, %gs
    mov   $boot_stack_top, %rsp
    /* EDI and ESI still hold magic and info; zero-extend them */
    mov   %edi, %edi
    mov   %esi, %esi
    call  kmain
5:  cli
    hlt
    jmp   5b

    .section .boot.rodata, "a"
no_lm_msg:
    .asciz "minivisor: this CPU has no 64-bit long mode; stopping\n"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF            /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF            /* 0x10: data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw", @nobits
    .balign 4096
    .global boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096 * 4
    .global boot_stack_top
    .balign 16
boot_stack: .skip BOOT_STACK_SIZE
boot_stack_top:
