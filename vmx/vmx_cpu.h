/*
 * Per-CPU VMX operation: CR0/CR4 fixed bits, CR4.VMXE, the VMXON region.
 */
#ifndef VMX_VMX_CPU_H
#define VMX_VMX_CPU_H

#include "vmx/vmx_caps.h"

/* Enter VMX root operation on this CPU. 0, or -HV_ENODEV / -HV_ENOMEM / -HV_EIO
 * with the reason printed. */
int vmx_cpu_enable(const struct vmx_caps *caps) __must_check;

/* The capability snapshot VMX was enabled with. */
const struct vmx_caps *vmx_cpu_caps(void);

/* Name of a VM-instruction error number (SDM Vol. 3C, "VM Instruction Error Numbers"). */
const char *vmx_instruction_error_name(uint32_t err);

#endif
