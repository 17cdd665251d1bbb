/*
 * accel.c: the accelerator registry and -accel selection.
 *
 * Each accelerator registers a const AccelOps from a constructor. The default
 * is kvm when /dev/kvm opens and a hardware module (kvm_intel, kvm_amd) backs
 * it; on a PVM host (kvm_pvm: nested, software shadow paging) or without
 * /dev/kvm it is tcg.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "sysemu/accel.h"
#include <fcntl.h>

#define KVM_DEVICE     "/dev/kvm"
#define SYS_MODULE_DIR "/sys/module/"

const AccelOps *current_accel;

static GPtrArray *accels; /* const AccelOps *, in registration order */

void accel_register(const AccelOps *ops)
{
    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_ptr_array_add(accels, (gpointer)ops);
}

const AccelOps *accel_find(const char *name)
{
    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);

        if (strcmp(ops->name, name) == 0) {
            return ops;
        }
    }
    return NULL;
}

void accel_list(GString *out)
{
    const char *sep = "";

    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);

        g_string_append_printf(out, "%s%s", sep, ops->name);
        sep = ", ";
    }
}

static bool module_loaded(const char *name)
{
    g_autofree char *path = g_strconcat(SYS_MODULE_DIR, name, NULL);

    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

bool accel_kvm_hw_usable(char **why)
{
    int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        *why = g_strdup_printf("%s does not open: %s", KVM_DEVICE, g_strerror(errno));
        return false;
    }
    close(fd);
    if (module_loaded("kvm_pvm")) {
        *why = g_strdup(KVM_DEVICE " is kvm_pvm, a nested software hypervisor (PVM) "
                                   "that cannot run unmodified Linux");
        return false;
    }
    if (module_loaded("kvm_intel") || module_loaded("kvm_amd")) {
        *why = g_strdup(KVM_DEVICE " is hardware-backed");
    } else {
        *why = g_strdup(KVM_DEVICE " opens");
    }
    return true;
}

static bool accel_use(const char *name, GError **errp)
{
    const AccelOps *ops = accel_find(name);
    g_autofree char *why = NULL;

    if (!ops) {
        g_autoptr(GString) known = g_string_new(NULL);

        accel_list(known);
        g_set_error(errp, TERN_ERROR, 0, "-accel %s: unknown accelerator (known: %s)", name,
                    known->str);
        return false;
    }
    if (ops->available && !ops->available(&why)) {
        g_set_error(errp, TERN_ERROR, 0, "-accel %s: %s", name, why ? why : "not available");
        return false;
    }
    current_accel = ops;
    return true;
}

bool accel_select(const char *name, GError **errp)
{
    g_autofree char *why = NULL;
    const char *pick;

    if (name) {
        return accel_use(name, errp);
    }
    pick = accel_kvm_hw_usable(&why) ? "kvm" : "tcg";
    info_report("accelerator %s (default: %s)", pick, why);
    return accel_use(pick, errp);
}
