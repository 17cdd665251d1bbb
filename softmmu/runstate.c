/*
 * runstate.c: shutdown, reset and powerdown requests, and the handlers the
 * machine registers for them.
 *
 * Any thread (a vCPU writing the reset port, the debug-exit device, a signal
 * handler's BH, the monitor) may ask; the request is a flag set atomically,
 * followed by qemu_notify_event(), and the main loop acts on it under the BQL
 * in main_loop_should_exit(). The first shutdown request fixes the exit status.
 *
 * Left out: QEMU's RunState machine, shutdown causes, suspend/wakeup, and
 * -no-shutdown.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"

bool no_reboot;

static int shutdown_pending; /* atomic: 0 none, 1 being set, 2 set with shutdown_status */
static int shutdown_status;
static int reset_pending;     /* atomic */
static int powerdown_pending; /* atomic */

typedef struct RunstateHandler {
    void (*fn)(void *opaque);
    void *opaque;
} RunstateHandler;

/* Registration happens at machine setup, under the BQL; run in the main loop. */
static GArray *reset_handlers;
static GArray *powerdown_handlers;

void qemu_system_shutdown_request(int exit_status)
{
    int expected = 0;

    if (__atomic_compare_exchange_n(&shutdown_pending, &expected, 1, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
        shutdown_status = exit_status;
        __atomic_store_n(&shutdown_pending, 2, __ATOMIC_SEQ_CST);
    }
    qemu_notify_event();
}

void qemu_system_reset_request(void)
{
    if (no_reboot) {
        qemu_system_shutdown_request(0);
        return;
    }
    __atomic_store_n(&reset_pending, 1, __ATOMIC_SEQ_CST);
    qemu_notify_event();
}

void qemu_system_powerdown_request(void)
{
    __atomic_store_n(&powerdown_pending, 1, __ATOMIC_SEQ_CST);
    qemu_notify_event();
}

bool qemu_shutdown_requested(int *exit_status)
{
    if (__atomic_load_n(&shutdown_pending, __ATOMIC_SEQ_CST) != 2) {
        return false;
    }
    if (exit_status) {
        *exit_status = shutdown_status;
    }
    return true;
}

static void handler_add(GArray **list, void (*fn)(void *opaque), void *opaque)
{
    RunstateHandler h = {.fn = fn, .opaque = opaque};

    if (!*list) {
        *list = g_array_new(false, false, sizeof(RunstateHandler));
    }
    g_array_append_val(*list, h);
}

static void handlers_run(GArray *list)
{
    /* By index: a handler may register another one, which then runs too. */
    for (guint i = 0; list && i < list->len; i++) {
        RunstateHandler *h = &g_array_index(list, RunstateHandler, i);

        h->fn(h->opaque);
    }
}

void qemu_register_reset_handler(void (*fn)(void *opaque), void *opaque)
{
    handler_add(&reset_handlers, fn, opaque);
}

void qemu_unregister_reset_handler(void (*fn)(void *opaque), void *opaque)
{
    for (guint i = 0; reset_handlers && i < reset_handlers->len; i++) {
        RunstateHandler *h = &g_array_index(reset_handlers, RunstateHandler, i);

        if (h->fn == fn && h->opaque == opaque) {
            g_array_remove_index(reset_handlers, i);
            return;
        }
    }
}

void qemu_register_powerdown_handler(void (*fn)(void *opaque), void *opaque)
{
    handler_add(&powerdown_handlers, fn, opaque);
}

void qemu_devices_reset(void)
{
    handlers_run(reset_handlers);
}

bool main_loop_should_exit(int *exit_status)
{
    if (qemu_shutdown_requested(exit_status)) {
        /* Consumed, so that a later qemu_main_loop() (tests) starts clean. */
        __atomic_store_n(&shutdown_pending, 0, __ATOMIC_SEQ_CST);
        return true;
    }
    if (__atomic_exchange_n(&reset_pending, 0, __ATOMIC_SEQ_CST)) {
        qemu_devices_reset();
    }
    if (__atomic_exchange_n(&powerdown_pending, 0, __ATOMIC_SEQ_CST)) {
        if (!powerdown_handlers || powerdown_handlers->len == 0) {
            qemu_log_mask(LOG_UNIMP, "powerdown request: the machine has no power button\n");
        }
        handlers_run(powerdown_handlers);
    }
    return false;
}
