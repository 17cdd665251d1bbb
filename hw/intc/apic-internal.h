/*
 * apic-internal.h: what apic.c (registers, delivery) and apic-timer.c (the
 * local APIC timer and TSC deadline) share. Not for other users: see apic.h.
 */
#ifndef HW_INTC_APIC_INTERNAL_H
#define HW_INTC_APIC_INTERNAL_H

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/intc/apic.h"

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NUM };

/* LVT fields. */
#define LVT_VECTOR            0x000000ff
#define LVT_DM_SHIFT          8
#define LVT_DM_MASK           7
#define LVT_DELIV_STATUS      (1u << 12)
#define LVT_POLARITY          (1u << 13)
#define LVT_REMOTE_IRR        (1u << 14)
#define LVT_LEVEL             (1u << 15)
#define LVT_MASKED            (1u << 16)
#define LVT_TIMER_SHIFT       17
#define LVT_TIMER_ONESHOT     0
#define LVT_TIMER_PERIODIC    1
#define LVT_TIMER_TSCDEADLINE 2
#define LVT_RESET             LVT_MASKED
#define LVT_EXTINT_UNMASKED   (APIC_DM_EXTINT << LVT_DM_SHIFT)

/* The shortest interval between periodic timer interrupts (they coalesce below it). */
#define APIC_TIMER_MIN_PERIOD_NS 1000

struct APICState {
    DeviceState parent;
    uint32_t initial_id; /* property "id" */
    bool bsp;
    const APICCPUOps *ops;
    void *cpu;

    uint64_t apicbase;
    uint32_t id; /* xAPIC: ID in bits 7:0 here (the register holds it in 31:24) */
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;
    uint32_t icr[2];
    uint32_t lvt[LVT_NUM];
    uint32_t initial_count, divide_conf;
    int64_t timer_load; /* virtual ns the count started (or restarted) at */
    uint64_t tsc_deadline;
    int64_t tsc_offset;
    QEMUTimer *timer;
    int lint_level[2];
    bool extint_pending; /* an ExtINT message from the IOAPIC */
    bool wait_for_sipi;
    int pending_hint; /* atomic: see apic_interrupt_hint() */
};

/* apic.c: an LVT source fires (timer, error, LINT0/1). */
void apic_local_deliver(APICState *s, int lvt_index);

/* apic-timer.c */
int apic_timer_mode(APICState *s);
uint32_t apic_current_count(APICState *s);
/* Schedules the next expiry of the count (or deadline), or stops the timer. */
void apic_timer_arm(APICState *s);
void apic_timer_cb(void *opaque);
void apic_write_divide(APICState *s, uint32_t val);
void apic_write_lvt_timer(APICState *s, uint32_t val);

#endif
