/*
 * The VM-entry checker (vmx/vmcheck.c) on the real current VMCS: fields by
 * VMREAD, memory through the host's 1:1 map, the capability snapshot taken
 * at start, MAXPHYADDR from CPUID.
 */
#include "vmx/vmcheck.h"
#include "vmm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_insn.h"
#include "boot/x86.h"
#include "mm/frames.h"
#include <hv/log.h>
#include <hv/string.h>

#define CPUID_EXT_MAX        0x80000000u
#define CPUID_ADDR_SIZES     0x80000008u

static struct vmx_caps caps;
static unsigned phys_bits = 36, linear_bits = 48;

/* The entry checks measure addresses against the CPU's widths, MAXPHYADDR
 * and the linear-address width (57 where 5-level paging exists, whether or
 * not it is on). */
void vmcheck_init(const struct vmx_caps *c)
{
    caps = *c;
    if (cpuid(CPUID_EXT_MAX, 0).eax >= CPUID_ADDR_SIZES) {
        uint32_t eax = cpuid(CPUID_ADDR_SIZES, 0).eax;
        phys_bits = eax & 0xFF;
        linear_bits = (eax >> 8) & 0xFF;
        if (linear_bits < 48 || linear_bits > 64)
            linear_bits = 48;
    }
}

static uint64_t read_field(void *ctx, enum vmcs_field f)
{
    (void)ctx;
    return vmread(f);
}

/* Only within one page, below the allocator's top of RAM, and not a free
 * frame (VMCSs, MSR areas and APIC pages are allocated ones), so that a
 * corrupted address is refused rather than read. Reserved holes below the
 * top count as "not free": the rule keeps out wild pointers, not all. */
static bool read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
    (void)ctx;
    const struct pmm *p = frames_pmm();
    if (!len || pa + len < pa || (pa + len - 1) / PAGE_SIZE >= p->nframes ||
        pa / PAGE_SIZE != (pa + len - 1) / PAGE_SIZE || pmm_is_free(p, pa))
        return false;
    memcpy(buf, phys_to_virt(pa), len);
    return true;
}

struct report_ctx {
    void (*report)(void *ctx, const char *line);
    void *ctx;
};

static void forward(void *ctx, const char *line)
{
    struct report_ctx *r = ctx;
    r->report(r->ctx, line);
}

unsigned vmcheck_current(void (*report)(void *ctx, const char *line), void *ctx)
{
    struct report_ctx r = { report, ctx };
    struct vmcheck_env env = {
        .read = read_field,
        .read_phys = read_phys,
        .report = forward,
        .ctx = &r,
        .caps = &caps,
        .phys_bits = phys_bits,
        .linear_bits = linear_bits,
        .host_ia32e = true,
    };
    return vmcheck_run(&env);
}

struct overlay_ctx {
    const struct vmcs_field_value *fields;
    unsigned n;
    void (*report)(void *ctx, const char *line);
    void *ctx;
};

static uint64_t overlay_read(void *ctx, enum vmcs_field f)
{
    const struct overlay_ctx *o = ctx;
    for (unsigned i = 0; i < o->n; i++)
        if (o->fields[i].field == f)
            return o->fields[i].value;
    return vmread(f);
}

static void overlay_report(void *ctx, const char *line)
{
    const struct overlay_ctx *o = ctx;
    o->report(o->ctx, line);
}

unsigned vmcheck_overlay(const struct vmcs_field_value *fields, unsigned n,
                         void (*report)(void *ctx, const char *line), void *ctx)
{
    struct overlay_ctx o = { fields, n, report, ctx };
    struct vmcheck_env env = {
        .read = overlay_read,
        .read_phys = read_phys,
        .report = overlay_report,
        .ctx = &o,
        .caps = &caps,
        .phys_bits = phys_bits,
        .linear_bits = linear_bits,
        .host_ia32e = true,
    };
    return vmcheck_run(&env);
}

static void log_line(void *ctx, const char *line)
{
    pr_err("guest %s: %s\n", ((const struct vcpu *)ctx)->vm->name, line);
}

unsigned vmcheck_explain(const struct vcpu *v)
{
    unsigned n = vmcheck_current(log_line, (void *)v);
    if (!n)
        pr_err("guest %s: the software VM-entry checks find nothing wrong\n", v->vm->name);
    return n;
}

bool vmcheck_selftest(struct vcpu *v, const char *what)
{
    vmcs_load(v);
    if (!strcmp(what, "badguest")) {
        /* Type 1 (read-only data) in CS: an invalid-guest-state exit. */
        vmwrite(VMCS_GUEST_CS_ACCESS_RIGHTS, (vmread(VMCS_GUEST_CS_ACCESS_RIGHTS) & ~0xFULL) | 1);
    } else if (!strcmp(what, "badhost")) {
        vmwrite(VMCS_HOST_TR_SELECTOR, 0);          /* VM-instruction error 8 */
    } else if (!strcmp(what, "badctl")) {
        /* The lowest VM-entry control the CPU does not allow (error 7). */
        uint32_t may1 = (uint32_t)(caps.entry >> 32);
        if (may1 == 0xFFFFFFFF)
            return false;
        uint32_t bit = ~may1 & -~may1;
        vmwrite(VMCS_VM_ENTRY_CONTROLS, vmread(VMCS_VM_ENTRY_CONTROLS) | bit);
    } else if (!strcmp(what, "badmsr")) {
        /* An MSR-load area whose one entry is IA32_FS_BASE (exit reason 34).
         * The frame is never freed: this is for tests. */
        hpa_t pa = frame_alloc();
        if (!pa)
            return false;
        uint64_t *e = phys_to_virt(pa);
        e[0] = 0xC0000100;                           /* IA32_FS_BASE, data 0 */
        vmwrite(VMCS_VM_ENTRY_MSR_LOAD_ADDR, pa);
        vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1);
    } else {
        return false;
    }
    pr_warn("guest %s: selftest=%s: VMCS broken on purpose before the first entry\n",
            v->vm->name, what);
    return true;
}

unsigned vcpu_check_state(struct vcpu *v, void (*report)(void *ctx, const char *line), void *ctx)
{
    vmcs_load(v);
    return vmcheck_current(report, ctx);
}
