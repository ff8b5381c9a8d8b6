UNIT_TESTS += test_trace
test_trace_SRCS := vmx/trace.c lib/format.c lib/cmdline.c lib/strlcpy.c tests/fakes/stub_log.c
