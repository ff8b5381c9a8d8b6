/*
 * Host unit tests for vmx/nmi_rules.h: when a pending NMI is injected, and
 * which window the hypervisor waits for otherwise, with and without
 * virtual NMIs and NMI-window exiting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "vmx/nmi_rules.h"

#define STI  INTERRUPTIBILITY_STI
#define SS   INTERRUPTIBILITY_MOV_SS
#define NMI  INTERRUPTIBILITY_NMI
#define IF   RFLAGS_IF

enum { INJ = NMI_INJECT, NMIW = NMI_WAIT_NMI_WINDOW, IRQW = NMI_WAIT_IRQ_WINDOW };

static const struct {
    const char *name;
    bool vnmi, window, queued;
    uint64_t rflags, intr;
    bool soft_in;
    int want;
    bool soft_out;
} cases[] = {
    /* virtual NMIs with NMI-window exiting */
    { "free, IF=1", 1, 1, 0, IF, 0, 0, INJ, 0 },
    { "free, IF=0: NMIs ignore IF", 1, 1, 0, 0, 0, 0, INJ, 0 },
    { "blocking by NMI (in the handler)", 1, 1, 0, 0, NMI, 0, NMIW, 0 },
    { "blocking by NMI, IF=1", 1, 1, 0, IF, NMI, 0, NMIW, 0 },
    { "blocking by MOV SS", 1, 1, 0, IF, SS, 0, NMIW, 0 },
    { "blocking by STI only: interrupt window", 1, 1, 0, IF, STI, 0, IRQW, 0 },
    { "STI and NMI blocking", 1, 1, 0, IF, STI | NMI, 0, NMIW, 0 },
    { "another event queued", 1, 1, 1, IF, 0, 0, NMIW, 0 },
    { "soft flag ignored with virtual NMIs", 1, 1, 0, 0, 0, 1, INJ, 1 },
    /* virtual NMIs, no NMI-window exiting */
    { "no NMI window: free", 1, 0, 0, 0, 0, 0, INJ, 0 },
    { "no NMI window: blocking by NMI", 1, 0, 0, 0, NMI, 0, IRQW, 0 },
    { "no NMI window: event queued", 1, 0, 1, IF, 0, 0, IRQW, 0 },
    /* no virtual NMIs: the hypervisor's own flag */
    { "no vNMI: free", 0, 0, 0, 0, 0, 0, INJ, 0 },
    { "no vNMI: the CPU's blocking bit is not the guest's", 0, 0, 0, 0, NMI, 0, INJ, 0 },
    { "no vNMI: handler running (IF=0)", 0, 0, 0, 0, 0, 1, IRQW, 1 },
    { "no vNMI: interruptible again ends it", 0, 0, 0, IF, 0, 1, INJ, 0 },
    { "no vNMI: IF=1 under STI blocking is not yet", 0, 0, 0, IF, STI, 1, IRQW, 1 },
    { "no vNMI: STI blocking", 0, 0, 0, IF, STI, 0, IRQW, 0 },
    { "no vNMI: MOV SS blocking", 0, 0, 0, IF, SS, 0, IRQW, 0 },
    { "no vNMI: event queued", 0, 0, 1, IF, 0, 0, IRQW, 0 },
    { "no vNMI: window control ignored", 0, 1, 0, 0, 0, 1, IRQW, 1 },
};

static void test_nmi_decide(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool soft = cases[i].soft_in;
        int got = nmi_decide(cases[i].vnmi, cases[i].window, cases[i].queued, cases[i].rflags,
                             cases[i].intr, &soft);
        if (got != cases[i].want || soft != cases[i].soft_out)
            fail_msg("case %zu (%s): action %d soft %d, want %d %d", i, cases[i].name, got,
                     soft, cases[i].want, cases[i].soft_out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nmi_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
