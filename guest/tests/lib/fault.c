/*
 * Exception handling for the test guests (see fault.h and isr.S).
 */
#include "fault.h"
#include "console.h"
#include "test.h"

/* What isr.S has pushed by the time it calls exception_handler: the
 * general registers (PUSHA), the vector and error code (from the stub),
 * then the CPU's own frame (no privilege change: EIP, CS, EFLAGS). */
struct exception_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    uint32_t eip, cs, eflags;
};

struct fault_info last_fault = { NO_FAULT, 0, 0 };

/* Set by catch_fault (isr.S) while a test function runs. */
int fault_armed;

/* Returns nonzero if isr.S should resume at catch_fault's recovery point;
 * an unexpected exception ends the guest here. */
int exception_handler(struct exception_frame *f)
{
    last_fault.vector = (int)f->vector;
    last_fault.error_code = f->error_code;
    last_fault.eip = f->eip;

    if (fault_armed) {
        fault_armed = 0;
        return 1;
    }
    printf("FAIL %s: unexpected exception %u (error code 0x%x) at eip 0x%08x\n",
           test_name(), f->vector, f->error_code, f->eip);
    guest_exit(1);
}
