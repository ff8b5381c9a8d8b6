/*
 * Host stand-ins for what vmx/ code meets at its edges, so that exit
 * handlers, event injection, the interrupt window and APIC virtualization
 * run as host unit tests (tests/unit/test_exit_handlers.c, test_interrupts.c,
 * test_apicv.c):
 *
 * - vmcs_fake.c: the current VMCS as a table of field values. VMREAD and
 *   VMWRITE (vmx/vmx_insn.h, vmx/vmcs_access.h) land here when built with
 *   HV_HOST_TEST. A read of a field nobody set fails the test (a handler
 *   reading what it did not mean to), so does an access of the wrong width
 *   (checked for every access, constant field or not) and a write to a
 *   read-only (VM-exit information) field. Writes are logged in order.
 *   INVEPT, INVVPID, VMPTRLD... are counted.
 * - board_fake.c: the board's side of a vCPU (struct vm_board_ops): the
 *   PIC's interrupt as board_fake says.
 * - vmx_env_fake.c: the rest (the VMCS policy of vmx/vmcs.c and vmx_ctls,
 *   CPUID policy, the host LAPIC, the guest's debug registers, frames, EPT,
 *   XSETBV).
 */
#ifndef TESTS_FAKES_VMX_FAKES_H
#define TESTS_FAKES_VMX_FAKES_H

#include <hv/types.h>
#include "boot/msr.h"
#include "vmx/vmcs_fields.h"

/* ---- the VMCS (vmcs_fake.c) ---- */

/* Forget every field, the write log and the instruction counters. */
void vmcs_fake_reset(void);
/* Give a field a value, as the CPU would at a VM exit (not logged as a write). */
void vmcs_fake_set(unsigned long field, uint64_t value);
/* The field's value now; fails the test if it was never set or written. */
uint64_t vmcs_fake_get(unsigned long field);
bool vmcs_fake_is_set(unsigned long field);
/* How often the code under test wrote the field since the last reset or
 * vmcs_fake_forget_writes. */
unsigned vmcs_fake_writes_to(unsigned long field);
/* All writes, in order. */
struct vmcs_fake_write {
    unsigned long field;
    uint64_t value;
};
unsigned vmcs_fake_nwrites(void);
const struct vmcs_fake_write *vmcs_fake_write_at(unsigned i);
void vmcs_fake_forget_writes(void);

struct vmx_fake_insns {
    unsigned vmptrld, vmclear, vmxon, vmxoff;
    unsigned invept, invvpid;
    uint64_t invept_type, invept_eptp;        /* of the last INVEPT */
    uint64_t invvpid_type;
    uint16_t invvpid_vpid;
};
extern struct vmx_fake_insns vmx_fake_insns;

/* ---- the board (board_fake.c) ---- */

/* vm->board_ops for tests: the PIC's interrupt (extint) is `pending` until
 * acknowledged, then `after_ack`; every acknowledge is counted. The vCPU's
 * own local APIC is the real model (drivers/virt/vlapic.c). */
struct board_fake {
    int pending, after_ack;
    unsigned acks;
    int last_acked;
    unsigned timer_updates;
};
extern struct board_fake board_fake;
struct vm_board_ops;
extern const struct vm_board_ops board_fake_ops;
void board_fake_reset(void);

/* ---- everything else (vmx_env_fake.c) ---- */

struct vmx_env_fake {
    uint64_t xcr0_supported;         /* vcpu_guest_xcr0_supported */
    unsigned maxphyaddr;             /* cpuid_guest_maxphyaddr */
    /* cpuid_guest answers every (leaf, sub) with EAX = leaf, EBX = sub,
     * ECX = ~leaf, EDX = leaf ^ sub, but leaf 0x80000001 with EDX = SYSCALL,
     * NX, LM; it counts its calls and keeps the last leaf and sub-leaf. */
    unsigned cpuid_guest_calls;
    uint32_t cpuid_leaf, cpuid_sub;
    uint64_t xcr0_written;           /* write_xcr0 (XSETBV) */
    unsigned xsetbv_count, wbinvd_count;
    unsigned lapic_eois;             /* host LAPIC EOIs */
    uint64_t dr[8];                  /* vcpu_get_dr / vcpu_set_dr: DR0-DR3, DR6 */
    unsigned ept_maps, ept_unmaps;
    uint64_t ept_map_gpa, ept_map_hpa, ept_map_len;   /* of the last ept_map */
    unsigned ept_map_prot;
    int ept_rc;                      /* what ept_map/ept_unmap return */
    unsigned vmcheck_explains, vmcs_dumps;
};
extern struct vmx_env_fake vmx_env_fake;
/* CR0/CR4 as a VMX CPU with unrestricted guest fixes them here: CR0.NE
 * and CR4.VMXE must be 1 (vmcs_cr0_for_guest, vmcs_cr4_for_guest); the CR4
 * bits a guest may set are in vmx_env_fake.c (vmcs_cr4_allowed). */
#define FAKE_CR0_FIXED0    CR0_NE
#define FAKE_CR4_FIXED0    CR4_VMXE
void vmx_env_fake_reset(void);

/* All three resets. */
static inline void vmx_fakes_reset(void)
{
    vmcs_fake_reset();
    board_fake_reset();
    vmx_env_fake_reset();
}

#endif
