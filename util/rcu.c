/*
 * rcu.c: a small user-space RCU (see include/qemu/rcu.h for the scheme).
 *
 * Readers live in a list guarded by rcu_registry_lock; synchronize_rcu() holds
 * that lock while it waits, so a thread registering or exiting simply waits
 * for the grace period to end. Deferred callbacks go to one reclaim thread,
 * started on the first call_rcu(), which batches them behind one grace period.
 * Left out: expedited grace periods, per-CPU callback lists.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

__thread RCUReader rcu_reader;
uint64_t rcu_gp_ctr = 1; /* readers store a non-zero value: 0 means "outside" */
bool rcu_use_membarrier;

static GMutex rcu_registry_lock;
static RCUReader *rcu_readers;
static pthread_key_t rcu_exit_key;
static GOnce rcu_key_once = G_ONCE_INIT;

/* Spins before sleeping while waiting for a reader. */
#define RCU_SPIN_BEFORE_SLEEP 100

/* Before main(), so no reader runs before the choice is made. */
static void __attribute__((constructor)) rcu_init_membarrier(void)
{
    long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);

    if (cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0) {
        rcu_use_membarrier = true;
    }
}

void rcu_disable_membarrier(void)
{
    g_assert(!rcu_readers || (rcu_readers == &rcu_reader && !rcu_reader.next));
    rcu_use_membarrier = false;
}

/* A full barrier on this thread and on every thread that may be inside a section. */
static void rcu_barrier_all(void)
{
    if (rcu_use_membarrier) {
        if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0) {
            return;
        }
        g_error("rcu: membarrier failed: %s", g_strerror(errno));
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void rcu_thread_exit(void *unused)
{
    (void)unused;
    rcu_unregister_thread();
}

static gpointer rcu_key_init(gpointer unused)
{
    (void)unused;
    if (pthread_key_create(&rcu_exit_key, rcu_thread_exit) != 0) {
        g_error("rcu: cannot create the thread-exit key");
    }
    return NULL;
}

void rcu_register_thread(void)
{
    RCUReader *r = &rcu_reader;

    if (r->registered) {
        return;
    }
    g_once(&rcu_key_once, rcu_key_init, NULL);
    g_mutex_lock(&rcu_registry_lock);
    r->next = rcu_readers;
    rcu_readers = r;
    r->registered = true;
    g_mutex_unlock(&rcu_registry_lock);
    /* Any non-NULL value makes the destructor run at thread exit. */
    pthread_setspecific(rcu_exit_key, r);
}

void rcu_unregister_thread(void)
{
    RCUReader *r = &rcu_reader;

    if (!r->registered) {
        return;
    }
    g_assert(r->depth == 0);
    g_mutex_lock(&rcu_registry_lock);
    for (RCUReader **p = &rcu_readers; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    r->registered = false;
    g_mutex_unlock(&rcu_registry_lock);
    pthread_setspecific(rcu_exit_key, NULL);
}

/* Waits while r is in a section that began before grace period gp. */
static void rcu_wait_reader(RCUReader *r, uint64_t gp)
{
    unsigned spins = 0;

    for (;;) {
        uint64_t ctr = __atomic_load_n(&r->ctr, __ATOMIC_ACQUIRE);
        if (ctr == 0 || ctr >= gp) {
            return;
        }
        if (++spins < RCU_SPIN_BEFORE_SLEEP) {
            sched_yield();
        } else {
            g_usleep(10);
        }
    }
}

void synchronize_rcu(void)
{
    uint64_t gp;

    g_assert(!rcu_read_locked());
    g_mutex_lock(&rcu_registry_lock);
    gp = __atomic_add_fetch(&rcu_gp_ctr, 1, __ATOMIC_SEQ_CST);
    /* Pairs with the reader's barrier: a reader we see as outside sees the new pointers. */
    rcu_barrier_all();
    for (RCUReader *r = rcu_readers; r; r = r->next) {
        rcu_wait_reader(r, gp);
    }
    g_mutex_unlock(&rcu_registry_lock);
}

/* --- deferred reclamation --------------------------------------------------- */

static GMutex rcu_cb_lock;
static GCond rcu_cb_cond;
static struct rcu_head *rcu_cb_head, **rcu_cb_tail = &rcu_cb_head;
static GThread *rcu_cb_thread;
static uint64_t rcu_cb_queued, rcu_cb_done; /* callbacks queued / run so far */

static gpointer rcu_reclaim_thread(gpointer unused)
{
    (void)unused;
    for (;;) {
        struct rcu_head *batch;
        uint64_t n = 0;

        g_mutex_lock(&rcu_cb_lock);
        while (!rcu_cb_head) {
            g_cond_wait(&rcu_cb_cond, &rcu_cb_lock);
        }
        batch = rcu_cb_head;
        rcu_cb_head = NULL;
        rcu_cb_tail = &rcu_cb_head;
        g_mutex_unlock(&rcu_cb_lock);

        synchronize_rcu();
        while (batch) {
            struct rcu_head *next = batch->next;
            batch->func(batch);
            batch = next;
            n++;
        }

        g_mutex_lock(&rcu_cb_lock);
        rcu_cb_done += n;
        g_cond_broadcast(&rcu_cb_cond);
        g_mutex_unlock(&rcu_cb_lock);
    }
    return NULL;
}

void call_rcu1(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
    head->func = func;
    head->next = NULL;
    g_mutex_lock(&rcu_cb_lock);
    if (!rcu_cb_thread) {
        rcu_cb_thread = g_thread_new("rcu-reclaim", rcu_reclaim_thread, NULL);
    }
    *rcu_cb_tail = head;
    rcu_cb_tail = &head->next;
    rcu_cb_queued++;
    g_cond_broadcast(&rcu_cb_cond);
    g_mutex_unlock(&rcu_cb_lock);
}

void drain_call_rcu(void)
{
    g_assert(!rcu_read_locked());
    g_mutex_lock(&rcu_cb_lock);
    uint64_t target = rcu_cb_queued;
    while (rcu_cb_done < target) {
        g_cond_wait(&rcu_cb_cond, &rcu_cb_lock);
    }
    g_mutex_unlock(&rcu_cb_lock);
}
