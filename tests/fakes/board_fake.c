/* The board as a vCPU sees it (struct vm_board_ops, vmm/vm.h) for host
 * tests of vmx/: see tests/fakes/vmx_fakes.h. */
#include "vmm/vm.h"
#include "tests/fakes/vmx_fakes.h"

struct board_fake board_fake;

void board_fake_reset(void)
{
    board_fake = (struct board_fake){ .pending = -1, .after_ack = -1, .last_acked = -1 };
}

/* The 8259 PIC's output on LINT0: `pending` until acknowledged, then `after_ack`. */
static int fake_extint(struct vm *vm, bool ack)
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

static void fake_update_timers(struct vm *vm)
{
    (void)vm;
    board_fake.timer_updates++;
}

const struct vm_board_ops board_fake_ops = { fake_extint, fake_update_timers };
