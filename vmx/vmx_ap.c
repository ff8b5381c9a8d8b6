/*
 * VMX operation on an application processor (boot/smp.c calls this on the
 * AP itself): the same checks and steps as on the boot CPU (SDM Vol. 3C,
 * "Discovering Support for VMX", "Enabling and Entering VMX Operation"),
 * quietly, plus one more: the AP's capability MSRs must equal the boot
 * CPU's, since every VMCS is built from the boot CPU's snapshot. Each CPU
 * has its own IA32_FEATURE_CONTROL, CR0/CR4 and VMXON region.
 */
#include "vmx/vmx_ap.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_probe.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/format.h>
#include "hv/lab.h"

int vmx_ap_enable(const struct vmx_caps *bsp, hpa_t *region_out, char *why, size_t len)
{
    struct cpuid_regs v = cpuid(0, 0);
    char vendor[13];
    *(uint32_t *)&vendor[0] = v.ebx;
    *(uint32_t *)&vendor[4] = v.edx;
    *(uint32_t *)&vendor[8] = v.ecx;
    vendor[12] = '\0';
    uint32_t ecx = cpuid(1, 0).ecx;
    uint64_t fc = (ecx & BIT(5)) ? rdmsr(MSR_IA32_FEATURE_CONTROL) : 0;   /* CPUID.1:ECX.VMX */
    bool must_lock;
    char buf[320];
    const char *no = vmx_probe_refusal(vendor, ecx, fc, &must_lock, buf, sizeof(buf));
    if (no) {
        fmt_snprintf(why, len, "%s", no);
        return -HV_ENODEV;
    }
    if (must_lock)
        wrmsr(MSR_IA32_FEATURE_CONTROL,
              fc | IA32_FEATURE_CONTROL_LOCK | IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX);

    struct vmx_caps mine;
    vmx_read_caps(&mine);
    uint64_t a, b;
    const char *msr = vmx_caps_differ(bsp, &mine, &a, &b);
    if (msr) {
        fmt_snprintf(why, len, "VMX capabilities differ from the boot CPU's (%s %#llx here, "
                     "%#llx there)", msr, (unsigned long long)b, (unsigned long long)a);
        return -HV_ENODEV;
    }

    /* LAB 2 BEGIN vmx_ap_enable: as vmx_cpu_enable, on this AP: the CR0/CR4 fixed bits with CR4.VMXE, a VMXON region starting with the revision identifier, VMXON; the region to *region_out, a reason in why on failure */
    uint64_t cr4 = read_cr4() | CR4_VMXE;
    uint64_t want0 = vmx_fixed_bits(read_cr0(), bsp->cr0_fixed0, bsp->cr0_fixed1);
    uint64_t want4 = vmx_fixed_bits(cr4, bsp->cr4_fixed0, bsp->cr4_fixed1);
    write_cr0(want0);
    write_cr4(want4);
    hpa_t region = frame_alloc();
    if (!region) {
        fmt_snprintf(why, len, "no memory for its VMXON region");
        return -HV_ENOMEM;
    }
    *(uint32_t *)phys_to_virt(region) = (uint32_t)(bsp->basic & VMX_BASIC_REVISION_MASK);
    enum vmx_status st = vmxon(region);
    if (st != VMX_OK) {
        frame_free(region, 1);
        fmt_snprintf(why, len, "VMXON failed (%s)",
                     st == VMX_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid");
        return -HV_EIO;
    }
    *region_out = region;
    return 0;
    /* LAB 2 END */
}
