/*
 * struct vcpu_state (vmm/vm.h) in VMCS terms: which guest-state fields hold
 * it and how a segment's attributes pack into access rights. Pure (no
 * VMREAD/VMWRITE): vmx/vcpu_state.c applies it to a real VMCS, the host
 * unit tests to a VMCS image checked by vmx/vmcheck.c.
 */
#ifndef VMX_VCPU_STATE_VMCS_H
#define VMX_VCPU_STATE_VMCS_H

#include "vmm/vm.h"
#include "vmx/vmcheck.h"

#define VCPU_STATE_MAX_FIELDS 48

/* Access rights of s (SDM Vol. 3C, "Guest Segment Registers": type 3:0,
 * S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16). */
uint32_t vcpu_segment_ar(const struct vcpu_segment *s);
void vcpu_segment_set_ar(struct vcpu_segment *s, uint32_t ar);

/*
 * The field values that give a vCPU the state st: segments, GDTR/IDTR,
 * RSP/RIP/RFLAGS, CR0/CR4 (hw_cr0/hw_cr4 in the guest fields, as the fixed
 * bits make them; st's values in the read shadows), CR3, EFER, and the
 * VM-entry controls `entry` with "IA-32e mode guest" = EFER.LMA (SDM Vol.
 * 3C, "Checks on VMX Controls": it must match). Not the GPRs other than
 * RSP, CR2 or the PDPTEs. Returns how many (at most VCPU_STATE_MAX_FIELDS).
 */
unsigned vcpu_state_encode(const struct vcpu_state *st, uint64_t hw_cr0, uint64_t hw_cr4,
                           uint32_t entry, struct vmcs_field_value *out);

/* The reverse, from fields read through read(ctx, f): CR0/CR4 as the guest
 * reads them (the guest/host masks choose between the field and the read
 * shadow). GPRs other than RSP and CR2 are left as they are. */
void vcpu_state_decode(struct vcpu_state *st, uint64_t (*read)(void *ctx, enum vmcs_field f),
                       void *ctx);

#endif
