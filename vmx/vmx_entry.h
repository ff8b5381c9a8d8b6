#ifndef VMX_VMX_ENTRY_H
#define VMX_VMX_ENTRY_H
/* The VM entry/exit loop, vmx/vmx_entry.S. */
#include "vmm/vm.h"

#define VMX_RUN_FAIL_INVALID 0x100      /* VMLAUNCH/VMRESUME: VMfailInvalid */
#define VMX_RUN_FAIL_VALID   0x101      /* VMfailValid: see the VM-instruction error */

_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "vcpu regs first");
_Static_assert(__builtin_offsetof(struct vcpu_regs, gpr[15]) == 120, "vmx_entry.S REGS_R15");

int vmx_run(struct vcpu_regs *regs, uint64_t launched);
void vmx_exit_entry(void);
/* Called by vmx_exit_entry for every exit: 0 = enter the guest again. */
int vmx_handle_exit(struct vcpu_regs *regs);
#endif
