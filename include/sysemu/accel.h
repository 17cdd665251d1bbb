/*
 * accel.h: the accelerator interface. kvm, tcg and qtest each provide one const
 * AccelOps; -accel picks one at run time. The machine and devices never test
 * which accelerator runs.
 */
#ifndef SYSEMU_ACCEL_H
#define SYSEMU_ACCEL_H

#include "qemu/osdep.h"
#include "hw/boards.h"

typedef struct AccelOps {
    const char *name; /* "kvm", "tcg", "qtest" */
    /* Can it run on this host? If not, *why says so (g_strdup'd). */
    bool (*available)(char **why);
    /* Creates the VM: memory listener, irqchip, ... before devices are realized. */
    bool (*init_machine)(MachineState *ms, GError **errp);
    /* Starts a vCPU (a thread under kvm). */
    bool (*create_vcpu_thread)(CPUState *cpu, GError **errp);
    /* Makes the vCPU leave guest mode soon (to see a request or a pause). */
    void (*kick)(CPUState *cpu);
    /* Accelerator -> CPUX86State (before the monitor or a loader reads registers). */
    void (*synchronize_state)(CPUState *cpu);
    /* CPUX86State -> accelerator, after reset or after a loader set registers. */
    void (*synchronize_post_reset)(CPUState *cpu);
    /* Raise or lower a GSI in an in-accelerator irqchip; NULL if the accelerator has none. */
    void (*set_irq)(int gsi, int level);
    /* Frees a vCPU's accelerator state once its thread has ended (may be NULL). */
    void (*destroy_vcpu)(CPUState *cpu);
} AccelOps;

/* The accelerator in use (after accel_select). */
extern const AccelOps *current_accel;

/* Picks an accelerator by name, or the default (kvm when usable and hardware-backed,
 * else tcg) when name is NULL, printing one line saying which and why. */
bool accel_select(const char *name, GError **errp);
/* Registers an accelerator's ops (each accel/<name>/ does it from a constructor). */
void accel_register(const AccelOps *ops);
/* The registered accelerator called name; NULL if there is none. */
const AccelOps *accel_find(const char *name);
/* Appends the known accelerators' names ("kvm, tcg, qtest") to out. */
void accel_list(GString *out);
/*
 * Why the default is what it is: true if /dev/kvm opens and is hardware-backed;
 * otherwise *why says what was found (no /dev/kvm, a PVM host, ...).
 */
bool accel_kvm_hw_usable(char **why);

#endif
