/* A VMCS for host tests: see tests/fakes/vmx_fakes.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmcs_access.h"
#include "tests/fakes/vmx_fakes.h"

/* Encodings are 15-bit numbers (bits 31:15 are 0 for every field). */
#define FIELD_INDEX_MAX   0x8000u
#define FAKE_LOG_MAX      256
/* Encoding bits 11:10, the field's type: 1 = VM-exit information, read-only
 * (SDM Vol. 3D, Appendix B "Field Encoding in VMCS"). */
#define FIELD_TYPE(f)     (((f) >> 10) & 3)
#define FIELD_TYPE_RO     1

static struct {
    uint64_t value;
    bool set;
    unsigned writes;
} table[FIELD_INDEX_MAX];

static struct vmcs_fake_write wlog[FAKE_LOG_MAX];
static unsigned nlog;
struct vmx_fake_insns vmx_fake_insns;

static const char *width_name(unsigned w)
{
    static const char *const names[] = { "16-bit", "64-bit", "32-bit", "natural-width",
                                         "generic" };
    return w < 5 ? names[w] : "?";
}

/* The slot that holds `field`: the high half of a 64-bit field is the field. */
static unsigned slot(unsigned long field)
{
    if (field >= FIELD_INDEX_MAX)
        fail_msg("VMCS access to %#lx: not a field encoding", field);
    if (VMCS_FIELD_WIDTH(field) == VMCS_WIDTH_64)
        field &= ~(unsigned long)VMCS_ACCESS_HIGH;
    return (unsigned)field;
}

static uint64_t width_mask(unsigned long field)
{
    switch (VMCS_FIELD_WIDTH(field)) {
    case VMCS_WIDTH_16: return 0xFFFF;
    case VMCS_WIDTH_32: return 0xFFFFFFFF;
    default:            return ~0ULL;
    }
}

static void check_width(const char *what, unsigned long field, unsigned width)
{
    if (width != VMCS_WIDTH_ANY && !vmcs_width_ok(field, width))
        fail_msg("%s of VMCS field %#lx (%s) with a %s accessor", what, field,
                 width_name(VMCS_FIELD_WIDTH(field)), width_name(width));
}

uint64_t vmcs_fake_read(unsigned long field, unsigned width)
{
    check_width("VMREAD", field, width);
    unsigned i = slot(field);
    if (!table[i].set)
        fail_msg("VMREAD of VMCS field %#lx, which the test never set: the code under test "
                 "reads a field it was not expected to", field);
    uint64_t v = table[i].value;
    if (VMCS_FIELD_WIDTH(field) == VMCS_WIDTH_64 && (field & VMCS_ACCESS_HIGH))
        return v >> 32;
    return v;
}

void vmcs_fake_write(unsigned long field, unsigned width, uint64_t value)
{
    check_width("VMWRITE", field, width);
    if (FIELD_TYPE(field) == FIELD_TYPE_RO)
        fail_msg("VMWRITE of VMCS field %#lx, a read-only VM-exit information field", field);
    unsigned i = slot(field);
    if (VMCS_FIELD_WIDTH(field) == VMCS_WIDTH_64 && (field & VMCS_ACCESS_HIGH)) {
        /* Access type high: the upper 32 bits (SDM "Field Encoding in VMCS"). */
        if (!table[i].set)
            table[i].value = 0;
        value = (table[i].value & 0xFFFFFFFFULL) | ((value & 0xFFFFFFFFULL) << 32);
    }
    /* The CPU ignores source bits beyond the field's width (SDM "VMWRITE"). */
    table[i].value = value & width_mask(field);
    table[i].set = true;
    table[i].writes++;
    if (nlog == FAKE_LOG_MAX)
        fail_msg("more than %u VMWRITEs in one test", FAKE_LOG_MAX);
    wlog[nlog++] = (struct vmcs_fake_write){ field, table[i].value };
}

void vmcs_fake_reset(void)
{
    memset(table, 0, sizeof(table));
    memset(&vmx_fake_insns, 0, sizeof(vmx_fake_insns));
    nlog = 0;
}

void vmcs_fake_set(unsigned long field, uint64_t value)
{
    unsigned i = slot(field);
    table[i].value = value & width_mask(field);
    table[i].set = true;
}

uint64_t vmcs_fake_get(unsigned long field)
{
    unsigned i = slot(field);
    if (!table[i].set)
        fail_msg("the test reads VMCS field %#lx, which nobody set", field);
    return table[i].value;
}

bool vmcs_fake_is_set(unsigned long field)
{
    return table[slot(field)].set;
}

unsigned vmcs_fake_writes_to(unsigned long field)
{
    return table[slot(field)].writes;
}

unsigned vmcs_fake_nwrites(void)
{
    return nlog;
}

const struct vmcs_fake_write *vmcs_fake_write_at(unsigned i)
{
    assert_true(i < nlog);
    return &wlog[i];
}

void vmcs_fake_forget_writes(void)
{
    for (unsigned i = 0; i < FIELD_INDEX_MAX; i++)
        table[i].writes = 0;
    nlog = 0;
}

/* ---- the other VMX instructions: counted, always successful ---- */

enum vmx_status vmx_fake_vmxon(hpa_t region)
{
    (void)region;
    vmx_fake_insns.vmxon++;
    return VMX_OK;
}

enum vmx_status vmx_fake_vmclear(hpa_t vmcs)
{
    (void)vmcs;
    vmx_fake_insns.vmclear++;
    return VMX_OK;
}

enum vmx_status vmx_fake_vmptrld(hpa_t vmcs)
{
    (void)vmcs;
    vmx_fake_insns.vmptrld++;
    return VMX_OK;
}

void vmx_fake_vmxoff(void)
{
    vmx_fake_insns.vmxoff++;
}

enum vmx_status vmx_fake_invept(uint64_t type, uint64_t eptp)
{
    vmx_fake_insns.invept++;
    vmx_fake_insns.invept_type = type;
    vmx_fake_insns.invept_eptp = eptp;
    return VMX_OK;
}

enum vmx_status vmx_fake_invvpid(uint64_t type, uint16_t vpid)
{
    vmx_fake_insns.invvpid++;
    vmx_fake_insns.invvpid_type = type;
    vmx_fake_insns.invvpid_vpid = vpid;
    return VMX_OK;
}
