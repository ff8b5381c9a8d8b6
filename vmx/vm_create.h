/*
 * Creating a VM at the VT-x layer: RAM, EPT, the I/O and MSR bitmaps and
 * its vCPU (VMCS in the power-up state, FPU state, virtual-APIC page).
 * Devices, the image and the starting registers come from the layer above
 * (vmm/vm_build.c).
 */
#ifndef VMX_VM_CREATE_H
#define VMX_VM_CREATE_H

#include "vmm/vm.h"

struct vm_config {
    const char *name;
    uint64_t mem_size;
    bool cr3_exiting;
    unsigned index;              /* among the VMs made so far (gives the VPID) */
};

/*
 * Make a VM. Returns it (state VM_RUNNABLE, no devices, registers at
 * power-up), or NULL with the reason in err (out of memory, ...); nothing
 * is left allocated then.
 */
struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen);

/* Free everything vm_create allocated, and vm itself. For a VM that has
 * not run yet (one the builder gave up on). */
void vm_destroy(struct vm *vm);

#endif
