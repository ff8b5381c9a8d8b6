/*
 * crcheck: MOV to CR0/CR4 with reserved bits or an illegal combination
 * raises #GP(0) in the guest, as the SDM says (Vol. 2B, "MOV—Move to/from
 * Control Registers"; Vol. 3A, "Control Registers"), and the guest goes on:
 * none of these writes may reach the VMCS (that would end the guest with a
 * failed VM entry). One line per case. In 32-bit protected mode:
 *   CR0.PG=1 with PE=0; CR0.NW=1 with CD=0; CR4.PCIDE=1 outside IA-32e
 *   mode; CR4.VMXE=1 (CPUID hides VMX); CR4.SMXE=1 and CR4.MCE=1 (CPUID
 *   hides SMX and MCE); CR4 bit 15 (reserved); CR0.PG=1 with EFER.LME=1 and
 *   CR4.PAE=0; PAE paging whose PDPT has a reserved bit set; then PAE paging
 *   with a good PDPT works.
 * Then in IA-32e (compatibility) mode, entered with a 64-bit #GP handler:
 *   clearing CR4.PAE; CR4.PCIDE=1 while CR3[11:0] != 0; toggling CR4.LA57;
 *   and leaving IA-32e mode by clearing CR0.PG works.
 */
#include "guest.h"

#define CR0_NW      (1u << 29)
#define CR0_CD      (1u << 30)
#define CR4_PAE     (1u << 5)
#define CR4_MCE     (1u << 6)
#define CR4_LA57    (1u << 12)
#define CR4_SMXE    (1u << 14)
#define CR4_BIT15   (1u << 15)
#define CR4_PCIDE   (1u << 17)
#define EFER_LME    (1u << 8)
#define EFER_LMA    (1u << 10)
#define PTE_P       0x1u
#define PTE_RW      0x2u
#define PDE_PS      0x80u
#define PAGE_2M     0x200000u
#define SEL_CODE64  0x18u

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt_lm[512] __attribute__((aligned(4096)));
static uint64_t pdpt_pae[4] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

/* The value catch_fault's functions write. */
static uint32_t cr_value;

static void do_write_cr0(void) { __asm__ volatile("mov %0, %%cr0" : : "r"(cr_value) : "memory"); }
static void do_write_cr4(void) { __asm__ volatile("mov %0, %%cr4" : : "r"(cr_value) : "memory"); }

static void expect_gp(const char *what, void (*fn)(void), uint32_t value)
{
    cr_value = value;
    int vec = catch_fault(fn);
    check(vec == VEC_GP && last_fault.error_code == 0, "%s: #GP(0) (vector %d, error code 0x%x)",
          what, vec, vec == NO_FAULT ? 0 : last_fault.error_code);
}

static void build_tables(void)
{
    for (unsigned i = 0; i < 512; i++)
        pd[i] = (uint64_t)i * PAGE_2M | PTE_P | PTE_RW | PDE_PS;     /* 1 GiB identity */
    pdpt_lm[0] = (uint32_t)(uintptr_t)pd | PTE_P | PTE_RW;
    pml4[0] = (uint32_t)(uintptr_t)pdpt_lm | PTE_P | PTE_RW;
}

static void protected_mode_cases(void)
{
    uint32_t cr0 = read_cr0(), cr4 = read_cr4();

    expect_gp("CR0.PG=1 with CR0.PE=0", do_write_cr0, (cr0 & ~CR0_PE) | CR0_PG);
    expect_gp("CR0.NW=1 with CR0.CD=0", do_write_cr0, (cr0 & ~CR0_CD) | CR0_NW);
    expect_gp("CR4.PCIDE=1 outside IA-32e mode", do_write_cr4, cr4 | CR4_PCIDE);
    expect_gp("CR4.VMXE=1 (CPUID offers no VMX)", do_write_cr4, cr4 | CR4_VMXE);
    expect_gp("CR4.SMXE=1 (CPUID offers no SMX)", do_write_cr4, cr4 | CR4_SMXE);
    expect_gp("CR4.MCE=1 (CPUID offers no MCE)", do_write_cr4, cr4 | CR4_MCE);
    expect_gp("CR4 bit 15 (reserved)", do_write_cr4, cr4 | CR4_BIT15);

    write_cr3((uint32_t)(uintptr_t)pml4);
    wrmsr(MSR_IA32_EFER, EFER_LME);
    expect_gp("CR0.PG=1 with EFER.LME=1 and CR4.PAE=0", do_write_cr0, cr0 | CR0_PG);
    wrmsr(MSR_IA32_EFER, 0);

    /* PAE paging: the PDPTEs are loaded when paging goes on. Bit 1 of a
     * PDPTE is reserved. */
    pdpt_pae[0] = (uint32_t)(uintptr_t)pd | PTE_P | PTE_RW;
    write_cr3((uint32_t)(uintptr_t)pdpt_pae);
    write_cr4(cr4 | CR4_PAE);
    expect_gp("PAE paging with a reserved bit in a PDPTE", do_write_cr0, cr0 | CR0_PG);
    pdpt_pae[0] = (uint32_t)(uintptr_t)pd | PTE_P;
    cr_value = cr0 | CR0_PG;
    int vec = catch_fault(do_write_cr0);
    uint32_t got = read_cr0();
    write_cr0(cr0);
    write_cr4(cr4);
    check(vec == NO_FAULT && (got & CR0_PG), "PAE paging with a good PDPT: on (vector %d, CR0=%08x)",
          vec, got);
    check(read_cr0() == cr0 && read_cr4() == cr4, "CR0 and CR4 restored: %08x %08x",
          read_cr0(), read_cr4());
}

/* ---- IA-32e mode: a 64-bit #GP handler that skips the 3-byte MOV ---- */

volatile uint32_t lm_faults, lm_error;

__asm__(".text\n"
        ".code64\n"
        "gp64_handler:\n"
        "    pushq %rax\n"
        "    pushq %rcx\n"
        "    movl 16(%rsp), %eax\n"       /* the error code */
        "    movl $lm_error, %ecx\n"      /* (32-bit immediates: no 64-bit relocations) */
        "    movl %eax, (%rcx)\n"
        "    movl $lm_faults, %ecx\n"
        "    incl (%rcx)\n"
        "    addq $3, 24(%rsp)\n"         /* RIP past MOV CRn, r32 (0F 22 /r) */
        "    popq %rcx\n"
        "    popq %rax\n"
        "    addq $8, %rsp\n"
        "    iretq\n"
        ".code32\n");
extern char gp64_handler[];

static const uint64_t gdt64[] __attribute__((aligned(8))) = {
    0,
    0x00CF9A000000FFFFull,       /* 0x08: 32-bit code (the library's SEL_CODE) */
    0x00CF92000000FFFFull,       /* 0x10: data */
    0x00AF9A000000FFFFull,       /* 0x18: 64-bit code, for the handler */
};
static uint64_t idt64[2 * (VEC_GP + 1)] __attribute__((aligned(16)));

/* One MOV to CR4 in compatibility mode; returns the #GP count it caused. */
static uint32_t lm_write_cr4(uint32_t v)
{
    uint32_t before = lm_faults;
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
    return lm_faults - before;
}

static void long_mode_cases(void)
{
    uint32_t cr0 = read_cr0(), cr4 = read_cr4();
    uint32_t h = (uint32_t)(uintptr_t)gp64_handler;
    struct table_ptr old_gdt, old_idt;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(old_gdt), "=m"(old_idt));

    idt64[2 * VEC_GP] = (h & 0xFFFFu) | ((uint64_t)SEL_CODE64 << 16) | (0x8Eull << 40) |
                        ((uint64_t)(h >> 16) << 48);
    idt64[2 * VEC_GP + 1] = 0;
    struct table_ptr g = { sizeof(gdt64) - 1, (uint32_t)(uintptr_t)gdt64 };
    struct table_ptr i = { sizeof(idt64) - 1, (uint32_t)(uintptr_t)idt64 };
    __asm__ volatile("lgdt %0; lidt %1" : : "m"(g), "m"(i) : "memory");

    write_cr3((uint32_t)(uintptr_t)pml4);
    write_cr4(cr4 | CR4_PAE);
    wrmsr(MSR_IA32_EFER, EFER_LME);
    write_cr0(cr0 | CR0_PG);                        /* IA-32e mode, 32-bit code */
    uint32_t efer = (uint32_t)rdmsr(MSR_IA32_EFER);

    uint32_t f_pae = lm_write_cr4(cr4);             /* PAE cleared */
    uint32_t e_pae = lm_error;
    write_cr3((uint32_t)(uintptr_t)pml4 | 0x8);     /* PWT: CR3[11:0] != 0 */
    uint32_t f_pcid = lm_write_cr4(cr4 | CR4_PAE | CR4_PCIDE);
    uint32_t e_pcid = lm_error;
    write_cr3((uint32_t)(uintptr_t)pml4);
    uint32_t f_la57 = lm_write_cr4((cr4 | CR4_PAE) ^ CR4_LA57);
    uint32_t e_la57 = lm_error;
    uint32_t cr4_lm = read_cr4();
    uint32_t faults = lm_faults;

    write_cr0(cr0);                                 /* leave IA-32e mode */
    uint32_t efer_after = (uint32_t)rdmsr(MSR_IA32_EFER);
    wrmsr(MSR_IA32_EFER, 0);
    write_cr4(cr4);
    __asm__ volatile("lgdt %0; lidt %1" : : "m"(old_gdt), "m"(old_idt) : "memory");

    check(efer & EFER_LMA, "IA-32e mode entered: EFER=%08x", efer);
    check(f_pae == 1 && e_pae == 0, "IA-32e mode, CR4.PAE cleared: #GP(0) (%u, error code 0x%x)",
          f_pae, e_pae);
    check(f_pcid == 1 && e_pcid == 0,
          "IA-32e mode, CR4.PCIDE=1 with CR3[11:0]=0x008: #GP(0) (%u, error code 0x%x)",
          f_pcid, e_pcid);
    check(f_la57 == 1 && e_la57 == 0,
          "IA-32e mode, CR4.LA57 toggled: #GP(0) (%u, error code 0x%x)", f_la57, e_la57);
    check(cr4_lm == (cr4 | CR4_PAE), "IA-32e mode, CR4 unchanged by the refused writes: %08x",
          cr4_lm);
    check(faults == 3 && !(efer_after & EFER_LMA),
          "IA-32e mode left by clearing CR0.PG: EFER=%08x, %u faults in all", efer_after, faults);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("crcheck");
    build_tables();
    protected_mode_cases();
    long_mode_cases();
    return test_end();
}
