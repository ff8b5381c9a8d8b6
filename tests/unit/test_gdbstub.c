/*
 * Host unit tests of the GDB stub's session (vmm/gdbstub.c) above a fake
 * vCPU: the VM API calls it makes (vcpu_get_state/vcpu_set_state,
 * vcpu_translate, vcpu_set_guest_debug, vcpu_queue_exception) are stand-ins
 * here that keep registers, a 1:1 page mapping and the last debug setting,
 * and the serial port is a byte queue each way. A test types packets as gdb
 * would and checks the replies, guest memory, the registers and the debug
 * setting; the stops come in through vm->debug_ops as the exit handlers
 * (vmx/guest_debug.c) would send them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/gdbstub.h"
#include "drivers/hw/uart16550.h"
#include "boot/msr.h"
#include <hv/errno.h>
#include <hv/gdb_rsp.h>

#define PORT      0x2F8
#define RAM_SIZE  GMEM_CHUNK_SIZE
#define CODE      0x1000ULL          /* where the guest "runs" */

static struct vm vm;
static struct vcpu *v = &vm.vcpu;

/* ---- the fake vCPU ---- */
static struct {
    struct vcpu_state st;
    struct vcpu_debug debug;         /* as last set */
    unsigned debug_sets, state_sets;
    bool refuse_state;
    unsigned queued, queued_vector;
    bool queued_has_err;
    uint32_t queued_err;
} cpu;

int vcpu_get_state(struct vcpu *vc, struct vcpu_state *st)
{
    assert_ptr_equal(vc, v);
    *st = cpu.st;
    return 0;
}

int vcpu_set_state(struct vcpu *vc, const struct vcpu_state *st)
{
    assert_ptr_equal(vc, v);
    if (cpu.refuse_state)
        return -HV_EINVAL;
    cpu.st = *st;
    cpu.state_sets++;
    return 0;
}

/* Paging off: linear is physical, inside RAM. */
int vcpu_translate(struct vcpu *vc, gva_t gva, gpa_t *gpa)
{
    assert_ptr_equal(vc, v);
    if (gva >= RAM_SIZE)
        return -HV_EFAULT;
    *gpa = gva;
    return 0;
}

int vcpu_set_guest_debug(struct vcpu *vc, const struct vcpu_debug *d)
{
    assert_ptr_equal(vc, v);
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
        if (d->hw[i].kind == VCPU_HW_WRITE && (d->hw[i].addr & (d->hw[i].len - 1)))
            return -HV_EINVAL;
    cpu.debug = *d;
    cpu.debug_sets++;
    return 0;
}

const char *vcpu_debug_step_method(void) { return "the monitor trap flag"; }

void vcpu_queue_exception(struct vcpu *vc, unsigned vector, bool has_error_code,
                          uint32_t error_code)
{
    assert_ptr_equal(vc, v);
    cpu.queued++;
    cpu.queued_vector = vector;
    cpu.queued_has_err = has_error_code;
    cpu.queued_err = error_code;
}

void vm_stop(struct vm *m, enum vm_end end, uint64_t status, const char *fmt, ...)
{
    (void)fmt;
    m->state = VM_STOPPED;
    m->end = end;
    m->exit_status = status;
}

/* ---- the serial port: what gdb typed, what the stub sent ---- */
static struct {
    char in[512];
    size_t in_len, in_pos;
    char out[8192];
    size_t out_len;
} line;

bool uart16550_init(uint16_t port) { return port == PORT; }

void uart16550_putc(uint16_t port, char c)
{
    assert_int_equal(port, PORT);
    assert_true(line.out_len + 1 < sizeof(line.out));
    line.out[line.out_len++] = c;
    line.out[line.out_len] = 0;
}

int uart16550_getc(uint16_t port)
{
    assert_int_equal(port, PORT);
    return line.in_pos < line.in_len ? (unsigned char)line.in[line.in_pos++] : -1;
}

/* gdb sends one packet; the stub's answer (acknowledgement and all) is
 * returned. */
static const char *gdb(const char *payload)
{
    char framed[512];
    size_t n = rsp_frame(framed, sizeof(framed), payload, strlen(payload));
    assert_true(n > 0 && n < sizeof(line.in));
    memcpy(line.in, framed, n);
    line.in_len = n;
    line.in_pos = 0;
    line.out_len = 0;
    line.out[0] = 0;
    gdbstub_poll();
    return line.out;
}

/* got is "$payload#xx" for the expected payload. */
static void expect_packet(const char *got, const char *payload)
{
    char want[512];
    size_t n = rsp_frame(want, sizeof(want), payload, strlen(payload));
    want[n] = 0;
    assert_string_equal(got, want);
}

/* got is the acknowledgement, then that packet. */
static void expect_reply(const char *got, const char *payload)
{
    assert_int_equal(got[0], '+');
    expect_packet(got + 1, payload);
}

static uint8_t ram_byte(gpa_t gpa)
{
    return vm.mem.chunk[0][gpa];
}

/* A stop, as the exit handlers report it; then the poll between slices
 * sends its reply. */
static bool stop(const struct vcpu_stop *why)
{
    assert_non_null(vm.debug_ops);
    return vm.debug_ops->stop(v, why);
}

static const char *poll_reply(void)
{
    line.in_len = line.in_pos = 0;
    line.out_len = 0;
    line.out[0] = 0;
    gdbstub_poll();
    return line.out;
}

static int setup(void **state)
{
    (void)state;
    memset(&vm, 0, sizeof(vm));
    memset(&cpu, 0, sizeof(cpu));
    memset(&line, 0, sizeof(line));
    strcpy(vm.name, "t");
    vm.state = VM_RUNNABLE;
    v->vm = &vm;
    vm.mem.size = RAM_SIZE;
    vm.mem.nchunks = 1;
    vm.mem.chunk[0] = calloc(1, RAM_SIZE);
    /* 32-bit protected mode, flat */
    cpu.st.rip = CODE;
    cpu.st.rflags = 0x202;
    cpu.st.gpr[GPR_RAX] = 0x11223344;
    cpu.st.gpr[GPR_RSP] = 0x8000;
    cpu.st.seg[VCPU_SEG_CS].selector = 0x10;
    cpu.st.seg[VCPU_SEG_CS].db = 1;
    cpu.st.seg[VCPU_SEG_SS].selector = 0x18;
    cpu.st.cr0 = CR0_PE;
    memcpy(vm.mem.chunk[0] + CODE, "\x90\x90\xf4", 3);       /* nop nop hlt */
    assert_true(gdbstub_attach(&vm, PORT));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)gdbstub_detach();
    free(vm.mem.chunk[0]);
    return 0;
}

static void test_attach_holds_with_breakpoint_exits(void **state)
{
    (void)state;
    assert_true(vm.gdb_stopped);
    assert_non_null(vm.debug_ops);
    assert_int_equal(cpu.debug.control, VCPU_DEBUG_ENABLE);
    expect_reply(gdb("?"), "T05");
    assert_false(gdbstub_attach(&vm, PORT));             /* one at a time */
}

static void test_query_supported(void **state)
{
    (void)state;
    expect_reply(gdb("qSupported:swbreak+;hwbreak+"), "PacketSize=1000;swbreak+;hwbreak+");
    expect_reply(gdb("qAttached"), "1");
    expect_reply(gdb("vMustReplyEmpty"), "");
}

/* g: the i386 layout (eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds
 * es fs gs), little-endian. */
static void test_read_registers_i386(void **state)
{
    (void)state;
    const char *r = gdb("g");
    assert_int_equal(strncmp(r, "+$44332211", 10), 0);
    assert_non_null(strstr(r, "00800000" "00000000" "00000000" "00000000"
                              "00100000" "02020000" "10000000" "18000000"));
    expect_reply(gdb("p8"), "00100000");                 /* eip */
}

static void test_read_registers_amd64(void **state)
{
    (void)state;
    cpu.st.efer = IA32_EFER_LMA | IA32_EFER_LME;
    cpu.st.seg[VCPU_SEG_CS].l = 1;
    cpu.st.seg[VCPU_SEG_CS].db = 0;
    cpu.st.rip = 0xffffffff81000000ULL;
    expect_reply(gdb("p10"), "00000081ffffffff");          /* rip is register 16 */
}

static void test_write_register_through_set_state(void **state)
{
    (void)state;
    expect_reply(gdb("P1=34120000"), "OK");                /* ecx */
    assert_int_equal(cpu.st.gpr[GPR_RCX], 0x1234);
    assert_int_equal(cpu.st.rip, CODE);
    expect_reply(gdb("P9=ffffffff"), "OK");                /* eflags: reserved bits dropped */
    assert_int_equal(cpu.st.rflags, 0x3F7FD7);
    cpu.refuse_state = true;
    expect_reply(gdb("P0=01000000"), "E01");
}

static void test_memory(void **state)
{
    (void)state;
    expect_reply(gdb("m1000,3"), "9090f4");
    expect_reply(gdb("M1001,2:cccc"), "OK");
    assert_int_equal(ram_byte(CODE + 1), 0xCC);
    expect_reply(gdb("m1ffffff,2"), "E14");                /* past RAM */
}

/* Z0 writes an INT3 that gdb does not see in m; its #BP stops the guest,
 * another INT3's is declined (the guest's own); z0 puts the byte back. */
static void test_software_breakpoint(void **state)
{
    (void)state;
    expect_reply(gdb("Z0,1002,1"), "OK");
    assert_int_equal(ram_byte(CODE + 2), 0xCC);
    expect_reply(gdb("m1000,3"), "9090f4");
    assert_string_equal(gdb("c"), "+");
    assert_false(vm.gdb_stopped);
    assert_int_equal(cpu.debug.control, VCPU_DEBUG_ENABLE);

    struct vcpu_stop why = { .kind = VCPU_STOP_BREAKPOINT, .addr = CODE + 1 };
    assert_false(stop(&why));                              /* not ours */
    assert_false(vm.gdb_stopped);
    why.addr = CODE + 2;
    assert_true(stop(&why));
    assert_true(vm.gdb_stopped);
    expect_packet(poll_reply(), "T05swbreak:;");
    expect_reply(gdb("z0,1002,1"), "OK");
    assert_int_equal(ram_byte(CODE + 2), 0xF4);
}

static void test_single_step(void **state)
{
    (void)state;
    assert_string_equal(gdb("s"), "+");
    assert_int_equal(cpu.debug.control, VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP);
    const struct vcpu_stop why = { .kind = VCPU_STOP_STEP };
    assert_true(stop(&why));
    expect_packet(poll_reply(), "T05");
    assert_string_equal(gdb("c"), "+");
    assert_int_equal(cpu.debug.control, VCPU_DEBUG_ENABLE);
}

/* Z1 takes a slot; its stop says hwbreak, and the continue after it sets
 * RF so that the instruction runs. Watchpoints report their address. */
static void test_hardware_breakpoints(void **state)
{
    (void)state;
    expect_reply(gdb("Z1,1002,1"), "OK");
    assert_int_equal(cpu.debug.hw[0].kind, VCPU_HW_EXEC);
    assert_int_equal(cpu.debug.hw[0].addr, CODE + 2);
    expect_reply(gdb("Z2,2000,4"), "OK");
    assert_int_equal(cpu.debug.hw[1].kind, VCPU_HW_WRITE);
    assert_int_equal(cpu.debug.hw[1].len, 4);
    expect_reply(gdb("Z3,2000,4"), "");                    /* no read-only watchpoints */
    expect_reply(gdb("Z2,2001,4"), "E0e");                 /* refused below: misaligned */
    assert_int_equal(cpu.debug.hw[2].kind, VCPU_HW_NONE);
    expect_reply(gdb("Z4,3000,8"), "OK");
    expect_reply(gdb("Z4,3008,8"), "OK");
    expect_reply(gdb("Z4,3010,8"), "E0e");                 /* all four in use */

    assert_string_equal(gdb("c"), "+");
    struct vcpu_stop why = { .kind = VCPU_STOP_HW, .slot = 0 };
    assert_true(stop(&why));
    expect_packet(poll_reply(), "T05hwbreak:;");
    unsigned sets = cpu.state_sets;
    assert_string_equal(gdb("c"), "+");
    assert_int_equal(cpu.state_sets, sets + 1);
    assert_true(cpu.st.rflags & RFLAGS_RF);

    why.slot = 1;
    assert_true(stop(&why));
    expect_packet(poll_reply(), "T05watch:2000;");
    expect_reply(gdb("z2,2000,4"), "OK");
    assert_int_equal(cpu.debug.hw[1].kind, VCPU_HW_NONE);
    expect_reply(gdb("z2,2000,4"), "E0e");
}

/* monitor catch on: the exceptions stop the guest with their signal; C
 * with the signal delivers the exception, plain c drops it. */
static void test_catch_exceptions(void **state)
{
    (void)state;
    const char *r = gdb("qRcmd,6361746368206f6e");          /* "catch on" */
    assert_non_null(strstr(r, "$O"));
    assert_int_equal(cpu.debug.exceptions, GDB_CATCH_VECTORS);

    assert_string_equal(gdb("c"), "+");
    const struct vcpu_stop ud = { .kind = VCPU_STOP_EXCEPTION, .vector = 6 };
    assert_true(stop(&ud));
    expect_packet(poll_reply(), "T04");
    assert_string_equal(gdb("C04"), "+");
    assert_int_equal(cpu.queued, 1);
    assert_int_equal(cpu.queued_vector, 6);
    assert_false(cpu.queued_has_err);

    const struct vcpu_stop gp = { .kind = VCPU_STOP_EXCEPTION, .vector = 13,
                                  .has_error_code = true, .error_code = 0x10 };
    assert_true(stop(&gp));
    expect_packet(poll_reply(), "T0b");
    assert_string_equal(gdb("c"), "+");                           /* signal 0: dropped */
    assert_int_equal(cpu.queued, 1);

    gdb("qRcmd,6361746368206f6666");                       /* "catch off" */
    assert_int_equal(cpu.debug.exceptions, 0);
    assert_false(stop(&gp));
}

/* D: the INT3s come out, debugging is off, the guest runs on. */
static void test_detach(void **state)
{
    (void)state;
    expect_reply(gdb("Z0,1000,1"), "OK");
    expect_reply(gdb("Z1,1002,1"), "OK");
    expect_reply(gdb("D"), "OK");
    assert_int_equal(ram_byte(CODE), 0x90);
    assert_int_equal(cpu.debug.control, 0);
    assert_int_equal(cpu.debug.hw[0].kind, VCPU_HW_NONE);
    assert_null(vm.debug_ops);
    assert_false(vm.gdb_stopped);
    assert_false(gdbstub_detach());
}

/* The guest ends while gdb waits: W with its status. */
static void test_guest_exit(void **state)
{
    (void)state;
    assert_string_equal(gdb("c"), "+");
    vm_stop(&vm, VM_END_EXIT_PORT, 1, "done");
    expect_packet(poll_reply(), "W01");
    assert_false(gdbstub_detach());
}

/* Ctrl-C while the guest runs holds it with SIGINT. */
static void test_interrupt(void **state)
{
    (void)state;
    assert_string_equal(gdb("c"), "+");
    line.in[0] = 0x03;
    line.in_len = 1;
    line.in_pos = 0;
    line.out_len = 0;
    gdbstub_poll();
    assert_true(vm.gdb_stopped);
    assert_string_equal(line.out, "$T02#b6");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_attach_holds_with_breakpoint_exits),
        T(test_query_supported),
        T(test_read_registers_i386),
        T(test_read_registers_amd64),
        T(test_write_register_through_set_state),
        T(test_memory),
        T(test_software_breakpoint),
        T(test_single_step),
        T(test_hardware_breakpoints),
        T(test_catch_exceptions),
        T(test_detach),
        T(test_guest_exit),
        T(test_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
