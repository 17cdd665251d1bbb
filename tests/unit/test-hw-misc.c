/*
 * test-hw-misc.c: isa-debug-exit, port 0x92 and the port 0x80 sink, over
 * port I/O on the I/O address space.
 */
#include "hw-test.h"
#include "hw/misc/debugexit.h"
#include "hw/misc/ioport80.h"
#include "hw/misc/port92.h"
#include "hw/char/serial.h"
#include "hw/input/i8042.h"
#include "hw/rtc/mc146818rtc.h"

static int take_exit_status(void)
{
    int status = -1;

    g_assert_true(main_loop_should_exit(&status));
    return status;
}

static void test_debug_exit_default(void)
{
    DeviceState *d = hwt_create(TYPE_ISA_DEBUG_EXIT, NULL);
    int status;

    g_assert_false(qemu_shutdown_requested(&status));
    outb(0x501, 0);
    g_assert_cmpint(take_exit_status(), ==, 1);
    outb(0x502, 0x10);
    g_assert_cmpint(take_exit_status(), ==, 0x21);
    g_assert_cmpuint(inb(0x501), ==, 0);
    g_assert_false(qemu_shutdown_requested(NULL)); /* reads do nothing */
    outb(0x503, 1);                                /* outside: nobody there */
    g_assert_false(qemu_shutdown_requested(NULL));
    qdev_unref(d);
    outb(0x501, 1);
    g_assert_false(qemu_shutdown_requested(NULL));
}

static void test_debug_exit_device_add(void)
{
    GError *err = NULL;
    DeviceState *d = qdev_device_add("isa-debug-exit,iobase=0xf4,iosize=0x04", &err);

    g_assert_no_error(err);
    outb(0xf4, 0x1f);
    g_assert_cmpint(take_exit_status(), ==, 0x3f);
    outw(0xf4, 0x0102); /* a word is one value */
    g_assert_cmpint(take_exit_status(), ==, (0x0102 << 1) | 1);
    outl(0xf4, 0x7f);
    g_assert_cmpint(take_exit_status(), ==, 0xff);
    outb(0xf7, 2);
    g_assert_cmpint(take_exit_status(), ==, 5);
    qdev_unref(d);
}

static void test_debug_exit_bad_props(void)
{
    GError *err = NULL;

    g_assert_null(qdev_device_add("isa-debug-exit,iosize=0", &err));
    g_assert_nonnull(strstr(err->message, "isa-debug-exit: iosize"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("isa-debug-exit,iobase=0xffff,iosize=4", &err));
    g_assert_nonnull(strstr(err->message, "isa-debug-exit"));
    g_assert_nonnull(strstr(err->message, "64 KiB"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("isa-debug-exit,iobase=0x10000", &err));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("isa-debug-exit,size=4", &err));
    g_assert_nonnull(strstr(err->message, "no property 'size'"));
    g_clear_error(&err);
}

static void test_port92(void)
{
    DeviceState *d = hwt_create(TYPE_PORT92, NULL);
    Port92State *s = (Port92State *)d;

    g_assert_cmpint(hwt_take_resets(), ==, 0);
    g_assert_cmpuint(inb(0x92), ==, 0);
    g_assert_false(port92_a20_enabled(s));
    outb(0x92, 0x02);
    g_assert_true(port92_a20_enabled(s));
    g_assert_cmpuint(inb(0x92), ==, 0x02);
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(0x92, 0x03); /* 0 -> 1 on bit 0: fast reset */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    outb(0x92, 0x03); /* no new edge */
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(0x92, 0x02);
    outb(0x92, 0x01);
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    g_assert_false(port92_a20_enabled(s));
    qdev_reset_all();
    g_assert_cmpuint(inb(0x92), ==, 0);
    qdev_unref(d);
}

static int hook_calls;
static uint8_t hook_value;

static void post_hook(void *opaque, uint8_t v)
{
    g_assert_true(opaque == &hook_calls);
    hook_calls++;
    hook_value = v;
}

static void test_ioport80(void)
{
    DeviceState *d = hwt_create(TYPE_IOPORT80, NULL);
    IOPort80State *s = (IOPort80State *)d;

    outb(0x80, 0x12); /* no hook yet */
    g_assert_cmpuint(ioport80_last_value(s), ==, 0x12);
    ioport80_set_hook(s, post_hook, &hook_calls);
    outb(0x80, 0xaa);
    g_assert_cmpint(hook_calls, ==, 1);
    g_assert_cmpuint(hook_value, ==, 0xaa);
    g_assert_cmpuint(inb(0x80), ==, 0xaa);
    outw(0x80, 0x5501); /* the high byte goes to 0x81: nobody there */
    g_assert_cmpuint(ioport80_last_value(s), ==, 0x01);
    g_assert_cmpint(hook_calls, ==, 2);
    ioport80_set_hook(s, NULL, NULL);
    outb(0x80, 0x33);
    g_assert_cmpint(hook_calls, ==, 2);
    qdev_reset_all();
    g_assert_cmpuint(inb(0x80), ==, 0);
    qdev_unref(d);
}

static void test_not_user_creatable(void)
{
    GError *err = NULL;

    g_assert_null(qdev_device_add("port92", &err));
    g_assert_nonnull(strstr(err->message, "cannot be added"));
    g_clear_error(&err);
}

/*
 * A guest writing garbage everywhere: random bytes, words and dwords to every
 * port of the UART, RTC, i8042, port 0x92 and 0x80, with time passing. Nothing
 * may crash, hang or trip the sanitizers. Deterministic (fixed seed).
 */
static void test_random_garbage(void)
{
    static const uint16_t ports[] = {0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe,
                                     0x3ff, 0x70,  0x71,  0x60,  0x64,  0x92,  0x80};
    DeviceState *devs[] = {
        hwt_create(TYPE_ISA_SERIAL, NULL), hwt_create(TYPE_MC146818_RTC, NULL),
        hwt_create(TYPE_I8042, NULL),      hwt_create(TYPE_PORT92, NULL),
        hwt_create(TYPE_IOPORT80, NULL),
    };
    GRand *r = g_rand_new_with_seed(0x7e57);

    for (int i = 0; i < 200000; i++) {
        uint16_t port = ports[g_rand_int_range(r, 0, ARRAY_SIZE(ports))];
        uint32_t v = g_rand_int(r);

        switch (g_rand_int_range(r, 0, 8)) {
        case 0:
            inb(port);
            break;
        case 1:
            outw(port, v);
            break;
        case 2:
            inl(port);
            break;
        case 3:
            hwt_step(g_rand_int_range(r, 0, 2 * SCALE_MS));
            break;
        default:
            outb(port, v);
            break;
        }
        if (i % 1000 == 0) {
            hwt_take_resets();
        }
    }
    hwt_take_resets();
    qdev_reset_all();
    g_rand_free(r);
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
        qdev_unref(devs[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/hw/debug-exit/default", test_debug_exit_default);
    g_test_add_func("/hw/debug-exit/device-add", test_debug_exit_device_add);
    g_test_add_func("/hw/debug-exit/bad-props", test_debug_exit_bad_props);
    g_test_add_func("/hw/port92", test_port92);
    g_test_add_func("/hw/ioport80", test_ioport80);
    g_test_add_func("/hw/not-user-creatable", test_not_user_creatable);
    g_test_add_func("/hw/random-garbage", test_random_garbage);
    return g_test_run();
}
