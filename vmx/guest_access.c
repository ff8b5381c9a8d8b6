/* See vmx/guest_access.h. */
#include "vmx/guest_access.h"
#include "vmx/vmcs_access.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/string.h>

#define AR_L   BIT(13)     /* 64-bit code segment */
#define AR_DB  BIT(14)     /* default operation size 32 */

bool guest_unbacked_stop;

static int read_ram(void *opaque, gpa_t gpa, void *buf, size_t len)
{
    struct vm *vm = opaque;
    return gmem_read(&vm->mem, gpa, buf, len) < 0 ? -HV_EFAULT : 0;
}

/* Data accesses: RAM if the address is RAM, else a device on the bus. */
static int read_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t *val)
{
    struct vm *vm = opaque;
    if (gmem_contains(&vm->mem, gpa, size)) {
        *val = 0;
        return gmem_read(&vm->mem, gpa, val, size) < 0 ? -HV_EFAULT : 0;
    }
    int rc = io_bus_mmio_read(&vm->bus, gpa, size, val);
    if (rc == -HV_ENOENT && !guest_unbacked_stop) {
        *val = io_all_ones(size);               /* nothing there: the bus floats */
        return 0;
    }
    return rc < 0 ? -HV_EFAULT : 0;
}

static int write_mem(void *opaque, gpa_t gpa, unsigned size, uint64_t val)
{
    struct vm *vm = opaque;
    if (gmem_contains(&vm->mem, gpa, size))
        return gmem_write(&vm->mem, gpa, &val, size) < 0 ? -HV_EFAULT : 0;
    int rc = io_bus_mmio_write(&vm->bus, gpa, size, val);
    if (rc == -HV_ENOENT && !guest_unbacked_stop)
        return 0;                               /* dropped */
    return rc < 0 ? -HV_EFAULT : 0;
}

static const void *ram_ptr(void *opaque, gpa_t gpa, size_t len)
{
    struct vm *vm = opaque;
    return gmem_ptr(&vm->mem, gpa, len);
}

static const struct emul_ops guest_ops = { read_ram, read_mem, write_mem, ram_ptr };

/* ---- The MMIO path ------------------------------------------------------ */

/* Is [gpa, gpa+size) inside g's region (and not RAM, which would win)? */
static bool in_region(const struct guest_mmio *g, gpa_t gpa, unsigned size)
{
    const struct io_region *r = g->region;
    uint64_t off = gpa - (r ? r->base : 0);
    return r && gpa >= g->vm->mem.size && off < r->len && size <= r->len - off;
}

static int mmio_read_ram(void *opaque, gpa_t gpa, void *buf, size_t len)
{
    return read_ram(((struct guest_mmio *)opaque)->vm, gpa, buf, len);
}

/* gmem_ptr, with the common case (a short range inside one chunk) inline:
 * this runs for every instruction fetch and page-table entry. */
static const void *mmio_ram_ptr(void *opaque, gpa_t gpa, size_t len)
{
    const struct guest_mem *m = &((struct guest_mmio *)opaque)->vm->mem;
    uint64_t idx = gpa >> GMEM_CHUNK_SHIFT;
    uint64_t off = gpa & (GMEM_CHUNK_SIZE - 1);

    if (gpa < m->size && len <= m->size - gpa && off + len <= GMEM_CHUNK_SIZE &&
        idx < m->nchunks && m->chunk[idx])
        return m->chunk[idx] + off;
    return gmem_ptr(m, gpa, len);
}

static int mmio_read(void *opaque, gpa_t gpa, unsigned size, uint64_t *val)
{
    struct guest_mmio *g = opaque;
    if (in_region(g, gpa, size)) {
        const struct io_region *r = g->region;
        if (!r->ops->read) {
            *val = io_all_ones(size);
            return 0;
        }
        return r->ops->read(r->dev, gpa - r->base, size, val) < 0 ? -HV_EFAULT : 0;
    }
    return read_mem(g->vm, gpa, size, val);
}

static int mmio_write(void *opaque, gpa_t gpa, unsigned size, uint64_t val)
{
    struct guest_mmio *g = opaque;
    if (in_region(g, gpa, size)) {
        const struct io_region *r = g->region;
        if (!r->ops->write)
            return 0;
        return r->ops->write(r->dev, gpa - r->base, size, val) < 0 ? -HV_EFAULT : 0;
    }
    return write_mem(g->vm, gpa, size, val);
}

const struct emul_ops guest_mmio_ops = { mmio_read_ram, mmio_read, mmio_write, mmio_ram_ptr };

/* Shared by all guests: entries are keyed by the instruction bytes (see
 * struct emul_dcache); one CPU, so no locking. */
struct emul_dcache guest_mmio_dcache;

unsigned guest_cpu_mode(void)
{
    uint64_t ar = vmcs_read32(VMCS_GUEST_CS_ACCESS_RIGHTS);
    if ((vmcs_read64(VMCS_GUEST_IA32_EFER) & IA32_EFER_LMA) && (ar & AR_L))
        return 64;
    return (ar & AR_DB) ? 32 : 16;
}

void guest_emul_ctx(struct vcpu *v, struct emul_ctx *ctx, struct emul_regs *regs)
{
    for (int i = 0; i < 16; i++)
        regs->gpr[i] = v->regs.gpr[i];
    regs->gpr[GPR_RSP] = vmcs_readnat(VMCS_GUEST_RSP);
    regs->rip = vmcs_readnat(VMCS_GUEST_RIP);
    regs->rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);

    ctx->regs = regs;
    ctx->cpu_mode = guest_cpu_mode();
    ctx->cs_base = vmcs_readnat(VMCS_GUEST_CS_BASE);
    ctx->ds_base = vmcs_readnat(VMCS_GUEST_DS_BASE);
    ctx->es_base = vmcs_readnat(VMCS_GUEST_ES_BASE);
    ctx->ss_base = vmcs_readnat(VMCS_GUEST_SS_BASE);
    ctx->fs_base = vmcs_readnat(VMCS_GUEST_FS_BASE);
    ctx->gs_base = vmcs_readnat(VMCS_GUEST_GS_BASE);
    ctx->cr0 = vmcs_readnat(VMCS_GUEST_CR0);
    ctx->cr3 = vmcs_readnat(VMCS_GUEST_CR3);
    ctx->cr4 = vmcs_readnat(VMCS_GUEST_CR4);
    ctx->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
    ctx->ops = &guest_ops;
    ctx->hint_valid = false;
    ctx->opaque = v->vm;
    ctx->gpr = NULL;
    ctx->dcache = NULL;
}

int vcpu_translate(struct vcpu *v, gva_t gva, gpa_t *gpa)
{
    struct emul_ctx ctx;
    struct emul_regs regs;
    vmcs_load(v);
    guest_emul_ctx(v, &ctx, &regs);
    return emul_gva_to_gpa(&ctx, gva, gpa);
}

void guest_regs_store(struct vcpu *v, const struct emul_regs *regs)
{
    for (int i = 0; i < 16; i++)
        v->regs.gpr[i] = regs->gpr[i];
    vmcs_writenat(VMCS_GUEST_RSP, regs->gpr[GPR_RSP]);
    vmcs_writenat(VMCS_GUEST_RIP, regs->rip);
    vmcs_writenat(VMCS_GUEST_RFLAGS, regs->rflags);
}
