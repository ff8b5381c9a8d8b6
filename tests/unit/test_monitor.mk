UNIT_TESTS += test_monitor
test_monitor_SRCS := vmm/monitor.c drivers/hw/console.c drivers/hw/console_spec.c lib/format.c lib/cmdline.c \
    vmx/trace.c lib/strlcpy.c tests/fakes/percpu_fake.c
