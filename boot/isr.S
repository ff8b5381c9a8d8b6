/*
 * Interrupt and exception entry stubs for the host. Each stub pushes a
 * dummy error code where the CPU pushes none (SDM Vol. 3A, "Exception and
 * Interrupt Reference" lists which vectors have one), then its vector,
 * and jumps to the common path that saves the general registers into a
 * struct trap_frame (boot/cpu.h) and calls trap_dispatch().
 */
    .text
    .code64

.macro ISR_NOERR n
    .balign 16
isr_\n:
    pushq $0
    pushq $\n
    jmp   isr_common
.endm

.macro ISR_ERR n
    .balign 16
isr_\n:
    pushq $\n
    jmp   isr_common
.endm

isr_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rbx
    pushq %rbp
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    mov   %rsp, %rdi
    call  trap_dispatch
    popq  %r15
    popq  %r14
    popq  %r13
    popq  %r12
    popq  %r11
    popq  %r10
    popq  %r9
    popq  %r8
    popq  %rdi
    popq  %rsi
    popq  %rbp
    popq  %rbx
    popq  %rdx
    popq  %rcx
    popq  %rax
    add   $16, %rsp            /* vector and error code */
    iretq

/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30. */
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
.altmacro
.set i, 32
.rept 224
    ISR_NOERR %i
    .set i, i + 1
.endr

/* Table of the 256 stub addresses, read by boot/cpu.c. */
    .section .rodata
    .balign 8
    .global isr_stubs
isr_stubs:
.macro STUB_ADDR n
    .quad isr_\n
.endm
.set i, 0
.rept 256
    STUB_ADDR %i
    .set i, i + 1
.endr
