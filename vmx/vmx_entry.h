#ifndef VMX_VMX_ENTRY_H
#define VMX_VMX_ENTRY_H
/* See vmx/vmx_entry.S. */
#include "vmx/vm.h"
_Static_assert(__builtin_offsetof(struct vcpu_regs, cr2) == 128, "vmx_entry.S REGS_CR2");
_Static_assert(__builtin_offsetof(struct vcpu_regs, host_rsp) == 136, "vmx_entry.S REGS_HOST_RSP");
_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "vcpu regs first");
int vmx_enter(struct vcpu_regs *regs, uint64_t launched);
void vmx_exit_entry(void);
#endif
