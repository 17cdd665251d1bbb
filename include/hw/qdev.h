/*
 * qdev.h: devices without QOM. A device is a plain struct that embeds
 * DeviceState first; a const DeviceInfo (name, spec, size, properties,
 * realize, reset) is registered once with device_init(), which makes it
 * available to the machine, to -device and to 'info qtree'.
 *
 *     typedef struct SerialState { DeviceState parent; ... } SerialState;
 *     static const Property serial_props[] = {
 *         DEFINE_PROP_UINT32("iobase", SerialState, iobase, 0x3f8),
 *         DEFINE_PROP_CHR("chardev", SerialState, chr_label),
 *         DEFINE_PROP_END,
 *     };
 *     static const DeviceInfo serial_info = { .name = "isa-serial", ... };
 *     device_init(serial_info)
 */
#ifndef HW_QDEV_H
#define HW_QDEV_H

#include "qemu/osdep.h"

typedef struct DeviceState DeviceState;
typedef struct DeviceInfo DeviceInfo;

typedef enum {
    PROP_BOOL,
    PROP_UINT8,
    PROP_UINT16,
    PROP_UINT32,
    PROP_UINT64,
    PROP_STRING, /* char *, g_strdup'd; also chardev labels and drive names */
} PropType;

typedef struct Property {
    const char *name;
    PropType type;
    size_t offset;      /* of the field in the device struct */
    uint64_t defval;    /* numeric default */
    const char *defstr; /* string default (may be NULL) */
} Property;

#define DEFINE_PROP(_n, _t, _s, _f, _d)                                                            \
    {                                                                                              \
        .name = (_n), .type = (_t), .offset = offsetof(_s, _f), .defval = (_d)                     \
    }
#define DEFINE_PROP_BOOL(n, s, f, d)   DEFINE_PROP(n, PROP_BOOL, s, f, d)
#define DEFINE_PROP_UINT8(n, s, f, d)  DEFINE_PROP(n, PROP_UINT8, s, f, d)
#define DEFINE_PROP_UINT16(n, s, f, d) DEFINE_PROP(n, PROP_UINT16, s, f, d)
#define DEFINE_PROP_UINT32(n, s, f, d) DEFINE_PROP(n, PROP_UINT32, s, f, d)
#define DEFINE_PROP_UINT64(n, s, f, d) DEFINE_PROP(n, PROP_UINT64, s, f, d)
#define DEFINE_PROP_STRING(n, s, f)                                                                \
    {                                                                                              \
        .name = (n), .type = PROP_STRING, .offset = offsetof(s, f)                                 \
    }
#define DEFINE_PROP_CHR(n, s, f) DEFINE_PROP_STRING(n, s, f)
#define DEFINE_PROP_END                                                                            \
    {                                                                                              \
        .name = NULL                                                                               \
    }

struct DeviceInfo {
    const char *name; /* "isa-serial": the -device name */
    const char *desc; /* one line for -device help */
    const char *spec; /* the datasheet or spec section it follows */
    size_t instance_size;
    const Property *props; /* ends with DEFINE_PROP_END; may be NULL */
    bool user_creatable;   /* may be added with -device */
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*reset)(DeviceState *dev);
    void (*unrealize)(DeviceState *dev);
    void (*info)(DeviceState *dev, GString *out); /* extra lines for info qtree */
};

struct DeviceState {
    const DeviceInfo *info;
    char *id;
    bool realized;
};

/* Registers a DeviceInfo at start-up. */
void device_register(const DeviceInfo *info);
#define device_init(info_var)                                                                      \
    static void __attribute__((constructor)) do_device_register_##info_var(void)                   \
    {                                                                                              \
        device_register(&info_var);                                                                \
    }

const DeviceInfo *device_find_info(const char *name);
/* Appends the registered devices (name, desc) to out; user-creatable only if asked. */
void device_list(GString *out, bool user_creatable_only);

/* Allocates a device with its property defaults; NULL if the name is unknown. */
DeviceState *qdev_new(const char *name);
/*
 * Sets a property from text: bool on/off/true/false/yes/no; integers decimal,
 * 0x hex or 0 octal with an optional k/M/G/T suffix, range-checked; strings as
 * given; "id" sets the device id. False with *errp naming device and property.
 */
bool qdev_prop_parse(DeviceState *dev, const char *name, const char *value, GError **errp);
/* Set from C; an unknown property or a bad value is a programming error (aborts). */
void qdev_prop_set_uint(DeviceState *dev, const char *name, uint64_t value);
void qdev_prop_set_string(DeviceState *dev, const char *name, const char *value);
/* Realizes (the device's realize hook), then resets the device. */
bool qdev_realize(DeviceState *dev, GError **errp);
/* Unrealizes and frees a device. */
void qdev_unref(DeviceState *dev);
/*
 * -device NAME[,prop=value...][,id=ID]: creates and realizes (",," is a literal
 * comma). "help" and "NAME,help" print the list / the properties to stdout and
 * return NULL without setting *errp; callers that want the text use
 * qdev_device_help() first.
 */
DeviceState *qdev_device_add(const char *optstr, GError **errp);
/* True if optstr asks for help ("help", "?", "NAME,help"); the text is appended to out. */
bool qdev_device_help(const char *optstr, GString *out);
/* The device with this id (realized or not), NULL if none. */
DeviceState *qdev_find_by_id(const char *id);
/* The first realized device of this type, NULL if none. */
DeviceState *qdev_find_by_name(const char *name);
/* Resets every realized device, in creation order. */
void qdev_reset_all(void);
/* Iterates over realized devices in creation order. */
void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque);
/* info qtree: every realized device with its properties. */
void qdev_info_tree(GString *out);

#endif
