/*
 * VM entry and exit trampolines (SDM Vol. 3C, "VMLAUNCH/VMRESUME" and
 * "Loading Host State"). The CPU saves and loads only RSP, RIP and RFLAGS
 * of the guest; every other general register is saved here into
 * struct vcpu_regs (vmx/vm.h) and the guest's CR2 with it.
 *
 * int vmx_enter(struct vcpu_regs *regs, uint64_t launched)
 *   returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid
 *   (then VMCS_VM_INSTRUCTION_ERROR says why).
 */
#define REGS_RAX   0
#define REGS_RCX   8
#define REGS_RDX   16
#define REGS_RBX   24
#define REGS_RBP   40
#define REGS_RSI   48
#define REGS_RDI   56
#define REGS_R8    64
#define REGS_R9    72
#define REGS_R10   80
#define REGS_R11   88
#define REGS_R12   96
#define REGS_R13   104
#define REGS_R14   112
#define REGS_R15   120
#define REGS_CR2   128
#define REGS_HOST_RSP 136
#define VMCS_HOST_RSP 0x6C14
#define VMCS_HOST_RIP 0x6C16

    .text
    .code64
    .global vmx_enter
vmx_enter:
    push  %rbp
    push  %rbx
    push  %r12
    push  %r13
    push  %r14
    push  %r15
    push  %rdi                          /* the exit path finds regs at (%rsp) */

    cmp   %rsp, REGS_HOST_RSP(%rdi)     /* HOST_RSP changes rarely: write it only then */
    je    1f
    mov   %rsp, REGS_HOST_RSP(%rdi)
    mov   $VMCS_HOST_RSP, %eax
    vmwrite %rsp, %rax
1:
    mov   REGS_CR2(%rdi), %rax          /* writing CR2 is slow: only when it differs */
    mov   %cr2, %rdx
    cmp   %rax, %rdx
    je    2f
    mov   %rax, %cr2
2:
    test  %rsi, %rsi                    /* ZF=1: never launched. MOVs keep the flags. */
    mov   REGS_RAX(%rdi), %rax
    mov   REGS_RCX(%rdi), %rcx
    mov   REGS_RDX(%rdi), %rdx
    mov   REGS_RBX(%rdi), %rbx
    mov   REGS_RBP(%rdi), %rbp
    mov   REGS_RSI(%rdi), %rsi
    mov   REGS_R8(%rdi), %r8
    mov   REGS_R9(%rdi), %r9
    mov   REGS_R10(%rdi), %r10
    mov   REGS_R11(%rdi), %r11
    mov   REGS_R12(%rdi), %r12
    mov   REGS_R13(%rdi), %r13
    mov   REGS_R14(%rdi), %r14
    mov   REGS_R15(%rdi), %r15
    mov   REGS_RDI(%rdi), %rdi
    jnz   3f
    vmlaunch
    jmp   4f
3:  vmresume
4:  /* Only reached when the entry failed: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
    mov   $1, %eax
    jc    5f
    mov   $2, %eax
5:  pop   %rdi
    pop   %r15
    pop   %r14
    pop   %r13
    pop   %r12
    pop   %rbx
    pop   %rbp
    ret

/* VMCS_HOST_RIP: the CPU arrives here on every VM exit with RSP = HOST_RSP. */
    .global vmx_exit_entry
vmx_exit_entry:
    push  %rdi
    mov   8(%rsp), %rdi
    mov   %rax, REGS_RAX(%rdi)
    mov   %rcx, REGS_RCX(%rdi)
    mov   %rdx, REGS_RDX(%rdi)
    mov   %rbx, REGS_RBX(%rdi)
    mov   %rbp, REGS_RBP(%rdi)
    mov   %rsi, REGS_RSI(%rdi)
    mov   %r8, REGS_R8(%rdi)
    mov   %r9, REGS_R9(%rdi)
    mov   %r10, REGS_R10(%rdi)
    mov   %r11, REGS_R11(%rdi)
    mov   %r12, REGS_R12(%rdi)
    mov   %r13, REGS_R13(%rdi)
    mov   %r14, REGS_R14(%rdi)
    mov   %r15, REGS_R15(%rdi)
    pop   %rax
    mov   %rax, REGS_RDI(%rdi)
    mov   %cr2, %rax
    mov   %rax, REGS_CR2(%rdi)
    pop   %rdi
    pop   %r15
    pop   %r14
    pop   %r13
    pop   %r12
    pop   %rbx
    pop   %rbp
    xor   %eax, %eax
    ret
