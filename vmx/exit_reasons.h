/*
 * VMX basic exit reasons: the architectural numbers (SDM Vol. 3D, Appendix C
 * "VMX Basic Exit Reasons"), as one list from which the enum, the count and
 * the names (vmx/exit_reasons.c) are generated. Numbers only, no VMCS: code
 * outside vmx/ may include it (vmm/vm.h sizes its exit statistics by it).
 *
 * X(NAME, number): NAME is also what the summary and the monitor print.
 * Numbers the SDM leaves unused (35, 38, 42) are not listed.
 */
#ifndef VMX_EXIT_REASONS_H
#define VMX_EXIT_REASONS_H

#define VMX_EXIT_REASONS(X)          \
    X(EXCEPTION_NMI,        0)       \
    X(EXTERNAL_INTERRUPT,   1)       \
    X(TRIPLE_FAULT,         2)       \
    X(INIT_SIGNAL,          3)       \
    X(SIPI,                 4)       \
    X(IO_SMI,               5)       \
    X(OTHER_SMI,            6)       \
    X(INTERRUPT_WINDOW,     7)       \
    X(NMI_WINDOW,           8)       \
    X(TASK_SWITCH,          9)       \
    X(CPUID,                10)      \
    X(GETSEC,               11)      \
    X(HLT,                  12)      \
    X(INVD,                 13)      \
    X(INVLPG,               14)      \
    X(RDPMC,                15)      \
    X(RDTSC,                16)      \
    X(RSM,                  17)      \
    X(VMCALL,               18)      \
    X(VMCLEAR,              19)      \
    X(VMLAUNCH,             20)      \
    X(VMPTRLD,              21)      \
    X(VMPTRST,              22)      \
    X(VMREAD,               23)      \
    X(VMRESUME,             24)      \
    X(VMWRITE,              25)      \
    X(VMXOFF,               26)      \
    X(VMXON,                27)      \
    X(CR_ACCESS,            28)      \
    X(DR_ACCESS,            29)      \
    X(IO_INSTRUCTION,       30)      \
    X(RDMSR,                31)      \
    X(WRMSR,                32)      \
    X(INVALID_GUEST_STATE,  33)      \
    X(MSR_LOADING,          34)      \
    X(MWAIT,                36)      \
    X(MONITOR_TRAP_FLAG,    37)      \
    X(MONITOR,              39)      \
    X(PAUSE,                40)      \
    X(MACHINE_CHECK,        41)      \
    X(TPR_BELOW_THRESHOLD,  43)      \
    X(APIC_ACCESS,          44)      \
    X(VIRTUALIZED_EOI,      45)      \
    X(GDTR_IDTR,            46)      \
    X(LDTR_TR,              47)      \
    X(EPT_VIOLATION,        48)      \
    X(EPT_MISCONFIG,        49)      \
    X(INVEPT,               50)      \
    X(RDTSCP,               51)      \
    X(PREEMPTION_TIMER,     52)      \
    X(INVVPID,              53)      \
    X(WBINVD,               54)      \
    X(XSETBV,               55)      \
    X(APIC_WRITE,           56)      \
    X(RDRAND,               57)      \
    X(INVPCID,              58)      \
    X(VMFUNC,               59)      \
    X(ENCLS,                60)      \
    X(RDSEED,               61)      \
    X(PML_FULL,             62)      \
    X(XSAVES,               63)      \
    X(XRSTORS,              64)

/* The size of a union of char[n + 1] for every listed n is the highest
 * number + 1, whatever the list's order. */
#define VMX_EXIT_REASON_SPAN_(name, nr) char name[(nr) + 1];
union vmx_exit_reason_span_ {
    VMX_EXIT_REASONS(VMX_EXIT_REASON_SPAN_)
};
#undef VMX_EXIT_REASON_SPAN_

#define VMX_EXIT_REASON_ENUM_(name, nr) EXIT_REASON_##name = (nr),
enum exit_reason {
    VMX_EXIT_REASONS(VMX_EXIT_REASON_ENUM_)
    /* Table size: one slot per number from 0 to the highest listed. */
    EXIT_REASON_MAX = sizeof(union vmx_exit_reason_span_),
};
#undef VMX_EXIT_REASON_ENUM_

/* The name of a basic exit reason ("HLT", "EPT_VIOLATION"), "unknown" for
 * a number not in the list (vmx/exit_reasons.c). */
const char *exit_reason_name(unsigned basic_reason);

#endif
