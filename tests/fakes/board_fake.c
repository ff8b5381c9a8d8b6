/* The board (vmm/board.h) for host tests of vmx/: see tests/fakes/vmx_fakes.h. */
#include "vmm/board.h"
#include "tests/fakes/vmx_fakes.h"

struct board_fake board_fake;

void board_fake_reset(void)
{
    board_fake = (struct board_fake){ .pending = -1, .after_ack = -1, .last_acked = -1,
                                      .eoi_done = -1 };
}

int board_pending_vector(struct vm *vm, bool ack)
{
    (void)vm;
    int v = board_fake.pending;
    if (ack && v >= 0) {
        board_fake.acks++;
        board_fake.last_acked = v;
        board_fake.pending = board_fake.after_ack;
        board_fake.after_ack = -1;
    }
    return v;
}

bool board_interrupt_pending(struct vm *vm)
{
    (void)vm;
    return board_fake.interrupt_pending || board_fake.pending >= 0;
}

bool board_nmi_pending(struct vm *vm)
{
    (void)vm;
    return board_fake.nmi;
}

void board_take_nmi(struct vm *vm)
{
    (void)vm;
    board_fake.nmi = false;
    board_fake.nmis_taken++;
}

void board_lapic_eoi_done(struct vm *vm, uint8_t vector)
{
    (void)vm;
    board_fake.eoi_done = vector;
}

int board_rdmsr(struct vm *vm, uint32_t msr, uint64_t *val)
{
    (void)vm;
    if (msr != board_fake.msr || !msr)
        return 0;
    if (board_fake.msr_gp)
        return -1;
    *val = board_fake.msr_value;
    return 1;
}

int board_wrmsr(struct vm *vm, uint32_t msr, uint64_t val)
{
    (void)vm;
    if (msr != board_fake.msr || !msr)
        return 0;
    if (board_fake.msr_gp)
        return -1;
    board_fake.msr_value = val;
    board_fake.msr_writes++;
    return 1;
}

void board_lapic_write(struct vm *vm, unsigned offset, uint32_t val)
{
    (void)vm;
    board_fake.lapic_writes++;
    board_fake.lapic_offset = offset;
    board_fake.lapic_value = val;
}

void board_set_cr8(struct vm *vm, uint64_t cr8)
{
    (void)vm;
    board_fake.cr8 = cr8;
    board_fake.cr8_writes++;
}

uint64_t board_get_cr8(struct vm *vm)
{
    (void)vm;
    return board_fake.cr8;
}
