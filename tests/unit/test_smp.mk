UNIT_TESTS += test_smp
test_smp_SRCS := boot/smp_plan.c vmx/vmx_caps.c lib/format.c tests/fakes/stub_log.c
