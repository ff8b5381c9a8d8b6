UNIT_TESTS += test_ept
test_ept_SRCS := mm/ept.c tests/fakes/stub_log.c
