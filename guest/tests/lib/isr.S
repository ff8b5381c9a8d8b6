/*
 * Exception entry stubs and catch_fault (see fault.h).
 *
 * Each vector's stub pushes a dummy error code if the CPU pushes none, then
 * the vector number, and jumps to isr_common, which saves the registers and
 * calls exception_handler(frame). The handler returns only when a
 * catch_fault is waiting: isr_common then drops the whole exception frame by
 * reloading ESP from catch_fault's saved value and jumps to catch_fault's
 * recovery point, which returns the vector.
 */
    .text

/* A vector for which the CPU pushes no error code. */
.macro STUB vec
isr_\vec:
    pushl $0                    /* dummy error code */
    pushl $\vec
    jmp isr_common
.endm

/* A vector for which the CPU pushes an error code itself. */
.macro STUB_ERR vec
isr_\vec:
    pushl $\vec
    jmp isr_common
.endm

    STUB 0          /* #DE divide error */
    STUB 1          /* #DB debug */
    STUB 2          /* NMI */
    STUB 3          /* #BP breakpoint */
    STUB 4          /* #OF overflow */
    STUB 5          /* #BR bound range */
    STUB 6          /* #UD invalid opcode */
    STUB 7          /* #NM device not available */
    STUB_ERR 8      /* #DF double fault */
    STUB 9          /* coprocessor segment overrun */
    STUB_ERR 10     /* #TS invalid TSS */
    STUB_ERR 11     /* #NP segment not present */
    STUB_ERR 12     /* #SS stack fault */
    STUB_ERR 13     /* #GP general protection */
    STUB_ERR 14     /* #PF page fault */
    STUB 15
    STUB 16         /* #MF x87 error */
    STUB_ERR 17     /* #AC alignment check */
    STUB 18         /* #MC machine check */
    STUB 19         /* #XM SIMD error */
    STUB 20         /* #VE virtualization exception */
    STUB_ERR 21     /* #CP control protection */
    STUB 22
    STUB 23
    STUB 24
    STUB 25
    STUB 26
    STUB 27
    STUB 28
    STUB_ERR 29     /* #VC */
    STUB_ERR 30     /* #SX */
    STUB 31

isr_common:
    cld
    pushal
    pushl %esp                  /* argument: struct exception_frame * */
    call exception_handler      /* returns only to recover */
    movl fault_recover_esp, %esp
    jmp fault_resume

/* int catch_fault(void (*fn)(void)) */
    .globl catch_fault
catch_fault:
    pushl %ebp                  /* callee-saved registers, restored on */
    pushl %ebx                  /* both ways out */
    pushl %esi
    pushl %edi
    movl %esp, fault_recover_esp
    movl $1, fault_armed
    call *20(%esp)              /* fn: above the 4 saves and the return address */
    movl $0, fault_armed
    movl $-1, %eax              /* NO_FAULT */
    jmp 1f
fault_resume:                   /* from isr_common, ESP = fault_recover_esp */
    movl last_fault, %eax       /* last_fault.vector (first member) */
1:
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/*
 * Interrupt stubs for vectors 32-255, 16 bytes apart (IRQ_STUB_SIZE in
 * desc.h) from irq_stubs, so idt_init can compute each address. Each pushes
 * its vector and jumps to irq_common, which saves the general registers,
 * calls irq_dispatch(vector) (irq.c) and returns with IRET.
 */
    .text
    .balign 16
    .globl irq_stubs
irq_stubs:
    .set vec, 32
    .rept 224
    .balign 16
    pushl $vec
    jmp irq_common
    .set vec, vec + 1
    .endr

irq_common:
    pushal
    cld
    pushl 32(%esp)              /* the vector, above the 8 saved registers */
    call irq_dispatch
    addl $4, %esp
    popal
    addl $4, %esp               /* drop the vector */
    iret

/* The stub addresses, in vector order, for idt_init (desc.c). */
    .section .rodata
    .align 4
    .globl isr_table
isr_table:
    .long isr_0,  isr_1,  isr_2,  isr_3,  isr_4,  isr_5,  isr_6,  isr_7
    .long isr_8,  isr_9,  isr_10, isr_11, isr_12, isr_13, isr_14, isr_15
    .long isr_16, isr_17, isr_18, isr_19, isr_20, isr_21, isr_22, isr_23
    .long isr_24, isr_25, isr_26, isr_27, isr_28, isr_29, isr_30, isr_31

    .bss
    .align 4
fault_recover_esp:
    .long 0

    .section .note.GNU-stack, "", @progbits
