/*
 * x86 helpers for the test guests: port I/O, MMIO, CPUID, MSRs, the TSC, control
 * and debug registers, XCR0 and the VMCALL hypercall. Each is a one-instruction inline asm
 * wrapper, so a test knows exactly which instruction it executes.
 */
#ifndef GUEST_LIB_X86_H
#define GUEST_LIB_X86_H

#include <stdint.h>

/* ---- port I/O ---- */

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- memory-mapped I/O: one 32-bit MOV ---- */

static inline uint32_t mmio_read32(uint32_t addr)
{
    uint32_t v;
    __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*(volatile uint32_t *)(uintptr_t)addr));
    return v;
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
    __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)(uintptr_t)addr)
                     : "r"(v) : "memory");
}

/* ---- CPUID ---- */

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

/* ---- MSRs and the time-stamp counter ---- */

#define MSR_IA32_TSC          0x00000010u
#define MSR_IA32_APIC_BASE    0x0000001Bu
#define MSR_IA32_SYSENTER_CS  0x00000174u
#define MSR_IA32_SYSENTER_ESP 0x00000175u
#define MSR_IA32_SYSENTER_EIP 0x00000176u
#define MSR_IA32_EFER         0xC0000080u
#define MSR_IA32_STAR         0xC0000081u
#define MSR_IA32_LSTAR        0xC0000082u
#define MSR_IA32_CSTAR        0xC0000083u
#define MSR_IA32_FMASK        0xC0000084u
#define MSR_IA32_KERNEL_GS_BASE 0xC0000102u
#define MSR_IA32_TSC_AUX      0xC0000103u

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* RDTSCP: the TSC, and IA32_TSC_AUX in *aux. */
static inline uint64_t rdtscp(uint32_t *aux)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
    return (uint64_t)hi << 32 | lo;
}

/* ---- control registers ---- */

#define CR0_PE   (1u << 0)     /* protected mode */
#define CR0_ET   (1u << 4)     /* extension type (always 1 on modern CPUs) */
#define CR0_NE   (1u << 5)     /* native x87 error reporting */
#define CR0_PG   (1u << 31)    /* paging */

#define CR4_PSE  (1u << 4)     /* 4 MiB pages in 32-bit paging */
#define CR4_OSFXSR     (1u << 9)    /* FXSAVE/FXRSTOR and SSE enabled */
#define CR4_OSXMMEXCPT (1u << 10)   /* unmasked SIMD exceptions as #XM */
#define CR4_VMXE (1u << 13)    /* VMX enable */
#define CR4_OSXSAVE    (1u << 18)   /* XSAVE, XGETBV/XSETBV enabled */

static inline uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline void write_cr0(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void write_cr3(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void write_cr4(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline void write_cr2(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr2" : : "r"(v));
}

/* ---- debug registers: read_dr0() ... write_dr7(v) ---- */

#define DEFINE_DR(n)                                                        \
    static inline uint32_t read_dr##n(void)                                 \
    {                                                                       \
        uint32_t v;                                                         \
        __asm__ volatile("mov %%db" #n ", %0" : "=r"(v));                   \
        return v;                                                           \
    }                                                                       \
    static inline void write_dr##n(uint32_t v)                              \
    {                                                                       \
        __asm__ volatile("mov %0, %%db" #n : : "r"(v));                     \
    }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(6)
DEFINE_DR(7)
#undef DEFINE_DR

/* ---- XCR0 (needs CR4.OSXSAVE) ---- */

static inline uint64_t xgetbv(uint32_t xcr)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
    return (uint64_t)hi << 32 | lo;
}

static inline void xsetbv(uint32_t xcr, uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                     : "memory");
}

/* ---- EFLAGS ---- */

#define EFLAGS_CF  (1u << 0)
#define EFLAGS_ZF  (1u << 6)
#define EFLAGS_SF  (1u << 7)
#define EFLAGS_OF  (1u << 11)
#define EFLAGS_ARITH (EFLAGS_CF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)

/* ---- hypercalls (the minivisor guest ABI) ---- */

#define HC_CONSOLE_WRITE  1u   /* EBX = gpa of text, ECX = length (<= 4096) */
#define HC_EXIT           2u   /* EBX = exit status */

/* VMCALL (0F 01 C1): EAX = function, EBX and ECX = arguments; the result
 * comes back in EAX (0 = ok, negative = error). */
static inline int32_t vmcall(uint32_t fn, uint32_t arg1, uint32_t arg2)
{
    int32_t ret;
    __asm__ volatile("vmcall"
                     : "=a"(ret)
                     : "a"(fn), "b"(arg1), "c"(arg2)
                     : "memory");
    return ret;
}

/* ---- misc ---- */

/* Keeps the compiler from folding or dropping computations on v. */
#define OPAQUE(v) __asm__ volatile("" : "+r"(v))

static inline void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
