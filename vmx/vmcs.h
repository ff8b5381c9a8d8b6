/*
 * Building a vCPU's VMCS: controls, host state and the guest's initial
 * state, and the helpers exit handlers use on it.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "vmm/vm.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmcs_access.h"

/* Control words and CR masks shared by every VMCS (set by vmcs_global_init). */
extern struct vmx_controls vmx_ctls;

void vmcs_global_init(const struct vmx_controls *ctls, const struct vmx_caps *caps);

/* Allocate, clear and load v's VMCS: controls, host state, and the
 * architectural power-up state as guest state (vcpu_state_reset; the VM's
 * builder then gives it the loader's registers with vcpu_set_state).
 * Leaves it current. 0, or -HV_ENOMEM / -HV_EIO. */
int vmcs_create(struct vcpu *v) __must_check;

/* Make v's VMCS current (no-op when it already is). */
void vmcs_load(struct vcpu *v);

/* Guest CR0/CR4 as the hardware must hold them for a value the guest wrote. */
uint64_t vmcs_cr0_for_guest(uint64_t guest_value);
uint64_t vmcs_cr4_for_guest(uint64_t guest_value);
/* The CR4 bits a guest may set: the CPU allows them and CPUID offers them. */
uint64_t vmcs_cr4_allowed(void);
/* Bits of CR0/CR4 owned by the hypervisor (guest/host masks). */
uint64_t vmcs_cr0_mask(void);
uint64_t vmcs_cr4_mask(void);

/* Print the guest-state fields the VM-entry checks cover, and the controls. */
void vmcs_dump(const struct vcpu *v);

#endif
