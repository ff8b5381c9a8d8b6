/*
 * VT-x capabilities: a snapshot of the VMX capability MSRs and pure
 * functions that decode them and compute control values. SDM Vol. 3D,
 * "VMX Capability Reporting Facility" (Appendix A).
 */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include <hv/types.h>

/* IA32_VMX_BASIC fields (SDM Vol. 3D, "Basic VMX Information"). */
#define VMX_BASIC_REVISION_MASK   0x7FFFFFFFULL
#define VMX_BASIC_VMCS_SIZE(b)    (((b) >> 32) & 0x1FFF)
#define VMX_BASIC_PHYS_32BIT      BIT(48)
#define VMX_BASIC_MEM_TYPE(b)     (((b) >> 50) & 0xF)
#define VMX_BASIC_INS_OUTS_INFO   BIT(54)
#define VMX_BASIC_TRUE_CTLS       BIT(55)

/* IA32_VMX_MISC (SDM Vol. 3D, "Miscellaneous Data"). */
#define VMX_MISC_PREEMPT_RATE(m)  ((m) & 0x1F)
#define VMX_MISC_SAVES_LMA        BIT(5)
#define VMX_MISC_ACTIVITY_HLT     BIT(6)
#define VMX_MISC_CR3_TARGETS(m)   (((m) >> 16) & 0x1FF)

/* IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D, "VPID and EPT Capabilities"). */
#define EPT_CAP_EXEC_ONLY         BIT(0)
#define EPT_CAP_PWL4              BIT(6)
#define EPT_CAP_MT_UC             BIT(8)
#define EPT_CAP_MT_WB             BIT(14)
#define EPT_CAP_2MB               BIT(16)
#define EPT_CAP_1GB               BIT(17)
#define EPT_CAP_INVEPT            BIT(20)
#define EPT_CAP_AD                BIT(21)
#define EPT_CAP_INVEPT_SINGLE     BIT(25)
#define EPT_CAP_INVEPT_ALL        BIT(26)
#define VPID_CAP_INVVPID          BIT(32)
#define VPID_CAP_INVVPID_ADDR     BIT(40)
#define VPID_CAP_INVVPID_SINGLE   BIT(41)
#define VPID_CAP_INVVPID_ALL      BIT(42)

/* Raw capability MSR values. The ctls fields hold the TRUE variants when
 * IA32_VMX_BASIC[55] is set, else the plain ones. */
struct vmx_caps {
    uint64_t basic;
    uint64_t pinbased, procbased, procbased2, exit, entry;
    uint64_t misc;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t ept_vpid;
    uint64_t vmfunc;
};

/* May control bit(s) `bits` be 1 in this capability MSR (allowed-1, bits 63:32)? */
static inline bool vmx_ctl_may_set(uint64_t cap, uint32_t bits)
{
    return ((cap >> 32) & bits) == bits;
}

/*
 * Compute a control word: every bit the CPU requires (allowed-0 settings,
 * bits 31:0), plus `required`, plus the `optional` bits the CPU allows.
 * Returns 0 and sets *out, or -HV_ENODEV with *missing = the required bits
 * the CPU cannot set. SDM Vol. 3D, "VM-Execution Controls" (Appendix A).
 */
int vmx_ctl_compute(uint64_t cap, uint32_t required, uint32_t optional,
                    uint32_t *out, uint32_t *missing) __must_check;

/* Apply the CR0/CR4 fixed bits: ((v | fixed0) & fixed1). SDM Vol. 3D,
 * "VMX-Fixed Bits in CR0" / "in CR4". */
static inline uint64_t vmx_fixed_bits(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
    return (v | fixed0) & fixed1;
}

/* One-line predicates over a snapshot. */
bool vmx_has_ept(const struct vmx_caps *c);
bool vmx_has_vpid(const struct vmx_caps *c);
bool vmx_has_unrestricted_guest(const struct vmx_caps *c);
bool vmx_has_preemption_timer(const struct vmx_caps *c);
bool vmx_has_save_preemption_timer(const struct vmx_caps *c);
bool vmx_has_apic_virtualization(const struct vmx_caps *c);
bool vmx_has_virtual_interrupt_delivery(const struct vmx_caps *c);
bool vmx_has_posted_interrupts(const struct vmx_caps *c);
bool vmx_has_msr_bitmaps(const struct vmx_caps *c);
bool vmx_has_secondary(const struct vmx_caps *c);

/*
 * Format the readable capability summary into buf as up to four lines
 * ("VMCS revision ...", "EPT ...", "VPID ...", "features ..."), each
 * ending in '\n'. Returns the length.
 */
size_t vmx_caps_describe(const struct vmx_caps *c, char *buf, size_t len);

/*
 * Check that this snapshot can run our guests: EPT with 4-level walks and
 * write-back memory, unrestricted guest, I/O bitmaps, MSR bitmaps, HLT and
 * I/O exiting, 64-bit host. Returns NULL if fine, else the name of the first
 * missing feature.
 */
const char *vmx_caps_missing(const struct vmx_caps *c);

/* The control words every VMCS starts from, computed once from the caps. */
struct vmx_controls {
    uint32_t pin, proc, proc2, exit, entry;
    bool preemption_timer;       /* PIN_CTL_ACTIVATE_PREEMPTION_TIMER is in pin */
    bool save_preemption_timer;
    bool vpid;
    bool invept_all, invvpid_all;   /* all-context flushes (else single-context) */
    bool load_pat;
    bool rdtscp, invpcid;
    unsigned preempt_rate;       /* the timer ticks once every 2^rate TSC cycles */
    /* APIC virtualization (TPR shadow, virtualized APIC accesses, APIC-
     * register virtualization): usable, and the bits a vCPU adds for it. */
    bool apicv;
    uint32_t apicv_proc, apicv_proc2;
    /* Virtual-interrupt delivery on top (PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY,
     * free both ways; it needs external-interrupt exiting, which pin has). */
    bool apicv_vid;
    /* NMIs (SDM Vol. 3C, "Virtual NMIs", "NMI-Window Exiting"): "virtual
     * NMIs" is in pin (the CPU then tracks the guest's NMI blocking and
     * IRET clears it); NMI-window exiting needs it and is switched per vCPU
     * (PROC_CTL_NMI_WINDOW_EXITING, free both ways). Without either the
     * hypervisor falls back to interrupt-window exits (vmx/interrupts.c). */
    bool virtual_nmis;
    bool nmi_window;
    /* The monitor trap flag (PROC_CTL_MONITOR_TRAP_FLAG, free both ways):
     * guest debugging's single steps (vmx/guest_debug.c); without it they
     * take RFLAGS.TF. */
    bool monitor_trap_flag;
};

/*
 * What the hypervisor requires and would like, checked against the CPU.
 * Returns 0, or -HV_ENODEV with the missing control's name in *missing
 * (e.g. "secondary controls: unrestricted guest").
 */
int vmx_compute_controls(const struct vmx_caps *c, struct vmx_controls *out,
                         const char **missing) __must_check;

/*
 * The VT-x discovery verdict before the capability MSRs are read (SDM Vol.
 * 3C, "Discovering Support for VMX" and "Enabling and Entering VMX
 * Operation"), from CPUID.0's vendor string, CPUID.1:ECX and
 * IA32_FEATURE_CONTROL (ignored when CPUID says no VMX). NULL: VMX may be
 * used, and *must_lock says whether IA32_FEATURE_CONTROL is still unlocked
 * (the caller then sets "VMX outside SMX" and the lock bit). Else a
 * message for the person at the machine saying what to change.
 */
const char *vmx_probe_refusal(const char *vendor, uint32_t cpuid1_ecx, uint64_t feature_control,
                              bool *must_lock, char *buf, size_t len);

/* Which CPUs have a feature named by vmx_caps_missing or
 * vmx_compute_controls (a phrase to print after it). */
const char *vmx_missing_hint(const char *missing);

#endif
