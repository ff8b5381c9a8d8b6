/*
 * Running a vCPU: one time slice of VM entries and exits, and the state
 * that must be switched by hand when the CPU moves from one guest to
 * another (MSRs the VMCS does not hold, FPU/SSE/AVX registers, XCR0).
 */
#ifndef VMX_VCPU_H
#define VMX_VCPU_H

#include "vmm/vm.h"

/* Host-wide parameters of the run loop (set by the top level at start). */
struct vcpu_run_params {
    uint64_t tsc_hz;             /* measured TSC frequency */
    bool lapic_slice_timer;      /* slices end by the host LAPIC timer */
    uint64_t timer_gap;          /* least TSC cycles between two runs of a VM's
                                    device timers inside its slice */
};

/* The host vector of the LAPIC slice timer (when it is used). */
#define HOST_VECTOR_SLICE_TIMER 0xF0
extern struct vcpu_run_params run_params;

/* Prepare the FPU area and per-vCPU MSR values. 0 or -HV_ENOMEM. */
int vcpu_init_state(struct vcpu *v) __must_check;
void vcpu_msrs_init(struct vcpu *v);
/* Free what vcpu_init_state allocated. */
void vcpu_free_state(struct vcpu *v);

/* Enable the FPU/SSE (and XSAVE where present) for the host, so guests'
 * state can be saved and restored. */
void vcpu_host_fpu_init(void);

/* The XSAVE components saved for guests (XCR0 bits a guest may set). */
uint64_t vcpu_guest_xcr0_supported(void);

/* Debug register DR<i> (0-3, or 6) of v, wherever it lives now (the CPU
 * keeps the last vCPU's until another runs): guest debugging's hardware
 * breakpoints (vmx/guest_debug.c), between slices and in its exits. */
uint64_t vcpu_get_dr(struct vcpu *v, unsigned i);
void vcpu_set_dr(struct vcpu *v, unsigned i, uint64_t val);


#endif
