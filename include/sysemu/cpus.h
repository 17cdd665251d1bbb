/*
 * cpus.h: vCPU threads, pausing and resuming them, and running the VM.
 *
 * One thread per vCPU (the accelerator's create_vcpu_thread starts it). A new
 * thread waits until vm_start(); pause_all_vcpus() makes every vCPU leave
 * guest mode and wait, which the monitor and reset need. All of these are
 * called from the main loop thread with the BQL held. See docs/kvm.md.
 */
#ifndef SYSEMU_CPUS_H
#define SYSEMU_CPUS_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"

/*
 * Creates ms->smp_cpus vCPUs (ms->cpus), starts their threads through the
 * current accelerator, and registers the vCPU reset handler. The threads wait
 * for vm_start(), so loaders may set the boot CPU's registers in between.
 */
bool qemu_init_vcpus(MachineState *ms, GError **errp);
/* Starts (or resumes) guest execution and the virtual clock. */
void vm_start(void);
/* Stops every vCPU and the virtual clock; returns when all are stopped. */
void vm_stop(void);
bool runstate_is_running(void);

void pause_all_vcpus(void);
void resume_all_vcpus(void);
bool all_vcpus_paused(void);
/* Makes a vCPU leave guest mode soon (accelerator kick). */
void qemu_cpu_kick(CPUState *cpu);

/*
 * Runs fn(cpu, data) on cpu's thread (or directly when the vCPU is stopped or
 * the caller is that thread) and waits for it. BQL held by the caller.
 */
void run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data);
/*
 * Queues fn(cpu, data) for cpu's thread, in order with other work, and returns
 * at once (any thread; no lock needed). For callers that may not wait: a vCPU
 * thread sending an IPI holds locks the target needs to get to its queue.
 */
void async_run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data);
/*
 * cpu->halted (the vCPU waits outside the accelerator, in qemu_wait_io_event)
 * set or cleared under the cpus lock, waking the thread to look again.
 */
void cpu_set_halted(CPUState *cpu, bool halted);

/* Accelerator -> CPUX86State for every vCPU / one vCPU (monitor, crash dumps). */
void cpu_synchronize_state(CPUState *cpu);
/* CPUX86State -> accelerator before the next entry (after a loader set registers). */
void cpu_synchronize_post_reset(CPUState *cpu);

/*
 * The vCPU reset handler: pauses every vCPU, resets it to power-up state, and
 * resumes them from a bottom half once all reset handlers have run.
 */
void cpus_reset(void *opaque);

/* Ends every vCPU thread (teardown in tests and at exit). */
void qemu_destroy_vcpus(void);

/*
 * For the accelerator's vCPU thread: blocks while the VM is stopped or this
 * vCPU is asked to stop, running queued work; false when the thread must end.
 * Called without the BQL.
 */
bool qemu_wait_io_event(CPUState *cpu);
/* For the accelerator's thread: announces that the vCPU exists (created = true). */
void qemu_vcpu_thread_started(CPUState *cpu);
/* For the accelerator's thread: this vCPU waits until resumed (reset, resume_all_vcpus). */
void cpu_stop_request(CPUState *cpu);
/* For the accelerator's thread: the vCPU cannot run; ends the VM with status 1. */
void qemu_vcpu_fatal(CPUState *cpu);

/* Monotonic time (ns, g_get_monotonic_time base) of the first guest entry; 0 before. */
extern int64_t vcpu_first_entry_ns;

#endif
