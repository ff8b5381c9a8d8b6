UNIT_TESTS += test_pmm
test_pmm_SRCS := mm/pmm.c tests/fakes/stub_log.c
