/*
 * apic-timer.c: the local APIC timer (Intel SDM vol. 3, 11.5.4 "APIC Timer"):
 * one-shot and periodic counts from the initial-count register at the bus
 * clock divided by the divide configuration register, the current-count
 * register, and TSC-deadline mode (11.5.4.1) against IA32_TSC_DEADLINE.
 *
 * The timer is not stepped: the count is a function of the virtual time it
 * was loaded at, and the expiry is a QEMUTimer on QEMU_CLOCK_VIRTUAL, so it is
 * deterministic under a manual clock. The bus clock is APIC_TIMER_FREQ_HZ
 * (one tick per virtual ns), the TSC APIC_TSC_FREQ_HZ. Left out: nothing the
 * SDM specifies, but periodic interrupts closer than 1 us coalesce (XXX, so a
 * guest cannot keep the host busy with a period of a few ns).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "apic-internal.h"
#include "trace-events.h"

int apic_timer_mode(APICState *s)
{
    return (s->lvt[LVT_TIMER] >> LVT_TIMER_SHIFT) & 3;
}

/* Divide configuration bits 3,1,0: 000 = 2 ... 110 = 128, 111 = 1. */
static int apic_divide_shift(APICState *s)
{
    int v = (s->divide_conf & 3) | ((s->divide_conf >> 1) & 4);
    return (v + 1) & 7;
}

/* Timer ticks (after the divider) since the count was loaded. */
static uint64_t apic_timer_ticks(APICState *s)
{
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - s->timer_load;
    return ((uint64_t)ns * (APIC_TIMER_FREQ_HZ / 1000000000ull)) >> apic_divide_shift(s);
}

uint32_t apic_current_count(APICState *s)
{
    uint64_t t;

    if (!s->initial_count || apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE) {
        return 0;
    }
    t = apic_timer_ticks(s);
    if (apic_timer_mode(s) == LVT_TIMER_PERIODIC) {
        return s->initial_count - t % s->initial_count;
    }
    return t >= s->initial_count ? 0 : s->initial_count - t;
}

static int64_t apic_ticks_to_ns(APICState *s, uint64_t ticks)
{
    return (int64_t)(ticks << apic_divide_shift(s)) / (APIC_TIMER_FREQ_HZ / 1000000000ull);
}

uint64_t apic_tsc_from_ns(int64_t ns)
{
    return (unsigned __int128)ns * APIC_TSC_FREQ_HZ / NANOSECONDS_PER_SECOND;
}

/* The first virtual ns at which the TSC reaches tsc (without the offset). */
static int64_t apic_ns_from_tsc(uint64_t tsc)
{
    unsigned __int128 n = (unsigned __int128)tsc * NANOSECONDS_PER_SECOND;
    n = (n + APIC_TSC_FREQ_HZ - 1) / APIC_TSC_FREQ_HZ;
    return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

void apic_timer_arm(APICState *s)
{
    uint64_t t, n = s->initial_count;

    if (apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE) {
        if (!s->tsc_deadline) {
            timer_del(s->timer);
        } else {
            /* The virtual-clock TSC the deadline stands for, before the vCPU's offset. */
            __int128 tsc = (__int128)s->tsc_deadline - s->tsc_offset;
            timer_mod(s->timer, tsc <= 0 ? 0 : apic_ns_from_tsc(MIN(tsc, (__int128)UINT64_MAX)));
        }
        return;
    }
    if (!n) {
        timer_del(s->timer);
        return;
    }
    t = apic_timer_ticks(s);
    if (apic_timer_mode(s) == LVT_TIMER_PERIODIC) {
        int64_t next = s->timer_load + apic_ticks_to_ns(s, (t / n + 1) * n);
        int64_t soonest = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + APIC_TIMER_MIN_PERIOD_NS;
        /* XXX: very short periods fire at most every 1 us, so a guest cannot hog the host. */
        timer_mod(s->timer,
                  apic_ticks_to_ns(s, n) < APIC_TIMER_MIN_PERIOD_NS ? MAX(next, soonest) : next);
    } else if (t < n) {
        timer_mod(s->timer, s->timer_load + apic_ticks_to_ns(s, n));
    } else {
        timer_del(s->timer);
    }
}

void apic_timer_cb(void *opaque)
{
    APICState *s = opaque;

    trace_apic_timer_fire(s->id, apic_timer_mode(s));
    if (apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE) {
        s->tsc_deadline = 0;
    } else if (apic_timer_mode(s) == LVT_TIMER_PERIODIC && s->initial_count) {
        apic_timer_arm(s);
    }
    apic_local_deliver(s, LVT_TIMER);
}

/* Keeps the current count across a divider change: the count continues at the new rate. */
void apic_write_divide(APICState *s, uint32_t val)
{
    uint32_t cur = apic_current_count(s);
    uint64_t done = s->initial_count - cur;

    s->divide_conf = val & 0xb;
    if (s->initial_count && cur) {
        s->timer_load = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - apic_ticks_to_ns(s, done);
    }
    if (apic_timer_mode(s) != LVT_TIMER_TSCDEADLINE) {
        apic_timer_arm(s);
    }
}

void apic_write_lvt_timer(APICState *s, uint32_t val)
{
    int old_mode = apic_timer_mode(s);
    uint32_t cur = apic_current_count(s);

    s->lvt[LVT_TIMER] = val;
    if (cur && apic_timer_mode(s) != old_mode) {
        /* One-shot <-> periodic: the count in progress goes on from where it is. */
        s->timer_load =
            qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - apic_ticks_to_ns(s, s->initial_count - cur);
    }
    if (apic_timer_mode(s) == 3) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %u: reserved timer mode 3\n", s->id);
        s->lvt[LVT_TIMER] &= ~(1u << (LVT_TIMER_SHIFT + 1)); /* treat as periodic */
    }
    if (old_mode != apic_timer_mode(s) &&
        (old_mode == LVT_TIMER_TSCDEADLINE || apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE)) {
        /* Switching to or from TSC-deadline mode disarms the timer (11.5.4.1). */
        s->initial_count = 0;
        s->tsc_deadline = 0;
    }
    apic_timer_arm(s);
}

void apic_set_tsc_deadline(APICState *s, uint64_t deadline)
{
    if (apic_timer_mode(s) != LVT_TIMER_TSCDEADLINE) {
        return;
    }
    s->tsc_deadline = deadline;
    if (deadline &&
        (__int128)deadline <=
            (__int128)apic_tsc_from_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) + s->tsc_offset) {
        /* Already passed: fire now rather than at the next timer run. */
        timer_del(s->timer);
        apic_timer_cb(s);
        return;
    }
    apic_timer_arm(s);
}

uint64_t apic_get_tsc_deadline(APICState *s)
{
    return apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE ? s->tsc_deadline : 0;
}

void apic_set_tsc_offset(APICState *s, int64_t offset)
{
    s->tsc_offset = offset;
    if (apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE) {
        apic_timer_arm(s);
    }
}
