/*
 * The VM-entry checks in software (see vmx/vmcheck.h). Each rule follows a
 * sentence of SDM Vol. 3C, "Checks on VMX Controls and Host-State Area"
 * (VM-execution, VM-exit and VM-entry control fields; host control
 * registers and MSRs; host segment and descriptor-table registers;
 * address-space size), "Checks on the Guest State Area" (control, debug
 * registers and MSRs; segment registers; descriptor-table registers; RIP
 * and RFLAGS; non-register state; PDPTEs) and "Loading MSRs". Rules for
 * features the hypervisor never turns on (SMM, VMCS shadowing, PML, CET,
 * ...) are left out except where a control bit alone breaks them.
 */
#include "vmx/vmcheck.h"
#include <hv/format.h>
#include <stdarg.h>

/* Segment access rights (SDM Vol. 3C, "Guest Register State"). */
#define AR_TYPE(ar)     ((ar) & 0xF)
#define AR_S            BIT(4)
#define AR_DPL(ar)      (((ar) >> 5) & 3)
#define AR_P            BIT(7)
#define AR_RSVD_11_8    0xF00u
#define AR_L            BIT(13)
#define AR_DB           BIT(14)
#define AR_G            BIT(15)
#define AR_UNUSABLE     BIT(16)
#define AR_RSVD_31_17   0xFFFE0000u

#define CR0_PE          BIT(0)
#define CR0_PG          BIT(31)
#define CR4_PAE         BIT(5)
#define CR4_PCIDE       BIT(17)
#define RFLAGS_TF       BIT(8)
#define RFLAGS_IF       BIT(9)
#define RFLAGS_VM       BIT(17)
#define RFLAGS_RSVD     (~0x3FFFFFULL | BIT(15) | BIT(5) | BIT(3))
#define RFLAGS_FIXED1   BIT(1)
#define EFER_LME        BIT(8)
#define EFER_LMA        BIT(10)
#define EFER_RSVD       (~(BIT(0) | BIT(8) | BIT(10) | BIT(11)))
#define DEBUGCTL_BTF    BIT(1)
#define DEBUGCTL_RSVD   (~0xFFC3ULL)          /* bits 5:2 and 63:16 */
#define PENDING_BS      BIT(14)
#define PENDING_RTM     BIT(16)
#define PENDING_RSVD    (~(0xFULL | BIT(12) | BIT(14) | BIT(16)))
#define INTERRUPTIBILITY_RSVD 0xFFFFFFE0u
#define INTR_INFO_RSVD  0x7FFFF000u
#define PDPTE_RSVD      0x1E6ULL               /* bits 2:1, 8:5 */
#define ENTRY_CTL_DEACTIVATE_DUAL_MONITOR BIT(11)
#define PROC2_CTL_ENABLE_PML            BIT(17)
#define PROC2_CTL_MODE_BASED_EPT_EXECUTE BIT(22)
#define PROC2_CTL_SUB_PAGE_WRITE        BIT(23)
#define VMX_MISC_ACTIVITY(m)   (((m) >> 6) & 7)   /* HLT, shutdown, wait-for-SIPI */
#define VMX_MISC_ZERO_INSN_LEN BIT(30)
#define MSR_IA32_SMM_MONITOR_CTL 0x9B
#define MSR_IA32_SMBASE        0x9E
#define MSR_IA32_PAT           0x277
#define MSR_IA32_EFER          0xC0000080
#define MSR_IA32_FS_BASE       0xC0000100
#define MSR_IA32_GS_BASE       0xC0000101
#define MSR_AREA_CHECK_MAX     512             /* entries looked at */
#define VAPIC_TPR_OFFSET       0x80

struct ck {
    const struct vmcheck_env *e;
    unsigned problems;
    uint32_t pin, proc, proc2, exit, entry;
    bool ia32e, ug, ept;
    uint64_t cr0, cr4, rflags;
    uint32_t intr_info;
    bool inject;
    unsigned inj_type, inj_vector;
};

static void bad(struct ck *c, const char *fmt, ...) __printf(2, 3);
static void bad(struct ck *c, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->problems++;
    c->e->report(c->e->ctx, line);
}

static uint64_t rd(struct ck *c, enum vmcs_field f)
{
    uint64_t v = c->e->read(c->e->ctx, f);
    switch (VMCS_FIELD_WIDTH(f)) {
    case VMCS_WIDTH_16: return v & 0xFFFF;
    case VMCS_WIDTH_32: return v & 0xFFFFFFFF;
    default:            return v;
    }
}

static bool canonical(const struct ck *c, uint64_t a)
{
    unsigned s = 64 - c->e->linear_bits;
    return (uint64_t)((int64_t)(a << s) >> s) == a;
}

static bool beyond_phys(const struct ck *c, uint64_t a)
{
    return c->e->phys_bits < 64 && (a >> c->e->phys_bits) != 0;
}

static unsigned long long u(uint64_t v) { return v; }

/* Each byte a PAT memory type: 0, 1, 4, 5, 6 or 7. */
static bool pat_valid(uint64_t pat)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (pat >> (8 * i)) & 0xFF;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

/* A 4 KiB-aligned address within the physical-address width. */
static void check_page_addr(struct ck *c, const char *what, enum vmcs_field f)
{
    uint64_t a = rd(c, f);
    if (a & 0xFFF)
        bad(c, "%s: must be 4 KiB aligned, got %#llx", what, u(a));
    if (beyond_phys(c, a))
        bad(c, "%s: must be within the %u-bit physical-address width, got %#llx", what,
            c->e->phys_bits, u(a));
}

/* An MSR area: 16-byte aligned, its last byte within the address width. */
static void check_msr_area(struct ck *c, const char *what, enum vmcs_field count_f,
                           enum vmcs_field addr_f)
{
    uint64_t n = rd(c, count_f);
    if (!n)
        return;
    uint64_t a = rd(c, addr_f);
    if (a & 0xF)
        bad(c, "%s address: must be 16-byte aligned, got %#llx", what, u(a));
    if (beyond_phys(c, a) || beyond_phys(c, a + n * 16 - 1))
        bad(c, "%s address: %llu entries at %#llx end beyond the %u-bit physical-address "
            "width", what, u(n), u(a), c->e->phys_bits);
}

/* A control word against its capability MSR: allowed-0 settings (bits
 * 31:0) must be 1, allowed-1 settings (bits 63:32) bound what may be 1. */
static void check_ctl(struct ck *c, const char *name, uint32_t v, uint64_t cap)
{
    uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);
    if (~v & must1)
        bad(c, "%s: bits %#x must be 1 (the capability MSR requires them), got %#x", name,
            ~v & must1, v);
    if (v & ~may1)
        bad(c, "%s: bits %#x must be 0 (the capability MSR does not allow them), got %#x",
            name, v & ~may1, v);
}

static void check_fixed(struct ck *c, const char *name, uint64_t v, uint64_t f0, uint64_t f1,
                        const char *msr0, const char *msr1)
{
    if (~v & f0)
        bad(c, "%s: bits %#llx must be 1 (%s), got %#llx", name, u(~v & f0), msr0, u(v));
    if (v & ~f1)
        bad(c, "%s: bits %#llx must be 0 (%s), got %#llx", name, u(v & ~f1), msr1, u(v));
}

/* ---- SDM "Checks on VM-Execution Control Fields" ---- */
static void check_execution_controls(struct ck *c)
{
    const struct vmx_caps *caps = c->e->caps;
    check_ctl(c, "pin-based VM-execution controls", c->pin, caps->pinbased);
    check_ctl(c, "primary processor-based VM-execution controls", c->proc, caps->procbased);
    if (c->proc & PROC_CTL_ACTIVATE_SECONDARY_CONTROLS)
        check_ctl(c, "secondary processor-based VM-execution controls", c->proc2,
                  caps->procbased2);

    uint64_t targets = rd(c, VMCS_CR3_TARGET_COUNT);
    if (targets > VMX_MISC_CR3_TARGETS(caps->misc))
        bad(c, "CR3-target count: must be at most %llu, got %llu",
            u(VMX_MISC_CR3_TARGETS(caps->misc)), u(targets));
    if (c->proc & PROC_CTL_USE_IO_BITMAPS) {
        check_page_addr(c, "I/O bitmap A address", VMCS_IO_BITMAP_A);
        check_page_addr(c, "I/O bitmap B address", VMCS_IO_BITMAP_B);
    }
    if (c->proc & PROC_CTL_USE_MSR_BITMAPS)
        check_page_addr(c, "MSR bitmap address", VMCS_MSR_BITMAP);

    bool vid = c->proc2 & PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY;
    bool vaa = c->proc2 & PROC2_CTL_VIRTUALIZE_APIC_ACCESSES;
    if (c->proc & PROC_CTL_USE_TPR_SHADOW) {
        check_page_addr(c, "virtual-APIC address", VMCS_VIRTUAL_APIC_PAGE_ADDR);
        if (!vid) {
            uint64_t thr = rd(c, VMCS_TPR_THRESHOLD);
            if (thr & ~0xFULL)
                bad(c, "TPR threshold: bits 31:4 must be 0 without virtual-interrupt "
                    "delivery, got %#llx", u(thr));
            uint8_t tpr;
            uint64_t page = rd(c, VMCS_VIRTUAL_APIC_PAGE_ADDR);
            if (!vaa && c->e->read_phys &&
                c->e->read_phys(c->e->ctx, page + VAPIC_TPR_OFFSET, &tpr, 1) &&
                (thr & 0xF) > (uint64_t)(tpr >> 4))
                bad(c, "TPR threshold: must not exceed bits 7:4 of the virtual-APIC page's "
                    "TPR (%#x), got %#llx", tpr, u(thr & 0xF));
        }
    } else {
        uint32_t need = c->proc2 & (PROC2_CTL_VIRTUALIZE_X2APIC_MODE |
                                    PROC2_CTL_APIC_REGISTER_VIRTUALIZATION |
                                    PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY);
        if (need)
            bad(c, "secondary processor-based VM-execution controls: bits %#x (x2APIC, "
                "APIC-register virtualization, virtual-interrupt delivery) need "
                "\"use TPR shadow\"", need);
    }
    if (!(c->pin & PIN_CTL_NMI_EXITING) && (c->pin & PIN_CTL_VIRTUAL_NMIS))
        bad(c, "pin-based VM-execution controls: \"virtual NMIs\" needs \"NMI exiting\"");
    if (!(c->pin & PIN_CTL_VIRTUAL_NMIS) && (c->proc & PROC_CTL_NMI_WINDOW_EXITING))
        bad(c, "primary processor-based VM-execution controls: \"NMI-window exiting\" "
            "needs \"virtual NMIs\"");
    if (vaa)
        check_page_addr(c, "APIC-access address", VMCS_APIC_ACCESS_ADDR);
    if (vaa && (c->proc2 & PROC2_CTL_VIRTUALIZE_X2APIC_MODE))
        bad(c, "secondary processor-based VM-execution controls: \"virtualize x2APIC mode\" "
            "and \"virtualize APIC accesses\" must not both be 1");
    if (vid && !(c->pin & PIN_CTL_EXTERNAL_INTERRUPT_EXITING))
        bad(c, "pin-based VM-execution controls: virtual-interrupt delivery needs "
            "\"external-interrupt exiting\"");
    if (c->pin & PIN_CTL_PROCESS_POSTED_INTERRUPTS) {
        if (!vid)
            bad(c, "pin-based VM-execution controls: \"process posted interrupts\" needs "
                "virtual-interrupt delivery");
        if (!(c->exit & EXIT_CTL_ACK_INTERRUPT_ON_EXIT))
            bad(c, "VM-exit controls: \"process posted interrupts\" needs \"acknowledge "
                "interrupt on exit\"");
        uint64_t nv = rd(c, VMCS_POSTED_INTR_NOTIFICATION_VECTOR);
        if (nv & 0xFF00)
            bad(c, "posted-interrupt notification vector: bits 15:8 must be 0, got %#llx", u(nv));
    }
    if ((c->proc2 & PROC2_CTL_ENABLE_VPID) && rd(c, VMCS_VPID) == 0)
        bad(c, "VPID: must not be 0 with \"enable VPID\"");
    if (c->ept) {
        uint64_t eptp = rd(c, VMCS_EPT_POINTER), ev = caps->ept_vpid;
        unsigned mt = eptp & 7, walk = (eptp >> 3) & 7;
        if (!((mt == 0 && (ev & EPT_CAP_MT_UC)) || (mt == 6 && (ev & EPT_CAP_MT_WB))))
            bad(c, "EPT pointer: memory type (bits 2:0) must be one the CPU offers (0 UC, "
                "6 WB), got %u", mt);
        if (!(walk == 3 && (ev & EPT_CAP_PWL4)) && !(walk == 4 && (ev & BIT(7))))
            bad(c, "EPT pointer: page-walk length - 1 (bits 5:3) must be 3 (4 levels), got %u",
                walk);
        if ((eptp & BIT(6)) && !(ev & EPT_CAP_AD))
            bad(c, "EPT pointer: bit 6 (accessed and dirty flags) must be 0: the CPU "
                "lacks them");
        if ((eptp & 0xF80) || beyond_phys(c, eptp))
            bad(c, "EPT pointer: bits 11:7 and bits above the %u-bit physical-address "
                "width must be 0, got %#llx", c->e->phys_bits, u(eptp));
    }
    if (c->ug && !c->ept)
        bad(c, "secondary processor-based VM-execution controls: \"unrestricted guest\" "
            "needs \"enable EPT\"");
    uint32_t need_ept = c->proc2 & (PROC2_CTL_ENABLE_PML | PROC2_CTL_MODE_BASED_EPT_EXECUTE |
                                    PROC2_CTL_SUB_PAGE_WRITE);
    if (need_ept && !c->ept)
        bad(c, "secondary processor-based VM-execution controls: bits %#x (PML, mode-based "
            "execute control, sub-page write permissions) need \"enable EPT\"", need_ept);
}

/* ---- SDM "Checks on VM-Exit Control Fields" ---- */
static void check_exit_controls(struct ck *c)
{
    check_ctl(c, "VM-exit controls", c->exit, c->e->caps->exit);
    if (!(c->pin & PIN_CTL_ACTIVATE_PREEMPTION_TIMER) && (c->exit & EXIT_CTL_SAVE_PREEMPTION_TIMER))
        bad(c, "VM-exit controls: \"save VMX-preemption timer value\" needs \"activate "
            "VMX-preemption timer\"");
    check_msr_area(c, "VM-exit MSR-store", VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
    check_msr_area(c, "VM-exit MSR-load", VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

static bool has_error_code(unsigned vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

/* ---- SDM "Checks on VM-Entry Control Fields" ---- */
static void check_entry_controls(struct ck *c)
{
    check_ctl(c, "VM-entry controls", c->entry, c->e->caps->entry);
    if (c->inject) {
        uint32_t info = c->intr_info;
        unsigned t = c->inj_type, vec = c->inj_vector;
        if (t == 1)
            bad(c, "VM-entry interruption information: type 1 is reserved, got %#x", info);
        if (t == 7 && !vmx_ctl_may_set(c->e->caps->procbased, PROC_CTL_MONITOR_TRAP_FLAG))
            bad(c, "VM-entry interruption information: type 7 (other event) needs the "
                "monitor trap flag, got %#x", info);
        if (t == 2 && vec != 2)
            bad(c, "VM-entry interruption information: an NMI must have vector 2, got %u", vec);
        if (t == 3 && vec > 31)
            bad(c, "VM-entry interruption information: a hardware exception must have a "
                "vector up to 31, got %u", vec);
        if (t == 7 && vec != 0)
            bad(c, "VM-entry interruption information: type 7 (other event) must have "
                "vector 0, got %u", vec);
        bool ec = info & INTR_INFO_DELIVER_ERROR_CODE;
        bool want_ec = t == 3 && has_error_code(vec) && !(c->ug && !(c->cr0 & CR0_PE));
        if (ec && !want_ec)
            bad(c, "VM-entry interruption information: \"deliver error code\" must be 0 "
                "(only hardware exceptions 8, 10-14 and 17 in protected mode have one), "
                "got %#x", info);
        if (!ec && want_ec)
            bad(c, "VM-entry interruption information: \"deliver error code\" must be 1 "
                "for exception %u, got %#x", vec, info);
        if (info & INTR_INFO_RSVD)
            bad(c, "VM-entry interruption information: bits 30:12 must be 0, got %#x", info);
        if (ec) {
            uint64_t code = rd(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE);
            if (code & 0xFFFF0000)
                bad(c, "VM-entry exception error code: bits 31:16 must be 0, got %#llx", u(code));
        }
        if (t == 4 || t == 5 || t == 6) {
            uint64_t len = rd(c, VMCS_VM_ENTRY_INSTRUCTION_LEN);
            bool zero_ok = c->e->caps->misc & VMX_MISC_ZERO_INSN_LEN;
            if (len > 15 || (len == 0 && !zero_ok))
                bad(c, "VM-entry instruction length: must be %s to 15 for a software "
                    "interrupt or exception, got %llu", zero_ok ? "0" : "1", u(len));
        }
    }
    check_msr_area(c, "VM-entry MSR-load", VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
    if (c->entry & ENTRY_CTL_ENTRY_TO_SMM)
        bad(c, "VM-entry controls: \"entry to SMM\" must be 0 outside SMM");
    if (c->entry & ENTRY_CTL_DEACTIVATE_DUAL_MONITOR)
        bad(c, "VM-entry controls: \"deactivate dual-monitor treatment\" must be 0 outside SMM");
}

/* ---- SDM "Checks on Host Control Registers, MSRs, and SSP", "Checks on
 * Host Segment and Descriptor-Table Registers", "Checks Related to
 * Address-Space Size" ---- */
static void check_host_state(struct ck *c)
{
    const struct vmx_caps *caps = c->e->caps;
    uint64_t cr0 = rd(c, VMCS_HOST_CR0), cr4 = rd(c, VMCS_HOST_CR4);
    check_fixed(c, "host CR0", cr0, caps->cr0_fixed0, caps->cr0_fixed1,
                "IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1");
    check_fixed(c, "host CR4", cr4, caps->cr4_fixed0, caps->cr4_fixed1,
                "IA32_VMX_CR4_FIXED0", "IA32_VMX_CR4_FIXED1");
    uint64_t cr3 = rd(c, VMCS_HOST_CR3);
    if (beyond_phys(c, cr3))
        bad(c, "host CR3: bits above the %u-bit physical-address width must be 0, got %#llx",
            c->e->phys_bits, u(cr3));
    uint64_t v;
    if (!canonical(c, v = rd(c, VMCS_HOST_IA32_SYSENTER_ESP)))
        bad(c, "host IA32_SYSENTER_ESP: must be canonical, got %#llx", u(v));
    if (!canonical(c, v = rd(c, VMCS_HOST_IA32_SYSENTER_EIP)))
        bad(c, "host IA32_SYSENTER_EIP: must be canonical, got %#llx", u(v));
    bool host64 = c->exit & EXIT_CTL_HOST_ADDRESS_SPACE_SIZE;
    if ((c->exit & EXIT_CTL_LOAD_IA32_PAT) && !pat_valid(v = rd(c, VMCS_HOST_IA32_PAT)))
        bad(c, "host IA32_PAT: every byte must be a memory type (0, 1, 4, 5, 6, 7), got %#llx",
            u(v));
    if (c->exit & EXIT_CTL_LOAD_IA32_EFER) {
        v = rd(c, VMCS_HOST_IA32_EFER);
        if (v & EFER_RSVD)
            bad(c, "host IA32_EFER: reserved bits must be 0, got %#llx", u(v));
        if (!(v & EFER_LMA) != !host64 || !(v & EFER_LME) != !host64)
            bad(c, "host IA32_EFER: LMA and LME must equal \"host address-space size\" (%u), "
                "got %#llx", host64, u(v));
    }

    static const struct { const char *name; enum vmcs_field f; } sels[] = {
        { "ES", VMCS_HOST_ES_SELECTOR }, { "CS", VMCS_HOST_CS_SELECTOR },
        { "SS", VMCS_HOST_SS_SELECTOR }, { "DS", VMCS_HOST_DS_SELECTOR },
        { "FS", VMCS_HOST_FS_SELECTOR }, { "GS", VMCS_HOST_GS_SELECTOR },
        { "TR", VMCS_HOST_TR_SELECTOR },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(sels); i++)
        if ((v = rd(c, sels[i].f)) & 7)
            bad(c, "host %s selector: RPL and TI (bits 2:0) must be 0, got %#llx",
                sels[i].name, u(v));
    if (rd(c, VMCS_HOST_CS_SELECTOR) == 0)
        bad(c, "host CS selector: must not be 0");
    if (rd(c, VMCS_HOST_TR_SELECTOR) == 0)
        bad(c, "host TR selector: must not be 0");
    if (!host64 && rd(c, VMCS_HOST_SS_SELECTOR) == 0)
        bad(c, "host SS selector: must not be 0 with a 32-bit host");
    static const struct { const char *name; enum vmcs_field f; } bases[] = {
        { "FS base", VMCS_HOST_FS_BASE }, { "GS base", VMCS_HOST_GS_BASE },
        { "GDTR base", VMCS_HOST_GDTR_BASE }, { "IDTR base", VMCS_HOST_IDTR_BASE },
        { "TR base", VMCS_HOST_TR_BASE },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bases); i++)
        if (!canonical(c, v = rd(c, bases[i].f)))
            bad(c, "host %s: must be canonical, got %#llx", bases[i].name, u(v));

    uint64_t rip = rd(c, VMCS_HOST_RIP);
    if (c->e->host_ia32e && !host64)
        bad(c, "VM-exit controls: \"host address-space size\" must be 1 on a 64-bit host");
    if (!host64) {
        if (c->ia32e)
            bad(c, "VM-entry controls: \"IA-32e mode guest\" needs \"host address-space size\"");
        if (cr4 & CR4_PCIDE)
            bad(c, "host CR4: PCIDE must be 0 with a 32-bit host, got %#llx", u(cr4));
        if (rip >> 32)
            bad(c, "host RIP: bits 63:32 must be 0 with a 32-bit host, got %#llx", u(rip));
    } else {
        if (!(cr4 & CR4_PAE))
            bad(c, "host CR4: PAE must be 1 with a 64-bit host, got %#llx", u(cr4));
        if (!canonical(c, rip))
            bad(c, "host RIP: must be canonical, got %#llx", u(rip));
    }
}

/* ---- SDM "Checks on Guest Control Registers, Debug Registers, and MSRs" ---- */
static void check_guest_regs(struct ck *c)
{
    const struct vmx_caps *caps = c->e->caps;
    uint64_t f0 = caps->cr0_fixed0;
    if (c->ug)
        f0 &= ~(CR0_PE | CR0_PG);
    check_fixed(c, "guest CR0", c->cr0, f0, caps->cr0_fixed1,
                c->ug ? "IA32_VMX_CR0_FIXED0 less PE and PG for an unrestricted guest" :
                        "IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1");
    if ((c->cr0 & CR0_PG) && !(c->cr0 & CR0_PE))
        bad(c, "guest CR0: PG needs PE, got %#llx", u(c->cr0));
    check_fixed(c, "guest CR4", c->cr4, caps->cr4_fixed0, caps->cr4_fixed1,
                "IA32_VMX_CR4_FIXED0", "IA32_VMX_CR4_FIXED1");
    uint64_t v;
    if (c->entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) {
        if ((v = rd(c, VMCS_GUEST_IA32_DEBUGCTL)) & DEBUGCTL_RSVD)
            bad(c, "guest IA32_DEBUGCTL: reserved bits (5:2, 63:16) must be 0, got %#llx", u(v));
        if ((v = rd(c, VMCS_GUEST_DR7)) >> 32)
            bad(c, "guest DR7: bits 63:32 must be 0, got %#llx", u(v));
    }
    if (c->ia32e && (!(c->cr0 & CR0_PG) || !(c->cr4 & CR4_PAE)))
        bad(c, "guest CR0/CR4: an IA-32e mode guest needs CR0.PG and CR4.PAE, got CR0 %#llx "
            "CR4 %#llx", u(c->cr0), u(c->cr4));
    if (!c->ia32e && (c->cr4 & CR4_PCIDE))
        bad(c, "guest CR4: PCIDE must be 0 outside IA-32e mode, got %#llx", u(c->cr4));
    if (beyond_phys(c, v = rd(c, VMCS_GUEST_CR3)))
        bad(c, "guest CR3: bits above the %u-bit physical-address width must be 0, got %#llx",
            c->e->phys_bits, u(v));
    if (!canonical(c, v = rd(c, VMCS_GUEST_IA32_SYSENTER_ESP)))
        bad(c, "guest IA32_SYSENTER_ESP: must be canonical, got %#llx", u(v));
    if (!canonical(c, v = rd(c, VMCS_GUEST_IA32_SYSENTER_EIP)))
        bad(c, "guest IA32_SYSENTER_EIP: must be canonical, got %#llx", u(v));
    if ((c->entry & ENTRY_CTL_LOAD_IA32_PAT) && !pat_valid(v = rd(c, VMCS_GUEST_IA32_PAT)))
        bad(c, "guest IA32_PAT: every byte must be a memory type (0, 1, 4, 5, 6, 7), got %#llx",
            u(v));
    if (c->entry & ENTRY_CTL_LOAD_IA32_EFER) {
        v = rd(c, VMCS_GUEST_IA32_EFER);
        if (v & EFER_RSVD)
            bad(c, "guest IA32_EFER: reserved bits must be 0, got %#llx", u(v));
        if (!(v & EFER_LMA) != !c->ia32e)
            bad(c, "guest IA32_EFER: LMA must equal \"IA-32e mode guest\" (%u), got %#llx",
                c->ia32e, u(v));
        if ((c->cr0 & CR0_PG) && !(v & EFER_LMA) != !(v & EFER_LME))
            bad(c, "guest IA32_EFER: LME must equal LMA while CR0.PG is 1, got %#llx", u(v));
    }
}

/* ---- SDM "Checks on Guest Segment Registers" ---- */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

struct seg { uint64_t sel, base, limit, ar; };

static void read_seg(struct ck *c, unsigned i, struct seg *s)
{
    /* Selector, limit, access rights and base of ES..TR are 2 apart (SDM Vol. 3D, Appendix B). */
    s->sel = rd(c, (enum vmcs_field)(VMCS_GUEST_ES_SELECTOR + 2 * i));
    s->limit = rd(c, (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i));
    s->ar = rd(c, (enum vmcs_field)(VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * i));
    s->base = rd(c, (enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i));
}

/* The limit and G agree: G=0 if any of limit 11:0 is 0, G=1 if any of 31:20 is 1. */
static void check_granularity(struct ck *c, const char *name, const struct seg *s)
{
    if ((s->limit & 0xFFF) != 0xFFF && (s->ar & AR_G))
        bad(c, "guest %s access rights: G must be 0 when limit bits 11:0 are not all 1 "
            "(limit %#llx), got %#llx", name, u(s->limit), u(s->ar));
    if ((s->limit & 0xFFF00000) && !(s->ar & AR_G))
        bad(c, "guest %s access rights: G must be 1 when limit bits 31:20 are not all 0 "
            "(limit %#llx), got %#llx", name, u(s->limit), u(s->ar));
}

static void check_segments(struct ck *c)
{
    struct seg s[SEG_COUNT];
    for (unsigned i = 0; i < SEG_COUNT; i++)
        read_seg(c, i, &s[i]);
    bool pe = c->cr0 & CR0_PE;
    /* RFLAGS.VM outside protected mode is its own error (check_tables_rip_rflags). */
    bool v86 = (c->rflags & RFLAGS_VM) && pe && !c->ia32e;
    unsigned cs_type = AR_TYPE(s[SEG_CS].ar);

    /* Selectors */
    if (s[SEG_TR].sel & 4)
        bad(c, "guest TR selector: TI (bit 2) must be 0, got %#llx", u(s[SEG_TR].sel));
    if (!(s[SEG_LDTR].ar & AR_UNUSABLE) && (s[SEG_LDTR].sel & 4))
        bad(c, "guest LDTR selector: TI (bit 2) must be 0, got %#llx", u(s[SEG_LDTR].sel));
    if (!v86 && !c->ug && (s[SEG_SS].sel & 3) != (s[SEG_CS].sel & 3))
        bad(c, "guest SS selector: RPL must equal CS's RPL (%llu), got %#llx",
            u(s[SEG_CS].sel & 3), u(s[SEG_SS].sel));

    /* Bases */
    for (unsigned i = SEG_ES; i <= SEG_GS; i++) {
        bool usable = !(s[i].ar & AR_UNUSABLE);
        if (v86 && s[i].base != s[i].sel << 4)
            bad(c, "guest %s base: must be the selector times 16 (%#llx) in virtual-8086 mode, "
                "got %#llx", seg_names[i], u(s[i].sel << 4), u(s[i].base));
        if ((i == SEG_CS || ((i == SEG_SS || i == SEG_DS || i == SEG_ES) && usable)) &&
            (s[i].base >> 32))
            bad(c, "guest %s base: bits 63:32 must be 0, got %#llx", seg_names[i], u(s[i].base));
    }
    for (unsigned i = SEG_FS; i <= SEG_TR; i++)
        if (i != SEG_LDTR || !(s[i].ar & AR_UNUSABLE))
            if (!canonical(c, s[i].base))
                bad(c, "guest %s base: must be canonical, got %#llx", seg_names[i], u(s[i].base));

    /* Limits and access rights of CS, SS, DS, ES, FS, GS */
    if (v86) {
        for (unsigned i = SEG_ES; i <= SEG_GS; i++) {
            if (s[i].limit != 0xFFFF)
                bad(c, "guest %s limit: must be 0xffff in virtual-8086 mode, got %#llx",
                    seg_names[i], u(s[i].limit));
            if (s[i].ar != 0xF3)
                bad(c, "guest %s access rights: must be 0xf3 in virtual-8086 mode, got %#llx",
                    seg_names[i], u(s[i].ar));
        }
    } else {
        const struct seg *cs = &s[SEG_CS], *ss = &s[SEG_SS];
        unsigned ss_dpl = AR_DPL(ss->ar);
        bool code = cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15;
        if (!code && !(c->ug && cs_type == 3))
            bad(c, "guest CS access rights: type must be an accessed code segment (9, 11, 13, "
                "15%s), got %#x", c->ug ? ", or 3 with unrestricted guest" : "", cs_type);
        if (!(cs->ar & AR_S))
            bad(c, "guest CS access rights: S must be 1 (code or data), got %#llx", u(cs->ar));
        if (cs_type == 3 && AR_DPL(cs->ar) != 0)
            bad(c, "guest CS access rights: DPL must be 0 for type 3, got %llu", u(AR_DPL(cs->ar)));
        if ((cs_type == 9 || cs_type == 11) && AR_DPL(cs->ar) != ss_dpl)
            bad(c, "guest CS access rights: DPL of a non-conforming code segment must equal "
                "SS's DPL (%u), got %llu", ss_dpl, u(AR_DPL(cs->ar)));
        if ((cs_type == 13 || cs_type == 15) && AR_DPL(cs->ar) > ss_dpl)
            bad(c, "guest CS access rights: DPL of a conforming code segment must not exceed "
                "SS's DPL (%u), got %llu", ss_dpl, u(AR_DPL(cs->ar)));
        if (c->ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
            bad(c, "guest CS access rights: D/B must be 0 with L=1 in IA-32e mode, got %#llx",
                u(cs->ar));

        if (!(ss->ar & AR_UNUSABLE)) {
            unsigned t = AR_TYPE(ss->ar);
            if (t != 3 && t != 7)
                bad(c, "guest SS access rights: type must be read/write data (3 or 7), got %#x", t);
        }
        if (!c->ug && ss_dpl != (s[SEG_SS].sel & 3))
            bad(c, "guest SS access rights: DPL must equal the selector's RPL (%llu), got %u",
                u(s[SEG_SS].sel & 3), ss_dpl);
        if ((cs_type == 3 || !pe) && ss_dpl != 0)
            bad(c, "guest SS access rights: DPL must be 0 %s, got %u",
                pe ? "when CS's type is 3" : "in real mode", ss_dpl);

        for (unsigned i = SEG_ES; i <= SEG_GS; i++) {
            const char *n = seg_names[i];
            const struct seg *g = &s[i];
            if (i != SEG_CS && (g->ar & AR_UNUSABLE))
                continue;
            unsigned t = AR_TYPE(g->ar);
            if (i != SEG_CS && i != SEG_SS) {
                if (!(t & 1))
                    bad(c, "guest %s access rights: type must be accessed (bit 0 set), got %#x",
                        n, t);
                if ((t & 8) && !(t & 2))
                    bad(c, "guest %s access rights: a code segment must be readable, got type "
                        "%#x", n, t);
                if (!c->ug && t <= 11 && AR_DPL(g->ar) < (g->sel & 3))
                    bad(c, "guest %s access rights: DPL must not be below the selector's RPL "
                        "(%llu), got %llu", n, u(g->sel & 3), u(AR_DPL(g->ar)));
            }
            if (i != SEG_CS && !(g->ar & AR_S))
                bad(c, "guest %s access rights: S must be 1 (code or data), got %#llx", n, u(g->ar));
            if (!(g->ar & AR_P))
                bad(c, "guest %s access rights: P must be 1, got %#llx", n, u(g->ar));
            if (g->ar & AR_RSVD_11_8)
                bad(c, "guest %s access rights: bits 11:8 must be 0, got %#llx", n, u(g->ar));
            check_granularity(c, n, g);
            if (g->ar & AR_RSVD_31_17)
                bad(c, "guest %s access rights: bits 31:17 must be 0, got %#llx", n, u(g->ar));
        }
    }

    /* TR */
    const struct seg *tr = &s[SEG_TR];
    unsigned tt = AR_TYPE(tr->ar);
    if (c->ia32e ? tt != 11 : (tt != 3 && tt != 11))
        bad(c, "guest TR access rights: type must be a busy TSS (%s), got %#x",
            c->ia32e ? "11 in IA-32e mode" : "3 or 11", tt);
    if (tr->ar & AR_S)
        bad(c, "guest TR access rights: S must be 0 (system), got %#llx", u(tr->ar));
    if (!(tr->ar & AR_P))
        bad(c, "guest TR access rights: P must be 1, got %#llx", u(tr->ar));
    if (tr->ar & AR_RSVD_11_8)
        bad(c, "guest TR access rights: bits 11:8 must be 0, got %#llx", u(tr->ar));
    check_granularity(c, "TR", tr);
    if (tr->ar & AR_UNUSABLE)
        bad(c, "guest TR access rights: must be usable (bit 16 clear), got %#llx", u(tr->ar));
    if (tr->ar & AR_RSVD_31_17)
        bad(c, "guest TR access rights: bits 31:17 must be 0, got %#llx", u(tr->ar));

    /* LDTR */
    const struct seg *ldt = &s[SEG_LDTR];
    if (!(ldt->ar & AR_UNUSABLE)) {
        if (AR_TYPE(ldt->ar) != 2)
            bad(c, "guest LDTR access rights: type must be 2 (LDT), got %#llx", u(AR_TYPE(ldt->ar)));
        if (ldt->ar & AR_S)
            bad(c, "guest LDTR access rights: S must be 0 (system), got %#llx", u(ldt->ar));
        if (!(ldt->ar & AR_P))
            bad(c, "guest LDTR access rights: P must be 1, got %#llx", u(ldt->ar));
        if (ldt->ar & AR_RSVD_11_8)
            bad(c, "guest LDTR access rights: bits 11:8 must be 0, got %#llx", u(ldt->ar));
        check_granularity(c, "LDTR", ldt);
        if (ldt->ar & AR_RSVD_31_17)
            bad(c, "guest LDTR access rights: bits 31:17 must be 0, got %#llx", u(ldt->ar));
    }
}

/* ---- SDM "Checks on Guest Descriptor-Table Registers", "Checks on Guest RIP,
 * RFLAGS, and SSP" ---- */
static void check_tables_rip_rflags(struct ck *c)
{
    uint64_t v;
    if (!canonical(c, v = rd(c, VMCS_GUEST_GDTR_BASE)))
        bad(c, "guest GDTR base: must be canonical, got %#llx", u(v));
    if (!canonical(c, v = rd(c, VMCS_GUEST_IDTR_BASE)))
        bad(c, "guest IDTR base: must be canonical, got %#llx", u(v));
    if ((v = rd(c, VMCS_GUEST_GDTR_LIMIT)) >> 16)
        bad(c, "guest GDTR limit: bits 31:16 must be 0, got %#llx", u(v));
    if ((v = rd(c, VMCS_GUEST_IDTR_LIMIT)) >> 16)
        bad(c, "guest IDTR limit: bits 31:16 must be 0, got %#llx", u(v));

    uint64_t rip = rd(c, VMCS_GUEST_RIP);
    bool cs_l = rd(c, VMCS_GUEST_CS_ACCESS_RIGHTS) & AR_L;
    if (!(c->ia32e && cs_l) && (rip >> 32))
        bad(c, "guest RIP: bits 63:32 must be 0 outside 64-bit mode, got %#llx", u(rip));
    if (c->ia32e && cs_l && !canonical(c, rip))
        bad(c, "guest RIP: must be canonical in 64-bit mode, got %#llx", u(rip));

    uint64_t fl = c->rflags;
    if (fl & RFLAGS_RSVD)
        bad(c, "guest RFLAGS: reserved bits (63:22, 15, 5, 3) must be 0, got %#llx", u(fl));
    if (!(fl & RFLAGS_FIXED1))
        bad(c, "guest RFLAGS: bit 1 must be 1, got %#llx", u(fl));
    if ((fl & RFLAGS_VM) && (c->ia32e || !(c->cr0 & CR0_PE)))
        bad(c, "guest RFLAGS: VM must be 0 in IA-32e mode and in real mode, got %#llx", u(fl));
    if (c->inject && c->inj_type == 0 && !(fl & RFLAGS_IF))
        bad(c, "guest RFLAGS: IF must be 1 when an external interrupt is injected, got %#llx",
            u(fl));
}

/* ---- SDM "Checks on Guest Non-Register State" ---- */
static void check_nonregister(struct ck *c)
{
    const struct vmx_caps *caps = c->e->caps;
    uint64_t act = rd(c, VMCS_GUEST_ACTIVITY_STATE);
    uint64_t intr = rd(c, VMCS_GUEST_INTERRUPTIBILITY_STATE);
    bool sti = intr & INTERRUPTIBILITY_STI, movss = intr & INTERRUPTIBILITY_MOV_SS;
    unsigned ss_dpl = AR_DPL(rd(c, VMCS_GUEST_SS_ACCESS_RIGHTS));
    static const char *const act_names[] = { "active", "HLT", "shutdown", "wait-for-SIPI" };

    /* Activity state */
    if (act > ACTIVITY_WAIT_SIPI)
        bad(c, "guest activity state: must be 0-3, got %llu", u(act));
    else if (act != ACTIVITY_ACTIVE && !(VMX_MISC_ACTIVITY(caps->misc) & (1u << (act - 1))))
        bad(c, "guest activity state: the CPU does not offer the %s state (IA32_VMX_MISC)",
            act_names[act]);
    if (act == ACTIVITY_HLT && ss_dpl != 0)
        bad(c, "guest activity state: HLT needs SS's DPL to be 0, got %u", ss_dpl);
    if ((sti || movss) && act != ACTIVITY_ACTIVE && act <= ACTIVITY_WAIT_SIPI)
        bad(c, "guest activity state: must be active with blocking by STI or MOV SS, got %s",
            act_names[act]);
    if (c->inject && act != ACTIVITY_ACTIVE && act <= ACTIVITY_WAIT_SIPI) {
        unsigned t = c->inj_type, vec = c->inj_vector;
        bool ok = act == ACTIVITY_HLT ?
                      (t == 0 || t == 2 || (t == 3 && (vec == 1 || vec == 18)) ||
                       (t == 7 && vec == 0)) :
                  act == ACTIVITY_SHUTDOWN ? (t == 2 || (t == 3 && vec == 18)) : false;
        if (!ok)
            bad(c, "guest activity state: the %s state cannot take the injected event "
                "(type %u, vector %u)", act_names[act], t, vec);
    }

    /* Interruptibility state */
    if (intr & INTERRUPTIBILITY_RSVD)
        bad(c, "guest interruptibility state: bits 31:5 must be 0, got %#llx", u(intr));
    if (sti && movss)
        bad(c, "guest interruptibility state: blocking by STI and by MOV SS must not both be "
            "1, got %#llx", u(intr));
    if (sti && !(c->rflags & RFLAGS_IF))
        bad(c, "guest interruptibility state: blocking by STI needs RFLAGS.IF=1, got %#llx",
            u(intr));
    if (c->inject && c->inj_type == 0 && (sti || movss))
        bad(c, "guest interruptibility state: no blocking by STI or MOV SS when an external "
            "interrupt is injected, got %#llx", u(intr));
    if (c->inject && c->inj_type == 2 && movss)
        bad(c, "guest interruptibility state: no blocking by MOV SS when an NMI is injected, "
            "got %#llx", u(intr));
    if (intr & INTERRUPTIBILITY_SMI)
        bad(c, "guest interruptibility state: blocking by SMI must be 0 outside SMM, got %#llx",
            u(intr));
    if (c->inject && c->inj_type == 2 && (c->pin & PIN_CTL_VIRTUAL_NMIS) &&
        (intr & INTERRUPTIBILITY_NMI))
        bad(c, "guest interruptibility state: no blocking by NMI when a virtual NMI is "
            "injected, got %#llx", u(intr));

    /* Pending debug exceptions */
    uint64_t pend = rd(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
    if (pend & PENDING_RSVD)
        bad(c, "guest pending debug exceptions: reserved bits (11:4, 13, 15, 63:17) must be 0, "
            "got %#llx", u(pend));
    if (sti || movss || act == ACTIVITY_HLT) {
        bool tf = c->rflags & RFLAGS_TF;
        bool btf = rd(c, VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF;
        bool want_bs = tf && !btf;
        if (!(pend & PENDING_BS) != !want_bs)
            bad(c, "guest pending debug exceptions: BS (bit 14) must be %u when RFLAGS.TF is %u "
                "and IA32_DEBUGCTL.BTF is %u (interrupts blocked or HLT), got %#llx",
                want_bs, tf, btf, u(pend));
    }
    if ((pend & PENDING_RTM) && ((pend & 0x4FFF) || movss))
        bad(c, "guest pending debug exceptions: RTM (bit 16) needs bits 11:0 and 14 clear and "
            "no blocking by MOV SS, got %#llx", u(pend));

    /* VMCS link pointer */
    uint64_t link = rd(c, VMCS_VMCS_LINK_POINTER);
    if (link != ~0ULL) {
        uint32_t rev;
        if ((link & 0xFFF) || beyond_phys(c, link)) {
            bad(c, "VMCS link pointer: must be ~0, or 4 KiB aligned within the physical-address "
                "width, got %#llx", u(link));
        } else if (c->e->read_phys && c->e->read_phys(c->e->ctx, link, &rev, 4)) {
            uint32_t want = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
            if ((rev & 0x7FFFFFFF) != want)
                bad(c, "VMCS link pointer: the VMCS there must have revision %#x, got %#x",
                    want, rev & 0x7FFFFFFF);
            if (!(rev >> 31) != !(c->proc2 & PROC2_CTL_VMCS_SHADOWING))
                bad(c, "VMCS link pointer: the shadow-VMCS bit there must equal \"VMCS "
                    "shadowing\", got %#x", rev);
        }
    }

    /* PDPTEs, loaded from the VMCS with EPT under PAE paging */
    if (c->ept && (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !c->ia32e) {
        uint64_t rsvd = PDPTE_RSVD | (c->e->phys_bits < 64 ? ~0ULL << c->e->phys_bits : 0);
        for (unsigned i = 0; i < 4; i++) {
            uint64_t p = rd(c, (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i));
            if ((p & 1) && (p & rsvd))
                bad(c, "guest PDPTE%u: reserved bits (2:1, 8:5, above the physical-address "
                    "width) must be 0 in a present entry, got %#llx", i, u(p));
        }
    }
}

/* ---- SDM "Loading MSRs" (VM-entry MSR-load area) ---- */
static void check_msr_load(struct ck *c)
{
    uint64_t n = rd(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT);
    if (!n || !c->e->read_phys)
        return;
    uint64_t a = rd(c, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
    for (uint64_t i = 0; i < n && i < MSR_AREA_CHECK_MAX; i++) {
        struct { uint32_t index, reserved; uint64_t data; } e;
        if (!c->e->read_phys(c->e->ctx, a + i * 16, &e, sizeof(e)))
            return;
        /* Entries are numbered from 1 (the exit qualification's numbering). */
        unsigned no = (unsigned)i + 1;
        if (e.reserved)
            bad(c, "VM-entry MSR-load entry %u (MSR %#x): bits 63:32 must be 0, got %#x",
                no, e.index, e.reserved);
        if ((e.index >> 8) == 0x8)
            bad(c, "VM-entry MSR-load entry %u: x2APIC MSR %#x cannot be loaded", no, e.index);
        if (e.index == MSR_IA32_FS_BASE || e.index == MSR_IA32_GS_BASE)
            bad(c, "VM-entry MSR-load entry %u: %s cannot be loaded (use the guest-state "
                "field)", no, e.index == MSR_IA32_FS_BASE ? "IA32_FS_BASE" : "IA32_GS_BASE");
        if (e.index == MSR_IA32_SMM_MONITOR_CTL || e.index == MSR_IA32_SMBASE)
            bad(c, "VM-entry MSR-load entry %u: MSR %#x is writable only in SMM", no, e.index);
        if (e.index == MSR_IA32_EFER && (e.data & EFER_RSVD))
            bad(c, "VM-entry MSR-load entry %u: IA32_EFER reserved bits must be 0, got %#llx",
                no, u(e.data));
        if (e.index == MSR_IA32_PAT && !pat_valid(e.data))
            bad(c, "VM-entry MSR-load entry %u: IA32_PAT bytes must be memory types, got %#llx",
                no, u(e.data));
    }
}

unsigned vmcheck_run(const struct vmcheck_env *env)
{
    struct ck c = { .e = env };
    c.pin = (uint32_t)rd(&c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
    c.proc = (uint32_t)rd(&c, VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    c.proc2 = (c.proc & PROC_CTL_ACTIVATE_SECONDARY_CONTROLS) ?
                  (uint32_t)rd(&c, VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL) : 0;
    c.exit = (uint32_t)rd(&c, VMCS_VM_EXIT_CONTROLS);
    c.entry = (uint32_t)rd(&c, VMCS_VM_ENTRY_CONTROLS);
    c.ia32e = c.entry & ENTRY_CTL_IA32E_MODE_GUEST;
    c.ug = c.proc2 & PROC2_CTL_UNRESTRICTED_GUEST;
    c.ept = c.proc2 & PROC2_CTL_ENABLE_EPT;
    c.cr0 = rd(&c, VMCS_GUEST_CR0);
    c.cr4 = rd(&c, VMCS_GUEST_CR4);
    c.rflags = rd(&c, VMCS_GUEST_RFLAGS);
    c.intr_info = (uint32_t)rd(&c, VMCS_VM_ENTRY_INTERRUPTION_INFO);
    c.inject = c.intr_info & INTR_INFO_VALID;
    c.inj_type = (c.intr_info >> INTR_INFO_TYPE_SHIFT) & 7;
    c.inj_vector = c.intr_info & INTR_INFO_VECTOR_MASK;

    check_execution_controls(&c);
    check_exit_controls(&c);
    check_entry_controls(&c);
    check_host_state(&c);
    check_guest_regs(&c);
    check_segments(&c);
    check_tables_rip_rflags(&c);
    check_nonregister(&c);
    check_msr_load(&c);
    return c.problems;
}
