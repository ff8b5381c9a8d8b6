/*
 * The hypervisor proper: turn VMX on, create a VM for every guest module,
 * run them until all have stopped, print the summary.
 */
#ifndef VMM_HYPERVISOR_H
#define VMM_HYPERVISOR_H

#include "vmx/vmx_caps.h"

struct boot_info;
struct boot_options;

/* Returns 0 when every guest was started and has stopped (however it
 * ended), negative when VMX could not be turned on. */
int hypervisor_run(const struct vmx_caps *caps, const struct boot_info *bi,
                   const struct boot_options *opts);

#endif
