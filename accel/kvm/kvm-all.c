/*
 * kvm-all.c: the KVM virtual machine: /dev/kvm, capabilities, the VM, the
 * in-kernel irqchip and PIT, and the accelerator's ops.
 *
 * Follows the Linux KVM API (Documentation/virt/kvm/api.rst): API version 12,
 * KVM_CREATE_VM, KVM_SET_TSS_ADDR / KVM_SET_IDENTITY_MAP_ADDR (needed by VMX
 * to run real mode), KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2, KVM_SET_GSI_ROUTING
 * and KVM_IRQ_LINE. Left out: MSI routing and irqfds (no PCI device raises MSIs
 * yet), split irqchip, the userspace PIT speaker port.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/kvm.h"
#include "kvm-int.h"
#include <fcntl.h>
#include <sys/ioctl.h>

#define KVM_DEVICE            "/dev/kvm"
#define KVM_DEFAULT_NR_SLOTS  32
#define KVM_DEFAULT_MAX_VCPUS 4
/* ISA IRQ 0 (the PIT) reaches IOAPIC pin 2, as the MADT's interrupt source override says. */
#define IOAPIC_PIN_ISA_IRQ0 2
#define PIC_CASCADE_IRQ     2
#define PIC_NUM_PINS        16

KVMState *kvm_state;

/* The irqchip's and PIT's state right after creation: what a machine reset restores. */
#define KVM_NR_IRQCHIPS 3 /* PIC master, PIC slave, IOAPIC */
static struct kvm_irqchip irqchip_reset_state[KVM_NR_IRQCHIPS];
static struct kvm_pit_state2 pit_reset_state;

static int kvm_ioctl_fd(int fd, unsigned long type, void *arg)
{
    int r;

    do {
        r = ioctl(fd, type, arg);
    } while (r < 0 && errno == EINTR && type != KVM_RUN);
    return r < 0 ? -errno : r;
}

int kvm_vm_ioctl(unsigned long type, void *arg)
{
    return kvm_ioctl_fd(kvm_state->vmfd, type, arg);
}

int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg)
{
    return kvm_ioctl_fd(cpu->accel->fd, type, arg);
}

int kvm_check_extension(unsigned int extension)
{
    int r;

    if (!kvm_state) {
        return 0;
    }
    r = ioctl(kvm_state->fd, KVM_CHECK_EXTENSION, (unsigned long)extension);
    return r < 0 ? 0 : r;
}

bool kvm_enabled(void)
{
    return kvm_state != NULL;
}

bool kvm_irqchip_in_kernel(void)
{
    return kvm_state && kvm_state->irqchip;
}

static bool kvm_available(char **why)
{
    int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        *why = g_strdup_printf("cannot open %s: %s", KVM_DEVICE, g_strerror(errno));
        return false;
    }
    close(fd);
    return true;
}

/* Capabilities tern cannot run without, with what they are for. */
static const struct {
    unsigned cap;
    const char *name;
} required_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY (memslots)"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID (KVM_GET_SUPPORTED_CPUID)"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT (vCPU kicks)"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
};

static bool kvm_check_caps(KVMState *s, GError **errp)
{
    for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
        if (!kvm_check_extension(required_caps[i].cap)) {
            g_set_error(errp, TERN_ERROR, 0, "KVM: the host lacks %s", required_caps[i].name);
            return false;
        }
    }
    if (s->irqchip &&
        (!kvm_check_extension(KVM_CAP_IRQCHIP) || !kvm_check_extension(KVM_CAP_PIT2))) {
        g_set_error(
            errp, TERN_ERROR, 0,
            "KVM: the host has no in-kernel irqchip/PIT2 (try -machine kernel-irqchip=off)");
        return false;
    }
    s->readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM) > 0;
    if (!s->readonly_mem) {
        warn_report("KVM: no read-only memslots: guest writes to ROM will not be dropped");
    }
    s->nr_slots = kvm_check_extension(KVM_CAP_NR_MEMSLOTS);
    if (s->nr_slots <= 0) {
        s->nr_slots = KVM_DEFAULT_NR_SLOTS;
    }
    s->max_vcpus = kvm_check_extension(KVM_CAP_MAX_VCPUS);
    if (s->max_vcpus <= 0) {
        s->max_vcpus = kvm_check_extension(KVM_CAP_NR_VCPUS);
    }
    if (s->max_vcpus <= 0) {
        s->max_vcpus = KVM_DEFAULT_MAX_VCPUS;
    }
    return true;
}

/*
 * GSI i -> PIC pin i (0-15, not the cascade) and IOAPIC pin i, but GSI 0 ->
 * IOAPIC pin 2 (the MADT's override) and nothing else on pin 2, so that the
 * in-kernel PIT's EOI notifications find GSI 0.
 */
static bool kvm_setup_gsi_routing(GError **errp)
{
    size_t max = 2 * KVM_IRQCHIP_NUM_GSIS;
    g_autofree struct kvm_irq_routing *r =
        g_malloc0(sizeof(*r) + max * sizeof(struct kvm_irq_routing_entry));
    int ret;

    for (unsigned gsi = 0; gsi < KVM_IRQCHIP_NUM_GSIS; gsi++) {
        struct kvm_irq_routing_entry *e;

        if (gsi < PIC_NUM_PINS && gsi != PIC_CASCADE_IRQ) {
            e = &r->entries[r->nr++];
            e->gsi = gsi;
            e->type = KVM_IRQ_ROUTING_IRQCHIP;
            e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
            e->u.irqchip.pin = gsi % 8;
        }
        if (gsi == IOAPIC_PIN_ISA_IRQ0) {
            continue; /* pin 2 is GSI 0's: a second GSI there would steal its EOIs */
        }
        e = &r->entries[r->nr++];
        e->gsi = gsi;
        e->type = KVM_IRQ_ROUTING_IRQCHIP;
        e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
        e->u.irqchip.pin = gsi == 0 ? IOAPIC_PIN_ISA_IRQ0 : gsi;
    }
    ret = kvm_vm_ioctl(KVM_SET_GSI_ROUTING, r);
    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_SET_GSI_ROUTING: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

static bool kvm_create_irqchip(GError **errp)
{
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    int ret = kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL);

    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_CREATE_IRQCHIP: %s", g_strerror(-ret));
        return false;
    }
    ret = kvm_vm_ioctl(KVM_CREATE_PIT2, &pit);
    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_CREATE_PIT2: %s", g_strerror(-ret));
        return false;
    }
    if (kvm_check_extension(KVM_CAP_IRQ_ROUTING) && !kvm_setup_gsi_routing(errp)) {
        return false;
    }
    for (int i = 0; i < KVM_NR_IRQCHIPS; i++) {
        irqchip_reset_state[i].chip_id = i;
        kvm_vm_ioctl(KVM_GET_IRQCHIP, &irqchip_reset_state[i]);
    }
    kvm_vm_ioctl(KVM_GET_PIT2, &pit_reset_state);
    return true;
}

/*
 * Machine reset: the in-kernel PIC, IOAPIC and PIT go back to their power-up
 * state (each LAPIC is reset with its vCPU). vCPUs are paused first, so that
 * devices are reset under a quiet machine; cpus_reset resumes them.
 */
static void kvm_irqchip_reset(void *opaque)
{
    pause_all_vcpus();
    for (int i = 0; i < KVM_NR_IRQCHIPS; i++) {
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &irqchip_reset_state[i]);
    }
    kvm_vm_ioctl(KVM_SET_PIT2, &pit_reset_state);
}

static bool kvm_set_vmx_areas(GError **errp)
{
    uint64_t identity = KVM_IDENTITY_MAP_ADDR;
    int ret;

    if (kvm_check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        ret = kvm_vm_ioctl(KVM_SET_IDENTITY_MAP_ADDR, &identity);
        if (ret < 0) {
            g_set_error(errp, TERN_ERROR, 0, "KVM_SET_IDENTITY_MAP_ADDR: %s", g_strerror(-ret));
            return false;
        }
    }
    ret = ioctl(kvm_state->vmfd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_SET_TSS_ADDR: %s", g_strerror(errno));
        return false;
    }
    return true;
}

static bool kvm_open_vm(KVMState *s, GError **errp)
{
    int ver;

    s->fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM: cannot open %s: %s", KVM_DEVICE, g_strerror(errno));
        return false;
    }
    ver = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (ver != KVM_API_VERSION) {
        g_set_error(errp, TERN_ERROR, 0, "KVM: API version %d, tern needs %d", ver,
                    KVM_API_VERSION);
        return false;
    }
    do {
        s->vmfd = ioctl(s->fd, KVM_CREATE_VM, 0);
    } while (s->vmfd < 0 && errno == EINTR);
    if (s->vmfd < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_CREATE_VM: %s", g_strerror(errno));
        return false;
    }
    s->vcpu_mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_GET_VCPU_MMAP_SIZE: %s", g_strerror(errno));
        return false;
    }
    return true;
}

void kvm_destroy_vm(void)
{
    KVMState *s = kvm_state;

    if (!s) {
        return;
    }
    if (s->irqchip) {
        qemu_unregister_reset_handler(kvm_irqchip_reset, NULL);
    }
    kvm_memslots_destroy(s);
    if (s->vmfd >= 0) {
        close(s->vmfd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s);
    kvm_state = NULL;
}

static bool kvm_init_machine(MachineState *ms, GError **errp)
{
    KVMState *s = g_new0(KVMState, 1);

    s->fd = s->vmfd = -1;
    s->ms = ms;
    s->irqchip = ms->kernel_irqchip;
    kvm_state = s;
    if (!kvm_open_vm(s, errp) || !kvm_check_caps(s, errp)) {
        goto fail;
    }
    if (ms->smp_cpus > (unsigned)s->max_vcpus) {
        g_set_error(errp, TERN_ERROR, 0, "-smp %u: KVM allows at most %d vCPUs", ms->smp_cpus,
                    s->max_vcpus);
        goto fail;
    }
    if (!kvm_set_vmx_areas(errp) || (s->irqchip && !kvm_create_irqchip(errp)) ||
        !kvm_memslots_init(s, errp)) {
        goto fail;
    }
    if (s->irqchip) {
        qemu_register_reset_handler(kvm_irqchip_reset, NULL);
    }
    kvm_init_cpu_signals();
    return true;

fail:
    kvm_destroy_vm();
    return false;
}

static void kvm_set_irq(int gsi, int level)
{
    struct kvm_irq_level irq = {.irq = gsi, .level = level};
    int ret;

    if (!kvm_irqchip_in_kernel()) {
        qemu_log_mask(LOG_UNIMP, "kvm: GSI %d raised without an in-kernel irqchip\n", gsi);
        return;
    }
    if (gsi < 0 || gsi >= KVM_IRQCHIP_NUM_GSIS) {
        qemu_log_mask(LOG_GUEST_ERROR, "kvm: GSI %d out of range\n", gsi);
        return;
    }
    ret = kvm_vm_ioctl(KVM_IRQ_LINE, &irq);
    if (ret < 0) {
        error_report("KVM_IRQ_LINE gsi %d: %s", gsi, g_strerror(-ret));
    }
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .available = kvm_available,
    .init_machine = kvm_init_machine,
    .create_vcpu_thread = kvm_init_vcpu_thread,
    .kick = kvm_cpu_kick,
    .synchronize_state = kvm_cpu_synchronize_state,
    .synchronize_post_reset = kvm_cpu_synchronize_post_reset,
    .set_irq = kvm_set_irq,
    .destroy_vcpu = kvm_cpu_destroy,
};

static void __attribute__((constructor)) kvm_accel_register(void)
{
    accel_register(&kvm_accel_ops);
}
