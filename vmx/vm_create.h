/*
 * Creating a VM from a guest module: RAM, EPT, bitmaps, the platform's
 * devices, the loaded image and its vCPU.
 */
#ifndef VMX_VM_CREATE_H
#define VMX_VM_CREATE_H

#include "vmm/vm.h"
#include "guest/loader.h"

struct vm_config {
    const char *name;
    uint64_t mem_size;
    bool cr3_exiting;
    struct guest_image image;
};

/*
 * Build a VM. Returns the VM (state VM_RUNNABLE), or NULL with the reason
 * in err (bad image, out of memory, ...); nothing is left allocated then.
 */
struct vm *vm_create(const struct vm_config *cfg, unsigned index, char *err, size_t errlen);

#endif
