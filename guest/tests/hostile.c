/*
 * hostile: a seeded generator of hostile guest behaviour, for the
 * hypervisor's robustness runs (tests/integration/fuzz.py, `make
 * fuzz-guests`). Command line: `seed=N [steps=N] [v=1] [only=GEN] [dump=STEP]`
 * or `case=NAME` (a fixed scenario, see run_case). v=1 prints each step,
 * only= runs one generator, dump= prints a step's generated code.
 *
 * The seed drives an xorshift PRNG that picks a generator mix (weights per
 * generator) and then, for each of `steps` steps, one generator and its
 * arguments. The same seed always does the same things. The generators:
 *
 *   insn0/insn3  random valid-ish instructions from a table (random
 *                prefixes, ModRM, SIB, displacements) at CPL 0 or CPL 3;
 *                before each one every GPR is loaded, so memory operands hit
 *                chosen places (scratch RAM, testdev, IOAPIC, xAPIC, page 0)
 *   insnr        the same in real mode (CR0.PE=0): 16-bit operand and
 *                address size, scratch RAM through DS/ES/SS, the test
 *                device and the xAPIC page through "unreal" FS and GS bases
 *   insn64       the same in 64-bit mode at CPL 0 or 3: REX prefixes, R8-R15,
 *                RIP-relative operands, 64-bit moffs, 64-bit-only forms
 *                (MOVSXD, SWAPGS, MOV CR8, CMPXCHG16B, IRETQ, SYSCALL, ...)
 *   raw3         random bytes at CPL 3 (a PIT watchdog ends endless loops)
 *   raw0         random bytes at CPL 0, single-stepped (EFLAGS.TF): the #DB
 *                handler refuses the instructions that would take the guest
 *                apart (see raw0_check); the watchdog ends loops
 *   io           IN/OUT/INS/OUTS of random width on random and device ports
 *   msr          RDMSR/WRMSR of random and interesting MSRs, random values
 *                (the old value is written back after a write that worked)
 *   crdr         CR0/CR4 bit flips (restored), CR8, DR0-DR7
 *   virt         VMX and SVM instructions, VMCALL with random arguments
 *   cache        INVD, WBINVD, XSETBV with bad values
 *   lapic        random xAPIC and x2APIC register writes, ICR (INIT, SIPI,
 *                NMI, fixed, self), LVTs, the IOAPIC's redirection table
 *   paging       malformed page tables (reserved bits, misaligned huge
 *                pages, self-references, bad PAE PDPTEs) with CR3 loads
 *   mmio         instruction forms on MMIO and unbacked addresses, PUSH/POP
 *                with the stack in MMIO
 *   storm        the PIT at its highest rate, self-IPI loops
 *   spin         a long tight loop with IF=0 (never exits)
 *
 * Every exception is caught by the guest's own IDT: the step is abandoned
 * (an instruction stream resumes at its next instruction) and the run goes
 * on. After its steps the guest prints
 *     hostile: seed=N done: S steps, I instructions, F faults, Q interrupts, ending by E
 * and ends by E, chosen by the seed: the debug-exit port, hypercall 2, a
 * triple fault, a reset (0xCF9), HLT with IF=0, or ACPI S5.
 *
 * The guest lives in 32-bit protected mode with 4 MiB paging: the first
 * 4 MiB (this image) is supervisor-only, the arena at 4-8 MiB (code
 * buffer, scratch, user stack, page tables for the paging generator) and
 * everything else user-accessible. insnr switches to real mode and back
 * for each run of code (rm_blob, below 1 MiB: code at RM_CODE, data at
 * RM_DATA, its own IVT); insn64 switches to IA-32e mode and back (lm_enter:
 * PAE paging with the same layout in 2 MiB pages, a 64-bit IDT; out through
 * compatibility mode, CR0.PG and EFER.LME cleared as the SDM says). In both,
 * every exception or interrupt ends the run back in protected mode, where
 * the step goes on at the next instruction.
 */
#include "guest.h"

/* ---- PRNG ---- */

static uint32_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static bool chance(uint32_t one_in)
{
    return below(one_in) == 0;
}

/* ---- layout ---- */

#define ARENA          0x00400000u
#define CODE_BUF       (ARENA + 0x00000)    /* generated code, 64 KiB */
#define CODE_SIZE      0x10000u
#define SCRATCH        (ARENA + 0x10000)    /* memory operands, 64 KiB */
#define USTACK_TOP     (ARENA + 0x2F000)    /* CPL 0 and CPL 3 chunk stack */
#define PT_AREA        (ARENA + 0x30000)    /* paging generator's tables */
#define HIGH_UNBACKED  0x40000000u          /* no RAM, no device */
#define TESTDEV        0xFEB00000u
#define IOAPIC         0xFEC00000u
#define XAPIC          0xFEE00000u

#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UCODE  0x1B
#define SEL_UDATA  0x23
#define SEL_TSS    0x28
#define SEL_KCODE64 0x30     /* long mode: 64-bit code, DPL 0 */
#define SEL_UCODE64 0x3B     /* long mode: 64-bit code, DPL 3 */
#define SEL_CODE16 0x40      /* on the way to real mode: 16-bit code, base 0 */
#define SEL_DATA16 0x48      /* 16-bit data, base 0, limit 64 KiB */
#define SEL_FS16   0x50      /* 16-bit data at the test device (unreal FS) */
#define SEL_GS16   0x58      /* 16-bit data at the xAPIC page (unreal GS) */

#define VEC_DONE   0x80      /* int 0x80 ends a chunk (a DPL 3 gate) */
#define VEC_PIT    0x20
#define VEC_WATCHDOG 0x100   /* not a vector: a raw chunk ran too long */

#define EFL_IF 0x200u
#define EFL_TF 0x100u
#define EFL_BASE 0x2u

/* ---- counters and options ---- */

static uint32_t seed, steps = 64;
static const char *only;             /* only=NAME: one generator */
static uint32_t dump_step = ~0u;     /* dump=N: print step N's code bytes */
static const char *case_name;        /* case=NAME: a fixed scenario */
static size_t case_len;
static size_t only_len;
static bool verbose;
static bool any_forms;               /* this seed tries forms the emulator lacks */
static uint32_t n_insns, n_faults, n_steps;
static volatile uint32_t n_irqs, n_nmis, step_irqs, storm_cuts;
static volatile bool watchdog_armed;
static volatile uint32_t watchdog_ticks;

/* ---- descriptor tables ---- */

extern uint32_t hx_pm_cr3;          /* lm_enter's way back: CR3 and IDTR */
extern struct table_ptr hx_pm_idt;


struct __attribute__((packed)) tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
};

static struct tss32 tss __attribute__((aligned(128)));
static uint8_t kstack[8192] __attribute__((aligned(16)));
static uint64_t gdt[12] __attribute__((aligned(8)));

struct __attribute__((packed)) gate {
    uint16_t lo, sel;
    uint8_t zero, attr;
    uint16_t hi;
};
static struct gate idt[256] __attribute__((aligned(8)));
extern const char hx_stubs[];      /* 16 bytes per vector, asm below */

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt_fe8[1024] __attribute__((aligned(4096)));   /* 0xFE800000: testdev */
static uint32_t pt_fec[1024] __attribute__((aligned(4096)));   /* 0xFEC00000: IOAPIC, xAPIC */

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xFFFF) | (uint64_t)(base & 0xFFFFFF) << 16 |
           (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xF) << 48 |
           (uint64_t)(flags & 0xF) << 52 | (uint64_t)(base >> 24) << 56;
}

static void load_tables(void)
{
    gdt[1] = 0x00CF9A000000FFFFull;       /* kernel code */
    gdt[2] = 0x00CF92000000FFFFull;       /* kernel data */
    gdt[3] = 0x00CFFA000000FFFFull;       /* user code, DPL 3 */
    gdt[4] = 0x00CFF2000000FFFFull;       /* user data, DPL 3 */
    gdt[5] = seg_desc((uint32_t)(uintptr_t)&tss, sizeof(tss) - 1, 0x89, 0);
    gdt[6] = 0x00AF9A000000FFFFull;       /* 64-bit code (L=1) */
    gdt[7] = 0x00AFFA000000FFFFull;       /* 64-bit user code */
    gdt[8] = seg_desc(0, 0xFFFF, 0x9B, 0);       /* 16-bit code */
    gdt[9] = seg_desc(0, 0xFFFF, 0x93, 0);       /* 16-bit data */
    gdt[10] = seg_desc(TESTDEV, 0xFFFF, 0x93, 0);
    gdt[11] = seg_desc(XAPIC, 0xFFFF, 0x93, 0);
    tss.esp0 = (uint32_t)(uintptr_t)(kstack + sizeof(kstack));
    tss.ss0 = SEL_KDATA;
    tss.iomap = sizeof(tss);              /* no I/O bitmap: CPL 3 I/O faults */
    struct table_ptr g = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n1:\n\t"
                     "mov %2, %%ds\n\tmov %2, %%es\n\tmov %2, %%fs\n\t"
                     "mov %2, %%gs\n\tmov %2, %%ss\n\t"
                     "ltr %w3"
                     : : "m"(g), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS) : "memory");
    for (unsigned v = 0; v < 256; v++) {
        uint32_t h = (uint32_t)(uintptr_t)hx_stubs + v * 16;
        idt[v] = (struct gate){ (uint16_t)h, SEL_KCODE, 0, v == VEC_DONE ? 0xEE : 0x8E,
                                (uint16_t)(h >> 16) };
    }
    struct table_ptr i = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
    lidt(&i);
    hx_pm_idt = i;
}

/* 4 MiB pages, identity: the first (this image) supervisor-only. */
#define PDE_P   0x001u
#define PDE_RW  0x002u
#define PDE_US  0x004u
#define PDE_PS  0x080u

static uint32_t ram_pdes = 16;        /* 4 MiB pages of RAM (from multiboot) */

/* Present: RAM, the pages of the test device, IOAPIC and xAPIC, and the
 * unbacked window at HIGH_UNBACKED (see unbacked_window); elsewhere
 * accesses fault (#PF), so random code cannot reach unbacked memory. */
static void paging_on(void)
{
    for (uint32_t i = 0; i < 1024; i++) {
        bool present = i < ram_pdes || i == (HIGH_UNBACKED >> 22);
        pd[i] = present ? (i << 22 | PDE_PS | PDE_P | PDE_RW | (i ? PDE_US : 0)) : 0;
    }
    pt_fe8[(TESTDEV >> 12) & 0x3FF] = TESTDEV | 7;
    pt_fec[(IOAPIC >> 12) & 0x3FF] = IOAPIC | 7;
    pt_fec[(XAPIC >> 12) & 0x3FF] = XAPIC | 7;
    pd[TESTDEV >> 22] = (uint32_t)(uintptr_t)pt_fe8 | 7;
    pd[IOAPIC >> 22] = (uint32_t)(uintptr_t)pt_fec | 7;
    write_cr4(read_cr4() | CR4_PSE);
    write_cr3((uint32_t)(uintptr_t)pd);
    write_cr0(read_cr0() | CR0_PG);
    hx_pm_cr3 = (uint32_t)(uintptr_t)pd;
}

/*
 * Exception and interrupt entry. Each vector's stub (16 bytes apart) pushes
 * a dummy error code where the CPU pushes none, then the vector; hx_common
 * saves the segment and general registers and calls hx_trap, which says
 * whether to return (IRET) or to abandon what ran: then ESP goes back to
 * hx_enter's frame and hx_enter returns the vector.
 *
 * hx_enter(eip, cpl3, eflags) runs code at eip at CPL 0 (a jump) or CPL 3
 * (an IRET to the user segments and stack); the code ends by jumping to
 * hx_chunk_exit (CPL 0) or with int 0x80 (any CPL), or by an exception.
 * Returns -1 when the code ended, else the vector that stopped it.
 */
__asm__(
    ".text\n"
    ".balign 16\n"
    ".globl hx_stubs\n"
    "hx_stubs:\n"
    ".set vec, 0\n"
    ".rept 256\n"
    ".balign 16\n"
    ".if (vec != 8) && (vec != 10) && (vec != 11) && (vec != 12) && (vec != 13) && "
    "(vec != 14) && (vec != 17) && (vec != 21) && (vec != 29) && (vec != 30)\n"
    "pushl $0\n"
    ".endif\n"
    "pushl $vec\n"
    "jmp hx_common\n"
    ".set vec, vec + 1\n"
    ".endr\n"
    "hx_common:\n"
    "cld\n"
    "pushl %ds\npushl %es\npushl %fs\npushl %gs\n"
    "pushal\n"
    "movl $0x10, %eax\n"
    "movl %eax, %ds\nmovl %eax, %es\nmovl %eax, %fs\nmovl %eax, %gs\n"
    "pushl %esp\n"
    "call hx_trap\n"
    "addl $4, %esp\n"
    "testl %eax, %eax\n"
    "jnz hx_abandon\n"
    "popal\n"
    "popl %gs\npopl %fs\npopl %es\npopl %ds\n"
    "addl $8, %esp\n"
    "iret\n"
    "hx_abandon:\n"
    "movl $0x10, %eax\nmovl %eax, %ss\n"
    "movl hx_recover_esp, %esp\n"
    "movl hx_vector, %eax\n"
    "jmp hx_out\n"
    ".globl hx_enter\n"
    "hx_enter:\n"
    "pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
    "movl %esp, hx_recover_esp\n"
    "movl $1, hx_active\n"
    "movl 20(%esp), %eax\n"
    "movl 24(%esp), %ecx\n"
    "movl 28(%esp), %edx\n"
    "testl %ecx, %ecx\n"
    "jnz 1f\n"
    "pushl %edx\npopfl\n"
    "jmp *%eax\n"
    "1:\n"
    "pushl $0x23\npushl $" "0x42F000" "\npushl %edx\npushl $0x1B\npushl %eax\n"
    "movl $0x23, %ecx\n"
    "movl %ecx, %ds\nmovl %ecx, %es\nmovl %ecx, %fs\nmovl %ecx, %gs\n"
    "iret\n"
    ".globl hx_call\n"
    "hx_call:\n"
    "call *hx_fn\n"
    "jmp hx_chunk_exit\n"
    ".globl hx_chunk_exit\n"
    "hx_chunk_exit:\n"
    "movl $0x10, %eax\nmovl %eax, %ss\n"
    "movl hx_recover_esp, %esp\n"
    "movl $-1, %eax\n"
    "hx_out:\n"
    "pushl $2\npopfl\n"
    "movl $0, hx_active\n"
    "movl $0x10, %ecx\n"
    "movl %ecx, %ds\nmovl %ecx, %es\nmovl %ecx, %fs\nmovl %ecx, %gs\n"
    "popl %edi\npopl %esi\npopl %ebx\npopl %ebp\n"
    "ret\n");

/*
 * Real mode (CR0.PE=0; the hypervisor runs guests with unrestricted guest).
 * rm_blob is copied to RM_TRAMP below 1 MiB before each run: from 32-bit
 * protected mode it turns paging off, goes through a 16-bit code segment
 * (which leaves 64 KiB limits, and FS/GS bases at the test device and the
 * xAPIC page when asked: "unreal" segments), loads the real-mode IVT at
 * RM_IVT, clears PE and IRETs to RM_CODE_SEG:ip with DS=ES=SS=RM_DATA_SEG.
 * Every IVT entry points at rm_common with CS = RM_COMMON/16 - vector, so
 * the handler learns the vector from CS; it records vector, IP and CS,
 * sets PE, reloads the flat segments, turns paging on and returns through
 * hx_out: every event in real mode ends the run (the C side resumes).
 * The parameter block at RM_PARAM (DS=0 offsets in real mode):
 *   +0 IP, +2 FLAGS, +4 FS selector, +6 GS selector (SEL_DATA16: plain),
 *   +8 vector, +10 IP, +12 CS of the event, +16 the IDTR, +24 the real-mode
 *   IDTR, +32 the GDTR of protected mode.
 */
#define RM_IVT       0x8400
#define RM_PARAM     0x8800
#define RM_TRAMP     0x9000
#define RM_CODE      0x10000u             /* generated real-mode code */
#define RM_CODE_SEG  0x1000
#define RM_DATA      0x20000              /* real-mode scratch and stack */
#define RM_DATA_SEG  0x2000
#define STR_(x) #x
#define STR(x) STR_(x)
#define RMB(l) "(" #l " - rm_blob + " STR(RM_TRAMP) ")"

__asm__(
    ".section .rodata.rmblob,\"a\"\n"
    ".balign 16\n"
    ".globl rm_blob, rm_blob_end, rm_common\n"
    "rm_blob:\n"
    ".code32\n"
    "movl %cr0, %eax\n"
    "andl $0x7FFFFFFF, %eax\n"
    "movl %eax, %cr0\n"                        /* paging off */
    "ljmp $0x40, $" RMB(rm_pm16) "\n"
    ".code16\n"
    "rm_pm16:\n"
    "movw $0x48, %ax\n"
    "movw %ax, %ds\nmovw %ax, %es\nmovw %ax, %ss\n"
    "movw " STR(RM_PARAM) "+4, %ax\nmovw %ax, %fs\n"
    "movw " STR(RM_PARAM) "+6, %ax\nmovw %ax, %gs\n"
    "lidtw " STR(RM_PARAM) "+24\n"
    "movl %cr0, %eax\n"
    "andl $0xFFFFFFFE, %eax\n"
    "movl %eax, %cr0\n"                        /* real mode */
    "ljmp $" STR(RM_TRAMP) "/16, $(rm_real - rm_blob)\n"
    "rm_real:\n"
    "xorw %ax, %ax\nmovw %ax, %ds\n"
    "movw $" STR(RM_DATA_SEG) ", %ax\n"
    "movw %ax, %es\nmovw %ax, %ss\n"
    "movw $0xFFF0, %sp\n"
    "cmpw $0x48, " STR(RM_PARAM) "+4\njne 1f\nmovw %ax, %fs\n1:\n"
    "cmpw $0x48, " STR(RM_PARAM) "+6\njne 1f\nmovw %ax, %gs\n1:\n"
    "pushw " STR(RM_PARAM) "+2\n"
    "pushw $" STR(RM_CODE_SEG) "\n"
    "pushw " STR(RM_PARAM) "\n"
    "movw %ax, %ds\n"
    "iret\n"
    ".balign 16\n"
    "rm_common:\n"
    "popw %cx\npopw %dx\n"
    "xorw %ax, %ax\nmovw %ax, %ds\n"
    "movw %cx, " STR(RM_PARAM) "+10\n"
    "movw %dx, " STR(RM_PARAM) "+12\n"
    "movw %cs, %ax\n"
    "movw $" RMB(rm_common) "/16, %bx\n"
    "subw %ax, %bx\n"
    "movw %bx, " STR(RM_PARAM) "+8\n"
    "lgdtl " STR(RM_PARAM) "+32\n"
    "lidtl " STR(RM_PARAM) "+16\n"
    "movl %cr0, %eax\n"
    "orl $1, %eax\n"
    "movl %eax, %cr0\n"
    "ljmpl $0x08, $" RMB(rm_pm32) "\n"
    ".code32\n"
    "rm_pm32:\n"
    "movl $0x10, %eax\n"
    "movl %eax, %ds\nmovl %eax, %es\nmovl %eax, %fs\nmovl %eax, %gs\nmovl %eax, %ss\n"
    "movl hx_recover_esp, %esp\n"
    "movl %cr0, %eax\n"
    "orl $0x80000000, %eax\n"
    "movl %eax, %cr0\n"                        /* paging on */
    "movzwl " STR(RM_PARAM) "+8, %eax\n"
    "movl $hx_out, %ecx\n"
    "jmp *%ecx\n"
    "rm_blob_end:\n"
    ".text\n"
    ".globl rm_enter\n"
    "rm_enter:\n"
    "pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
    "movl %esp, hx_recover_esp\n"
    "movl $1, hx_active\n"
    "cli\n"
    "movl 20(%esp), %eax\nmovw %ax, " STR(RM_PARAM) "\n"
    "movl 24(%esp), %eax\nmovw %ax, " STR(RM_PARAM) "+2\n"
    "movl $" STR(RM_TRAMP) ", %eax\n"
    "jmp *%eax\n");

/*
 * Long mode (IA-32e). lm_enter(rip, cpl3, rflags), from 32-bit protected
 * mode with paging: paging off, CR4.PAE, CR3 = lm_pml4, EFER.LME, paging
 * on (the CPU is now in compatibility mode), a far jump to the 64-bit code
 * segment, the 64-bit IDT, then a jump to rip (CPL 0) or an IRETQ to it
 * (CPL 3). Every gate uses IST1 (a stack of its own, whatever RSP the
 * random code left) and every event ends the run: hx64_common records
 * vector, error code, RIP and CS, goes back to compatibility mode with a
 * far return, and leaves IA-32e mode as the SDM says ("IA-32e Mode
 * Initialization", leaving it): paging off in compatibility mode, EFER.LME
 * off, PAE off, the 32-bit tables and IDT back, paging on; then hx_out.
 * The TSS loaded is the 32-bit one: in IA-32e mode the CPU reads RSP0 at
 * offset 4 and IST1 at offset 0x24 of it, which the C side sets while the
 * run lasts (tss.ss0 = 0, tss.eflags/eax = the IST stack).
 */
__asm__(
    ".text\n"
    ".globl lm_enter, hx64_stubs\n"
    "lm_enter:\n"
    "pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
    "movl %esp, hx_recover_esp\n"
    "movl $1, hx_active\n"
    "cli\n"
    "movl 20(%esp), %esi\nmovl 24(%esp), %edi\nmovl 28(%esp), %ebp\n"
    "movl %cr0, %eax\nandl $0x7FFFFFFF, %eax\nmovl %eax, %cr0\n"
    "movl %cr4, %eax\norl $0x20, %eax\nmovl %eax, %cr4\n"
    "movl $lm_pml4, %eax\nmovl %eax, %cr3\n"
    "movl $0xC0000080, %ecx\nrdmsr\norl $0x100, %eax\nwrmsr\n"
    "movl %cr0, %eax\norl $0x80000000, %eax\nmovl %eax, %cr0\n"
    "ljmp $0x30, $lm_64\n"
    ".code64\n"
    "lm_64:\n"
    "movl $lm_idt_ptr, %eax\n"      /* symbols through registers: elf32 has no */
    "lidt (%rax)\n"                 /* relocation for 64-bit absolute operands */
    "movl %esi, %esi\nmovl %ebp, %ebp\n"
    "testl %edi, %edi\n"
    "jnz 1f\n"
    "pushq %rbp\npopfq\n"
    "jmp *%rsi\n"
    "1:\n"
    "pushq $0x23\npushq $" "0x42F000" "\npushq %rbp\npushq $0x3B\npushq %rsi\n"
    "iretq\n"
    ".balign 16\n"
    "hx64_stubs:\n"
    ".set vec, 0\n"
    ".rept 256\n"
    ".balign 16\n"
    ".if (vec != 8) && (vec != 10) && (vec != 11) && (vec != 12) && (vec != 13) && "
    "(vec != 14) && (vec != 17) && (vec != 21) && (vec != 29) && (vec != 30)\n"
    "pushq $0\n"
    ".endif\n"
    "pushq $vec\n"
    "jmp hx64_common\n"
    ".set vec, vec + 1\n"
    ".endr\n"
    "hx64_common:\n"
    "movl $lm_state, %ebx\n"
    "movl (%rsp), %eax\nmovl %eax, (%rbx)\n"
    "movl 8(%rsp), %eax\nmovl %eax, 4(%rbx)\n"
    "movq 16(%rsp), %rax\nmovq %rax, 8(%rbx)\n"
    "movl 24(%rsp), %eax\nmovl %eax, 16(%rbx)\n"
    "movq %cr2, %rax\nmovl %eax, 20(%rbx)\n"
    "xorl %eax, %eax\nmovq %rax, %cr8\n"        /* TPR 0 again */
    "movl $hx_recover_esp, %eax\nmovl (%rax), %esp\n"
    "pushq $0x08\nmovl $lm_compat, %eax\npushq %rax\nlretq\n"
    ".code32\n"
    "lm_compat:\n"
    "movl $0x10, %eax\n"
    "movl %eax, %ds\nmovl %eax, %es\nmovl %eax, %fs\nmovl %eax, %gs\nmovl %eax, %ss\n"
    "movl %cr0, %eax\nandl $0x7FFFFFFF, %eax\nmovl %eax, %cr0\n"
    "movl $0xC0000080, %ecx\nrdmsr\nandl $0xFFFFFEFF, %eax\nwrmsr\n"
    "movl %cr4, %eax\nandl $0xFFFFFFDF, %eax\nmovl %eax, %cr4\n"
    "movl hx_pm_cr3, %eax\nmovl %eax, %cr3\n"
    "movl %cr0, %eax\norl $0x80000000, %eax\nmovl %eax, %cr0\n"
    "lidt hx_pm_idt\n"
    "movl lm_state, %eax\n"
    "jmp hx_out\n");

extern const char rm_blob[], rm_blob_end[], rm_common[], hx64_stubs[];
extern int rm_enter(uint32_t ip, uint32_t flags);
extern int lm_enter(uint32_t rip, uint32_t cpl3, uint32_t rflags);
/* what hx64_common saw: vector, error code, RIP (low, high), CS, CR2 */
uint32_t lm_state[6], hx_pm_cr3;
#define lm_err    lm_state[1]
#define lm_rip    lm_state[2]
#define lm_rip_hi lm_state[3]
#define lm_cr2    lm_state[5]
struct table_ptr hx_pm_idt;
struct __attribute__((packed)) { uint16_t limit; uint64_t base; } lm_idt_ptr;
struct __attribute__((packed)) gate64 {
    uint16_t lo, sel;
    uint8_t ist, attr;
    uint16_t mid;
    uint32_t hi, zero;
};
static struct gate64 idt64[256] __attribute__((aligned(16)));
uint64_t lm_pml4[512] __attribute__((aligned(4096)));
static uint64_t lm_pdpt[512] __attribute__((aligned(4096)));
static uint64_t lm_pd[4][512] __attribute__((aligned(4096)));
static uint64_t lm_pt[3][512] __attribute__((aligned(4096)));
static uint8_t ist_stack[8192] __attribute__((aligned(16)));

extern int hx_enter(uint32_t eip, uint32_t cpl3, uint32_t eflags);
extern const char hx_call[];
uint32_t hx_recover_esp;
void (*hx_fn)(void);
uint32_t hx_vector;
uint32_t hx_active;          /* inside hx_enter: faults abandon the code run */
static uint32_t fault_eip, fault_err, fault_cr2, fault_esi, fault_ecx;

struct hx_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t gs, fs, es, ds;
    uint32_t vector, error, eip, cs, eflags;
};

#define STORM_LIMIT 4000u

/* The local APIC's mode, read from IA32_APIC_BASE after every generator
 * that may change it (not at each interrupt: storms would pay an exit). */
static uint64_t apic_base;

static void apic_mode_refresh(void)
{
    apic_base = rdmsr(MSR_IA32_APIC_BASE);
}

static bool x2apic_on(void)
{
    return (apic_base & 0xC00) == 0xC00;
}

static bool xapic_on(void)
{
    return (apic_base & 0xC00) == 0x800 && (apic_base & 0xFFFFF000u) == XAPIC;
}

static void lapic_eoi(void)
{
    if (x2apic_on())
        wrmsr(0x80B, 0);
    else if (xapic_on())
        mmio_write32(XAPIC + 0xB0, 0);
}

/*
 * raw0: random bytes at CPL 0 are single-stepped (EFLAGS.TF). Before each
 * instruction runs, the #DB trap looks at it and ends the run if it would
 * take the guest's own machinery away: leaving the code buffer, a stack
 * outside the chunk stack, CLI/POPF/IRET/far transfers (IF=0 for good, TF
 * off, other code segments), writes to ports (resets, the consoles),
 * MOV to CR/DR, WRMSR, LGDT/LIDT/LLDT/LTR, SYSENTER/SYSEXIT, VMCALL (which
 * could end the guest), and anything that writes ESP (mov ss, pop esp,
 * ModRM forms with ESP as a register operand, ...). The rest runs: faults
 * end the run as for the other generators, the PIT watchdog ends loops.
 */
static volatile bool raw0_active;
static volatile bool tf_case;
static uint32_t tf_eips[16], tf_n;
static uint32_t raw0_start, raw0_end, raw0_steps;

#define RAW0_PROLOGUE 46u     /* 8 x (mov r32, imm32) + jmp [raw0_resume] */
uint32_t raw0_resume;

static bool has_modrm1(uint8_t op)
{
    if (op < 0x40)
        return (op & 7) < 4;
    return op == 0x62 || op == 0x63 || op == 0x69 || op == 0x6B || (op >= 0x80 && op <= 0x8F) ||
           op == 0xC0 || op == 0xC1 || (op >= 0xC4 && op <= 0xC7) || (op >= 0xD0 && op <= 0xD3) ||
           (op >= 0xD8 && op <= 0xDF) || op == 0xF6 || op == 0xF7 || op == 0xFE || op == 0xFF;
}

static bool has_modrm2(uint8_t op)
{
    return op <= 0x03 || op == 0x0D || (op >= 0x10 && op <= 0x2F && op != 0x24 && op != 0x25 &&
                                        op != 0x26 && op != 0x27) ||
           (op >= 0x40 && op <= 0x7F && op != 0x77) || (op >= 0x90 && op <= 0x9F) ||
           op == 0xA3 || op == 0xA4 || op == 0xA5 || (op >= 0xAB && op <= 0xB7) ||
           (op >= 0xB8 && op != 0xC8 && !(op > 0xC8 && op <= 0xCF));
}

static bool raw0_denied(const uint8_t *p)
{
    for (int k = 0; k < 14; k++) {
        uint8_t b = *p;
        if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 ||
            b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3)
            p++;
        else
            break;
    }
    uint8_t op = p[0], m;
    switch (op) {
    case 0xFA: case 0x9D: case 0xCF: case 0xCA: case 0xCB: case 0xEA: case 0x9A:
    case 0xE6: case 0xE7: case 0xEE: case 0xEF: case 0x6E: case 0x6F:
    case 0x17: case 0x8E: case 0x5C: case 0x94: case 0xBC: case 0xC9: case 0xC8:
        return true;
    case 0x0F:
        op = p[1];
        m = p[2];
        if (op == 0x22 || op == 0x23 || op == 0x30 || op == 0x34 || op == 0x35 || op == 0xB2 ||
            op == 0xCC)                             /* ..., BSWAP ESP */
            return true;
        if (op == 0x00 && (((m >> 3) & 7) == 2 || ((m >> 3) & 7) == 3))
            return true;
        if (op == 0x01)
            return m == 0xC1 || (m < 0xC0 && (((m >> 3) & 7) == 2 || ((m >> 3) & 7) == 3));
        if (op == 0x38 || op == 0x3A)
            m = p[3];
        else if (!has_modrm2(op))
            return false;
        break;
    default:
        if (!has_modrm1(op))
            return false;
        m = p[1];
        if (op == 0xFF && (((m >> 3) & 7) == 3 || ((m >> 3) & 7) == 5))
            return true;                            /* far call/jmp */
        break;
    }
    /* ESP as the register operand or the register r/m */
    return ((m >> 3) & 7) == 4 || ((m >> 6) == 3 && (m & 7) == 4);
}

/* The #DB of a single-stepped raw0 instruction: 0 to let it run, 1 to end. */
static int raw0_check(struct hx_frame *f)
{
    uint32_t esp = (uint32_t)(uintptr_t)(&f->eflags + 1);
    if (f->cs != SEL_KCODE || f->eip < CODE_BUF || f->eip >= raw0_end)
        return 1;
    if (f->eip < raw0_start)                         /* the prologue: its own boundaries */
        return !((f->eip - CODE_BUF) % 5 == 0 || f->eip - CODE_BUF == 40);
    if (esp < USTACK_TOP - 0x4000 || esp > USTACK_TOP + 0x800)
        return 1;
    raw0_steps++;
    return raw0_denied((const uint8_t *)(uintptr_t)f->eip);
}

__attribute__((used)) int hx_trap(struct hx_frame *f);
__attribute__((used)) int hx_trap(struct hx_frame *f)
{
    uint32_t v = f->vector;
    if (v == 2) {                          /* NMI: count, go on */
        n_nmis++;
        return 0;
    }
    if (v == 1 && tf_case && hx_active) {     /* case tf-cpuid: where each trap came */
        if (tf_n < 16)
            tf_eips[tf_n++] = f->eip;
        return 0;
    }
    if (v == 1 && raw0_active && hx_active) {
        if (!raw0_check(f))
            return 0;
        hx_vector = VEC_WATCHDOG + 2;          /* VEC_DENIED: not a fault, the guard */
        fault_eip = f->eip;
        return 1;
    }
    /* int 0x80 ends a chunk; an interrupt on vector 0x80 is an interrupt */
    bool done = v == VEC_DONE && f->eip >= 2 &&
                ((const uint8_t *)(uintptr_t)f->eip)[-2] == 0xCD &&
                ((const uint8_t *)(uintptr_t)f->eip)[-1] == VEC_DONE;
    if (v == VEC_DONE && !done)
        v = 0x100;
    /* Outside a guarded run an exception vector is an interrupt that random
     * PIC/IOAPIC/LVT programming put there: handle it as one, unless the
     * stub expected an error code the interrupt did not push. */
    bool errcode = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
    if (v < 32 && !hx_active && !errcode && v != 1 && v != 3 && v != 6)
        v = 0x100;
    if ((v < 32 || done) && !hx_active) {
        /* a bug of this guest, not of the hypervisor */
        printf("hostile: seed=%u: BUG: exception %u (error 0x%x) at 0x%x outside a guarded "
               "run, step %u\n", seed, v, f->error, f->eip, n_steps);
        guest_exit(3);
    }
    if (v < 32 || done) {
        hx_vector = v;
        fault_eip = f->eip;
        fault_err = f->error;
        fault_esi = f->esi;
        fault_ecx = f->ecx;
        __asm__ volatile("mov %%cr2, %0" : "=r"(fault_cr2));
        return 1;
    }
    n_irqs++;
    step_irqs++;
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    lapic_eoi();
    if (v == VEC_PIT && watchdog_armed && ++watchdog_ticks >= 3 &&
        ((f->cs & 3) == 3 || raw0_active)) {
        hx_vector = VEC_WATCHDOG;
        fault_eip = f->eip;
        return 1;
    }
    if (step_irqs > STORM_LIMIT && (f->eflags & EFL_IF)) {
        f->eflags &= ~EFL_IF;              /* too many: go on with IF=0 */
        storm_cuts++;
    }
    return 0;
}

static void say(const char *what)
{
    if (verbose)
        printf("hostile: step %u: %s\n", n_steps, what);
}

/* ---- addresses for memory operands ---- */

enum { T_SCRATCH, T_TESTDEV, T_IOAPIC, T_XAPIC, T_PAGE0, T_UNBACKED, T_KINDS };

/* A target address of the given kind with room for 64 bytes either way. */
static uint32_t target(int kind)
{
    switch (kind) {
    case T_TESTDEV:  return TESTDEV + 0x40 + below(0x140);
    case T_IOAPIC:   return IOAPIC + 0x40 + below(0x80);
    case T_XAPIC:    return XAPIC + 0x40 + below(0xF00);
    case T_PAGE0:    return 0x40 + below(0xF00);
    case T_UNBACKED: return HIGH_UNBACKED + 0x40 + below(0xFFF00);
    default:         return SCRATCH + 0x40 + below(0xF000);
    }
}

/* A target kind: mode -1 RAM only, 0 scratch mostly and MMIO sometimes,
 * 1 MMIO mostly; unbacked addresses only if allowed. */
static int pick_kind(int mode, bool unbacked)
{
    bool mmio_heavy = mode > 0;
    uint32_t r = below(16);
    if (mode < 0)
        return chance(8) ? T_PAGE0 : T_SCRATCH;
    if (unbacked && r == 0 && chance(4))
        return T_UNBACKED;
    if (!mmio_heavy)
        r = below(64);
    switch (r) {
    case 1: case 2: case 3: return T_TESTDEV;
    case 4:  return T_IOAPIC;
    case 5: case 6: return T_XAPIC;
    case 7:  return T_PAGE0;
    default: return mmio_heavy ? T_TESTDEV : T_SCRATCH;
    }
}

/* ---- the instruction table ---- */

#define F_MODRM  0x0001u   /* has a ModRM byte */
#define F_MEM    0x0002u   /* ModRM must be a memory operand */
#define F_REGF   0x0004u   /* ModRM must be a register operand */
#define F_I8     0x0008u   /* imm8 */
#define F_IZ     0x0010u   /* imm16/32 by operand size */
#define F_I16    0x0020u   /* imm16 */
#define F_CPL3   0x0040u   /* only at CPL 3 (would break the guest at CPL 0) */
#define F_SLASH  0x0080u   /* ModRM.reg fixed to `ext` */
#define F_MOFFS  0x0100u   /* a 32-bit absolute address follows */
#define F_EAXOK  0x0200u   /* VMCALL: EAX must not be 2 (exit) */
#define F_PORT   0x0400u   /* I/O: imm8 port or DX from the safe list */
#define F_STR    0x0800u   /* string instruction: ESI/EDI targets, small ECX */
#define F_EMU    0x1000u   /* the MMIO emulator knows it: may touch MMIO */
#define F_NOREX  0x2000u   /* 64-bit: carries its own REX prefix */

struct op {
    uint8_t len, b[3];
    uint8_t ext;
    uint16_t f;
    const char *name;
};

#define O1(a, f, n)        { 1, { a }, 0, f, n }
#define O2(a, b, f, n)     { 2, { a, b }, 0, f, n }
#define O3(a, b, c, f, n)  { 3, { a, b, c }, 0, f, n }
#define OX(a, x, f, n)     { 1, { a }, x, (f) | F_SLASH | F_MODRM, n }
#define OX2(a, b, x, f, n) { 2, { a, b }, x, (f) | F_SLASH | F_MODRM, n }

static const struct op ops[] = {
    O1(0x00, F_MODRM | F_EMU, "add Eb,Gb"), O1(0x01, F_MODRM | F_EMU, "add Ev,Gv"),
    O1(0x03, F_MODRM | F_EMU, "add Gv,Ev"), O1(0x09, F_MODRM | F_EMU, "or Ev,Gv"),
    O1(0x11, F_MODRM | F_EMU, "adc Ev,Gv"), O1(0x19, F_MODRM | F_EMU, "sbb Ev,Gv"),
    O1(0x21, F_MODRM | F_EMU, "and Ev,Gv"), O1(0x29, F_MODRM | F_EMU, "sub Ev,Gv"),
    O1(0x31, F_MODRM | F_EMU, "xor Ev,Gv"), O1(0x3B, F_MODRM | F_EMU, "cmp Gv,Ev"),
    O1(0x80, F_MODRM | F_I8 | F_EMU, "grp1 Eb,Ib"), O1(0x81, F_MODRM | F_IZ | F_EMU, "grp1 Ev,Iz"),
    O1(0x83, F_MODRM | F_I8 | F_EMU, "grp1 Ev,Ib"),
    O1(0x84, F_MODRM | F_EMU, "test Eb,Gb"), O1(0x85, F_MODRM | F_EMU, "test Ev,Gv"),
    O1(0x86, F_MODRM | F_EMU, "xchg Eb,Gb"), O1(0x87, F_MODRM | F_EMU, "xchg Ev,Gv"),
    O1(0x88, F_MODRM | F_EMU, "mov Eb,Gb"), O1(0x89, F_MODRM | F_EMU, "mov Ev,Gv"),
    O1(0x8A, F_MODRM | F_EMU, "mov Gb,Eb"), O1(0x8B, F_MODRM | F_EMU, "mov Gv,Ev"),
    O1(0x8D, F_MODRM | F_MEM | F_EMU, "lea"),
    O1(0xA0, F_MOFFS | F_EMU, "mov al,Ob"), O1(0xA1, F_MOFFS | F_EMU, "mov eAX,Ov"),
    O1(0xA2, F_MOFFS | F_EMU, "mov Ob,al"), O1(0xA3, F_MOFFS | F_EMU, "mov Ov,eAX"),
    O1(0xA4, F_STR | F_EMU, "movsb"), O1(0xA5, F_STR | F_EMU, "movsd"), O1(0xA6, F_STR, "cmpsb"),
    O1(0xAA, F_STR | F_EMU, "stosb"), O1(0xAB, F_STR | F_EMU, "stosd"), O1(0xAC, F_STR, "lodsb"),
    O1(0xAD, F_STR, "lodsd"), O1(0xAF, F_STR, "scasd"),
    OX(0xC6, 0, F_I8 | F_EMU, "mov Eb,Ib"), OX(0xC7, 0, F_IZ | F_EMU, "mov Ev,Iz"),
    O1(0xC1, F_MODRM | F_I8, "shift Ev,Ib"), O1(0xD1, F_MODRM, "shift Ev,1"),
    O1(0xD3, F_MODRM, "shift Ev,cl"),
    O1(0xF6, F_MODRM, "grp3 Eb"), O1(0xF7, F_MODRM, "grp3 Ev"),
    OX(0xFE, 0, 0, "inc Eb"), OX(0xFF, 1, 0, "dec Ev"), OX(0xFF, 6, 0, "push Ev"),
    OX(0x8F, 0, 0, "pop Ev"),
    O1(0x50, 0, "push eax"), O1(0x5B, 0, "pop ebx"), O1(0x6A, F_I8, "push Ib"),
    O1(0x60, 0, "pusha"), O1(0x9C, 0, "pushf"), O1(0x9D, 0, "popf"),
    O1(0x99, 0, "cdq"), O1(0x90, 0, "nop"), O1(0xF5, 0, "cmc"), O1(0xFD, 0, "std"),
    O1(0xFC, 0, "cld"), O1(0xCC, 0, "int3"), O1(0xCE, 0, "into"),
    O2(0xCD, 0x81, 0, "int 0x81"), O2(0xCD, 0x0D, 0, "int 13"), O2(0xCD, 0x02, 0, "int 2"),
    O1(0xD6, 0, "salc"), O1(0xD7, 0, "xlat"),
    O2(0x0F, 0xB6, F_MODRM | F_EMU, "movzx Gv,Eb"), O2(0x0F, 0xB7, F_MODRM | F_EMU, "movzx Gv,Ew"),
    O2(0x0F, 0xBE, F_MODRM | F_EMU, "movsx Gv,Eb"), O2(0x0F, 0xBF, F_MODRM | F_EMU, "movsx Gv,Ew"),
    O2(0x0F, 0xA3, F_MODRM | F_EMU, "bt"), O2(0x0F, 0xAB, F_MODRM | F_EMU, "bts"),
    O2(0x0F, 0xB3, F_MODRM | F_EMU, "btr"), O2(0x0F, 0xBB, F_MODRM | F_EMU, "btc"),
    O2(0x0F, 0xBA, F_MODRM | F_I8 | F_EMU, "grp8 Ev,Ib"),
    O2(0x0F, 0xB0, F_MODRM, "cmpxchg Eb,Gb"), O2(0x0F, 0xB1, F_MODRM, "cmpxchg Ev,Gv"),
    O2(0x0F, 0xC0, F_MODRM, "xadd Eb,Gb"), O2(0x0F, 0xC1, F_MODRM, "xadd Ev,Gv"),
    OX2(0x0F, 0xC7, 1, F_MEM, "cmpxchg8b"),
    O2(0x0F, 0xAF, F_MODRM, "imul Gv,Ev"), O2(0x0F, 0x44, F_MODRM, "cmove"),
    O2(0x0F, 0x95, F_MODRM, "setne Eb"), O2(0x0F, 0xA5, F_MODRM, "shld Ev,Gv,cl"),
    O2(0x0F, 0xC8, 0, "bswap eax"),
    O2(0x0F, 0xA2, 0, "cpuid"), O2(0x0F, 0x31, 0, "rdtsc"), O3(0x0F, 0x01, 0xF9, 0, "rdtscp"),
    O2(0x0F, 0x33, 0, "rdpmc"), O2(0x0F, 0x0B, 0, "ud2"), O2(0x0F, 0xAA, 0, "rsm"),
    O2(0x0F, 0x08, 0, "invd"), O2(0x0F, 0x09, 0, "wbinvd"), O2(0x0F, 0x37, 0, "getsec"),
    O3(0x0F, 0x01, 0xC8, 0, "monitor"), O3(0x0F, 0x01, 0xC9, 0, "mwait"),
    O3(0x0F, 0x01, 0xD0, 0, "xgetbv"), O3(0x0F, 0x01, 0xD1, 0, "xsetbv"),
    O3(0x0F, 0x01, 0xC1, F_EAXOK, "vmcall"), O3(0x0F, 0x01, 0xC2, 0, "vmlaunch"),
    O3(0x0F, 0x01, 0xC3, 0, "vmresume"), O3(0x0F, 0x01, 0xC4, 0, "vmxoff"),
    O3(0x0F, 0x01, 0xD8, 0, "vmrun"), O3(0x0F, 0x01, 0xD9, 0, "vmmcall"),
    O3(0x0F, 0x01, 0xDA, 0, "vmload"), O3(0x0F, 0x01, 0xDC, 0, "stgi"),
    O3(0x0F, 0x01, 0xDD, 0, "clgi"), O3(0x0F, 0x01, 0xDF, 0, "invlpga"),
    O3(0x0F, 0x01, 0xD4, 0, "vmfunc"), O3(0x0F, 0x01, 0xCA, 0, "clac"),
    O2(0x0F, 0x78, F_MODRM, "vmread"), O2(0x0F, 0x79, F_MODRM, "vmwrite"),
    OX2(0x0F, 0xC7, 6, F_MEM | F_EMU, "vmptrld"), OX2(0x0F, 0xC7, 7, F_MEM | F_EMU, "vmptrst"),
    OX2(0x0F, 0xC7, 6, F_REGF, "rdrand"), OX2(0x0F, 0xC7, 7, F_REGF, "rdseed"),
    OX2(0x0F, 0xC7, 3, F_MEM, "xrstors"), OX2(0x0F, 0xC7, 5, F_MEM, "xsaves"),
    OX2(0x0F, 0x01, 7, F_MEM | F_EMU, "invlpg"), OX2(0x0F, 0x01, 0, F_MEM, "sgdt"),
    OX2(0x0F, 0x01, 1, F_MEM, "sidt"), OX2(0x0F, 0x01, 4, 0, "smsw"),
    OX2(0x0F, 0x00, 0, 0, "sldt"), OX2(0x0F, 0x00, 1, 0, "str"),
    OX2(0x0F, 0x00, 4, 0, "verr"), O2(0x0F, 0x03, F_MODRM, "lsl"),
    O2(0x0F, 0x20, F_REGF | F_MODRM, "mov r,crN"),
    O2(0x0F, 0x21, F_REGF | F_MODRM, "mov r,drN"),
    O2(0x0F, 0x06, 0, "clts"),
    O2(0x0F, 0x10, F_MODRM, "movups"), O2(0x0F, 0x77, 0, "emms"),
    O1(0xD9, F_MODRM | F_MEM, "fld/fst"), O1(0xDB, F_MODRM | F_MEM, "fild"),
    O1(0xE4, F_PORT | F_I8, "in al,Ib"), O1(0xE5, F_PORT | F_I8, "in eax,Ib"),
    O1(0xE6, F_PORT | F_I8, "out Ib,al"), O1(0xEC, F_PORT, "in al,dx"),
    O1(0xED, F_PORT, "in eax,dx"), O1(0xEF, F_PORT, "out dx,eax"),
    O1(0x6C, F_PORT | F_STR, "insb"), O1(0x6F, F_PORT | F_STR, "outsd"),
    /* Would wreck the guest at CPL 0; at CPL 3 they fault. */
    O1(0xF4, F_CPL3, "hlt"), O1(0xFA, F_CPL3, "cli"), O1(0xFB, F_CPL3, "sti"),
    O2(0x0F, 0x22, F_REGF | F_MODRM | F_CPL3, "mov crN,r"),
    O2(0x0F, 0x23, F_REGF | F_MODRM | F_CPL3, "mov drN,r"),
    O2(0x0F, 0x30, F_CPL3, "wrmsr"), O2(0x0F, 0x32, F_CPL3, "rdmsr"),
    OX2(0x0F, 0x01, 2, F_MEM | F_CPL3, "lgdt"), OX2(0x0F, 0x01, 3, F_MEM | F_CPL3, "lidt"),
    OX2(0x0F, 0x01, 6, F_CPL3, "lmsw"), OX2(0x0F, 0x00, 3, F_CPL3, "ltr"),
    O1(0x8E, F_MODRM | F_CPL3, "mov Sw,Ew"), O1(0x17, F_CPL3, "pop ss"),
    O1(0x1F, F_CPL3, "pop ds"), O1(0xCF, F_CPL3, "iret"),
    O2(0x0F, 0x34, F_CPL3, "sysenter"), O2(0x0F, 0x05, F_CPL3, "syscall"),
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Forms only 64-bit mode has (the table above serves too: what is invalid
 * there, PUSHA, INTO, SALC, ..., raises #UD). */
static const struct op ops64[] = {
    O1(0x63, F_MODRM | F_EMU, "movsxd Gv,Ed"), O1(0x68, F_IZ, "push Iz"),
    O3(0x0F, 0x01, 0xF8, 0, "swapgs"), O3(0x0F, 0x01, 0xF9, 0, "rdtscp"),
    { 3, { 0x44, 0x0F, 0x22 }, 0, F_NOREX | F_REGF | F_MODRM | F_SLASH, "mov cr8,r" },
    { 3, { 0x44, 0x0F, 0x20 }, 0, F_NOREX | F_REGF | F_MODRM | F_SLASH, "mov r,cr8" },
    { 3, { 0x48, 0x0F, 0xC7 }, 1, F_NOREX | F_MEM | F_MODRM | F_SLASH, "cmpxchg16b" },
    { 2, { 0x48, 0xCF }, 0, F_NOREX | F_CPL3, "iretq" },
    { 2, { 0x48, 0x99 }, 0, F_NOREX, "cqo" },
    O2(0x0F, 0x05, F_CPL3, "syscall"), O2(0x0F, 0x07, F_CPL3, "sysret"),
};
#define NOPS64 (sizeof(ops64) / sizeof(ops64[0]))

/* Ports the generators may write: not the ones that end the guest (0xF4,
 * reset through 0x64/0x92/0xCF9, ACPI PM1 control) nor the consoles
 * (COM1, 0xE9), whose output would garble the log. */
static bool port_ok_for_write(uint32_t p)
{
    return !(p >= 0xF4 && p <= 0xF7) && p != 0x64 && p != 0x92 && !(p >= 0xCF8 && p <= 0xCFF) &&
           !(p >= 0x600 && p <= 0x63F) && !(p >= 0x3F8 && p <= 0x3FF) && p != 0xE9;
}

static const uint16_t device_ports[] = {
    0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71,
    0x60, 0x64, 0x80, 0x92, 0x510, 0x511, 0x514, 0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC,
    0x3FD, 0x3FE, 0x3FF, 0x600, 0x604, 0x608, 0xCF8, 0xCFC, 0xE9, 0x2F8, 0x1F0, 0x3C0,
};

static uint32_t random_port(bool write)
{
    for (;;) {
        uint32_t p = chance(2) ? device_ports[below(sizeof(device_ports) / 2)]
                               : (chance(2) ? below(0x400) : below(0x10000));
        if (!write || port_ok_for_write(p))
            return p;
    }
}

/* ---- code generation ---- */

static uint8_t *cp;                    /* where the next byte goes */
static uint32_t unit_start[1024];      /* offsets of each unit in CODE_BUF */
static unsigned nunits;

static void emit8(uint32_t v) { *cp++ = (uint8_t)v; }
static void emit32(uint32_t v)
{
    memcpy(cp, &v, 4);
    cp += 4;
}

struct regs { uint32_t r[16]; };

/* Real mode: a memory target as an offset in a segment. Scratch RAM is
 * DS/ES/SS (RM_DATA_SEG); the test device and the xAPIC page are reached
 * through FS and GS, whose bases the trip through protected mode left
 * there (unreal segments). *pfx gets the segment override needed, or 0. */
static uint32_t target16(int kind, uint8_t *pfx)
{
    *pfx = 0;
    if (kind == T_TESTDEV || kind == T_IOAPIC) {
        *pfx = 0x64;
        return 0x40 + below(0x140);
    }
    if (kind == T_XAPIC) {
        *pfx = 0x65;
        return 0x40 + below(0xF00);
    }
    return 0x40 + below(0xF000);
}

/* 16-bit ModRM: the registers of each r/m (base, index; -1: none). */
static const int8_t rm16_base[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };
static const int8_t rm16_index[8] = { 6, 7, 6, 7, 6, 7, -1, -1 };

/*
 * One instruction from the table with its set-up: every GPR loaded (ESP
 * with the chunk stack), prefixes, opcode, ModRM/SIB/displacement aimed at
 * targets of the chosen kinds, immediate. `bits` is the code size: 32
 * (protected mode), 16 (real mode: 16-bit addressing, targets as segment
 * offsets) or 64 (REX prefixes, R8-R15, RIP-relative operands, 64-bit
 * absolute moffs).
 */
static const char *gen_unit_ex(int bits, bool cpl3, bool mmio_heavy, bool unbacked, bool any_form)
{
    const struct op *o;
    do {
        uint32_t k = below(bits == 64 ? NOPS + NOPS64 : NOPS);
        o = k < NOPS ? &ops[k] : &ops64[k - NOPS];
    } while (!cpl3 && (o->f & F_CPL3));
    /* Forms the MMIO emulator does not know stop the guest ("cannot
     * emulate"): they get MMIO operands only when asked for. */
    int mode = (o->f & F_EMU) || any_form ? (mmio_heavy ? 1 : 0) : -1;
    if (bits != 32)
        unbacked = false;
    uint8_t seg = 0;                                 /* real mode: override for the operand */

    struct regs rg;
    for (int i = 0; i < 8; i++) {
        uint8_t dummy;
        rg.r[i] = bits == 16 ? target16(T_SCRATCH, &dummy) : target(pick_kind(mode, unbacked));
        if (chance(4))
            rg.r[i] = rnd() & (chance(2) ? 0xFF : 0xFFFFFFFF) ;
    }
    /* No register may point into this image at CPL 0: random values stay
     * small (page 0) or land on memory that is not ours. */
    if (!cpl3)
        for (int i = 0; i < 8; i++)
            if (rg.r[i] >= 0x1000 && rg.r[i] < ARENA && bits != 16)
                rg.r[i] &= 0xFFF;
    rg.r[4] = bits == 16 ? 0xF800 - below(64) * 2 : USTACK_TOP - below(64) * 4;
    if (o->f & F_STR) {
        rg.r[1] = below(9);                              /* ECX: count */
        if (bits == 16) {
            rg.r[6] = target16(T_SCRATCH, &seg);
            rg.r[7] = target16(T_SCRATCH, &seg);
        } else {
            rg.r[6] = target(pick_kind(mode, unbacked));
            rg.r[7] = target(pick_kind(mode, unbacked));
        }
    }
    if (o->f & F_PORT) {
        bool out = o->b[0] == 0xE6 || o->b[0] == 0xEF || o->b[0] == 0x6F;
        rg.r[2] = random_port(out);                      /* DX */
    }
    if ((o->f & F_EAXOK) && rg.r[0] == HC_EXIT)
        rg.r[0] = 0x1234;
    for (int i = 8; i < 16; i++)                         /* R8-R15 as their low twins */
        rg.r[i] = rg.r[i - 8];
    /* with REX.X, SIB index 4 is R12, not "none": zero adds nothing */
    rg.r[12] = 0;

    uint8_t ins[32];
    unsigned n = 0;
    int modrm_pos = -1, rip_disp = -1;
    uint32_t rip_target = 0;
    bool opsize = false;
    /* prefixes */
    static const uint8_t pfx[] = { 0x66, 0xF0, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
    unsigned npfx = chance(2) ? 0 : below(3);
    for (unsigned i = 0; i < npfx; i++) {
        uint8_t p = pfx[below(sizeof(pfx))];
        if ((o->f & F_PORT) && p == 0x66 && chance(2))
            continue;
        /* real mode: CS would write the code, FS/GS are the MMIO segments */
        if (bits == 16 && (p == 0x2E || p == 0x64 || p == 0x65))
            p = 0x3E;
        if (p == 0x66)
            opsize = true;
        ins[n++] = p;
    }
    unsigned seg_at = n;                                  /* the override goes here */
    if (bits == 16)
        n++;
    uint8_t rex = 0;
    if (bits == 64 && !(o->f & F_NOREX) && chance(2)) {
        rex = (uint8_t)(0x40 | below(16));
        ins[n++] = rex;
    }
    if (rex & 8)
        opsize = false;                                   /* REX.W wins over 0x66 */
    for (unsigned i = 0; i < o->len; i++)
        ins[n++] = o->b[i];
    if (o->f & F_MOFFS) {
        if (bits == 16) {
            uint32_t t = target16(mode < 0 ? T_SCRATCH : pick_kind(mode, false), &seg);
            ins[n++] = (uint8_t)t;
            ins[n++] = (uint8_t)(t >> 8);
        } else {
            uint32_t t = target(pick_kind(mode, unbacked)), hi = 0;
            memcpy(ins + n, &t, 4);
            n += 4;
            if (bits == 64) {
                memcpy(ins + n, &hi, 4);
                n += 4;
            }
        }
    }
    if (o->f & F_MODRM) {
        uint32_t mod = below(4), reg = below(8), rm = below(8);
        if (o->f & F_MEM)
            mod = below(3);
        if (o->f & F_REGF)
            mod = 3;
        if (o->f & F_SLASH)
            reg = o->ext;
        unsigned modrm_at = n;
        modrm_pos = (int)n;
        ins[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
        /* BT/BTS/BTR/BTC m, r: the register is a signed bit offset that
         * moves the address by up to 256 MiB: keep it small (below, once
         * the address registers are known). */
        bool bit_offset = o->len == 2 && (o->b[1] == 0xA3 || o->b[1] == 0xAB ||
                                          o->b[1] == 0xB3 || o->b[1] == 0xBB);
        unsigned rx = rex & 4 ? 8 : 0, bx = rex & 1 ? 8 : 0, xx = rex & 2 ? 8 : 0;
        if (mod != 3 && bits == 16) {
            uint32_t t = target16(mode < 0 ? T_SCRATCH : pick_kind(mode, false), &seg);
            uint32_t disp = mod == 1 ? (uint32_t)(int32_t)(int8_t)rnd()
                                     : (mod == 2 ? below(0x100) - 0x80 : 0);
            int base = rm16_base[rm], index = rm16_index[rm];
            bool abs = mod == 0 && rm == 6;
            uint32_t idx = below(0x100);
            if (abs) {
                disp = t;
                base = index = -1;
            }
            if (base >= 0 && index >= 0) {
                rg.r[index] = idx;
                rg.r[base] = (t - disp - idx) & 0xFFFF;
            } else if (base >= 0 || index >= 0) {
                rg.r[base >= 0 ? base : index] = (t - disp) & 0xFFFF;
            }
            if (bit_offset) {
                while ((int)reg == base || (int)reg == index || reg == 4)
                    reg = (reg + 1) & 7;
                ins[modrm_at] = (uint8_t)(mod << 6 | reg << 3 | rm);
                rg.r[reg] = below(256);
            }
            if (mod == 1)
                ins[n++] = (uint8_t)disp;
            else if (mod == 2 || abs) {
                ins[n++] = (uint8_t)disp;
                ins[n++] = (uint8_t)(disp >> 8);
            }
        } else if (mod != 3) {
            uint32_t t = target(pick_kind(mode, unbacked));
            uint32_t disp = mod == 1 ? (uint32_t)(int32_t)(int8_t)rnd()
                                     : (mod == 2 ? below(0x100) - 0x80 : 0);
            int base = (int)(rm | bx), index = -1;
            uint32_t scale = 1, index_val = below(8);
            bool sib = rm == 4, abs = false;
            if (sib) {
                uint32_t sb = rnd() & 0xFF;
                ins[n++] = (uint8_t)sb;
                base = (int)((sb & 7) | bx);
                scale = 1u << (sb >> 6);
                index = (int)(((sb >> 3) & 7) | xx);
                if (index == 4)
                    index = -1;
                abs = mod == 0 && (sb & 7) == 5;
            } else if (mod == 0 && rm == 5) {
                abs = true;
                if (bits == 64) {                        /* RIP-relative */
                    if (t >= 0x80000000u)
                        t = target(T_SCRATCH);
                    rip_disp = (int)n;
                    rip_target = t;
                }
            }
            uint32_t idx = index >= 0 ? index_val * scale : 0;
            if (abs) {
                disp = t - idx;
                base = -1;
            }
            if (index >= 0)
                rg.r[index] = index_val;
            if (base >= 0)
                rg.r[base] = t - disp - idx;
            if (index >= 0 && base == index)                /* one register, two roles */
                rg.r[base] = (t - disp) / (scale + 1);
            if (bit_offset) {
                while ((int)(reg | rx) == base || (int)(reg | rx) == index || (reg | rx) == 4)
                    reg = (reg + 1) & 7;
                ins[modrm_at] = (uint8_t)(mod << 6 | reg << 3 | rm);
                rg.r[reg | rx] = below(256);
            }
            if (mod == 1)
                ins[n++] = (uint8_t)disp;
            else if (mod == 2 || abs) {
                memcpy(ins + n, &disp, 4);
                n += 4;
            }
        }
    }
    if (o->f & F_I8)
        ins[n++] = (uint8_t)rnd();
    /* operand size 16 for Iz: 0x66 outside real mode, none in it */
    bool size16 = bits == 16 ? !opsize : opsize;
    /* F6/F7 /0 and /1 are TEST with an immediate (the other forms have none):
     * without it the CPU would take the next bytes and run off the rails. */
    if ((o->b[0] == 0xF6 || o->b[0] == 0xF7) && o->len == 1 && modrm_pos >= 0 &&
        ((ins[modrm_pos] >> 3) & 7) < 2) {
        uint32_t imm = rnd();
        unsigned sz = o->b[0] == 0xF6 ? 1 : (size16 ? 2 : 4);
        memcpy(ins + n, &imm, sz);
        n += sz;
    }
    if (o->f & F_IZ) {
        uint32_t imm = rnd();
        memcpy(ins + n, &imm, size16 ? 2 : 4);
        n += size16 ? 2 : 4;
    }
    if (o->f & F_I16) {
        ins[n++] = (uint8_t)rnd();
        ins[n++] = (uint8_t)rnd();
    }
    if ((o->f & F_PORT) && (o->f & F_I8)) {
        uint32_t p;
        do
            p = random_port(o->b[0] == 0xE6) & 0xFF;
        while (o->b[0] == 0xE6 && !port_ok_for_write(p));
        ins[n - 1] = (uint8_t)p;
    }
    if (bits == 16) {                                     /* the segment, or a harmless DS */
        ins[seg_at] = seg ? seg : 0x3E;
        if ((o->f & F_PORT) && (o->f & F_STR) && seg)
            ins[seg_at] = 0x3E;                           /* OUTS from FS: keep it in RAM */
    }

    /* ESP first: nothing may run on a stray stack */
    static const int order[8] = { 4, 0, 1, 2, 3, 5, 6, 7 };
    for (int k = 0; k < (bits == 64 ? 16 : 8); k++) {
        int r = k < 8 ? order[k] : k;
        if (bits == 16)
            emit8(0x66);
        if (r >= 8)
            emit8(0x41);
        emit8(0xB8 + (r & 7));
        emit32(rg.r[r]);
    }
    if (rip_disp >= 0) {                                  /* relative to the next instruction */
        uint32_t d = rip_target - ((uint32_t)(uintptr_t)cp + n);
        memcpy(ins + rip_disp, &d, 4);
    }
    memcpy(cp, ins, n);
    cp += n;
    return o->name;
}

static const char *gen_unit(bool cpl3, bool mmio_heavy, bool unbacked, bool any_form)
{
    return gen_unit_ex(32, cpl3, mmio_heavy, unbacked, any_form);
}

/* Ends a chunk: int 0x80 (any CPL), preceded by NOPs to resynchronise
 * after random bytes. */
static void emit_end(void)
{
    for (int i = 0; i < 16; i++)
        emit8(0x90);
    emit8(0xCD);
    emit8(VEC_DONE);
}

static void irq_sources_quiet(void);

/* Where run_units runs code: 32-bit protected mode, real mode, long mode. */
enum { RUN_PM, RUN_RM, RUN_LM };

static void eoi_all(void)
{
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    lapic_eoi();
}

/* One entry into generated code at unit offset `off`; returns -1 when the
 * code ended (int 0x80 at its end), else the vector that stopped it, with
 * fault_eip set. In real and long mode every event stops the run: here an
 * NMI or an interrupt is counted and acknowledged, and returns
 * VEC_WATCHDOG + 1 (not a fault, resume after it). */
#define VEC_EVENT (VEC_WATCHDOG + 1)
static int enter_code(int how, uint32_t off, bool cpl3, uint32_t eflags)
{
    if (how == RUN_PM)
        return hx_enter(CODE_BUF + off, cpl3, eflags);
    int v;
    const uint8_t *base;
    if (how == RUN_RM) {
        v = rm_enter(off, eflags);
        volatile uint16_t *prm = (volatile uint16_t *)RM_PARAM;
        fault_eip = prm[6] == RM_CODE_SEG ? RM_CODE + (uint32_t)prm[5] : 0xFFFFFFFFu;
        fault_err = 0;
        base = (const uint8_t *)RM_CODE;
    } else {
        v = lm_enter(CODE_BUF + off, cpl3, eflags);
        fault_eip = lm_rip_hi ? 0xFFFFFFFFu : lm_rip;
        fault_err = lm_err;
        fault_cr2 = lm_cr2;
        base = (const uint8_t *)CODE_BUF;
    }
    uint32_t at = fault_eip - (uint32_t)(uintptr_t)base;
    if (v == VEC_DONE && at >= 2 && at < CODE_SIZE && base[at - 2] == 0xCD &&
        base[at - 1] == VEC_DONE)
        return -1;
    if (v == 2) {
        n_nmis++;
        return VEC_EVENT;
    }
    if (v >= 32) {
        n_irqs++;
        eoi_all();
        return VEC_EVENT;
    }
    return v;
}

/* Runs the units at `base` from the first; after a fault, resumes at the
 * unit after the one that faulted. Returns the number of units run. */
static uint32_t run_units_in(int how, bool cpl3, uint32_t eflags)
{
    uint32_t base = how == RUN_RM ? RM_CODE : CODE_BUF;
    uint32_t i = 0, ran = 0;
    while (i < nunits) {
        if (n_steps == dump_step)
            printf("hostile:   from unit %u\n", i);
        int v = enter_code(how, unit_start[i], cpl3, eflags);
        if (n_steps == dump_step)
            printf("hostile:   vector %d at 0x%x\n", v, fault_eip);
        if (v == -1 || v == VEC_DONE) {
            ran += nunits - i;
            break;
        }
        if (v != VEC_EVENT)
            n_faults++;
        uint32_t off = fault_eip - base, j = i;
        if (fault_eip < base || off >= unit_start[nunits]) {
            ran += nunits - i;                 /* somewhere else: give up the chunk */
            break;
        }
        while (j + 1 < nunits && unit_start[j + 1] <= off)
            j++;
        /* A trap reports the next unit's start: resume there; a fault
         * inside unit j: resume after it. */
        uint32_t next = unit_start[j] == off ? j : j + 1;
        if (next <= i)
            next = i + 1;
        ran += next - i;
        i = next;
    }
    return ran;
}

static uint32_t run_units(bool cpl3, uint32_t eflags)
{
    return run_units_in(RUN_PM, cpl3, eflags);
}

static void print_dump(uint32_t base)
{
    for (unsigned i = 0; i < nunits; i++) {
        printf("hostile:   unit %u:", i);
        for (uint32_t k = unit_start[i]; k < unit_start[i + 1]; k++)
            printf(" %02x", ((const uint8_t *)(uintptr_t)base)[k]);
        putc('\n');
    }
}

static void gen_insn(bool cpl3, bool mmio_heavy, bool unbacked)
{
    cp = (uint8_t *)CODE_BUF;
    nunits = 1 + below(48);
    const char *last = "";
    for (unsigned i = 0; i < nunits; i++) {
        unit_start[i] = (uint32_t)((uintptr_t)cp - CODE_BUF);
        last = gen_unit(cpl3, mmio_heavy, unbacked, false);
    }
    unit_start[nunits] = (uint32_t)((uintptr_t)cp - CODE_BUF);
    emit_end();
    if (verbose)
        printf("hostile: step %u: %u instructions at CPL %d%s, last %s\n", n_steps, nunits,
               cpl3 ? 3 : 0, mmio_heavy ? " (MMIO)" : "", last);
    if (n_steps == dump_step)
        print_dump(CODE_BUF);
    uint32_t fl = EFL_BASE | (cpl3 && chance(2) ? EFL_IF : 0);
    n_insns += run_units(cpl3, fl);
}

/* ---- real mode and long mode ---- */

/* The real-mode trampoline, IVT and parameters, written before each run
 * (random code in protected mode may have written over low memory). */
static void rm_prepare(void)
{
    memcpy((void *)RM_TRAMP, rm_blob, (size_t)(rm_blob_end - rm_blob));
    volatile uint32_t *ivt = (volatile uint32_t *)RM_IVT;
    uint32_t l = RM_TRAMP + (uint32_t)(rm_common - rm_blob);
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t cs = (l >> 4) - v;
        ivt[v] = cs << 16 | (l - cs * 16);
    }
    volatile uint16_t *prm = (volatile uint16_t *)RM_PARAM;
    prm[2] = SEL_FS16;
    prm[3] = SEL_GS16;
    struct table_ptr ivtr = { 0x3FF, RM_IVT };
    struct table_ptr g = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
    memcpy((void *)(RM_PARAM + 16), &hx_pm_idt, 6);
    memcpy((void *)(RM_PARAM + 24), &ivtr, 6);
    memcpy((void *)(RM_PARAM + 32), &g, 6);
}

/* Random instructions in real mode (CR0.PE=0): 16-bit operand and address
 * size, prefixes (0x66 for 32-bit operands), operands in scratch RAM and,
 * through the unreal FS/GS, on the test device and the xAPIC page. */
static void gen_insn_real(void)
{
    bool mmio_heavy = chance(4);
    cp = (uint8_t *)RM_CODE;
    nunits = 1 + below(48);
    const char *last = "";
    for (unsigned i = 0; i < nunits; i++) {
        unit_start[i] = (uint32_t)((uintptr_t)cp - RM_CODE);
        last = gen_unit_ex(16, false, mmio_heavy, false, false);
    }
    unit_start[nunits] = (uint32_t)((uintptr_t)cp - RM_CODE);
    emit_end();
    if (verbose)
        printf("hostile: step %u: %u instructions in real mode%s, last %s\n", n_steps, nunits,
               mmio_heavy ? " (MMIO)" : "", last);
    if (n_steps == dump_step)
        print_dump(RM_CODE);
    rm_prepare();
    n_insns += run_units_in(RUN_RM, false, EFL_BASE);
    irq_sources_quiet();
}

/* IA-32e paging for lm_enter: 2 MiB pages over RAM (the first 4 MiB
 * supervisor-only, as in protected mode), the device pages through 4 KiB
 * tables, the unbacked window if the seed has it. */
static void lm_tables_build(bool unbacked)
{
    lm_pml4[0] = (uint32_t)(uintptr_t)lm_pdpt | 7;
    for (int i = 0; i < 4; i++)
        lm_pdpt[i] = (uint32_t)(uintptr_t)lm_pd[i] | 7;
    for (uint32_t k = 0; k < 2048; k++) {
        uint64_t a = (uint64_t)k << 21;
        bool present = a < (uint64_t)ram_pdes << 22 ||
                       (unbacked && (a >> 22) == (HIGH_UNBACKED >> 22));
        lm_pd[k / 512][k % 512] = present ? (a | 0x83 | (a >= ARENA ? 4 : 0)) : 0;
    }
    static const uint32_t dev[3] = { TESTDEV, IOAPIC, XAPIC };
    for (int d = 0; d < 3; d++) {
        uint32_t k = dev[d] >> 21;
        lm_pt[d][(dev[d] >> 12) & 511] = dev[d] | 7;
        lm_pd[k / 512][k % 512] = (uint32_t)(uintptr_t)lm_pt[d] | 7;
    }
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t h = (uint32_t)(uintptr_t)hx64_stubs + v * 16;
        idt64[v] = (struct gate64){ (uint16_t)h, SEL_KCODE64, 1, v == VEC_DONE ? 0xEE : 0x8E,
                                    (uint16_t)(h >> 16), 0, 0 };
    }
    lm_idt_ptr.limit = sizeof(idt64) - 1;
    lm_idt_ptr.base = (uint32_t)(uintptr_t)idt64;
}

/* Random 64-bit instructions at CPL 0 or 3 (REX prefixes, R8-R15,
 * RIP-relative operands, 64-bit moffs, the table's and 64-bit-only forms). */
static void gen_insn64(bool cpl3, bool unbacked)
{
    bool mmio_heavy = chance(4);
    cp = (uint8_t *)CODE_BUF;
    nunits = 1 + below(48);
    const char *last = "";
    for (unsigned i = 0; i < nunits; i++) {
        unit_start[i] = (uint32_t)((uintptr_t)cp - CODE_BUF);
        last = gen_unit_ex(64, cpl3, mmio_heavy, unbacked, false);
    }
    unit_start[nunits] = (uint32_t)((uintptr_t)cp - CODE_BUF);
    emit_end();
    if (verbose)
        printf("hostile: step %u: %u instructions in 64-bit mode at CPL %d%s, last %s\n",
               n_steps, nunits, cpl3 ? 3 : 0, mmio_heavy ? " (MMIO)" : "", last);
    if (n_steps == dump_step)
        print_dump(CODE_BUF);
    uint32_t fl = EFL_BASE | (cpl3 && chance(2) ? EFL_IF : 0);
    /* the 32-bit TSS read as a 64-bit one: RSP0 = esp0 (ss0 is its high
     * half), IST1 = eflags:eax */
    tss.ss0 = 0;
    tss.eflags = (uint32_t)(uintptr_t)(ist_stack + sizeof(ist_stack));
    tss.eax = 0;
    n_insns += run_units_in(RUN_LM, cpl3, fl);
    tss.ss0 = SEL_KDATA;
    tss.eflags = 0;
    irq_sources_quiet();
}

/* ---- PIC/PIT helpers for the watchdog and storms ---- */

static void pit_rate(uint16_t divisor)
{
    outb(0x43, 0x34);                      /* channel 0, lo/hi, mode 2 */
    outb(0x40, (uint8_t)divisor);
    outb(0x40, (uint8_t)(divisor >> 8));
}

static void irq_sources_quiet(void)
{
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
    if (xapic_on()) {
        mmio_write32(XAPIC + 0x380, 0);    /* timer initial count */
        mmio_write32(XAPIC + 0x320, 0x10000);
    } else if (x2apic_on()) {
        wrmsr(0x838, 0);
        wrmsr(0x832, 0x10000);
    }
}

/* PIC at 0x20/0x28 with only IRQ 0, LINT0 as ExtINT, TPR 0: the PIT reaches us. */
static void pit_path_ready(uint16_t divisor)
{
    pic_remap(0x20, 0x28);
    pit_rate(divisor);
    if (xapic_on()) {
        mmio_write32(XAPIC + 0xF0, 0x1FF);
        mmio_write32(XAPIC + 0x350, 0x700);
        mmio_write32(XAPIC + 0x80, 0);
    } else if (x2apic_on()) {
        wrmsr(0x80F, 0x1FF);
        wrmsr(0x835, 0x700);
        wrmsr(0x808, 0);
    }
    pic_unmask(0);
}

/* ---- generators ---- */

static void gen_raw(void)
{
    cp = (uint8_t *)CODE_BUF;
    unsigned len = 16 + below(200);
    for (unsigned i = 0; i < len; i++)
        emit8(rnd());
    nunits = 1;
    unit_start[0] = 0;
    unit_start[1] = len;
    emit_end();
    say("raw bytes at CPL 3");
    pit_path_ready(1193);                  /* 1 kHz watchdog */
    watchdog_ticks = 0;
    watchdog_armed = true;
    /* Restart after each fault at the next 16-byte slot, a few times. */
    for (unsigned start = 0, tries = 0; start < len && tries < 8; tries++) {
        int v = hx_enter(CODE_BUF + start, true, EFL_BASE | EFL_IF);
        n_insns++;
        if (v == -1 || v == VEC_DONE || v == VEC_WATCHDOG)
            break;
        n_faults++;
        uint32_t off = fault_eip - CODE_BUF;
        if (fault_eip < CODE_BUF || off >= len)
            break;
        start = (off + 16) & ~15u;
    }
    watchdog_armed = false;
    irq_sources_quiet();
}

/* Random bytes at CPL 0, single-stepped behind raw0_check (see there):
 * a prologue loads every register (ESP with the chunk stack, the others
 * with scratch addresses) and jumps to raw0_resume, where the bytes start
 * or, after a fault, the next 16-byte slot. */
#define VEC_DENIED (VEC_WATCHDOG + 2)
static void gen_raw0(void)
{
    cp = (uint8_t *)CODE_BUF;
    static const int order[8] = { 4, 0, 1, 2, 3, 5, 6, 7 };
    for (int k = 0; k < 8; k++) {
        uint32_t val = k == 0 ? USTACK_TOP - below(64) * 4 : target(pick_kind(-1, false));
        emit8(0xB8 + order[k]);
        emit32(val);
    }
    emit8(0xFF);                           /* jmp [raw0_resume] */
    emit8(0x25);
    emit32((uint32_t)(uintptr_t)&raw0_resume);
    emit8(0x90);
    emit8(0x90);
    raw0_start = (uint32_t)(uintptr_t)cp;
    unsigned len = 16 + below(200);
    for (unsigned i = 0; i < len; i++)
        emit8(rnd());
    emit_end();
    raw0_end = (uint32_t)(uintptr_t)cp;
    say("raw bytes at CPL 0, single-stepped");
    uint32_t cr0 = read_cr0(), cr4 = read_cr4();
    pit_path_ready(1193);                  /* 1 kHz watchdog */
    watchdog_ticks = 0;
    watchdog_armed = true;
    raw0_active = true;
    raw0_steps = 0;
    for (unsigned start = 0, tries = 0; start < len && tries < 8; tries++) {
        raw0_resume = raw0_start + start;
        int v = hx_enter(CODE_BUF, 0, EFL_BASE | EFL_IF | EFL_TF);
        if (v == -1 || v == VEC_DONE || v == VEC_WATCHDOG)
            break;
        if (v != VEC_DENIED)
            n_faults++;
        uint32_t off = fault_eip - raw0_start;
        if (fault_eip < raw0_start || off >= len)
            break;
        start = (off + 16) & ~15u;
    }
    raw0_active = false;
    watchdog_armed = false;
    n_insns += raw0_steps;
    write_cr0(cr0);                        /* LMSW/CLTS may have changed TS, EM, MP */
    write_cr4(cr4);
    irq_sources_quiet();
}

static uint32_t a_port, a_val, a_width, a_kind, a_msr, a_lo, a_hi;

/* Runs fn at CPL 0 with faults caught; returns -1 or the vector. */
static int guarded(void (*fn)(void))
{
    hx_fn = fn;
    int v = hx_enter((uint32_t)(uintptr_t)hx_call, 0, EFL_BASE);
    if (v != NO_FAULT)
        n_faults++;
    n_insns++;
    return v;
}

static void do_io(void)
{
    uint32_t p = a_port;
    switch (a_kind) {
    case 0:
        if (a_width == 1) (void)inb(p); else if (a_width == 2) (void)inw(p); else (void)inl(p);
        break;
    case 1:
        if (a_width == 1) outb(p, a_val); else if (a_width == 2) outw(p, a_val); else outl(p, a_val);
        break;
    case 2: {
        uint32_t n = below(16), d = SCRATCH + below(0x1000);
        if (a_width == 1)
            __asm__ volatile("rep insb" : "+D"(d), "+c"(n) : "d"(p) : "memory");
        else if (a_width == 2)
            __asm__ volatile("rep insw" : "+D"(d), "+c"(n) : "d"(p) : "memory");
        else
            __asm__ volatile("rep insl" : "+D"(d), "+c"(n) : "d"(p) : "memory");
        break;
    }
    default: {
        uint32_t n = below(16), s = SCRATCH + below(0x1000);
        if (a_width == 1)
            __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(p) : "memory");
        else if (a_width == 2)
            __asm__ volatile("rep outsw" : "+S"(s), "+c"(n) : "d"(p) : "memory");
        else
            __asm__ volatile("rep outsl" : "+S"(s), "+c"(n) : "d"(p) : "memory");
        break;
    }
    }
}

static void gen_io(void)
{
    unsigned n = 1 + below(32);
    say("port I/O");
    for (unsigned i = 0; i < n; i++) {
        a_kind = below(4);
        a_port = random_port(a_kind & 1);
        a_width = 1u << below(3);
        a_val = rnd();
        guarded(do_io);
    }
    irq_sources_quiet();
}

static const uint32_t msrs[] = {
    0x10, 0x1B, 0x3A, 0x48, 0x49, 0x8B, 0xFE, 0x174, 0x175, 0x176, 0x179, 0x17A,
    0x1A0, 0x1D9, 0x200, 0x201, 0x250, 0x277, 0x2FF, 0x6E0, 0x480, 0x481, 0x48D,
    0x491, 0x3F1, 0xC1, 0x186, 0x38F, 0xDA0, 0xC0000080, 0xC0000081, 0xC0000082,
    0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103, 0xC0010114, 0x40000000,
    0x802, 0x803, 0x808, 0x80A, 0x80B, 0x80D, 0x80F, 0x828, 0x830, 0x831, 0x832,
    0x835, 0x837, 0x838, 0x839, 0x83E, 0x83F, 0x8FF,
};

/* MSRs whose random values would end this guest's ability to run on. */
static bool msr_keep(uint32_t m)
{
    return m == 0xC0000080 || m == 0x1B || m == 0x174 || m == 0x176;
}

static void do_rdmsr(void)
{
    uint64_t v = rdmsr(a_msr);
    a_lo = (uint32_t)v;
    a_hi = (uint32_t)(v >> 32);
}

static void do_wrmsr(void)
{
    wrmsr(a_msr, (uint64_t)a_hi << 32 | a_lo);
}

static void gen_msr(void)
{
    unsigned n = 1 + below(24);
    say("MSRs");
    for (unsigned i = 0; i < n; i++) {
        switch (below(4)) {
        case 0:  a_msr = rnd(); break;
        case 1:  a_msr = below(0x2000) | (chance(2) ? 0 : 0xC0000000u); break;
        default: a_msr = msrs[below(sizeof(msrs) / 4)]; break;
        }
        bool readable = guarded(do_rdmsr) == NO_FAULT;
        uint32_t lo = a_lo, hi = a_hi;
        if (chance(3))
            continue;
        uint32_t r = below(4);
        a_lo = r == 0 ? rnd() : (r == 1 ? lo ^ (1u << below(32)) : (r == 2 ? 0 : lo));
        a_hi = r == 0 ? rnd() : (r == 1 && chance(2) ? hi ^ (1u << below(32)) : hi);
        if (msr_keep(a_msr) && !(r == 3))
            continue;
        if (guarded(do_wrmsr) == NO_FAULT && readable) {
            a_lo = lo;
            a_hi = hi;
            guarded(do_wrmsr);
        }
    }
    apic_mode_refresh();
    irq_sources_quiet();
}

static uint32_t a_cr;
static void do_cr0(void) { write_cr0(a_cr); }
static void do_cr4(void) { write_cr4(a_cr); }
/* MOV to CR8 exists only in 64-bit mode; in 32-bit code the assembler
 * writes LOCK MOV CR0 (AMD's alternative encoding, #UD on Intel). */
static void do_cr8(void) { __asm__ volatile("mov %0, %%cr8" : : "r"(a_cr)); }
static void do_dr(void)
{
    switch (a_kind) {
    case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(a_cr)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(a_cr)); break;
    case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(a_cr)); break;
    case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(a_cr)); break;
    case 4: __asm__ volatile("mov %0, %%dr6" : : "r"(a_cr)); break;
    default: __asm__ volatile("mov %0, %%dr7" : : "r"(a_cr)); break;
    }
}

static void gen_crdr(void)
{
    unsigned n = 1 + below(16);
    say("control and debug registers");
    uint32_t cr0 = read_cr0(), cr4 = read_cr4();
    for (unsigned i = 0; i < n; i++) {
        switch (below(4)) {
        case 0:   /* CR0: keep PE, PG (we run on them); flip others */
            a_cr = (cr0 ^ (1u << below(32))) | CR0_PE | CR0_PG;
            guarded(do_cr0);
            a_cr = cr0;
            guarded(do_cr0);
            break;
        case 1:   /* CR4: flip one bit, keep PSE (our paging) */
            a_cr = (cr4 ^ (1u << below(32))) | CR4_PSE;
            if (a_cr & 0x20)                           /* PAE would re-read our tables */
                a_cr &= ~0x20u;
            guarded(do_cr4);
            a_cr = cr4;
            guarded(do_cr4);
            break;
        case 2:
            a_cr = chance(2) ? below(16) : rnd();
            guarded(do_cr8);
            a_cr = 0;
            guarded(do_cr8);
            break;
        default:
            a_kind = below(6);
            a_cr = chance(2) ? rnd() : target(T_SCRATCH);
            if (a_kind == 5)
                a_cr &= ~0xFFu;                        /* DR7: no breakpoints enabled */
            guarded(do_dr);
            break;
        }
    }
    a_kind = 5;
    a_cr = 0;
    guarded(do_dr);
}

/* VMX/SVM instructions and VMCALL with random arguments. */
static uint32_t a_eax, a_ebx, a_ecx;
static void do_vmcall(void)
{
    __asm__ volatile("vmcall" : "+a"(a_eax) : "b"(a_ebx), "c"(a_ecx) : "memory");
}
static void do_vmxon(void)
{
    uint64_t ptr = a_ebx;
    __asm__ volatile("vmxon %0" : : "m"(ptr) : "memory", "cc");
}
static void do_vmclear(void)
{
    uint64_t ptr = a_ebx;
    __asm__ volatile("vmclear %0" : : "m"(ptr) : "memory", "cc");
}
static void do_invept(void)
{
    uint64_t desc[2] = { a_ebx, 0 };
    __asm__ volatile("invept %0, %1" : : "m"(desc), "r"(a_ecx) : "memory", "cc");
}
static void do_invvpid(void)
{
    uint64_t desc[2] = { a_ebx, 0 };
    __asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(a_ecx) : "memory", "cc");
}
static void do_vmrun(void)
{
    __asm__ volatile(".byte 0x0F, 0x01, 0xD8" : : "a"(a_eax) : "memory");
}
static void do_vmmcall(void)
{
    __asm__ volatile(".byte 0x0F, 0x01, 0xD9" : "+a"(a_eax) : "b"(a_ebx), "c"(a_ecx) : "memory");
}

static void gen_virt(void)
{
    static void (*const fns[])(void) = { do_vmcall, do_vmcall, do_vmxon, do_vmclear,
                                         do_invept, do_invvpid, do_vmrun, do_vmmcall };
    unsigned n = 1 + below(12);
    say("VMX/SVM instructions, VMCALL");
    for (unsigned i = 0; i < n; i++) {
        a_eax = chance(2) ? below(8) : rnd();
        if (a_eax == HC_EXIT)
            a_eax = 0;
        a_ebx = chance(2) ? target(T_SCRATCH) : rnd();
        a_ecx = chance(2) ? below(0x2000) : rnd();
        if (a_eax == HC_CONSOLE_WRITE && a_ebx < 0x4000000 && a_ecx <= 4096)
            a_ebx = 0xFFFFF000 + below(0x1000);   /* only the error paths: no garbage */
        guarded(fns[below(sizeof(fns) / sizeof(fns[0]))]);
    }
}

static void do_invd(void) { __asm__ volatile("invd" ::: "memory"); }
static void do_wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static void do_xsetbv(void)
{
    __asm__ volatile("xsetbv" : : "c"(a_ecx), "a"(a_lo), "d"(a_hi));
}
static void do_xgetbv(void)
{
    __asm__ volatile("xgetbv" : "=a"(a_lo), "=d"(a_hi) : "c"(a_ecx));
}

static void gen_cache(void)
{
    unsigned n = 1 + below(8);
    say("INVD/WBINVD/XSETBV");
    for (unsigned i = 0; i < n; i++) {
        switch (below(4)) {
        case 0: guarded(do_invd); break;
        case 1: guarded(do_wbinvd); break;
        default: {
            bool osxsave = read_cr4() & (1u << 18);
            if (chance(2) && !osxsave) {
                a_cr = read_cr4() | (1u << 18);
                guarded(do_cr4);
            }
            a_ecx = chance(2) ? 0 : rnd();
            uint32_t r = below(3);
            a_lo = r == 0 ? rnd() : (r == 1 ? 1u << below(32) : 0);
            a_hi = chance(4) ? rnd() : 0;
            guarded(do_xsetbv);
            a_ecx = 0;
            a_lo = 1;                              /* back to x87 only */
            a_hi = 0;
            guarded(do_xsetbv);
            guarded(do_xgetbv);
            break;
        }
        }
    }
}

/* ---- local APIC and IOAPIC ---- */

static const uint16_t apic_regs[] = {
    0x020, 0x030, 0x080, 0x0B0, 0x0D0, 0x0E0, 0x0F0, 0x280, 0x300, 0x310, 0x320,
    0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x390, 0x3E0, 0x2F0, 0x3F0, 0x100, 0x200,
};

static uint32_t random_icr(void)
{
    /* delivery mode: fixed, lowest, SMI, NMI, INIT, SIPI; shorthands */
    static const uint32_t dms[] = { 0x000, 0x100, 0x200, 0x400, 0x500, 0x600, 0x700, 0x300 };
    uint32_t v = chance(3) ? below(16) : 32 + below(224);
    return v | dms[below(8)] | (below(4) << 18) | (chance(2) ? 0x4000 : 0) |
           (chance(4) ? 0x8000 : 0) | (chance(2) ? 0x800 : 0);
}

static uint32_t a_reg;
static void do_xapic_write(void) { mmio_write32(XAPIC + a_reg, a_val); }
static void do_xapic_read(void) { a_val = mmio_read32(XAPIC + a_reg); }
static void do_x2apic_write(void) { wrmsr(0x800 + (a_reg >> 4), (uint64_t)a_hi << 32 | a_val); }

static void apic_base_restore(uint64_t base)
{
    /* x2APIC -> xAPIC goes through disabled (SDM "x2APIC State Transitions"). */
    a_msr = 0x1B;
    a_lo = (uint32_t)base & ~0xC00u;
    a_hi = 0;
    guarded(do_wrmsr);
    a_lo = (uint32_t)base;
    guarded(do_wrmsr);
    apic_mode_refresh();
}

static void gen_lapic(void)
{
    unsigned n = 1 + below(24);
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    bool x2 = chance(3);
    say(x2 ? "x2APIC registers" : "xAPIC registers");
    if (x2) {
        a_msr = 0x1B;
        a_lo = (uint32_t)base | 0xC00;
        a_hi = 0;
        guarded(do_wrmsr);
        apic_mode_refresh();
    }
    cli();
    for (unsigned i = 0; i < n; i++) {
        a_reg = apic_regs[below(sizeof(apic_regs) / 2)];
        if (chance(8))
            a_reg = below(0x400) & ~0xFu;
        a_val = a_reg == 0x300 || chance(4) ? random_icr() : rnd();
        a_hi = chance(2) ? 0 : rnd();
        if (a_reg == 0x380 && a_val < 0x100)
            a_val = 0x100;                         /* no timer storm from here */
        if (chance(4))
            a_val &= 0xFFFF;
        a_msr = 0x800 + (a_reg >> 4);
        if (x2 && x2apic_on())
            guarded(chance(4) ? do_rdmsr : do_x2apic_write);
        else if (xapic_on())
            guarded(chance(4) ? do_xapic_read : do_xapic_write);
        if (chance(3)) {                           /* let interrupts in for a moment */
            sti();
            for (volatile int k = 0; k < 200; k++)
                ;
            cli();
        }
    }
    /* the IOAPIC: random redirection entries, then masked again */
    unsigned m = below(6);
    for (unsigned i = 0; i < m; i++) {
        uint32_t idx = 0x10 + below(48);
        mmio_write32(IOAPIC, idx);
        mmio_write32(IOAPIC + 0x10, rnd() & (chance(2) ? 0xFFFF : 0xFFFFFFFF));
    }
    sti();
    for (volatile int k = 0; k < 500; k++)
        ;
    cli();
    for (uint32_t idx = 0x10; idx < 0x40; idx += 2) {
        mmio_write32(IOAPIC, idx);
        mmio_write32(IOAPIC + 0x10, 0x10000);
    }
    apic_base_restore(base);
    irq_sources_quiet();
    if (xapic_on()) {
        mmio_write32(XAPIC + 0xF0, 0x1FF);
        mmio_write32(XAPIC + 0x350, 0x700);
        mmio_write32(XAPIC + 0x80, 0);
    }
}

/* ---- paging ---- */

static void do_touch(void)
{
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)a_val;
    if (a_kind)
        *p = a_val;
    else
        (void)*p;
}

static void do_load_cr3(void) { write_cr3(a_cr); }

/*
 * Builds a page directory at PT_AREA whose first entry maps this image as
 * before and whose others are malformed or odd (reserved bits in a 4 MiB
 * PDE, a misaligned 4 MiB page, a PDE pointing at the directory itself, a
 * page table with junk), loads it, touches addresses through it and goes
 * back. Sometimes PAE with random PDPTEs instead (MOV CR3 loads them).
 */
static void gen_paging(bool unbacked)
{
    uint32_t *npd = (uint32_t *)PT_AREA;
    uint32_t *npt = (uint32_t *)(PT_AREA + 0x1000);
    /* Without `unbacked`, whatever the tables say stays inside RAM. */
    uint32_t first = 2, span = ram_pdes > 2 ? ram_pdes - 2 : 1;
    say("malformed page tables");
    for (uint32_t i = 0; i < 1024; i++)
        npd[i] = pd[i];
    for (uint32_t i = 0; i < 1024; i++) {
        npt[i] = (unbacked && chance(4) ? rnd() : (2u << 22) + below(span << 22)) & ~0xFFFu;
        npt[i] |= rnd() & 0xFFF;    /* above 8 MiB: not this image nor the arena */
    }
    unsigned n = 1 + below(12);
    for (unsigned i = 0; i < n; i++) {
        uint32_t e = first + below(span), v;
        switch (below(unbacked ? 6 : 4)) {
        case 0:   /* 4 MiB page with bit 21 set: always reserved */
            v = (e << 22) | PDE_PS | PDE_P | PDE_RW | PDE_US | (1u << 21);
            break;
        case 1:   /* misaligned: low address bits, PAT; with unbacked, PSE-36 bits too */
            v = (e << 22) | PDE_PS | PDE_P | PDE_RW | PDE_US | (1u << 21) |
                (below(unbacked ? 0x200 : 2) << 12);
            break;
        case 2:   /* the directory used as its own page table */
            v = PT_AREA | PDE_P | PDE_RW | PDE_US;
            break;
        case 3:   /* a page table of junk */
            v = (PT_AREA + 0x1000) | PDE_P | PDE_RW | PDE_US | (rnd() & 0x78);
            break;
        case 4:
            v = rnd() | PDE_P;
            break;
        default:
            v = (HIGH_UNBACKED + below(0x1000) * 0x1000) | PDE_P | PDE_RW | PDE_US;
            break;
        }
        npd[e] = v;
    }
    uint32_t cr4 = read_cr4();
    cli();
    if (chance(4)) {
        /* PAE with a bad PDPTE (reserved bits, present): setting CR4.PAE
         * with paging on loads the PDPTEs, which must raise #GP. */
        uint64_t *pdpt = (uint64_t *)(PT_AREA + 0x2000);
        for (int i = 0; i < 4; i++)
            pdpt[i] = (uint64_t)rnd() << 32 | rnd();
        pdpt[0] |= 1 | (chance(2) ? 0x6 : (1ull << 63)) | (0x20ull << below(4));
        say("PAE with a reserved PDPTE");
        a_cr = cr4 | 0x20;
        if (guarded(do_cr4) == NO_FAULT) {
            printf("hostile: seed=%u: CR4.PAE accepted reserved PDPTE %08x%08x\n", seed,
                   (uint32_t)(pdpt[0] >> 32), (uint32_t)pdpt[0]);
            a_cr = cr4;
            guarded(do_cr4);
        }
        write_cr3((uint32_t)(uintptr_t)pd);
        return;
    }
    a_cr = PT_AREA;
    if (guarded(do_load_cr3) == NO_FAULT) {
        unsigned m = 1 + below(16);
        for (unsigned i = 0; i < m; i++) {
            a_val = ((first + below(span)) << 22) + below(16) * 0x1000 + (below(0x1000) & ~3u);
            a_kind = below(2);
            if (a_val >= ARENA && a_val < ARENA + 0x400000)
                a_kind = 0;                        /* our code and scratch live there */
            guarded(do_touch);
        }
    }
    write_cr3((uint32_t)(uintptr_t)pd);
    write_cr4(cr4);
}

/* ---- MMIO instruction forms ---- */

static void gen_mmio(bool unbacked)
{
    if (any_forms && chance(8)) {
        /* PUSH/POP with the stack in MMIO (testdev scratch or the xAPIC page) */
        cp = (uint8_t *)CODE_BUF;
        nunits = 1 + below(16);
        for (unsigned i = 0; i < nunits; i++) {
            unit_start[i] = (uint32_t)((uintptr_t)cp - CODE_BUF);
            uint32_t sp = chance(2) ? TESTDEV + 0x40 + below(0x30) * 1
                                    : XAPIC + 0x40 + below(0x300);
            emit8(0xBC);
            emit32(sp);
            static const uint8_t forms[][2] = { { 0x50, 0 }, { 0x58, 0 }, { 0x6A, 1 },
                                                { 0x9C, 0 }, { 0x60, 0 }, { 0x61, 0 } };
            unsigned f = below(6);
            emit8(forms[f][0]);
            if (forms[f][1])
                emit8(rnd());
        }
        unit_start[nunits] = (uint32_t)((uintptr_t)cp - CODE_BUF);
        emit_end();
        say("push/pop on an MMIO stack");
        n_insns += run_units(chance(2), EFL_BASE);
        return;
    }
    cp = (uint8_t *)CODE_BUF;
    nunits = 1 + below(32);
    bool cpl3 = chance(2), any_form = any_forms && chance(4);
    for (unsigned i = 0; i < nunits; i++) {
        unit_start[i] = (uint32_t)((uintptr_t)cp - CODE_BUF);
        gen_unit(cpl3, true, unbacked, any_form);
    }
    unit_start[nunits] = (uint32_t)((uintptr_t)cp - CODE_BUF);
    emit_end();
    say(any_form ? "any instruction forms on MMIO" : "emulated instruction forms on MMIO");
    n_insns += run_units(cpl3, EFL_BASE);
}

/* ---- storms and spinning ---- */

static void selfipi_loop(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t v = 0x40 + below(0xB0);
        if (x2apic_on())
            wrmsr(0x83F, v);                       /* SELF IPI register */
        else if (xapic_on())
            mmio_write32(XAPIC + 0x300, v | 0x40000);
    }
}

static void gen_storm(void)
{
    step_irqs = 0;
    if (chance(2)) {
        say("PIT at its highest rate");
        pit_path_ready(1 + below(3));
        sti();
        for (volatile uint32_t k = 0; k < 20000 + below(50000); k++)
            ;
        cli();
    } else {
        say("self-IPI loop");
        sti();
        selfipi_loop(100 + below(1000));
        cli();
    }
    irq_sources_quiet();
    n_insns += step_irqs;
}

static void gen_spin(void)
{
    say("spinning with IF=0");
    cli();
    uint32_t n = 1000000 + below(4000000), x = 0;
    for (uint32_t i = 0; i < n; i++) {
        x += i;
        OPAQUE(x);
    }
    n_insns += n;
}

/* ---- endings ---- */

enum { END_PORT, END_HYPERCALL, END_TRIPLE, END_RESET, END_HLT, END_S5, END_SPIN, END_KINDS };
static const char *const end_names[] = { "debug-exit port", "hypercall", "triple fault",
                                         "reset", "hlt with IF=0", "ACPI S5", "spin then exit" };

static __attribute__((noreturn)) void finish(int how)
{
    printf("hostile: seed=%u done: %u steps, %u instructions, %u faults, %u interrupts, "
           "%u NMIs, ending by %s\n",
           seed, n_steps, n_insns, n_faults, n_irqs, n_nmis, end_names[how]);
    cli();
    switch (how) {
    case END_HYPERCALL:
        vmcall(HC_EXIT, 0, 0);
        break;
    case END_TRIPLE: {
        struct table_ptr z = { 0, 0 };
        lidt(&z);
        __asm__ volatile("int3");
        break;
    }
    case END_RESET:
        outb(0xCF9, 0x06);
        break;
    case END_HLT:
        for (;;)
            __asm__ volatile("hlt");
    case END_S5:
        outw(0x604, 0x2000 | (5 << 10));           /* SLP_EN, SLP_TYP 5 (DSDT \_S5) */
        break;
    case END_SPIN: {
        uint32_t x = 0;
        for (uint32_t i = 0; i < 20000000; i++) {
            x += i;
            OPAQUE(x);
        }
        break;
    }
    default:
        break;
    }
    guest_exit(0);
}

/* ---- fixed cases: the findings of earlier runs, kept as regressions ---- */

static void do_set_pg(void) { write_cr0(read_cr0() | CR0_PG); }

/* `case=NAME`: one deterministic scenario instead of the seeded steps. */
static __attribute__((noreturn)) void run_case(const char *name, size_t len)
{
    bool is_pit = len == 7 && !strncmp(name, "pit-max", 7);
    bool is_pae = len == 3 && !strncmp(name, "pae", 3);
    bool is_stack = len == 10 && !strncmp(name, "mmio-stack", 10);
    bool is_rgp = len == 7 && !strncmp(name, "real-gp", 7);
    bool is_tf = len == 8 && !strncmp(name, "tf-cpuid", 8);
    bool is_outs = len == 7 && !strncmp(name, "outs-pf", 7);
    if (is_pit) {
        /* The PIT at divisor 2 (600 kHz) for a while: every time slice of
         * every guest used to shrink to the PIT's period, starving all. */
        step_irqs = 0;
        pit_path_ready(2);
        sti();
        for (volatile uint32_t k = 0; k < 200000; k++)
            ;
        cli();
        irq_sources_quiet();
        printf("hostile: case pit-max: PASS: %u interrupts, IF cut %u times\n", n_irqs,
               storm_cuts);
    } else if (is_pae) {
        /* CR4.PAE with paging on, then CR0.PG with PAE on: CR3 points at
         * our page directory, whose first 32 bytes read as PDPTEs are
         * present with reserved bits (PS, RW): #GP both times (it used to
         * reach the VMCS and fail the VM entry). */
        uint32_t cr0 = read_cr0(), cr4 = read_cr4();
        cli();
        a_cr = cr4 | 0x20;
        int v1 = guarded(do_cr4);
        write_cr0(cr0 & ~CR0_PG);
        write_cr4(cr4 | 0x20);
        int v2 = guarded(do_set_pg);
        write_cr4(cr4);
        write_cr0(cr0);
        bool ok = v1 == VEC_GP && v2 == VEC_GP;
        printf("hostile: case pae: %s: MOV CR4 vector %d, MOV CR0 vector %d (want 13, 13)\n",
               ok ? "PASS" : "FAIL", v1, v2);
        if (!ok)
            printf("hostile: seed=%u: reserved PDPTE accepted\n", seed);
    } else if (is_stack) {
        /* INT with the stack in the test device: the CPU's push is an MMIO
         * access during event delivery; it used to emulate the INT at RIP.
         * The guest is stopped here: the run checks the reason. */
        printf("hostile: case mmio-stack: INT 0x81 with ESP in the test device\n");
        cp = (uint8_t *)CODE_BUF;
        emit8(0xBC);
        emit32(TESTDEV + 0x40);
        emit8(0xCD);
        emit8(0x81);
        emit_end();
        hx_enter(CODE_BUF, 0, EFL_BASE);
        printf("hostile: case mmio-stack: FAIL: still running\n");
    } else if (is_rgp) {
        /* RDPMC in real mode: the hypervisor answers #GP, which must come
         * without an error code (it used to fail the VM entry). */
        cp = (uint8_t *)RM_CODE;
        emit8(0x0F);
        emit8(0x33);
        emit_end();
        rm_prepare();
        int v = rm_enter(0, EFL_BASE);
        volatile uint16_t *prm = (volatile uint16_t *)RM_PARAM;
        bool ok = v == VEC_GP && prm[5] == 0 && prm[6] == RM_CODE_SEG;
        printf("hostile: case real-gp: %s: vector %d at %x:%x (want 13 at 1000:0)\n",
               ok ? "PASS" : "FAIL", v, prm[6], prm[5]);
    } else if (is_outs) {
        /* OUTS/INS on an unmapped linear address: the guest's #PF (CR2,
         * W for INS), with a REP's progress kept; it used to stop the guest. */
        uint32_t end = ram_pdes << 22;
        static const struct { uint8_t esi_or_edi, op[2]; uint32_t addr, ecx, cr2, err; } t[] = {
            { 0xBE, { 0x90, 0x6E }, 0x80000000u, 0, 0x80000000u, 0 },     /* outsb */
            { 0xBF, { 0x90, 0x6C }, 0x80000000u, 0, 0x80000000u, 2 },     /* insb */
            { 0xBE, { 0xF3, 0x6E }, 0, 4, 0, 0 },                       /* rep outsb over the end */
        };
        bool ok = true;
        for (int k = 0; k < 3; k++) {
            uint32_t addr = t[k].addr ? t[k].addr : end - 2, cr2 = t[k].cr2 ? t[k].cr2 : end;
            cp = (uint8_t *)CODE_BUF;
            emit8(t[k].esi_or_edi);
            emit32(addr);
            emit8(0xB9);
            emit32(t[k].ecx);
            emit8(0xBA);
            emit32(0x80);
            emit8(t[k].op[0]);
            emit8(t[k].op[1]);
            emit_end();
            int v = hx_enter(CODE_BUF, 0, EFL_BASE);
            bool good = v == VEC_PF && fault_cr2 == cr2 && fault_err == t[k].err &&
                        fault_eip == CODE_BUF + 15 + (t[k].op[0] == 0xF3 ? 0 : 1) &&
                        (t[k].ecx == 0 || (fault_esi == end && fault_ecx == 2));
            printf("hostile: case outs-pf: %u: vector %d, CR2 %x, error %x, ESI %x, ECX %u%s\n",
                   k, v, fault_cr2, fault_err, fault_esi, fault_ecx, good ? "" : " (wrong)");
            ok &= good;
        }
        printf("hostile: case outs-pf: %s\n", ok ? "PASS" : "FAIL");
    } else if (is_tf) {
        /* Single-stepping over CPUID (which the hypervisor completes): the
         * #DB trap must follow CPUID itself, also after a MOV SS (whose
         * blocking used to stay set with TF, failing the VM entry). */
        cp = (uint8_t *)CODE_BUF;
        static const uint8_t code[] = { 0x0F, 0xA2,                      /* 0: cpuid */
                                        0x90,                            /* 2: nop */
                                        0xB8, 0x10, 0, 0, 0,             /* 3: mov eax, 0x10 */
                                        0x8E, 0xD0,                      /* 8: mov ss, ax */
                                        0x0F, 0xA2,                      /* 10: cpuid */
                                        0x90,                            /* 12: nop */
                                        0xF4,                            /* 13: hlt */
                                        0x90,                            /* 14: nop */
                                        0xA1, 0x40, 0, 0xB0, 0xFE,       /* 15: MMIO read */
                                        0x90 };                          /* 20: nop */
        for (unsigned i = 0; i < sizeof(code); i++)
            emit8(code[i]);
        emit_end();
        tf_case = true;
        tf_n = 0;
        pit_path_ready(1193);              /* the interrupt that ends the HLT */
        hx_enter(CODE_BUF, 0, EFL_BASE | EFL_TF | EFL_IF);
        tf_case = false;
        irq_sources_quiet();
        bool after1 = false, after2 = false, after3 = false, after4 = false;
        printf("hostile: case tf-cpuid: traps at");
        for (uint32_t i = 0; i < tf_n; i++) {
            printf(" +%u", tf_eips[i] - CODE_BUF);
            after1 |= tf_eips[i] == CODE_BUF + 2;
            after2 |= tf_eips[i] == CODE_BUF + 12;
            after3 |= tf_eips[i] == CODE_BUF + 14;
            after4 |= tf_eips[i] == CODE_BUF + 20;
        }
        printf("\nhostile: case tf-cpuid: %s: a trap after each CPUID, the HLT and the MMIO "
               "read (+2, +12, +14, +20)\n", after1 && after2 && after3 && after4 ? "PASS" : "FAIL");
    } else {
        printf("hostile: seed=%u: BUG: unknown case\n", seed);
    }
    finish(END_PORT);
}

/* ---- main ---- */

enum { G_INSN0, G_INSN3, G_RAW, G_IO, G_MSR, G_CRDR, G_VIRT, G_CACHE, G_LAPIC, G_PAGING,
       G_MMIO, G_STORM, G_SPIN, G_INSNR, G_INSN64, G_RAW0, G_KINDS };
static const char *const gen_names[] = { "insn0", "insn3", "raw3", "io", "msr", "crdr", "virt",
                                         "cache", "lapic", "paging", "mmio", "storm", "spin",
                                         "insnr", "insn64", "raw0" };

static uint32_t parse_u32(const char *s, size_t len)
{
    uint32_t v = 0;
    for (size_t i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (uint32_t)(s[i] - '0');
    return v;
}

static void parse_cmdline(const char *s)
{
    size_t len;
    const char *w;
    while ((w = next_word(&s, &len)) != NULL) {
        if (len > 5 && !strncmp(w, "seed=", 5))
            seed = parse_u32(w + 5, len - 5);
        else if (len > 6 && !strncmp(w, "steps=", 6))
            steps = parse_u32(w + 6, len - 6);
        else if (len == 3 && !strncmp(w, "v=1", 3))
            verbose = true;
        else if (len > 5 && !strncmp(w, "case=", 5)) {
            case_name = w + 5;
            case_len = len - 5;
        } else if (len > 5 && !strncmp(w, "dump=", 5))
            dump_step = parse_u32(w + 5, len - 5);
        else if (len > 5 && !strncmp(w, "only=", 5)) {
            only = w + 5;
            only_len = len - 5;
        }
    }
}

int main(uint32_t magic, struct mb1_info *info)
{
    test_begin("hostile");
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_CMDLINE))
        parse_cmdline((const char *)(uintptr_t)info->cmdline);
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_MEMORY))
        ram_pdes = (info->mem_upper / 1024 + 1) / 4;
    if (ram_pdes < 3)
        ram_pdes = 3;
    rng = seed * 2654435761u ^ 0x9E3779B9u;
    if (!rng)
        rng = 1;
    for (int i = 0; i < 8; i++)
        rnd();

    load_tables();
    paging_on();
    apic_mode_refresh();
    pic_remap(0x20, 0x28);
    irq_sources_quiet();

    if (case_name)
        run_case(case_name, case_len);

    /* The mix: a weight 0-3 per generator; some seeds stick to one. */
    uint32_t w[G_KINDS], total = 0;
    uint32_t focus = chance(4) ? below(G_KINDS) : G_KINDS;
    for (uint32_t g = 0; only && g < G_KINDS; g++)
        if (strlen(gen_names[g]) == only_len && !strncmp(only, gen_names[g], only_len))
            focus = g;
    for (int g = 0; g < G_KINDS; g++) {
        w[g] = focus < G_KINDS ? (g == (int)focus ? 3 : 0) : below(4);
        if (g == G_SPIN && w[g] > 1)
            w[g] = 1;
        total += w[g];
    }
    if (!total) {
        w[G_INSN0] = 1;
        total = 1;
    }
    bool unbacked = chance(8);
    any_forms = chance(4);
    if (!unbacked) {                      /* no way to unbacked memory */
        pd[HIGH_UNBACKED >> 22] = 0;
        write_cr3((uint32_t)(uintptr_t)pd);
    }
    lm_tables_build(unbacked);
    int ending = below(10) < 5 ? END_PORT : (int)below(END_KINDS);
    printf("hostile: seed=%u steps=%u mix", seed, steps);
    for (int g = 0; g < G_KINDS; g++)
        if (w[g])
            printf(" %s:%u", gen_names[g], w[g]);
    printf("%s%s, ending by %s\n", unbacked ? " +unbacked" : "", any_forms ? " +anyform" : "",
           end_names[ending]);

    for (n_steps = 0; n_steps < steps; n_steps++) {
        uint32_t r = below(total), g = 0;
        while (r >= w[g])
            r -= w[g++];
        step_irqs = 0;
        if (n_steps && n_steps % 16 == 0)     /* for a guest stopped before the end */
            printf("hostile: seed=%u at step %u: %u instructions\n", seed, n_steps, n_insns);
        switch (g) {
        case G_INSN0:  gen_insn(false, false, unbacked); break;
        case G_INSN3:  gen_insn(true, false, unbacked); break;
        case G_RAW:    gen_raw(); break;
        case G_IO:     gen_io(); break;
        case G_MSR:    gen_msr(); break;
        case G_CRDR:   gen_crdr(); break;
        case G_VIRT:   gen_virt(); break;
        case G_CACHE:  gen_cache(); break;
        case G_LAPIC:  gen_lapic(); break;
        case G_PAGING: gen_paging(unbacked); break;
        case G_MMIO:   gen_mmio(unbacked); break;
        case G_STORM:  gen_storm(); break;
        case G_INSNR:  gen_insn_real(); break;
        case G_INSN64: gen_insn64(chance(2), unbacked); break;
        case G_RAW0:   gen_raw0(); break;
        default:       gen_spin(); break;
        }
        cli();
    }
    finish(ending);
}
