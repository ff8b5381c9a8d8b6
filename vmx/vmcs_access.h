/*
 * Width-checked VMCS accessors. A field's encoding carries its width (SDM
 * Vol. 3D, Appendix B "Field Encoding in VMCS": bits 14:13 are 0 for 16-bit,
 * 1 for 64-bit, 2 for 32-bit and 3 for natural-width fields; bit 0 is the
 * access type, 1 = the high 32 bits of a 64-bit field). Each accessor takes
 * and returns its width's type and, where the field is a constant after
 * optimization (the usual case: vmcs_read32(VMCS_EXIT_REASON)), refuses at
 * compile time a field of another width: the call to vmcs_width_mismatch
 * below only survives when the check fails, and its error attribute then
 * stops the build. Fields computed at run time (VMCS_GUEST_PDPTE0 + 2 * i)
 * are checked by the host fake instead.
 *
 * In the kernel they are plain VMREAD/VMWRITE (vmx/vmx_insn.h), so the code
 * is what vmread()/vmwrite() give. Built for host tests (HV_HOST_TEST) they
 * call the fake VMCS in tests/fakes/vmcs_fake.c, which records writes,
 * fails a test that reads a field nobody set, and checks the width of every
 * access, constant or not.
 */
#ifndef VMX_VMCS_ACCESS_H
#define VMX_VMCS_ACCESS_H

#include <hv/types.h>
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_insn.h"

#define VMCS_ACCESS_HIGH   1u      /* encoding bit 0: the high half of a 64-bit field */

/* Whether an accessor of `width` (VMCS_WIDTH_*) may touch `field`: the
 * encoding's width, or a 32-bit access to the high half of a 64-bit field. */
static inline bool vmcs_width_ok(unsigned long field, unsigned width)
{
    unsigned w = VMCS_FIELD_WIDTH(field);
    bool high = field & VMCS_ACCESS_HIGH;
    if (w == VMCS_WIDTH_64 && high)
        return width == VMCS_WIDTH_32;
    return w == width && !high;
}

/* Never defined: a call left after optimization is a width mismatch. */
extern void vmcs_width_mismatch(void)
    __attribute__((error("VMCS accessor of the wrong width for this field (SDM Vol. 3D, "
                         "Appendix B \"Field Encoding in VMCS\")")));

#define __vmcs_inline inline __attribute__((always_inline))

static __vmcs_inline void vmcs_check_width(unsigned long field, unsigned width)
{
    if (__builtin_constant_p(field) && !vmcs_width_ok(field, width))
        vmcs_width_mismatch();
}

#ifdef HV_HOST_TEST      /* the fake's entry points are declared in vmx/vmx_insn.h */
#define VMCS_RAW_READ(f, w)      vmcs_fake_read((f), (w))
#define VMCS_RAW_WRITE(f, w, v)  vmcs_fake_write((f), (w), (v))
#else
#define VMCS_RAW_READ(f, w)      vmread(f)
#define VMCS_RAW_WRITE(f, w, v)  vmwrite((f), (v))
#endif

/* VMREAD of a field narrower than 64 bits clears the rest of the
 * destination (SDM Vol. 3C, "VMREAD"): saying so lets the compiler drop
 * the zero-extension when the value is used as 64 bits. */
static __vmcs_inline uint16_t vmcs_read16(enum vmcs_field f)
{
    vmcs_check_width(f, VMCS_WIDTH_16);
    uint64_t v = VMCS_RAW_READ(f, VMCS_WIDTH_16);
    if (v >> 16)
        __builtin_unreachable();
    return (uint16_t)v;
}

static __vmcs_inline uint32_t vmcs_read32(enum vmcs_field f)
{
    vmcs_check_width(f, VMCS_WIDTH_32);
    uint64_t v = VMCS_RAW_READ(f, VMCS_WIDTH_32);
    if (v >> 32)
        __builtin_unreachable();
    return (uint32_t)v;
}

static __vmcs_inline uint64_t vmcs_read64(enum vmcs_field f)
{
    vmcs_check_width(f, VMCS_WIDTH_64);
    return VMCS_RAW_READ(f, VMCS_WIDTH_64);
}

/* Natural width: 64 bits on this (64-bit only) hypervisor. */
static __vmcs_inline uint64_t vmcs_readnat(enum vmcs_field f)
{
    vmcs_check_width(f, VMCS_WIDTH_NAT);
    return VMCS_RAW_READ(f, VMCS_WIDTH_NAT);
}

static __vmcs_inline void vmcs_write16(enum vmcs_field f, uint16_t v)
{
    vmcs_check_width(f, VMCS_WIDTH_16);
    VMCS_RAW_WRITE(f, VMCS_WIDTH_16, v);
}

static __vmcs_inline void vmcs_write32(enum vmcs_field f, uint32_t v)
{
    vmcs_check_width(f, VMCS_WIDTH_32);
    VMCS_RAW_WRITE(f, VMCS_WIDTH_32, v);
}

static __vmcs_inline void vmcs_write64(enum vmcs_field f, uint64_t v)
{
    vmcs_check_width(f, VMCS_WIDTH_64);
    VMCS_RAW_WRITE(f, VMCS_WIDTH_64, v);
}

static __vmcs_inline void vmcs_writenat(enum vmcs_field f, uint64_t v)
{
    vmcs_check_width(f, VMCS_WIDTH_NAT);
    VMCS_RAW_WRITE(f, VMCS_WIDTH_NAT, v);
}

#endif
