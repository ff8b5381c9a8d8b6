/*
 * The VMX instructions as inline functions (SDM Vol. 3C, "VMX Instruction
 * Reference"). Each reports the outcome the way the instruction does, in
 * RFLAGS: CF=1 is VMfailInvalid (no current VMCS), ZF=1 is VMfailValid (the
 * reason is in the VM-instruction error field).
 */
#ifndef VMX_VMX_INSN_H
#define VMX_VMX_INSN_H

#include <hv/types.h>
#include "vmx/vmcs_fields.h"

enum vmx_status { VMX_OK = 0, VMX_FAIL_INVALID = 1, VMX_FAIL_VALID = 2 };

struct invept_desc { uint64_t eptp, reserved; };
struct invvpid_desc { uint64_t vpid, linear; };

#define INVEPT_SINGLE_CONTEXT  1
#define INVEPT_ALL_CONTEXT     2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

#ifdef HV_HOST_TEST
/*
 * Host unit tests have no VMX: the instructions go to tests/fakes/vmcs_fake.c
 * (a VMCS held as a table of field values; the width-checked accessors of
 * vmx/vmcs_access.h use it too). VMCS_WIDTH_ANY: the generic vmread/vmwrite
 * say no width, the fake takes the field's own.
 */
#define VMCS_WIDTH_ANY 4u
uint64_t vmcs_fake_read(unsigned long field, unsigned width);
void vmcs_fake_write(unsigned long field, unsigned width, uint64_t value);
enum vmx_status vmx_fake_vmxon(hpa_t region);
enum vmx_status vmx_fake_vmclear(hpa_t vmcs);
enum vmx_status vmx_fake_vmptrld(hpa_t vmcs);
void vmx_fake_vmxoff(void);
enum vmx_status vmx_fake_invept(uint64_t type, uint64_t eptp);
enum vmx_status vmx_fake_invvpid(uint64_t type, uint16_t vpid);

static inline enum vmx_status vmxon(hpa_t region)   { return vmx_fake_vmxon(region); }
static inline enum vmx_status vmclear(hpa_t vmcs)   { return vmx_fake_vmclear(vmcs); }
static inline enum vmx_status vmptrld(hpa_t vmcs)   { return vmx_fake_vmptrld(vmcs); }
static inline void vmxoff(void) { vmx_fake_vmxoff(); }
static inline void vmwrite(enum vmcs_field field, uint64_t value)
{
    vmcs_fake_write(field, VMCS_WIDTH_ANY, value);
}
static inline uint64_t vmread(enum vmcs_field field)
{
    return vmcs_fake_read(field, VMCS_WIDTH_ANY);
}
static inline enum vmx_status invept(uint64_t type, uint64_t eptp)
{
    return vmx_fake_invept(type, eptp);
}
static inline enum vmx_status invvpid(uint64_t type, uint16_t vpid)
{
    return vmx_fake_invvpid(type, vpid);
}
#else
/* "setna" catches CF=1 or ZF=1; "setb" tells them apart. */
#define VMX_INSN_STATUS(insn, ...)                                             \
    ({                                                                         \
        uint8_t fail_, invalid_;                                               \
        __asm__ volatile(insn "; setna %0; setb %1"                             \
                         : "=qm"(fail_), "=qm"(invalid_) : __VA_ARGS__ : "cc", "memory"); \
        (enum vmx_status)(fail_ ? (invalid_ ? VMX_FAIL_INVALID : VMX_FAIL_VALID) : VMX_OK); \
    })

static inline enum vmx_status vmxon(hpa_t region)   { return VMX_INSN_STATUS("vmxon %2", "m"(region)); }
static inline enum vmx_status vmclear(hpa_t vmcs)   { return VMX_INSN_STATUS("vmclear %2", "m"(vmcs)); }
static inline enum vmx_status vmptrld(hpa_t vmcs)   { return VMX_INSN_STATUS("vmptrld %2", "m"(vmcs)); }
static inline void vmxoff(void) { __asm__ volatile("vmxoff" ::: "cc", "memory"); }

/* VMWRITE to a field the current VMCS has; as with VMREAD, a failure can
 * only come from a hypervisor bug, and the next VM entry's checks catch it. */
static inline void vmwrite(enum vmcs_field field, uint64_t value)
{
    __asm__ volatile("vmwrite %1, %0" :: "r"((uint64_t)field), "rm"(value) : "cc");
}

/* VMREAD of a field the current VMCS has; failures only come from bugs. */
static inline uint64_t vmread(enum vmcs_field field)
{
    uint64_t v;
    __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)field) : "cc");
    return v;
}

static inline enum vmx_status invept(uint64_t type, uint64_t eptp)
{
    struct invept_desc d = { eptp, 0 };
    return VMX_INSN_STATUS("invept %2, %3", "m"(d), "r"(type));
}

static inline enum vmx_status invvpid(uint64_t type, uint16_t vpid)
{
    struct invvpid_desc d = { vpid, 0 };
    return VMX_INSN_STATUS("invvpid %2, %3", "m"(d), "r"(type));
}
#endif /* HV_HOST_TEST */

#endif
