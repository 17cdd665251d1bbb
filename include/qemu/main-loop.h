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

/* Creates the loop and its clocks; call once before anything else uses them. */
void qemu_init_main_loop(void);

/* One iteration: waits for fds, timers or a wakeup (not at all if nonblocking),
 * then runs fd handlers, expired timers and scheduled bottom halves. Called with
 * the BQL held; drops it while waiting. Returns true if it did any work. */
bool main_loop_wait(bool nonblocking);

/* Runs until a shutdown is requested; returns the exit status it asked for. */
int qemu_main_loop(void);

/* Wakes main_loop_wait() from any thread. */
void qemu_notify_event(void);

/* --- file descriptors ------------------------------------------------------ */
typedef void IOHandler(void *opaque);
/* Watches fd (read and/or write handler, NULL to stop); both NULL removes it. */
void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write, void *opaque);

/* --- bottom halves: run once in the main loop, scheduled from any thread ---- */
typedef struct QEMUBH QEMUBH;
typedef void QEMUBHFunc(void *opaque);
QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque);
void qemu_bh_schedule(QEMUBH *bh); /* thread-safe; scheduling twice runs once */
void qemu_bh_cancel(QEMUBH *bh);
void qemu_bh_delete(QEMUBH *bh);

/* --- the big lock ----------------------------------------------------------- */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void); /* by this thread */

/* --- run state -------------------------------------------------------------- */
/* Ask the main loop to end the VM with this exit status (thread-safe). */
void qemu_system_shutdown_request(int exit_status);
/* Ask for a machine reset (thread-safe); with -no-reboot it becomes a shutdown. */
void qemu_system_reset_request(void);
/* ACPI power button: the machine's handler is told (thread-safe). */
void qemu_system_powerdown_request(void);
bool qemu_shutdown_requested(int *exit_status);

/* The machine registers what reset and powerdown do. */
void qemu_register_reset_handler(void (*fn)(void *opaque), void *opaque);
void qemu_register_powerdown_handler(void (*fn)(void *opaque), void *opaque);
void qemu_devices_reset(void);
extern bool no_reboot;

#endif
