/*
 * Host unit tests for the console multiplexer and monitor (vmm/monitor.c)
 * together with the console's input line (drivers/hw/console.c).
 *
 * The physical UART is faked: typed bytes come from a script, and what the
 * hypervisor writes to COM1 goes through a small terminal model (CR, LF,
 * ESC [ K, printable characters) so the tests check what a user would see
 * on the screen, not just the byte stream. The scheduler's guest list,
 * vm_stop and the guest UART feed are faked too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/monitor.h"
#include "vmm/sched.h"
#include "vmm/board.h"
#include "vmx/exit.h"
#include "vmx/trace.h"
#include "vmm/vm.h"
#include "drivers/hw/console.h"
#include "drivers/hw/uart16550.h"

/* ---- fake UART: scripted input, output into a terminal model --------------------------- */

static const uint8_t *typed;
static size_t typed_len, typed_pos;

#define SCREEN_LINES 64
#define SCREEN_COLS  200

static char screen[SCREEN_LINES][SCREEN_COLS + 1];
static unsigned row, col;
static size_t raw_bytes;                 /* bytes written to COM1 */
static char raw[16384];                  /* the last bytes written (for byte-level checks) */
static size_t raw_len;

static void screen_clear(void)
{
    memset(screen, 0, sizeof(screen));
    row = col = 0;
    raw_len = 0;
}

/* ESC [ K seen so far: 0 none, 1 ESC, 2 ESC [ */
static int esc_state;

bool uart16550_init(uint16_t port)
{
    return port == COM1_PORT;
}

void uart16550_putc(uint16_t port, char c)
{
    assert_int_equal(port, COM1_PORT);
    raw_bytes++;
    if (raw_len < sizeof(raw))
        raw[raw_len++] = c;
    if (esc_state == 1) {
        esc_state = c == '[' ? 2 : 0;
        return;
    }
    if (esc_state == 2) {
        assert_int_equal(c, 'K');            /* the only sequence the console uses */
        memset(&screen[row][col], 0, SCREEN_COLS + 1 - col);   /* erase to the end of the line */
        esc_state = 0;
        return;
    }
    if (c == '\033') {
        esc_state = 1;
    } else if (c == '\r') {
        col = 0;
    } else if (c == '\n') {
        if (row + 1 == SCREEN_LINES) {             /* scroll */
            memmove(screen[0], screen[1], sizeof(screen[0]) * (SCREEN_LINES - 1));
            memset(screen[row], 0, sizeof(screen[row]));
        } else {
            row++;
        }
    } else {
        assert_true(c >= 0x20 && c < 0x7F);  /* no raw control bytes reach the terminal */
        assert_true(col < SCREEN_COLS);
        /* Overwriting: a shorter redraw must have erased the rest first. */
        size_t len = strlen(screen[row]);
        for (size_t i = len; i < col; i++)
            screen[row][i] = ' ';
        screen[row][col++] = c;
    }
}

/* Bytes the fake transmitter takes per call: SIZE_MAX = all, 0 = busy. */
static size_t uart_room = SIZE_MAX;
static unsigned nowait_calls;

size_t uart16550_write_nowait(uint16_t port, const char *buf, size_t len)
{
    nowait_calls++;
    size_t n = len < uart_room ? len : uart_room;
    for (size_t i = 0; i < n; i++)
        uart16550_putc(port, buf[i]);
    return n;
}

void uart16550_wait_sent(uint16_t port)
{
    assert_int_equal(port, COM1_PORT);
}

int uart16550_getc(uint16_t port)
{
    assert_int_equal(port, COM1_PORT);
    return typed_pos < typed_len ? typed[typed_pos++] : -1;
}

/* No screen console and no PS/2 keyboard in these tests (drivers/hw/screen.c
 * and i8042.c are not linked). */
bool screen_present(void) { return false; }
void screen_write(const char *s, size_t len) { (void)s; (void)len; }
bool i8042_init(void) { return false; }
int i8042_getc(void) { return -1; }

static void type(const char *s)
{
    typed = (const uint8_t *)s;
    typed_len = strlen(s);
    typed_pos = 0;
    bool any = monitor_poll();
    assert_int_equal(any, typed_len > 0);
    assert_int_equal(typed_pos, typed_len);
}

/* Screen line `r` (negative: from the cursor's line up). */
static const char *line_at(int r)
{
    return screen[r < 0 ? (int)row + 1 + r : r];
}

static bool on_screen(const char *text)
{
    for (unsigned r = 0; r <= row; r++)
        if (strstr(screen[r], text))
            return true;
    return false;
}

/* ---- fake guests and scheduler --------------------------------------------------------- */

static struct vm vm_a, vm_b;
static struct vm *vms[2];
static unsigned nvms;
static unsigned feeds;
static struct vm *stopped_vm;
static enum vm_end stopped_end;

struct vm *const *sched_vms(unsigned *count)
{
    *count = nvms;
    return vms;
}

void board_feed_input(struct vm *vm)
{
    (void)vm;
    feeds++;
}

static unsigned lint_pulses;

void board_assert_lint(struct vm *vm, unsigned pin)
{
    assert_ptr_equal(vm, &vm_b);
    assert_int_equal(pin, 1);
    lint_pulses++;
}

void vm_format_host_work(const struct vm *vm, char *buf, size_t len)
{
    snprintf(buf, len, "host work for it: %s", vm->name);
}

void vm_stop(struct vm *vm, enum vm_end end, uint64_t status, const char *fmt, ...)
{
    (void)status;
    (void)fmt;
    vm->state = VM_STOPPED;
    stopped_vm = vm;
    stopped_end = end;
}

const char *exit_reason_name(unsigned basic_reason)
{
    return basic_reason == 10 ? "CPUID" : basic_reason == 30 ? "IO_INSTRUCTION" : "OTHER";
}

/* The hardware side of vmcheck and trace: which VMCS was made current, a
 * checker that reports `vmcheck_problem` if set, the trace arming. */
static const struct vcpu *loaded_vcpu;
static const char *vmcheck_problem;
static struct vcpu *traced;
static struct exit_trace traced_cfg;

unsigned vcpu_check_state(struct vcpu *v, void (*report)(void *ctx, const char *line), void *ctx)
{
    loaded_vcpu = v;
    if (!vmcheck_problem)
        return 0;
    report(ctx, vmcheck_problem);
    return 1;
}

/* The GDB stub's attach (vmm/gdbstub.h): records the guest and port. */
static struct vm *gdb_vm;
static uint16_t gdb_port;

bool gdbstub_attach(struct vm *vm, uint16_t port)
{
    gdb_vm = vm;
    gdb_port = port;
    return true;
}

bool gdbstub_detach(void)
{
    bool was = gdb_vm != NULL;
    gdb_vm = NULL;
    return was;
}

void trace_start(struct vcpu *v, const struct exit_trace *t)
{
    traced = v;
    traced_cfg = *t;
    v->work |= VCPU_WORK_TRACE;
}

void trace_stop(struct vcpu *v)
{
    v->work &= (uint8_t)~VCPU_WORK_TRACE;
}

/* The typed bytes waiting in a guest's input queue, as a string. */
static const char *queued(const struct vm *vm)
{
    static char buf[300];
    for (unsigned i = 0; i < vm->input_len; i++)
        buf[i] = (char)vm->input[(vm->input_head + i) % sizeof(vm->input)];
    buf[vm->input_len] = '\0';
    return buf;
}

static int setup(void **state)
{
    (void)state;
    memset(&vm_a, 0, sizeof(vm_a));
    memset(&vm_b, 0, sizeof(vm_b));
    strcpy(vm_a.name, "alpha");
    strcpy(vm_b.name, "beta");
    vm_a.state = VM_RUNNABLE;
    vm_b.state = VM_HALTED;
    vm_a.exits[10].count = 7;
    vm_a.exits[10].cycles = 4900;                 /* 700 each */
    vm_a.exits[30].count = 3;
    vm_a.irqs_injected = 5;
    vm_a.tsc_guest = 123456;
    vms[0] = &vm_a;
    vms[1] = &vm_b;
    nvms = 2;
    feeds = 0;
    stopped_vm = NULL;
    uart_room = SIZE_MAX;
    console_async(false);
    console_init();
    console_set_input(NULL, 0);
    monitor_announce();
    screen_clear();
    esc_state = 0;
    return 0;
}

/* ---- routing --------------------------------------------------------------------------- */

static void test_input_goes_to_guest_one_at_start(void **state)
{
    (void)state;
    type("ls\r");
    assert_string_equal(queued(&vm_a), "ls\r");
    assert_int_equal(vm_b.input_len, 0);
    assert_int_equal(feeds, 3);
    assert_int_equal(raw_len, 0);                 /* the monitor echoes nothing for guests */
}

static void test_ctrl_a_n_cycles_through_guests_and_monitor(void **state)
{
    (void)state;
    type("\001n" "b");
    assert_true(on_screen("[monitor] console input goes to guest beta"));
    assert_string_equal(queued(&vm_b), "b");
    type("\001n");
    assert_true(on_screen("[monitor] console input goes to the monitor; type help"));
    assert_string_equal(line_at(-1), "monitor> ");
    type("\001n" "a");
    assert_string_equal(queued(&vm_a), "a");
    assert_string_equal(line_at(-1), "");         /* the prompt went with the focus */
}

static void test_ctrl_a_digit_and_literal_ctrl_a(void **state)
{
    (void)state;
    type("\0012" "\001\001" "x");
    assert_string_equal(queued(&vm_b), "\001x");  /* Ctrl-A Ctrl-A: one Ctrl-A */
    type("\0019");
    assert_true(on_screen("[monitor] no guest 9"));
    type("y");
    assert_string_equal(queued(&vm_b), "\001xy"); /* focus unchanged */
    assert_int_equal(vm_a.input_len, 0);
}

static void test_stopped_guest_gets_no_input(void **state)
{
    (void)state;
    vm_a.state = VM_STOPPED;
    type("zz");
    assert_int_equal(vm_a.input_len, 0);
    assert_int_equal(feeds, 0);
}

static void test_full_input_queue_drops_bytes(void **state)
{
    (void)state;
    char many[301];
    memset(many, 'k', 300);
    many[300] = '\0';
    type(many);
    assert_int_equal(vm_a.input_len, sizeof(vm_a.input));
}

/* ---- the monitor's line and prompt ----------------------------------------------------- */

static void test_typing_echoes_after_the_prompt(void **state)
{
    (void)state;
    type("\0010");
    size_t before = raw_len;
    type("l");
    assert_int_equal(raw_len - before, 1);        /* one more character: one byte */
    assert_string_equal(line_at(-1), "monitor> l");
    type("isx\b\r");
    assert_true(on_screen("monitor> lis"));
    /* "lis" is not a command; the rejected line stays on screen as typed. */
    assert_true(on_screen("[monitor] unknown command \"lis\"; type help"));
    assert_string_equal(line_at(-1), "monitor> ");
}

static void test_list_and_stats_show_values(void **state)
{
    (void)state;
    type("\0010list\r");
    assert_true(on_screen("monitor> list"));
    assert_true(on_screen("[monitor] #   guest            state        VM exits     TSC cycles"));
    assert_true(on_screen("[monitor] 1   alpha            running            10         123456"));
    assert_true(on_screen("[monitor] 2   beta             halted              0              0"));
    type("stats alpha\r");
    assert_true(on_screen("[monitor] alpha: 10 VM exits, 5 interrupts injected"));
    assert_true(on_screen("[monitor]   CPUID                         7 exits      700 cycles average"));
    assert_true(on_screen("[monitor]   IO_INSTRUCTION                3 exits        0 cycles average"));
    type("stats\r");
    assert_true(on_screen("[monitor] stats: no guest named \"\""));
}

static void test_backspace_and_ctrl_u_edit_the_line(void **state)
{
    (void)state;
    type("\0010");
    type("pause xx\b\bbeta");
    assert_string_equal(line_at(-1), "monitor> pause beta");
    type("\025");
    assert_string_equal(line_at(-1), "monitor> ");   /* redrawn shorter: erased first */
    type("\b\b\x7fpause beta\r");
    assert_int_equal(vm_b.state, VM_PAUSED);
    assert_true(on_screen("[monitor] beta paused"));
    type("pause beta\rresume beta\r");
    assert_true(on_screen("[monitor] beta is paused"));
    assert_true(on_screen("[monitor] beta resumed"));
    assert_int_equal(vm_b.state, VM_RUNNABLE);
    assert_true(vm_b.vcpu.work & VCPU_WORK_IRQ);
    type("resume beta\r");
    assert_true(on_screen("[monitor] beta is running"));
}

static void test_stop_and_unknown_names(void **state)
{
    (void)state;
    type("\0010stop gamma\rstop alpha\r");
    assert_true(on_screen("[monitor] stop: no guest named \"gamma\""));
    assert_ptr_equal(stopped_vm, &vm_a);
    assert_int_equal(stopped_end, VM_END_STOPPED_BY_USER);
    type("help\r");
    assert_true(on_screen("[monitor] commands: list | stats NAME | pause NAME | resume NAME | stop NAME | help"));
    assert_true(on_screen("[monitor] nmi NAME pulses the guest's LINT1 (an NMI if its LVT LINT1 says so)"));
    lint_pulses = 0;
    type("nmi beta\rnmi alpha\rnmi\r");
    assert_int_equal(lint_pulses, 1);
    assert_true(on_screen("[monitor] beta: LINT1 pulsed"));
    assert_true(on_screen("[monitor] alpha is stopped"));
    assert_true(on_screen("[monitor] nmi: no guest named \"\""));
    assert_true(on_screen("[monitor] editing: Backspace, Ctrl-U erases the line"));
}

static void test_vmcheck_command(void **state)
{
    (void)state;
    loaded_vcpu = NULL;
    vmcheck_problem = NULL;
    type("\0010vmcheck beta\r");
    assert_ptr_equal(loaded_vcpu, &vm_b.vcpu);       /* its VMCS made current first */
    assert_true(on_screen("[monitor] vmcheck beta: no problems found"));
    vmcheck_problem = "guest CS access rights: type must be an accessed code segment "
                      "(9, 11, 13, 15, or 3 with unrestricted guest), got 0x1";
    type("vmcheck alpha\r");
    assert_true(on_screen("[monitor] vmcheck alpha: guest CS access rights: type must be an "
                          "accessed code segment (9, 11, 13, 15, or 3 with unrestricted guest), "
                          "got 0x1"));
    assert_false(on_screen("[monitor] vmcheck alpha: no problems found"));
    type("vmcheck nosuch\r");
    assert_true(on_screen("[monitor] vmcheck: no guest named \"nosuch\""));
    vmcheck_problem = NULL;
}

static void test_trace_command(void **state)
{
    (void)state;
    traced = NULL;
    type("\0010trace alpha\r");
    assert_ptr_equal(traced, &vm_a.vcpu);
    assert_int_equal(traced_cfg.count, TRACE_DEFAULT_COUNT);
    assert_true(vm_a.vcpu.work & VCPU_WORK_TRACE);
    assert_true(on_screen("[monitor] trace alpha: the next 20 exit(s)"));
    type("trace beta 5 cpuid io_instruction\r");
    assert_ptr_equal(traced, &vm_b.vcpu);
    assert_int_equal(traced_cfg.count, 5);
    assert_true(trace_wants(&traced_cfg, 10));
    assert_true(trace_wants(&traced_cfg, 30));
    assert_false(trace_wants(&traced_cfg, 12));
    assert_true(on_screen("[monitor] trace beta: the next 5 exit(s) of the reasons given"));
    type("trace alpha off\r");
    assert_false(vm_a.vcpu.work & VCPU_WORK_TRACE);
    assert_true(on_screen("[monitor] trace alpha: off"));
    type("trace alpha 3 frob\r");
    assert_true(on_screen("[monitor] trace: unknown exit reason \"frob\""));
    type("trace gamma 3\r");
    assert_true(on_screen("[monitor] trace: no guest named \"gamma\""));
    vm_a.state = VM_STOPPED;
    traced = NULL;
    type("trace alpha\r");
    assert_null(traced);
    assert_true(on_screen("[monitor] alpha is stopped"));
    type("help\r");
    assert_true(on_screen("[monitor] debugging: vmcheck NAME | trace NAME [N] [REASON...] | "
                          "trace NAME off"));
}

static void test_gdb_command(void **state)
{
    (void)state;
    gdb_vm = NULL;
    type("\0010gdb beta\r");
    assert_ptr_equal(gdb_vm, &vm_b);
    assert_int_equal(gdb_port, 0x2F8);              /* COM2: the console is on COM1 */
    assert_true(on_screen("[monitor] gdb beta: attach with target remote on COM2"));
    gdb_vm = NULL;
    type("gdb nosuch\r");
    assert_null(gdb_vm);
    assert_true(on_screen("[monitor] gdb: no guest named \"nosuch\""));
    type("gdb alpha\r");
    assert_ptr_equal(gdb_vm, &vm_a);
    type("gdb off\r");
    assert_null(gdb_vm);
    assert_true(on_screen("[monitor] gdb: detached, the guest runs on"));
    type("gdb off\r");
    assert_true(on_screen("[monitor] gdb: no guest is attached"));
}

static void test_control_bytes_are_not_echoed(void **state)
{
    (void)state;
    type("\0010\t\033[Aab\r");                   /* tab and an arrow key's ESC [ A */
    assert_true(on_screen("monitor> [Aab"));
    assert_true(on_screen("[monitor] unknown command \"[Aab\"; type help"));
}

static void test_line_length_is_bounded(void **state)
{
    (void)state;
    char s[200] = "\0010";
    memset(s + 2, 'q', 150);
    type(s);
    /* 79 characters fit the monitor's 80-byte line. */
    assert_int_equal(strlen(line_at(-1)), strlen("monitor> ") + 79);
    type("\025");
}

/* ---- output scrolls above the input line ----------------------------------------------- */

static void test_output_erases_and_redraws_the_prompt(void **state)
{
    (void)state;
    type("\0010li");
    console_write("[pit] tick 1\n", 13);
    kprintf("[hv:info] %s\n", "something");
    /* The lines above the prompt are whole; the prompt and "li" come back. */
    assert_string_equal(line_at(-3), "[pit] tick 1");
    assert_string_equal(line_at(-2), "[hv:info] something");
    assert_string_equal(line_at(-1), "monitor> li");
    type("st\r");
    assert_true(on_screen("monitor> list"));
    assert_string_equal(line_at(-1), "monitor> ");
}

static void test_partial_output_line_waits_for_its_end(void **state)
{
    (void)state;
    type("\0010ab");
    console_write("[x] part", 8);
    /* Mid-line output: the prompt is not drawn inside it. */
    assert_string_equal(line_at(-1), "[x] part");
    console_write(" two\n", 5);
    assert_string_equal(line_at(-2), "[x] part two");
    assert_string_equal(line_at(-1), "monitor> ab");
    type("\025");
}

static void test_clearing_the_input_line(void **state)
{
    (void)state;
    type("\0010");
    console_set_input(NULL, 0);                  /* what the summary does at the end */
    assert_string_equal(line_at(-1), "");
    console_write("[hv:info] summary\n", 18);
    assert_string_equal(line_at(-2), "[hv:info] summary");
    assert_string_equal(line_at(-1), "");
}


/* ---- asynchronous output ----------------------------------------------------------------- */

static void test_async_output_is_queued_and_drained(void **state)
{
    (void)state;
    console_async(true);
    uart_room = 0;                                /* the transmitter is busy */
    console_write("[a] one\n", 8);
    kprintf("[b] %s\n", "two");
    assert_int_equal(raw_len, 0);                 /* queued, the writer did not wait */
    uart_room = 4;                                /* a small FIFO: 4 bytes per call */
    console_drain();
    assert_int_equal(raw_len, 4 + 5 + 4 + 5);    /* CR LF added; drained until busy */
    assert_string_equal(line_at(0), "[a] one");
    assert_string_equal(line_at(1), "[b] two");
    /* Order is kept across partial drains; leaving async mode flushes. */
    uart_room = 0;
    console_write("[c] three\n", 10);
    console_write("[d] four\n", 9);
    uart_room = 3;
    console_drain();
    console_async(false);
    assert_string_equal(line_at(2), "[c] three");
    assert_string_equal(line_at(3), "[d] four");
    assert_string_equal(line_at(4), "");
}

static void test_async_full_ring_waits_not_drops(void **state)
{
    (void)state;
    console_async(true);
    uart_room = 1;                                /* one byte per call: always behind */
    static char line[80];
    size_t total = 0, before = raw_bytes;
    for (unsigned i = 0; i < 600; i++) {          /* ~39 KiB: more than the ring holds */
        int n = snprintf(line, sizeof(line), "[g] line %04u %s\n", i,
                         "abcdefghijklmnopqrstuvwxyz0123456789abcdefghij");
        console_write(line, (size_t)n);
        total += (size_t)n + 1;                   /* + CR */
    }
    console_async(false);
    /* Every byte arrived, in order: the count, and the last lines. */
    assert_int_equal(raw_bytes - before, total);
    assert_string_equal(line_at(-1), "");
    assert_string_equal(line_at(-3), "[g] line 0598 abcdefghijklmnopqrstuvwxyz0123456789abcdefghij");
    assert_string_equal(line_at(-2), "[g] line 0599 abcdefghijklmnopqrstuvwxyz0123456789abcdefghij");
}

static void test_dead_uart_does_not_hang(void **state)
{
    (void)state;
    console_async(true);
    uart_room = 0;                                /* never takes a byte */
    console_write("[x] lost\n", 9);
    nowait_calls = 0;
    console_flush();                              /* gives up, drops the backlog */
    assert_true(nowait_calls >= 100000);
    uart_room = SIZE_MAX;
    console_write("[y] later\n", 10);
    console_async(false);
    assert_string_equal(line_at(0), "[y] later");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_input_goes_to_guest_one_at_start, setup),
        cmocka_unit_test_setup(test_vmcheck_command, setup),
        cmocka_unit_test_setup(test_trace_command, setup),
        cmocka_unit_test_setup(test_gdb_command, setup),
        cmocka_unit_test_setup(test_ctrl_a_n_cycles_through_guests_and_monitor, setup),
        cmocka_unit_test_setup(test_ctrl_a_digit_and_literal_ctrl_a, setup),
        cmocka_unit_test_setup(test_stopped_guest_gets_no_input, setup),
        cmocka_unit_test_setup(test_full_input_queue_drops_bytes, setup),
        cmocka_unit_test_setup(test_typing_echoes_after_the_prompt, setup),
        cmocka_unit_test_setup(test_list_and_stats_show_values, setup),
        cmocka_unit_test_setup(test_backspace_and_ctrl_u_edit_the_line, setup),
        cmocka_unit_test_setup(test_stop_and_unknown_names, setup),
        cmocka_unit_test_setup(test_control_bytes_are_not_echoed, setup),
        cmocka_unit_test_setup(test_line_length_is_bounded, setup),
        cmocka_unit_test_setup(test_output_erases_and_redraws_the_prompt, setup),
        cmocka_unit_test_setup(test_partial_output_line_waits_for_its_end, setup),
        cmocka_unit_test_setup(test_clearing_the_input_line, setup),
        cmocka_unit_test_setup(test_async_output_is_queued_and_drained, setup),
        cmocka_unit_test_setup(test_async_full_ring_waits_not_drops, setup),
        cmocka_unit_test_setup(test_dead_uart_does_not_hang, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
