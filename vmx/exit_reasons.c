/*
 * Names of the basic exit reasons, generated from the list in
 * vmx/exit_reasons.h.
 */
#include <hv/types.h>
#include "vmx/exit_reasons.h"

#define VMX_EXIT_REASON_NAME_(name, nr) [nr] = #name,
static const char *const exit_names[EXIT_REASON_MAX] = {
    VMX_EXIT_REASONS(VMX_EXIT_REASON_NAME_)
};
#undef VMX_EXIT_REASON_NAME_

const char *exit_reason_name(unsigned reason)
{
    if (reason < EXIT_REASON_MAX && exit_names[reason])
        return exit_names[reason];
    return "unknown";
}
