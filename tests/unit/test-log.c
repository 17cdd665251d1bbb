/*
 * test-log.c: -d parsing.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"

static void test_log_items(void)
{
    GError *err = NULL;

    g_assert_true(qemu_set_log_str("guest_errors,unimp", &err));
    g_assert_no_error(err);
    g_assert_true(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(qemu_loglevel_mask(LOG_UNIMP));
    g_assert_false(qemu_loglevel_mask(CPU_LOG_INT));
    g_assert_false(qemu_set_log_str("bogus", &err));
    g_assert_nonnull(strstr(err->message, "bogus"));
    g_clear_error(&err);
    g_assert_true(qemu_set_log_str("", &err));
    g_assert_cmpuint(qemu_loglevel, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log/items", test_log_items);
    return g_test_run();
}
