/*
 * test-hw-qdev.c: the device registry, properties, -device parsing and
 * errors, realize/reset order, info qtree, and irq lines.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/qdev.h"
#include "hw/irq.h"
#include "hw/isa.h"

typedef struct TestDev {
    DeviceState parent;
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    char *label;
    bool fail_realize;
    int resets;
    int realizes;
} TestDev;

static GString *event_log;

static bool testdev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = (TestDev *)dev;

    if (t->fail_realize) {
        g_set_error(errp, TERN_ERROR, 0, "test-dev: told to fail");
        return false;
    }
    t->realizes++;
    return true;
}

static void testdev_reset(DeviceState *dev)
{
    TestDev *t = (TestDev *)dev;

    t->resets++;
    if (event_log) {
        g_string_append_printf(event_log, "%s;", dev->id ? dev->id : "?");
    }
}

static void testdev_info(DeviceState *dev, GString *out)
{
    (void)dev;
    g_string_append(out, "  extra line\n");
}

static const Property testdev_props[] = {
    DEFINE_PROP_BOOL("flag", TestDev, flag, true),
    DEFINE_PROP_UINT8("u8", TestDev, u8, 7),
    DEFINE_PROP_UINT16("u16", TestDev, u16, 0x1234),
    DEFINE_PROP_UINT32("u32", TestDev, u32, 0x501),
    DEFINE_PROP_UINT64("u64", TestDev, u64, 1ULL << 40),
    {.name = "label", .type = PROP_STRING, .offset = offsetof(TestDev, label), .defstr = "serial0"},
    DEFINE_PROP_BOOL("fail", TestDev, fail_realize, false),
    DEFINE_PROP_END,
};

static const DeviceInfo testdev_info_s = {
    .name = "test-dev",
    .desc = "a device for the qdev tests",
    .spec = "none",
    .instance_size = sizeof(TestDev),
    .props = testdev_props,
    .user_creatable = true,
    .realize = testdev_realize,
    .reset = testdev_reset,
    .info = testdev_info,
};
device_init(testdev_info_s)

    static const DeviceInfo hidden_info = {
        .name = "test-hidden",
        .desc = "not user creatable",
        .instance_size = sizeof(DeviceState),
};
device_init(hidden_info)

    static void test_defaults(void)
{
    TestDev *t = (TestDev *)qdev_new("test-dev");

    g_assert_nonnull(t);
    g_assert_true(t->flag);
    g_assert_cmpuint(t->u8, ==, 7);
    g_assert_cmpuint(t->u16, ==, 0x1234);
    g_assert_cmpuint(t->u32, ==, 0x501);
    g_assert_cmpuint(t->u64, ==, 1ULL << 40);
    g_assert_cmpstr(t->label, ==, "serial0");
    g_assert_false(t->parent.realized);
    g_assert_null(qdev_new("no-such-device"));
    qdev_unref(&t->parent);
}

static void check_parse_ok(DeviceState *d, const char *prop, const char *val)
{
    GError *err = NULL;

    g_assert_true(qdev_prop_parse(d, prop, val, &err));
    g_assert_no_error(err);
}

static void check_parse_err(DeviceState *d, const char *prop, const char *val, const char *needle)
{
    GError *err = NULL;

    g_assert_false(qdev_prop_parse(d, prop, val, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "test-dev"));
    g_assert_nonnull(strstr(err->message, needle));
    g_error_free(err);
}

static void test_prop_bool(void)
{
    TestDev *t = (TestDev *)qdev_new("test-dev");
    DeviceState *d = &t->parent;
    static const char *const falsy[] = {"off", "false", "no", "OFF"};
    static const char *const truthy[] = {"on", "true", "yes", "Yes"};

    for (size_t i = 0; i < ARRAY_SIZE(falsy); i++) {
        t->flag = true;
        check_parse_ok(d, "flag", falsy[i]);
        g_assert_false(t->flag);
        check_parse_ok(d, "flag", truthy[i]);
        g_assert_true(t->flag);
    }
    check_parse_err(d, "flag", "maybe", "flag");
    check_parse_err(d, "flag", "", "flag");
    check_parse_err(d, "flag", "1", "flag");
    qdev_unref(d);
}

static void test_prop_int(void)
{
    TestDev *t = (TestDev *)qdev_new("test-dev");
    DeviceState *d = &t->parent;

    check_parse_ok(d, "u32", "0xf4");
    g_assert_cmpuint(t->u32, ==, 0xf4);
    check_parse_ok(d, "u32", "1016");
    g_assert_cmpuint(t->u32, ==, 1016);
    check_parse_ok(d, "u32", "010");
    g_assert_cmpuint(t->u32, ==, 8);
    check_parse_ok(d, "u64", "4G");
    g_assert_cmpuint(t->u64, ==, 4 * GiB);
    check_parse_ok(d, "u64", "512M");
    g_assert_cmpuint(t->u64, ==, 512 * MiB);
    check_parse_ok(d, "u64", "64k");
    g_assert_cmpuint(t->u64, ==, 64 * KiB);
    check_parse_ok(d, "u64", "2T");
    g_assert_cmpuint(t->u64, ==, 2048 * GiB);
    check_parse_ok(d, "u64", "0xffffffffffffffff");
    g_assert_cmpuint(t->u64, ==, UINT64_MAX);
    check_parse_ok(d, "u8", "255");
    g_assert_cmpuint(t->u8, ==, 255);
    check_parse_ok(d, "u16", "0xffff");
    g_assert_cmpuint(t->u16, ==, 0xffff);

    check_parse_err(d, "u8", "256", "out of range");
    check_parse_err(d, "u16", "0x10000", "u16");
    check_parse_err(d, "u32", "0x100000000", "u32");
    check_parse_err(d, "u32", "4G", "u32");
    check_parse_err(d, "u64", "0x10000000000000000", "u64");
    check_parse_err(d, "u64", "16777216T", "u64");
    check_parse_err(d, "u32", "-1", "u32");
    check_parse_err(d, "u32", "", "u32");
    check_parse_err(d, "u32", "12x", "u32");
    check_parse_err(d, "u32", "1kk", "u32");
    check_parse_err(d, "u32", "0x", "u32");
    check_parse_err(d, "u32", " 1", "u32");
    g_assert_cmpuint(t->u8, ==, 255); /* failed parses leave the value alone */
    qdev_unref(d);
}

static void test_prop_string_and_id(void)
{
    TestDev *t = (TestDev *)qdev_new("test-dev");
    TestDev *t2 = (TestDev *)qdev_new("test-dev");
    DeviceState *d = &t->parent;

    check_parse_ok(d, "label", "com2");
    g_assert_cmpstr(t->label, ==, "com2");
    check_parse_ok(d, "label", "");
    g_assert_cmpstr(t->label, ==, "");
    qdev_prop_set_string(d, "label", "x");
    g_assert_cmpstr(t->label, ==, "x");
    qdev_prop_set_uint(d, "u16", 0x3f8);
    g_assert_cmpuint(t->u16, ==, 0x3f8);

    check_parse_ok(d, "id", "first");
    g_assert_cmpstr(d->id, ==, "first");
    g_assert_true(qdev_find_by_id("first") == d);
    check_parse_err(&t2->parent, "id", "first", "duplicate");
    check_parse_err(&t2->parent, "id", "1abc", "invalid id");
    check_parse_err(d, "nosuch", "1", "no property 'nosuch'");
    qdev_unref(&t2->parent);
    qdev_unref(d);
    g_assert_null(qdev_find_by_id("first"));
}

static void test_prop_set_bad_aborts(void)
{
    if (g_test_subprocess()) {
        DeviceState *d = qdev_new("test-dev");
        qdev_prop_set_uint(d, "u8", 0x100);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*test-dev*u8*");
}

static void test_realize(void)
{
    TestDev *t = (TestDev *)qdev_new("test-dev");
    GError *err = NULL;

    g_assert_true(qdev_realize(&t->parent, &err));
    g_assert_no_error(err);
    g_assert_true(t->parent.realized);
    g_assert_cmpint(t->realizes, ==, 1);
    g_assert_cmpint(t->resets, ==, 1); /* realize leaves the device reset */
    g_assert_false(qdev_realize(&t->parent, &err));
    g_assert_nonnull(strstr(err->message, "already realized"));
    g_clear_error(&err);
    check_parse_err(&t->parent, "u8", "1", "after realize");
    g_assert_true(qdev_find_by_name("test-dev") == &t->parent);
    qdev_unref(&t->parent);
    g_assert_null(qdev_find_by_name("test-dev"));

    t = (TestDev *)qdev_new("test-dev");
    check_parse_ok(&t->parent, "fail", "on");
    g_assert_false(qdev_realize(&t->parent, &err));
    g_assert_nonnull(strstr(err->message, "told to fail"));
    g_clear_error(&err);
    g_assert_false(t->parent.realized);
    qdev_unref(&t->parent);
}

static void test_device_add(void)
{
    GError *err = NULL;
    DeviceState *d = qdev_device_add("test-dev,u32=0xf4,u8=0x04,id=x,flag=off,label=a,,b", &err);
    TestDev *t = (TestDev *)d;

    g_assert_no_error(err);
    g_assert_nonnull(d);
    g_assert_true(d->realized);
    g_assert_cmpuint(t->u32, ==, 0xf4);
    g_assert_cmpuint(t->u8, ==, 4);
    g_assert_false(t->flag);
    g_assert_cmpstr(t->label, ==, "a,b");
    g_assert_cmpstr(d->id, ==, "x");
    qdev_unref(d);

    /* driver= as the first option, and a bare bool meaning on. */
    d = qdev_device_add("driver=test-dev,flag=off,flag", &err);
    g_assert_no_error(err);
    g_assert_true(((TestDev *)d)->flag);
    qdev_unref(d);
}

static void check_add_err(const char *opts, const char *needle)
{
    GError *err = NULL;

    g_assert_null(qdev_device_add(opts, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, needle)) {
        g_error("'%s': error '%s' lacks '%s'", opts, err->message, needle);
    }
    g_error_free(err);
}

static void test_device_add_errors(void)
{
    check_add_err("no-such-dev,iobase=1", "'no-such-dev' is not a valid device model name");
    check_add_err("test-dev,bogus=1", "no property 'bogus'");
    check_add_err("test-dev,u8=300", "u8");
    check_add_err("test-dev,u8", "test-dev: 'u8' needs a value");
    check_add_err("test-dev,bogus", "needs a value");
    check_add_err("driver=nosuch", "'nosuch' is not a valid device model name");
    check_add_err("test-dev,fail=on", "told to fail");
    check_add_err("test-hidden", "cannot be added");
    check_add_err("", "missing device name");
    check_add_err(",u8=1", "missing device name");
    /* A failed add leaves nothing behind. */
    g_assert_null(qdev_find_by_name("test-dev"));
}

static void test_device_help(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    g_assert_true(qdev_device_help("help", out));
    g_assert_nonnull(strstr(out->str, "name \"test-dev\", desc \"a device for the qdev tests\""));
    g_assert_null(strstr(out->str, "test-hidden"));
    g_string_truncate(out, 0);
    g_assert_true(qdev_device_help("test-dev,help", out));
    g_assert_nonnull(strstr(out->str, "u32=<uint32> (default 0x501)"));
    g_assert_nonnull(strstr(out->str, "flag=<bool> (default on)"));
    g_assert_nonnull(strstr(out->str, "label=<str> (default \"serial0\")"));
    g_string_truncate(out, 0);
    g_assert_true(qdev_device_help("driver=test-dev,help", out));
    g_assert_nonnull(strstr(out->str, "test-dev options:"));
    g_string_truncate(out, 0);
    g_assert_true(qdev_device_help("nosuch,help", out));
    g_assert_nonnull(strstr(out->str, "not a valid device"));
    g_assert_false(qdev_device_help("test-dev,u8=1", out));

    g_string_truncate(out, 0);
    device_list(out, false);
    g_assert_nonnull(strstr(out->str, "test-hidden"));

    if (g_test_subprocess()) {
        g_assert_null(qdev_device_add("test-dev,?", &err));
        g_assert_no_error(err);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("*test-dev options:*");
}

static void count_dev(DeviceState *dev, void *opaque)
{
    g_assert_true(dev->realized);
    (*(int *)opaque)++;
}

static void test_reset_order_and_tree(void)
{
    DeviceState *a = qdev_device_add("test-dev,id=a", NULL);
    DeviceState *b = qdev_device_add("test-dev,id=b,u16=0x3f8,label=z", NULL);
    DeviceState *c = qdev_new("test-dev"); /* never realized: neither reset nor listed */
    g_autoptr(GString) tree = g_string_new(NULL);
    int count = 0;

    g_assert_nonnull(a);
    g_assert_nonnull(b);
    qdev_prop_parse(c, "id", "c", NULL);
    event_log = g_string_new(NULL);
    qdev_reset_all();
    g_assert_cmpstr(event_log->str, ==, "a;b;");
    g_string_free(event_log, TRUE);
    event_log = NULL;
    g_assert_cmpint(((TestDev *)a)->resets, ==, 2);

    qdev_info_tree(tree);
    g_assert_nonnull(strstr(tree->str, "dev: test-dev, id \"a\""));
    g_assert_nonnull(strstr(tree->str, "  u16 = 0x3f8\n"));
    g_assert_nonnull(strstr(tree->str, "  label = \"z\"\n"));
    g_assert_nonnull(strstr(tree->str, "  flag = on\n"));
    g_assert_nonnull(strstr(tree->str, "  extra line\n"));
    g_assert_null(strstr(tree->str, "id \"c\""));

    qdev_foreach(count_dev, &count);
    g_assert_cmpint(count, ==, 2);
    qdev_unref(a);
    qdev_unref(b);
    qdev_unref(c);
}

/* --- irq lines ----------------------------------------------------------------- */

static int irq_levels[ISA_NUM_IRQS];
static int irq_calls;

static void record_irq(void *opaque, int n, int level)
{
    g_assert_true(opaque == &irq_calls);
    irq_levels[n] = level;
    irq_calls++;
}

static int intercepted_level = -1;

static void intercept_irq(void *opaque, int n, int level)
{
    g_assert_cmpint(n, ==, 3);
    intercepted_level = level;
    qemu_set_irq((qemu_irq)opaque, level); /* forward to the original handler */
}

static void test_irq(void)
{
    qemu_irq *irqs = qemu_allocate_irqs(record_irq, &irq_calls, ISA_NUM_IRQS);
    qemu_irq old;

    qemu_set_irq(NULL, 1); /* an unconnected output */
    qemu_irq_raise(irqs[4]);
    g_assert_cmpint(irq_levels[4], ==, 1);
    qemu_irq_lower(irqs[4]);
    g_assert_cmpint(irq_levels[4], ==, 0);
    irq_calls = 0;
    qemu_irq_pulse(irqs[8]);
    g_assert_cmpint(irq_calls, ==, 2);
    g_assert_cmpint(irq_levels[8], ==, 0);

    isa_bus_set_irqs(irqs);
    g_assert_true(isa_get_irq(15) == irqs[15]);
    g_assert_null(isa_get_irq(16));
    g_assert_true(isa_check_irq("dev", 15, NULL));
    {
        GError *err = NULL;
        g_assert_false(isa_check_irq("dev", 16, &err));
        g_assert_nonnull(strstr(err->message, "dev: irq 16"));
        g_error_free(err);
    }

    old = qemu_irq_intercept(irqs[3], intercept_irq, NULL);
    /* Re-point the interceptor's opaque at the saved line; drop the second copy. */
    qemu_free_irq(qemu_irq_intercept(irqs[3], intercept_irq, old));
    qemu_irq_raise(isa_get_irq(3));
    g_assert_cmpint(intercepted_level, ==, 1);
    g_assert_cmpint(irq_levels[3], ==, 1);
    isa_bus_set_irqs(NULL);
    g_assert_null(isa_get_irq(3));
    qemu_free_irq(old);
    qemu_free_irqs(irqs, ISA_NUM_IRQS);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qdev/defaults", test_defaults);
    g_test_add_func("/qdev/prop/bool", test_prop_bool);
    g_test_add_func("/qdev/prop/int", test_prop_int);
    g_test_add_func("/qdev/prop/string-and-id", test_prop_string_and_id);
    g_test_add_func("/qdev/prop/set-bad-aborts", test_prop_set_bad_aborts);
    g_test_add_func("/qdev/realize", test_realize);
    g_test_add_func("/qdev/device-add", test_device_add);
    g_test_add_func("/qdev/device-add-errors", test_device_add_errors);
    g_test_add_func("/qdev/device-help", test_device_help);
    g_test_add_func("/qdev/reset-order-and-tree", test_reset_order_and_tree);
    g_test_add_func("/irq/lines", test_irq);
    return g_test_run();
}
