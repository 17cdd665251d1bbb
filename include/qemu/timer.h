/*
 * timer.h: clocks and timers, run by the main loop.
 *
 * QEMU_CLOCK_VIRTUAL is guest time: it stops while the VM is stopped, and in
 * manual mode (qtest) it moves only when the test steps it, so timer-driven
 * devices are deterministic. QEMU_CLOCK_REALTIME is host monotonic time;
 * QEMU_CLOCK_HOST is host wall-clock time (the RTC's source).
 */
#ifndef QEMU_TIMER_H
#define QEMU_TIMER_H

#include "qemu/osdep.h"

#define NANOSECONDS_PER_SECOND 1000000000LL
#define SCALE_MS               1000000
#define SCALE_US               1000
#define SCALE_NS               1

typedef enum {
    QEMU_CLOCK_REALTIME = 0,
    QEMU_CLOCK_VIRTUAL = 1,
    QEMU_CLOCK_HOST = 2,
    QEMU_CLOCK_MAX
} QEMUClockType;

typedef struct QEMUTimer QEMUTimer;
typedef void QEMUTimerCB(void *opaque);

/* Any thread may read any clock (the virtual one is behind a seqlock). */
int64_t qemu_clock_get_ns(QEMUClockType type);
static inline int64_t qemu_clock_get_ms(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_MS;
}

/* Timers run in the main loop, in order of expiry (ties: order of timer_mod).
 * Main loop / BQL only. A callback may re-arm its own timer, or delete or free
 * any timer (its own too). timer_mod wakes the loop if the deadline moves up. */
QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque);
void timer_free(QEMUTimer *t);
void timer_mod(QEMUTimer *t, int64_t expire_ns); /* absolute time on the timer's clock */
void timer_del(QEMUTimer *t);
bool timer_pending(QEMUTimer *t);
int64_t timer_expire_time_ns(QEMUTimer *t); /* -1 if not pending */

/* Runs every expired timer of every clock; true if any ran. */
bool qemu_clock_run_all_timers(void);
/* Nanoseconds until the next timer expires (real time), -1 if none. */
int64_t qemu_clock_deadline_ns_all(void);
/* Deadline of the next virtual timer in virtual time, -1 if none. */
int64_t qemu_clock_next_virtual_deadline(void);

/* The virtual clock stops with the VM (vm_stop) and resumes with it (vm_start).
 * It stands at 0 until qemu_init_main_loop() enables it. */
void qemu_clock_enable_virtual(bool enable);
bool qemu_clock_virtual_enabled(void);
/* Manual mode: virtual time advances only through qemu_clock_step()/qemu_clock_set(). */
void qemu_clock_set_manual(bool manual);
bool qemu_clock_is_manual(void);
/* Manual mode (or a stopped clock): advance by ns (or to ns), running the virtual
 * timers due on the way in expiry order; each callback reads the virtual clock as
 * its own expiry time. Never goes backwards. Returns the new virtual time. */
int64_t qemu_clock_step(int64_t ns);
int64_t qemu_clock_set(int64_t ns);

/*
 * Instruction counting (QEMU's -icount, sleep=on), for the interpreter: the
 * virtual clock advances 1 << shift ns per instruction executed, and follows
 * REALTIME only while no vCPU is active (all halted). Enabled once by the
 * accelerator before vCPUs run; without it nothing below has any effect.
 */
#define QEMU_ICOUNT_MAX_SHIFT 10
void qemu_icount_enable(int shift);
bool qemu_icount_enabled(void);
int qemu_icount_shift(void);
/* A vCPU thread starts (true) or stops (false: halted, leaving) executing. */
void qemu_icount_cpu_active(bool active);
/*
 * Around a slice, on the vCPU thread: counter is its instruction counter.
 * Within the slice this thread reads the clock to the instruction; the end
 * adds the slice's instructions to the clock and returns the ns it added.
 */
void qemu_icount_slice_begin(const uint64_t *counter);
int64_t qemu_icount_slice_end(void);
/* Between slices, on a vCPU thread: an instruction that lasts longer than one took ns more. */
void qemu_icount_advance(int64_t ns);
/* Instructions until the next virtual timer is due (0: due now), at most max_insns. */
uint64_t qemu_icount_budget(uint64_t max_insns);
/* Whether a virtual timer is due (any thread, no lock). */
bool qemu_icount_timers_due(void);
/* Runs the expired virtual timers; BQL held (a vCPU thread at the end of a slice). */
bool qemu_icount_run_timers(void);

#endif
