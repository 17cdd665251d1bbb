/*
 * boards.h: the machine being run, as the command line configured it.
 * hw/i386/pc.c builds it; accelerators and loaders read it.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "qemu/osdep.h"
#include "exec/memory.h"

typedef struct CPUState CPUState;

#define MAX_SERIAL_PORTS 4 /* COM1..COM4; the PC machine wires the first two */

typedef struct MachineState {
    const char *name;            /* -name */
    uint64_t ram_size;           /* -m, bytes */
    unsigned smp_cpus;           /* -smp */
    const char *cpu_model;       /* -cpu; NULL: the accelerator's own (host under kvm) */
    const char *kernel_filename; /* -kernel */
    const char *initrd_filename; /* -initrd */
    const char *kernel_cmdline;  /* -append */
    const char *firmware;        /* -bios */
    bool kernel_irqchip;         /* -machine kernel-irqchip=on|off (default on) */
    bool no_reboot;              /* -no-reboot */
    bool serial_timing;          /* -machine serial-timing=on|off (default off: instant UART TX) */
    const char *accel;           /* -accel / -enable-kvm; NULL: the default */
    /* Chardev labels for COM1, COM2, ... in -serial order; NULL: no port there. */
    const char *serial_labels[MAX_SERIAL_PORTS];
    GPtrArray *device_opts; /* -device option strings (char *), in order; may be NULL */

    /* Filled by the machine. */
    MemoryRegion *ram;          /* all guest RAM, one block */
    uint64_t below_4g_mem_size; /* RAM mapped at 0 */
    uint64_t above_4g_mem_size; /* RAM mapped at 4 GiB */
    CPUState **cpus;            /* smp_cpus of them */
} MachineState;

/* The machine being run (NULL before it is created). */
extern MachineState *current_machine;

#endif
