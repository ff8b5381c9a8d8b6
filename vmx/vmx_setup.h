/*
 * Bringing up the VT-x layer beneath the VM API, in two steps around the
 * scheduler's boot line (so the boot log keeps its order): the controls
 * every VMCS gets, from the capability MSRs and the boot options; VMXON;
 * then the policies guests see (CPUID, APIC virtualization, unbacked
 * memory). VT-x-free: the layers above include this, never the VMCS.
 */
#ifndef VMX_VMX_SETUP_H
#define VMX_VMX_SETUP_H

#include "vmx/vmx_caps.h"
#include "boot/boot_options.h"

/* Compute the controls, take the host's interrupts for the slice timer,
 * prepare the FPU, turn VMX on. Returns 0, -HV_ENODEV (a required control
 * is missing: said) or -HV_EIO. *slice_timer: what ends a time slice, for
 * the boot log. */
int vmx_setup_cpu(const struct vmx_caps *caps, const struct boot_options *opts,
                  const char **slice_timer);
/* The TSC frequency the run loop uses (after vmx_setup_cpu). */
uint64_t vmx_tsc_hz(void);
/* CPUID, APIC virtualization and unbacked-access policy for guests; prints
 * the local APIC and NMI lines. After vmx_setup_cpu. */
void vmx_setup_guests(const struct boot_options *opts);
/* After the last guest ran: stop the host timer the run loop used. */
void vmx_teardown(void);

#endif
