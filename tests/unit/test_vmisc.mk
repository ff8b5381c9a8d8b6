UNIT_TESTS += test_vmisc
test_vmisc_SRCS := drivers/virt/vi8042.c drivers/virt/vfwcfg.c tests/fakes/stub_log.c
