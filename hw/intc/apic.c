/*
 * apic.c: the local APIC of each vCPU, in xAPIC and x2APIC mode.
 *
 * Follows the Intel SDM vol. 3 chapter 11 "Advanced Programmable Interrupt
 * Controller (APIC)" (chapter 10 in older editions): the register map of
 * table 11-1 (ID, version, TPR/APR/PPR, EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR,
 * ICR, the LVT, the timer's initial/current count and divide configuration),
 * IA32_APIC_BASE with the global enable and x2APIC switch (11.4.4, 11.12.1),
 * x2APIC MSR access (11.12), interrupt acceptance and priority (11.8.3-11.8.5:
 * IRR -> ISR on acknowledge, PPR from TPR and the highest in-service class,
 * EOI ending the highest in service and broadcast to the IOAPIC for
 * level-triggered vectors), IPIs with destination shorthands, physical and
 * logical (flat and cluster) destinations and lowest-priority arbitration
 * (11.6), INIT and start-up IPIs, the timer in one-shot, periodic and
 * TSC-deadline modes (11.5.4), the error register (11.5.3), and ExtINT from
 * the 8259 through LINT0 (11.5.1). The timer is in apic-timer.c.
 *
 * Left out: SMI delivery (logged), thermal and performance-counter LVT
 * sources (the registers exist, nothing fires), CMCI, focus processor
 * checking, EOI-broadcast suppression (the version register does not offer
 * it), directed EOI, remote read, relocating the xAPIC page (logged; it stays
 * at 0xFEE00000), LINT level-triggered Remote IRR, and the MSI address
 * window (a device write to 0xFEExxxxx reaches the current CPU's registers).
 * XXX: firmware sets LINT0 of the bootstrap processor to ExtINT; tern's reset
 * does it too (as QEMU's does), so the 8259 reaches the BSP before any
 * firmware runs.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "apic-internal.h"
#include "trace-events.h"

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID       0x020
#define APIC_LVR      0x030
#define APIC_TPR      0x080
#define APIC_APR      0x090
#define APIC_PPR      0x0a0
#define APIC_EOI      0x0b0
#define APIC_RRD      0x0c0
#define APIC_LDR      0x0d0
#define APIC_DFR      0x0e0
#define APIC_SVR      0x0f0
#define APIC_ISR      0x100
#define APIC_TMR      0x180
#define APIC_IRR      0x200
#define APIC_ESR      0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_ICR      0x300
#define APIC_ICR2     0x310
#define APIC_LVT_BASE 0x320 /* timer, thermal, perf, LINT0, LINT1, error */
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

/* Version: 0x14 (integrated APIC), max LVT entry 5, no EOI-broadcast suppression. */
#define APIC_VERSION 0x00050014

/* Writable bits of each LVT register. */
static const uint32_t lvt_writable[LVT_NUM] = {
    [LVT_TIMER] = 0x000600ff | LVT_MASKED,
    [LVT_THERMAL] = 0x000007ff | LVT_MASKED,
    [LVT_PERF] = 0x000007ff | LVT_MASKED,
    [LVT_LINT0] = 0x000007ff | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_LINT1] = 0x000007ff | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_ERROR] = 0x000000ff | LVT_MASKED,
};

/* SVR. */
#define SVR_VECTOR   0xff
#define SVR_ENABLE   (1u << 8)
#define SVR_FOCUS    (1u << 9)
#define SVR_WRITABLE (SVR_VECTOR | SVR_ENABLE | SVR_FOCUS)

/* ESR bits. */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER    (1u << 7)

/* ICR fields. */
#define ICR_VECTOR          0xff
#define ICR_DM_SHIFT        8
#define ICR_DEST_LOGICAL    (1u << 11)
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_WRITABLE        0x000ccfff
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* DFR models (bits 31:28). */
#define DFR_FLAT          0xf
#define DFR_CLUSTER       0x0
#define DFR_RESERVED_ONES 0x0fffffff

/* IA32_APIC_BASE. */
#define BASE_BSP      (1ull << 8)
#define BASE_EXTD     (1ull << 10)
#define BASE_ENABLE   (1ull << 11)
#define BASE_ADDR     0x000ffffffffff000ull
#define BASE_WRITABLE (BASE_EXTD | BASE_ENABLE | BASE_ADDR)

#define XAPIC_BROADCAST  0xff
#define X2APIC_BROADCAST 0xffffffffu

static GList *apics; /* realized, in creation order */
static APICCurrentFn current_fn;
static MemoryRegion apic_mmio;
static int (*extint_ack)(void *opaque);
static void *extint_opaque;
static qemu_irq pic_intr_line;
static int pic_intr_level;

static void apic_update_irq(APICState *s);

/* --- 256-bit registers --------------------------------------------------------------- */

static void vec_set(uint32_t *r, int v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *r, int v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const uint32_t *r, int v)
{
    return r[v >> 5] & (1u << (v & 31));
}

/* The highest vector set, -1 if none. */
static int vec_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

/* --- state and priority -------------------------------------------------------------- */

static bool apic_hw_enabled(APICState *s)
{
    return s->apicbase & BASE_ENABLE;
}

static bool apic_x2apic(APICState *s)
{
    return s->apicbase & BASE_EXTD;
}

static bool apic_sw_enabled(APICState *s)
{
    return apic_hw_enabled(s) && (s->svr & SVR_ENABLE);
}

static uint8_t apic_ppr(APICState *s)
{
    int isrv = vec_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : isrv & 0xf0;

    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* Arbitration priority (11.6.2.4), used by lowest-priority delivery. */
static uint8_t apic_apr(APICState *s)
{
    int isrv = vec_highest(s->isr), irrv = vec_highest(s->irr);
    int top = MAX(MAX(isrv, irrv), 0) & 0xf0;

    return (s->tpr & 0xf0) >= top ? s->tpr : top;
}

static void apic_kick(APICState *s)
{
    __atomic_store_n(&s->pending_hint, 1, __ATOMIC_RELEASE);
    if (s->ops && s->ops->interrupt) {
        s->ops->interrupt(s->cpu);
    }
}

/* LINT0 delivers the 8259's INTR as ExtINT (or is the INTR pin with the APIC disabled). */
static bool apic_extint_pending(APICState *s)
{
    uint32_t lvt = s->lvt[LVT_LINT0];

    if (!apic_hw_enabled(s)) {
        return s->lint_level[0];
    }
    if (s->extint_pending) {
        return true;
    }
    return s->lint_level[0] && !(lvt & LVT_MASKED) &&
           ((lvt >> LVT_DM_SHIFT) & LVT_DM_MASK) == APIC_DM_EXTINT;
}

static bool apic_deliverable(APICState *s)
{
    int irrv;

    if (apic_extint_pending(s)) {
        return true;
    }
    if (!apic_sw_enabled(s)) {
        return false;
    }
    irrv = vec_highest(s->irr);
    return irrv >= 0 && (irrv & 0xf0) > (apic_ppr(s) & 0xf0);
}

bool apic_has_interrupt(APICState *s)
{
    bool pending = apic_deliverable(s);

    if (!pending) {
        /* Every change that can make one deliverable goes through apic_kick(). */
        __atomic_store_n(&s->pending_hint, 0, __ATOMIC_RELAXED);
    }
    return pending;
}

bool apic_interrupt_hint(APICState *s)
{
    return __atomic_load_n(&s->pending_hint, __ATOMIC_ACQUIRE);
}

int apic_get_interrupt(APICState *s)
{
    int irrv;

    if (apic_extint_pending(s)) {
        s->extint_pending = false;
        return extint_ack ? extint_ack(extint_opaque) : -1;
    }
    if (!apic_sw_enabled(s)) {
        return -1;
    }
    irrv = vec_highest(s->irr);
    if (irrv < 0) {
        return -1;
    }
    if ((irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return s->svr & SVR_VECTOR; /* TPR rose between INTR and INTA */
    }
    vec_clear(s->irr, irrv);
    vec_set(s->isr, irrv);
    trace_apic_get_interrupt(s->id, irrv);
    return irrv;
}

/* Tells the CPU when something may be deliverable. */
static void apic_update_irq(APICState *s)
{
    if (apic_deliverable(s)) {
        apic_kick(s);
    }
}

/* --- errors and local interrupts ----------------------------------------------------- */

static void apic_set_irq(APICState *s, int vector, int trigger);

static void apic_error(APICState *s, uint32_t bit)
{
    uint32_t lvt = s->lvt[LVT_ERROR];

    s->esr_pending |= bit;
    if (lvt & LVT_MASKED) {
        return;
    }
    if ((lvt & LVT_VECTOR) < 16) {
        /* An illegal error vector is itself an error, reported but not sent again. */
        s->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
        return;
    }
    apic_set_irq(s, lvt & LVT_VECTOR, APIC_TRIGGER_EDGE);
}

/* A fixed interrupt accepted into IRR (11.8.3). */
static void apic_set_irq(APICState *s, int vector, int trigger)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    trace_apic_set_irq(s->id, vector, trigger);
    vec_set(s->irr, vector);
    if (trigger == APIC_TRIGGER_LEVEL) {
        vec_set(s->tmr, vector);
    } else {
        vec_clear(s->tmr, vector);
    }
    apic_update_irq(s);
}

/* An LVT source fires (timer, error, LINT0/1 edges). */
void apic_local_deliver(APICState *s, int lvt_index)
{
    uint32_t lvt = s->lvt[lvt_index];
    int dm = (lvt >> LVT_DM_SHIFT) & LVT_DM_MASK;

    if (lvt & LVT_MASKED) {
        return;
    }
    if (lvt_index == LVT_TIMER || lvt_index == LVT_ERROR) {
        dm = APIC_DM_FIXED;
    }
    switch (dm) {
    case APIC_DM_FIXED:
        apic_set_irq(s, lvt & LVT_VECTOR,
                     (lvt & LVT_LEVEL) ? APIC_TRIGGER_LEVEL : APIC_TRIGGER_EDGE);
        break;
    case APIC_DM_NMI:
        apic_deliver_nmi(s);
        break;
    case APIC_DM_EXTINT:
        apic_update_irq(s); /* level-sensed in apic_extint_pending */
        break;
    default:
        qemu_log_mask(LOG_UNIMP, "apic %u: LVT %d delivery mode %d not emulated\n", s->id,
                      lvt_index, dm);
        break;
    }
}

void apic_set_lint(APICState *s, int n, int level)
{
    bool rising = level && !s->lint_level[n & 1];

    s->lint_level[n & 1] = level;
    if (!apic_hw_enabled(s)) {
        /* No APIC: LINT0 is INTR, LINT1 is NMI. */
        if (n == 0) {
            apic_update_irq(s);
        } else if (rising) {
            apic_deliver_nmi(s);
        }
        return;
    }
    if (rising ||
        (n == 0 && ((s->lvt[LVT_LINT0] >> LVT_DM_SHIFT) & LVT_DM_MASK) == APIC_DM_EXTINT)) {
        apic_local_deliver(s, n ? LVT_LINT1 : LVT_LINT0);
    }
}

static void pic_intr_handler(void *opaque, int n, int level)
{
    pic_intr_level = level;
    for (GList *l = apics; l; l = l->next) {
        apic_set_lint(l->data, 0, level);
    }
}

qemu_irq apic_get_pic_intr_line(void)
{
    if (!pic_intr_line) {
        pic_intr_line = qemu_allocate_irq(pic_intr_handler, NULL, 0);
    }
    return pic_intr_line;
}

void apic_set_extint_ack(int (*ack)(void *opaque), void *opaque)
{
    extint_ack = ack;
    extint_opaque = opaque;
}

/* --- reset, INIT --------------------------------------------------------------------- */

/* The register state after power-up or INIT (11.4.7.1, 11.4.7.3); ID and base stay. */
static void apic_reset_regs(APICState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = SVR_VECTOR;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->esr = s->esr_pending = 0;
    s->icr[0] = s->icr[1] = 0;
    for (int i = 0; i < LVT_NUM; i++) {
        s->lvt[i] = LVT_RESET;
    }
    s->initial_count = 0;
    s->divide_conf = 0;
    s->tsc_deadline = 0;
    s->extint_pending = false;
    timer_del(s->timer);
}

static void apic_reset(DeviceState *dev)
{
    APICState *s = (APICState *)dev;

    s->id = s->initial_id;
    s->apicbase = APIC_DEFAULT_BASE | BASE_ENABLE | (s->bsp ? BASE_BSP : 0);
    apic_reset_regs(s);
    s->wait_for_sipi = !s->bsp;
    if (s->bsp) {
        s->lvt[LVT_LINT0] = LVT_EXTINT_UNMASKED; /* XXX: the firmware's virtual wire */
    }
    s->lint_level[0] = pic_intr_level;
    s->tsc_offset = 0;
}

static void apic_init_reset(APICState *s)
{
    trace_apic_init_sipi(s->id, APIC_DM_INIT, 0);
    apic_reset_regs(s);
    s->wait_for_sipi = true;
    if (s->ops && s->ops->init) {
        s->ops->init(s->cpu);
    }
}

static void apic_startup(APICState *s, uint8_t vector)
{
    if (!s->wait_for_sipi) {
        return; /* a SIPI outside wait-for-SIPI is ignored (8.4.4.1) */
    }
    s->wait_for_sipi = false;
    trace_apic_init_sipi(s->id, APIC_DM_STARTUP, vector);
    if (s->ops && s->ops->sipi) {
        s->ops->sipi(s->cpu, vector);
    }
}

/* --- the interrupt bus --------------------------------------------------------------- */

static uint32_t apic_x2apic_ldr(APICState *s)
{
    return (s->id >> 4) << 16 | 1u << (s->id & 0xf);
}

static bool apic_match_dest(APICState *s, uint32_t dest, int dest_mode)
{
    if (apic_x2apic(s)) {
        uint32_t ldr = apic_x2apic_ldr(s);
        if (dest == X2APIC_BROADCAST || dest == XAPIC_BROADCAST) {
            return true;
        }
        if (dest_mode == APIC_DEST_PHYSICAL) {
            return s->id == dest;
        }
        return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
    }
    dest &= 0xff;
    if (dest == XAPIC_BROADCAST) {
        return true;
    }
    if (dest_mode == APIC_DEST_PHYSICAL) {
        return (s->id & 0xff) == dest;
    }
    if ((s->dfr >> 28) == DFR_FLAT) {
        return (s->ldr >> 24) & dest;
    }
    return ((s->ldr >> 28) == (dest >> 4)) && ((s->ldr >> 24) & dest & 0xf);
}

/* One APIC receives a message. */
static void apic_accept(APICState *s, int delivery_mode, uint8_t vector, int trigger_mode)
{
    if (!apic_hw_enabled(s)) {
        return;
    }
    switch (delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (apic_sw_enabled(s)) {
            apic_set_irq(s, vector, trigger_mode);
        }
        break;
    case APIC_DM_NMI:
        apic_deliver_nmi(s);
        break;
    case APIC_DM_INIT:
        apic_init_reset(s);
        break;
    case APIC_DM_STARTUP:
        apic_startup(s, vector);
        break;
    case APIC_DM_EXTINT:
        if (apic_sw_enabled(s)) {
            s->extint_pending = true;
            apic_kick(s);
        }
        break;
    default:
        qemu_log_mask(LOG_UNIMP, "apic %u: delivery mode %d (SMI or reserved) dropped\n", s->id,
                      delivery_mode);
        break;
    }
}

/* Lowest priority: the enabled target with the lowest arbitration priority. */
static APICState *apic_lowest(GPtrArray *targets)
{
    APICState *best = NULL;

    for (unsigned i = 0; i < targets->len; i++) {
        APICState *s = targets->pdata[i];
        if (apic_sw_enabled(s) && (!best || apic_apr(s) < apic_apr(best))) {
            best = s;
        }
    }
    return best ? best : (targets->len ? targets->pdata[0] : NULL);
}

static void apic_deliver_to(GPtrArray *targets, int delivery_mode, uint8_t vector, int trigger_mode)
{
    if (delivery_mode == APIC_DM_LOWEST) {
        APICState *s = apic_lowest(targets);
        if (s) {
            apic_accept(s, delivery_mode, vector, trigger_mode);
        }
        return;
    }
    for (unsigned i = 0; i < targets->len; i++) {
        apic_accept(targets->pdata[i], delivery_mode, vector, trigger_mode);
    }
}

void apic_deliver_irq(uint32_t dest, int dest_mode, int delivery_mode, uint8_t vector,
                      int trigger_mode)
{
    g_autoptr(GPtrArray) targets = g_ptr_array_new();

    trace_apic_deliver_irq(dest, dest_mode, delivery_mode, vector, trigger_mode);
    for (GList *l = apics; l; l = l->next) {
        if (apic_match_dest(l->data, dest, dest_mode)) {
            g_ptr_array_add(targets, l->data);
        }
    }
    apic_deliver_to(targets, delivery_mode, vector, trigger_mode);
}

void apic_deliver_nmi(APICState *s)
{
    if (s->ops && s->ops->nmi) {
        s->ops->nmi(s->cpu);
    }
}

/* An IPI from the ICR (11.6.1). */
static void apic_send_ipi(APICState *s, uint32_t icr_lo, uint32_t dest)
{
    int dm = (icr_lo >> ICR_DM_SHIFT) & 7;
    int shorthand = (icr_lo >> ICR_SHORTHAND_SHIFT) & 3;
    uint8_t vector = icr_lo & ICR_VECTOR;
    int trigger = (icr_lo & ICR_TRIGGER_LEVEL) ? APIC_TRIGGER_LEVEL : APIC_TRIGGER_EDGE;
    g_autoptr(GPtrArray) targets = g_ptr_array_new();

    trace_apic_ipi(s->id, icr_lo, dest);
    if (dm == APIC_DM_INIT && trigger == APIC_TRIGGER_LEVEL && !(icr_lo & ICR_LEVEL_ASSERT)) {
        return; /* INIT level de-assert: only resynchronizes arbitration IDs */
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    for (GList *l = apics; l; l = l->next) {
        APICState *t = l->data;
        bool hit = shorthand == SH_NONE
                       ? apic_match_dest(t, dest, (icr_lo & ICR_DEST_LOGICAL) ? 1 : 0)
                       : shorthand == SH_ALL || (shorthand == SH_SELF) == (t == s);
        if (hit) {
            g_ptr_array_add(targets, t);
        }
    }
    apic_deliver_to(targets, dm, vector, trigger);
}

/* --- EOI ----------------------------------------------------------------------------- */

static void apic_eoi(APICState *s)
{
    int isrv = vec_highest(s->isr);

    if (isrv < 0) {
        return;
    }
    vec_clear(s->isr, isrv);
    trace_apic_eoi(s->id, isrv, vec_test(s->tmr, isrv));
    if (vec_test(s->tmr, isrv)) {
        ioapic_eoi_broadcast(isrv);
    }
    apic_update_irq(s);
}

/* --- registers ----------------------------------------------------------------------- */

/* Reads a register by xAPIC offset; false if there is none there. */
static bool apic_reg_read(APICState *s, uint32_t off, uint64_t *val)
{
    switch (off) {
    case APIC_ID:
        *val = apic_x2apic(s) ? s->id : s->id << 24;
        return true;
    case APIC_LVR:
        *val = APIC_VERSION;
        return true;
    case APIC_TPR:
        *val = s->tpr;
        return true;
    case APIC_APR:
        *val = apic_apr(s);
        return true;
    case APIC_PPR:
        *val = apic_ppr(s);
        return true;
    case APIC_EOI:
    case APIC_RRD:
    case APIC_SELF_IPI:
        *val = 0;
        return !apic_x2apic(s) && off != APIC_SELF_IPI;
    case APIC_LDR:
        *val = apic_x2apic(s) ? apic_x2apic_ldr(s) : s->ldr;
        return true;
    case APIC_DFR:
        *val = s->dfr | DFR_RESERVED_ONES;
        return !apic_x2apic(s);
    case APIC_SVR:
        *val = s->svr;
        return true;
    case APIC_ESR:
        *val = s->esr;
        return true;
    case APIC_ICR:
        *val = apic_x2apic(s) ? (uint64_t)s->icr[1] << 32 | s->icr[0] : s->icr[0];
        return true;
    case APIC_ICR2:
        *val = s->icr[1];
        return !apic_x2apic(s);
    case APIC_TMICT:
        *val = s->initial_count;
        return true;
    case APIC_TMCCT:
        *val = apic_current_count(s);
        return true;
    case APIC_TDCR:
        *val = s->divide_conf;
        return true;
    }
    if (off >= APIC_ISR && off < APIC_ISR + 0x80) {
        *val = s->isr[(off - APIC_ISR) >> 4];
    } else if (off >= APIC_TMR && off < APIC_TMR + 0x80) {
        *val = s->tmr[(off - APIC_TMR) >> 4];
    } else if (off >= APIC_IRR && off < APIC_IRR + 0x80) {
        *val = s->irr[(off - APIC_IRR) >> 4];
    } else if (off >= APIC_LVT_BASE && off < APIC_LVT_BASE + LVT_NUM * 0x10) {
        *val = s->lvt[(off - APIC_LVT_BASE) >> 4];
    } else {
        return false;
    }
    return true;
}

static void apic_write_svr(APICState *s, uint32_t val)
{
    s->svr = val & SVR_WRITABLE;
    if (!(s->svr & SVR_ENABLE)) {
        /* Software disable masks every LVT entry (11.4.7.2). */
        for (int i = 0; i < LVT_NUM; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
    }
    apic_update_irq(s);
}

static void apic_write_lvt(APICState *s, int index, uint32_t val)
{
    val &= lvt_writable[index];
    if (!(s->svr & SVR_ENABLE)) {
        val |= LVT_MASKED;
    }
    if (index == LVT_TIMER) {
        apic_write_lvt_timer(s, val);
        return;
    }
    s->lvt[index] = val;
    if (index == LVT_LINT0) {
        apic_update_irq(s); /* an ExtINT line may just have been unmasked */
    }
}

static void apic_write_icr(APICState *s, uint32_t lo, uint32_t dest)
{
    s->icr[0] = lo & ICR_WRITABLE;
    apic_send_ipi(s, s->icr[0], dest);
}

/* Writes a register by xAPIC offset; false if it cannot be written. */
static bool apic_reg_write(APICState *s, uint32_t off, uint64_t val)
{
    switch (off) {
    case APIC_ID:
        if (apic_x2apic(s)) {
            return false;
        }
        s->id = (val >> 24) & 0xff;
        return true;
    case APIC_TPR:
        apic_set_tpr(s, val);
        return true;
    case APIC_EOI:
        if (apic_x2apic(s) && val) {
            return false; /* #GP (11.12.1.2) */
        }
        apic_eoi(s);
        return true;
    case APIC_LDR:
        if (apic_x2apic(s)) {
            return false;
        }
        s->ldr = val & 0xff000000u;
        return true;
    case APIC_DFR:
        if (apic_x2apic(s)) {
            return false;
        }
        s->dfr = val | DFR_RESERVED_ONES;
        return true;
    case APIC_SVR:
        apic_write_svr(s, val);
        return true;
    case APIC_ESR:
        /* A write latches the errors seen since the last one (11.5.3). */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        return true;
    case APIC_ICR:
        if (apic_x2apic(s)) {
            s->icr[1] = val >> 32;
            apic_write_icr(s, val, val >> 32);
        } else {
            apic_write_icr(s, val, s->icr[1] >> 24);
        }
        return true;
    case APIC_ICR2:
        s->icr[1] = val & 0xff000000u;
        return !apic_x2apic(s);
    case APIC_TMICT:
        if (apic_timer_mode(s) == LVT_TIMER_TSCDEADLINE) {
            return true; /* ignored in TSC-deadline mode */
        }
        s->initial_count = val;
        s->timer_load = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        apic_timer_arm(s);
        return true;
    case APIC_TDCR:
        apic_write_divide(s, val);
        return true;
    case APIC_SELF_IPI:
        if (!apic_x2apic(s)) {
            return false;
        }
        apic_send_ipi(s, (val & ICR_VECTOR) | SH_SELF << ICR_SHORTHAND_SHIFT, 0);
        return true;
    }
    if (off >= APIC_LVT_BASE && off < APIC_LVT_BASE + LVT_NUM * 0x10) {
        apic_write_lvt(s, (off - APIC_LVT_BASE) >> 4, val);
        return true;
    }
    /* Read-only (version, APR, PPR, ISR, TMR, IRR, current count) or reserved. */
    return false;
}

uint8_t apic_get_tpr(APICState *s)
{
    return s->tpr;
}

void apic_set_tpr(APICState *s, uint8_t tpr)
{
    s->tpr = tpr;
    apic_update_irq(s); /* a lower TPR may let a pending vector through */
}

/* --- the xAPIC page ------------------------------------------------------------------ */

static APICState *apic_current(void)
{
    APICState *s = current_fn ? current_fn() : NULL;
    return s ? s : (apics ? apics->data : NULL);
}

static bool apic_mmio_ok(APICState *s, hwaddr addr, unsigned size, const char *what)
{
    if (!s) {
        return false;
    }
    if (!apic_hw_enabled(s) || apic_x2apic(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %u: xAPIC page %s with the page disabled\n", s->id,
                      what);
        return false;
    }
    if (size != 4 || (addr & 0xf)) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %u: %u-byte %s at offset 0x%03x\n", s->id, size, what,
                      (unsigned)addr);
        return false;
    }
    return true;
}

static uint64_t apic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    APICState *s = apic_current();
    uint64_t val = 0;

    if (!apic_mmio_ok(s, addr, size, "read")) {
        return 0;
    }
    if (!apic_reg_read(s, addr, &val) || addr == APIC_SELF_IPI) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %u: read of reserved offset 0x%03x\n", s->id,
                      (unsigned)addr);
        apic_error(s, ESR_ILLEGAL_REGISTER);
        return 0;
    }
    trace_apic_reg_read(s->id, addr, (uint32_t)val);
    return (uint32_t)val;
}

static void apic_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    APICState *s = apic_current();

    if (!apic_mmio_ok(s, addr, size, "write")) {
        return;
    }
    trace_apic_reg_write(s->id, addr, (uint32_t)val);
    if (!apic_reg_write(s, addr, (uint32_t)val)) {
        uint64_t dummy;
        bool readonly = apic_reg_read(s, addr, &dummy);

        qemu_log_mask(LOG_GUEST_ERROR, "apic %u: write to %s offset 0x%03x\n", s->id,
                      readonly ? "read-only" : "reserved", (unsigned)addr);
        if (!readonly) {
            /* Only reserved addresses are an error; read-only registers ignore writes. */
            apic_error(s, ESR_ILLEGAL_REGISTER);
        }
    }
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* --- MSRs ---------------------------------------------------------------------------- */

uint64_t apic_get_base(APICState *s)
{
    return s->apicbase;
}

bool apic_set_base(APICState *s, uint64_t val)
{
    bool en = val & BASE_ENABLE, extd = val & BASE_EXTD;

    trace_apic_set_base(s->id, val);
    if (val & ~(BASE_WRITABLE | BASE_BSP)) {
        return false;
    }
    if (extd && !en) {
        return false; /* invalid state */
    }
    if (apic_x2apic(s) && en && !extd) {
        return false; /* x2APIC -> xAPIC needs a disable in between (11.12.5) */
    }
    if ((val & BASE_ADDR) != APIC_DEFAULT_BASE) {
        qemu_log_mask(LOG_UNIMP, "apic %u: relocation to 0x%" PRIx64 " ignored\n", s->id,
                      (uint64_t)(val & BASE_ADDR));
    }
    if (!en && apic_hw_enabled(s)) {
        apic_reset_regs(s); /* a globally disabled APIC forgets its state */
        s->id = s->initial_id;
    }
    if (extd && !apic_x2apic(s)) {
        s->id = s->initial_id; /* the x2APIC ID is the full initial APIC ID */
    }
    s->apicbase = (val & BASE_WRITABLE) | (s->apicbase & BASE_BSP);
    apic_update_irq(s);
    return true;
}

bool apic_msr_read(APICState *s, uint32_t msr, uint64_t *val)
{
    if (msr == MSR_APIC_BASE) {
        *val = s->apicbase;
        return true;
    }
    if (msr == MSR_APIC_TSC_DEADLINE) {
        *val = apic_get_tsc_deadline(s);
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !apic_x2apic(s)) {
        return false;
    }
    return apic_reg_read(s, (msr - MSR_X2APIC_FIRST) << 4, val);
}

bool apic_msr_write(APICState *s, uint32_t msr, uint64_t val)
{
    uint32_t off;

    if (msr == MSR_APIC_BASE) {
        return apic_set_base(s, val);
    }
    if (msr == MSR_APIC_TSC_DEADLINE) {
        apic_set_tsc_deadline(s, val);
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !apic_x2apic(s)) {
        return false;
    }
    off = (msr - MSR_X2APIC_FIRST) << 4;
    trace_apic_reg_write(s->id, off, val);
    if (off != APIC_ICR && (val >> 32)) {
        return false;
    }
    return apic_reg_write(s, off, val);
}

/* --- the device ---------------------------------------------------------------------- */

uint32_t apic_get_id(APICState *s)
{
    return s->id;
}

APICState *apic_find(uint32_t apic_id)
{
    for (GList *l = apics; l; l = l->next) {
        APICState *s = l->data;
        if (s->id == apic_id) {
            return s;
        }
    }
    return NULL;
}

void apic_set_current_fn(APICCurrentFn fn)
{
    current_fn = fn;
}

void apic_set_cpu_ops(APICState *s, const APICCPUOps *ops, void *opaque)
{
    s->ops = ops;
    s->cpu = opaque;
}

void apic_get_regs(APICState *s, APICRegs *regs)
{
    memcpy(regs->irr, s->irr, sizeof(regs->irr));
    memcpy(regs->isr, s->isr, sizeof(regs->isr));
    memcpy(regs->tmr, s->tmr, sizeof(regs->tmr));
    regs->tpr = s->tpr;
    regs->ppr = apic_ppr(s);
    regs->svr = s->svr;
    regs->esr = s->esr;
}

APICState *apic_create(uint32_t apic_id, bool bsp)
{
    DeviceState *dev = qdev_new(TYPE_APIC);
    GError *err = NULL;

    qdev_prop_set_uint(dev, "id", apic_id);
    qdev_prop_set_uint(dev, "bsp", bsp);
    if (!qdev_realize(dev, &err)) {
        g_error("apic: %s", err->message);
    }
    return (APICState *)dev;
}

static bool apic_realize(DeviceState *dev, GError **errp)
{
    APICState *s = (APICState *)dev;

    if (apic_find(s->initial_id)) {
        g_set_error(errp, TERN_ERROR, 0, "apic: APIC ID %u is taken", s->initial_id);
        return false;
    }
    if (!apics) {
        /* One page for every CPU; apic_current() picks the registers. */
        memory_region_init_io(&apic_mmio, &apic_mmio_ops, NULL, "apic", APIC_MMIO_SIZE);
        memory_region_add_subregion_overlap(get_system_memory(), APIC_DEFAULT_BASE, &apic_mmio, 1);
    }
    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, apic_timer_cb, s);
    s->id = s->initial_id;
    apics = g_list_append(apics, s);
    return true;
}

static void apic_unrealize(DeviceState *dev)
{
    APICState *s = (APICState *)dev;

    if (!g_list_find(apics, s)) {
        return;
    }
    apics = g_list_remove(apics, s);
    timer_free(s->timer);
    if (!apics) {
        memory_region_del_subregion(get_system_memory(), &apic_mmio);
        memory_region_destroy(&apic_mmio);
    }
}

static void apic_info(DeviceState *dev, GString *out)
{
    APICState *s = (APICState *)dev;

    g_string_append_printf(out,
                           "apic %u: base=0x%" PRIx64 " svr=0x%x tpr=0x%02x ppr=0x%02x "
                           "irr-top=%d isr-top=%d lvt-timer=0x%x count=%u/%u\n",
                           s->id, s->apicbase, s->svr, s->tpr, apic_ppr(s), vec_highest(s->irr),
                           vec_highest(s->isr), s->lvt[LVT_TIMER], apic_current_count(s),
                           s->initial_count);
}

static const Property apic_props[] = {
    DEFINE_PROP_UINT32("id", APICState, initial_id, 0),
    DEFINE_PROP_BOOL("bsp", APICState, bsp, false),
    DEFINE_PROP_END,
};

static const DeviceInfo apic_info_dev = {
    .name = TYPE_APIC,
    .desc = "local APIC (xAPIC page at 0xFEE00000, x2APIC MSRs)",
    .spec = "Intel SDM vol. 3, chapter 11: Advanced Programmable Interrupt Controller",
    .instance_size = sizeof(APICState),
    .props = apic_props,
    .realize = apic_realize,
    .reset = apic_reset,
    .unrealize = apic_unrealize,
    .info = apic_info,
};
device_init(apic_info_dev)
