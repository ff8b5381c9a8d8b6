/*
 * Decoding of the VMX capability MSRs (SDM Vol. 3D, Appendix A "VMX
 * Capability Reporting Facility"). Pure functions over a struct vmx_caps
 * snapshot, so the host unit tests feed them recorded MSR values.
 */
#include "vmx/vmx_caps.h"
#include "vmx/vmcs_fields.h"
#include "boot/msr.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>
#include "hv/lab.h"

int vmx_ctl_compute(uint64_t cap, uint32_t required, uint32_t optional,
                    uint32_t *out, uint32_t *missing)
{
    /* LAB 2 BEGIN vmx_ctl_compute: allowed-0 bits (low half of cap) must be 1, allowed-1 bits (high half) may be 1: set *out or report the missing required bits */
    uint32_t must_be_one = (uint32_t)cap;          /* allowed-0 settings */
    uint32_t may_be_one = (uint32_t)(cap >> 32);   /* allowed-1 settings */

    *missing = required & ~may_be_one;
    if (*missing)
        return -HV_ENODEV;
    *out = (must_be_one | required | (optional & may_be_one)) & may_be_one;
    /* A bit the CPU forces to 1 but does not allow: a broken MSR. */
    if (must_be_one & ~may_be_one) {
        *missing = must_be_one & ~may_be_one;
        return -HV_ENODEV;
    }
    return 0;
    /* LAB 2 END */
}

bool vmx_has_secondary(const struct vmx_caps *c)
{
    return vmx_ctl_may_set(c->procbased, PROC_CTL_ACTIVATE_SECONDARY_CONTROLS);
}

static bool has_proc2(const struct vmx_caps *c, uint32_t bits)
{
    return vmx_has_secondary(c) && vmx_ctl_may_set(c->procbased2, bits);
}

bool vmx_has_ept(const struct vmx_caps *c)
{
    return has_proc2(c, PROC2_CTL_ENABLE_EPT) && (c->ept_vpid & EPT_CAP_PWL4) &&
           (c->ept_vpid & EPT_CAP_MT_WB);
}

bool vmx_has_vpid(const struct vmx_caps *c)
{
    return has_proc2(c, PROC2_CTL_ENABLE_VPID) && (c->ept_vpid & VPID_CAP_INVVPID);
}

bool vmx_has_unrestricted_guest(const struct vmx_caps *c)
{
    return has_proc2(c, PROC2_CTL_UNRESTRICTED_GUEST);
}

bool vmx_has_preemption_timer(const struct vmx_caps *c)
{
    return vmx_ctl_may_set(c->pinbased, PIN_CTL_ACTIVATE_PREEMPTION_TIMER);
}

bool vmx_has_save_preemption_timer(const struct vmx_caps *c)
{
    return vmx_has_preemption_timer(c) && vmx_ctl_may_set(c->exit, EXIT_CTL_SAVE_PREEMPTION_TIMER);
}

bool vmx_has_apic_virtualization(const struct vmx_caps *c)
{
    return has_proc2(c, PROC2_CTL_VIRTUALIZE_APIC_ACCESSES) &&
           vmx_ctl_may_set(c->procbased, PROC_CTL_USE_TPR_SHADOW);
}

bool vmx_has_virtual_interrupt_delivery(const struct vmx_caps *c)
{
    return vmx_has_apic_virtualization(c) &&
           has_proc2(c, PROC2_CTL_APIC_REGISTER_VIRTUALIZATION | PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY);
}

bool vmx_has_posted_interrupts(const struct vmx_caps *c)
{
    return vmx_ctl_may_set(c->pinbased, PIN_CTL_PROCESS_POSTED_INTERRUPTS) &&
           vmx_ctl_may_set(c->exit, EXIT_CTL_ACK_INTERRUPT_ON_EXIT) &&
           vmx_has_virtual_interrupt_delivery(c);
}

bool vmx_has_msr_bitmaps(const struct vmx_caps *c)
{
    return vmx_ctl_may_set(c->procbased, PROC_CTL_USE_MSR_BITMAPS);
}

static const char *yes(bool b) { return b ? "yes" : "no"; }

size_t vmx_caps_describe(const struct vmx_caps *c, char *buf, size_t len)
{
    size_t n = 0;
    uint64_t b = c->basic;
    uint64_t e = c->ept_vpid;
    unsigned mt = (unsigned)VMX_BASIC_MEM_TYPE(b);

#define OUT(...) n += (size_t)fmt_snprintf(buf + MIN(n, len), len - MIN(n, len), __VA_ARGS__)
    OUT("VT-x: VMCS revision %#llx, %u-byte VMCS in %s memory, %s controls\n",
        (unsigned long long)(b & VMX_BASIC_REVISION_MASK), (unsigned)VMX_BASIC_VMCS_SIZE(b),
        mt == 6 ? "write-back" : mt == 0 ? "uncacheable" : "other",
        (b & VMX_BASIC_TRUE_CTLS) ? "TRUE" : "default");
    if (vmx_has_ept(c))
        OUT("VT-x: EPT yes (4-level, write-back, 2M pages %s, 1G pages %s, A/D %s, "
            "INVEPT single-context %s, all-context %s)\n",
            yes(e & EPT_CAP_2MB), yes(e & EPT_CAP_1GB), yes(e & EPT_CAP_AD),
            yes((e & EPT_CAP_INVEPT) && (e & EPT_CAP_INVEPT_SINGLE)),
            yes((e & EPT_CAP_INVEPT) && (e & EPT_CAP_INVEPT_ALL)));
    else
        OUT("VT-x: EPT no\n");
    if (vmx_has_vpid(c))
        OUT("VT-x: VPID yes (INVVPID address %s, single-context %s, all-context %s)\n",
            yes(e & VPID_CAP_INVVPID_ADDR), yes(e & VPID_CAP_INVVPID_SINGLE),
            yes(e & VPID_CAP_INVVPID_ALL));
    else
        OUT("VT-x: VPID no\n");
    OUT("VT-x: unrestricted guest %s, preemption timer %s", yes(vmx_has_unrestricted_guest(c)),
        yes(vmx_has_preemption_timer(c)));
    if (vmx_has_preemption_timer(c))
        OUT(" (TSC/%u)", 1u << VMX_MISC_PREEMPT_RATE(c->misc));
    OUT(", APIC virtualization %s, virtual interrupt delivery %s, posted interrupts %s\n",
        yes(vmx_has_apic_virtualization(c)), yes(vmx_has_virtual_interrupt_delivery(c)),
        yes(vmx_has_posted_interrupts(c)));
#undef OUT
    return n;
}

const char *vmx_caps_missing(const struct vmx_caps *c)
{
    if (VMX_BASIC_VMCS_SIZE(c->basic) == 0 || VMX_BASIC_VMCS_SIZE(c->basic) > 4096)
        return "a VMCS size of at most 4 KiB (IA32_VMX_BASIC)";
    if (VMX_BASIC_MEM_TYPE(c->basic) != 6)
        return "write-back VMCS memory (IA32_VMX_BASIC)";
    if (!vmx_ctl_may_set(c->procbased, PROC_CTL_HLT_EXITING))
        return "HLT exiting";
    if (!vmx_ctl_may_set(c->procbased, PROC_CTL_USE_IO_BITMAPS))
        return "I/O bitmaps";
    if (!vmx_has_msr_bitmaps(c))
        return "MSR bitmaps";
    if (!vmx_ctl_may_set(c->exit, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE))
        return "64-bit host (host address-space size exit control)";
    if (!vmx_has_secondary(c))
        return "secondary processor-based controls";
    if (!vmx_has_ept(c))
        return "EPT with 4-level walks and write-back memory";
    if (!vmx_has_unrestricted_guest(c))
        return "unrestricted guest";
    return NULL;
}

/* One control word: required + optional bits against a capability MSR.
 * On failure, names the first missing required bit from `names`. */
struct ctl_bit_name { uint32_t bit; const char *name; };

static int compute_one(uint64_t cap, uint32_t required, uint32_t optional, uint32_t *out,
                       const struct ctl_bit_name *names, const char **missing)
{
    uint32_t miss;
    if (vmx_ctl_compute(cap, required, optional, out, &miss) == 0)
        return 0;
    *missing = "a control the CPU reports inconsistently";
    for (; names->name; names++) {
        if (miss & names->bit) {
            *missing = names->name;
            break;
        }
    }
    return -HV_ENODEV;
}

int vmx_compute_controls(const struct vmx_caps *c, struct vmx_controls *out,
                         const char **missing)
{
    static const struct ctl_bit_name pin_names[] = {
        { PIN_CTL_EXTERNAL_INTERRUPT_EXITING, "pin-based: external-interrupt exiting" },
        { PIN_CTL_NMI_EXITING, "pin-based: NMI exiting" },
        { 0, NULL } };
    static const struct ctl_bit_name proc_names[] = {
        { PROC_CTL_HLT_EXITING, "processor-based: HLT exiting" },
        { PROC_CTL_USE_IO_BITMAPS, "processor-based: use I/O bitmaps" },
        { PROC_CTL_USE_MSR_BITMAPS, "processor-based: use MSR bitmaps" },
        { PROC_CTL_ACTIVATE_SECONDARY_CONTROLS, "processor-based: activate secondary controls" },
        { 0, NULL } };
    static const struct ctl_bit_name proc2_names[] = {
        { PROC2_CTL_ENABLE_EPT, "secondary: enable EPT" },
        { PROC2_CTL_UNRESTRICTED_GUEST, "secondary: unrestricted guest" },
        { 0, NULL } };
    static const struct ctl_bit_name exit_names[] = {
        { EXIT_CTL_HOST_ADDRESS_SPACE_SIZE, "VM-exit: host address-space size" },
        { EXIT_CTL_ACK_INTERRUPT_ON_EXIT, "VM-exit: acknowledge interrupt on exit" },
        { EXIT_CTL_SAVE_IA32_EFER, "VM-exit: save IA32_EFER" },
        { EXIT_CTL_LOAD_IA32_EFER, "VM-exit: load IA32_EFER" },
        { EXIT_CTL_SAVE_DEBUG_CONTROLS, "VM-exit: save debug controls" },
        { 0, NULL } };
    static const struct ctl_bit_name entry_names[] = {
        { ENTRY_CTL_LOAD_IA32_EFER, "VM-entry: load IA32_EFER" },
        { ENTRY_CTL_LOAD_DEBUG_CONTROLS, "VM-entry: load debug controls" },
        { 0, NULL } };

    int rc;
    *missing = NULL;
    rc = compute_one(c->pinbased, PIN_CTL_EXTERNAL_INTERRUPT_EXITING | PIN_CTL_NMI_EXITING,
                     PIN_CTL_VIRTUAL_NMIS | PIN_CTL_ACTIVATE_PREEMPTION_TIMER,
                     &out->pin, pin_names, missing);
    if (!rc)
        rc = compute_one(c->procbased,
                         PROC_CTL_HLT_EXITING | PROC_CTL_USE_IO_BITMAPS | PROC_CTL_USE_MSR_BITMAPS |
                         PROC_CTL_ACTIVATE_SECONDARY_CONTROLS,
                         PROC_CTL_MWAIT_EXITING | PROC_CTL_MONITOR_EXITING | PROC_CTL_RDPMC_EXITING |
                         PROC_CTL_CR8_LOAD_EXITING | PROC_CTL_CR8_STORE_EXITING,
                         &out->proc, proc_names, missing);
    if (!rc)
        rc = compute_one(c->procbased2, PROC2_CTL_ENABLE_EPT | PROC2_CTL_UNRESTRICTED_GUEST,
                         PROC2_CTL_ENABLE_VPID | PROC2_CTL_ENABLE_RDTSCP |
                         PROC2_CTL_ENABLE_INVPCID,
                         &out->proc2, proc2_names, missing);
    /* DR7 and IA32_DEBUGCTL are switched by the debug controls (the CPU
     * sets DR7 to 400H on every exit); TRUE controls may leave them 0. */
    if (!rc)
        rc = compute_one(c->exit,
                         EXIT_CTL_HOST_ADDRESS_SPACE_SIZE | EXIT_CTL_ACK_INTERRUPT_ON_EXIT |
                         EXIT_CTL_SAVE_IA32_EFER | EXIT_CTL_LOAD_IA32_EFER |
                         EXIT_CTL_SAVE_DEBUG_CONTROLS,
                         EXIT_CTL_SAVE_PREEMPTION_TIMER | EXIT_CTL_SAVE_IA32_PAT |
                         EXIT_CTL_LOAD_IA32_PAT,
                         &out->exit, exit_names, missing);
    if (!rc)
        rc = compute_one(c->entry, ENTRY_CTL_LOAD_IA32_EFER | ENTRY_CTL_LOAD_DEBUG_CONTROLS,
                         ENTRY_CTL_LOAD_IA32_PAT,
                         &out->entry, entry_names, missing);
    if (rc)
        return rc;
    if (!(c->ept_vpid & EPT_CAP_PWL4) || !(c->ept_vpid & EPT_CAP_MT_WB)) {
        *missing = "EPT with 4-level walks and write-back memory";
        return -HV_ENODEV;
    }
    if (!(c->ept_vpid & EPT_CAP_INVEPT) ||
        !(c->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
        *missing = "INVEPT (single-context or all-context)";
        return -HV_ENODEV;
    }
    /* The 64-bit guest entry control must be adjustable; set per guest. */
    out->entry &= ~ENTRY_CTL_IA32E_MODE_GUEST;
    /* CR3-load exiting is added per guest (cr3exit=1); CPUs without TRUE
     * controls force it (and CR3-store exiting) on for every guest. */

    out->preemption_timer = out->pin & PIN_CTL_ACTIVATE_PREEMPTION_TIMER;
    out->save_preemption_timer = out->preemption_timer && (out->exit & EXIT_CTL_SAVE_PREEMPTION_TIMER);
    if (!out->preemption_timer)
        out->exit &= ~EXIT_CTL_SAVE_PREEMPTION_TIMER;
    out->vpid = (out->proc2 & PROC2_CTL_ENABLE_VPID) && (c->ept_vpid & VPID_CAP_INVVPID) &&
                (c->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
    out->invept_all = c->ept_vpid & EPT_CAP_INVEPT_ALL;
    out->invvpid_all = out->vpid && (c->ept_vpid & VPID_CAP_INVVPID_ALL);
    if (!out->vpid)
        out->proc2 &= ~PROC2_CTL_ENABLE_VPID;
    out->load_pat = (out->entry & ENTRY_CTL_LOAD_IA32_PAT) && (out->exit & EXIT_CTL_SAVE_IA32_PAT) &&
                    (out->exit & EXIT_CTL_LOAD_IA32_PAT);
    if (!out->load_pat) {
        out->entry &= ~ENTRY_CTL_LOAD_IA32_PAT;
        out->exit &= ~(EXIT_CTL_SAVE_IA32_PAT | EXIT_CTL_LOAD_IA32_PAT);
    }
    out->rdtscp = out->proc2 & PROC2_CTL_ENABLE_RDTSCP;
    out->invpcid = out->proc2 & PROC2_CTL_ENABLE_INVPCID;
    /* APIC virtualization: added per vCPU (vmx/apicv.c) and switched off
     * again when the guest leaves xAPIC mode, so each bit must be free to
     * be 1 and to be 0. */
    out->apicv_proc = PROC_CTL_USE_TPR_SHADOW;
    out->apicv_proc2 = PROC2_CTL_VIRTUALIZE_APIC_ACCESSES | PROC2_CTL_APIC_REGISTER_VIRTUALIZATION;
    out->apicv = vmx_ctl_may_set(c->procbased, out->apicv_proc) &&
                 !((uint32_t)c->procbased & out->apicv_proc) &&
                 vmx_ctl_may_set(c->procbased2, out->apicv_proc2) &&
                 !((uint32_t)c->procbased2 & out->apicv_proc2);
    out->apicv_vid = out->apicv && (out->pin & PIN_CTL_EXTERNAL_INTERRUPT_EXITING) &&
                     vmx_ctl_may_set(c->procbased2, PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY) &&
                     !((uint32_t)c->procbased2 & PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY);
    out->virtual_nmis = out->pin & PIN_CTL_VIRTUAL_NMIS;
    /* "If the 'virtual NMIs' VM-execution control is 0, the 'NMI-window
     * exiting' VM-execution control must be 0" (SDM "Checks on VMX Controls"). */
    out->nmi_window = out->virtual_nmis &&
                      vmx_ctl_may_set(c->procbased, PROC_CTL_NMI_WINDOW_EXITING) &&
                      !((uint32_t)c->procbased & PROC_CTL_NMI_WINDOW_EXITING);
    out->monitor_trap_flag = vmx_ctl_may_set(c->procbased, PROC_CTL_MONITOR_TRAP_FLAG) &&
                             !((uint32_t)c->procbased & PROC_CTL_MONITOR_TRAP_FLAG);
    out->preempt_rate = VMX_MISC_PREEMPT_RATE(c->misc);
    return 0;
}

#define CPUID1_ECX_VMX          BIT(5)
#define CPUID1_ECX_HYPERVISOR   BIT(31)

const char *vmx_probe_refusal(const char *vendor, uint32_t cpuid1_ecx, uint64_t fc,
                              bool *must_lock, char *buf, size_t len)
{
    /* LAB 1 BEGIN vmx_probe_refusal: refuse without CPUID.1:ECX.VMX or when IA32_FEATURE_CONTROL is locked without VMX outside SMX; set *must_lock when it is unlocked */
    *must_lock = false;
    if (!(cpuid1_ecx & CPUID1_ECX_VMX)) {
        bool intel = strcmp(vendor, "GenuineIntel") == 0;
        bool vm = cpuid1_ecx & CPUID1_ECX_HYPERVISOR;
        fmt_snprintf(buf, len, "the CPU (%s) has no VT-x (Intel VMX; CPUID.1:ECX.VMX is 0); "
                     "minivisor needs an Intel CPU with VT-x, or a VM with nested VT-x enabled%s",
                     vendor,
                     vm && intel ? " (this is a VM on an Intel CPU: enable nested VT-x in its "
                                   "host, e.g. kvm_intel nested=1 and -cpu host)"
                     : vm ? " (this is a VM on a CPU without VT-x)"
                     : intel ? " (an Intel CPU without VT-x, or firmware that hides it: "
                               "enable Intel Virtualization Technology in the firmware setup)"
                     : "");
        return buf;
    }
    if (!(fc & IA32_FEATURE_CONTROL_LOCK)) {
        *must_lock = true;
        return NULL;
    }
    if (fc & IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX)
        return NULL;
    if (fc & IA32_FEATURE_CONTROL_VMX_INSIDE_SMX)
        fmt_snprintf(buf, len, "firmware allows VMX only inside SMX (Intel TXT measured launches) "
                     "and locked IA32_FEATURE_CONTROL (%#llx); enable Intel Virtualization "
                     "Technology (VT-x) in the firmware setup, not only \"VT-x with TXT\"",
                     (unsigned long long)fc);
    else
        fmt_snprintf(buf, len, "VMX is disabled and locked by firmware (IA32_FEATURE_CONTROL "
                     "%#llx); enable Intel Virtualization Technology (VT-x) in the firmware setup",
                     (unsigned long long)fc);
    return buf;
    /* LAB 1 END */
}

static bool contains(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++)
        if (strncmp(s, word, n) == 0)
            return true;
    return false;
}

const char *vmx_missing_hint(const char *missing)
{
    static const struct { const char *word, *hint; } hints[] = {
        { "unrestricted guest", "Intel Core i3/i5/i7 since Westmere (2010), Xeon 5600 and "
                                "later, Atom since Silvermont (2013)" },
        { "EPT", "Intel Core i3/i5/i7 since Nehalem (2008), Xeon 5500 and later, Atom since "
                 "Silvermont (2013); not Core 2" },
        { "INVEPT", "Intel Core i3/i5/i7 since Nehalem (2008), Xeon 5500 and later" },
        { "secondary", "Intel Core i3/i5/i7 since Nehalem (2008), Xeon 5500 and later" },
        { "VMCS", "every Intel CPU with VT-x; a hypervisor's nested VT-x that lacks it is broken" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(hints); i++)
        if (contains(missing, hints[i].word))
            return hints[i].hint;
    return "every Intel 64 CPU with VT-x (Core 2 and later); a VM's nested VT-x may hide it: "
           "give the VM the host CPU's features (e.g. -cpu host)";
}

const char *vmx_caps_differ(const struct vmx_caps *bsp, const struct vmx_caps *ap,
                            uint64_t *theirs, uint64_t *mine)
{
    const bool true_ctls = bsp->basic & VMX_BASIC_TRUE_CTLS;
    const struct { const char *name; size_t off; } f[] = {
        { "IA32_VMX_BASIC", offsetof(struct vmx_caps, basic) },
        { true_ctls ? "IA32_VMX_TRUE_PINBASED_CTLS" : "IA32_VMX_PINBASED_CTLS",
          offsetof(struct vmx_caps, pinbased) },
        { true_ctls ? "IA32_VMX_TRUE_PROCBASED_CTLS" : "IA32_VMX_PROCBASED_CTLS",
          offsetof(struct vmx_caps, procbased) },
        { "IA32_VMX_PROCBASED_CTLS2", offsetof(struct vmx_caps, procbased2) },
        { true_ctls ? "IA32_VMX_TRUE_EXIT_CTLS" : "IA32_VMX_EXIT_CTLS",
          offsetof(struct vmx_caps, exit) },
        { true_ctls ? "IA32_VMX_TRUE_ENTRY_CTLS" : "IA32_VMX_ENTRY_CTLS",
          offsetof(struct vmx_caps, entry) },
        { "IA32_VMX_MISC", offsetof(struct vmx_caps, misc) },
        { "IA32_VMX_CR0_FIXED0", offsetof(struct vmx_caps, cr0_fixed0) },
        { "IA32_VMX_CR0_FIXED1", offsetof(struct vmx_caps, cr0_fixed1) },
        { "IA32_VMX_CR4_FIXED0", offsetof(struct vmx_caps, cr4_fixed0) },
        { "IA32_VMX_CR4_FIXED1", offsetof(struct vmx_caps, cr4_fixed1) },
        { "IA32_VMX_EPT_VPID_CAP", offsetof(struct vmx_caps, ept_vpid) },
        { "IA32_VMX_VMFUNC", offsetof(struct vmx_caps, vmfunc) },
    };
    for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
        uint64_t a, b;
        memcpy(&a, (const char *)bsp + f[i].off, sizeof(a));
        memcpy(&b, (const char *)ap + f[i].off, sizeof(b));
        if (a != b) {
            *theirs = a;
            *mine = b;
            return f[i].name;
        }
    }
    return NULL;
}
