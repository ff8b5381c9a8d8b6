/* The console multiplexer and the hypervisor monitor (see vmm/monitor.h). */
#include "vmm/monitor.h"
#include "vmm/sched.h"
#include "vmm/board.h"
#include "vmx/trace.h"
#include "vmm/gdbstub.h"
#include "drivers/hw/console.h"
#include <hv/log.h>
#include <hv/string.h>
#include "hv/lab.h"

#define KEY_CTRL_A   0x01
#define KEY_BS       0x08
#define KEY_CTRL_U   0x15
#define KEY_DEL      0x7F
#define MON_LINE_MAX 80
#define PROMPT       "monitor> "

static unsigned focus;            /* 0 = monitor, i = guest i (1-based) */
static bool escape;
static char line[MON_LINE_MAX];
static size_t line_len;

/* Show the prompt and the typed text as the console's input line (the
 * terminal has no local echo: QEMU's -serial stdio and the Bochs bridge put
 * it in raw mode). */
static void show_line(void)
{
    char buf[sizeof(PROMPT) + MON_LINE_MAX];
    size_t n = sizeof(PROMPT) - 1;
    memcpy(buf, PROMPT, n);
    memcpy(buf + n, line, line_len);
    console_set_input(buf, n + line_len);
}

static struct vm *guest(unsigned i)
{
    unsigned n;
    struct vm *const *vms = sched_vms(&n);
    return i >= 1 && i <= n ? vms[i - 1] : NULL;
}

static struct vm *find(const char *name)
{
    unsigned n;
    struct vm *const *vms = sched_vms(&n);
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(vms[i]->name, name))
            return vms[i];
    return NULL;
}

static void set_focus(unsigned f)
{
    struct vm *vm = guest(f);
    if (f != 0 && !vm) {
        kprintf("[monitor] no guest %u\n", f);
        return;
    }
    focus = f;
    if (vm) {
        console_set_input(NULL, 0);
        kprintf("[monitor] console input goes to guest %s (Ctrl-A 0: monitor, Ctrl-A n: next)\n",
                vm->name);
    } else {
        kprintf("[monitor] console input goes to the monitor; type help\n");
        show_line();
    }
}

static const char *state_name(enum vm_state s)
{
    switch (s) {
    case VM_RUNNABLE: return "running";
    case VM_HALTED:   return "halted";
    case VM_PAUSED:   return "paused";
    default:          return "stopped";
    }
}

static uint64_t total_exits(const struct vm *vm)
{
    uint64_t t = 0;
    for (unsigned r = 0; r < EXIT_STATS_MAX; r++)
        t += vm->exits[r].count;
    return t + vm->ram_faults.count;
}

static void cmd_list(void)
{
    /* LAB 8 BEGIN cmd_list: one line per guest from the scheduler's list: number, name, state, VM exits (all reasons), TSC cycles in the guest */
    unsigned n;
    struct vm *const *vms = sched_vms(&n);
    kprintf("[monitor] %-3s %-16s %-8s %12s %14s\n", "#", "guest", "state", "VM exits", "TSC cycles");
    for (unsigned i = 0; i < n; i++)
        kprintf("[monitor] %-3u %-16s %-8s %12llu %14llu\n", i + 1, vms[i]->name,
                state_name(vms[i]->state), (unsigned long long)total_exits(vms[i]),
                (unsigned long long)vms[i]->tsc_guest);
    /* LAB 8 END */
}

/* The scheduler skips a paused guest; resume puts it back as runnable. */
static void cmd_pause(struct vm *vm)
{
    /* LAB 8 BEGIN cmd_pause: a running or halted guest becomes paused (remember which it was); any other says its state */
    if (vm->state == VM_RUNNABLE || vm->state == VM_HALTED) {
        vm->paused_from = vm->state;
        vm->state = VM_PAUSED;
        kprintf("[monitor] %s paused\n", vm->name);
    } else {
        kprintf("[monitor] %s is %s\n", vm->name, state_name(vm->state));
    }
    /* LAB 8 END */
}

static void cmd_resume(struct vm *vm)
{
    /* LAB 8 BEGIN cmd_resume: a paused guest becomes runnable and looks for interrupts again (a halted one halts again at once if none); any other says its state */
    if (vm->state == VM_PAUSED) {
        vm->state = VM_RUNNABLE;          /* a halted guest just looks again */
        vm->vcpu.work |= VCPU_WORK_IRQ;
        kprintf("[monitor] %s resumed\n", vm->name);
    } else {
        kprintf("[monitor] %s is %s\n", vm->name, state_name(vm->state));
    }
    /* LAB 8 END */
}

static void cmd_stats(struct vm *vm)
{
    kprintf("[monitor] %s: %llu VM exits, %llu interrupts injected, %llu accepted by the "
            "local APIC\n", vm->name, (unsigned long long)total_exits(vm),
            (unsigned long long)vm->irqs_injected, (unsigned long long)vm->vcpu.lapic.stats.accepted);
    if (vm->hypercalls_refused)
        kprintf("[monitor]   hypercalls refused (CPL > 0): %llu\n",
                (unsigned long long)vm->hypercalls_refused);
    char line[200];
    vm_format_host_work(vm, line, sizeof(line));
    kprintf("[monitor]   %s\n", line);
    for (unsigned r = 0; r < EXIT_STATS_MAX; r++) {
        const struct exit_stat *st = &vm->exits[r];
        if (st->count)
            kprintf("[monitor]   %-20s %10llu exits %8llu cycles average\n", exit_reason_name(r),
                    (unsigned long long)st->count, (unsigned long long)exit_stat_avg_cycles(st));
    }
    if (vm->ram_faults.count)
        kprintf("[monitor]   %-20s %10llu exits %8llu cycles average\n", "RAM first touch",
                (unsigned long long)vm->ram_faults.count,
                (unsigned long long)exit_stat_avg_cycles(&vm->ram_faults));
}

static void vmcheck_line(void *ctx, const char *line)
{
    kprintf("[monitor] vmcheck %s: %s\n", ((struct vm *)ctx)->name, line);
}

/* The monitor runs between slices: no guest is in VMX non-root mode, and
 * any VMCS may be made current (the next slice loads its own). */
static void cmd_vmcheck(struct vm *vm)
{
    if (vcpu_check_state(&vm->vcpu, vmcheck_line, vm) == 0)
        kprintf("[monitor] vmcheck %s: no problems found\n", vm->name);
}

static void cmd_trace(struct vm *vm, const char *args)
{
    struct exit_trace t;
    char err[100];
    int rc = trace_parse(args, &t, err, sizeof(err));
    if (rc < 0) {
        kprintf("[monitor] trace: %s\n", err);
    } else if (rc == 1) {
        trace_stop(&vm->vcpu);
        kprintf("[monitor] trace %s: off\n", vm->name);
    } else if (vm->state == VM_STOPPED) {
        kprintf("[monitor] %s is stopped\n", vm->name);
    } else {
        trace_start(&vm->vcpu, &t);
        kprintf("[monitor] trace %s: the next %u exit(s)%s\n", vm->name, t.count,
                (t.filter[0] & t.filter[1]) == ~0ULL ? "" : " of the reasons given");
    }
}

static void run_command(char *cmd)
{
    char *arg = strchr(cmd, ' ');
    if (arg) {
        *arg++ = '\0';
        while (*arg == ' ')
            arg++;
    }
    /* trace NAME ...: the guest's name is the first word */
    char *rest = NULL;
    if (!strcmp(cmd, "trace") && arg && (rest = strchr(arg, ' ')))
        *rest++ = '\0';
    struct vm *vm = arg && *arg ? find(arg) : NULL;
    bool needs_vm = !strcmp(cmd, "stats") || !strcmp(cmd, "pause") ||
                    !strcmp(cmd, "resume") || !strcmp(cmd, "stop") || !strcmp(cmd, "nmi") ||
                    !strcmp(cmd, "vmcheck") || !strcmp(cmd, "trace") ||
                    (!strcmp(cmd, "gdb") && !(arg && !strcmp(arg, "off")));

    if (!*cmd)
        return;
    if (needs_vm && !vm) {
        kprintf("[monitor] %s: no guest named \"%s\"\n", cmd, arg ? arg : "");
        return;
    }
    if (!strcmp(cmd, "help")) {
        kprintf("[monitor] commands: list | stats NAME | pause NAME | resume NAME | stop NAME | help\n");
        kprintf("[monitor] debugging: vmcheck NAME | trace NAME [N] [REASON...] | trace NAME off"
                " | gdb NAME | gdb off\n");
        kprintf("[monitor] nmi NAME pulses the guest's LINT1 (an NMI if its LVT LINT1 says so)\n");
        kprintf("[monitor] keys: Ctrl-A n next guest, Ctrl-A 0 monitor, Ctrl-A 1-9 guest N\n");
        kprintf("[monitor] editing: Backspace, Ctrl-U erases the line\n");
    } else if (!strcmp(cmd, "list")) {
        cmd_list();
    } else if (!strcmp(cmd, "stats")) {
        cmd_stats(vm);
    } else if (!strcmp(cmd, "pause")) {
        cmd_pause(vm);
    } else if (!strcmp(cmd, "resume")) {
        cmd_resume(vm);
    } else if (!strcmp(cmd, "nmi")) {
        /* LINT1 is where a PC's NMI sources meet the CPU (QEMU's `nmi`
         * does the same). */
        if (vm->state == VM_STOPPED) {
            kprintf("[monitor] %s is stopped\n", vm->name);
        } else {
            board_assert_lint(vm, 1);
            kprintf("[monitor] %s: LINT1 pulsed\n", vm->name);
        }
    } else if (!strcmp(cmd, "vmcheck")) {
        cmd_vmcheck(vm);
    } else if (!strcmp(cmd, "trace")) {
        cmd_trace(vm, rest);
    } else if (!strcmp(cmd, "gdb") && !vm) {
        /* gdb off: the way out when gdb went away without detaching */
        if (gdbstub_detach())
            kprintf("[monitor] gdb: detached, the guest runs on\n");
        else
            kprintf("[monitor] gdb: no guest is attached\n");
    } else if (!strcmp(cmd, "gdb")) {
        /* COM2, or COM1 when the console is on COM2 */
        uint16_t port = console_serial_port() == 0x2F8 ? 0x3F8 : 0x2F8;
        if (gdbstub_attach(vm, port))
            kprintf("[monitor] gdb %s: attach with target remote on COM%d\n", vm->name,
                    port == 0x2F8 ? 2 : 1);
    } else if (!strcmp(cmd, "stop")) {
        vm_stop(vm, VM_END_STOPPED_BY_USER, 0, "stopped from the monitor");
    } else {
        kprintf("[monitor] unknown command \"%s\"; type help\n", cmd);
    }
}

static void monitor_key(char c)
{
    if (c == '\r' || c == '\n') {
        line[line_len] = '\0';
        line_len = 0;
        console_commit_input();      /* the command stays on screen */
        run_command(line);
    } else if (c == KEY_BS || c == KEY_DEL) {
        if (line_len)
            line_len--;
    } else if (c == KEY_CTRL_U) {
        line_len = 0;
    } else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7F &&
               line_len + 1 < sizeof(line)) {
        line[line_len++] = c;
    } else {
        return;
    }
    if (!focus)                       /* still here (stop may not move it) */
        show_line();
}

static void to_guest(struct vm *vm, uint8_t c)
{
    if (vm->state == VM_STOPPED)
        return;
    if (vm->input_len < sizeof(vm->input)) {
        vm->input[(vm->input_head + vm->input_len) % sizeof(vm->input)] = c;
        vm->input_len++;
    }
    board_feed_input(vm);
}

static void key(uint8_t c)
{
    if (escape) {
        escape = false;
        unsigned n;
        sched_vms(&n);
        if (c == KEY_CTRL_A && focus)
            to_guest(guest(focus), c);
        else if (c == 'n')
            set_focus(focus >= n ? 0 : focus + 1);
        else if (c >= '0' && c <= '9')
            set_focus(c - '0');
        return;
    }
    if (c == KEY_CTRL_A) {
        escape = true;
        return;
    }
    if (focus)
        to_guest(guest(focus), c);
    else
        monitor_key((char)c);
}

bool monitor_poll(void)
{
    bool any = false;
    for (int c; (c = console_getc()) >= 0; ) {
        key((uint8_t)c);
        any = true;
    }
    return any;
}

void monitor_announce(void)
{
    unsigned n;
    sched_vms(&n);
    focus = n ? 1 : 0;
    escape = false;
    line_len = 0;
    pr_info("console: Ctrl-A n switches input between guests and the monitor "
            "(Ctrl-A 0: monitor, Ctrl-A 1-9: guest N)\n");
}
