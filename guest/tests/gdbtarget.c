/*
 * gdbtarget: a guest for the GDB stub test (tests/integration/gdb-stub.test,
 * vmx/gdbstub.h). Built with debug information (guests.mk) so gdb knows its
 * function and variable. The loop calls gdb_marker GDB_ROUNDS times; each
 * call adds to gdb_counter, which starts at 41, so a debugger that breaks at
 * the first call reads 41. The guest checks the final count, which a
 * breakpoint left behind (an INT3 in gdb_marker) or a step that ran the
 * wrong code would spoil.
 */
#include "guest.h"

#define GDB_ROUNDS 5

volatile uint32_t gdb_counter = 41;

__attribute__((noinline)) void gdb_marker(uint32_t round)
{
    gdb_counter += round + 1;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("gdbtarget");
    for (uint32_t i = 0; i < GDB_ROUNDS; i++) {
        gdb_marker(i);
        note("round %u: counter %u", i, gdb_counter);
    }
    check_eq("counter after the loop", gdb_counter, 41 + 1 + 2 + 3 + 4 + 5);
    return test_end();
}
