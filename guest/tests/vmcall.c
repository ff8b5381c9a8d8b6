/*
 * vmcall: minivisor's hypercalls (VMCALL, function number in EAX).
 *   - HC_CONSOLE_WRITE prints "hello from vmcall" (as a line of this
 *     guest's output: "[vmcall] hello from vmcall") and returns 0;
 *   - HC_CONSOLE_WRITE with a pointer above RAM (0xF0000000) or a length
 *     over 4096 returns a negative error;
 *   - from ring 3 (CPL 3, reached with IRET through a GDT with user
 *     segments and a TSS), HC_EXIT with status 77 does nothing and returns
 *     -1 (HC_EPERM): hypercalls are for the guest's kernel. The user code
 *     then runs HLT, whose #GP brings the guest back to ring 0;
 *   - HC_EXIT with status 42 ends the guest: the hypervisor reports exit
 *     status 42. If HC_EXIT returns, that is a failure.
 */
#include "guest.h"

#define BAD_GPA          0xF0000000u
#define CONSOLE_MAX_LEN  4096u
#define EXIT_STATUS      42u

static const char hello[] = "hello from vmcall\n";

/* ---- ring 3 ---- */

#define SEL_USER_CODE  0x18u
#define SEL_USER_DATA  0x20u
#define SEL_TSS        0x28u
#define RPL3           3u

struct __attribute__((packed)) tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
};

static struct tss32 tss;
static uint64_t gdt[6] __attribute__((aligned(8)));
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static volatile int32_t user_ret;
static volatile uint32_t user_cs;

/* Ring 3: the hypercall, then HLT (privileged: #GP back to ring 0). */
static void __attribute__((used)) user_code(void)
{
    int32_t ret;
    uint32_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    __asm__ volatile("vmcall" : "=a"(ret) : "a"(HC_EXIT), "b"(77u), "c"(0u) : "memory");
    user_cs = cs;
    user_ret = ret;
    __asm__ volatile("hlt");
}

static void enter_ring3(void)
{
    __asm__ volatile("pushl %0\n\t"           /* SS */
                     "pushl %1\n\t"           /* ESP */
                     "pushl $0x2\n\t"         /* EFLAGS: IF off */
                     "pushl %2\n\t"           /* CS */
                     "pushl %3\n\t"           /* EIP */
                     "mov %w0, %%ds\n\t"
                     "mov %w0, %%es\n\t"
                     "iret"
                     : : "r"(SEL_USER_DATA | RPL3), "r"((uint32_t)(uintptr_t)user_stack + sizeof(user_stack)),
                         "i"(SEL_USER_CODE | RPL3), "i"(user_code)
                     : "memory");
}

static void user_mode_vmcall(void)
{
    uint32_t t = (uint32_t)(uintptr_t)&tss;
    gdt[1] = 0x00CF9A000000FFFFull;            /* 0x08: ring 0 code, as the library's */
    gdt[2] = 0x00CF92000000FFFFull;            /* 0x10: ring 0 data */
    gdt[3] = 0x00CFFA000000FFFFull;            /* 0x18: ring 3 code */
    gdt[4] = 0x00CFF2000000FFFFull;            /* 0x20: ring 3 data */
    gdt[5] = (sizeof(tss) - 1) | ((uint64_t)(t & 0xFFFFFF) << 16) |   /* 0x28: 32-bit TSS */
             (0x89ull << 40) | ((uint64_t)(t >> 24) << 56);
    tss.ss0 = SEL_DATA;
    tss.esp0 = (uint32_t)(uintptr_t)kernel_stack + sizeof(kernel_stack);
    tss.iomap = sizeof(tss);                   /* no I/O bitmap: ring 3 has no ports */
    struct table_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(p), "r"(SEL_TSS) : "memory");

    int vec = catch_fault(enter_ring3);
    __asm__ volatile("mov %w0, %%ds\n\tmov %w0, %%es" : : "r"(SEL_DATA) : "memory");
    check(vec == VEC_GP && user_cs == (SEL_USER_CODE | RPL3),
          "ran at CPL 3 (CS=0x%x) and came back by #GP from HLT (vector %d)", user_cs, vec);
    check(user_ret == -1, "HC_EXIT(77) from CPL 3 returns %d (expected -1, HC_EPERM); the guest "
          "goes on", user_ret);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("vmcall");

    int32_t ret = vmcall(HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)hello, sizeof(hello) - 1);
    check(ret == 0, "HC_CONSOLE_WRITE of %u bytes returns %d (expected 0)",
          (unsigned)sizeof(hello) - 1, ret);

    ret = vmcall(HC_CONSOLE_WRITE, BAD_GPA, 16);
    check(ret < 0, "HC_CONSOLE_WRITE from gpa 0x%08x returns %d (expected < 0)", BAD_GPA, ret);

    ret = vmcall(HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)hello, CONSOLE_MAX_LEN + 1);
    check(ret < 0, "HC_CONSOLE_WRITE of %u bytes returns %d (expected < 0)",
          CONSOLE_MAX_LEN + 1, ret);

    user_mode_vmcall();

    int result = test_end();
    if (result != 0)
        return result;

    note("HC_EXIT with status %u", EXIT_STATUS);
    ret = vmcall(HC_EXIT, EXIT_STATUS, 0);
    printf("FAIL vmcall: HC_EXIT returned %d\n", ret);
    return 1;
}
