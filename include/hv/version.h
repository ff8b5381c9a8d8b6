#ifndef HV_VERSION_H
#define HV_VERSION_H
#define HV_NAME    "minivisor"
#define HV_VERSION "0.1"
/* CPUID leaf 0x40000000 vendor signature: exactly 12 characters. */
#define HV_CPUID_SIGNATURE "MiniVisorVMM"
#endif
