/* APIC virtualization: see vmx/apicv.h. */
#include "vmx/apicv.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_insn.h"
#include "vmx/interrupts.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/string.h>

static enum apicv_mode mode = APICV_VID;
/* One APIC-access page serves every guest: the CPU never reads or writes
 * it, only compares addresses with it (SDM "Virtualizing Memory-Mapped APIC
 * Accesses"). */
static hpa_t access_page;

void apicv_configure(enum apicv_mode want)
{
    mode = want;
    if (!vmx_ctls.apicv)
        mode = APICV_OFF;
    else if (mode == APICV_VID && !vmx_ctls.apicv_vid)
        mode = APICV_REGS;
}

enum apicv_mode apicv_mode(void)
{
    return mode;
}

const char *apicv_describe(void)
{
    switch (mode) {
    case APICV_VID:
        return "APIC virtualization with virtual-interrupt delivery "
               "(reads, EOIs and TPR writes without exits)";
    case APICV_REGS:
        return "APIC-register virtualization (reads without exits, writes trap)";
    default:
        return vmx_ctls.apicv ? "xAPIC page trapped through EPT (apicv=off)"
                              : "xAPIC page trapped through EPT (no APIC virtualization)";
    }
}

static void invept_vm(struct vm *vm)
{
    invept(vmx_ctls.invept_all ? INVEPT_ALL_CONTEXT : INVEPT_SINGLE_CONTEXT, vm->eptp);
}

static void write_eoi_exit_bitmap(struct vcpu *v, const uint32_t *tmr, bool all)
{
    for (unsigned i = 0; i < 4; i++) {
        if (!all && tmr[2 * i] == v->eoi_exit[2 * i] && tmr[2 * i + 1] == v->eoi_exit[2 * i + 1])
            continue;
        v->eoi_exit[2 * i] = tmr[2 * i];
        v->eoi_exit[2 * i + 1] = tmr[2 * i + 1];
        vmwrite(VMCS_EOI_EXIT_BITMAP_0 + 2 * i, (uint64_t)tmr[2 * i + 1] << 32 | tmr[2 * i]);
    }
}

/* Map or unmap the xAPIC page and switch the controls that use it. */
static void set_active(struct vcpu *v, bool on)
{
    struct vm *vm = v->vm;
    uint32_t ctls = vmx_ctls.apicv_proc2 |
                    (mode == APICV_VID ? PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY : 0);
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
    proc2 = on ? proc2 | ctls : proc2 & ~(uint64_t)ctls;
    vmwrite(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, proc2);
    /* Without virtualized APIC accesses the threshold must not exceed
     * VTPR[7:4] (SDM "Checks on VMX Controls"): 0 is always fine. With
     * virtual-interrupt delivery it is not used. */
    vmwrite(VMCS_TPR_THRESHOLD, 0);
    v->tpr_threshold = 0;
    v->apicv_active = on;
    v->vid = on && mode == APICV_VID;
    if (v->vid)
        write_eoi_exit_bitmap(v, v->lapic.tmr, true);
    if (on)
        v->lapic.dirty |= VLAPIC_DIRTY_ALL;   /* the whole page, RVI and SVI */
}

int apicv_vcpu_init(struct vcpu *v)
{
    if (mode == APICV_OFF)
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
    v->apicv_active = v->vid = v->page_stale = false;
    apicv_update(v);
    return 0;
}

void apicv_vcpu_free(struct vcpu *v)
{
    if (v->vapic)
        frame_free(virt_to_phys(v->vapic), 1);
    v->vapic = NULL;
    v->apicv_active = v->vid = v->page_stale = false;
}

void apicv_update(struct vcpu *v)
{
    struct vlapic *l = &v->lapic;
    /* Stale: nobody used the model since the page was last given, so the
     * model has nothing new (every use takes the page first). */
    if (v->page_stale)
        return;
    v->work &= (uint8_t)~VCPU_WORK_APICV;
    bool want = vlapic_mode(l) == VLAPIC_MODE_XAPIC &&
                (vlapic_get_apic_base(l) & APIC_BASE_ADDR_MASK) == LAPIC_DEFAULT_BASE;
    if (want != v->apicv_active) {
        bool had_vid = v->vid;
        set_active(v, want);
        if (had_vid && !v->vid) {
            /* What waited in the page's IRR for the CPU to deliver is now
             * the hypervisor's to inject. */
            v->work |= VCPU_WORK_IRQ;
            vcpu_deliver_interrupts(v);
        }
    }
    if (!v->apicv_active)
        return;
    if (l->dirty) {
        vlapic_fill_page(l, v->vapic);
        if (v->vid) {
            /* The CPU keeps RVI/SVI in step with the page while the guest
             * runs; the model changed the page, so they are set anew. */
            vmwrite(VMCS_GUEST_INTERRUPT_STATUS, vlapic_intr_status(l));
            write_eoi_exit_bitmap(v, l->tmr, false);
        }
    }
    if (!v->vid) {
        unsigned thr = vlapic_tpr_threshold(l);
        if (thr != v->tpr_threshold) {
            vmwrite(VMCS_TPR_THRESHOLD, thr);
            v->tpr_threshold = (uint8_t)thr;
        }
    }
    v->page_stale = true;             /* the guest may change the page from now */
}
