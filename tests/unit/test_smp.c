/*
 * The APs' start-up decisions (boot/smp_plan.c): which MADT CPUs to start
 * under cpus=N, and the VMX capability comparison an AP must pass
 * (vmx_caps_differ in vmx/vmx_caps.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/smp.h"
#include "vmx/vmx_caps.h"

static void check_plan(const struct smp_plan *p, unsigned n, const uint32_t *want, unsigned present)
{
    assert_int_equal(p->n, n);
    assert_int_equal(p->present, present);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(p->apic_id[i], want[i]);
}

static void test_plan_all(void **state)
{
    (void)state;
    static struct smp_plan p;
    /* Bochs' MADT with count=4: IDs 0-3, the boot CPU 0 */
    const uint32_t ids[] = { 0, 1, 2, 3 };
    smp_plan(ids, 4, 0, false, 0, &p);
    check_plan(&p, 4, (const uint32_t[]){ 0, 1, 2, 3 }, 4);
    assert_int_equal(p.unreachable, 0);
    /* cpus=2: the boot CPU and the first other one in MADT order */
    smp_plan(ids, 4, 0, false, 2, &p);
    check_plan(&p, 2, (const uint32_t[]){ 0, 1 }, 4);
    /* cpus=1: today's behaviour, no AP */
    smp_plan(ids, 4, 0, false, 1, &p);
    check_plan(&p, 1, (const uint32_t[]){ 0 }, 4);
    /* cpus= more than there are: all of them */
    smp_plan(ids, 4, 0, false, 16, &p);
    check_plan(&p, 4, (const uint32_t[]){ 0, 1, 2, 3 }, 4);
}

static void test_plan_bsp_not_first(void **state)
{
    (void)state;
    static struct smp_plan p;
    /* the boot CPU may be any entry: it is always first, its entry skipped */
    const uint32_t ids[] = { 4, 6, 2, 0 };
    smp_plan(ids, 4, 2, false, 0, &p);
    check_plan(&p, 4, (const uint32_t[]){ 2, 4, 6, 0 }, 4);
    smp_plan(ids, 4, 2, false, 3, &p);
    check_plan(&p, 3, (const uint32_t[]){ 2, 4, 6 }, 4);
}

static void test_plan_odd_tables(void **state)
{
    (void)state;
    static struct smp_plan p;
    /* no MADT (or no APIC): the boot CPU alone */
    smp_plan(NULL, 0, 0, false, 0, &p);
    check_plan(&p, 1, (const uint32_t[]){ 0 }, 1);
    /* a MADT without the boot CPU's entry: it is still used */
    smp_plan((const uint32_t[]){ 1 }, 1, 0, false, 0, &p);
    check_plan(&p, 2, (const uint32_t[]){ 0, 1 }, 2);
    /* a repeated ID (an LAPIC and an x2APIC entry for one CPU) counts once */
    smp_plan((const uint32_t[]){ 0, 1, 1, 2 }, 4, 0, false, 0, &p);
    check_plan(&p, 3, (const uint32_t[]){ 0, 1, 2 }, 3);
    /* xAPIC mode cannot address IDs above 254 (255 is the broadcast) */
    smp_plan((const uint32_t[]){ 0, 255, 300, 7 }, 4, 0, false, 0, &p);
    check_plan(&p, 2, (const uint32_t[]){ 0, 7 }, 2);
    assert_int_equal(p.unreachable, 2);
    /* x2APIC mode can */
    smp_plan((const uint32_t[]){ 0, 255, 300, 7 }, 4, 0, true, 0, &p);
    check_plan(&p, 4, (const uint32_t[]){ 0, 255, 300, 7 }, 4);
    assert_int_equal(p.unreachable, 0);
}

static void test_plan_many(void **state)
{
    (void)state;
    static struct smp_plan p;
    static uint32_t ids[SMP_MAX_CPUS + 10];
    for (unsigned i = 0; i < SMP_MAX_CPUS + 10; i++)
        ids[i] = i;
    /* more CPUs than the table holds: the first SMP_MAX_CPUS are used */
    smp_plan(ids, SMP_MAX_CPUS + 10, 0, true, 0, &p);
    assert_int_equal(p.n, SMP_MAX_CPUS);
    assert_int_equal(p.present, SMP_MAX_CPUS + 10);
    assert_int_equal(p.apic_id[SMP_MAX_CPUS - 1], SMP_MAX_CPUS - 1);
}

/* Bochs' corei7_skylake_x values (shared/notes/bochs-vtx.md) */
static void bochs_caps(struct vmx_caps *c)
{
    memset(c, 0, sizeof(*c));
    c->basic = 0x00d810000000002bULL;
    c->procbased = 0xfff9fffe0401e172ULL;
    c->procbased2 = 0x02177fff00000000ULL;
    c->ept_vpid = 0x00000f0106334141ULL;
    c->cr0_fixed0 = 0x80000021;
    c->cr0_fixed1 = 0xffffffff;
    c->cr4_fixed0 = 0x2000;
    c->cr4_fixed1 = 0x3767ff;
}

static void test_caps_differ(void **state)
{
    (void)state;
    struct vmx_caps a, b;
    uint64_t theirs = 1, mine = 1;
    bochs_caps(&a);
    bochs_caps(&b);
    assert_null(vmx_caps_differ(&a, &b, &theirs, &mine));

    b.procbased2 &= ~(1ULL << (32 + 7));        /* no unrestricted guest here */
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_PROCBASED_CTLS2");
    assert_int_equal(theirs, 0x02177fff00000000ULL);
    assert_int_equal(mine, 0x02177f7f00000000ULL);

    /* the first differing MSR in the SDM's order is named; TRUE controls
     * are named as such when VMX_BASIC says they are the ones read */
    bochs_caps(&b);
    b.procbased ^= 1;
    b.cr4_fixed1 ^= 1;
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_TRUE_PROCBASED_CTLS");
    a.basic &= ~VMX_BASIC_TRUE_CTLS;
    b.basic &= ~VMX_BASIC_TRUE_CTLS;
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_PROCBASED_CTLS");

    bochs_caps(&a);
    bochs_caps(&b);
    b.basic ^= 1;                               /* another VMCS revision */
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_BASIC");
    bochs_caps(&b);
    b.ept_vpid = 0;
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_EPT_VPID_CAP");
    bochs_caps(&b);
    b.vmfunc = 1;
    assert_string_equal(vmx_caps_differ(&a, &b, &theirs, &mine), "IA32_VMX_VMFUNC");
    assert_int_equal(mine, 1);
    assert_int_equal(theirs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_all),
        cmocka_unit_test(test_plan_bsp_not_first),
        cmocka_unit_test(test_plan_odd_tables),
        cmocka_unit_test(test_plan_many),
        cmocka_unit_test(test_caps_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
