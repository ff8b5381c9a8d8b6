UNIT_TESTS += test_cmdline
test_cmdline_SRCS := drivers/hw/console_spec.c lib/cmdline.c lib/format.c boot/boot_options.c vmm/guest_spec.c tests/fakes/stub_log.c
