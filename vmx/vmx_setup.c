/* See vmx/vmx_setup.h. */
#include "vmx/vmx_setup.h"
#include "vmx/apicv.h"
#include "vmx/cpuid.h"
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "vmx/interrupts.h"
#include "vmx/vcpu.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_cpu.h"
#include "drivers/hw/host_time.h"
#include "drivers/hw/lapic.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/log.h>

/*
 * What ends a time slice: the VMX-preemption timer where the CPU has it,
 * else the host LAPIC timer, else a TSC check at each VM exit (a guest
 * that never exits then keeps the CPU). `preempt=lapic` or
 * `preempt=lapic-oneshot` choose the LAPIC timer even where the
 * preemption timer exists (to test that path). Runs before the VMCS
 * controls are fixed, since it may drop the preemption timer from them.
 */
static const char *choose_slice_timer(enum preempt_mode preempt, struct vmx_controls *ctls)
{
    bool want_lapic = preempt != PREEMPT_AUTO;
    if (ctls->preemption_timer && !want_lapic)
        return "VMX-preemption timer";
    if (want_lapic) {
        ctls->pin &= ~(uint32_t)PIN_CTL_ACTIVATE_PREEMPTION_TIMER;
        ctls->exit &= ~(uint32_t)EXIT_CTL_SAVE_PREEMPTION_TIMER;
        ctls->preemption_timer = ctls->save_preemption_timer = false;
    }
    enum lapic_timer_mode m = lapic_timer_init(HOST_VECTOR_SLICE_TIMER,
                                               preempt != PREEMPT_LAPIC_ONESHOT, run_params.tsc_hz);
    run_params.lapic_slice_timer = m != LAPIC_TIMER_OFF;
    if (!run_params.lapic_slice_timer) {
        pr_warn("no VMX-preemption timer and no usable LAPIC timer: a guest that never "
                "exits keeps the CPU\n");
        return "checked at each VM exit";
    }
    static char what[40];
    fmt_snprintf(what, sizeof(what), "host LAPIC timer, %s mode", lapic_timer_mode_name(m));
    return what;
}

int vmx_setup_cpu(const struct vmx_caps *caps, const struct boot_options *opts,
                  const char **slice_timer)
{
    struct vmx_controls ctls;
    const char *missing;
    if (vmx_compute_controls(caps, &ctls, &missing) < 0) {
        pr_err("VT-x not available: required VMX control missing: %s (CPUs that have it: "
               "%s)\n", missing, vmx_missing_hint(missing));
        return -HV_ENODEV;
    }
    run_params.tsc_hz = host_time_tsc_hz();        /* found at boot */
    exit_irq_host_init();
    *slice_timer = choose_slice_timer((enum preempt_mode)opts->preempt, &ctls);
    vcpu_nmi_configure((enum vnmi_mode)opts->vnmi, caps, &ctls);
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
    return 0;
}

uint64_t vmx_tsc_hz(void)
{
    return run_params.tsc_hz;
}

void vmx_setup_guests(const struct boot_options *opts)
{
    cpuid_init();                          /* needs the TSC frequency */
    apicv_configure((enum apicv_mode)opts->apicv);
    guest_unbacked_stop = opts->unbacked == UNBACKED_STOP;
    pr_info("local APIC: %s\n", apicv_describe());
    pr_info("NMIs: %s\n", vcpu_nmi_describe());
}

void vmx_teardown(void)
{
    if (run_params.lapic_slice_timer)
        lapic_timer_stop();
}
