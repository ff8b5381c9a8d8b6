/*
 * Catching exceptions in a test.
 *
 * catch_fault(fn) calls fn(). If fn raises an exception (any vector 0-31),
 * the handler records it in last_fault and catch_fault returns the vector
 * right away, as if fn had returned there (setjmp/longjmp style: the rest
 * of fn is skipped). If fn returns normally, catch_fault returns NO_FAULT.
 *
 * An exception outside catch_fault is a test failure: the handler prints
 * a FAIL line with the vector, error code and EIP, and ends the guest.
 */
#ifndef GUEST_LIB_FAULT_H
#define GUEST_LIB_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#define NO_FAULT  (-1)

#define VEC_DE   0    /* divide error */
#define VEC_BP   3    /* breakpoint (int3) */
#define VEC_UD   6    /* invalid opcode */
#define VEC_DF   8    /* double fault */
#define VEC_GP   13   /* general protection */
#define VEC_PF   14   /* page fault */

struct fault_info {
    int vector;
    uint32_t error_code;   /* 0 for vectors without one */
    uint32_t eip;          /* address of the faulting instruction */
};

extern struct fault_info last_fault;

int catch_fault(void (*fn)(void));

/* True if fn raised exactly `vector`. */
static inline bool expect_fault(int vector, void (*fn)(void))
{
    return catch_fault(fn) == vector;
}

/* Called from isr.S with the stack frame of the exception. */
struct exception_frame;
int exception_handler(struct exception_frame *f);

#endif
