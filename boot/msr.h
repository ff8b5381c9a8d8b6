/* Model-specific registers, named as in the Intel SDM Vol. 4, "Model-Specific Registers". */
#ifndef BOOT_MSR_H
#define BOOT_MSR_H

#define MSR_IA32_TIME_STAMP_COUNTER  0x010
#define MSR_IA32_PLATFORM_ID         0x017
#define MSR_IA32_APIC_BASE           0x1B
#define MSR_IA32_FEATURE_CONTROL     0x03A
#define   IA32_FEATURE_CONTROL_LOCK              (1ULL << 0)
#define   IA32_FEATURE_CONTROL_VMX_INSIDE_SMX    (1ULL << 1)
#define   IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX   (1ULL << 2)
#define MSR_IA32_TSC_ADJUST          0x03B
#define MSR_IA32_SPEC_CTRL           0x048
#define MSR_IA32_PRED_CMD            0x049
#define MSR_IA32_BIOS_SIGN_ID        0x08B
#define MSR_IA32_MTRRCAP             0x0FE
#define MSR_IA32_ARCH_CAPABILITIES   0x10A
#define MSR_IA32_SYSENTER_CS         0x174
#define MSR_IA32_SYSENTER_ESP        0x175
#define MSR_IA32_SYSENTER_EIP        0x176
#define MSR_IA32_MCG_CAP             0x179
#define MSR_IA32_MCG_STATUS          0x17A
#define MSR_IA32_MISC_ENABLE         0x1A0
#define MSR_IA32_MTRR_PHYSBASE0      0x200
#define MSR_IA32_MTRR_PHYSMASK9      0x213
#define MSR_IA32_MTRR_FIX64K_00000   0x250
#define MSR_IA32_MTRR_FIX16K_80000   0x258
#define MSR_IA32_MTRR_FIX16K_A0000   0x259
#define MSR_IA32_MTRR_FIX4K_C0000    0x268
#define MSR_IA32_MTRR_FIX4K_F8000    0x26F
#define MSR_IA32_PAT                 0x277
#define MSR_IA32_MTRR_DEF_TYPE       0x2FF
#define MSR_IA32_VMX_BASIC           0x480
#define MSR_IA32_VMX_PINBASED_CTLS   0x481
#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_EXIT_CTLS       0x483
#define MSR_IA32_VMX_ENTRY_CTLS      0x484
#define MSR_IA32_VMX_MISC            0x485
#define MSR_IA32_VMX_CR0_FIXED0      0x486
#define MSR_IA32_VMX_CR0_FIXED1      0x487
#define MSR_IA32_VMX_CR4_FIXED0      0x488
#define MSR_IA32_VMX_CR4_FIXED1      0x489
#define MSR_IA32_VMX_VMCS_ENUM       0x48A
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP    0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x490
#define MSR_IA32_VMX_VMFUNC          0x491
#define MSR_IA32_TSC_DEADLINE        0x6E0
#define MSR_IA32_X2APIC_BASE_FIRST   0x800
#define MSR_IA32_X2APIC_BASE_LAST    0x8FF
#define MSR_IA32_EFER                0xC0000080
#define   IA32_EFER_SCE   (1ULL << 0)
#define   IA32_EFER_LME   (1ULL << 8)
#define   IA32_EFER_LMA   (1ULL << 10)
#define   IA32_EFER_NXE   (1ULL << 11)
#define MSR_IA32_STAR                0xC0000081
#define MSR_IA32_LSTAR               0xC0000082
#define MSR_IA32_CSTAR               0xC0000083
#define MSR_IA32_FMASK               0xC0000084
#define MSR_IA32_FS_BASE             0xC0000100
#define MSR_IA32_GS_BASE             0xC0000101
#define MSR_IA32_KERNEL_GS_BASE      0xC0000102
#define MSR_IA32_TSC_AUX             0xC0000103

/* Control-register bits, SDM Vol. 3A, "Control Registers". */
#define CR0_PE  (1ULL << 0)
#define CR0_MP  (1ULL << 1)
#define CR0_EM  (1ULL << 2)
#define CR0_TS  (1ULL << 3)
#define CR0_ET  (1ULL << 4)
#define CR0_NE  (1ULL << 5)
#define CR0_WP  (1ULL << 16)
#define CR0_AM  (1ULL << 18)
#define CR0_NW  (1ULL << 29)
#define CR0_CD  (1ULL << 30)
#define CR0_PG  (1ULL << 31)

#define CR4_VME        (1ULL << 0)
#define CR4_PVI        (1ULL << 1)
#define CR4_TSD        (1ULL << 2)
#define CR4_DE         (1ULL << 3)
#define CR4_PSE        (1ULL << 4)
#define CR4_PAE        (1ULL << 5)
#define CR4_MCE        (1ULL << 6)
#define CR4_PGE        (1ULL << 7)
#define CR4_PCE        (1ULL << 8)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_UMIP       (1ULL << 11)
#define CR4_LA57       (1ULL << 12)
#define CR4_VMXE       (1ULL << 13)
#define CR4_SMXE       (1ULL << 14)
#define CR4_FSGSBASE   (1ULL << 16)
#define CR4_PCIDE      (1ULL << 17)
#define CR4_OSXSAVE    (1ULL << 18)
#define CR4_SMEP       (1ULL << 20)
#define CR4_SMAP       (1ULL << 21)
#define CR4_PKE        (1ULL << 22)
#define CR4_CET        (1ULL << 23)
#define CR4_LAM_SUP    (1ULL << 28)

#define RFLAGS_CF  (1ULL << 0)
#define RFLAGS_FIXED (1ULL << 1)
#define RFLAGS_PF  (1ULL << 2)
#define RFLAGS_AF  (1ULL << 4)
#define RFLAGS_ZF  (1ULL << 6)
#define RFLAGS_SF  (1ULL << 7)
#define RFLAGS_TF  (1ULL << 8)
#define RFLAGS_IF  (1ULL << 9)
#define RFLAGS_DF  (1ULL << 10)
#define RFLAGS_OF  (1ULL << 11)
#define RFLAGS_RF  (1ULL << 16)
#define RFLAGS_VM  (1ULL << 17)

#endif
