/*
 * VMCS field encodings and VM-execution/exit/entry control bits, named
 * after the Intel SDM: Vol. 3D Appendix B "Field Encoding in VMCS", Vol. 3C
 * "VM-Execution Control Fields", "VM-Exit Control Fields", "VM-Entry
 * Control Fields". The basic exit reasons (Appendix C) are in
 * vmx/exit_reasons.h. Only vmx/ includes this file.
 */
#ifndef VMX_VMCS_FIELDS_H
#define VMX_VMCS_FIELDS_H

#include <hv/types.h>
#include "vmx/exit_reasons.h"

enum vmcs_field {
    /* 16-bit control fields */
    VMCS_VPID                          = 0x0000,
    VMCS_POSTED_INTR_NOTIFICATION_VECTOR = 0x0002,
    /* 16-bit guest-state fields */
    VMCS_GUEST_ES_SELECTOR             = 0x0800,
    VMCS_GUEST_CS_SELECTOR             = 0x0802,
    VMCS_GUEST_SS_SELECTOR             = 0x0804,
    VMCS_GUEST_DS_SELECTOR             = 0x0806,
    VMCS_GUEST_FS_SELECTOR             = 0x0808,
    VMCS_GUEST_GS_SELECTOR             = 0x080A,
    VMCS_GUEST_LDTR_SELECTOR           = 0x080C,
    VMCS_GUEST_TR_SELECTOR             = 0x080E,
    VMCS_GUEST_INTERRUPT_STATUS        = 0x0810,
    /* 16-bit host-state fields */
    VMCS_HOST_ES_SELECTOR              = 0x0C00,
    VMCS_HOST_CS_SELECTOR              = 0x0C02,
    VMCS_HOST_SS_SELECTOR              = 0x0C04,
    VMCS_HOST_DS_SELECTOR              = 0x0C06,
    VMCS_HOST_FS_SELECTOR              = 0x0C08,
    VMCS_HOST_GS_SELECTOR              = 0x0C0A,
    VMCS_HOST_TR_SELECTOR              = 0x0C0C,
    /* 64-bit control fields */
    VMCS_IO_BITMAP_A                   = 0x2000,
    VMCS_IO_BITMAP_B                   = 0x2002,
    VMCS_MSR_BITMAP                    = 0x2004,
    VMCS_VM_EXIT_MSR_STORE_ADDR        = 0x2006,
    VMCS_VM_EXIT_MSR_LOAD_ADDR         = 0x2008,
    VMCS_VM_ENTRY_MSR_LOAD_ADDR        = 0x200A,
    VMCS_TSC_OFFSET                    = 0x2010,
    VMCS_VIRTUAL_APIC_PAGE_ADDR        = 0x2012,
    VMCS_APIC_ACCESS_ADDR              = 0x2014,
    VMCS_EPT_POINTER                   = 0x201A,
    VMCS_EOI_EXIT_BITMAP_0             = 0x201C,   /* vectors 0-63; 1-3 follow, 2 apart */
    /* 64-bit read-only data field */
    VMCS_GUEST_PHYSICAL_ADDRESS        = 0x2400,
    /* 64-bit guest-state fields */
    VMCS_VMCS_LINK_POINTER             = 0x2800,
    VMCS_GUEST_IA32_DEBUGCTL           = 0x2802,
    VMCS_GUEST_IA32_PAT                = 0x2804,
    VMCS_GUEST_IA32_EFER               = 0x2806,
    VMCS_GUEST_PDPTE0                  = 0x280A,
    VMCS_GUEST_PDPTE1                  = 0x280C,
    VMCS_GUEST_PDPTE2                  = 0x280E,
    VMCS_GUEST_PDPTE3                  = 0x2810,
    /* 64-bit host-state fields */
    VMCS_HOST_IA32_PAT                 = 0x2C00,
    VMCS_HOST_IA32_EFER                = 0x2C02,
    /* 32-bit control fields */
    VMCS_PIN_BASED_VM_EXEC_CONTROL     = 0x4000,
    VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL = 0x4002,
    VMCS_EXCEPTION_BITMAP              = 0x4004,
    VMCS_PAGE_FAULT_ERROR_CODE_MASK    = 0x4006,
    VMCS_PAGE_FAULT_ERROR_CODE_MATCH   = 0x4008,
    VMCS_CR3_TARGET_COUNT              = 0x400A,
    VMCS_VM_EXIT_CONTROLS              = 0x400C,
    VMCS_VM_EXIT_MSR_STORE_COUNT       = 0x400E,
    VMCS_VM_EXIT_MSR_LOAD_COUNT        = 0x4010,
    VMCS_VM_ENTRY_CONTROLS             = 0x4012,
    VMCS_VM_ENTRY_MSR_LOAD_COUNT       = 0x4014,
    VMCS_VM_ENTRY_INTERRUPTION_INFO    = 0x4016,
    VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
    VMCS_VM_ENTRY_INSTRUCTION_LEN      = 0x401A,
    VMCS_TPR_THRESHOLD                 = 0x401C,
    VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL = 0x401E,
    /* 32-bit read-only data fields */
    VMCS_VM_INSTRUCTION_ERROR          = 0x4400,
    VMCS_EXIT_REASON                   = 0x4402,
    VMCS_VM_EXIT_INTERRUPTION_INFO     = 0x4404,
    VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE = 0x4406,
    VMCS_IDT_VECTORING_INFO            = 0x4408,
    VMCS_IDT_VECTORING_ERROR_CODE      = 0x440A,
    VMCS_VM_EXIT_INSTRUCTION_LEN       = 0x440C,
    VMCS_VM_EXIT_INSTRUCTION_INFO      = 0x440E,
    /* 32-bit guest-state fields */
    VMCS_GUEST_ES_LIMIT                = 0x4800,
    VMCS_GUEST_CS_LIMIT                = 0x4802,
    VMCS_GUEST_SS_LIMIT                = 0x4804,
    VMCS_GUEST_DS_LIMIT                = 0x4806,
    VMCS_GUEST_FS_LIMIT                = 0x4808,
    VMCS_GUEST_GS_LIMIT                = 0x480A,
    VMCS_GUEST_LDTR_LIMIT              = 0x480C,
    VMCS_GUEST_TR_LIMIT                = 0x480E,
    VMCS_GUEST_GDTR_LIMIT              = 0x4810,
    VMCS_GUEST_IDTR_LIMIT              = 0x4812,
    VMCS_GUEST_ES_ACCESS_RIGHTS        = 0x4814,
    VMCS_GUEST_CS_ACCESS_RIGHTS        = 0x4816,
    VMCS_GUEST_SS_ACCESS_RIGHTS        = 0x4818,
    VMCS_GUEST_DS_ACCESS_RIGHTS        = 0x481A,
    VMCS_GUEST_FS_ACCESS_RIGHTS        = 0x481C,
    VMCS_GUEST_GS_ACCESS_RIGHTS        = 0x481E,
    VMCS_GUEST_LDTR_ACCESS_RIGHTS      = 0x4820,
    VMCS_GUEST_TR_ACCESS_RIGHTS        = 0x4822,
    VMCS_GUEST_INTERRUPTIBILITY_STATE  = 0x4824,
    VMCS_GUEST_ACTIVITY_STATE          = 0x4826,
    VMCS_GUEST_SMBASE                  = 0x4828,
    VMCS_GUEST_IA32_SYSENTER_CS        = 0x482A,
    VMCS_VMX_PREEMPTION_TIMER_VALUE    = 0x482E,
    /* 32-bit host-state field */
    VMCS_HOST_IA32_SYSENTER_CS         = 0x4C00,
    /* natural-width control fields */
    VMCS_CR0_GUEST_HOST_MASK           = 0x6000,
    VMCS_CR4_GUEST_HOST_MASK           = 0x6002,
    VMCS_CR0_READ_SHADOW               = 0x6004,
    VMCS_CR4_READ_SHADOW               = 0x6006,
    VMCS_CR3_TARGET_VALUE0             = 0x6008,
    /* natural-width read-only data fields */
    VMCS_EXIT_QUALIFICATION            = 0x6400,
    VMCS_GUEST_LINEAR_ADDRESS          = 0x640A,
    /* natural-width guest-state fields */
    VMCS_GUEST_CR0                     = 0x6800,
    VMCS_GUEST_CR3                     = 0x6802,
    VMCS_GUEST_CR4                     = 0x6804,
    VMCS_GUEST_ES_BASE                 = 0x6806,
    VMCS_GUEST_CS_BASE                 = 0x6808,
    VMCS_GUEST_SS_BASE                 = 0x680A,
    VMCS_GUEST_DS_BASE                 = 0x680C,
    VMCS_GUEST_FS_BASE                 = 0x680E,
    VMCS_GUEST_GS_BASE                 = 0x6810,
    VMCS_GUEST_LDTR_BASE               = 0x6812,
    VMCS_GUEST_TR_BASE                 = 0x6814,
    VMCS_GUEST_GDTR_BASE               = 0x6816,
    VMCS_GUEST_IDTR_BASE               = 0x6818,
    VMCS_GUEST_DR7                     = 0x681A,
    VMCS_GUEST_RSP                     = 0x681C,
    VMCS_GUEST_RIP                     = 0x681E,
    VMCS_GUEST_RFLAGS                  = 0x6820,
    VMCS_GUEST_PENDING_DBG_EXCEPTIONS  = 0x6822,
    VMCS_GUEST_IA32_SYSENTER_ESP       = 0x6824,
    VMCS_GUEST_IA32_SYSENTER_EIP       = 0x6826,
    /* natural-width host-state fields */
    VMCS_HOST_CR0                      = 0x6C00,
    VMCS_HOST_CR3                      = 0x6C02,
    VMCS_HOST_CR4                      = 0x6C04,
    VMCS_HOST_FS_BASE                  = 0x6C06,
    VMCS_HOST_GS_BASE                  = 0x6C08,
    VMCS_HOST_TR_BASE                  = 0x6C0A,
    VMCS_HOST_GDTR_BASE                = 0x6C0C,
    VMCS_HOST_IDTR_BASE                = 0x6C0E,
    VMCS_HOST_IA32_SYSENTER_ESP        = 0x6C10,
    VMCS_HOST_IA32_SYSENTER_EIP        = 0x6C12,
    VMCS_HOST_RSP                      = 0x6C14,
    VMCS_HOST_RIP                      = 0x6C16,
};

/* Encoding bits 14:13 give the width (SDM Vol. 3D, "Field Encoding in VMCS"). */
#define VMCS_FIELD_WIDTH(f)  (((f) >> 13) & 3)
#define VMCS_WIDTH_16   0
#define VMCS_WIDTH_64   1
#define VMCS_WIDTH_32   2
#define VMCS_WIDTH_NAT  3

/* Pin-based VM-execution controls */
#define PIN_CTL_EXTERNAL_INTERRUPT_EXITING  BIT(0)
#define PIN_CTL_NMI_EXITING                 BIT(3)
#define PIN_CTL_VIRTUAL_NMIS                BIT(5)
#define PIN_CTL_ACTIVATE_PREEMPTION_TIMER   BIT(6)
#define PIN_CTL_PROCESS_POSTED_INTERRUPTS   BIT(7)

/* Primary processor-based VM-execution controls */
#define PROC_CTL_INTERRUPT_WINDOW_EXITING   BIT(2)
#define PROC_CTL_USE_TSC_OFFSETTING         BIT(3)
#define PROC_CTL_HLT_EXITING                BIT(7)
#define PROC_CTL_INVLPG_EXITING             BIT(9)
#define PROC_CTL_MWAIT_EXITING              BIT(10)
#define PROC_CTL_RDPMC_EXITING              BIT(11)
#define PROC_CTL_RDTSC_EXITING              BIT(12)
#define PROC_CTL_CR3_LOAD_EXITING           BIT(15)
#define PROC_CTL_CR3_STORE_EXITING          BIT(16)
#define PROC_CTL_CR8_LOAD_EXITING           BIT(19)
#define PROC_CTL_CR8_STORE_EXITING          BIT(20)
#define PROC_CTL_USE_TPR_SHADOW             BIT(21)
#define PROC_CTL_NMI_WINDOW_EXITING         BIT(22)
#define PROC_CTL_MOV_DR_EXITING             BIT(23)
#define PROC_CTL_UNCONDITIONAL_IO_EXITING   BIT(24)
#define PROC_CTL_USE_IO_BITMAPS             BIT(25)
#define PROC_CTL_MONITOR_TRAP_FLAG          BIT(27)
#define PROC_CTL_USE_MSR_BITMAPS            BIT(28)
#define PROC_CTL_MONITOR_EXITING            BIT(29)
#define PROC_CTL_PAUSE_EXITING              BIT(30)
#define PROC_CTL_ACTIVATE_SECONDARY_CONTROLS BIT(31)

/* Secondary processor-based VM-execution controls */
#define PROC2_CTL_VIRTUALIZE_APIC_ACCESSES  BIT(0)
#define PROC2_CTL_ENABLE_EPT                BIT(1)
#define PROC2_CTL_DESCRIPTOR_TABLE_EXITING  BIT(2)
#define PROC2_CTL_ENABLE_RDTSCP             BIT(3)
#define PROC2_CTL_VIRTUALIZE_X2APIC_MODE    BIT(4)
#define PROC2_CTL_ENABLE_VPID               BIT(5)
#define PROC2_CTL_WBINVD_EXITING            BIT(6)
#define PROC2_CTL_UNRESTRICTED_GUEST        BIT(7)
#define PROC2_CTL_APIC_REGISTER_VIRTUALIZATION BIT(8)
#define PROC2_CTL_VIRTUAL_INTERRUPT_DELIVERY BIT(9)
#define PROC2_CTL_PAUSE_LOOP_EXITING        BIT(10)
#define PROC2_CTL_RDRAND_EXITING            BIT(11)
#define PROC2_CTL_ENABLE_INVPCID            BIT(12)
#define PROC2_CTL_ENABLE_VM_FUNCTIONS       BIT(13)
#define PROC2_CTL_VMCS_SHADOWING            BIT(14)
#define PROC2_CTL_RDSEED_EXITING            BIT(16)
#define PROC2_CTL_EPT_VIOLATION_VE          BIT(18)
#define PROC2_CTL_ENABLE_XSAVES_XRSTORS     BIT(20)

/* VM-exit controls */
#define EXIT_CTL_SAVE_DEBUG_CONTROLS        BIT(2)
#define EXIT_CTL_HOST_ADDRESS_SPACE_SIZE    BIT(9)
#define EXIT_CTL_LOAD_IA32_PERF_GLOBAL_CTRL BIT(12)
#define EXIT_CTL_ACK_INTERRUPT_ON_EXIT      BIT(15)
#define EXIT_CTL_SAVE_IA32_PAT              BIT(18)
#define EXIT_CTL_LOAD_IA32_PAT              BIT(19)
#define EXIT_CTL_SAVE_IA32_EFER             BIT(20)
#define EXIT_CTL_LOAD_IA32_EFER             BIT(21)
#define EXIT_CTL_SAVE_PREEMPTION_TIMER      BIT(22)

/* VM-entry controls */
#define ENTRY_CTL_LOAD_DEBUG_CONTROLS       BIT(2)
#define ENTRY_CTL_IA32E_MODE_GUEST          BIT(9)
#define ENTRY_CTL_ENTRY_TO_SMM              BIT(10)
#define ENTRY_CTL_LOAD_IA32_PERF_GLOBAL_CTRL BIT(13)
#define ENTRY_CTL_LOAD_IA32_PAT             BIT(14)
#define ENTRY_CTL_LOAD_IA32_EFER            BIT(15)

/* VM-entry interruption-information field (SDM Vol. 3C, "VM-Entry Controls
 * for Event Injection"); the exit and IDT-vectoring fields share the layout. */
#define INTR_INFO_VECTOR_MASK        0xFFu
#define INTR_INFO_TYPE_SHIFT         8
#define INTR_TYPE_EXTERNAL           (0u << 8)
#define INTR_TYPE_NMI                (2u << 8)
#define INTR_TYPE_HARD_EXCEPTION     (3u << 8)
#define INTR_TYPE_SOFT_INTERRUPT     (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION  (5u << 8)
#define INTR_TYPE_SOFT_EXCEPTION     (6u << 8)
#define INTR_TYPE_MASK               (7u << 8)
#define INTR_INFO_DELIVER_ERROR_CODE BIT(11)
#define INTR_INFO_NMI_UNBLOCKING     BIT(12)   /* exit info: NMI unblocking due to IRET */
#define INTR_INFO_VALID              BIT(31)

/* Exit qualification of EPT violations, bit 12 (SDM Vol. 3C, "Exit
 * Qualification for EPT Violations"): NMI unblocking due to IRET. */
#define EPT_QUAL_NMI_UNBLOCKING      BIT(12)

/* Guest interruptibility state (SDM Vol. 3C, "Guest Non-Register State") */
#define INTERRUPTIBILITY_STI         BIT(0)
#define INTERRUPTIBILITY_MOV_SS      BIT(1)
#define INTERRUPTIBILITY_SMI         BIT(2)
#define INTERRUPTIBILITY_NMI         BIT(3)

/* Guest activity state */
#define ACTIVITY_ACTIVE    0
#define ACTIVITY_HLT       1
#define ACTIVITY_SHUTDOWN  2
#define ACTIVITY_WAIT_SIPI 3

/* Basic exit reasons: vmx/exit_reasons.h (the one list; names generated from it). */

#define EXIT_REASON_BASIC_MASK        0xFFFFu
#define EXIT_REASON_FAILED_VMENTRY    BIT(31)

#endif
