# Test guests: small multiboot (version 1) kernels the hypervisor runs.
# Included by the top-level Makefile; `make guests` builds them all into
# build/guests/<name>.elf (objects in build/guests/obj/).
#
# Each guest is guest/tests/<name>.c linked with the library in
# guest/tests/lib/ (start-up code, console, exceptions, checks) at 1 MiB.

GUEST_SRC_DIR := guest/tests
GUEST_OUT     := $(BUILD)/guests
GUEST_OBJ     := $(GUEST_OUT)/obj

GUEST_NAMES := cpuid portio crshadow cr3 msr vmcall debugexit memtest triple ctlchars crcheck unbacked mb1gdt \
               vmxon mmio spin ticker bench hello primes fpustress \
               pit lapictimer rtc serial clisti poweroff reset echo cpustate nmi gdbtarget \
               hostile witness lab3 lab4

GUEST_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 -ffreestanding -fno-builtin \
    -fno-pic -fno-pie -fno-stack-protector -nostdlib -mgeneral-regs-only \
    -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
    -Wall -Wextra -Werror -I$(GUEST_SRC_DIR)/lib
GUEST_LDSCRIPT := $(GUEST_SRC_DIR)/guest.ld
# The GDB stub's test guest carries debug information for gdb.
$(GUEST_OBJ)/gdbtarget.c.o: GUEST_CFLAGS += -g
GUEST_LDFLAGS  := -m elf_i386 -nostdlib -z max-page-size=0x1000 -T $(GUEST_LDSCRIPT)

GUEST_LIB_SRCS := $(wildcard $(GUEST_SRC_DIR)/lib/*.c $(GUEST_SRC_DIR)/lib/*.S)
GUEST_LIB_OBJS := $(patsubst $(GUEST_SRC_DIR)/%,$(GUEST_OBJ)/%.o,$(GUEST_LIB_SRCS))

GUEST_ELFS += $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).elf)
# Keep the guests' own objects (make would delete them as intermediates).
.SECONDARY: $(foreach g,$(GUEST_NAMES),$(GUEST_OBJ)/$(g).c.o) $(GUEST_LIB_OBJS)
# Deliberately broken images, for the loader's error paths.
GUEST_ELFS += $(GUEST_OUT)/badimage.elf $(GUEST_OUT)/truncated.elf

$(GUEST_OBJ)/%.c.o: $(GUEST_SRC_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OBJ)/%.S.o: $(GUEST_SRC_DIR)/%.S
	@mkdir -p $(dir $@)
	@echo "  AS32    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OBJ)/%.c.o $(GUEST_LIB_OBJS) $(GUEST_LDSCRIPT)
	@echo "  LD32    $@"
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

# labhlt: a plain ELF (no multiboot header, no library) for lab 2.
GUEST_ELFS += $(GUEST_OUT)/labhlt.elf
$(GUEST_OUT)/labhlt.elf: $(GUEST_OBJ)/labhlt.S.o $(GUEST_LDSCRIPT)
	@echo "  LD32    $@"
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $@ $<

# Junk bytes: no ELF magic, no multiboot header.
$(GUEST_OUT)/badimage.elf:
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)printf 'This is not a kernel image: no ELF magic, no multiboot header.\n\001\002\003\377\376' > $@

# A real guest cut off after 100 bytes: the ELF header survives, but the
# program header table (bytes 52-115) is cut off, and so is the multiboot
# header (at file offset 0x1000).
$(GUEST_OUT)/truncated.elf: $(GUEST_OUT)/hello.elf
	@echo "  GEN     $@"
	$(Q)head -c 100 $< > $@

-include $(wildcard $(GUEST_OBJ)/*.d $(GUEST_OBJ)/lib/*.d)
