/* VMX operation on an application processor (see vmx/vmx_ap.c). */
#ifndef VMX_VMX_AP_H
#define VMX_VMX_AP_H

#include "vmx/vmx_caps.h"

/*
 * On this AP: check VT-x is usable (IA32_FEATURE_CONTROL, locking it as on
 * the boot CPU), that its capability MSRs equal `bsp`, then apply the
 * CR0/CR4 fixed bits and execute VMXON. 0 and *region = the VMXON region,
 * or a negative error with a one-line reason in why.
 */
int vmx_ap_enable(const struct vmx_caps *bsp, hpa_t *region, char *why, size_t len) __must_check;

#endif
