/*
 * vmcall: minivisor's hypercalls (VMCALL, function number in EAX).
 *   - HC_CONSOLE_WRITE prints "hello from vmcall" (as a line of this
 *     guest's output: "[vmcall] hello from vmcall") and returns 0;
 *   - HC_CONSOLE_WRITE with a pointer above RAM (0xF0000000) or a length
 *     over 4096 returns a negative error;
 *   - HC_EXIT with status 42 ends the guest: the hypervisor reports exit
 *     status 42. If HC_EXIT returns, that is a failure.
 */
#include "guest.h"

#define BAD_GPA          0xF0000000u
#define CONSOLE_MAX_LEN  4096u
#define EXIT_STATUS      42u

static const char hello[] = "hello from vmcall\n";

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

    int result = test_end();
    if (result != 0)
        return result;

    note("HC_EXIT with status %u", EXIT_STATUS);
    ret = vmcall(HC_EXIT, EXIT_STATUS, 0);
    printf("FAIL vmcall: HC_EXIT returned %d\n", ret);
    return 1;
}
