/*
 * hw-test.h: shared set-up for the ISA device unit tests (test-hw-*.c): the
 * memory core, the main loop with a manual virtual clock, 16 ISA lines that
 * record their levels, and port I/O helpers on address_space_io().
 */
#ifndef TESTS_UNIT_HW_TEST_H
#define TESTS_UNIT_HW_TEST_H

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/qdev.h"
#include "hw/isa.h"

static int hwt_irq_level[ISA_NUM_IRQS];
static int hwt_irq_raises[ISA_NUM_IRQS]; /* 0 -> 1 transitions */
/*
 * An array, not qemu_allocate_irqs()'s: isa_bus_set_irqs() copies the lines,
 * and a pointer to an allocated array that nothing reads again was reported
 * as a leak by LeakSanitizer (the compiler drops the dead static).
 */
static qemu_irq hwt_irqs[ISA_NUM_IRQS];

static void hwt_irq_handler(void *opaque, int n, int level)
{
    if (level && !hwt_irq_level[n]) {
        hwt_irq_raises[n]++;
    }
    hwt_irq_level[n] = level;
}

static inline void hwt_init(void)
{
    memory_init(UINT64_MAX);
    qemu_init_main_loop();
    bql_lock(); /* device models run under the BQL */
    qemu_clock_set_manual(true);
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        hwt_irqs[i] = qemu_allocate_irq(hwt_irq_handler, NULL, i);
    }
    isa_bus_set_irqs(hwt_irqs);
    /* Guest errors are logged, never fatal: exercise the logging paths too. */
    qemu_loglevel |= LOG_GUEST_ERROR | LOG_UNIMP;
    if (!g_test_verbose()) {
        qemu_set_log_filename("/dev/null", NULL);
    }
}

static inline void hwt_irq_clear_counts(void)
{
    memset(hwt_irq_raises, 0, sizeof(hwt_irq_raises));
}

static inline uint8_t inb(uint16_t port)
{
    return address_space_ldub(address_space_io(), port, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void outb(uint16_t port, uint8_t v)
{
    address_space_stb(address_space_io(), port, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint16_t inw(uint16_t port)
{
    return address_space_lduw_le(address_space_io(), port, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void outw(uint16_t port, uint16_t v)
{
    address_space_stw_le(address_space_io(), port, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint32_t inl(uint16_t port)
{
    return address_space_ldl_le(address_space_io(), port, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void outl(uint16_t port, uint32_t v)
{
    address_space_stl_le(address_space_io(), port, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* Creates and realizes a device from "name,prop=value,..." (asserting success). */
static inline DeviceState *hwt_create(const char *name, const char *const *props)
{
    DeviceState *dev = qdev_new(name);
    GError *err = NULL;

    g_assert_nonnull(dev);
    for (; props && props[0]; props += 2) {
        g_assert_true(qdev_prop_parse(dev, props[0], props[1], &err));
    }
    g_assert_true(qdev_realize(dev, &err));
    g_assert_no_error(err);
    return dev;
}

/* Advances the virtual clock, running the timers due. */
static inline void hwt_step(int64_t ns)
{
    qemu_clock_step(ns);
}

static int hwt_reset_count;

static void hwt_count_reset(void *opaque)
{
    hwt_reset_count++;
}

/* Processes pending run-state requests; returns the number of resets they caused. */
static inline int hwt_take_resets(void)
{
    int before = hwt_reset_count, status;
    static bool registered;

    if (!registered) {
        qemu_register_reset_handler(hwt_count_reset, NULL);
        registered = true;
    }
    g_assert_false(main_loop_should_exit(&status));
    return hwt_reset_count - before;
}

#endif
