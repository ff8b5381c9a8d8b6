/*
 * The guest lines: GRUB's module2 lines read into guest specs, every
 * problem reported as one line (see README "Guests"):
 *   module2 FILE name=NAME [mem=SIZE] [cr3exit=0|1] [path=PATH] [gdb=comN] [-- CMDLINE]
 *   module2 FILE for=NAME [-- STRING]      (a module of guest NAME)
 * Pure: it reads the module lines and writes specs, nothing else.
 */
#ifndef VMM_GUEST_SPEC_H
#define VMM_GUEST_SPEC_H

#include <hv/types.h>
#include <hv/cmdline.h>
#include "boot/multiboot2.h"
#include "guest/loader.h"
#include "vmm/vm.h"

#define GUEST_MEM_DEFAULT  MiB(64)
#define GUEST_MEM_MIN      MiB(2)
#define GUEST_PATH_MAX     63

struct guest_spec {
    char name[VM_NAME_MAX];
    char path[GUEST_PATH_MAX + 1];      /* path=, or /guests/NAME */
    uint64_t mem;
    int cr3exit;
    char selftest[16];                  /* for tests: break the VMCS (vmx/vmcheck.h) */
    int gdb;                            /* gdb=comN: N (vmm/gdbstub.h), 0 if none */
    const char *cmdline;                /* the words after "--" ("" if none) */
    unsigned module;                    /* its line: an index into the modules */
    unsigned mods[GUEST_MAX_MODULES];   /* its for= lines, in order */
    unsigned nmods;
};

/*
 * Read the module lines mods[0..nmods) (messages count them from 1):
 * returns how many guests were accepted, in specs[] in line order. A guest
 * is refused (not in specs) for a bad or missing name=, a bad mem=, a name
 * already taken, more than VM_MAX_GUESTS guests or more than
 * GUEST_MAX_MODULES for= lines; other bad words are reported and ignored.
 */
unsigned guest_specs_parse(const struct boot_module *mods, unsigned nmods,
                           struct guest_spec specs[VM_MAX_GUESTS],
                           const struct cmdline_report *rep);

#endif
