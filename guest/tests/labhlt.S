/*
 * labhlt: the smallest guest, for lab 2 (labs/lab2-vmcs.md). A plain ELF
 * (no multiboot header: guest/load_elf.c loads it) whose only instruction
 * is HLT, at 1 MiB, entered with interrupts off. Its first VM exit is the
 * EPT violation of its first instruction fetch (RAM is mapped at first
 * touch), then its HLT stops it ("halted with interrupts disabled").
 * Linked by guests.mk with guest.ld, without the test-guest library.
 */
    .text
    .globl _start
_start:
    hlt
    jmp _start

    .section .note.GNU-stack, "", @progbits
