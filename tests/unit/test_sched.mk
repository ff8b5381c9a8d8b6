UNIT_TESTS += test_sched
test_sched_SRCS := tests/fakes/stub_log.c
