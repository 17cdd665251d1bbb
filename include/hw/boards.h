/*
 * boards.h: the machine being run, as the command line configured it.
 * hw/i386/pc.c builds it; accelerators and loaders read it.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "qemu/osdep.h"
#include "exec/memory.h"

typedef struct CPUState CPUState;

typedef struct MachineState {
    const char *name;           /* -name */
    uint64_t ram_size;          /* -m, bytes */
    unsigned smp_cpus;          /* -smp */
    const char *cpu_model;      /* -cpu (default "host" under kvm) */
    const char *kernel_filename; /* -kernel */
    const char *initrd_filename; /* -initrd */
    const char *kernel_cmdline;  /* -append */
    const char *firmware;        /* -bios */
    bool kernel_irqchip;         /* -machine kernel-irqchip=on|off (default on) */
    bool no_reboot;              /* -no-reboot */

    /* Filled by the machine. */
    MemoryRegion *ram;           /* all guest RAM, one block */
    uint64_t below_4g_mem_size;  /* RAM mapped at 0 */
    uint64_t above_4g_mem_size;  /* RAM mapped at 4 GiB */
    CPUState **cpus;             /* smp_cpus of them */
} MachineState;

/* The machine being run (NULL before it is created). */
extern MachineState *current_machine;

#endif
