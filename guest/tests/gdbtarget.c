/*
 * gdbtarget: a guest for the GDB stub test (tests/integration/gdb-stub.test,
 * vmm/gdbstub.h). Built with debug information (guests.mk) so gdb knows its
 * function and variable. The loop calls gdb_marker GDB_ROUNDS times; each
 * call adds to gdb_counter, which starts at 41, so a debugger that breaks at
 * the first call reads 41. The guest checks the final count, which a
 * breakpoint left behind (an INT3 in gdb_marker) or a step that ran the
 * wrong code would spoil. Then its own INT3 and UD2, each caught by its own
 * handler: a #BP that is not the debugger's must reach the guest, and a #UD
 * the debugger caught (monitor catch on) must reach it after `continue`.
 */
#include "guest.h"

#define GDB_ROUNDS 5

static void own_int3(void)
{
    __asm__ volatile("int3");
}

__attribute__((noinline)) void own_ud2(void)
{
    __asm__ volatile("ud2");
}

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
    check_eq("own INT3: #BP", (uint32_t)catch_fault(own_int3), VEC_BP);
    check_eq("own UD2: #UD", (uint32_t)catch_fault(own_ud2), VEC_UD);
    return test_end();
}
