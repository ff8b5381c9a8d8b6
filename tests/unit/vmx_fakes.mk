# What the host tests of vmx/ exit handling link (test_exit_handlers,
# test_interrupts, test_apicv): the VT-x code itself, the pure models and
# libraries it uses, and tests/fakes/ for the VMCS, the board and the host.
VMX_UNIT_SRCS = vmx/exit.c vmx/exit_reasons.c vmx/exit_cpu.c vmx/exit_cr.c vmx/exit_msr.c vmx/exit_io.c \
    vmx/exit_irq.c vmx/guest_debug.c vmx/exit_ept.c vmx/exit_apic.c vmx/interrupts.c vmx/apicv.c vmx/vcpu_lapic.c \
    vmx/guest_access.c vmx/insn_emulate.c vmx/xsave.c vmm/io_bus.c vmm/vm.c mm/guest_mem.c \
    drivers/virt/vconsole.c drivers/virt/vlapic.c lib/format.c tests/fakes/stub_log.c \
    tests/fakes/vmcs_fake.c tests/fakes/board_fake.c tests/fakes/vmx_env_fake.c
