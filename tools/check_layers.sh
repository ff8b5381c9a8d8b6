#!/bin/sh
# The layering the build enforces (README, "Architecture"):
#  1. VT-x definitions stay in vmx/: no file elsewhere, .c or .h, may reach
#     vmx/vmcs_fields.h, vmx/vmx_insn.h, vmx/vmcs.h or vmx/exit.h, directly
#     or through any header (checked on the preprocessor's dependency list).
#  2. Device models (drivers/virt/) and guest loaders (guest/) see neither
#     vmx/ nor vmm/: they are driven through their own interfaces.
# Usage: tools/check_layers.sh [CC]; exits 1 with one line per breach.
CC=${1:-gcc}
status=0
for f in $(ls boot/*.[ch] lib/*.c include/hv/*.h mm/*.[ch] drivers/hw/*.[ch] \
              drivers/virt/*.[ch] guest/*.[ch] vmm/*.[ch] 2>/dev/null); do
    deps=$($CC -MM -MG -x c -Iinclude -I. "$f" 2>/dev/null | tr ' \\' '\n\n')
    bad=$(printf '%s\n' "$deps" | grep -E '^vmx/(vmcs_fields|vmx_insn|vmcs|exit)\.h$' | tr '\n' ' ')
    if [ -n "$bad" ]; then
        echo "layering: $f reaches VT-x definitions outside vmx/: $bad"
        status=1
    fi
    case "$f" in
    drivers/virt/*|guest/*)
        up=$(grep -nE '#include "(vmx|vmm)/' "$f")
        if [ -n "$up" ]; then
            echo "layering: $f (a model or loader) includes the layers above it: $up"
            status=1
        fi;;
    esac
done
exit $status
