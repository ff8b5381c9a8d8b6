# minivisor: build, run and test.
#   make            build the hypervisor (build/hypervisor.elf)
#   make iso        build/hypervisor.iso (GRUB, multiboot2, demo guests)
#   make run        boot the ISO headless: QEMU/KVM on an Intel host with nested
#                   VMX, else Bochs; EMU=bochs|qemu|kvm forces one
#   make test       host unit tests + integration tests under Bochs and QEMU + labs-check
#   make unit       host unit tests only (with make fuzz-replay)
#   make fuzz       run each libFuzzer target SECONDS=N seconds (default 60)
#   make fuzz-replay  build the fuzz targets and replay tests/fuzz/corpus
#   make integration  integration tests only (T=name runs one)
#   make bench      VM-exit round trips and Linux native/guest under Bochs
#   make fuzz-guests SEEDS=N [FIRST=S] [STEPS=N] [VERBOSE=1] [ONLY=GEN]
#                   hostile guests beside a witness under Bochs (4 seeds a boot)
#   make linux      fetch and build the Linux guest (build/linux)
#   make handout LAB=n [OUT=dir]  a student tree for lab n (labs/README.md)
#   make grade [LAB=n]  grade the labs: boot labs/tests, points per milestone
#   make handin [LAB=n]  tag and archive a student's committed tree
#   make labs-check  every handout builds and grades as it should (in make test)
#   make run DEMO=linux   the demo with a Linux guest
#   make run FIRMWARE=uefi  under QEMU with OVMF (UEFI) instead of a BIOS

BUILD   := build
CC      := gcc
LD      := ld
PYTHON  ?= python3
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# A handout (tools/labs/handout.py) sets LAB_HANDOUT and LAB_CFLAGS here.
-include labs/handout.mk
LAB_CFLAGS ?=

# LAB_CFLAGS come after -Wall -Wextra: clang (the fuzz targets) takes the
# last word on a warning, where GCC lets -Wno-X win in any order.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
    -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
    -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
    -mno-red-zone -mgeneral-regs-only -mcmodel=small -m64 \
    -Iinclude -I. $(LAB_CFLAGS)
KERNEL_ASFLAGS := -Iinclude -I. -m64 -Wa,--noexecstack
KERNEL_LDFLAGS := -nostdlib -n -T linker.ld -z max-page-size=0x1000 --no-warn-rwx-segments

KERNEL_DIRS := boot lib drivers/hw drivers/virt mm vmx vmm guest
KERNEL_C    := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c))
KERNEL_S    := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.S))
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_C) $(KERNEL_S))

# The screen console's font: a PSF from Debian's console-setup-linux package,
# turned into a C table by tools/psf2c.py at build time.
FONT ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz
FONT_C := $(BUILD)/gen/font.c
KERNEL_OBJS += $(BUILD)/kernel/gen/font.c.o
KERNEL      := $(BUILD)/hypervisor.elf
ISO         := $(BUILD)/hypervisor.iso

.PHONY: handout grade handin labs-check fuzz-bins
.PHONY: all iso run test unit integration bench clean deps guests linux fuzz fuzz-replay fuzz-guests
all: $(KERNEL)

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(FONT):
	@tests/deps.sh && test -f $@ || { echo "$@: no such font (Debian package console-setup-linux)"; exit 1; }

$(FONT_C): $(FONT) tools/psf2c.py
	@mkdir -p $(dir $@)
	@echo "  FONT    $<"
	$(Q)$(PYTHON) tools/psf2c.py $< $@

$(BUILD)/kernel/gen/font.c.o: $(FONT_C)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

$(KERNEL): $(KERNEL_OBJS) linker.ld $(BUILD)/layers.ok
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)
	@if command -v grub-file >/dev/null; then \
	    grub-file --is-x86-multiboot2 $@ || { echo "$@: not a multiboot2 kernel"; rm -f $@; exit 1; }; \
	fi

# The layering (README, "Architecture"): VT-x definitions stay in vmx/, in
# every file and through every header; models and loaders see no layer above.
LAYER_SRCS := $(wildcard $(addsuffix /*.[ch],$(KERNEL_DIRS)) include/hv/*.h)
$(BUILD)/layers.ok: $(LAYER_SRCS) tools/check_layers.sh
	@mkdir -p $(dir $@)
	@echo "  LAYERS  tools/check_layers.sh"
	$(Q)tools/check_layers.sh $(CC)
	@touch $@

-include $(KERNEL_OBJS:.o=.d)

# ---- test guests (guest/tests) ----
GUEST_ELFS :=
-include guest/tests/guests.mk
guests: $(GUEST_ELFS)

# ---- demos ----
# DEMO=linux: the ISO also holds the Linux guest and boots grub.cfg's entry 1.
DEMO ?=
ifeq ($(DEMO),linux)
ISO_CFG := $(BUILD)/grub-linux.cfg
ISO_EXTRA := $(BUILD)/linux/vmlinuz $(BUILD)/linux/initrd.cpio.gz
RUN_IPS := 10000000
$(ISO_CFG): iso/grub.cfg
	@mkdir -p $(BUILD)
	sed 's/^set default=0/set default=1/' $< > $@
$(ISO_EXTRA): linux
else ifneq ($(DEMO),)
$(error DEMO=$(DEMO): the demos are the default one and DEMO=linux)
endif

# ---- ISO ----
# ISO_CFG names a grub.cfg to use; the default is the demo in iso/grub.cfg.
ISO_CFG ?= iso/grub.cfg
ISO_EXTRA ?=
iso: $(ISO)
$(ISO): $(KERNEL) $(GUEST_ELFS) $(ISO_CFG) $(ISO_EXTRA) FORCE
	@rm -rf $(BUILD)/isoroot
	@mkdir -p $(BUILD)/isoroot/boot/grub $(BUILD)/isoroot/guests
	cp $(KERNEL) $(BUILD)/isoroot/boot/hypervisor.elf
	cp $(ISO_CFG) $(BUILD)/isoroot/boot/grub/grub.cfg
	$(if $(strip $(GUEST_ELFS) $(ISO_EXTRA)),cp $(GUEST_ELFS) $(ISO_EXTRA) $(BUILD)/isoroot/guests/)
	grub-mkrescue -o $@ $(BUILD)/isoroot 2>$(BUILD)/grub-mkrescue.log || \
	    { cat $(BUILD)/grub-mkrescue.log; exit 1; }
FORCE:

# ---- running ----
# make run [EMU=bochs|qemu|kvm] [DEMO=linux] [FIRMWARE=bios|uefi] [GDB_PORT=N]
EMU ?=
GDB_PORT ?=
CPUS ?= 1
FIRMWARE ?= bios
RUN_IPS ?= 50000000
run: deps iso
	IPS=$(RUN_IPS) FIRMWARE=$(FIRMWARE) GDB_PORT=$(GDB_PORT) CPUS=$(CPUS) tests/run_emu.sh $(if $(EMU),$(EMU),auto) $(ISO)

# ---- host unit tests (cmocka) ----
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)
UNIT_CFLAGS := -std=gnu11 -DHV_HOST_TEST -Iinclude -I. -Wall -Wextra -Werror \
    -fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 $(LAB_CFLAGS)
UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))

$(BUILD)/unit/%: tests/unit/%.c FORCE
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $< $($*_SRCS) -lcmocka

# The corpus replay runs first but does not stop the unit tests: in a lab
# handout a replay that reaches a later lab's stub fails, and every unit
# binary still runs and says what it reached.
# fuzz-bins, not $(FUZZ_BINS): that is defined below, and a prerequisite list
# is expanded where the rule stands. The replay runs inside the recipe, so in
# a lab handout a replay that reaches a stub does not keep the tests from running.
unit: deps $(UNIT_BINS) fuzz-bins
	@fail=0; tests/fuzz/run.sh replay 0 $(FUZZ_TARGETS) || fail=1; \
	for t in $(UNIT_BINS); do \
	    echo "== $$t"; $$t || fail=1; done; \
	echo "== tests/tools (Python)"; PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m unittest discover -s tests/tools -p 'test_*.py' || fail=1; \
	if [ $$fail = 0 ]; then echo "unit tests: all passed"; else echo "unit tests: FAILED"; exit 1; fi

# ---- fuzzing (libFuzzer, tests/fuzz; see its README) ----
FUZZ_TARGETS :=
include $(wildcard tests/fuzz/*.mk)
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -DHV_HOST_TEST -Iinclude -I. -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1 $(LAB_CFLAGS)
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
SECONDS ?= 60
RUNS ?=
SEED ?= 1
# Rebuilt when any source a harness may use changes.
FUZZ_DEPS := tests/fuzz/fuzz.h tests/fuzz/stub_log.c $(wildcard tests/fuzz/*.mk include/hv/*.h \
    boot/*.[ch] lib/*.c drivers/virt/*.[ch] guest/*.[ch] mm/*.[ch] vmx/insn_emulate.[ch])

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(fuzz_$*_SRCS) $(fuzz_$*_LIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz: deps $(FUZZ_BINS)
	@FUZZ_RUNS=$(RUNS) FUZZ_SEED=$(SEED) tests/fuzz/run.sh fuzz $(SECONDS) $(FUZZ_TARGETS)

fuzz-replay: deps $(FUZZ_BINS)
	@tests/fuzz/run.sh replay 0 $(FUZZ_TARGETS)

# ---- integration tests (Bochs, QEMU) ----
T ?=
# Without T, the fixed hostile-guest seeds (fuzz.py --ci, two boots) run too.
integration: deps $(KERNEL) guests linux iso
	$(PYTHON) tests/integration/run.py $(T)
	$(if $(T),,$(PYTHON) tests/integration/fuzz.py --ci)

# Hostile guests (guest/tests/hostile.c) with seeds FIRST..FIRST+SEEDS-1.
SEEDS ?= 8
FIRST ?= 1
STEPS ?= 64
fuzz-guests: deps $(KERNEL) guests
	$(PYTHON) tests/integration/fuzz.py --seeds $(SEEDS) --first $(FIRST) --steps $(STEPS) \
	    $(if $(filter 1,$(VERBOSE)),--verbose) $(if $(ONLY),--only $(ONLY))

# The Linux guest, built from Debian's packages (cached in build/linux).
linux: deps
	@tests/linux/build.sh

test: unit integration labs-check

# ---- coursework (labs/README.md) ----
# LAB given on the command line or in the environment; grade's default is
# every lab up to the handout's (all of them in the full tree).
LAB ?=
OUT ?=
handout:
	@test -n "$(LAB)" || { echo "make handout LAB=n [OUT=dir]"; exit 1; }
	$(PYTHON) tools/labs/handout.py --lab $(LAB) $(if $(OUT),--out $(OUT))

grade: deps
	$(PYTHON) tools/labs/grade.py $(if $(LAB),--lab $(LAB))

handin:
	@tools/labs/handin.sh $(or $(LAB),$(LAB_HANDOUT))

labs-check: deps $(KERNEL) guests linux
	$(PYTHON) tests/labs/roundtrip.py

bench: deps $(KERNEL) guests linux
	$(PYTHON) tests/integration/run.py --bench

deps:
	@tests/deps.sh

clean:
	rm -rf $(BUILD)
