# tern: one non-recursive Makefile, building out of tree.
#
#   make                 build $(BUILD)/tern and $(BUILD)/libtern.a
#   make check           build and run every test (also under the sanitizers)
#   make run             boot the default guest on this terminal
#   make BUILD=dir       use another build directory (configured on first use)
#   make V=1             show the commands
#
# Sources are found by wildcard: a new .c file under a source folder joins
# libtern.a, a new tests/unit/test-*.c becomes a test, a new bench/*.c a benchmark.

BUILD ?= build
SRC_PATH := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
CONFIGURE_FLAGS ?=

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-6s %s\n'
endif

.PHONY: deps-test all check check-unit run install clean distclean format deps tests bench guests
all:

# Configure on first use; install the Debian packages first if any is missing.
$(BUILD)/config.mak: $(SRC_PATH)/configure
	$(Q)$(SRC_PATH)/scripts/install-deps.sh build
	$(Q)$(SRC_PATH)/configure --builddir=$(BUILD) $(CONFIGURE_FLAGS)

ifeq ($(filter clean distclean format,$(MAKECMDGOALS)),)
include $(BUILD)/config.mak
endif

LIB_DIRS := util softmmu accel hw target ui monitor
LIB_SRCS := $(sort $(shell cd $(SRC_PATH) && find $(LIB_DIRS) -name '*.c' 2>/dev/null))
LIB_SRCS := $(filter-out softmmu/vl.c,$(LIB_SRCS))
ifneq ($(CONFIG_SDL),yes)
LIB_SRCS := $(filter-out ui/sdl%,$(LIB_SRCS))
endif
LIB_OBJS := $(addprefix $(BUILD)/obj/,$(LIB_SRCS:.c=.o))

UNIT_SRCS := $(sort $(wildcard $(SRC_PATH)/tests/unit/test-*.c))
UNIT_BINS := $(patsubst $(SRC_PATH)/%.c,$(BUILD)/%,$(UNIT_SRCS))
QTEST_SRCS := $(sort $(wildcard $(SRC_PATH)/tests/qtest/*-test.c))
QTEST_BINS := $(patsubst $(SRC_PATH)/%.c,$(BUILD)/%,$(QTEST_SRCS))
QTEST_LIB := $(patsubst $(SRC_PATH)/%.c,$(BUILD)/obj/%.o,$(wildcard $(SRC_PATH)/tests/qtest/libqtest*.c))
BENCH_SRCS := $(sort $(wildcard $(SRC_PATH)/bench/*.c))
BENCH_BINS := $(patsubst $(SRC_PATH)/%.c,$(BUILD)/%,$(BENCH_SRCS))

DEPFLAGS = -MMD -MP
# Devices register themselves from constructors: link the whole library so none is dropped.
WHOLE_LIB = -Wl,--whole-archive $(BUILD)/libtern.a -Wl,--no-whole-archive
.SECONDARY:

all: $(BUILD)/tern
guests:
tests: $(UNIT_BINS) $(QTEST_BINS)
bench: $(BENCH_BINS)

$(BUILD)/obj/%.o: $(SRC_PATH)/%.c $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	$(quiet) CC $*.c
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/libtern.a: $(LIB_OBJS)
	$(quiet) AR $(notdir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tern: $(BUILD)/obj/softmmu/vl.o $(BUILD)/libtern.a
	$(quiet) LINK $(notdir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(WHOLE_LIB) $(LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libtern.a
	@mkdir -p $(dir $@)
	$(quiet) LINK tests/unit/$*
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(WHOLE_LIB) $(LIBS)

$(BUILD)/tests/qtest/%: $(BUILD)/obj/tests/qtest/%.o $(QTEST_LIB) $(BUILD)/libtern.a
	@mkdir -p $(dir $@)
	$(quiet) LINK tests/qtest/$*
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(QTEST_LIB) $(WHOLE_LIB) $(LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libtern.a
	@mkdir -p $(dir $@)
	$(quiet) LINK bench/$*
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(WHOLE_LIB) $(LIBS)

-include $(LIB_OBJS:.o=.d) $(BUILD)/obj/softmmu/vl.d
-include $(patsubst $(BUILD)/%,$(BUILD)/obj/%.d,$(UNIT_BINS) $(QTEST_BINS) $(BENCH_BINS))

# Freestanding test kernels (tests/guests) have their own rules.
-include $(SRC_PATH)/tests/guests/guests.mk

# make check: the default build, the sanitizer build of the unit tests, then run everything.
ASAN_BUILD ?= $(BUILD)-asan
check: deps-test all tests bench guests
	$(Q)$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) \
		CONFIGURE_FLAGS="--enable-sanitizers --enable-debug --disable-sdl" tests
	$(Q)$(SRC_PATH)/tests/run-tests.sh $(BUILD) $(ASAN_BUILD)

deps-test:
	$(Q)$(SRC_PATH)/scripts/install-deps.sh test

check-unit: tests
	$(Q)$(SRC_PATH)/tests/run-tests.sh $(BUILD)

run: all
	$(Q)$(SRC_PATH)/scripts/run-guest.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tern $(DESTDIR)$(PREFIX)/share/doc/tern
	install -m 755 $(BUILD)/tern $(DESTDIR)$(PREFIX)/bin/tern
	install -m 644 $(SRC_PATH)/README.md $(wildcard $(SRC_PATH)/docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/tern/

format:
	cd $(SRC_PATH) && find $(LIB_DIRS) include tests bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD)/obj $(BUILD)/tern $(BUILD)/libtern.a $(BUILD)/tests $(BUILD)/bench

distclean:
	rm -rf $(BUILD) $(ASAN_BUILD)
