/*
 * The hypervisor's top level: turn VMX on, make a VM of every guest module
 * on GRUB's command line, share the CPU between them round-robin, and print
 * a summary when all have stopped.
 *
 * Module lines:  module2 FILE name=NAME [mem=SIZE] [cr3exit=1] [-- CMDLINE]
 *                module2 FILE for=NAME [-- STRING]     (a module of guest NAME)
 */
#include "vmx/hypervisor.h"
#include "vmx/apicv.h"
#include "vmx/exit.h"
#include "vmx/cpuid.h"
#include "vmx/vcpu.h"
#include "vmx/vm_create.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_cpu.h"
#include "vmx/sched.h"
#include "vmx/monitor.h"
#include "boot/multiboot2.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include "drivers/hw/lapic.h"
#include "drivers/hw/pit8254.h"
#include "mm/frames.h"
#include <hv/cmdline.h>
#include <hv/format.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/string.h>

#define DEFAULT_GUEST_MEM   MiB(64)
#define MIN_GUEST_MEM       MiB(2)
#define DEFAULT_SLICE_MS    10
#define FALLBACK_TSC_HZ     1000000000ULL

/* The file name GRUB loaded a module from is not passed on; the words of the
 * module line are. Guests are named by name=, and their image path (for the
 * multiboot command line) is given by path= or defaults to /guests/NAME. */
struct guest_spec {
    char name[VM_NAME_MAX];
    char path[64];
    uint64_t mem;
    bool cr3exit;
    char selftest[16];           /* for tests: break the VMCS (vmx/vmcheck.h) */
    const char *cmdline;
    const struct boot_module *mod;
    struct guest_module mods[GUEST_MAX_MODULES];
    unsigned nmods;
    bool bad;
};

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static unsigned parse_modules(const struct boot_info *bi, struct guest_spec *specs)
{
    unsigned n = 0;
    char v[64];

    for (unsigned i = 0; i < bi->nmodules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (cmdline_get(m->cmdline, "for", v, sizeof(v)))
            continue;                                 /* second pass */
        if (!cmdline_get(m->cmdline, "name", v, sizeof(v)) || !valid_name(v)) {
            pr_err("module %u (\"%s\"): no valid name=NAME; ignored\n", i, m->cmdline);
            continue;
        }
        if (n == VM_MAX_GUESTS) {
            pr_err("guest %s: more than %u guests; ignored\n", v, VM_MAX_GUESTS);
            continue;
        }
        struct guest_spec *s = &specs[n++];
        memset(s, 0, sizeof(*s));
        hv_strlcpy(s->name, v, sizeof(s->name));
        for (unsigned j = 0; j + 1 < n; j++)
            if (!strcmp(specs[j].name, s->name)) {
                pr_err("guest %s: refused: the name is already taken\n", s->name);
                s->bad = true;
            }
        s->mod = m;
        s->cmdline = cmdline_rest(m->cmdline);
        s->mem = DEFAULT_GUEST_MEM;
        if (cmdline_get(m->cmdline, "mem", v, sizeof(v)) &&
            (cmdline_parse_size(v, &s->mem) < 0 || s->mem < MIN_GUEST_MEM || s->mem > GMEM_MAX_SIZE)) {
            pr_err("guest %s: refused: mem=%s is not a size between 2M and 3G\n", s->name, v);
            s->bad = true;
        }
        s->mem = ALIGN_UP(s->mem, PAGE_SIZE);
        if (cmdline_get(m->cmdline, "cr3exit", v, sizeof(v)))
            s->cr3exit = !strcmp(v, "1") || !strcmp(v, "");
        cmdline_get(m->cmdline, "selftest", s->selftest, sizeof(s->selftest));
        if (!cmdline_get(m->cmdline, "path", s->path, sizeof(s->path)))
            fmt_snprintf(s->path, sizeof(s->path), "/guests/%s", s->name);
    }

    /* for=NAME modules, in the order they appear */
    for (unsigned i = 0; i < bi->nmodules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (!cmdline_get(m->cmdline, "for", v, sizeof(v)))
            continue;
        struct guest_spec *owner = NULL;
        for (unsigned j = 0; j < n; j++)
            if (!strcmp(specs[j].name, v))
                owner = &specs[j];
        if (!owner) {
            pr_err("module %u: for=%s names no guest; ignored\n", i, v);
            continue;
        }
        if (owner->nmods == GUEST_MAX_MODULES) {
            pr_err("guest %s: refused: more than %u modules\n", owner->name, GUEST_MAX_MODULES);
            owner->bad = true;
            continue;
        }
        struct guest_module *gm = &owner->mods[owner->nmods++];
        gm->data = phys_to_virt(m->start);
        gm->size = m->end - m->start;
        gm->string = cmdline_rest(m->cmdline);
    }
    return n;
}

static void create_vms(const struct boot_info *bi)
{
    static struct guest_spec specs[VM_MAX_GUESTS];
    unsigned n = parse_modules(bi, specs);
    char err[200];

    for (unsigned i = 0; i < n; i++) {
        struct guest_spec *s = &specs[i];
        if (s->bad)
            continue;
        struct vm_config cfg = {
            .name = s->name,
            .mem_size = s->mem,
            .cr3_exiting = s->cr3exit,
            .image = {
                .name = s->name,
                .path = s->path,
                .data = phys_to_virt(s->mod->start),
                .size = s->mod->end - s->mod->start,
                .cmdline = s->cmdline,
                .mods = s->mods,
                .nmods = s->nmods,
            },
        };
        unsigned created;
        sched_vms(&created);
        struct vm *vm = vm_create(&cfg, created, err, sizeof(err));
        if (!vm) {
            pr_err("guest %s: refused: %s\n", s->name, err);
            continue;
        }
        if (s->selftest[0] && !vmcheck_selftest(&vm->vcpu, s->selftest))
            pr_warn("guest %s: unknown selftest=%s (badguest|badhost|badctl|badmsr)\n", s->name,
                    s->selftest);
        sched_add(vm);
    }
}

static void print_summary(void)
{
    unsigned nvms;
    struct vm *const *vms = sched_vms(&nvms);
    console_set_input(NULL, 0);           /* no more input: drop the prompt */
    pr_info("summary: %u guest(s)\n", nvms);
    for (unsigned i = 0; i < nvms; i++) {
        struct vm *vm = vms[i];
        uint64_t total = 0;
        for (unsigned r = 0; r < EXIT_STATS_MAX; r++)
            total += vm->exits[r].count;
        pr_info("  %s: %s, status %llu: %s; %llu VM exits, %llu TSC cycles in the guest\n",
                vm->name, vm_end_name(vm->end), (unsigned long long)vm->exit_status,
                vm->end_detail, (unsigned long long)total, (unsigned long long)vm->tsc_used);
        for (unsigned r = 0; r < EXIT_STATS_MAX; r++) {
            const struct exit_stat *st = &vm->exits[r];
            if (st->count)
                pr_info("    %-20s %8llu exits, %6llu cycles each on average\n",
                        exit_reason_name(r), (unsigned long long)st->count,
                        (unsigned long long)exit_stat_avg_cycles(st));
        }
        if (vm->cr3_exiting)
            pr_info("    CR3 writes %llu, distinct values %u%s\n",
                    (unsigned long long)vm->cr3_writes, vm->cr3_distinct,
                    vm->cr3_distinct_overflow ? "+" : "");
    }
}

/*
 * What ends a time slice: the VMX-preemption timer where the CPU has it,
 * else the host LAPIC timer, else a TSC check at each VM exit (a guest
 * that never exits then keeps the CPU). `preempt=lapic` or
 * `preempt=lapic-oneshot` choose the LAPIC timer even where the
 * preemption timer exists (to test that path). Runs before the VMCS
 * controls are fixed, since it may drop the preemption timer from them.
 */
static const char *choose_slice_timer(const char *cmdline, struct vmx_controls *ctls)
{
    char v[16] = "auto";
    cmdline_get(cmdline, "preempt", v, sizeof(v));
    bool want_lapic = !strcmp(v, "lapic") || !strcmp(v, "lapic-oneshot");
    if (!want_lapic && strcmp(v, "auto"))
        pr_warn("preempt=%s: expected auto, lapic or lapic-oneshot; using auto\n", v);
    if (ctls->preemption_timer && !want_lapic)
        return "VMX-preemption timer";
    if (want_lapic) {
        ctls->pin &= ~(uint32_t)PIN_CTL_ACTIVATE_PREEMPTION_TIMER;
        ctls->exit &= ~(uint32_t)EXIT_CTL_SAVE_PREEMPTION_TIMER;
        ctls->preemption_timer = ctls->save_preemption_timer = false;
    }
    enum lapic_timer_mode m = lapic_timer_init(HOST_VECTOR_SLICE_TIMER,
                                               strcmp(v, "lapic-oneshot") != 0, sched.tsc_hz);
    sched.lapic_slice_timer = m != LAPIC_TIMER_OFF;
    if (!sched.lapic_slice_timer) {
        pr_warn("no VMX-preemption timer and no usable LAPIC timer: a guest that never "
                "exits keeps the CPU\n");
        return "checked at each VM exit";
    }
    static char what[40];
    fmt_snprintf(what, sizeof(what), "host LAPIC timer, %s mode", lapic_timer_mode_name(m));
    return what;
}

static void measure_tsc(void)
{
    sched.tsc_hz = pit8254_measure_tsc_hz();
    if (!sched.tsc_hz) {
        pr_warn("the PIT does not count; assuming a 1 GHz TSC\n");
        sched.tsc_hz = FALLBACK_TSC_HZ;
    }
}

static void setup_scheduler(const char *cmdline, const char *slice_timer)
{
    uint64_t ms = DEFAULT_SLICE_MS;
    char v[16];
    if (cmdline_get(cmdline, "slice", v, sizeof(v)) && (cmdline_parse_u64(v, &ms) < 0 || !ms)) {
        pr_warn("slice=%s is not a number of milliseconds; using %u\n", v, DEFAULT_SLICE_MS);
        ms = DEFAULT_SLICE_MS;
    }
    sched.slice_cycles = sched.tsc_hz / 1000 * ms;
    pr_info("scheduler: TSC %llu kHz, time slice %llu ms (%s)\n",
            (unsigned long long)(sched.tsc_hz / 1000), (unsigned long long)ms, slice_timer);
}

int hypervisor_run(const struct vmx_caps *caps, const struct boot_info *bi)
{
    struct vmx_controls ctls;
    const char *missing;
    if (vmx_compute_controls(caps, &ctls, &missing) < 0) {
        pr_err("VT-x not available: required VMX control missing: %s\n", missing);
        return -HV_ENODEV;
    }
    measure_tsc();
    exit_irq_host_init();
    const char *slice_timer = choose_slice_timer(bi->cmdline, &ctls);
    vmcs_global_init(&ctls, caps);
    vmcheck_init(caps);
    vcpu_host_fpu_init();
    if (vmx_cpu_enable(caps) < 0)
        return -HV_EIO;
    /* Nothing may be cached from before (firmware, an earlier VMM): flush
     * everything where the CPU can; VMs flush their own contexts as made. */
    if (ctls.invvpid_all)
        invvpid(INVVPID_ALL_CONTEXT, 0);
    if (ctls.invept_all)
        invept(INVEPT_ALL_CONTEXT, 0);
    setup_scheduler(bi->cmdline, slice_timer);
    cpuid_init();                          /* needs the TSC frequency */
    apicv_configure(bi->cmdline);
    pr_info("local APIC: %s\n", apicv_describe());

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
    sched_run();
    console_async(false);
    if (sched.lapic_slice_timer)
        lapic_timer_stop();
    print_summary();
    return 0;
}
