/* APIC virtualization: see vmx/apicv.h. */
#include "vmx/apicv.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_insn.h"
#include "vmx/platform.h"
#include "mm/frames.h"
#include <hv/cmdline.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/string.h>

static bool enabled = true;
/* One APIC-access page serves every guest: the CPU never reads or writes
 * it, only compares addresses with it (SDM "Virtualizing Memory-Mapped APIC
 * Accesses"). */
static hpa_t access_page;

void apicv_configure(const char *cmdline)
{
    char v[8];
    if (cmdline_get(cmdline, "apicv", v, sizeof(v))) {
        if (!strcmp(v, "off"))
            enabled = false;
        else if (strcmp(v, "on"))
            pr_warn("apicv=%s: expected on or off; keeping it on\n", v);
    }
    enabled = enabled && vmx_ctls.apicv;
}

bool apicv_enabled(void)
{
    return enabled;
}

static void invept_vm(struct vm *vm)
{
    invept(vmx_ctls.invept_all ? INVEPT_ALL_CONTEXT : INVEPT_SINGLE_CONTEXT, vm->eptp);
}

/* Map or unmap the xAPIC page and switch the controls that use it. */
static void set_active(struct vcpu *v, bool on)
{
    struct vm *vm = v->vm;
    uint64_t proc2 = vmread(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL);
    int rc = on ? ept_map(&vm->ept, LAPIC_DEFAULT_BASE, access_page, PAGE_SIZE,
                          EPT_READ | EPT_WRITE)
                : ept_unmap(&vm->ept, LAPIC_DEFAULT_BASE, PAGE_SIZE);
    if (rc < 0) {
        /* Out of EPT table memory: stay as we are (both paths work). */
        pr_warn("guest %s: APIC virtualization %s failed (%d)\n", vm->name,
                on ? "on" : "off", rc);
        return;
    }
    invept_vm(vm);
    proc2 = on ? proc2 | vmx_ctls.apicv_proc2 : proc2 & ~(uint64_t)vmx_ctls.apicv_proc2;
    vmwrite(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, proc2);
    /* Without virtualized APIC accesses the threshold must not exceed
     * VTPR[7:4] (SDM "Checks on VMX Controls"): 0 is always fine. */
    vmwrite(VMCS_TPR_THRESHOLD, 0);
    v->tpr_threshold = 0;
    v->apicv_active = on;
    if (on)
        vm->lapic.dirty |= VLAPIC_DIRTY_ALL;
}

int apicv_vcpu_init(struct vcpu *v)
{
    if (!enabled)
        return 0;
    if (!access_page && !(access_page = frame_alloc()))
        return -HV_ENOMEM;
    hpa_t pa = frame_alloc();
    if (!pa)
        return -HV_ENOMEM;
    v->vapic = phys_to_virt(pa);
    memset(v->vapic, 0, PAGE_SIZE);
    vmwrite(VMCS_VIRTUAL_APIC_PAGE_ADDR, pa);
    vmwrite(VMCS_APIC_ACCESS_ADDR, access_page);
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
            vmread(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL) | vmx_ctls.apicv_proc);
    v->apicv_active = false;
    apicv_update(v);
    return 0;
}

void apicv_vcpu_free(struct vcpu *v)
{
    if (v->vapic)
        frame_free(virt_to_phys(v->vapic), 1);
    v->vapic = NULL;
}

void apicv_take_tpr(struct vcpu *v)
{
    v->vtpr_seen = v->vapic[LAPIC_REG_TPR / 4];
    platform_lapic_write(v->vm, LAPIC_REG_TPR, v->vtpr_seen & 0xFF);
}

void apicv_update(struct vcpu *v)
{
    struct vlapic *l = &v->vm->lapic;
    bool want = vlapic_mode(l) == VLAPIC_MODE_XAPIC &&
                (vlapic_get_apic_base(l) & APIC_BASE_ADDR_MASK) == LAPIC_DEFAULT_BASE;
    if (want != v->apicv_active)
        set_active(v, want);
    if (!v->apicv_active)
        return;
    apicv_pull_tpr(v);
    if (l->dirty) {
        vlapic_fill_page(l, v->vapic);
        v->vtpr_seen = v->vapic[LAPIC_REG_TPR / 4];
    }
    unsigned thr = vlapic_tpr_threshold(l);
    if (thr != v->tpr_threshold) {
        vmwrite(VMCS_TPR_THRESHOLD, thr);
        v->tpr_threshold = (uint8_t)thr;
    }
}
