/*
 * EPT exits (SDM Vol. 3C, "EPT Violations" and "Exit Qualification for EPT
 * Violations"). Guest RAM is mapped at its first touch: a violation inside
 * RAM maps the 2 MiB chunk that holds it and the guest retries the access.
 * Any other violation means the guest touched an address with no RAM behind
 * it: either a device register (the instruction is decoded and emulated
 * against the device, vmx/insn_emulate.c) or nothing. A data access to nothing is emulated too: reads give all
 * ones and writes are dropped, as on a PC (OSes probe memory that way),
 * logged once per guest and page; with unbacked=stop, or for an
 * instruction fetch (there is no code to run), the guest stops instead.
 * A device or unbacked access the CPU makes while delivering an event is
 * not emulated: it stops the guest.
 */
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "vmx/vmcs.h"
#include <hv/log.h>
#include "mm/guest_mem.h"
#include "boot/msr.h"
#include "mm/frames.h"
#include "hv/lab.h"

#define EPT_QUAL_READ   BIT(0)
#define EPT_QUAL_WRITE  BIT(1)
#define EPT_QUAL_FETCH  BIT(2)
#define EPT_QUAL_GLA_VALID  BIT(7)   /* the guest-linear address field is valid */
#define EPT_QUAL_GLA_XLATE  BIT(8)   /* ... and it was translated, not a paging entry */

#define AR_L   BIT(13)     /* CS.L: 64-bit code segment */
#define AR_DB  BIT(14)     /* CS.D: default operation size 32 */

/* The last MMIO region found, for the next lookup (every exit of a guest
 * polling one device hits it). The hypervisor runs on one CPU, so one
 * static pair serves every vCPU. A hit is checked against the bus as it is
 * now (the entry lies among the bus's registered regions, is MMIO and holds
 * gpa; regions never overlap), so it cannot go stale. */
static const struct io_bus *last_bus;
static const struct io_region *last_region;

static __attribute__((noinline)) const struct io_region *mmio_region_find(const struct io_bus *bus,
                                                                          gpa_t gpa)
{
    const struct io_region *r = io_bus_find_mmio(bus, gpa, 1);
    if (r) {
        last_bus = bus;
        last_region = r;
    }
    return r;
}

static inline const struct io_region *mmio_region(struct vm *vm, gpa_t gpa)
{
    const struct io_bus *bus = &vm->bus;
    const struct io_region *r = last_region;

    if (bus == last_bus && r < bus->regions + bus->nregions && r->space == IO_SPACE_MMIO &&
        gpa - r->base < r->len)
        return r;
    return mmio_region_find(bus, gpa);
}

/*
 * Emulate the instruction at RIP, which touched gpa (in `region`, or in no
 * device when NULL); gla_valid: the CPU reported the linear address gla of
 * that access. The GPRs are used in place (RSP joins them in its unused
 * slot of struct vcpu_regs), only what the mode needs is read from the
 * VMCS, and only what changed is written back.
 */
static enum exit_action emulate_mmio(struct vcpu *v, gpa_t gpa, const struct io_region *region,
                                     bool gla_valid, gva_t gla)
{
    struct guest_mmio g = { .vm = v->vm, .region = region };
    struct emul_ctx ctx;
    struct emul_regs regs;
    uint64_t ar = vmcs_read32(VMCS_GUEST_CS_ACCESS_RIGHTS);
    uint64_t rsp = vmcs_readnat(VMCS_GUEST_RSP);
    char err[160];

    v->regs.gpr[GPR_RSP] = rsp;
    regs.rip = vmcs_readnat(VMCS_GUEST_RIP);
    uint64_t rflags = regs.rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);
    ctx.regs = &regs;
    ctx.gpr = v->regs.gpr;
    ctx.efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
    ctx.cr0 = vmcs_readnat(VMCS_GUEST_CR0);
    /* The page walk reads CR3 and CR4 only with paging on. */
    ctx.cr3 = (ctx.cr0 & CR0_PG) ? vmcs_readnat(VMCS_GUEST_CR3) : 0;
    ctx.cr4 = (ctx.cr0 & CR0_PG) ? vmcs_readnat(VMCS_GUEST_CR4) : 0;
    if ((ctx.efer & IA32_EFER_LMA) && (ar & AR_L)) {
        /* SDM Vol. 3A, "Segmentation in IA-32e Mode": only FS and GS have a base. */
        ctx.cpu_mode = 64;
        ctx.cs_base = ctx.ds_base = ctx.es_base = ctx.ss_base = 0;
    } else {
        ctx.cpu_mode = (ar & AR_DB) ? 32 : 16;
        ctx.cs_base = vmcs_readnat(VMCS_GUEST_CS_BASE);
        ctx.ds_base = vmcs_readnat(VMCS_GUEST_DS_BASE);
        ctx.es_base = vmcs_readnat(VMCS_GUEST_ES_BASE);
        ctx.ss_base = vmcs_readnat(VMCS_GUEST_SS_BASE);
    }
    ctx.fs_base = vmcs_readnat(VMCS_GUEST_FS_BASE);
    ctx.gs_base = vmcs_readnat(VMCS_GUEST_GS_BASE);
    ctx.ops = &guest_mmio_ops;
    ctx.opaque = &g;
    ctx.dcache = &guest_mmio_dcache;
    ctx.hint_valid = gla_valid;
    ctx.hint_gva = gla;
    ctx.hint_gpa = gpa;

    if (emul_insn(&ctx, err, sizeof(err)) < 0) {
        vm_stop(v->vm, VM_END_EMULATION_FAILED, 0, "MMIO at %#llx, RIP %#llx: %s",
                (unsigned long long)gpa, (unsigned long long)regs.rip, err);
        return EXIT_STOP_VM;
    }
    vmcs_writenat(VMCS_GUEST_RIP, regs.rip);
    if (v->regs.gpr[GPR_RSP] != rsp)
        vmcs_writenat(VMCS_GUEST_RSP, v->regs.gpr[GPR_RSP]);
    if (regs.rflags != rflags)
        vmcs_writenat(VMCS_GUEST_RFLAGS, regs.rflags);
    /* The instruction completed: under RFLAGS.TF its single-step trap is
     * due, as after a skipped one (vmx/exit.h). */
    if (regs.rflags & BIT(8))
        vcpu_single_step_trap();
    return EXIT_RESUME;
}

enum exit_action exit_emulate_mmio(struct vcpu *v, gpa_t gpa, bool gla_valid, gva_t gla)
{
    return emulate_mmio(v, gpa, mmio_region(v->vm, gpa), gla_valid, gla);
}

/* Log an access to unbacked page `gpa` once per guest and page, for the
 * first VM_UNBACKED_LOG_MAX pages (then one line says the rest are not). */
static void note_unbacked(struct vm *vm, gpa_t gpa, bool write)
{
    uint64_t page = gpa & ~(uint64_t)(PAGE_SIZE - 1);
    vm->unbacked_accesses++;
    for (unsigned i = 0; i < vm->unbacked_logged; i++)
        if (vm->unbacked_pages[i] == page)
            return;
    if (vm->unbacked_logged == VM_UNBACKED_LOG_MAX) {
        if (!vm->unbacked_log_full) {
            vm->unbacked_log_full = true;
            pr_info("guest %s: %u unbacked pages logged; accesses to other unbacked pages "
                    "are not\n", vm->name, VM_UNBACKED_LOG_MAX);
        }
        return;
    }
    vm->unbacked_pages[vm->unbacked_logged++] = page;
    pr_info("guest %s: %s of unbacked guest-physical address %#llx at RIP %#llx (reads all "
            "ones, writes dropped; not logged again for this page)\n", vm->name,
            write ? "write" : "read", (unsigned long long)gpa,
            (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
}

/* Everything but the common case below. */
static __attribute__((noinline)) enum exit_action ept_violation_slow(struct vcpu *v, uint64_t q,
                                                                    gpa_t gpa)
{
    struct vm *vm = v->vm;
    const struct io_region *region = (q & EPT_QUAL_FETCH) ? NULL : mmio_region(vm, gpa);
    bool device = region != NULL;

    if (!(q & EPT_QUAL_FETCH) && (device || !guest_unbacked_stop)) {
        uint32_t vectoring = vmcs_read32(VMCS_IDT_VECTORING_INFO);
        if (vectoring & INTR_INFO_VALID) {
            /* The CPU's own access while delivering an event (say, pushing
             * the frame onto a stack in MMIO): no instruction at RIP made
             * it, so there is nothing to emulate (as KVM, we stop the guest). */
            vm_stop(vm, VM_END_EMULATION_FAILED, 0,
                    "MMIO at %#llx during delivery of vector %u, RIP %#llx: not emulated",
                    (unsigned long long)gpa, vectoring & INTR_INFO_VECTOR_MASK,
                    (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
            return EXIT_STOP_VM;
        }
    }
    if (!device && !(q & EPT_QUAL_FETCH) && !guest_unbacked_stop) {
        note_unbacked(vm, gpa, q & EPT_QUAL_WRITE);
        device = true;                   /* the emulator reads ones, drops writes */
    }
    if (device) {
        /* The CPU translated the data address already (SDM Vol. 3C, "Exit
         * Qualification for EPT Violations"): the emulator need not walk. */
        bool gla = (q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE)) ==
                   (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE);
        return emulate_mmio(v, gpa, region, gla, gla ? vmcs_readnat(VMCS_GUEST_LINEAR_ADDRESS) : 0);
    }
    vm_stop(vm, VM_END_BAD_ACCESS, 0,
            "%s of unbacked guest-physical address %#llx at RIP %#llx",
            (q & EPT_QUAL_FETCH) ? "instruction fetch" : (q & EPT_QUAL_WRITE) ? "write" : "read",
            (unsigned long long)gpa, (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
    return EXIT_STOP_VM;
}

int ept_map_guest_ram(struct vm *vm, gpa_t gpa)
{
    /* LAB 3 BEGIN ept_map_guest_ram: map the 2 MiB chunk of vm->mem holding gpa (host memory vm->mem.chunk[i]) into vm->ept with ept_map, read/write/execute; return its result */
    const struct guest_mem *m = &vm->mem;
    gpa_t base = gpa & ~(gpa_t)(GMEM_CHUNK_SIZE - 1);
    uint8_t *chunk = m->chunk[gpa >> GMEM_CHUNK_SHIFT];
    /* The last chunk may be shorter (mem= need not be a multiple of 2 MiB). */
    return ept_map(&vm->ept, base, virt_to_phys(chunk), MIN(GMEM_CHUNK_SIZE, m->size - base),
                   EPT_RWX);
    /* LAB 3 END */
}

/*
 * The guest's first access to a chunk of its RAM. Counted apart from the
 * other EPT violations (the device and unbacked accesses the summary
 * reports under EPT_VIOLATION), with its cycles. No INVEPT is needed: no
 * translation is cached from a not-present EPT entry, and the violation
 * itself dropped what was cached for this address (SDM Vol. 3C, "Caching
 * Translation Information" and "Invalidation of Cached EPT Information").
 */
static __attribute__((noinline)) enum exit_action ram_first_touch(struct vcpu *v, gpa_t gpa)
{
    struct vm *vm = v->vm;
    struct exit_stat *st = &vm->exits[EXIT_REASON_EPT_VIOLATION];
    if (st->count)
        st->count--;                        /* vmx_handle_exit counted it there */
    vm->ram_faults.count++;
    v->charge_to = &vm->ram_faults.cycles;
    if (ept_map_guest_ram(vm, gpa) < 0) {
        vm_stop(vm, VM_END_UNHANDLED_EXIT, 0, "out of host memory for the EPT tables mapping "
                "guest-physical %#llx", (unsigned long long)gpa);
        return EXIT_STOP_VM;
    }
    return EXIT_RESUME;
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
    uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    gpa_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
    const struct io_region *region;

    if (unlikely(gpa < v->vm->mem.size))
        return ram_first_touch(v, gpa);

    /* The common case, with the same checks as ept_violation_slow: a data
     * access to a device, not made while delivering an event, with the
     * linear address reported. */
    if (!(q & EPT_QUAL_FETCH) &&
        (q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE)) ==
            (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE) &&
        (region = mmio_region(v->vm, gpa)) != NULL &&
        !(vmcs_read32(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID))
        return emulate_mmio(v, gpa, region, true, vmcs_readnat(VMCS_GUEST_LINEAR_ADDRESS));
    return ept_violation_slow(v, q, gpa);
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
    /* Our own EPT tables are wrong: a hypervisor bug, but only this guest suffers. */
    vm_stop(v->vm, VM_END_UNHANDLED_EXIT, 0, "EPT misconfiguration at guest-physical %#llx",
            (unsigned long long)vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS));
    return EXIT_STOP_VM;
}
