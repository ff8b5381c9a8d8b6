UNIT_TESTS += test_vmcheck
test_vmcheck_SRCS := vmx/vmcheck.c vmx/vmx_caps.c lib/format.c tests/fakes/stub_log.c
