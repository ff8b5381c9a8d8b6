UNIT_TESTS += test_exit_reasons
test_exit_reasons_SRCS := vmx/exit_reasons.c tests/fakes/stub_log.c
