FUZZ_TARGETS += insn
fuzz_insn_SRCS := vmx/insn_emulate.c lib/format.c tests/fuzz/stub_log.c
fuzz_insn_LIBS := -lZydis
