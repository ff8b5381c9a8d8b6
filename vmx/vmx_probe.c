/*
 * VT-x discovery (SDM Vol. 3C, "Discovering Support for VMX" and "Enabling
 * and Entering VMX Operation"): CPUID.1:ECX.VMX[bit 5], then
 * IA32_FEATURE_CONTROL, then the capability MSRs.
 */
#include "vmx/vmx_probe.h"
#include "vmx/vmcs_fields.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include <hv/errno.h>
#include <hv/log.h>
#include "hv/lab.h"

#define CPUID_1_ECX_VMX  BIT(5)

static int not_available(const char *why)
{
    pr_err("VT-x not available: %s\n", why);
    return -HV_ENODEV;
}

void vmx_read_caps(struct vmx_caps *c)
{
    /* LAB 1 BEGIN read_caps: read IA32_VMX_BASIC, the (TRUE) control MSRs, MISC, the CR0/CR4 fixed MSRs, and PROCBASED_CTLS2 and EPT_VPID_CAP only where they exist */
    c->basic = rdmsr(MSR_IA32_VMX_BASIC);
    bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
    c->pinbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
    c->procbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
    c->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
    c->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
    c->misc = rdmsr(MSR_IA32_VMX_MISC);
    c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    c->procbased2 = 0;
    c->ept_vpid = 0;
    c->vmfunc = 0;
    /* The secondary-controls MSR exists only when the primary controls can
     * activate them; EPT/VPID capabilities only when EPT or VPID can be on. */
    if (vmx_ctl_may_set(c->procbased, PROC_CTL_ACTIVATE_SECONDARY_CONTROLS)) {
        c->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
        if (vmx_ctl_may_set(c->procbased2, PROC2_CTL_ENABLE_EPT) ||
            vmx_ctl_may_set(c->procbased2, PROC2_CTL_ENABLE_VPID))
            c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    }
    /* LAB 1 END */
}

int vmx_probe(struct vmx_caps *caps)
{
    struct cpuid_regs vendor = cpuid(0, 0);
    char name[13];
    *(uint32_t *)&name[0] = vendor.ebx;
    *(uint32_t *)&name[4] = vendor.edx;
    *(uint32_t *)&name[8] = vendor.ecx;
    name[12] = '\0';

    char why[320];
    bool must_lock;
    uint32_t ecx = cpuid(1, 0).ecx;
    /* IA32_FEATURE_CONTROL exists only where CPUID reports VMX (or SMX). */
    uint64_t fc = (ecx & CPUID_1_ECX_VMX) ? rdmsr(MSR_IA32_FEATURE_CONTROL) : 0;
    if (vmx_probe_refusal(name, ecx, fc, &must_lock, why, sizeof(why)))
        return not_available(why);
    if (must_lock) {
        wrmsr(MSR_IA32_FEATURE_CONTROL,
              fc | IA32_FEATURE_CONTROL_LOCK | IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX);
        pr_info("VT-x: IA32_FEATURE_CONTROL was unlocked; enabled VMX and locked it\n");
    }

    vmx_read_caps(caps);
    char buf[640];
    size_t n = vmx_caps_describe(caps, buf, sizeof(buf));
    /* one log line per summary line */
    for (size_t s = 0, i = 0; i < n && i < sizeof(buf); i++) {
        if (buf[i] == '\n') {
            buf[i] = '\0';
            pr_info("%s\n", buf + s);
            s = i + 1;
        }
    }
    const char *missing = vmx_caps_missing(caps);
    if (missing) {
        pr_err("VT-x not available: this CPU lacks a required feature: %s (CPUs that have "
               "it: %s)\n", missing, vmx_missing_hint(missing));
        return -HV_ENODEV;
    }
    return 0;
}
