UNIT_TESTS += test_vcpu_state
test_vcpu_state_SRCS := vmx/vcpu_state_vmcs.c vmx/vmcheck.c vmx/vmx_caps.c guest/boot_cpu.c lib/format.c tests/fakes/stub_log.c
