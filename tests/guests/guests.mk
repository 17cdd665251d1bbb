# tests/guests: freestanding multiboot test kernels, built with the host gcc
# (-m32, no libc, gcc's freestanding headers only), into $(BUILD)/tests/guests.
# Included by the top-level Makefile; `make guests` builds them.

GUEST_SRC := $(SRC_PATH)/tests/guests
GUEST_OUT := $(BUILD)/tests/guests
GUEST_NAMES := hello exitcode modes paging irq mmio smp reset mmio-insn
GUEST_ELFS := $(addprefix $(GUEST_OUT)/,$(addsuffix .elf,$(GUEST_NAMES)))
GUEST_COMMON := $(GUEST_OUT)/crt0.o $(GUEST_OUT)/libguest.o
GUEST_CC ?= $(CC)
GUEST_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin -mgeneral-regs-only \
	-Wall -Wextra -Werror -Wmissing-prototypes -I$(GUEST_SRC)
GUEST_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,-T,$(GUEST_SRC)/link.ld \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

guests: $(GUEST_ELFS)

# Kernels with an assembly part.
$(GUEST_OUT)/modes.elf: $(GUEST_OUT)/modes-asm.o $(GUEST_OUT)/ia32e-asm.o
$(GUEST_OUT)/smp.elf: $(GUEST_OUT)/smp-asm.o
$(GUEST_OUT)/paging.elf: $(GUEST_OUT)/paging-asm.o $(GUEST_OUT)/ia32e-asm.o
$(GUEST_OUT)/mmio-insn.elf: $(GUEST_OUT)/mmio-insn-asm.o $(GUEST_OUT)/ia32e-asm.o

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.o $(GUEST_COMMON) $(GUEST_SRC)/link.ld
	$(quiet) LD tests/guests/$*.elf
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(GUEST_OUT)/%.o: $(GUEST_SRC)/%.c $(GUEST_SRC)/libguest.h $(GUEST_SRC)/guest-gdt.h $(GUEST_SRC)/guests.mk
	@mkdir -p $(dir $@)
	$(quiet) CC tests/guests/$*.c
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/%.o: $(GUEST_SRC)/%.S $(GUEST_SRC)/guest-gdt.h $(GUEST_SRC)/guest-asm.h $(GUEST_SRC)/guests.mk
	@mkdir -p $(dir $@)
	$(quiet) AS tests/guests/$*.S
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<
