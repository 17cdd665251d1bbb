/*
 * trace.c: what a disabled trace point costs.
 *
 * Times a register-write handler shaped like a device's (noinline, stores the
 * value) with and without a trace point in it, so the difference is what the
 * trace point adds to a real call site while disabled: a load of its flag and
 * one not-taken branch. Also prints an enabled point writing to /dev/null, for
 * scale. Prints ns per call, best of several runs; never fails on time.
 */
#include "qemu/osdep.h"
#include "qemu/trace.h"

#define BENCH_TRACE_EVENTS(X)                                                                      \
    X(bench_reg_write, (uint32_t base, unsigned reg, unsigned val), (base, reg, val),              \
      "base 0x%x reg %u val 0x%02x")

BENCH_TRACE_EVENTS(TRACE_DECLARE_EVENT)
BENCH_TRACE_EVENTS(TRACE_DEFINE_EVENT)
static TraceEvent *const bench_events[] = {BENCH_TRACE_EVENTS(TRACE_TABLE_ENTRY)};

#define CALLS         (1u << 24)
#define BEST_OF       15
#define ENABLED_CALLS (1u << 14)

typedef struct Dev {
    uint32_t base;
    uint8_t regs[8];
} Dev;

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

static double ns_per_call(WriteFn fn, Dev *d, unsigned calls)
{
    double best = 1e9;

    for (int r = 0; r < BEST_OF; r++) {
        int64_t t0 = g_get_monotonic_time();
        for (unsigned i = 0; i < calls; i++) {
            fn(d, i, i);
        }
        double ns = (double)(g_get_monotonic_time() - t0) * 1000.0 / calls;
        best = ns < best ? ns : best;
    }
    return best;
}

int main(void)
{
    Dev d = {.base = 0x3f8};
    double plain, traced, enabled;

    trace_event_register_group(bench_events, ARRAY_SIZE(bench_events));
    plain = ns_per_call(write_plain, &d, CALLS);
    traced = ns_per_call(write_traced, &d, CALLS);

    if (!trace_init_file("/dev/null", NULL)) {
        return 1;
    }
    trace_enable_events("bench_reg_write", true);
    enabled = ns_per_call(write_traced, &d, ENABLED_CALLS);
    trace_enable_events("bench_reg_write", false);

    printf("handler without trace point: %6.2f ns/call\n", plain);
    printf("handler, trace point off:    %6.2f ns/call (+%.2f ns)\n", traced, traced - plain);
    printf("handler, trace point on:     %6.0f ns/call (to /dev/null)\n", enabled);
    return 0;
}
