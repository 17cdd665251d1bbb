/*
 * qdev.c: the device registry and device instances, without QOM.
 *
 * A DeviceInfo is registered from a constructor; qdev_new() allocates the
 * device struct zeroed and applies the property defaults; properties are set
 * from strings (-device) or from C; qdev_realize() hands the device to its
 * realize hook, then resets it, so a device starts in its reset state.
 * Devices live in one list in creation order (reset and info qtree walk it).
 * Left out: buses as objects, hotplug, property getters through QOM paths.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/qdev.h"
#include "trace-events.h"

static GPtrArray *device_infos; /* const DeviceInfo *, in registration order */
static GPtrArray *devices;      /* DeviceState *, in creation order */

void device_register(const DeviceInfo *info)
{
    g_assert(info && info->name);
    g_assert(info->instance_size >= sizeof(DeviceState));
    if (!device_infos) {
        device_infos = g_ptr_array_new();
    }
    if (device_find_info(info->name)) {
        g_error("device '%s' registered twice", info->name);
    }
    g_ptr_array_add(device_infos, (gpointer)info);
}

const DeviceInfo *device_find_info(const char *name)
{
    if (!device_infos || !name) {
        return NULL;
    }
    for (guint i = 0; i < device_infos->len; i++) {
        const DeviceInfo *info = g_ptr_array_index(device_infos, i);
        if (!strcmp(info->name, name)) {
            return info;
        }
    }
    return NULL;
}

static gint info_cmp(gconstpointer a, gconstpointer b)
{
    const DeviceInfo *ia = *(const DeviceInfo *const *)a;
    const DeviceInfo *ib = *(const DeviceInfo *const *)b;

    return strcmp(ia->name, ib->name);
}

void device_list(GString *out, bool user_creatable_only)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    if (device_infos) {
        for (guint i = 0; i < device_infos->len; i++) {
            g_ptr_array_add(sorted, g_ptr_array_index(device_infos, i));
        }
    }
    g_ptr_array_sort(sorted, info_cmp);
    for (guint i = 0; i < sorted->len; i++) {
        const DeviceInfo *info = g_ptr_array_index(sorted, i);
        if (user_creatable_only && !info->user_creatable) {
            continue;
        }
        g_string_append_printf(out, "name \"%s\"", info->name);
        if (info->desc) {
            g_string_append_printf(out, ", desc \"%s\"", info->desc);
        }
        g_string_append_c(out, '\n');
    }
}

/* --- properties ------------------------------------------------------------ */

static const Property *prop_find(const DeviceInfo *info, const char *name)
{
    for (const Property *p = info->props; p && p->name; p++) {
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

static void *prop_ptr(DeviceState *dev, const Property *p)
{
    return (char *)dev + p->offset;
}

static uint64_t prop_max(PropType type)
{
    switch (type) {
    case PROP_BOOL:
        return 1;
    case PROP_UINT8:
        return UINT8_MAX;
    case PROP_UINT16:
        return UINT16_MAX;
    case PROP_UINT32:
        return UINT32_MAX;
    default:
        return UINT64_MAX;
    }
}

static void prop_store_uint(DeviceState *dev, const Property *p, uint64_t v)
{
    void *ptr = prop_ptr(dev, p);

    switch (p->type) {
    case PROP_BOOL:
        *(bool *)ptr = v != 0;
        break;
    case PROP_UINT8:
        *(uint8_t *)ptr = v;
        break;
    case PROP_UINT16:
        *(uint16_t *)ptr = v;
        break;
    case PROP_UINT32:
        *(uint32_t *)ptr = v;
        break;
    case PROP_UINT64:
        *(uint64_t *)ptr = v;
        break;
    case PROP_STRING:
        g_assert_not_reached();
    }
}

static uint64_t prop_load_uint(DeviceState *dev, const Property *p)
{
    void *ptr = prop_ptr(dev, p);

    switch (p->type) {
    case PROP_BOOL:
        return *(bool *)ptr;
    case PROP_UINT8:
        return *(uint8_t *)ptr;
    case PROP_UINT16:
        return *(uint16_t *)ptr;
    case PROP_UINT32:
        return *(uint32_t *)ptr;
    case PROP_UINT64:
        return *(uint64_t *)ptr;
    case PROP_STRING:
        break;
    }
    g_assert_not_reached();
}

static void prop_store_string(DeviceState *dev, const Property *p, const char *value)
{
    char **ptr = prop_ptr(dev, p);

    g_free(*ptr);
    *ptr = g_strdup(value);
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"on", "true", "yes"};
    static const char *const no[] = {"off", "false", "no"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!g_ascii_strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!g_ascii_strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Decimal, 0x hex or 0 octal, with an optional k/M/G/T suffix (powers of 1024). */
static bool parse_uint(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v, mult = 1;

    if (!*s || *s == '-' || *s == '+' || g_ascii_isspace(*s)) {
        return false;
    }
    errno = 0;
    v = g_ascii_strtoull(s, &end, 0);
    if (errno || end == s) {
        return false;
    }
    if (*end) {
        switch (g_ascii_tolower(*end)) {
        case 'k':
            mult = KiB;
            break;
        case 'm':
            mult = MiB;
            break;
        case 'g':
            mult = GiB;
            break;
        case 't':
            mult = GiB * 1024;
            break;
        default:
            return false;
        }
        if (end[1] || v > UINT64_MAX / mult) {
            return false;
        }
    }
    *out = v * mult;
    return true;
}

static const char *prop_type_name(PropType type)
{
    static const char *const names[] = {
        [PROP_BOOL] = "bool",     [PROP_UINT8] = "uint8",   [PROP_UINT16] = "uint16",
        [PROP_UINT32] = "uint32", [PROP_UINT64] = "uint64", [PROP_STRING] = "str",
    };
    return names[type];
}

static bool id_in_use(const char *id)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceState *d = g_ptr_array_index(devices, i);
        if (d->id && !strcmp(d->id, id)) {
            return true;
        }
    }
    return false;
}

static bool set_id(DeviceState *dev, const char *value, GError **errp)
{
    if (!*value || !g_ascii_isalpha(*value)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: invalid id '%s' (must start with a letter)",
                    dev->info->name, value);
        return false;
    }
    if (id_in_use(value)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: duplicate id '%s'", dev->info->name, value);
        return false;
    }
    g_free(dev->id);
    dev->id = g_strdup(value);
    return true;
}

bool qdev_prop_parse(DeviceState *dev, const char *name, const char *value, GError **errp)
{
    const char *dname = dev->info->name;
    const Property *p;
    uint64_t v;
    bool b;

    if (dev->realized) {
        g_set_error(errp, TERN_ERROR, 0, "%s: property '%s' cannot be set after realize", dname,
                    name);
        return false;
    }
    if (!strcmp(name, "id")) {
        return set_id(dev, value, errp);
    }
    p = prop_find(dev->info, name);
    if (!p) {
        g_set_error(errp, TERN_ERROR, 0, "%s: no property '%s'", dname, name);
        return false;
    }
    switch (p->type) {
    case PROP_STRING:
        prop_store_string(dev, p, value);
        return true;
    case PROP_BOOL:
        if (!parse_bool(value, &b)) {
            g_set_error(errp, TERN_ERROR, 0,
                        "%s: property '%s' expects on/off/true/false/yes/no, not '%s'", dname, name,
                        value);
            return false;
        }
        prop_store_uint(dev, p, b);
        return true;
    default:
        if (!parse_uint(value, &v)) {
            g_set_error(errp, TERN_ERROR, 0, "%s: property '%s' expects a number, not '%s'", dname,
                        name, value);
            return false;
        }
        if (v > prop_max(p->type)) {
            g_set_error(errp, TERN_ERROR, 0,
                        "%s: property '%s' value '%s' out of range for %s (max 0x%" PRIx64 ")",
                        dname, name, value, prop_type_name(p->type), prop_max(p->type));
            return false;
        }
        prop_store_uint(dev, p, v);
        return true;
    }
}

static const Property *prop_find_checked(DeviceState *dev, const char *name)
{
    const Property *p = prop_find(dev->info, name);

    if (!p) {
        g_error("%s: no property '%s'", dev->info->name, name);
    }
    return p;
}

void qdev_prop_set_uint(DeviceState *dev, const char *name, uint64_t value)
{
    const Property *p = prop_find_checked(dev, name);

    if (p->type == PROP_STRING || value > prop_max(p->type)) {
        g_error("%s: property '%s' cannot take 0x%" PRIx64, dev->info->name, name, value);
    }
    prop_store_uint(dev, p, value);
}

void qdev_prop_set_string(DeviceState *dev, const char *name, const char *value)
{
    const Property *p = prop_find_checked(dev, name);

    if (p->type != PROP_STRING) {
        g_error("%s: property '%s' is not a string", dev->info->name, name);
    }
    prop_store_string(dev, p, value);
}

static void prop_format(DeviceState *dev, const Property *p, GString *out)
{
    if (p->type == PROP_STRING) {
        const char *s = *(char **)prop_ptr(dev, p);
        g_string_append_printf(out, s ? "\"%s\"" : "<null>", s);
    } else if (p->type == PROP_BOOL) {
        g_string_append(out, prop_load_uint(dev, p) ? "on" : "off");
    } else {
        g_string_append_printf(out, "0x%" PRIx64, prop_load_uint(dev, p));
    }
}

/* --- instances --------------------------------------------------------------- */

DeviceState *qdev_new(const char *name)
{
    const DeviceInfo *info = device_find_info(name);
    DeviceState *dev;

    if (!info) {
        return NULL;
    }
    dev = g_malloc0(info->instance_size);
    dev->info = info;
    for (const Property *p = info->props; p && p->name; p++) {
        if (p->type == PROP_STRING) {
            prop_store_string(dev, p, p->defstr);
        } else {
            prop_store_uint(dev, p, p->defval);
        }
    }
    if (!devices) {
        devices = g_ptr_array_new();
    }
    g_ptr_array_add(devices, dev);
    return dev;
}

bool qdev_realize(DeviceState *dev, GError **errp)
{
    if (dev->realized) {
        g_set_error(errp, TERN_ERROR, 0, "%s: already realized", dev->info->name);
        return false;
    }
    trace_qdev_realize(dev, dev->info->name, dev->id ? dev->id : "");
    if (dev->info->realize && !dev->info->realize(dev, errp)) {
        trace_qdev_realize_failed(dev, dev->info->name,
                                  errp && *errp ? (*errp)->message : "(error not returned)");
        return false;
    }
    dev->realized = true;
    if (dev->info->reset) {
        trace_qdev_reset(dev, dev->info->name);
        dev->info->reset(dev);
    }
    return true;
}

void qdev_unref(DeviceState *dev)
{
    if (!dev) {
        return;
    }
    if (dev->realized && dev->info->unrealize) {
        trace_qdev_unrealize(dev, dev->info->name);
        dev->info->unrealize(dev);
    }
    dev->realized = false;
    for (const Property *p = dev->info->props; p && p->name; p++) {
        if (p->type == PROP_STRING) {
            g_free(*(char **)prop_ptr(dev, p));
        }
    }
    g_free(dev->id);
    g_ptr_array_remove(devices, dev);
    g_free(dev);
}

void qdev_reset_all(void)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(devices, i);
        if (dev->realized && dev->info->reset) {
            trace_qdev_reset(dev, dev->info->name);
            dev->info->reset(dev);
        }
    }
}

void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque)
{
    /* A snapshot, so fn may create or free devices. */
    g_autoptr(GPtrArray) snap = g_ptr_array_new();

    for (guint i = 0; devices && i < devices->len; i++) {
        g_ptr_array_add(snap, g_ptr_array_index(devices, i));
    }
    for (guint i = 0; i < snap->len; i++) {
        DeviceState *dev = g_ptr_array_index(snap, i);
        if (dev->realized) {
            fn(dev, opaque);
        }
    }
}

DeviceState *qdev_find_by_id(const char *id)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceState *d = g_ptr_array_index(devices, i);
        if (d->id && !strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

DeviceState *qdev_find_by_name(const char *name)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceState *d = g_ptr_array_index(devices, i);
        if (d->realized && !strcmp(d->info->name, name)) {
            return d;
        }
    }
    return NULL;
}

void qdev_info_tree(GString *out)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(devices, i);
        if (!dev->realized) {
            continue;
        }
        g_string_append_printf(out, "dev: %s, id \"%s\"\n", dev->info->name,
                               dev->id ? dev->id : "");
        for (const Property *p = dev->info->props; p && p->name; p++) {
            g_string_append_printf(out, "  %s = ", p->name);
            prop_format(dev, p, out);
            g_string_append_c(out, '\n');
        }
        if (dev->info->info) {
            dev->info->info(dev, out);
        }
    }
}

/* --- -device ---------------------------------------------------------------- */

/* Splits "a=1,b=x,,y" at single commas; ",," is a literal comma. */
static GPtrArray *split_opts(const char *optstr)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *c = optstr;; c++) {
        if (*c == ',' && c[1] == ',') {
            g_string_append_c(cur, ',');
            c++;
        } else if (*c == ',' || !*c) {
            g_ptr_array_add(parts, g_string_free(cur, FALSE));
            if (!*c) {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *c);
        }
    }
    return parts;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

static void device_props_help(const DeviceInfo *info, GString *out)
{
    g_string_append_printf(out, "%s options:\n", info->name);
    for (const Property *p = info->props; p && p->name; p++) {
        g_string_append_printf(out, "  %s=<%s>", p->name, prop_type_name(p->type));
        if (p->type == PROP_STRING) {
            if (p->defstr) {
                g_string_append_printf(out, " (default \"%s\")", p->defstr);
            }
        } else if (p->type == PROP_BOOL) {
            g_string_append_printf(out, " (default %s)", p->defval ? "on" : "off");
        } else {
            g_string_append_printf(out, " (default 0x%" PRIx64 ")", p->defval);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append(out, "  id=<str>\n");
}

bool qdev_device_help(const char *optstr, GString *out)
{
    g_autoptr(GPtrArray) parts = split_opts(optstr);
    const char *name = g_ptr_array_index(parts, 0);
    const DeviceInfo *info;

    if (g_str_has_prefix(name, "driver=")) {
        name += strlen("driver=");
    }
    if (is_help(name)) {
        g_string_append(out, "Devices (-device NAME[,prop=value...]):\n");
        device_list(out, true);
        return true;
    }
    for (guint i = 1; i < parts->len; i++) {
        if (is_help(g_ptr_array_index(parts, i))) {
            info = device_find_info(name);
            if (!info) {
                g_string_append_printf(out, "'%s' is not a valid device model name\n", name);
            } else {
                device_props_help(info, out);
            }
            return true;
        }
    }
    return false;
}

/* "prop=value", or a bare "prop" meaning prop=on for a bool, as QEMU accepts. */
static bool device_add_opt(DeviceState *dev, const char *opt, GError **errp)
{
    const char *eq = strchr(opt, '=');
    g_autofree char *key = eq ? g_strndup(opt, eq - opt) : g_strdup(opt);
    const Property *p = prop_find(dev->info, key);

    if (!eq && !(p && p->type == PROP_BOOL)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: '%s' needs a value (%s=...)", dev->info->name, key,
                    key);
        return false;
    }
    return qdev_prop_parse(dev, key, eq ? eq + 1 : "on", errp);
}

static DeviceState *device_add_parts(GPtrArray *parts, GError **errp)
{
    const char *name = g_ptr_array_index(parts, 0);
    const DeviceInfo *info;
    DeviceState *dev;

    if (g_str_has_prefix(name, "driver=")) {
        name += strlen("driver=");
    }
    info = device_find_info(name);
    if (!*name) {
        g_set_error(errp, TERN_ERROR, 0, "-device: missing device name");
        return NULL;
    }
    if (!info) {
        g_set_error(errp, TERN_ERROR, 0, "'%s' is not a valid device model name", name);
        return NULL;
    }
    if (!info->user_creatable) {
        g_set_error(errp, TERN_ERROR, 0, "device '%s' cannot be added with -device", name);
        return NULL;
    }
    dev = qdev_new(name);
    for (guint i = 1; i < parts->len; i++) {
        if (!device_add_opt(dev, g_ptr_array_index(parts, i), errp)) {
            qdev_unref(dev);
            return NULL;
        }
    }
    if (!qdev_realize(dev, errp)) {
        qdev_unref(dev);
        return NULL;
    }
    return dev;
}

DeviceState *qdev_device_add(const char *optstr, GError **errp)
{
    g_autoptr(GPtrArray) parts = split_opts(optstr);
    g_autoptr(GString) help = g_string_new(NULL);

    if (qdev_device_help(optstr, help)) {
        fputs(help->str, stdout);
        return NULL;
    }
    return device_add_parts(parts, errp);
}
