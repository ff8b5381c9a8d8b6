UNIT_TESTS += test_insn_emulate
test_insn_emulate_SRCS := vmx/insn_emulate.c lib/format.c tests/fakes/stub_log.c
