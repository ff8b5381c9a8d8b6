/*
 * The application processors' way from reset to C (SDM Vol. 3A,
 * "Multiple-Processor (MP) Initialization": a start-up IPI starts an AP in
 * real mode at CS:IP = VV00:0000, VV the IPI's vector).
 *
 * ap_trampoline .. ap_trampoline_end is copied by boot/smp.c to a free
 * page below 1 MiB; it finds where it runs from CS, so it needs no
 * patching. It says it is alive (a word in its page), enters protected
 * mode with its own small GDT, then long mode ("Initializing IA-32e
 * Mode") on entry.S's identity tables of the first 4 GiB, which sit below
 * 4 GiB (a 32-bit CR3) and map the page executable, and jumps into the
 * kernel at ap_long_entry. That switches to the boot CPU's own page tables
 * (ap_boot_cr3), takes the stack boot/smp.c prepared and calls
 * ap_main(percpu).
 */
#define CR0_PE        (1 << 0)
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define MSR_EFER      0xC0000080
#define EFER_LME      (1 << 8)
#define EFER_NXE      (1 << 11)
#define OFF(x)        ((x) - ap_trampoline)

    .section .rodata, "a"
    .code16
    .global ap_trampoline, ap_trampoline_end, ap_trampoline_alive
    .balign 16
ap_trampoline:
    cli
    cld
    mov   %cs, %ax
    mov   %ax, %ds
    movl  $1, OFF(ap_trampoline_alive)
    movzwl %ax, %ebx
    shl   $4, %ebx                      /* EBX = the page's linear address */
    lea   OFF(tr_gdt)(%ebx), %eax
    mov   %eax, OFF(tr_gdt_base)
    lea   OFF(tr_pm)(%ebx), %eax
    mov   %eax, OFF(tr_pm_ptr)
    lgdtl OFF(tr_gdt_limit)
    mov   %cr0, %eax
    or    $CR0_PE, %eax
    mov   %eax, %cr0
    ljmpl *OFF(tr_pm_ptr)

    .code32
tr_pm:
    mov   $0x10, %ax
    mov   %ax, %ds
    mov   %ax, %es
    mov   %ax, %ss
    mov   %cr4, %eax
    or    $CR4_PAE, %eax
    mov   %eax, %cr4
    mov   $boot_pml4, %eax
    mov   %eax, %cr3
    mov   $MSR_EFER, %ecx
    rdmsr
    or    $EFER_LME, %eax
    or    ap_boot_efer_nx, %eax         /* NXE as on the boot CPU: its tables use XD */
    wrmsr
    mov   %cr0, %eax
    or    $CR0_PG, %eax
    mov   %eax, %cr0
    ljmp  $0x18, $ap_long_entry

    .balign 8
tr_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF            /* 0x08: 32-bit code */
    .quad 0x00CF92000000FFFF            /* 0x10: data */
    .quad 0x00AF9A000000FFFF            /* 0x18: 64-bit code */
tr_gdt_limit:
    .word tr_gdt_limit - tr_gdt - 1
tr_gdt_base:
    .long 0
tr_pm_ptr:
    .long 0                             /* offset, then the selector */
    .word 0x08
    .balign 4
ap_trampoline_alive:
    .long 0
ap_trampoline_end:

    .text
    .code64
ap_long_entry:
    mov   $0x10, %ax
    mov   %ax, %ds
    mov   %ax, %es
    mov   %ax, %ss
    mov   ap_boot_cr3(%rip), %rax
    mov   %rax, %cr3
    mov   ap_boot_stack(%rip), %rsp
    mov   ap_boot_percpu(%rip), %rdi
    xor   %ebp, %ebp
    call  ap_main
1:  cli
    hlt
    jmp   1b
