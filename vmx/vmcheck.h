/*
 * The VM-entry checker: the checks the CPU makes on VMLAUNCH/VMRESUME,
 * done again in software so that a failed entry is explained rule by rule
 * ("guest CS access rights: ..., got 0x1") instead of by one error number.
 * SDM Vol. 3C, "Checks on VMX Controls and Host-State Area", "Checks on the
 * Guest State Area" and "Loading MSRs".
 *
 * The checking is pure: fields come through env->read, memory (MSR-load
 * area, virtual-APIC page, VMCS link pointer) through env->read_phys, and
 * the capability MSRs from a vmx_caps snapshot, so host unit tests feed it
 * a VMCS image. vmx/vmcheck_vmcs.c runs it on the current VMCS.
 */
#ifndef VMX_VMCHECK_H
#define VMX_VMCHECK_H

#include <hv/types.h>
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_caps.h"

/* VM-instruction errors the checker explains (SDM Vol. 3C, "VM-Instruction
 * Error Numbers"). */
#define VMXERR_INVALID_CONTROL_FIELDS  7
#define VMXERR_INVALID_HOST_STATE      8

struct vmcheck_env {
    /* The value of VMCS field f. Only fields the controls say exist are read. */
    uint64_t (*read)(void *ctx, enum vmcs_field f);
    /* Copy len bytes of host-physical memory at pa; false if not readable.
     * NULL: the checks that need memory are skipped. */
    bool (*read_phys)(void *ctx, uint64_t pa, void *buf, size_t len);
    /* One broken rule, in plain words, without a trailing newline. */
    void (*report)(void *ctx, const char *line);
    void *ctx;
    const struct vmx_caps *caps;
    unsigned phys_bits;          /* MAXPHYADDR */
    unsigned linear_bits;        /* linear-address width: 48, or 57 with 5-level paging */
    bool host_ia32e;             /* the checking CPU runs in IA-32e mode */
};

/* Run every check; report each broken rule. Returns how many there were. */
unsigned vmcheck_run(const struct vmcheck_env *env);

/* On the hardware (vmx/vmcheck_vmcs.c): the capability snapshot to check
 * against, and the current VMCS checked with vmread. */
void vmcheck_init(const struct vmx_caps *caps);
unsigned vmcheck_current(void (*report)(void *ctx, const char *line), void *ctx);
/* One VMCS field and a value for it. */
struct vmcs_field_value {
    enum vmcs_field field;
    uint64_t value;
};
/* As vmcheck_current, on the current VMCS with fields[0..n) in place of
 * what it holds (the VMCS is not changed): would entry accept them? */
unsigned vmcheck_overlay(const struct vmcs_field_value *fields, unsigned n,
                         void (*report)(void *ctx, const char *line), void *ctx);
struct vcpu;
/* After a failed entry of v (its VMCS current): log each broken rule as
 * "guest NAME: ...". Returns how many. */
unsigned vmcheck_explain(const struct vcpu *v);
#endif
