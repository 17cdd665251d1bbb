/*
 * pc-irq.h: the PC machine's userspace interrupt controllers and timer (the
 * 8259 pair, the IOAPIC, the 8254 PIT with port 0x61, one local APIC per
 * vCPU), built when the accelerator has no in-kernel irqchip (tcg, qtest, kvm
 * with -machine kernel-irqchip=off), and their connection to the vCPUs.
 *
 * The machine side is accelerator-neutral: GSIs go to pc_irqchip_create's
 * routing, the xAPIC page selects the calling vCPU's APIC, and INIT/SIPI
 * change the target vCPU's state on its own thread. What only the accelerator
 * knows (how to wake a vCPU for an interrupt or an NMI, where it asks for a
 * vector) comes from a PCIrqAccelOps it registers. All functions run under
 * the BQL unless said otherwise.
 */
#ifndef HW_I386_PC_IRQ_H
#define HW_I386_PC_IRQ_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/intc/apic.h"

typedef struct CPUState CPUState;

/* What an accelerator that runs with the userspace APICs provides. */
typedef struct PCIrqAccelOps {
    const char *accel; /* AccelOps.name */
    /* apic_has_interrupt() may have become true: flag and wake the vCPU, nothing more. */
    void (*interrupt)(CPUState *cs);
    void (*nmi)(CPUState *cs);
    /* Once the APICs exist: installs the accelerator's own hooks (may be NULL). */
    void (*init)(void);
    /* cs was reset (machine reset or INIT): forget interrupt-wait state (may be NULL). */
    void (*cpu_reset)(CPUState *cs);
} PCIrqAccelOps;

/* Registers ops (from a constructor). */
void pc_irq_register_accel(const PCIrqAccelOps *ops);

/* True when the machine's interrupts go to the userspace models, not an in-kernel irqchip. */
bool pc_irq_userspace(void);

/*
 * Creates the 8259 pair, the IOAPIC (version 0x11, as KVM's) and the 8254 PIT
 * with port 0x61 on ISA IRQ 0; needs the ISA bus's GSI lines (isa_bus_set_irqs).
 */
void pc_irq_init(void);
/* A GSI level (from pc_gsi_set): PIC input n and IOAPIC pin n (IRQ 0 -> pin 2). */
void pc_irq_gsi_set(int n, int level);

/*
 * After the vCPUs exist: one local APIC per vCPU (APIC ID = cs->apic_id, the
 * BSP first), the accelerator's hooks, the APs waiting for a SIPI, and a reset
 * handler that puts them back there.
 */
void pc_irq_cpus_init(MachineState *ms);
/* The local APIC of cs, NULL without userspace APICs. Any thread. */
APICState *pc_cpu_apic(CPUState *cs);
/* Undoes pc_irq_init/pc_irq_cpus_init's bookkeeping (tests; the devices stay). */
void pc_irq_cleanup(void);

#endif
