/*
 * Host tests for vmx/vmx_caps.c: control-word computation, the CR fixed
 * bits, the capability predicates, the readable summary, the refusal
 * messages and the VMCS control words.
 *
 * The reference snapshot mixes real recorded values: IA32_VMX_BASIC,
 * secondary controls and IA32_VMX_EPT_VPID_CAP from Bochs' corei7_skylake_x
 * model; the TRUE pin/proc/exit/entry controls, MISC and the CR fixed MSRs
 * from an Intel Skylake. Variants then take single capabilities away.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx_caps.h"
#include "vmx/vmcs_fields.h"
#include <hv/errno.h>

static const struct vmx_caps skylake = {
    .basic      = 0x00d810000000002bULL,    /* Bochs corei7_skylake_x */
    .pinbased   = 0x0000007f00000016ULL,    /* TRUE */
    .procbased  = 0xfff9fffe04006172ULL,    /* TRUE */
    .procbased2 = 0x02177fff00000000ULL,    /* Bochs corei7_skylake_x */
    .exit       = 0x01ffffff00036dfbULL,    /* TRUE */
    .entry      = 0x0003ffff000011fbULL,    /* TRUE */
    .misc       = 0x7004c1e7ULL,            /* preemption timer rate 7 */
    .cr0_fixed0 = 0x80000021ULL,
    .cr0_fixed1 = 0xffffffffULL,
    .cr4_fixed0 = 0x2000ULL,
    .cr4_fixed1 = 0x3767ffULL,
    .ept_vpid   = 0x00000f0106334141ULL,    /* Bochs corei7_skylake_x */
    .vmfunc     = 0x1ULL,
};

/* Clear allowed-1 bits (bits 63:32) of a capability MSR. */
#define NO1(cap, bits) ((cap) & ~((uint64_t)(bits) << 32))

/* ---- vmx_ctl_compute ------------------------------------------------------------- */

static const struct {
    uint64_t cap;
    uint32_t required, optional;
    int rc;
    uint32_t out, missing;
} ctl_cases[] = {
    /* allowed-0 bits forced on, optional bits added when allowed */
    { 0x0000007f00000016ULL, 0x09, 0x60, 0, 0x7f, 0 },
    { 0x0000007f00000016ULL, 0x09, 0x00, 0, 0x1f, 0 },
    { 0x0000007f00000016ULL, 0x00, 0x00, 0, 0x16, 0 },
    /* optional bits the CPU does not allow are left out */
    { 0x0000001f00000016ULL, 0x09, 0x60, 0, 0x1f, 0 },
    { 0x0000003f00000016ULL, 0x09, 0xE0, 0, 0x3f, 0 },
    { 0x0000007f00000016ULL, 0x00, 0xFFFFFFFFu, 0, 0x7f, 0 },
    /* required bits that are also forced: fine */
    { 0x0000007f00000016ULL, 0x16, 0x00, 0, 0x16, 0 },
    /* missing required bits are reported, all of them */
    { 0x0000001700000016ULL, 0x09, 0x00, -HV_ENODEV, 0, 0x08 },
    { 0x0000001600000016ULL, 0x09, 0x00, -HV_ENODEV, 0, 0x09 },
    { 0x0000000500000000ULL, 0x0F, 0x00, -HV_ENODEV, 0, 0x0A },
    { 0x0000000000000000ULL, 0x01, 0x00, -HV_ENODEV, 0, 0x01 },
    { 0x7fffffff00000000ULL, 0x80000000u, 0x00, -HV_ENODEV, 0, 0x80000000u },
    /* nothing allowed, nothing required */
    { 0x0000000000000000ULL, 0x00, 0xFFFFFFFFu, 0, 0x00, 0 },
    /* everything allowed */
    { 0xffffffff00000000ULL, 0x80000001u, 0x7FFFFFFEu, 0, 0xFFFFFFFFu, 0 },
    /* real Skylake words with the hypervisor's request */
    { 0xfff9fffe04006172ULL, 0x92000080u, 0x20000C00u, 0, 0xB6006DF2u, 0 },
    { 0x02177fff00000000ULL, 0x82, 0x101028, 0, 0x1010AA, 0 },
    { 0x01ffffff00036dfbULL, 0x308200, 0x4C0000, 0, 0x7FEFFB, 0 },
    { 0x0003ffff000011fbULL, 0x8000, 0x4000, 0, 0xD1FB, 0 },
    /* a broken MSR: a bit forced to 1 that may not be 1 */
    { 0x0000007d00000016ULL, 0x09, 0x00, -HV_ENODEV, 0, 0x02 },
    { 0x0000000000000003ULL, 0x00, 0x00, -HV_ENODEV, 0, 0x03 },
};

static void test_ctl_compute_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ctl_cases); i++) {
        uint32_t out = 0xDEADBEEF, missing = 0xDEADBEEF;
        int rc = vmx_ctl_compute(ctl_cases[i].cap, ctl_cases[i].required,
                                 ctl_cases[i].optional, &out, &missing);
        if (rc != ctl_cases[i].rc)
            fail_msg("ctl case %zu: rc %d, want %d", i, rc, ctl_cases[i].rc);
        if (rc == 0 && (out != ctl_cases[i].out || missing != 0))
            fail_msg("ctl case %zu: out 0x%x missing 0x%x, want 0x%x / 0", i, out, missing,
                     ctl_cases[i].out);
        if (rc != 0 && missing != ctl_cases[i].missing)
            fail_msg("ctl case %zu: missing 0x%x, want 0x%x", i, missing, ctl_cases[i].missing);
        if (rc == 0) {
            /* invariants: allowed-0 bits set, nothing outside allowed-1 */
            uint32_t must = (uint32_t)ctl_cases[i].cap, may = (uint32_t)(ctl_cases[i].cap >> 32);
            if ((out & must) != must || (out & ~may) != 0 ||
                (out & ctl_cases[i].required) != ctl_cases[i].required)
                fail_msg("ctl case %zu: out 0x%x breaks the MSR's rules", i, out);
        }
    }
}

/* ---- vmx_ctl_may_set, vmx_fixed_bits ------------------------------------------- */

static const struct {
    uint64_t cap;
    uint32_t bits;
    bool want;
} may_cases[] = {
    { 0x0000007f00000016ULL, BIT(6), true },
    { 0x0000007f00000016ULL, BIT(7), false },
    { 0x0000007f00000016ULL, BIT(0) | BIT(3) | BIT(6), true },
    { 0x0000007f00000016ULL, BIT(6) | BIT(7), false },   /* all bits must be allowed */
    { 0x00000000ffffffffULL, BIT(0), false },            /* allowed-0 half does not count */
    { 0xffffffff00000000ULL, 0xFFFFFFFFu, true },
    { 0x0000000000000000ULL, 0, true },                  /* the empty set */
    { 0x8000000000000000ULL, 0x80000000u, true },
};

static void test_may_set_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(may_cases); i++)
        if (vmx_ctl_may_set(may_cases[i].cap, may_cases[i].bits) != may_cases[i].want)
            fail_msg("may_set case %zu: cap 0x%llx bits 0x%x, want %d", i,
                     (unsigned long long)may_cases[i].cap, may_cases[i].bits,
                     may_cases[i].want);
}

static const struct {
    uint64_t v, fixed0, fixed1, want;
} fixed_cases[] = {
    /* CR0 on Skylake: PE, NE, PG forced on (without unrestricted guest) */
    { 0x0, 0x80000021ULL, 0xffffffffULL, 0x80000021ULL },
    { 0x60000010ULL, 0x80000021ULL, 0xffffffffULL, 0xE0000031ULL },
    { 0x80000033ULL, 0x80000021ULL, 0xffffffffULL, 0x80000033ULL },
    { 0x100000000ULL, 0x80000021ULL, 0xffffffffULL, 0x80000021ULL }, /* reserved high bit */
    /* CR4: VMXE forced on, unsupported bits (PKE, bit 22) forced off */
    { 0x0, 0x2000ULL, 0x3767ffULL, 0x2000ULL },
    { 0x20ULL, 0x2000ULL, 0x3767ffULL, 0x2020ULL },
    { 0x400020ULL, 0x2000ULL, 0x3767ffULL, 0x2020ULL },
    { 0x3767ffULL, 0x2000ULL, 0x3767ffULL, 0x3767ffULL },
    { ~0ULL, 0x2000ULL, 0x3767ffULL, 0x3767ffULL },
    { 0x1800ULL, 0x2000ULL, 0x3767ffULL, 0x2000ULL },      /* bits 11, 12 reserved here */
};

static void test_fixed_bits_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(fixed_cases); i++) {
        uint64_t got = vmx_fixed_bits(fixed_cases[i].v, fixed_cases[i].fixed0,
                                      fixed_cases[i].fixed1);
        if (got != fixed_cases[i].want)
            fail_msg("fixed case %zu: 0x%llx, want 0x%llx", i, (unsigned long long)got,
                     (unsigned long long)fixed_cases[i].want);
    }
    /* with the snapshot's own MSRs */
    assert_int_equal(vmx_fixed_bits(0, skylake.cr0_fixed0, skylake.cr0_fixed1), 0x80000021ULL);
    assert_int_equal(vmx_fixed_bits(0, skylake.cr4_fixed0, skylake.cr4_fixed1), 0x2000ULL);
}

/* ---- snapshot variants ------------------------------------------------------------ */

enum variant {
    V_SKYLAKE, V_NO_UG, V_NO_EPT, V_NO_EPT_UG, V_NO_SECONDARY, V_EPT_NO_WB, V_EPT_NO_PWL4,
    V_NO_VPID_CTL, V_NO_INVVPID, V_NO_PREEMPT, V_NO_SAVE_PREEMPT, V_NO_PAT_ENTRY,
    V_NO_PAT_EXIT, V_DEFAULT_CTLS, V_NO_NMI_EXIT, V_NO_PIN, V_NO_HLT, V_NO_IO_BITMAPS,
    V_NO_MSR_BITMAPS, V_NO_HOST64, V_NO_ACK_INT, V_NO_SAVE_EFER, V_NO_LOAD_EFER_EXIT,
    V_NO_LOAD_EFER_ENTRY, V_VMCS_8K, V_VMCS_0, V_VMCS_UC, V_VMCS_MT1, V_BROKEN_PIN,
    V_FORCED_IA32E, V_POSTED, V_NO_TPR_SHADOW, V_NO_VID, V_NO_RDTSCP_INVPCID_XSAVES,
    V_RATE_0, V_NO_SAVE_DEBUG, V_NO_LOAD_DEBUG, V_COUNT
};

static struct vmx_caps variant(enum variant v)
{
    struct vmx_caps c = skylake;
    switch (v) {
    case V_SKYLAKE: break;
    case V_NO_UG:        c.procbased2 = NO1(c.procbased2, PROC2_CTL_UNRESTRICTED_GUEST); break;
    case V_NO_EPT:       c.procbased2 = NO1(c.procbased2, PROC2_CTL_ENABLE_EPT); break;
    case V_NO_EPT_UG:
        c.procbased2 = NO1(c.procbased2, PROC2_CTL_ENABLE_EPT | PROC2_CTL_UNRESTRICTED_GUEST);
        break;
    case V_NO_SECONDARY: c.procbased = NO1(c.procbased, PROC_CTL_ACTIVATE_SECONDARY_CONTROLS); break;
    case V_EPT_NO_WB:    c.ept_vpid &= ~EPT_CAP_MT_WB; break;
    case V_EPT_NO_PWL4:  c.ept_vpid &= ~EPT_CAP_PWL4; break;
    case V_NO_VPID_CTL:  c.procbased2 = NO1(c.procbased2, PROC2_CTL_ENABLE_VPID); break;
    case V_NO_INVVPID:   c.ept_vpid &= ~VPID_CAP_INVVPID; break;
    case V_NO_PREEMPT:   c.pinbased = NO1(c.pinbased, PIN_CTL_ACTIVATE_PREEMPTION_TIMER); break;
    case V_NO_SAVE_PREEMPT: c.exit = NO1(c.exit, EXIT_CTL_SAVE_PREEMPTION_TIMER); break;
    case V_NO_PAT_ENTRY: c.entry = NO1(c.entry, ENTRY_CTL_LOAD_IA32_PAT); break;
    case V_NO_PAT_EXIT:  c.exit = NO1(c.exit, EXIT_CTL_LOAD_IA32_PAT); break;
    case V_DEFAULT_CTLS:                     /* no TRUE MSRs: the default1 bits stay forced */
        c.basic &= ~VMX_BASIC_TRUE_CTLS;
        c.procbased = 0xfff9fffe0401e172ULL;
        c.exit = 0x01ffffff00036dffULL;
        c.entry = 0x0003ffff000011ffULL;
        break;
    case V_NO_NMI_EXIT:  c.pinbased = NO1(c.pinbased, PIN_CTL_NMI_EXITING); break;
    case V_NO_PIN:
        c.pinbased = NO1(c.pinbased, PIN_CTL_NMI_EXITING | PIN_CTL_EXTERNAL_INTERRUPT_EXITING);
        break;
    case V_NO_HLT:       c.procbased = NO1(c.procbased, PROC_CTL_HLT_EXITING); break;
    case V_NO_IO_BITMAPS: c.procbased = NO1(c.procbased, PROC_CTL_USE_IO_BITMAPS); break;
    case V_NO_MSR_BITMAPS: c.procbased = NO1(c.procbased, PROC_CTL_USE_MSR_BITMAPS); break;
    case V_NO_HOST64:    c.exit = NO1(c.exit, EXIT_CTL_HOST_ADDRESS_SPACE_SIZE); break;
    case V_NO_ACK_INT:   c.exit = NO1(c.exit, EXIT_CTL_ACK_INTERRUPT_ON_EXIT); break;
    case V_NO_SAVE_EFER: c.exit = NO1(c.exit, EXIT_CTL_SAVE_IA32_EFER); break;
    case V_NO_LOAD_EFER_EXIT: c.exit = NO1(c.exit, EXIT_CTL_LOAD_IA32_EFER); break;
    case V_NO_LOAD_EFER_ENTRY: c.entry = NO1(c.entry, ENTRY_CTL_LOAD_IA32_EFER); break;
    case V_NO_SAVE_DEBUG: c.exit = NO1(c.exit, EXIT_CTL_SAVE_DEBUG_CONTROLS); break;
    case V_NO_LOAD_DEBUG: c.entry = NO1(c.entry, ENTRY_CTL_LOAD_DEBUG_CONTROLS); break;
    case V_VMCS_8K:      c.basic = (c.basic & ~(0x1FFFULL << 32)) | (0x2000ULL << 32); break;
    case V_VMCS_0:       c.basic &= ~(0x1FFFULL << 32); break;
    case V_VMCS_UC:      c.basic &= ~(0xFULL << 50); break;
    case V_VMCS_MT1:     c.basic = (c.basic & ~(0xFULL << 50)) | (1ULL << 50); break;
    case V_BROKEN_PIN:   c.pinbased = 0x0000007d00000016ULL; break;   /* bit 1 forced, not allowed */
    case V_FORCED_IA32E: c.entry |= ENTRY_CTL_IA32E_MODE_GUEST; break;  /* allowed-0 */
    case V_POSTED:       c.pinbased = 0x000000ff00000016ULL; break;
    case V_NO_TPR_SHADOW: c.procbased = NO1(c.procbased, PROC_CTL_USE_TPR_SHADOW); break;
    case V_NO_VID:
        c.procbased2 = NO1(c.procbased2, PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY);
        break;
    case V_NO_RDTSCP_INVPCID_XSAVES:
        c.procbased2 = NO1(c.procbased2, PROC2_CTL_ENABLE_RDTSCP | PROC2_CTL_ENABLE_INVPCID |
                                         PROC2_CTL_ENABLE_XSAVES_XRSTORS);
        break;
    case V_RATE_0:       c.misc &= ~0x1FULL; break;
    case V_COUNT: break;
    }
    return c;
}

/* ---- predicates -------------------------------------------------------------------- */

/* ept vpid ug preempt save_preempt apicv vid posted msrbm secondary */
static const struct {
    enum variant v;
    bool p[10];
} pred_cases[] = {
    { V_SKYLAKE,         { 1, 1, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_UG,           { 1, 1, 0, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_EPT,          { 0, 1, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_EPT_UG,       { 0, 1, 0, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_SECONDARY,    { 0, 0, 0, 1, 1, 0, 0, 0, 1, 0 } },
    { V_EPT_NO_WB,       { 0, 1, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_EPT_NO_PWL4,     { 0, 1, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_VPID_CTL,     { 1, 0, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_INVVPID,      { 1, 0, 1, 1, 1, 1, 1, 0, 1, 1 } },
    { V_NO_PREEMPT,      { 1, 1, 1, 0, 0, 1, 1, 0, 1, 1 } },
    { V_NO_SAVE_PREEMPT, { 1, 1, 1, 1, 0, 1, 1, 0, 1, 1 } },
    { V_NO_MSR_BITMAPS,  { 1, 1, 1, 1, 1, 1, 1, 0, 0, 1 } },
    { V_POSTED,          { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } },
    { V_NO_TPR_SHADOW,   { 1, 1, 1, 1, 1, 0, 0, 0, 1, 1 } },
    { V_NO_VID,          { 1, 1, 1, 1, 1, 1, 0, 0, 1, 1 } },
};

static void test_predicates_table(void **state)
{
    (void)state;
    static const char *const names[10] = {
        "ept", "vpid", "unrestricted_guest", "preemption_timer", "save_preemption_timer",
        "apic_virtualization", "virtual_interrupt_delivery", "posted_interrupts",
        "msr_bitmaps", "secondary" };
    for (size_t i = 0; i < ARRAY_SIZE(pred_cases); i++) {
        struct vmx_caps c = variant(pred_cases[i].v);
        bool got[10] = {
            vmx_has_ept(&c), vmx_has_vpid(&c), vmx_has_unrestricted_guest(&c),
            vmx_has_preemption_timer(&c), vmx_has_save_preemption_timer(&c),
            vmx_has_apic_virtualization(&c), vmx_has_virtual_interrupt_delivery(&c),
            vmx_has_posted_interrupts(&c), vmx_has_msr_bitmaps(&c), vmx_has_secondary(&c) };
        for (int k = 0; k < 10; k++)
            if (got[k] != pred_cases[i].p[k])
                fail_msg("predicate case %zu (variant %d): vmx_has_%s = %d, want %d", i,
                         pred_cases[i].v, names[k], got[k], pred_cases[i].p[k]);
    }
}

/* ---- vmx_caps_missing --------------------------------------------------------------- */

static const struct {
    enum variant v;
    const char *want;        /* NULL: nothing missing */
} missing_cases[] = {
    { V_SKYLAKE, NULL },
    { V_NO_UG, "unrestricted guest" },
    { V_NO_EPT, "EPT with 4-level walks and write-back memory" },
    { V_NO_EPT_UG, "EPT with 4-level walks and write-back memory" },
    { V_NO_SECONDARY, "secondary processor-based controls" },
    { V_EPT_NO_WB, "EPT with 4-level walks and write-back memory" },
    { V_EPT_NO_PWL4, "EPT with 4-level walks and write-back memory" },
    { V_NO_VPID_CTL, NULL },
    { V_NO_PREEMPT, NULL },
    { V_DEFAULT_CTLS, NULL },
    { V_NO_HLT, "HLT exiting" },
    { V_NO_IO_BITMAPS, "I/O bitmaps" },
    { V_NO_MSR_BITMAPS, "MSR bitmaps" },
    { V_NO_HOST64, "64-bit host (host address-space size exit control)" },
    { V_NO_ACK_INT, NULL },
    { V_VMCS_8K, "a VMCS size of at most 4 KiB (IA32_VMX_BASIC)" },
    { V_VMCS_0, "a VMCS size of at most 4 KiB (IA32_VMX_BASIC)" },
    { V_VMCS_UC, "write-back VMCS memory (IA32_VMX_BASIC)" },
    { V_VMCS_MT1, "write-back VMCS memory (IA32_VMX_BASIC)" },
};

static void test_caps_missing_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(missing_cases); i++) {
        struct vmx_caps c = variant(missing_cases[i].v);
        const char *m = vmx_caps_missing(&c);
        const char *w = missing_cases[i].want;
        if ((m == NULL) != (w == NULL) || (m && strcmp(m, w) != 0))
            fail_msg("missing case %zu (variant %d): \"%s\", want \"%s\"", i,
                     missing_cases[i].v, m ? m : "(NULL)", w ? w : "(NULL)");
    }
    /* the first missing feature in check order is named */
    struct vmx_caps c = variant(V_NO_UG);
    c.procbased = NO1(c.procbased, PROC_CTL_HLT_EXITING);
    assert_string_equal(vmx_caps_missing(&c), "HLT exiting");
}

/* ---- vmx_caps_describe ---------------------------------------------------------------- */

static const char SKYLAKE_TEXT[] =
    "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
    "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages yes, A/D yes, "
    "INVEPT single-context yes, all-context yes)\n"
    "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
    "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
    "virtual interrupt delivery yes, posted interrupts no\n";

static const struct {
    enum variant v;
    uint64_t ept_vpid_clear;    /* extra EPT/VPID capability bits to clear */
    const char *want;
} describe_cases[] = {
    { V_SKYLAKE, 0, SKYLAKE_TEXT },
    { V_NO_SECONDARY, 0,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
      "VT-x: EPT no\n"
      "VT-x: VPID no\n"
      "VT-x: unrestricted guest no, preemption timer yes (TSC/128), APIC virtualization no, "
      "virtual interrupt delivery no, posted interrupts no\n" },
    { V_NO_EPT, 0,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
      "VT-x: EPT no\n"
      "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
    { V_NO_PREEMPT, 0,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages yes, A/D yes, "
      "INVEPT single-context yes, all-context yes)\n"
      "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer no, APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
    { V_DEFAULT_CTLS, EPT_CAP_1GB | EPT_CAP_AD | EPT_CAP_INVEPT_SINGLE | VPID_CAP_INVVPID_ADDR,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, default controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages no, A/D no, "
      "INVEPT single-context no, all-context yes)\n"
      "VT-x: VPID yes (INVVPID address no, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
    /* without the INVEPT instruction no INVEPT type is usable */
    { V_POSTED, EPT_CAP_INVEPT | EPT_CAP_2MB,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages no, 1G pages yes, A/D yes, "
      "INVEPT single-context no, all-context no)\n"
      "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts yes\n" },
    { V_VMCS_UC, VPID_CAP_INVVPID,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in uncacheable memory, TRUE controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages yes, A/D yes, "
      "INVEPT single-context yes, all-context yes)\n"
      "VT-x: VPID no\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
    { V_VMCS_MT1, 0,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in other memory, TRUE controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages yes, A/D yes, "
      "INVEPT single-context yes, all-context yes)\n"
      "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/128), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
    { V_RATE_0, 0,
      "VT-x: VMCS revision 0x2b, 4096-byte VMCS in write-back memory, TRUE controls\n"
      "VT-x: EPT yes (4-level, write-back, 2M pages yes, 1G pages yes, A/D yes, "
      "INVEPT single-context yes, all-context yes)\n"
      "VT-x: VPID yes (INVVPID address yes, single-context yes, all-context yes)\n"
      "VT-x: unrestricted guest yes, preemption timer yes (TSC/1), APIC virtualization yes, "
      "virtual interrupt delivery yes, posted interrupts no\n" },
};

static void test_describe_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(describe_cases); i++) {
        struct vmx_caps c = variant(describe_cases[i].v);
        c.ept_vpid &= ~describe_cases[i].ept_vpid_clear;
        char buf[1024];
        memset(buf, 'Z', sizeof(buf));
        size_t n = vmx_caps_describe(&c, buf, sizeof(buf));
        if (strcmp(buf, describe_cases[i].want) != 0)
            fail_msg("describe case %zu:\n got: %s\nwant: %s", i, buf, describe_cases[i].want);
        if (n != strlen(describe_cases[i].want))
            fail_msg("describe case %zu: returned %zu, want %zu", i, n,
                     strlen(describe_cases[i].want));
    }
}

/* A short buffer: the full length is returned and the text is a truncated,
 * NUL-terminated prefix; nothing is written past len. */
static void test_describe_truncated(void **state)
{
    (void)state;
    size_t full = strlen(SKYLAKE_TEXT);
    static const size_t lens[] = { 1, 2, 10, 40, 78, 79, 80, 81, 150, 200, 300 };
    for (size_t i = 0; i <= ARRAY_SIZE(lens); i++) {
        size_t len = i < ARRAY_SIZE(lens) ? lens[i] : full + 1;
        char buf[1024];
        memset(buf, 'Z', sizeof(buf));
        size_t n = vmx_caps_describe(&skylake, buf, len);
        if (n != full)
            fail_msg("describe trunc case %zu (len %zu): returned %zu, want %zu", i, len, n, full);
        size_t keep = MIN(full, len - 1);
        if (memcmp(buf, SKYLAKE_TEXT, keep) != 0 || buf[keep] != '\0')
            fail_msg("describe trunc case %zu (len %zu): \"%.*s\"", i, len, (int)keep, buf);
        for (size_t k = len; k < sizeof(buf); k++)
            if (buf[k] != 'Z')
                fail_msg("describe trunc case %zu (len %zu): byte %zu written", i, len, k);
    }
    char one = 'Z';
    assert_int_equal(vmx_caps_describe(&skylake, &one, 0), full);
    assert_int_equal(one, 'Z');
}

/* ---- vmx_compute_controls ------------------------------------------------------------- */

struct want_ctls {
    uint32_t pin, proc, proc2, exit, entry;
    bool preemption_timer, save_preemption_timer, vpid, load_pat, rdtscp, invpcid;
    unsigned preempt_rate;
};

#define SKY_PIN   0x7Fu
#define SKY_PROC  0xB6186DF2u   /* includes CR8 load/store exiting */
#define SKY_PROC2 0x000010AAu   /* EPT, RDTSCP, VPID, UG, INVPCID (XSAVES not requested) */
#define SKY_EXIT  0x007FEFFFu   /* includes save debug controls */
#define SKY_ENTRY 0x0000D1FFu   /* includes load debug controls */

static const struct {
    enum variant v;
    int rc;
    const char *missing;
    struct want_ctls w;
} ctl_variant_cases[] = {
    { V_SKYLAKE, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2, SKY_EXIT, SKY_ENTRY, 1, 1, 1, 1, 1, 1, 7 } },
    { V_RATE_0, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2, SKY_EXIT, SKY_ENTRY, 1, 1, 1, 1, 1, 1, 0 } },
    /* without the preemption timer its exit control is dropped too */
    { V_NO_PREEMPT, 0, NULL,
      { 0x3F, SKY_PROC, SKY_PROC2, SKY_EXIT & ~EXIT_CTL_SAVE_PREEMPTION_TIMER, SKY_ENTRY,
        0, 0, 1, 1, 1, 1, 7 } },
    { V_NO_SAVE_PREEMPT, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2, SKY_EXIT & ~EXIT_CTL_SAVE_PREEMPTION_TIMER, SKY_ENTRY,
        1, 0, 1, 1, 1, 1, 7 } },
    /* VPID needs both the control and INVVPID */
    { V_NO_VPID_CTL, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2 & ~PROC2_CTL_ENABLE_VPID, SKY_EXIT, SKY_ENTRY,
        1, 1, 0, 1, 1, 1, 7 } },
    { V_NO_INVVPID, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2 & ~PROC2_CTL_ENABLE_VPID, SKY_EXIT, SKY_ENTRY,
        1, 1, 0, 1, 1, 1, 7 } },
    /* PAT needs the entry load and both exit controls */
    { V_NO_PAT_ENTRY, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2,
        SKY_EXIT & ~(EXIT_CTL_SAVE_IA32_PAT | EXIT_CTL_LOAD_IA32_PAT),
        SKY_ENTRY & ~ENTRY_CTL_LOAD_IA32_PAT, 1, 1, 1, 0, 1, 1, 7 } },
    { V_NO_PAT_EXIT, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2,
        SKY_EXIT & ~(EXIT_CTL_SAVE_IA32_PAT | EXIT_CTL_LOAD_IA32_PAT),
        SKY_ENTRY & ~ENTRY_CTL_LOAD_IA32_PAT, 1, 1, 1, 0, 1, 1, 7 } },
    { V_NO_RDTSCP_INVPCID_XSAVES, 0, NULL,
      { SKY_PIN, SKY_PROC, PROC2_CTL_ENABLE_EPT | PROC2_CTL_UNRESTRICTED_GUEST |
        PROC2_CTL_ENABLE_VPID, SKY_EXIT, SKY_ENTRY, 1, 1, 1, 1, 0, 0, 7 } },
    /* default (non-TRUE) MSRs: CR3 load/store exiting forced on */
    { V_DEFAULT_CTLS, 0, NULL,
      { SKY_PIN, 0xB619EDF2u, SKY_PROC2, 0x007FEFFFu, 0x0000D1FFu, 1, 1, 1, 1, 1, 1, 7 } },
    /* IA-32e mode guest is set per guest even where the CPU reports it forced */
    { V_FORCED_IA32E, 0, NULL,
      { SKY_PIN, SKY_PROC, SKY_PROC2, SKY_EXIT, SKY_ENTRY, 1, 1, 1, 1, 1, 1, 7 } },
    { V_POSTED, 0, NULL,     /* posted interrupts are not requested */
      { SKY_PIN, SKY_PROC, SKY_PROC2, SKY_EXIT, SKY_ENTRY, 1, 1, 1, 1, 1, 1, 7 } },
    /* refusals name the missing control */
    { V_NO_UG, -HV_ENODEV, "secondary: unrestricted guest", {0} },
    { V_NO_EPT, -HV_ENODEV, "secondary: enable EPT", {0} },
    { V_NO_EPT_UG, -HV_ENODEV, "secondary: enable EPT", {0} },
    { V_NO_SECONDARY, -HV_ENODEV, "processor-based: activate secondary controls", {0} },
    { V_EPT_NO_WB, -HV_ENODEV, "EPT with 4-level walks and write-back memory", {0} },
    { V_EPT_NO_PWL4, -HV_ENODEV, "EPT with 4-level walks and write-back memory", {0} },
    { V_NO_NMI_EXIT, -HV_ENODEV, "pin-based: NMI exiting", {0} },
    { V_NO_PIN, -HV_ENODEV, "pin-based: external-interrupt exiting", {0} },
    { V_NO_HLT, -HV_ENODEV, "processor-based: HLT exiting", {0} },
    { V_NO_IO_BITMAPS, -HV_ENODEV, "processor-based: use I/O bitmaps", {0} },
    { V_NO_MSR_BITMAPS, -HV_ENODEV, "processor-based: use MSR bitmaps", {0} },
    { V_NO_HOST64, -HV_ENODEV, "VM-exit: host address-space size", {0} },
    { V_NO_ACK_INT, -HV_ENODEV, "VM-exit: acknowledge interrupt on exit", {0} },
    { V_NO_SAVE_EFER, -HV_ENODEV, "VM-exit: save IA32_EFER", {0} },
    { V_NO_LOAD_EFER_EXIT, -HV_ENODEV, "VM-exit: load IA32_EFER", {0} },
    { V_NO_LOAD_EFER_ENTRY, -HV_ENODEV, "VM-entry: load IA32_EFER", {0} },
    { V_NO_SAVE_DEBUG, -HV_ENODEV, "VM-exit: save debug controls", {0} },
    { V_NO_LOAD_DEBUG, -HV_ENODEV, "VM-entry: load debug controls", {0} },
    { V_BROKEN_PIN, -HV_ENODEV, "a control the CPU reports inconsistently", {0} },
};

/* APIC virtualization needs TPR shadow, virtualized APIC accesses and
 * APIC-register virtualization, each free to be set and cleared; it is not
 * in the VMCS-wide words (vCPUs add it). */
static void test_compute_controls_apicv(void **state)
{
    (void)state;
    struct vmx_caps c = variant(V_SKYLAKE);
    struct vmx_controls o;
    const char *missing;
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_true(o.apicv);
    assert_int_equal(o.apicv_proc, PROC_CTL_USE_TPR_SHADOW);
    assert_int_equal(o.apicv_proc2,
                     PROC2_CTL_VIRTUALIZE_APIC_ACCESSES | PROC2_CTL_APIC_REGISTER_VIRTUALIZATION);
    assert_int_equal(o.proc & PROC_CTL_USE_TPR_SHADOW, 0);
    assert_int_equal(o.proc2 & o.apicv_proc2, 0);
    assert_true(o.apicv_vid);
    assert_int_equal(o.proc2 & PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY, 0);

    /* Without virtual-interrupt delivery the rest stays usable. */
    c.procbased2 &= ~((uint64_t)PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY << 32);
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_true(o.apicv);
    assert_false(o.apicv_vid);
    c = variant(V_SKYLAKE);
    c.procbased2 |= PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY;     /* forced on: cannot be left off */
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_false(o.apicv_vid);

    static const struct { size_t cap; uint32_t bit; bool forced; } off[] = {
        { offsetof(struct vmx_caps, procbased), PROC_CTL_USE_TPR_SHADOW, false },
        { offsetof(struct vmx_caps, procbased2), PROC2_CTL_VIRTUALIZE_APIC_ACCESSES, false },
        { offsetof(struct vmx_caps, procbased2), PROC2_CTL_APIC_REGISTER_VIRTUALIZATION, false },
        { offsetof(struct vmx_caps, procbased2), PROC2_CTL_APIC_REGISTER_VIRTUALIZATION, true },
    };
    for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
        c = variant(V_SKYLAKE);
        uint64_t *cap = (uint64_t *)((char *)&c + off[i].cap);
        if (off[i].forced)
            *cap |= off[i].bit;                   /* allowed-0 clear: must be 1 */
        else
            *cap &= ~((uint64_t)off[i].bit << 32);
        assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
        if (o.apicv || o.apicv_vid)
            fail_msg("case %zu: APIC virtualization offered without a free control %#x", i,
                     off[i].bit);
    }
}

/* Virtual NMIs where pin allows them; NMI-window exiting only with them
 * and only when free both ways (it is switched per vCPU). */
static void test_compute_controls_nmi(void **state)
{
    (void)state;
    struct vmx_caps c = variant(V_SKYLAKE);
    struct vmx_controls o;
    const char *missing;
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_true(o.virtual_nmis);
    assert_true(o.pin & PIN_CTL_VIRTUAL_NMIS);
    assert_true(o.nmi_window);
    assert_int_equal(o.proc & PROC_CTL_NMI_WINDOW_EXITING, 0);

    c.procbased = NO1(c.procbased, PROC_CTL_NMI_WINDOW_EXITING);
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_true(o.virtual_nmis);
    assert_false(o.nmi_window);

    c = variant(V_SKYLAKE);
    c.pinbased = NO1(c.pinbased, PIN_CTL_VIRTUAL_NMIS);
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_false(o.virtual_nmis);
    assert_int_equal(o.pin & PIN_CTL_VIRTUAL_NMIS, 0);
    assert_false(o.nmi_window);

    c = variant(V_SKYLAKE);
    c.procbased |= PROC_CTL_NMI_WINDOW_EXITING;            /* forced on: not usable */
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_false(o.nmi_window);
}

/* The monitor trap flag (guest debugging's single steps) is used only when
 * free both ways, and never left in the controls every VMCS starts from. */
static void test_compute_controls_mtf(void **state)
{
    (void)state;
    struct vmx_caps c = variant(V_SKYLAKE);
    struct vmx_controls o;
    const char *missing;
    c.procbased |= (uint64_t)PROC_CTL_MONITOR_TRAP_FLAG << 32;
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_true(o.monitor_trap_flag);
    assert_int_equal(o.proc & PROC_CTL_MONITOR_TRAP_FLAG, 0);

    c.procbased = NO1(c.procbased, PROC_CTL_MONITOR_TRAP_FLAG);
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_false(o.monitor_trap_flag);

    c = variant(V_SKYLAKE);
    c.procbased |= (uint64_t)PROC_CTL_MONITOR_TRAP_FLAG << 32 | PROC_CTL_MONITOR_TRAP_FLAG;
    assert_int_equal(vmx_compute_controls(&c, &o, &missing), 0);
    assert_false(o.monitor_trap_flag);                   /* forced on: not usable */
}

static void test_compute_controls_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ctl_variant_cases); i++) {
        struct vmx_caps c = variant(ctl_variant_cases[i].v);
        struct vmx_controls o;
        const char *missing = "(untouched)";
        memset(&o, 0xA5, sizeof(o));
        int rc = vmx_compute_controls(&c, &o, &missing);
        if (rc != ctl_variant_cases[i].rc)
            fail_msg("controls case %zu (variant %d): rc %d, want %d (missing \"%s\")", i,
                     ctl_variant_cases[i].v, rc, ctl_variant_cases[i].rc,
                     missing ? missing : "(NULL)");
        if (rc != 0) {
            if (!missing || strcmp(missing, ctl_variant_cases[i].missing) != 0)
                fail_msg("controls case %zu (variant %d): missing \"%s\", want \"%s\"", i,
                         ctl_variant_cases[i].v, missing ? missing : "(NULL)",
                         ctl_variant_cases[i].missing);
            continue;
        }
        if (missing != NULL)
            fail_msg("controls case %zu: missing \"%s\" on success", i, missing);
        const struct want_ctls *w = &ctl_variant_cases[i].w;
#define CHK(f, fmt) \
        if (o.f != w->f) \
            fail_msg("controls case %zu (variant %d): " #f " = " fmt ", want " fmt, i, \
                     ctl_variant_cases[i].v, o.f, w->f)
        CHK(pin, "0x%x");
        CHK(proc, "0x%x");
        CHK(proc2, "0x%x");
        CHK(exit, "0x%x");
        CHK(entry, "0x%x");
        CHK(preemption_timer, "%d");
        CHK(save_preemption_timer, "%d");
        CHK(vpid, "%d");
        CHK(load_pat, "%d");
        CHK(rdtscp, "%d");
        CHK(invpcid, "%d");
        CHK(preempt_rate, "%u");
#undef CHK
        /* consistency: flags match the words, words obey the MSRs */
        if (o.preemption_timer != !!(o.pin & PIN_CTL_ACTIVATE_PREEMPTION_TIMER) ||
            o.vpid != !!(o.proc2 & PROC2_CTL_ENABLE_VPID) ||
            o.load_pat != !!(o.entry & ENTRY_CTL_LOAD_IA32_PAT) ||
            (o.entry & ENTRY_CTL_IA32E_MODE_GUEST))
            fail_msg("controls case %zu: flags disagree with the control words", i);
        if ((o.pin & ~(uint32_t)(c.pinbased >> 32)) || (o.proc & ~(uint32_t)(c.procbased >> 32)) ||
            (o.proc2 & ~(uint32_t)(c.procbased2 >> 32)) || (o.exit & ~(uint32_t)(c.exit >> 32)) ||
            (o.entry & ~(uint32_t)(c.entry >> 32)))
            fail_msg("controls case %zu: a control bit the CPU does not allow", i);
    }
}

/* ---- vmx_probe_refusal / vmx_missing_hint ------------------------------------------ */

#define ECX_VMX  (1u << 5)
#define ECX_HV   (1u << 31)

static void test_probe_refusal(void **state)
{
    (void)state;
    char buf[320];
    bool lock = true;
    const char *m;

    /* no VMX in CPUID: AMD bare metal, a VM, an Intel CPU without it */
    m = vmx_probe_refusal("AuthenticAMD", 0, 0x5, &lock, buf, sizeof(buf));
    assert_non_null(m);
    assert_false(lock);
    assert_string_equal(m, "the CPU (AuthenticAMD) has no VT-x (Intel VMX; CPUID.1:ECX.VMX is 0); "
                           "minivisor needs an Intel CPU with VT-x, or a VM with nested VT-x "
                           "enabled");
    m = vmx_probe_refusal("GenuineIntel", ECX_HV, 0, &lock, buf, sizeof(buf));
    assert_non_null(strstr(m, "minivisor needs an Intel CPU with VT-x, or a VM with nested VT-x enabled"));
    assert_non_null(strstr(m, "enable nested VT-x in its host"));
    m = vmx_probe_refusal("AuthenticAMD", ECX_HV, 0, &lock, buf, sizeof(buf));
    assert_non_null(strstr(m, "(this is a VM on a CPU without VT-x)"));
    m = vmx_probe_refusal("GenuineIntel", 0, 0, &lock, buf, sizeof(buf));
    assert_non_null(strstr(m, "enable Intel Virtualization Technology in the firmware setup"));

    /* VMX in CPUID; IA32_FEATURE_CONTROL decides */
    assert_null(vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x5, &lock, buf, sizeof(buf)));
    assert_false(lock);                                      /* locked, VMX outside SMX on */
    assert_null(vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x7, &lock, buf, sizeof(buf)));
    assert_false(lock);
    assert_null(vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x0, &lock, buf, sizeof(buf)));
    assert_true(lock);                                       /* unlocked: we enable and lock */
    assert_null(vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x2, &lock, buf, sizeof(buf)));
    assert_true(lock);

    m = vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x1, &lock, buf, sizeof(buf));
    assert_false(lock);
    assert_string_equal(m, "VMX is disabled and locked by firmware (IA32_FEATURE_CONTROL 0x1); "
                           "enable Intel Virtualization Technology (VT-x) in the firmware setup");
    m = vmx_probe_refusal("GenuineIntel", ECX_VMX, 0x3, &lock, buf, sizeof(buf));
    assert_non_null(strstr(m, "firmware allows VMX only inside SMX"));
    assert_non_null(strstr(m, "enable Intel Virtualization Technology (VT-x) in the firmware setup"));
    /* a short buffer truncates, never overflows */
    char tiny[8];
    m = vmx_probe_refusal("AuthenticAMD", 0, 0, &lock, tiny, sizeof(tiny));
    assert_int_equal(strlen(m), sizeof(tiny) - 1);
}

static void test_missing_hint(void **state)
{
    (void)state;
    assert_non_null(strstr(vmx_missing_hint("unrestricted guest"), "Westmere"));
    assert_non_null(strstr(vmx_missing_hint("secondary: unrestricted guest"), "Westmere"));
    assert_non_null(strstr(vmx_missing_hint("EPT with 4-level walks and write-back memory"),
                           "Nehalem"));
    assert_non_null(strstr(vmx_missing_hint("secondary: enable EPT"), "Nehalem"));
    assert_non_null(strstr(vmx_missing_hint("INVEPT (single-context or all-context)"), "Nehalem"));
    assert_non_null(strstr(vmx_missing_hint("secondary processor-based controls"), "Nehalem"));
    assert_non_null(strstr(vmx_missing_hint("write-back VMCS memory (IA32_VMX_BASIC)"),
                           "every Intel CPU with VT-x"));
    assert_non_null(strstr(vmx_missing_hint("HLT exiting"), "Core 2 and later"));
    assert_non_null(strstr(vmx_missing_hint("VM-exit: load IA32_EFER"), "-cpu host"));
    /* every name vmx_caps_missing can give has a hint that names CPUs */
    for (size_t i = 0; i < ARRAY_SIZE(missing_cases); i++)
        if (missing_cases[i].want)
            assert_non_null(strstr(vmx_missing_hint(missing_cases[i].want), "Intel"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctl_compute_table),
        cmocka_unit_test(test_may_set_table),
        cmocka_unit_test(test_fixed_bits_table),
        cmocka_unit_test(test_predicates_table),
        cmocka_unit_test(test_caps_missing_table),
        cmocka_unit_test(test_probe_refusal),
        cmocka_unit_test(test_missing_hint),
        cmocka_unit_test(test_describe_table),
        cmocka_unit_test(test_describe_truncated),
        cmocka_unit_test(test_compute_controls_table),
        cmocka_unit_test(test_compute_controls_nmi),
        cmocka_unit_test(test_compute_controls_mtf),
        cmocka_unit_test(test_compute_controls_apicv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
