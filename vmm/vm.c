/*
 * A VM's life as the layers above VT-x see it: how it ended, and stopping
 * it (from an exit handler, a device, the monitor or the scheduler).
 */
#include "vmm/vm.h"
#include <hv/format.h>
#include <hv/log.h>

const char *vm_end_name(enum vm_end end)
{
    static const char *const names[] = {
        [VM_END_NONE] = "running", [VM_END_EXIT_VMCALL] = "exited (hypercall)",
        [VM_END_EXIT_PORT] = "exited (debug-exit port)", [VM_END_HALTED] = "halted",
        [VM_END_TRIPLE_FAULT] = "reset (triple fault)", [VM_END_BAD_ACCESS] = "bad memory access",
        [VM_END_UNHANDLED_EXIT] = "unhandled exit", [VM_END_ENTRY_FAILED] = "VM entry failed",
        [VM_END_EMULATION_FAILED] = "emulation failed", [VM_END_RESET] = "reset",
        [VM_END_POWEROFF] = "powered off", [VM_END_STOPPED_BY_USER] = "stopped by user",
    };
    return end < ARRAY_SIZE(names) ? names[end] : "unknown";
}

void vm_stop(struct vm *vm, enum vm_end end, uint64_t status, const char *fmt, ...)
{
    if (vm->state == VM_STOPPED)
        return;
    vconsole_flush(&vm->console);
    vconsole_flush(&vm->debugcon);
    vm->state = VM_STOPPED;
    vm->end = end;
    vm->exit_status = status;
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(vm->end_detail, sizeof(vm->end_detail), fmt, ap);
    va_end(ap);
    bool normal = end == VM_END_EXIT_VMCALL || end == VM_END_EXIT_PORT || end == VM_END_POWEROFF;
    log_msg(normal ? LOG_INFO : LOG_WARN, "guest %s: stopped: %s\n", vm->name, vm->end_detail);
}

void vm_host_work(const struct vm *vm, struct vm_host_work *w)
{
    w->exits = 0;
    w->exit_cycles = 0;
    for (unsigned r = 0; r < EXIT_STATS_MAX; r++) {
        w->exits += vm->exits[r].count;
        w->exit_cycles += vm->exits[r].cycles;
    }
    w->exits += vm->ram_faults.count;
    w->exit_cycles += vm->ram_faults.cycles;
    w->total = w->exit_cycles;
    for (unsigned a = 0; a < VM_HOST_MAX; a++)
        w->total += vm->host_tsc[a];
}

void vm_format_host_work(const struct vm *vm, char *buf, size_t len)
{
    struct vm_host_work w;
    vm_host_work(vm, &w);
    fmt_snprintf(buf, len, "host work for it: %llu TSC cycles: exits %llu, starting slices %llu, "
                 "device timers %llu, interrupt delivery %llu, console input %llu",
                 (unsigned long long)w.total, (unsigned long long)w.exit_cycles,
                 (unsigned long long)vm->host_tsc[VM_HOST_SWITCH],
                 (unsigned long long)vm->host_tsc[VM_HOST_TIMERS],
                 (unsigned long long)vm->host_tsc[VM_HOST_DELIVERY],
                 (unsigned long long)vm->host_tsc[VM_HOST_CONSOLE]);
}
