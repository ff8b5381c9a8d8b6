/*
 * The hypervisor's top level: turn VMX on, make a VM of every guest module
 * on GRUB's command line, share the CPU between them round-robin, and print
 * a summary when all have stopped.
 *
 * The module lines are read by vmm/guest_spec.c, the boot options by
 * boot/boot_options.c.
 */
#include "vmm/hypervisor.h"
#include "vmx/vmx_setup.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "vmm/guest_spec.h"
#include "vmm/gdbstub.h"
#include "vmm/sched.h"
#include "vmm/vm_build.h"
#include "vmm/monitor.h"
#include "boot/boot_options.h"
#include "boot/multiboot2.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include "drivers/hw/lapic.h"
#include "drivers/hw/host_time.h"
#include "mm/frames.h"
#include <hv/cmdline.h>
#include <hv/format.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/string.h>

static void create_vms(const struct boot_info *bi)
{
    static struct guest_spec specs[VM_MAX_GUESTS];
    unsigned n = guest_specs_parse(bi->modules, bi->nmodules, specs, &cmdline_report_log);
    char err[200];

    for (unsigned i = 0; i < n; i++) {
        struct guest_spec *s = &specs[i];
        const struct boot_module *m = &bi->modules[s->module];
        uint64_t avail = frames_pmm()->free_frames * PAGE_SIZE;
        if (s->mem > avail) {
            char size[24];
            cmdline_format_size(size, sizeof(size), s->mem);
            pr_err("guest %s: refused: mem=%s: more than the %llu MiB of host memory free\n",
                   s->name, size, (unsigned long long)(avail >> 20));
            continue;
        }
        struct guest_module mods[GUEST_MAX_MODULES];
        for (unsigned k = 0; k < s->nmods; k++) {
            const struct boot_module *fm = &bi->modules[s->mods[k]];
            mods[k].data = phys_to_virt(fm->start);
            mods[k].size = fm->end - fm->start;
            mods[k].string = cmdline_rest(fm->cmdline);
        }
        const struct guest_image image = {
            .name = s->name,
            .path = s->path,
            .data = phys_to_virt(m->start),
            .size = m->end - m->start,
            .cmdline = s->cmdline,
            .mods = mods,
            .nmods = s->nmods,
        };
        unsigned created;
        sched_vms(&created);
        const struct vm_config cfg = {
            .name = s->name,
            .mem_size = s->mem,
            .cr3_exiting = s->cr3exit,
            .index = created,
        };
        struct vm *vm = vm_build(&cfg, &image, err, sizeof(err));
        if (!vm) {
            pr_err("guest %s: refused: %s\n", s->name, err);
            continue;
        }
        if (s->selftest[0])
            vmcheck_selftest(&vm->vcpu, s->selftest);   /* the word was checked */
        sched_add(vm);
        if (s->gdb) {
            static const uint16_t com_ports[] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
            uint16_t port = com_ports[s->gdb - 1];
            if (port == console_serial_port())
                pr_err("guest %s: gdb=com%d: the console uses that port\n", s->name, s->gdb);
            else
                (void)gdbstub_attach(vm, port);
        }
    }
}

static void print_summary(void)
{
    unsigned nvms;
    struct vm *const *vms = sched_vms(&nvms);
    console_set_input(NULL, 0);           /* no more input: drop the prompt */
    pr_info("summary: %u guest(s)\n", nvms);
    if (console_keyboard_bytes())       /* where input came from, when it was not COM1 */
        pr_info("console: %u byte(s) of input came from the PS/2 keyboard\n",
                console_keyboard_bytes());
    uint64_t guests = 0, guest_host = 0;
    for (unsigned i = 0; i < nvms; i++) {
        struct vm *vm = vms[i];
        struct vm_host_work w;
        vm_host_work(vm, &w);
        guests += vm->tsc_guest;
        guest_host += w.total;
        pr_info("  %s: %s, status %llu: %s; %llu VM exits, %llu TSC cycles in the guest\n",
                vm->name, vm_end_name(vm->end), (unsigned long long)vm->exit_status,
                vm->end_detail, (unsigned long long)w.exits, (unsigned long long)vm->tsc_guest);
        char line[200];
        vm_format_host_work(vm, line, sizeof(line));
        pr_info("    %s\n", line);
        if (vm->slices)
            pr_info("    %s: %llu slices, %llu after another guest's; starting one took %llu "
                    "TSC cycles on average\n", vm->name, (unsigned long long)vm->slices,
                    (unsigned long long)vm->switches,
                    (unsigned long long)(vm->host_tsc[VM_HOST_SWITCH] / vm->slices));
        for (unsigned r = 0; r < EXIT_STATS_MAX; r++) {
            const struct exit_stat *st = &vm->exits[r];
            if (st->count)
                pr_info("    %-20s %8llu exits, %6llu cycles each on average\n",
                        exit_reason_name(r), (unsigned long long)st->count,
                        (unsigned long long)exit_stat_avg_cycles(st));
        }
        if (vm->ram_faults.count)
            pr_info("    %-20s %8llu exits, %6llu cycles each on average (EPT violations "
                    "that mapped 2 MiB of RAM)\n", "RAM first touch",
                    (unsigned long long)vm->ram_faults.count,
                    (unsigned long long)exit_stat_avg_cycles(&vm->ram_faults));
        if (vm->unbacked_accesses)
            pr_info("    unbacked accesses (all ones / dropped): %llu\n",
                    (unsigned long long)vm->unbacked_accesses);
        if (vm->hypercalls_refused)
            pr_info("    hypercalls refused (CPL > 0): %llu\n",
                    (unsigned long long)vm->hypercalls_refused);
        if (vm->nmis_injected)
            pr_info("    NMIs injected %llu\n", (unsigned long long)vm->nmis_injected);
        if (vm->cr3_exiting)
            pr_info("    CR3 writes %llu, distinct values %u%s\n",
                    (unsigned long long)vm->cr3_writes, vm->cr3_distinct,
                    vm->cr3_distinct_overflow ? "+" : "");
    }
    /* Every cycle since the first slice, charged once (README, "Where the
     * time goes"); what no counter saw is printed as unaccounted. */
    struct sched_accounting a;
    sched_accounting(&a);
    uint64_t charged = guests + guest_host + a.host[HOST_SCHED] + a.host[HOST_CONSOLE] +
                       a.host[HOST_IDLE];
    uint64_t rest = a.elapsed > charged ? a.elapsed - charged : 0;
    pr_info("accounting: %llu TSC cycles elapsed: guests %llu, host work for guests %llu, "
            "scheduler %llu, host console %llu, idle %llu, unaccounted %llu\n",
            (unsigned long long)a.elapsed, (unsigned long long)guests,
            (unsigned long long)guest_host, (unsigned long long)a.host[HOST_SCHED],
            (unsigned long long)a.host[HOST_CONSOLE], (unsigned long long)a.host[HOST_IDLE],
            (unsigned long long)rest);
}

static void setup_scheduler(uint64_t ms, const char *slice_timer)
{
    uint64_t tsc_hz = vmx_tsc_hz();
    sched_set_slice(tsc_hz / 1000 * ms);
    pr_info("scheduler: TSC %llu kHz, time slice %llu ms (%s)\n",
            (unsigned long long)(tsc_hz / 1000), (unsigned long long)ms, slice_timer);
}

/* Between slices and while idle: the console monitor and the GDB stub. */
static bool poll_consoles(void)
{
    bool did = monitor_poll();
    return gdbstub_poll() || did;
}

int hypervisor_run(const struct vmx_caps *caps, const struct boot_info *bi,
                   const struct boot_options *opts)
{
    const char *slice_timer;
    int rc = vmx_setup_cpu(caps, opts, &slice_timer);
    if (rc < 0)
        return rc;
    /* The other CPUs enter VMX operation and wait (guests stay on this one). */
    smp_start(caps, (unsigned)opts->cpus, platform_acpi(),
              opts->selftest == SELFTEST_AP_CAPS     ? SMP_SELFTEST_CAPS
              : opts->selftest == SELFTEST_AP_ABSENT ? SMP_SELFTEST_ABSENT
                                                     : SMP_SELFTEST_NONE);
    setup_scheduler(opts->slice_ms, slice_timer);
    vmx_setup_guests(opts);

    create_vms(bi);
    unsigned nvms;
    sched_vms(&nvms);
    if (nvms == 0) {
        pr_info("no guests to run (add module2 lines with name=NAME)\n");
        return 0;
    }
    pr_info("running %u guest(s)\n", nvms);
    monitor_announce();
    console_async(true);                  /* guests must not wait for the UART */
    sched_run(poll_consoles);
    console_async(false);
    vmx_teardown();
    print_summary();
    return 0;
}
