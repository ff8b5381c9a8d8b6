/*
 * A guest from a module, through the VM API: create the VM, give it its
 * RAM and its vCPU, attach the board's devices, load the image into guest RAM, give the vCPU the
 * loader's registers. Refusals are worded for "guest NAME: refused: ...".
 */
#include "vmm/vm_build.h"
#include "vmm/board.h"
#include "guest/loader.h"
#include <hv/format.h>
#include <hv/log.h>

struct vm *vm_build(const struct vm_config *cfg, const struct guest_image *img,
                    char *err, size_t errlen)
{
    struct vm *vm = vm_create(cfg, err, errlen);
    if (!vm)
        return NULL;
    if (vm_map_memory(vm, 0, cfg->mem_size, err, errlen) < 0 ||
        !vcpu_create(vm, 0, err, errlen))
        goto fail;
    if (board_attach(vm) < 0) {
        fmt_snprintf(err, errlen, "not enough host memory for the VM's control structures");
        goto fail;
    }

    struct guest_loaded boot;
    char why[160];
    if (guest_load(&vm->mem, img, &boot, why, sizeof(why)) < 0) {
        fmt_snprintf(err, errlen, "%s", why);
        goto fail;
    }
    if (vcpu_set_state(&vm->vcpu, &boot.regs) < 0) {
        fmt_snprintf(err, errlen, "the %s loader's registers fail the VM-entry checks",
                     boot.format);
        goto fail;
    }
    pr_info("guest %s: %s image %s, %llu MiB RAM, entry %#llx%s\n", vm->name, boot.format,
            img->path, (unsigned long long)(cfg->mem_size >> 20),
            (unsigned long long)boot.regs.rip, vm->cr3_exiting ? ", CR3 exiting on" : "");
    vm->state = VM_RUNNABLE;
    return vm;

fail:
    vm_destroy(vm);
    return NULL;
}
