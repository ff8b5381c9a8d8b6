/*
 * Boot-time VT-x probe: CPUID, IA32_FEATURE_CONTROL, and the capability
 * MSRs, printed as one summary.
 */
#ifndef VMX_VMX_PROBE_H
#define VMX_VMX_PROBE_H

#include "vmx/vmx_caps.h"

/*
 * Probe this CPU. On success fills *caps, prints the summary and returns 0.
 * Otherwise prints one line "VT-x not available: <why>" and returns
 * -HV_ENODEV. Enables and locks IA32_FEATURE_CONTROL when firmware left it
 * unlocked.
 */
int vmx_probe(struct vmx_caps *caps) __must_check;

/* Read this CPU's VMX capability MSRs (VMX must be offered). */
void vmx_read_caps(struct vmx_caps *c);

#endif
