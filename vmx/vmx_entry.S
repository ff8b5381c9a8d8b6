/*
 * The VM entry/exit loop (SDM Vol. 3C, "VMLAUNCH/VMRESUME" and "Loading
 * Host State"). The CPU saves and loads only RSP, RIP and RFLAGS of the
 * guest; the other general registers are saved here into struct vcpu_regs
 * (vmm/vm.h). Exits are handled in C by vmx_handle_exit() without leaving
 * this loop, so the hot path pays neither for the host's callee-saved
 * registers nor for a VMCS_HOST_RSP write.
 *
 * int vmx_run(struct vcpu_regs *regs, uint64_t launched)
 *   enters the guest (VMLAUNCH the first time, else VMRESUME), handles
 *   exits until vmx_handle_exit() returns nonzero and returns that value;
 *   returns VMX_RUN_FAIL_INVALID / VMX_RUN_FAIL_VALID when an entry fails.
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
#define REGS_ENTRY_TSC 128
#define VMCS_HOST_RSP 0x6C14
#define VMX_RUN_FAIL_INVALID 0x100
#define VMX_RUN_FAIL_VALID   0x101

    .text
    .code64

/* Note the TSC (the run loop's accounting, vmx/vcpu.c), load the guest's
 * registers from regs (in %rdi) and enter: ZF clear = resume. */
.macro ENTER_GUEST
    rdtsc
    mov   %eax, REGS_ENTRY_TSC(%rdi)
    mov   %edx, REGS_ENTRY_TSC+4(%rdi)
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
.endm

    .global vmx_run
vmx_run:
    push  %rbp
    push  %rbx
    push  %r12
    push  %r13
    push  %r14
    push  %r15
    push  %rdi                          /* (%rsp) = regs, 16-byte aligned here */
    mov   $VMCS_HOST_RSP, %eax
    vmwrite %rsp, %rax
    test  %rsi, %rsi
    jnz   resume
    ENTER_GUEST
    vmlaunch
    jmp   entry_failed

resume:
    mov   (%rsp), %rdi
    ENTER_GUEST
    vmresume
entry_failed:                           /* CF=1 VMfailInvalid, ZF=1 VMfailValid */
    mov   $VMX_RUN_FAIL_INVALID, %eax
    jc    leave
    mov   $VMX_RUN_FAIL_VALID, %eax
leave:
    pop   %rdi
    pop   %r15
    pop   %r14
    pop   %r13
    pop   %r12
    pop   %rbx
    pop   %rbp
    ret

/* VMCS_HOST_RIP: every VM exit arrives here with RSP = VMCS_HOST_RSP. */
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
    pop   REGS_RDI(%rdi)
    call  vmx_handle_exit               /* (regs) -> 0: resume the guest */
    test  %eax, %eax
    jz    resume
    jmp   leave
