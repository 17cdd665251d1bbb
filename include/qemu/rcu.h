/*
 * rcu.h: read-copy-update for tern's lock-free readers (flat views).
 *
 * Readers bracket their use of RCU-protected pointers with rcu_read_lock() /
 * rcu_read_unlock() (nestable, cheap: a thread-local store and one fence).
 * A writer publishes a new version with an atomic pointer store, then frees
 * the old one only after a grace period: synchronize_rcu() waits for every
 * reader that might still see it, call_rcu() defers the free to a reclaim
 * thread. Threads register themselves on their first rcu_read_lock().
 *
 * The scheme is the "memory barrier" flavour of user-space RCU: each reader
 * records the global grace-period counter when it enters its outermost
 * section; synchronize_rcu() bumps the 64-bit counter and waits until no
 * reader holds a value older than the new one. A 64-bit counter never wraps,
 * so one bump per grace period is enough. Where the kernel offers
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), the reader's fence becomes a
 * compiler barrier and the writer makes every running thread execute the
 * fence instead (the liburcu "memb" idea), so entering a section costs
 * almost nothing. See docs/memory.md.
 */
#ifndef QEMU_RCU_H
#define QEMU_RCU_H

#include "qemu/osdep.h"

typedef struct RCUReader {
    uint64_t ctr;   /* grace period seen on entry; 0 when outside a section */
    unsigned depth; /* nesting of rcu_read_lock() */
    bool registered;
    struct RCUReader *next;
} RCUReader;

extern __thread RCUReader rcu_reader;
extern uint64_t rcu_gp_ctr;
extern bool rcu_use_membarrier; /* set once at startup */

/* Adds the calling thread to the readers (done by its first rcu_read_lock()). */
void rcu_register_thread(void);
/* Removes the calling thread; done automatically when the thread exits. */
void rcu_unregister_thread(void);

/* Enters a read-side critical section; nests. */
static inline void rcu_read_lock(void)
{
    RCUReader *r = &rcu_reader;

    if (r->depth++ > 0) {
        return;
    }
    if (unlikely(!r->registered)) {
        rcu_register_thread();
    }
    __atomic_store_n(&r->ctr, __atomic_load_n(&rcu_gp_ctr, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    /* Pairs with the barrier in synchronize_rcu(): either the writer sees ctr or we see its store.
     */
    if (likely(rcu_use_membarrier)) {
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the writer's membarrier() fences for us */
    } else {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

/* Leaves a read-side critical section. */
static inline void rcu_read_unlock(void)
{
    RCUReader *r = &rcu_reader;

    g_assert(r->depth > 0);
    if (--r->depth > 0) {
        return;
    }
    __atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
}

/* True inside rcu_read_lock() on this thread. */
static inline bool rcu_read_locked(void)
{
    return rcu_reader.depth > 0;
}

/* Uses plain fences instead of membarrier() (for tests); only before any thread uses RCU. */
void rcu_disable_membarrier(void);

/* Waits until every read-side section that started before the call has ended. */
void synchronize_rcu(void);

struct rcu_head {
    struct rcu_head *next;
    void (*func)(struct rcu_head *head);
};

/* Runs func(head) on the reclaim thread after a grace period. */
void call_rcu1(struct rcu_head *head, void (*func)(struct rcu_head *head));

/* call_rcu(obj, fn, field): fn(obj) after a grace period; field is obj's struct rcu_head. */
#define call_rcu(obj, fn, field)                                                                   \
    do {                                                                                           \
        G_STATIC_ASSERT(offsetof(__typeof__(*(obj)), field) == 0);                                 \
        call_rcu1(&(obj)->field, (void (*)(struct rcu_head *))(fn));                               \
    } while (0)

/* Waits until every callback queued before the call has run (not inside a read section). */
void drain_call_rcu(void);

/* Publishes p at *ptr for readers (release). */
#define qatomic_rcu_set(ptr, p) __atomic_store_n(ptr, p, __ATOMIC_RELEASE)
/* Reads an RCU-protected pointer (inside rcu_read_lock()). */
#define qatomic_rcu_read(ptr) __atomic_load_n(ptr, __ATOMIC_ACQUIRE)

#endif
