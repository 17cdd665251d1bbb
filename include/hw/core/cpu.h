/*
 * cpu.h: the generic vCPU (CPUState), independent of the accelerator.
 *
 * A CPUState is one virtual processor: its index and APIC ID, the thread that
 * runs it, the accelerator's private per-vCPU data, the pause handshake flags,
 * and a pointer to its architectural state (CPUX86State). softmmu/cpus.c
 * creates them and runs the threads; the accelerator's vCPU loop runs inside.
 */
#ifndef HW_CORE_CPU_H
#define HW_CORE_CPU_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include <pthread.h>

typedef struct CPUX86State CPUX86State;
/* Each accelerator defines its own per-vCPU state (KVM: fd, kvm_run mapping). */
typedef struct AccelCPUState AccelCPUState;

typedef void (*run_on_cpu_func)(CPUState *cpu, void *data);

struct CPUState {
    int cpu_index;    /* 0..smp_cpus-1; 0 is the bootstrap processor */
    uint32_t apic_id; /* initial APIC ID (== cpu_index here) */
    CPUX86State *env; /* architectural state, shared by every accelerator */
    AccelCPUState *accel;

    GThread *thread;
    pthread_t thread_id; /* for kicks (pthread_kill) */
    bool created;        /* the thread is up and the accelerator's vCPU exists */

    /* Pause handshake, protected by the cpus lock in softmmu/cpus.c. */
    bool stop;        /* asked to stop (pause_all_vcpus) */
    bool stopped;     /* is stopped, waiting to be resumed */
    bool unplug;      /* the thread should end (machine teardown) */
    int exit_request; /* atomic: leave guest mode at once */
    bool halted;      /* waiting for an interrupt outside the accelerator */

    /* env is newer than the accelerator's copy: push it before the next entry. */
    bool vcpu_dirty;

    GQueue *work; /* queued run_on_cpu items, under the cpus lock */
    CPUState *next_cpu;
};

/* The first vCPU; NULL before any is created. */
extern CPUState *first_cpu;
#define CPU_FOREACH(cpu) for ((cpu) = first_cpu; (cpu); (cpu) = (cpu)->next_cpu)

/* The vCPU with this index, or NULL. */
CPUState *qemu_get_cpu(int index);
/* The vCPU whose thread is running the caller, or NULL (main thread). */
CPUState *current_cpu_get(void);
/* Number of vCPUs created. */
unsigned cpu_count(void);

/*
 * Creates vCPU number index (with its CPUX86State in the reset state) and
 * appends it to the list; does not start a thread (see qemu_init_vcpus).
 */
CPUState *cpu_create(int index);
/* Resets the architectural state to power-up (the BSP keeps APIC_BASE.BSP) and marks it dirty. */
void cpu_reset(CPUState *cpu);
/* True when called on cpu's own thread. */
bool qemu_cpu_is_self(CPUState *cpu);

#endif
