/*
 * Building a guest from a module: the VM (vmx/vm_create.h), the board's
 * devices (vmm/board.c), the image loaded into its RAM (guest/loader.h)
 * and the registers the loader produced (vcpu_set_state).
 */
#ifndef VMM_VM_BUILD_H
#define VMM_VM_BUILD_H

#include "vmm/vm.h"
#include "guest/image.h"

/* The VM (state VM_RUNNABLE), or NULL with the reason in err; nothing is
 * left allocated then. Prints "guest NAME: FORMAT image PATH, ..." */
struct vm *vm_build(const struct vm_config *cfg, const struct guest_image *img,
                    char *err, size_t errlen);

#endif
