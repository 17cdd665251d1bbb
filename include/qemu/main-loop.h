/*
 * main-loop.h: the main loop (a GLib GMainContext), file-descriptor watches,
 * bottom halves, the big lock, and the VM's run-state requests.
 *
 * One big lock (BQL): device models and the main loop run under it; vCPU
 * threads take it for exits and slow paths. See docs/main-loop.md.
 */
#ifndef QEMU_MAIN_LOOP_H
#define QEMU_MAIN_LOOP_H

#include "qemu/osdep.h"

/* Creates the loop and starts the virtual clock; idempotent (the fd and loop
 * functions call it on first use). Does not take the BQL: the caller does. */
void qemu_init_main_loop(void);

/* One iteration: waits for fds, timers or a wakeup (not at all if nonblocking),
 * then runs fd handlers (and other GSources of the default context), expired
 * timers and scheduled bottom halves. Called with the BQL held; drops it while
 * waiting. Returns true if it did any work. */
bool main_loop_wait(bool nonblocking);

/* Runs until a shutdown is requested; returns the exit status it asked for and
 * consumes the request. Acts on reset and powerdown requests on the way. */
int qemu_main_loop(void);

/* Acts on pending reset/powerdown requests; true (with the status) when a
 * shutdown is requested, which it consumes. qemu_main_loop's exit test. */
bool main_loop_should_exit(int *exit_status);

/* Wakes main_loop_wait() from any thread (a no-op on the loop's own thread). */
void qemu_notify_event(void);

/* SIGINT, SIGTERM and SIGHUP become a shutdown request with status 0 (as in
 * QEMU), handled in the loop, so that the normal exit path restores the
 * terminal. qemu_init_main_loop() already ignores SIGPIPE. */
void qemu_init_signal_handlers(void);

/* --- file descriptors ------------------------------------------------------ */
typedef void IOHandler(void *opaque);
/* Watches fd (read and/or write handler, NULL to stop); both NULL removes it.
 * Main loop (BQL) only; safe to call from inside any handler, also for the fd
 * being handled. Read handlers also fire on hang-up and error. */
void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write, void *opaque);

/* --- bottom halves: run once in the main loop, scheduled from any thread ---- */
typedef struct QEMUBH QEMUBH;
typedef void QEMUBHFunc(void *opaque);
/* Creating and deleting a BH needs the BQL (or no running loop); scheduling does not. */
QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque);
/* Thread-safe and wakes the loop; scheduling twice before it runs runs it once.
 * A BH may schedule itself from its callback: it runs again next iteration. */
void qemu_bh_schedule(QEMUBH *bh);
void qemu_bh_cancel(QEMUBH *bh); /* unschedules; thread-safe */
/* Frees the BH (it will not run); safe from inside its own callback. */
void qemu_bh_delete(QEMUBH *bh);

/* --- the big lock ----------------------------------------------------------- */
/* Not recursive: taking it twice in one thread aborts with a message. */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void); /* by this thread */
/* Waits on cond with the BQL released meanwhile (vCPU pause/resume handshakes). */
void qemu_cond_wait_bql(GCond *cond);
/* Same, until end_time (g_get_monotonic_time() microseconds); false on timeout. */
bool qemu_cond_timedwait_bql(GCond *cond, int64_t end_time);

/* --- run state -------------------------------------------------------------- */
/* Ask the main loop to end the VM with this exit status (thread-safe). */
void qemu_system_shutdown_request(int exit_status);
/* Ask for a machine reset (thread-safe); with -no-reboot it becomes a shutdown. */
void qemu_system_reset_request(void);
/* ACPI power button: the machine's handler is told (thread-safe). */
void qemu_system_powerdown_request(void);
/* True, with the status of the first request, while a shutdown is pending. */
bool qemu_shutdown_requested(int *exit_status);

/* The machine registers what reset and powerdown do (BQL held). The main loop
 * runs the reset handlers on a reset request, in registration order. */
void qemu_register_reset_handler(void (*fn)(void *opaque), void *opaque);
void qemu_unregister_reset_handler(void (*fn)(void *opaque), void *opaque);
void qemu_register_powerdown_handler(void (*fn)(void *opaque), void *opaque);
/* Runs every reset handler now, in registration order (BQL held). */
void qemu_devices_reset(void);
extern bool no_reboot; /* -no-reboot: a reset request becomes shutdown(0) */

#endif
