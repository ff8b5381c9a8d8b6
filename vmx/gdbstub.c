/*
 * The GDB stub's VT-x side (see vmx/gdbstub.h). It runs between time
 * slices, like the monitor: any VMCS may be made current, the next slice
 * loads its own.
 * SDM Vol. 3C, "Exception Bitmap" (#BP exits), "Monitor Trap Flag",
 * "Event Injection" (a #BP that is not ours goes back to the guest as a
 * software exception with its instruction length).
 * Single steps use the monitor trap flag where the capability MSR allows
 * it; else RFLAGS.TF with #DB exiting (Vol. 3B, "Single-Step Exception
 * Condition"), which the guest could notice (PUSHF sees TF).
 * Hardware breakpoints and watchpoints take the guest's DR0-DR3 and DR7
 * (Vol. 3B, "Debug Registers"; DR7 is in the VMCS guest state) while any
 * is set, with #DB exiting; the guest's own values come back after.
 */
#include "vmx/gdbstub.h"
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "vmx/insn_emulate.h"
#include "vmx/vmcs.h"
#include "vmx/vcpu.h"
#include "vmx/vmx_cpu.h"
#include "drivers/hw/uart16550.h"
#include "boot/x86.h"
#include <hv/gdb_rsp.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>

#define VECTOR_DB     1
#define VECTOR_BP     3
#define RFLAGS_TF     BIT(8)
#define DR6_BS        BIT(14)        /* single step */
#define RFLAGS_RF     BIT(16)
#define DR7_FIXED1    0x400ULL       /* bit 10 reads as 1 */
#define GDB_HW_SLOTS  4
#define INT3          0xCC
#define GDB_MAX_BPS   32
#define GDB_SIGINT    2
#define GDB_SIGILL    4
#define GDB_SIGFPE    8
#define GDB_SIGSEGV   11
#define GDB_SIGTRAP   5

struct sw_bp {
    uint64_t addr;
    uint8_t orig;
    bool used;
};

/* A hardware breakpoint (Z1) or watchpoint (Z2 write, Z4 access) in DRi. */
struct hw_bp {
    uint64_t addr;
    unsigned type;                   /* 1, 2 or 4 (the Z type) */
    unsigned len;                    /* 1, 2, 4 or 8 bytes */
    bool used;
};

static struct {
    struct vm *vm;                   /* the attached guest, or NULL */
    uint16_t port;
    struct rsp_rx rx;
    bool running;                    /* gdb waits for a stop reply */
    bool stepping;                   /* one instruction under MTF or TF */
    bool step_tf;                    /* ... under TF: the guest's own TF was tf_saved */
    bool tf_saved;
    int stop_signal;                 /* why the guest stopped last */
    bool stop_swbreak;               /* ... at one of our INT3s */
    struct sw_bp bps[GDB_MAX_BPS];
    struct hw_bp hw[GDB_HW_SLOTS];
    unsigned hw_count;
    uint64_t guest_dr[GDB_HW_SLOTS], guest_dr7;   /* the guest's, while we hold them */
    int stop_hw;                     /* the slot that stopped it, or -1 */
    bool catch_exceptions;           /* monitor catch on */
    uint32_t pending_exc;            /* caught, to deliver on resume (interruption info) */
    uint32_t pending_err;
    char reply[RSP_PACKET_MAX + 1];  /* payload being built */
    char out[2 * RSP_PACKET_MAX + 8];/* the last framed packet (resent on '-') */
    size_t out_len;
} gs;

static void send_raw(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        uart16550_putc(gs.port, p[i]);
}

static void send_packet(const char *payload, size_t len)
{
    gs.out_len = rsp_frame(gs.out, sizeof(gs.out), payload, len);
    send_raw(gs.out, gs.out_len);
}

static void send_str(const char *s)
{
    send_packet(s, strlen(s));
}

/* ---- guest state ---- */

static void read_regs(struct vcpu *v, struct rsp_x86_regs *r)
{
    static const enum vcpu_seg gdb_order[6] = {
        VCPU_SEG_CS, VCPU_SEG_SS, VCPU_SEG_DS, VCPU_SEG_ES, VCPU_SEG_FS, VCPU_SEG_GS,
    };
    struct vcpu_state st;
    (void)vcpu_get_state(v, &st);
    for (int i = 0; i < 16; i++)
        r->gpr[i] = st.gpr[i];
    r->rip = st.rip;
    r->rflags = st.rflags;
    for (int i = 0; i < 6; i++)
        r->seg[i] = st.seg[gdb_order[i]].selector;
}

/* Copy between the debugger and guest memory at guest-virtual addr, page by
 * page through the guest's own page tables (vmx/insn_emulate.c walks them).
 * 0, or -1 when a page is not mapped or not RAM. */
static int guest_virt_copy(struct vcpu *v, uint64_t addr, void *buf, size_t len, bool write)
{
    struct emul_ctx ctx;
    struct emul_regs regs;
    guest_emul_ctx(v, &ctx, &regs);
    uint8_t *b = buf;
    while (len) {
        size_t n = MIN(len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
        gpa_t gpa;
        if (emul_gva_to_gpa(&ctx, addr, &gpa) < 0)
            return -1;
        int rc = write ? gmem_write(&v->vm->mem, gpa, b, n) : gmem_read(&v->vm->mem, gpa, b, n);
        if (rc < 0)
            return -1;
        addr += n;
        b += n;
        len -= n;
    }
    return 0;
}

static struct sw_bp *find_bp(uint64_t addr)
{
    for (unsigned i = 0; i < GDB_MAX_BPS; i++)
        if (gs.bps[i].used && gs.bps[i].addr == addr)
            return &gs.bps[i];
    return NULL;
}

static int insert_bp(struct vcpu *v, uint64_t addr)
{
    if (find_bp(addr))
        return 0;
    struct sw_bp *free = NULL;
    for (unsigned i = 0; i < GDB_MAX_BPS && !free; i++)
        if (!gs.bps[i].used)
            free = &gs.bps[i];
    uint8_t orig, cc = INT3;
    if (!free || guest_virt_copy(v, addr, &orig, 1, false) < 0 ||
        guest_virt_copy(v, addr, &cc, 1, true) < 0)
        return -1;
    *free = (struct sw_bp){ addr, orig, true };
    return 0;
}

static int remove_bp(struct vcpu *v, struct sw_bp *bp)
{
    bp->used = false;
    return guest_virt_copy(v, bp->addr, &bp->orig, 1, true);
}

static void set_mtf(bool on)
{
    uint64_t proc = vmread(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_MONITOR_TRAP_FLAG : proc & ~(uint64_t)PROC_CTL_MONITOR_TRAP_FLAG;
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
}

static void set_exception_exiting(unsigned vector, bool on)
{
    uint64_t bm = vmread(VMCS_EXCEPTION_BITMAP);
    vmwrite(VMCS_EXCEPTION_BITMAP, on ? bm | BIT(vector) : bm & ~(uint64_t)BIT(vector));
}

/* End a TF step: the guest's TF as it was, no more #DB exits (unless
 * hardware breakpoints need them). */
static void end_tf_step(void)
{
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS) & ~(uint64_t)RFLAGS_TF;
    vmwrite(VMCS_GUEST_RFLAGS, rflags | (gs.tf_saved ? RFLAGS_TF : 0));
    gs.step_tf = false;
    set_exception_exiting(VECTOR_DB, gs.hw_count > 0);
}

/* DR7's enable, R/W and LEN fields for our slots (Vol. 3B, "Debug Control
 * Register (DR7)"): L<i>, R/W 00 execute / 01 write / 11 read-write, LEN
 * 00 1 byte / 01 2 / 11 4 / 10 8 (0 for execution). */
static uint64_t hw_dr7(void)
{
    static const unsigned rw_of_type[5] = { 0, 0, 1, 3, 3 };
    static const unsigned len_bits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
    uint64_t dr7 = DR7_FIXED1;
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
        const struct hw_bp *h = &gs.hw[i];
        if (!h->used)
            continue;
        unsigned len = h->type == 1 ? 0 : len_bits[h->len];
        dr7 |= BIT(2 * i) | (uint64_t)(rw_of_type[h->type] | len << 2) << (16 + 4 * i);
    }
    return dr7;
}

/* Take the guest's debug registers on the first hardware breakpoint, give
 * them back after the last one. */
static void hw_apply(struct vcpu *v, bool was_empty)
{
    if (was_empty && gs.hw_count) {
        for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
            gs.guest_dr[i] = vcpu_get_dr(v, i);
        gs.guest_dr7 = vmread(VMCS_GUEST_DR7);
    }
    if (gs.hw_count) {
        for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
            vcpu_set_dr(v, i, gs.hw[i].used ? gs.hw[i].addr : 0);
        vmwrite(VMCS_GUEST_DR7, hw_dr7());
    } else if (!was_empty) {
        for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
            vcpu_set_dr(v, i, gs.guest_dr[i]);
        vmwrite(VMCS_GUEST_DR7, gs.guest_dr7);
    }
    set_exception_exiting(VECTOR_DB, gs.hw_count > 0 || gs.step_tf);
}

static int hw_insert(struct vcpu *v, unsigned type, uint64_t addr, uint64_t len)
{
    if (type == 3)                   /* x86 has no read-only watchpoint */
        return 1;
    if (type != 1 && !(len == 1 || len == 2 || len == 4 || len == 8))
        return -1;
    if (type != 1 && (addr & (len - 1)))     /* DRi must be aligned to LEN */
        return -1;
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
        if (!gs.hw[i].used) {
            bool was_empty = gs.hw_count == 0;
            gs.hw[i] = (struct hw_bp){ addr, type, (unsigned)len, true };
            gs.hw_count++;
            hw_apply(v, was_empty);
            return 0;
        }
    }
    return -1;                       /* all four in use */
}

static int hw_remove(struct vcpu *v, unsigned type, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
        struct hw_bp *h = &gs.hw[i];
        if (h->used && h->type == type && h->addr == addr && (type == 1 || h->len == len)) {
            h->used = false;
            gs.hw_count--;
            hw_apply(v, false);
            return 0;
        }
    }
    return -1;
}

static bool mtf_supported(void)
{
    return vmx_ctl_may_set(vmx_cpu_caps()->procbased, PROC_CTL_MONITOR_TRAP_FLAG);
}

/* Stop the guest for the debugger (in an exit handler or between slices). */
static void hold(struct vm *vm, int sig, bool swbreak)
{
    vm->gdb_stopped = true;
    gs.stop_signal = sig;
    gs.stop_swbreak = swbreak;
    gs.stop_hw = -1;
}

static void release(void)
{
    struct vcpu *v = &gs.vm->vcpu;
    if (gs.vm->state != VM_STOPPED) {
        vmcs_load(v);
        for (unsigned i = 0; i < GDB_MAX_BPS; i++)
            if (gs.bps[i].used)
                (void)remove_bp(v, &gs.bps[i]);
        set_mtf(false);
        if (gs.hw_count) {
            memset(gs.hw, 0, sizeof(gs.hw));
            gs.hw_count = 0;
            hw_apply(v, false);
        }
        if (gs.step_tf)
            end_tf_step();
        set_exception_exiting(VECTOR_BP, false);
        if (gs.catch_exceptions)
            vmwrite(VMCS_EXCEPTION_BITMAP,
                    vmread(VMCS_EXCEPTION_BITMAP) & ~(uint64_t)GDB_CATCH_VECTORS);
        if (gs.pending_exc)
            vcpu_inject_exception(v, gs.pending_exc & INTR_INFO_VECTOR_MASK,
                                  gs.pending_exc & INTR_INFO_DELIVER_ERROR_CODE, gs.pending_err);
    }
    gs.vm->gdb_stopped = false;
    pr_info("gdb: detached from guest %s\n", gs.vm->name);
    gs.vm = NULL;
    gs.running = false;
    gs.stepping = false;
}

/* ---- exits ---- */

enum exit_action gdbstub_breakpoint_exit(struct vcpu *v)
{
    /* A #BP from INT3 exits with RIP at the INT3 (it was not delivered). */
    uint64_t rip = vmread(VMCS_GUEST_RIP);
    if (gs.vm == v->vm && find_bp(rip)) {
        hold(v->vm, GDB_SIGTRAP, true);
        return EXIT_YIELD;
    }
    uint32_t type = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFO) & INTR_TYPE_MASK;
    vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | type | VECTOR_BP);
    if (type != INTR_TYPE_HARD_EXCEPTION)     /* INT3 or INT 3: delivered past it */
        vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    return EXIT_RESUME;
}

/* A #DB exit (only while a TF step is on): the step is over, or the #DB
 * is the guest's, and goes back to it with its DR6 bits (an exception
 * exit leaves DR6 as it was; the qualification holds the bits). */
enum exit_action gdbstub_debug_exit(struct vcpu *v)
{
    uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
    if (gs.vm == v->vm) {
        int slot = -1;
        for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
            if (gs.hw[i].used && (qual & BIT(i)))
                slot = (int)i;
        bool step = gs.step_tf && (qual & DR6_BS);
        if (step) {
            end_tf_step();
            gs.stepping = false;
        }
        if (slot >= 0 || step) {
            hold(v->vm, GDB_SIGTRAP, false);
            gs.stop_hw = slot;
            return EXIT_YIELD;
        }
    }
    write_dr6(read_dr6() | (qual & 0x600F));
    vcpu_inject_exception(v, VECTOR_DB, false, 0);
    return EXIT_RESUME;
}

enum exit_action gdbstub_exception_exit(struct vcpu *v, uint32_t info)
{
    unsigned vector = info & INTR_INFO_VECTOR_MASK;
    bool has_err = info & INTR_INFO_DELIVER_ERROR_CODE;
    uint32_t err = has_err ? (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE) : 0;
    if (gs.vm == v->vm && gs.catch_exceptions) {
        hold(v->vm, vector == 0 ? GDB_SIGFPE : vector == 6 ? GDB_SIGILL : GDB_SIGSEGV, false);
        gs.pending_exc = info;
        gs.pending_err = err;
        return EXIT_YIELD;
    }
    vcpu_inject_exception(v, vector, has_err, err);
    return EXIT_RESUME;
}

/* One instruction done under the monitor trap flag: the step is over. */
enum exit_action exit_monitor_trap_flag(struct vcpu *v)
{
    set_mtf(false);
    if (gs.vm != v->vm || !gs.stepping)
        return EXIT_RESUME;
    gs.stepping = false;
    hold(v->vm, GDB_SIGTRAP, false);
    return EXIT_YIELD;
}

/* ---- commands ---- */

static void report_stop(void)
{
    char buf[48];
    const struct hw_bp *h = gs.stop_hw >= 0 ? &gs.hw[gs.stop_hw] : NULL;
    if (h && h->type == 1)
        fmt_snprintf(buf, sizeof(buf), "T%02xhwbreak:;", gs.stop_signal);
    else if (h)
        fmt_snprintf(buf, sizeof(buf), "T%02x%s:%llx;", gs.stop_signal,
                     h->type == 2 ? "watch" : "awatch", (unsigned long long)h->addr);
    else
        fmt_snprintf(buf, sizeof(buf), "T%02x%s", gs.stop_signal,
                     gs.stop_swbreak ? "swbreak:;" : "");
    send_str(buf);
}

static void cmd_read_mem(struct vcpu *v, const struct rsp_cmd *c)
{
    static uint8_t data[RSP_PACKET_MAX / 2];
    size_t len = MIN(c->len, sizeof(data));
    if (guest_virt_copy(v, c->addr, data, len, false) < 0) {
        send_str("E14");
        return;
    }
    /* The debugger sees the bytes under our INT3s. */
    for (unsigned i = 0; i < GDB_MAX_BPS; i++)
        if (gs.bps[i].used && gs.bps[i].addr - c->addr < len)
            data[gs.bps[i].addr - c->addr] = gs.bps[i].orig;
    rsp_hex_encode(gs.reply, data, len);
    send_packet(gs.reply, 2 * len);
}

static void cmd_write_mem(struct vcpu *v, const struct rsp_cmd *c)
{
    static uint8_t data[RSP_PACKET_MAX / 2];
    if (c->len > sizeof(data) || rsp_hex_decode(data, c->data, c->len) < 0) {
        send_str("E01");
        return;
    }
    send_str(guest_virt_copy(v, c->addr, data, c->len, true) < 0 ? "E14" : "OK");
}

/* P: general registers, RIP and RFLAGS;
 * selectors are not written (that would need their descriptors). */
static void cmd_write_reg(struct vcpu *v, const struct rsp_cmd *c)
{
    unsigned bytes;
    int slot = rsp_reg_slot(c->reg, guest_cpu_mode() == 64, &bytes);
    uint8_t b[8];
    if (slot < 0 || slot >= RSP_SLOT_SEG || c->len != bytes ||
        rsp_hex_decode(b, c->data, bytes) < 0) {
        send_str("E01");
        return;
    }
    uint64_t val = 0;
    for (unsigned k = 0; k < bytes; k++)
        val |= (uint64_t)b[k] << (8 * k);
    if (slot == RSP_SLOT_RIP)
        vmwrite(VMCS_GUEST_RIP, val);
    else if (slot == RSP_SLOT_RFLAGS)
        /* reserved bits (63:22, 15, 5, 3) 0, bit 1 set, VM 0 in IA-32e
         * mode: what VM entry checks ("Checks on Guest RIP and RFLAGS") */
        vmwrite(VMCS_GUEST_RFLAGS, (val & 0x3F7FD5 & ~(bytes == 8 ? BIT(17) : 0)) | BIT(1));
    else if (slot == GPR_RSP)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        v->regs.gpr[slot] = val;
    send_str("OK");
}

static void resume(struct vcpu *v, const struct rsp_cmd *c, bool step)
{
    if (c->has_addr)
        vmwrite(VMCS_GUEST_RIP, c->addr);
    /* An instruction breakpoint is a fault: RF lets the instruction run
     * once (Vol. 3B, "Instruction-Breakpoint Exception Condition"). */
    if (gs.stop_hw >= 0 && gs.hw[gs.stop_hw].type == 1)
        vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) | RFLAGS_RF);
    gs.stop_hw = -1;
    /* A caught exception goes to the guest when gdb passes the signal on
     * (C sig, gdb's default); plain c or s (`signal 0`) drops it, and the
     * guest runs the instruction again. */
    if (gs.pending_exc && c->signal) {
        vcpu_inject_exception(v, gs.pending_exc & INTR_INFO_VECTOR_MASK,
                              gs.pending_exc & INTR_INFO_DELIVER_ERROR_CODE, gs.pending_err);
    }
    gs.pending_exc = 0;
    if (step) {
        gs.stepping = true;
        if (mtf_supported()) {
            set_mtf(true);
        } else {
            uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
            gs.tf_saved = rflags & RFLAGS_TF;
            gs.step_tf = true;
            vmwrite(VMCS_GUEST_RFLAGS, rflags | RFLAGS_TF);
            set_exception_exiting(VECTOR_DB, true);
        }
    }
    gs.running = true;
    v->vm->gdb_stopped = false;
}

/* gdb's `monitor TEXT`: output lines as 'O' packets, then OK. */
static void monitor_reply(const char *text)
{
    size_t n = strlen(text);
    gs.reply[0] = 'O';
    rsp_hex_encode(gs.reply + 1, text, n);
    send_packet(gs.reply, 1 + 2 * n);
    send_str("OK");
}

static void cmd_monitor(const struct rsp_cmd *c)
{
    char text[64];
    if (c->len >= sizeof(text) || rsp_hex_decode(text, c->data, c->len) < 0) {
        send_str("E01");
        return;
    }
    text[c->len] = '\0';
    if (!strcmp(text, "catch on") || !strcmp(text, "catch off")) {
        gs.catch_exceptions = text[7] == 'n';
        uint64_t bm = vmread(VMCS_EXCEPTION_BITMAP);
        vmwrite(VMCS_EXCEPTION_BITMAP, gs.catch_exceptions ? bm | GDB_CATCH_VECTORS
                                                           : bm & ~(uint64_t)GDB_CATCH_VECTORS);
        monitor_reply(gs.catch_exceptions ? "stopping at #DE, #UD and #GP\n"
                                          : "guest exceptions go to the guest\n");
    } else {
        monitor_reply("commands: catch on | catch off (stop at #DE, #UD, #GP)\n");
    }
}

static void handle_packet(const char *pkt, size_t len)
{
    struct vm *vm = gs.vm;
    struct vcpu *v = &vm->vcpu;
    struct rsp_cmd c;
    struct rsp_x86_regs regs;
    rsp_parse(pkt, len, &c);
    if (vm->state == VM_STOPPED && c.kind != RSP_CMD_DETACH && c.kind != RSP_CMD_KILL) {
        send_str("E03");
        return;
    }
    if (vm->state != VM_STOPPED)
        vmcs_load(v);
    switch (c.kind) {
    case RSP_CMD_STATUS:
        report_stop();
        break;
    case RSP_CMD_READ_REGS:
    case RSP_CMD_READ_REG: {
        read_regs(v, &regs);
        size_t n = rsp_encode_regs(gs.reply, &regs, guest_cpu_mode() == 64,
                                   c.kind == RSP_CMD_READ_REG ? (int)c.reg : -1);
        if (n)
            send_packet(gs.reply, n);
        else
            send_str("E45");
        break;
    }
    case RSP_CMD_WRITE_REG:
        cmd_write_reg(v, &c);
        break;
    case RSP_CMD_READ_MEM:
        cmd_read_mem(v, &c);
        break;
    case RSP_CMD_WRITE_MEM:
        cmd_write_mem(v, &c);
        break;
    case RSP_CMD_CONTINUE:
        resume(v, &c, false);
        break;
    case RSP_CMD_STEP:
        resume(v, &c, true);
        break;
    case RSP_CMD_BREAK_INSERT:
        if (c.type != 0) {
            int rc = hw_insert(v, c.type, c.addr, c.len);
            send_str(rc > 0 ? "" : rc < 0 ? "E0e" : "OK");
        } else {
            send_str(insert_bp(v, c.addr) < 0 ? "E14" : "OK");
        }
        break;
    case RSP_CMD_BREAK_REMOVE: {
        struct sw_bp *bp = c.type == 0 ? find_bp(c.addr) : NULL;
        if (c.type != 0)
            send_str(c.type == 3 ? "" : hw_remove(v, c.type, c.addr, c.len) < 0 ? "E0e" : "OK");
        else
            send_str(!bp || remove_bp(v, bp) < 0 ? "E14" : "OK");
        break;
    }
    case RSP_CMD_DETACH:
        send_str("OK");
        release();
        break;
    case RSP_CMD_KILL:
        vm_stop(vm, VM_END_STOPPED_BY_USER, 0, "killed by the debugger");
        release();
        break;
    case RSP_CMD_SET_THREAD:
        send_str("OK");
        break;
    case RSP_CMD_QUERY_SUPPORTED: {
        char buf[40];
        fmt_snprintf(buf, sizeof(buf), "PacketSize=%x;swbreak+;hwbreak+", RSP_PACKET_MAX);
        send_str(buf);
        break;
    }
    case RSP_CMD_MONITOR:
        cmd_monitor(&c);
        break;
    case RSP_CMD_QUERY_ATTACHED:
        send_str("1");                   /* detaching leaves the guest running */
        break;
    case RSP_CMD_BAD:
        send_str("E01");
        break;
    default:
        send_str("");
        break;
    }
}

bool gdbstub_detach(void)
{
    if (!gs.vm)
        return false;
    release();
    return true;
}

bool gdbstub_attach(struct vm *vm, uint16_t port)
{
    if (gs.vm && gs.vm->state == VM_STOPPED)
        release();                   /* it ended (stopped from the monitor) */
    if (gs.vm) {
        pr_err("gdb: guest %s is attached already; one at a time\n", gs.vm->name);
        return false;
    }
    if (vm->state == VM_STOPPED) {
        pr_err("gdb: guest %s is stopped\n", vm->name);
        return false;
    }
    if (!uart16550_init(port)) {
        pr_err("gdb: no UART answers at port %#x\n", port);
        return false;
    }
    memset(&gs, 0, sizeof(gs));
    gs.vm = vm;
    gs.port = port;
    rsp_rx_init(&gs.rx);
    vmcs_load(&vm->vcpu);
    set_exception_exiting(VECTOR_BP, true);
    hold(vm, GDB_SIGTRAP, false);
    pr_info("gdb: guest %s waits for the debugger on the serial port at %#x (steps by %s)\n",
            vm->name, port, mtf_supported() ? "the monitor trap flag" : "RFLAGS.TF");
    return true;
}

bool gdbstub_poll(void)
{
    if (!gs.vm)
        return false;
    bool any = false;
    for (int ch; gs.vm && (ch = uart16550_getc(gs.port)) >= 0; ) {
        any = true;
        switch (rsp_rx_byte(&gs.rx, (uint8_t)ch)) {
        case RSP_EV_PACKET:
            send_raw("+", 1);
            handle_packet(gs.rx.buf, gs.rx.len);
            break;
        case RSP_EV_BAD_CHECKSUM:
            send_raw("-", 1);
            break;
        case RSP_EV_NAK:
            send_raw(gs.out, gs.out_len);
            break;
        case RSP_EV_INTERRUPT:
            if (gs.running && !gs.vm->gdb_stopped)
                hold(gs.vm, GDB_SIGINT, false);
            break;
        default:
            break;
        }
    }
    if (!gs.vm || !gs.running)
        return any;
    if (gs.vm->state == VM_STOPPED) {
        /* The guest ended while gdb waited: "W" with its exit status. */
        char buf[8];
        fmt_snprintf(buf, sizeof(buf), "W%02x", (unsigned)(gs.vm->exit_status & 0xFF));
        send_str(buf);
        release();
    } else if (gs.vm->gdb_stopped) {
        gs.running = false;
        report_stop();
    }
    return any;
}
