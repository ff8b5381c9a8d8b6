FUZZ_TARGETS += pcmisc
fuzz_pcmisc_SRCS := drivers/virt/vi8042.c drivers/virt/vfwcfg.c drivers/virt/vacpi_pm.c \
    drivers/virt/testdev.c drivers/virt/vconsole.c tests/fuzz/stub_log.c
