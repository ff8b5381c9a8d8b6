FUZZ_TARGETS += uart
fuzz_uart_SRCS := drivers/virt/vuart16550.c drivers/virt/vconsole.c tests/fuzz/stub_log.c
