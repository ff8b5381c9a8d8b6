/*
 * The GDB stub's session (see vmm/gdbstub.h): the serial line, packets,
 * the breakpoint tables, holding and releasing the guest. It runs between
 * time slices, like the monitor, and reaches the guest only through the
 * VM API (vmm/vm.h); the stops come back from the exit handlers through
 * gdb_debug_ops.stop.
 */
#include "vmm/gdbstub.h"
#include "drivers/hw/uart16550.h"
#include "boot/msr.h"
#include <hv/gdb_rsp.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>

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

static struct {
    struct vm *vm;                   /* the attached guest, or NULL */
    uint16_t port;
    struct rsp_rx rx;
    bool running;                    /* gdb waits for a stop reply */
    int stop_signal;                 /* why the guest stopped last */
    bool stop_swbreak;               /* ... at one of our INT3s */
    struct sw_bp bps[GDB_MAX_BPS];
    /* Hardware breakpoints (Z1) and watchpoints (Z2 write, Z4 access):
     * the slots are DR0-DR3, and the debug setting says the rest. */
    struct vcpu_debug debug;
    int stop_hw;                     /* the slot that stopped it, or -1 */
    bool catch_exceptions;           /* monitor catch on */
    bool pending_exc;                /* caught, to deliver on resume: */
    struct vcpu_stop caught;         /* ... vector and error code */
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

/* gdb's register layout is amd64 in IA-32e mode with a 64-bit CS, else i386. */
static bool long_mode(const struct vcpu_state *st)
{
    return (st->efer & IA32_EFER_LMA) && st->seg[VCPU_SEG_CS].l;
}

static void read_regs(const struct vcpu_state *st, struct rsp_x86_regs *r)
{
    static const enum vcpu_seg gdb_order[6] = {
        VCPU_SEG_CS, VCPU_SEG_SS, VCPU_SEG_DS, VCPU_SEG_ES, VCPU_SEG_FS, VCPU_SEG_GS,
    };
    for (int i = 0; i < 16; i++)
        r->gpr[i] = st->gpr[i];
    r->rip = st->rip;
    r->rflags = st->rflags;
    for (int i = 0; i < 6; i++)
        r->seg[i] = st->seg[gdb_order[i]].selector;
}

/* Copy between the debugger and guest memory at guest-virtual addr, page by
 * page through the guest's own page tables (vcpu_translate).
 * 0, or -1 when a page is not mapped or not RAM. */
static int guest_virt_copy(struct vcpu *v, uint64_t addr, void *buf, size_t len, bool write)
{
    uint8_t *b = buf;
    while (len) {
        size_t n = MIN(len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
        gpa_t gpa;
        if (vcpu_translate(v, addr, &gpa) < 0)
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

/* Give the vCPU the debug setting, with a step or without. */
static int apply_debug(struct vcpu *v, bool step)
{
    gs.debug.control = VCPU_DEBUG_ENABLE | (step ? VCPU_DEBUG_SINGLESTEP : 0);
    gs.debug.exceptions = gs.catch_exceptions ? GDB_CATCH_VECTORS : 0;
    return vcpu_set_guest_debug(v, &gs.debug);
}

/* The Z types of hardware breakpoints: 1 execute, 2 write, 4 access (3,
 * read, x86 has not). */
static enum vcpu_hw_break_kind hw_kind(unsigned type)
{
    return type == 1 ? VCPU_HW_EXEC : type == 2 ? VCPU_HW_WRITE
         : type == 4 ? VCPU_HW_ACCESS : VCPU_HW_NONE;
}

/* 0, 1 for a type we do not serve (empty reply), -1 for an error. */
static int hw_insert(struct vcpu *v, unsigned type, uint64_t addr, uint64_t len)
{
    enum vcpu_hw_break_kind kind = hw_kind(type);
    if (kind == VCPU_HW_NONE)
        return 1;
    if (kind != VCPU_HW_EXEC && len > 8)
        return -1;
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++) {
        if (gs.debug.hw[i].kind == VCPU_HW_NONE) {
            gs.debug.hw[i] = (struct vcpu_hw_break){ kind, addr, (unsigned)len };
            if (apply_debug(v, false) < 0) {    /* length or alignment */
                gs.debug.hw[i].kind = VCPU_HW_NONE;
                return -1;
            }
            return 0;
        }
    }
    return -1;                       /* all four in use */
}

static int hw_remove(struct vcpu *v, unsigned type, uint64_t addr, uint64_t len)
{
    enum vcpu_hw_break_kind kind = hw_kind(type);
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++) {
        struct vcpu_hw_break *h = &gs.debug.hw[i];
        if (kind != VCPU_HW_NONE && h->kind == kind && h->addr == addr &&
            (kind == VCPU_HW_EXEC || h->len == len)) {
            h->kind = VCPU_HW_NONE;
            return apply_debug(v, false);
        }
    }
    return -1;
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
        for (unsigned i = 0; i < GDB_MAX_BPS; i++)
            if (gs.bps[i].used)
                (void)remove_bp(v, &gs.bps[i]);
        static const struct vcpu_debug off;
        (void)vcpu_set_guest_debug(v, &off);
        if (gs.pending_exc)
            vcpu_queue_exception(v, gs.caught.vector, gs.caught.has_error_code,
                                 gs.caught.error_code);
    }
    gs.vm->debug_ops = NULL;
    gs.vm->gdb_stopped = false;
    pr_info("gdb: detached from guest %s\n", gs.vm->name);
    gs.vm = NULL;
    gs.running = false;
}

/* ---- stops (from the exit handlers, vmx/guest_debug.c) ---- */

static bool gdb_stop(struct vcpu *v, const struct vcpu_stop *why)
{
    if (gs.vm != v->vm)
        return false;
    switch (why->kind) {
    case VCPU_STOP_BREAKPOINT:
        if (!find_bp(why->addr))
            return false;            /* the guest's own INT3 */
        hold(v->vm, GDB_SIGTRAP, true);
        return true;
    case VCPU_STOP_STEP:
        hold(v->vm, GDB_SIGTRAP, false);
        return true;
    case VCPU_STOP_HW:
        hold(v->vm, GDB_SIGTRAP, false);
        gs.stop_hw = (int)why->slot;
        return true;
    case VCPU_STOP_EXCEPTION:
        if (!gs.catch_exceptions)
            return false;
        hold(v->vm, why->vector == 0 ? GDB_SIGFPE : why->vector == 6 ? GDB_SIGILL : GDB_SIGSEGV,
             false);
        gs.pending_exc = true;
        gs.caught = *why;
        return true;
    }
    return false;
}

static const struct vm_debug_ops gdb_debug_ops = { gdb_stop };

/* ---- commands ---- */

static void report_stop(void)
{
    char buf[48];
    const struct vcpu_hw_break *h = gs.stop_hw >= 0 ? &gs.debug.hw[gs.stop_hw] : NULL;
    if (h && h->kind == VCPU_HW_EXEC)
        fmt_snprintf(buf, sizeof(buf), "T%02xhwbreak:;", gs.stop_signal);
    else if (h)
        fmt_snprintf(buf, sizeof(buf), "T%02x%s:%llx;", gs.stop_signal,
                     h->kind == VCPU_HW_WRITE ? "watch" : "awatch", (unsigned long long)h->addr);
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
    struct vcpu_state st;
    unsigned bytes;
    (void)vcpu_get_state(v, &st);
    int slot = rsp_reg_slot(c->reg, long_mode(&st), &bytes);
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
        st.rip = val;
    else if (slot == RSP_SLOT_RFLAGS)
        /* reserved bits (63:22, 15, 5, 3) 0, bit 1 set, VM 0 in IA-32e
         * mode: what VM entry checks (SDM Vol. 3C, "Checks on Guest RIP
         * and RFLAGS") */
        st.rflags = (val & 0x3F7FD5 & ~(bytes == 8 ? BIT(17) : 0)) | BIT(1);
    else
        st.gpr[slot] = val;
    /* vcpu_set_state says why when it refuses the result */
    send_str(vcpu_set_state(v, &st) < 0 ? "E01" : "OK");
}

static void resume(struct vcpu *v, const struct rsp_cmd *c, bool step)
{
    /* An instruction breakpoint is a fault: RF lets the instruction run
     * once (SDM Vol. 3B, "Instruction-Breakpoint Exception Condition"). */
    bool rf = gs.stop_hw >= 0 && gs.debug.hw[gs.stop_hw].kind == VCPU_HW_EXEC;
    if (c->has_addr || rf) {
        struct vcpu_state st;
        (void)vcpu_get_state(v, &st);
        if (c->has_addr)
            st.rip = c->addr;
        if (rf)
            st.rflags |= RFLAGS_RF;
        if (vcpu_set_state(v, &st) < 0) {     /* it says why */
            send_str("E01");
            return;
        }
    }
    gs.stop_hw = -1;
    /* A caught exception goes to the guest when gdb passes the signal on
     * (C sig, gdb's default); plain c or s (`signal 0`) drops it, and the
     * guest runs the instruction again. */
    if (gs.pending_exc && c->signal)
        vcpu_queue_exception(v, gs.caught.vector, gs.caught.has_error_code, gs.caught.error_code);
    gs.pending_exc = false;
    (void)apply_debug(v, step);
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

static void cmd_monitor(struct vcpu *v, const struct rsp_cmd *c)
{
    char text[64];
    if (c->len >= sizeof(text) || rsp_hex_decode(text, c->data, c->len) < 0) {
        send_str("E01");
        return;
    }
    text[c->len] = '\0';
    if (!strcmp(text, "catch on") || !strcmp(text, "catch off")) {
        gs.catch_exceptions = text[7] == 'n';
        (void)apply_debug(v, false);
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
    rsp_parse(pkt, len, &c);
    if (vm->state == VM_STOPPED && c.kind != RSP_CMD_DETACH && c.kind != RSP_CMD_KILL) {
        send_str("E03");
        return;
    }
    switch (c.kind) {
    case RSP_CMD_STATUS:
        report_stop();
        break;
    case RSP_CMD_READ_REGS:
    case RSP_CMD_READ_REG: {
        struct vcpu_state st;
        struct rsp_x86_regs regs;
        (void)vcpu_get_state(v, &st);
        read_regs(&st, &regs);
        size_t n = rsp_encode_regs(gs.reply, &regs, long_mode(&st),
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
        cmd_monitor(v, &c);
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
    vm->debug_ops = &gdb_debug_ops;
    (void)apply_debug(&vm->vcpu, false);
    hold(vm, GDB_SIGTRAP, false);
    pr_info("gdb: guest %s waits for the debugger on the serial port at %#x (steps by %s)\n",
            vm->name, port, vcpu_debug_step_method());
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
