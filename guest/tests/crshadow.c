/*
 * crshadow: a guest sees its own CR0 and CR4 values.
 * Under VT-x some bits must stay set in the real registers (CR4.VMXE,
 * CR0.NE); minivisor hides them with read shadows, so:
 *   - CR4.VMXE (bit 13) reads 0;
 *   - CR4.PSE (bit 4) set by the guest reads back set, cleared reads clear;
 *   - CR0 written without NE (bit 5) reads back without NE, and with NE
 *     again after it is restored.
 */
#include "guest.h"

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("crshadow");

    uint32_t cr0 = read_cr0(), cr4 = read_cr4();
    note("at entry CR0=%08x CR4=%08x", cr0, cr4);
    check((cr0 & (CR0_PE | CR0_PG)) == CR0_PE,
          "CR0 at entry: PE set, PG clear (CR0=%08x)", cr0);
    check(!(cr4 & CR4_VMXE), "CR4.VMXE (bit 13) reads 0 (CR4=%08x)", cr4);

    /* CR4.PSE: set, read back, clear, read back. */
    write_cr4(cr4 | CR4_PSE);
    uint32_t got = read_cr4();
    check(got == (cr4 | CR4_PSE), "CR4 with PSE set: wrote %08x, read %08x",
          cr4 | CR4_PSE, got);
    write_cr4(cr4 & ~CR4_PSE);
    got = read_cr4();
    check(got == (cr4 & ~CR4_PSE), "CR4 with PSE clear: wrote %08x, read %08x",
          cr4 & ~CR4_PSE, got);
    write_cr4(cr4);

    /* CR0.NE: clear it, read back, restore. */
    write_cr0(cr0 & ~CR0_NE);
    got = read_cr0();
    check(got == (cr0 & ~CR0_NE), "CR0 without NE: wrote %08x, read %08x",
          cr0 & ~CR0_NE, got);
    write_cr0(cr0 | CR0_NE);
    got = read_cr0();
    check(got == (cr0 | CR0_NE), "CR0 with NE: wrote %08x, read %08x", cr0 | CR0_NE, got);
    write_cr0(cr0);
    got = read_cr0();
    check(got == cr0, "CR0 restored: wrote %08x, read %08x", cr0, got);

    got = read_cr4();
    check(!(got & CR4_VMXE), "CR4.VMXE still reads 0 at the end (CR4=%08x)", got);
    return test_end();
}
