/*
 * I/O instruction exits (SDM Vol. 3C, "Exit Qualification for I/O
 * Instructions"): IN/OUT of 1, 2 and 4 bytes, and INS/OUTS with or
 * without REP, routed by port to the devices on the VM's bus. Unclaimed
 * ports read as all ones and drop writes; the first use of each is logged.
 */
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/log.h>
#include "hv/lab.h"

#define IO_QUAL_SIZE(q)    (((q) & 7) + 1)
#define IO_QUAL_IN         BIT(3)
#define IO_QUAL_STRING     BIT(4)
#define IO_QUAL_REP        BIT(5)
#define IO_QUAL_PORT(q)    ((uint16_t)((q) >> 16))
#define IO_REP_BATCH       4096       /* iterations per exit; the rest re-exits */
#define VECTOR_PF          14
#define PF_ERR_W           BIT(1)     /* page-fault error code: a write */
#define PF_ERR_U           BIT(2)     /* ... at CPL 3 */
#define AR_DPL(ar)         (((ar) >> 5) & 3)

static void log_unknown_port(struct vm *vm, uint16_t port, bool in, unsigned size)
{
    if (vm->unknown_port_logged[port / 8] & (1u << (port % 8)))
        return;
    vm->unknown_port_logged[port / 8] |= (uint8_t)(1u << (port % 8));
    pr_info("guest %s: %s of %u byte(s) at unemulated port %#x (%s)\n", vm->name,
            in ? "read" : "write", size, port, in ? "reads all ones" : "dropped");
}

static __attribute__((noinline)) enum exit_action string_io(struct vcpu *v, uint64_t q)
{
    struct vm *vm = v->vm;
    struct emul_ctx ctx;
    struct emul_regs regs;
    guest_emul_ctx(v, &ctx, &regs);

    unsigned size = IO_QUAL_SIZE(q);
    uint16_t port = IO_QUAL_PORT(q);
    bool in = q & IO_QUAL_IN, rep = q & IO_QUAL_REP;
    unsigned asize = ctx.cpu_mode / 8;                  /* address size, no 0x67 support */
    uint64_t amask = asize == 8 ? ~0ULL : (1ULL << (asize * 8)) - 1;
    int idx = in ? GPR_RDI : GPR_RSI;
    uint64_t seg_base = in ? ctx.es_base : ctx.ds_base; /* OUTS segment overrides: not honoured */
    int64_t step = (regs.rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
    uint64_t count = rep ? (regs.gpr[GPR_RCX] & amask) : 1;
    bool unknown = false, faulted = false;

    for (unsigned n = 0; count && n < IO_REP_BATCH; n++) {
        uint64_t lin = seg_base + (regs.gpr[idx] & amask);
        gpa_t gpa;
        uint64_t val = 0;
        if (ctx.cpu_mode != 64)
            lin = (uint32_t)lin;
        if (emul_gva_to_gpa(&ctx, lin, &gpa) < 0) {
            /* Not mapped: the guest's own page fault, as the CPU raises
             * it for this access (SDM Vol. 3A, "Page-Fault Exceptions":
             * P=0, W for INS, U at CPL 3; CR2 the linear address). What
             * was done so far stays done: RSI/RDI and RCX say so, RIP
             * stays on the instruction. It used to stop the guest. */
            uint32_t err = (in ? PF_ERR_W : 0) |
                           (AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)) == 3 ? PF_ERR_U : 0);
            write_cr2(lin);             /* the guest's CR2 while it is current */
            vcpu_inject_exception(v, VECTOR_PF, true, err);
            faulted = true;
            break;
        }
        if (in) {
            unknown |= io_bus_port_read(&vm->bus, port, size, &val) < 0;
            if (ctx.ops->write_mem(vm, gpa, size, val) < 0)
                goto bad_mem;
        } else {
            if (ctx.ops->read_mem(vm, gpa, size, &val) < 0)
                goto bad_mem;
            unknown |= io_bus_port_write(&vm->bus, port, size, val) < 0;
        }
        regs.gpr[idx] = (regs.gpr[idx] & ~amask) | ((regs.gpr[idx] + (uint64_t)step) & amask);
        count--;
        if (rep)
            regs.gpr[GPR_RCX] = (regs.gpr[GPR_RCX] & ~amask) | (count & amask);
        continue;
bad_mem:
        vm_stop(vm, VM_END_BAD_ACCESS, 0,
                "string I/O at port %#x: guest-physical address %#llx is not RAM",
                port, (unsigned long long)gpa);
        return EXIT_STOP_VM;
    }
    if (unknown)
        log_unknown_port(vm, port, in, size);
    v->regs.gpr[idx] = regs.gpr[idx];
    v->regs.gpr[GPR_RCX] = regs.gpr[GPR_RCX];
    if (count == 0 && !faulted)
        vcpu_skip_instruction();                        /* else the instruction runs again */
    return EXIT_RESUME;
}

/* IN of 1 or 2 bytes keeps the rest of RAX; 4 bytes zero-extends it. */
static const uint64_t in_keep_mask[5] = { 0, ~0xFFULL, ~0xFFFFULL, 0, 0 };
static const uint64_t in_value_mask[5] = { 0, 0xFF, 0xFFFF, 0, 0xFFFFFFFF };

static __attribute__((noinline)) enum exit_action port_in(struct vcpu *v, uint64_t q)
{
    /* LAB 5 BEGIN port_in: size and port from the qualification, read the device on the bus (all ones if none), merge into RAX, skip the IN */
    struct vm *vm = v->vm;
    unsigned size = IO_QUAL_SIZE(q);
    uint16_t port = IO_QUAL_PORT(q);
    const struct io_region *r = io_bus_find_port(&vm->bus, port);
    uint64_t val;

    if (likely(r && r->ops->read)) {
        r->ops->read(r->dev, port - r->base, size, &val);
    } else {
        val = ~0ULL;
        log_unknown_port(vm, port, true, size);
    }
    uint64_t *rax = &v->regs.gpr[GPR_RAX];
    *rax = (*rax & in_keep_mask[size]) | (val & in_value_mask[size]);
    vcpu_skip_instruction();
    return EXIT_RESUME;
    /* LAB 5 END */
}

static __attribute__((noinline)) enum exit_action port_out(struct vcpu *v, uint64_t q)
{
    /* LAB 5 BEGIN port_out: the value from AL/AX/EAX to the device at the port (unclaimed: log once), stop if the device stopped the guest, else skip the OUT */
    struct vm *vm = v->vm;
    unsigned size = IO_QUAL_SIZE(q);
    uint16_t port = IO_QUAL_PORT(q);
    uint64_t val = v->regs.gpr[GPR_RAX] & in_value_mask[size];

    if (unlikely(io_bus_port_write(&vm->bus, port, size, val) < 0))
        log_unknown_port(vm, port, false, size);
    if (vm->state == VM_STOPPED)                        /* e.g. the debug-exit port */
        return EXIT_STOP_VM;
    vcpu_skip_instruction();
    return EXIT_RESUME;
    /* LAB 5 END */
}

enum exit_action exit_io_instruction(struct vcpu *v)
{
    /* LAB 5 BEGIN exit_io_instruction: read the exit qualification; INS/OUTS go to string_io, IN to port_in, OUT to port_out */
    uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    if (unlikely(q & IO_QUAL_STRING))
        return string_io(v, q);
    return (q & IO_QUAL_IN) ? port_in(v, q) : port_out(v, q);
    /* LAB 5 END */
}
