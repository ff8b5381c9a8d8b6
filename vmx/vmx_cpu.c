/*
 * Entering VMX operation (SDM Vol. 3C, "Enabling and Entering VMX
 * Operation" and "VMXON"): CR0 and CR4 must satisfy IA32_VMX_CR{0,4}_FIXED{0,1},
 * CR4.VMXE set, and VMXON gets a 4 KiB region that begins with the VMCS
 * revision identifier. IA32_FEATURE_CONTROL was handled by the probe.
 */
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_insn.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/log.h>
#include "hv/lab.h"

static struct vmx_caps cpu_caps;

const struct vmx_caps *vmx_cpu_caps(void) { return &cpu_caps; }

int vmx_cpu_enable(const struct vmx_caps *caps)
{
    cpu_caps = *caps;
    /* LAB 2 BEGIN vmx_cpu_enable: apply the CR0/CR4 fixed bits with CR4.VMXE, give VMXON a 4 KiB region starting with the VMCS revision identifier, execute VMXON */

    uint64_t cr0 = read_cr0();
    uint64_t cr4 = read_cr4() | CR4_VMXE;
    uint64_t want0 = vmx_fixed_bits(cr0, caps->cr0_fixed0, caps->cr0_fixed1);
    uint64_t want4 = vmx_fixed_bits(cr4, caps->cr4_fixed0, caps->cr4_fixed1);
    if (!(want4 & CR4_VMXE)) {
        pr_err("VT-x not available: IA32_VMX_CR4_FIXED1 does not allow CR4.VMXE\n");
        return -HV_ENODEV;
    }
    write_cr0(want0);
    write_cr4(want4);

    hpa_t region = frame_alloc();
    if (!region)
        return -HV_ENOMEM;
    *(uint32_t *)phys_to_virt(region) = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);

    enum vmx_status st = vmxon(region);
    if (st != VMX_OK) {
        pr_err("VMXON failed (%s)\n", st == VMX_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid");
        frame_free(region, 1);
        return -HV_EIO;
    }
    pr_info("VMX on: VMXON region at %#llx, CR0 %#llx CR4 %#llx\n",
            (unsigned long long)region, (unsigned long long)want0, (unsigned long long)want4);
    return 0;
    /* LAB 2 END */
}

const char *vmx_instruction_error_name(uint32_t err)
{
    static const char *const names[] = {
        [1]  = "VMCALL executed in VMX root operation",
        [2]  = "VMCLEAR with invalid physical address",
        [3]  = "VMCLEAR with VMXON pointer",
        [4]  = "VMLAUNCH with non-clear VMCS",
        [5]  = "VMRESUME with non-launched VMCS",
        [6]  = "VMRESUME after VMXOFF",
        [7]  = "VM entry with invalid control field(s)",
        [8]  = "VM entry with invalid host-state field(s)",
        [9]  = "VMPTRLD with invalid physical address",
        [10] = "VMPTRLD with VMXON pointer",
        [11] = "VMPTRLD with incorrect VMCS revision identifier",
        [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
        [13] = "VMWRITE to read-only VMCS component",
        [15] = "VMXON executed in VMX root operation",
        [16] = "VM entry with invalid executive-VMCS pointer",
        [17] = "VM entry with non-launched executive VMCS",
        [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
        [19] = "VMCALL with non-clear VMCS",
        [20] = "VMCALL with invalid VM-exit control fields",
        [22] = "VMCALL with incorrect MSEG revision identifier",
        [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
        [24] = "VMCALL with invalid SMM-monitor features",
        [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
        [26] = "VM entry with events blocked by MOV SS",
        [28] = "Invalid operand to INVEPT/INVVPID",
    };
    if (err < ARRAY_SIZE(names) && names[err])
        return names[err];
    return "unknown VM-instruction error";
}
