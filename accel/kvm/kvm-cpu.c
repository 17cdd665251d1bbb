/*
 * kvm-cpu.c: KVM vCPUs: creation, the vCPU thread loop, kicks, and exits.
 *
 * Follows the KVM API's KVM_CREATE_VCPU / KVM_RUN / struct kvm_run. Port I/O
 * exits go to address_space_io() (string I/O repeats count times), MMIO exits
 * to address_space_memory(), both under the BQL. A kick is SIGUSR1 sent to the
 * vCPU thread: its handler sets kvm_run->immediate_exit, so KVM_RUN returns
 * EINTR whether the signal lands before or during the ioctl. An instruction
 * KVM cannot emulate runs in the interpreter (kvm-fallback.c). Entry failures,
 * other internal errors, unknown exits and what the interpreter cannot run
 * either print the registers and the failing instruction and end tern with
 * status 1. Left out: guest debugging, MCE
 * injection, KVM_EXIT_X86_RDMSR/WRMSR filtering.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "sysemu/cpus.h"
#include "target/x86/cpu.h"
#include "hw/i386/pc-irq.h"
#include "kvm-int.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define SIG_IPI SIGUSR1

enum {
    KVM_EXEC_CONTINUE,
    KVM_EXEC_STOP, /* leave the loop until resumed (reset pending, fatal error) */
};

static __thread struct kvm_run *current_run;

static void kvm_ipi_handler(int sig)
{
    struct kvm_run *run = current_run;

    if (run) {
        run->immediate_exit = 1;
    }
}

void kvm_init_cpu_signals(void)
{
    struct sigaction sa = {.sa_handler = kvm_ipi_handler};

    sigemptyset(&sa.sa_mask);
    sigaction(SIG_IPI, &sa, NULL);
}

void kvm_cpu_kick(CPUState *cpu)
{
    if (cpu->accel && cpu->accel->run) {
        __atomic_store_n(&cpu->accel->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    }
    if (cpu->created) {
        pthread_kill(cpu->thread_id, SIG_IPI);
    }
}

void kvm_cpu_synchronize_state(CPUState *cpu)
{
    kvm_arch_get_registers(cpu);
}

void kvm_cpu_synchronize_post_reset(CPUState *cpu)
{
    kvm_arch_put_registers(cpu, KVM_PUT_RESET_STATE);
    cpu->vcpu_dirty = false;
}

/* --- failures ---------------------------------------------------------------- */

static const char *const exit_names[] = {
    [KVM_EXIT_UNKNOWN] = "UNKNOWN",
    [KVM_EXIT_EXCEPTION] = "EXCEPTION",
    [KVM_EXIT_IO] = "IO",
    [KVM_EXIT_HYPERCALL] = "HYPERCALL",
    [KVM_EXIT_DEBUG] = "DEBUG",
    [KVM_EXIT_HLT] = "HLT",
    [KVM_EXIT_MMIO] = "MMIO",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
    [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
    [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
    [KVM_EXIT_INTR] = "INTR",
    [KVM_EXIT_SET_TPR] = "SET_TPR",
    [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
    [KVM_EXIT_NMI] = "NMI",
    [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
    [KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
};

static const char *const internal_suberrors[] = {
    [KVM_INTERNAL_ERROR_EMULATION] = "emulation failure: KVM cannot emulate this instruction",
    [KVM_INTERNAL_ERROR_SIMUL_EX] = "an exception occurred while delivering another",
    [KVM_INTERNAL_ERROR_DELIVERY_EV] = "event delivery failed",
    [KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] = "unexpected exit reason",
};

static const char *exit_name(uint32_t reason)
{
    if (reason < ARRAY_SIZE(exit_names) && exit_names[reason]) {
        return exit_names[reason];
    }
    return "?";
}

/*
 * Prints the headline (and a note saying more, if any), the registers and the
 * failing instruction; the VM ends with status 1.
 */
static int kvm_report_failure_note(CPUState *cpu, const char *headline, const char *note)
{
    g_autoptr(GString) out = g_string_new(NULL);

    error_report("vCPU %d: %s", cpu->cpu_index, headline);
    if (note && *note) {
        error_report("vCPU %d: %s", cpu->cpu_index, note);
    }
    kvm_arch_get_registers(cpu);
    x86_cpu_dump_state(cpu->env, out);
    kvm_arch_dump_code(cpu, out);
    fputs(out->str, stderr);
    if (access("/sys/module/kvm_pvm", F_OK) == 0) {
        fprintf(stderr, "note: this host's KVM is kvm_pvm (a nested software hypervisor); "
                        "it cannot run every guest that hardware KVM runs\n");
    }
    fflush(stderr);
    qemu_vcpu_fatal(cpu);
    return KVM_EXEC_STOP;
}

static int kvm_report_failure(CPUState *cpu, const char *headline)
{
    return kvm_report_failure_note(cpu, headline, NULL);
}

/*
 * Emulation failures go to the interpreter (kvm-fallback.c), which runs the
 * instruction; when it cannot either, or for any other suberror, tern reports
 * and ends as for every failure.
 */
static int kvm_handle_internal_error(CPUState *cpu, struct kvm_run *run)
{
    uint32_t sub = run->internal.suberror;
    g_autoptr(GString) msg = g_string_new(NULL);
    g_autoptr(GString) why = g_string_new(NULL);

    if (sub == KVM_INTERNAL_ERROR_EMULATION) {
        switch (kvm_fallback_exec(cpu, why)) {
        case KVM_FALLBACK_DONE:
            return KVM_EXEC_CONTINUE;
        case KVM_FALLBACK_SHUTDOWN:
            qemu_log_mask(LOG_GUEST_ERROR,
                          "kvm: vCPU %d triple fault (in the interpreter): machine reset\n",
                          cpu->cpu_index);
            cpu_stop_request(cpu);
            qemu_system_reset_request();
            return KVM_EXEC_STOP;
        case KVM_FALLBACK_FAILED:
            break;
        }
    }

    g_string_printf(msg, "KVM internal error %u: %s", sub,
                    sub < ARRAY_SIZE(internal_suberrors) && internal_suberrors[sub]
                        ? internal_suberrors[sub]
                        : "unknown suberror");
    for (uint32_t i = 0; i < run->internal.ndata && i < ARRAY_SIZE(run->internal.data); i++) {
        g_string_append_printf(msg, "%s%#" PRIx64, i ? " " : " (data ",
                               (uint64_t)run->internal.data[i]);
        if (i + 1 == run->internal.ndata || i + 1 == ARRAY_SIZE(run->internal.data)) {
            g_string_append_c(msg, ')');
        }
    }
    return kvm_report_failure_note(cpu, msg->str, why->str);
}

/* --- exits ------------------------------------------------------------------ */

static void kvm_handle_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

    bql_lock();
    for (uint32_t i = 0; i < run->io.count; i++) {
        address_space_rw(address_space_io(), run->io.port, MEMTXATTRS_UNSPECIFIED, data,
                         run->io.size, is_write);
        data += run->io.size;
    }
    bql_unlock();
}

static void kvm_handle_mmio(struct kvm_run *run)
{
    bql_lock();
    address_space_rw(address_space_memory(), run->mmio.phys_addr, MEMTXATTRS_UNSPECIFIED,
                     run->mmio.data, run->mmio.len, run->mmio.is_write);
    bql_unlock();
}

static int kvm_handle_system_event(CPUState *cpu, struct kvm_run *run)
{
    switch (run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        qemu_system_shutdown_request(0);
        return KVM_EXEC_STOP;
    case KVM_SYSTEM_EVENT_RESET:
        qemu_system_reset_request();
        return KVM_EXEC_STOP;
    case KVM_SYSTEM_EVENT_CRASH:
        return kvm_report_failure(cpu, "the guest reported a crash (KVM_SYSTEM_EVENT_CRASH)");
    default:
        qemu_log_mask(LOG_UNIMP, "kvm: system event %u ignored\n", run->system_event.type);
        return KVM_EXEC_CONTINUE;
    }
}

static int kvm_handle_hlt(CPUState *cpu, struct kvm_run *run)
{
    if (pc_cpu_apic(cpu)) {
        /* The userspace irqchip (kernel-irqchip=off) wakes it, or it takes an interrupt now. */
        return kvm_apic_handle_hlt(cpu, run) ? KVM_EXEC_STOP : KVM_EXEC_CONTINUE;
    }
    /* Without any irqchip no interrupt controller can wake this vCPU. */
    qemu_log_mask(LOG_GUEST_ERROR, "kvm: vCPU %d halted with no irqchip to wake it\n",
                  cpu->cpu_index);
    cpu->halted = true;
    return KVM_EXEC_STOP;
}

static int kvm_handle_exit(CPUState *cpu, struct kvm_run *run)
{
    char buf[128];

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        kvm_handle_io(run);
        return KVM_EXEC_CONTINUE;
    case KVM_EXIT_MMIO:
        kvm_handle_mmio(run);
        return KVM_EXEC_CONTINUE;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return KVM_EXEC_CONTINUE;
    case KVM_EXIT_HLT:
        return kvm_handle_hlt(cpu, run);
    case KVM_EXIT_SHUTDOWN:
        qemu_log_mask(LOG_GUEST_ERROR, "kvm: vCPU %d triple fault: machine reset\n",
                      cpu->cpu_index);
        cpu_stop_request(cpu);
        qemu_system_reset_request();
        return KVM_EXEC_STOP;
    case KVM_EXIT_SYSTEM_EVENT:
        return kvm_handle_system_event(cpu, run);
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(buf, sizeof(buf), "KVM cannot enter the guest (hardware entry failure 0x%llx)",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return kvm_report_failure(cpu, buf);
    case KVM_EXIT_INTERNAL_ERROR:
        return kvm_handle_internal_error(cpu, run);
    default:
        snprintf(buf, sizeof(buf), "unexpected KVM exit %u (%s)", run->exit_reason,
                 exit_name(run->exit_reason));
        return kvm_report_failure(cpu, buf);
    }
}

static void note_first_entry(void)
{
    if (!__atomic_load_n(&vcpu_first_entry_ns, __ATOMIC_RELAXED)) {
        int64_t expected = 0;
        int64_t now = g_get_monotonic_time() * 1000;

        __atomic_compare_exchange_n(&vcpu_first_entry_ns, &expected, now, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
    }
}

/*
 * Runs the guest until something needs the vCPU thread outside KVM: a kick
 * (pause, queued work, teardown) or an exit that stops the vCPU. A kick is
 * honoured by one more KVM_RUN with immediate_exit set, which completes a
 * pending I/O or MMIO read (KVM writes the data into the guest's registers
 * only on re-entry) and returns at once: so the registers are consistent
 * whenever this returns.
 */
static int kvm_cpu_exec(CPUState *cpu)
{
    struct kvm_run *run = cpu->accel->run;
    int ret;

    if (cpu->vcpu_dirty) {
        kvm_arch_put_registers(cpu, cpu->accel->put_level);
        cpu->accel->put_level = KVM_PUT_RUNTIME_STATE;
        cpu->vcpu_dirty = false;
    }
    note_first_entry();
    for (;;) {
        if (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        }
        kvm_apic_pre_run(cpu, run);
        ret = ioctl(cpu->accel->fd, KVM_RUN, 0);
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                return KVM_EXEC_CONTINUE;
            }
            char buf[96];
            snprintf(buf, sizeof(buf), "KVM_RUN failed: %s", g_strerror(errno));
            return kvm_report_failure(cpu, buf);
        }
        if (kvm_handle_exit(cpu, run) == KVM_EXEC_STOP) {
            return KVM_EXEC_STOP;
        }
    }
}

static gpointer kvm_vcpu_thread_fn(gpointer opaque)
{
    CPUState *cpu = opaque;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIG_IPI);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    current_run = cpu->accel->run;
    qemu_vcpu_thread_started(cpu);
    while (qemu_wait_io_event(cpu)) {
        kvm_cpu_exec(cpu);
    }
    current_run = NULL;
    return NULL;
}

/* --- creation ---------------------------------------------------------------- */

static bool kvm_create_vcpu(CPUState *cpu, GError **errp)
{
    AccelCPUState *a = g_new0(AccelCPUState, 1);
    int fd;

    cpu->accel = a;
    a->fd = -1;
    a->put_level = KVM_PUT_RESET_STATE;
    if (cpu->cpu_index >= kvm_state->max_vcpus) {
        g_set_error(errp, TERN_ERROR, 0, "KVM allows at most %d vCPUs", kvm_state->max_vcpus);
        return false;
    }
    fd = kvm_vm_ioctl(KVM_CREATE_VCPU, (void *)(uintptr_t)cpu->cpu_index);
    if (fd < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_CREATE_VCPU %d: %s", cpu->cpu_index, g_strerror(-fd));
        return false;
    }
    a->fd = fd;
    a->run = mmap(NULL, kvm_state->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a->run == MAP_FAILED) {
        a->run = NULL;
        g_set_error(errp, TERN_ERROR, 0, "mmap of vCPU %d's kvm_run: %s", cpu->cpu_index,
                    g_strerror(errno));
        return false;
    }
    return kvm_arch_init_vcpu(cpu, errp);
}

bool kvm_init_vcpu_thread(CPUState *cpu, GError **errp)
{
    g_autofree char *name = g_strdup_printf("CPU %d/KVM", cpu->cpu_index);
    GError *err = NULL;

    if (!kvm_state) {
        g_set_error(errp, TERN_ERROR, 0, "KVM: no VM (init_machine was not called)");
        return false;
    }
    if (!kvm_create_vcpu(cpu, errp)) {
        return false;
    }
    kvm_arch_put_registers(cpu, KVM_PUT_RESET_STATE);
    cpu->vcpu_dirty = false;
    cpu->accel->put_level = KVM_PUT_RUNTIME_STATE;
    cpu->thread = g_thread_try_new(name, kvm_vcpu_thread_fn, cpu, &err);
    if (!cpu->thread) {
        g_propagate_prefixed_error(errp, err, "vCPU %d thread: ", cpu->cpu_index);
        return false;
    }
    while (!__atomic_load_n(&cpu->created, __ATOMIC_SEQ_CST)) {
        g_usleep(100);
    }
    return true;
}

void kvm_cpu_destroy(CPUState *cpu)
{
    AccelCPUState *a = cpu->accel;

    if (!a) {
        return;
    }
    kvm_fallback_destroy(cpu);
    kvm_arch_destroy_vcpu(cpu);
    if (a->run) {
        munmap(a->run, kvm_state ? (size_t)kvm_state->vcpu_mmap_size : sizeof(struct kvm_run));
    }
    if (a->fd >= 0) {
        close(a->fd);
    }
    g_free(a);
    cpu->accel = NULL;
}
