/*
 * VM creation: RAM from 0 to mem= backed by host frames (mapped into the
 * EPT at the guest's first touch, vmx/exit_ept.c), the
 * I/O and MSR bitmaps, and the vCPU (its VMCS in the power-up state, FPU
 * state, virtual-APIC page). Every port exits (all-ones I/O bitmaps); the
 * MSR bitmap lets through only MSRs that the VMCS or a vCPU switch keeps
 * per guest. The board's devices, the image and the registers it starts
 * with are added above this layer (vmm/vm_build.c).
 */
#include "vmm/vm.h"
#include "vmx/vcpu.h"
#include "vmx/apicv.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>

/* ---- EPT table pages: the VM's reserve first, then the frame allocator ---- */
static void *ept_alloc_table(void *opaque, hpa_t *pa)
{
    struct vm *vm = opaque;
    *pa = vm->ept_spare_n ? vm->ept_spare[--vm->ept_spare_n] : frame_alloc();
    return *pa ? phys_to_virt(*pa) : NULL;
}

static void *ept_phys_to_virt(void *opaque, hpa_t pa)
{
    (void)opaque;
    return phys_to_virt(pa);
}

static void ept_free_table(void *opaque, hpa_t pa)
{
    (void)opaque;
    frame_free(pa, 1);
}

/* ---- MSR bitmap (SDM Vol. 3C, "MSR-Bitmap Address") ---- */
#define MSR_BITMAP_READ_LOW    0
#define MSR_BITMAP_READ_HIGH   1024
#define MSR_BITMAP_WRITE_LOW   2048
#define MSR_BITMAP_WRITE_HIGH  3072

static void msr_passthrough(uint8_t *bm, uint32_t msr, bool read, bool write)
{
    unsigned base_r = MSR_BITMAP_READ_LOW, base_w = MSR_BITMAP_WRITE_LOW;
    if (msr >= 0xC0000000) {
        base_r = MSR_BITMAP_READ_HIGH;
        base_w = MSR_BITMAP_WRITE_HIGH;
        msr -= 0xC0000000;
    }
    if (read)
        bm[base_r + msr / 8] &= (uint8_t)~(1u << (msr % 8));
    if (write)
        bm[base_w + msr / 8] &= (uint8_t)~(1u << (msr % 8));
}

static int setup_bitmaps(struct vm *vm)
{
    vm->io_bitmap_pa = frame_alloc_run(2, PAGE_SIZE);
    vm->msr_bitmap_pa = frame_alloc();
    if (!vm->io_bitmap_pa || !vm->msr_bitmap_pa)
        return -HV_ENOMEM;
    memset(phys_to_virt(vm->io_bitmap_pa), 0xFF, 2 * PAGE_SIZE);   /* every port exits */
    uint8_t *bm = phys_to_virt(vm->msr_bitmap_pa);
    memset(bm, 0xFF, PAGE_SIZE);
    /* Held in the VMCS guest-state area: */
    msr_passthrough(bm, MSR_IA32_FS_BASE, true, true);
    msr_passthrough(bm, MSR_IA32_GS_BASE, true, true);
    msr_passthrough(bm, MSR_IA32_SYSENTER_CS, true, true);
    msr_passthrough(bm, MSR_IA32_SYSENTER_ESP, true, true);
    msr_passthrough(bm, MSR_IA32_SYSENTER_EIP, true, true);
    /* Switched by vcpu.c when another guest runs: */
    msr_passthrough(bm, MSR_IA32_KERNEL_GS_BASE, true, true);
    msr_passthrough(bm, MSR_IA32_STAR, true, true);
    msr_passthrough(bm, MSR_IA32_LSTAR, true, true);
    msr_passthrough(bm, MSR_IA32_CSTAR, true, true);
    msr_passthrough(bm, MSR_IA32_FMASK, true, true);
    if (vmx_ctls.rdtscp)
        msr_passthrough(bm, MSR_IA32_TSC_AUX, true, true);
    /* Reading the TSC is harmless (RDTSC does not exit either). */
    msr_passthrough(bm, MSR_IA32_TIME_STAMP_COUNTER, true, false);
    return 0;
}

int vm_map_memory(struct vm *vm, gpa_t gpa, uint64_t size, char *err, size_t errlen)
{
    struct guest_mem *m = &vm->mem;
    uint64_t end = gpa + ALIGN_UP(size, PAGE_SIZE);
    if (gpa != (uint64_t)m->nchunks * GMEM_CHUNK_SIZE || size == 0 || end < gpa ||
        end > GMEM_MAX_SIZE) {
        fmt_snprintf(err, errlen, "RAM at %#llx, %llu bytes: not where the VM's RAM ends "
                     "(%#llx), or more than %llu MiB in all", (unsigned long long)gpa,
                     (unsigned long long)size,
                     (unsigned long long)m->nchunks * GMEM_CHUNK_SIZE,
                     (unsigned long long)(GMEM_MAX_SIZE >> 20));
        return -HV_EINVAL;
    }
    while ((uint64_t)m->nchunks * GMEM_CHUNK_SIZE < end) {
        hpa_t pa = frame_alloc_run(GMEM_CHUNK_SIZE / PAGE_SIZE, GMEM_CHUNK_SIZE);
        if (!pa)
            goto oom;
        unsigned i = m->nchunks++;
        m->chunk[i] = phys_to_virt(pa);
        memset(m->chunk[i], 0, GMEM_CHUNK_SIZE);     /* no data from earlier users leaks in */
    }
    /* The EPT gets the RAM at the guest's first touch of each chunk
     * (exit_ept.c, ept_map_guest_ram), as KVM fills its EPT from its
     * memory slots: here it is only allocated, with the table pages that
     * mapping will take, so that it cannot fail later because another VM
     * used up the host's memory. */
    for (unsigned n = ept_tables_bound(gpa, end - gpa); n; n--) {
        if (vm->ept_spare_n == VM_EPT_SPARE_MAX)
            goto oom;
        hpa_t pa = frame_alloc();
        if (!pa)
            goto oom;
        vm->ept_spare[vm->ept_spare_n++] = pa;
    }
    m->size = end;
    /* SDM Vol. 3C, "Invalidation of Cached EPT Information": nothing may be
     * cached for this EPTP from before (a first use, or new mappings). */
    invept(vmx_ctls.invept_all ? INVEPT_ALL_CONTEXT : INVEPT_SINGLE_CONTEXT, vm->eptp);
    return 0;
oom:
    fmt_snprintf(err, errlen, "not enough host memory for %llu MiB of guest RAM",
                 (unsigned long long)(size >> 20));
    return -HV_ENOMEM;
}

static uint64_t vm_pages(void)
{
    return ALIGN_UP(sizeof(struct vm), PAGE_SIZE) / PAGE_SIZE;
}

void vm_destroy(struct vm *vm)
{
    for (unsigned i = 0; i < vm->mem.nchunks; i++)
        if (vm->mem.chunk[i])
            frame_free(virt_to_phys(vm->mem.chunk[i]), GMEM_CHUNK_SIZE / PAGE_SIZE);
    if (vm->ept.pml4)
        ept_destroy(&vm->ept, ept_free_table);
    while (vm->ept_spare_n)
        frame_free(vm->ept_spare[--vm->ept_spare_n], 1);
    if (vm->io_bitmap_pa)
        frame_free(vm->io_bitmap_pa, 2);
    if (vm->msr_bitmap_pa)
        frame_free(vm->msr_bitmap_pa, 1);
    vcpu_free_state(&vm->vcpu);
    if (vm->vcpu.vmcs_pa)
        frame_free(vm->vcpu.vmcs_pa, 1);
    apicv_vcpu_free(&vm->vcpu);
    frame_free(virt_to_phys(vm), vm_pages());
}

struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen)
{
    hpa_t pa = frame_alloc_run(vm_pages(), PAGE_SIZE);
    if (!pa) {
        fmt_snprintf(err, errlen, "not enough host memory for the VM structure");
        return NULL;
    }
    struct vm *vm = phys_to_virt(pa);
    memset(vm, 0, sizeof(*vm));
    hv_strlcpy(vm->name, cfg->name, sizeof(vm->name));
    vm->index = cfg->index;
    vm->cr3_exiting = cfg->cr3_exiting;
    const struct ept_alloc a = { ept_alloc_table, ept_phys_to_virt, vm };
    if (ept_init(&vm->ept, &a) < 0 || setup_bitmaps(vm) < 0) {
        fmt_snprintf(err, errlen, "not enough host memory for the VM's control structures");
        vm_destroy(vm);
        return NULL;
    }
    vm->eptp = ept_eptp(&vm->ept);
    return vm;
}

struct vcpu *vcpu_create(struct vm *vm, unsigned id, char *err, size_t errlen)
{
    struct vcpu *v = &vm->vcpu;
    if (id != 0 || v->vmcs_pa) {
        fmt_snprintf(err, errlen, "vCPU %u: one vCPU per VM, number 0", id);
        return NULL;
    }
    v->vm = vm;
    v->id = id;
    v->vpid = (uint16_t)(vm->index + 1);             /* VPID 0 belongs to the host */
    if (vmx_ctls.vpid)
        invvpid(vmx_ctls.invvpid_all ? INVVPID_ALL_CONTEXT : INVVPID_SINGLE_CONTEXT, v->vpid);
    if (vcpu_init_state(v) < 0) {
        fmt_snprintf(err, errlen, "not enough host memory for the VM's control structures");
        return NULL;
    }
    if (vmcs_create(v) < 0) {
        fmt_snprintf(err, errlen, "could not create its VMCS");
        return NULL;
    }
    /* Before the board attaches the vLAPIC: apicv_update sees it disabled
     * now and takes it up before the first entry (vmx/vcpu.c). */
    if (apicv_vcpu_init(v) < 0) {
        fmt_snprintf(err, errlen, "not enough host memory for its virtual-APIC page");
        return NULL;
    }
    return v;
}
