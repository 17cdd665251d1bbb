/*
 * trace.c: what a disabled trace point costs.
 *
 * Times a register-write handler shaped like a device's (noinline, stores the
 * value) with and without a trace point in it, so the difference is what the
 * trace point adds to a real call site while disabled: a load of its flag and
 * one not-taken branch. Also prints an empty loop of calls and an enabled point
 * writing to /dev/null, for scale. Prints ns per call, best of many short runs;
 * never fails on time.
 */
#include "qemu/osdep.h"
#include "qemu/trace.h"

#define BENCH_TRACE_EVENTS(X)                                                                      \
    X(bench_reg_write, (uint32_t base, unsigned reg, unsigned val), (base, reg, val),              \
      "base 0x%x reg %u val 0x%02x")

BENCH_TRACE_EVENTS(TRACE_DECLARE_EVENT)
BENCH_TRACE_EVENTS(TRACE_DEFINE_EVENT)
static TraceEvent *const bench_events[] = {BENCH_TRACE_EVENTS(TRACE_TABLE_ENTRY)};

#define CALLS         (1u << 18) /* a run is well under a millisecond... */
#define BEST_OF       300        /* ...so the best of many finds a quiet moment on a busy host */
#define ENABLED_CALLS (1u << 12)

typedef struct Dev {
    uint32_t base;
    uint8_t regs[8];
} Dev;

static __attribute__((noinline)) void write_empty(Dev *d, unsigned reg, unsigned val)
{
    (void)d;
    (void)reg;
    (void)val;
    __asm__ volatile("" ::: "memory"); /* a call the compiler must keep */
}

static __attribute__((noinline)) void write_plain(Dev *d, unsigned reg, unsigned val)
{
    d->regs[reg & 7] = val;
}

static __attribute__((noinline)) void write_traced(Dev *d, unsigned reg, unsigned val)
{
    trace_bench_reg_write(d->base, reg, val);
    d->regs[reg & 7] = val;
}

typedef void (*WriteFn)(Dev *d, unsigned reg, unsigned val);

static double run_once(WriteFn fn, Dev *d, unsigned calls)
{
    int64_t t0 = g_get_monotonic_time();

    for (unsigned i = 0; i < calls; i++) {
        fn(d, i, i);
    }
    return (double)(g_get_monotonic_time() - t0) * 1000.0 / calls;
}

/* Best ns per call of a and b, run alternately so host noise hits both alike. */
static void best_of_pair(WriteFn a, WriteFn b, Dev *d, unsigned calls, double *ta, double *tb)
{
    *ta = *tb = 1e9;
    for (int r = 0; r < BEST_OF; r++) {
        double x = run_once(a, d, calls), y = run_once(b, d, calls);
        *ta = x < *ta ? x : *ta;
        *tb = y < *tb ? y : *tb;
    }
}

int main(void)
{
    Dev d = {.base = 0x3f8};
    double empty, plain, traced, enabled, unused;

    trace_event_register_group(bench_events, ARRAY_SIZE(bench_events));
    best_of_pair(write_plain, write_traced, &d, CALLS, &plain, &traced);
    best_of_pair(write_empty, write_empty, &d, CALLS, &empty, &unused);

    if (!trace_init_file("/dev/null", NULL)) {
        return 1;
    }
    trace_enable_events("bench_reg_write", true);
    enabled = 1e9;
    for (int r = 0; r < 20; r++) {
        double ns = run_once(write_traced, &d, ENABLED_CALLS);
        enabled = ns < enabled ? ns : enabled;
    }
    trace_enable_events("bench_reg_write", false);

    printf("empty loop (call, no body):  %6.2f ns/call\n", empty);
    printf("handler without trace point: %6.2f ns/call\n", plain);
    printf("handler, trace point off:    %6.2f ns/call (+%.2f ns)\n", traced, traced - plain);
    printf("handler, trace point on:     %6.0f ns/call (to /dev/null)\n", enabled);
    return 0;
}
