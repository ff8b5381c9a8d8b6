/*
 * triple: a triple fault. Loads an IDT with limit 0 and executes int3:
 * the #BP cannot be delivered (no IDT entry), nor can the #GP that raises,
 * nor the double fault after it, so the CPU triple faults. Under VT-x
 * that is a VM exit; the hypervisor stops the guest. Any line after the
 * "int3" note is a failure.
 */
#include "guest.h"

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("triple");

    static const struct table_ptr empty_idt = { 0, 0 };
    note("loading an IDT with limit 0, then int3: expect a triple fault");
    lidt(&empty_idt);
    __asm__ volatile("int3");
    printf("FAIL triple: still running after int3 with an empty IDT\n");
    return 1;
}
