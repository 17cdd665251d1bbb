/*
 * debugexit-test.c: QEMU's isa-debug-exit device (hw/misc/debugexit.c): a write
 * of v ends tern with exit status (v << 1) | 1, whatever the access size; the
 * iobase/iosize properties move and size it; reads return 0.
 */
#include "libqtest.h"

#define DEBUG_EXIT_PORT 0x501 /* QEMU's default iobase */

typedef struct ExitCase {
    const char *args;
    uint16_t port;
    unsigned size;
    uint32_t value;
    int status;
} ExitCase;

static const ExitCase exit_cases[] = {
    {"-device isa-debug-exit", DEBUG_EXIT_PORT, 1, 0, 1},
    {"-device isa-debug-exit", DEBUG_EXIT_PORT, 1, 1, 3},
    {"-device isa-debug-exit", DEBUG_EXIT_PORT, 1, 0x3f, 0x7f},
    {"-device isa-debug-exit", DEBUG_EXIT_PORT + 1, 1, 2, 5},
    /* Only the low 8 bits of (v << 1) | 1 survive as an exit status. */
    {"-device isa-debug-exit", DEBUG_EXIT_PORT, 2, 0x1234, (0x2469 & 0xff)},
    {"-device isa-debug-exit,iobase=0xf4,iosize=0x04", 0xf4, 4, 0x10, 0x21},
};

static void test_exit_status(gconstpointer opaque)
{
    const ExitCase *c = opaque;
    QTestState *s = qtest_init(c->args);

    g_assert_cmphex(qtest_inb(s, c->port), ==, 0);
    switch (c->size) {
    case 1:
        qtest_outb(s, c->port, (uint8_t)c->value);
        break;
    case 2:
        qtest_outw(s, c->port, (uint16_t)c->value);
        break;
    default:
        qtest_outl(s, c->port, c->value);
        break;
    }
    g_assert_cmpint(qtest_wait_exit(s), ==, c->status);
}

/* Without the device, the port is unassigned: writes do nothing and tern stays up. */
static void test_absent(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, DEBUG_EXIT_PORT, 1);
    g_assert_cmphex(qtest_inb(s, DEBUG_EXIT_PORT), ==, 0xff);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* A bad iosize is a setup error: status 1 before the test connects. */
static void test_bad_iosize(void)
{
    int status = 0;
    QTestState *s = qtest_try_init("-device isa-debug-exit,iosize=0", &status);

    g_assert_null(s);
    g_assert_cmpint(status, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(exit_cases); i++) {
        g_autofree char *name = g_strdup_printf("/debugexit/status/%zu", i);

        g_test_add_data_func(name, &exit_cases[i], test_exit_status);
    }
    g_test_add_func("/debugexit/absent", test_absent);
    g_test_add_func("/debugexit/bad-iosize", test_bad_iosize);
    return g_test_run();
}
