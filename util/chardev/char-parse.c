/*
 * char-parse.c: the -serial and -chardev option syntaxes (QEMU's, see qemu-options
 * "Character device options" and "-serial dev"), into a ChardevSpec.
 *
 * Accepted: stdio, null, pty, file:PATH, pipe:PATH, unix:PATH[,opts], tcp:[HOST]:PORT[,opts],
 * a "mon:" prefix on any of them, and the -chardev forms of the same backends
 * (socket, with path= or host=/port=). Left out: udp, telnet, vc, serial/tty
 * devices, tls, websocket, logfile=.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "char-internal.h"

#define KNOWN_SERIAL_BACKENDS                                                                      \
    "stdio, null, file:PATH, pipe:PATH, unix:PATH, tcp:HOST:PORT, pty, mon:"
#define KNOWN_CHARDEV_BACKENDS "stdio, null, file, pipe, socket, pty"

/* Option names each backend takes; flags may be written bare ("server") or as "noX". */
typedef struct OptInfo {
    const char *name;
    bool is_bool;
} OptInfo;

static const OptInfo opt_table[] = {
    {"server", true}, {"wait", true}, {"nodelay", true},    {"append", true},
    {"signal", true}, {"mux", true},  {"path", false},      {"host", false},
    {"port", false},  {"id", false},  {"reconnect", false}, {"reconnect-ms", false},
};

/* Longest reconnect delay accepted: a day. */
#define RECONNECT_MAX_MS (24 * 3600 * 1000LL)

void qemu_chr_spec_free(ChardevSpec *spec)
{
    g_free(spec->id);
    g_free(spec->backend);
    g_free(spec->path);
    g_free(spec->host);
    memset(spec, 0, sizeof(*spec));
}

static const OptInfo *opt_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
        if (!strcmp(opt_table[i].name, name)) {
            return &opt_table[i];
        }
    }
    return NULL;
}

static bool parse_bool(const char *what, const char *key, const char *val, bool *out, GError **errp)
{
    static const char *const on[] = {"on", "yes", "true", "y"};
    static const char *const off[] = {"off", "no", "false", "n"};

    for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
        if (!g_ascii_strcasecmp(val, on[i])) {
            *out = true;
            return true;
        }
        if (!g_ascii_strcasecmp(val, off[i])) {
            *out = false;
            return true;
        }
    }
    g_set_error(errp, TERN_ERROR, 0, "%s: '%s' is not on or off for option '%s'", what, val, key);
    return false;
}

static bool parse_port(const char *what, const char *str, int *port, GError **errp)
{
    char *end;
    long v;

    if (!*str) {
        g_set_error(errp, TERN_ERROR, 0, "%s: missing port (tcp:HOST:PORT)", what);
        return false;
    }
    errno = 0;
    v = strtol(str, &end, 10);
    if (errno || *end || v < 0 || v > 65535) {
        g_set_error(errp, TERN_ERROR, 0, "%s: bad port '%s' (0 to 65535)", what, str);
        return false;
    }
    *port = (int)v;
    return true;
}

/* Seen flags, so defaults (wait, signal) can depend on what was written. */
typedef struct Seen {
    bool wait, signal, server, port, reconnect;
} Seen;

/* reconnect=SECONDS or reconnect-ms=MS (QEMU has both), 0 meaning never. */
static bool parse_reconnect(const char *what, const char *key, const char *val, int64_t scale,
                            ChardevSpec *s, GError **errp)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(val, &end, 10);
    if (errno || !*val || *end || v < 0 || v > RECONNECT_MAX_MS / scale) {
        g_set_error(errp, TERN_ERROR, 0, "%s: bad %s '%s' (0 to %lld)", what, key, val,
                    (long long)(RECONNECT_MAX_MS / scale));
        return false;
    }
    s->reconnect_ms = v * scale;
    return true;
}

static bool store_opt(const char *what, const char *name, const char *val, bool b, ChardevSpec *s,
                      Seen *seen, GError **errp);

static bool apply_opt(const char *what, const char *key, const char *val, const char *allowed,
                      ChardevSpec *s, Seen *seen, GError **errp)
{
    const OptInfo *oi = opt_lookup(key);
    bool b = true;
    g_auto(GStrv) names = g_strsplit(allowed, ",", -1);

    /* The older flag syntax: "nowait" means wait=off. */
    if ((!oi || !g_strv_contains((const char *const *)names, key)) && !val &&
        g_str_has_prefix(key, "no") && opt_lookup(key + 2) && opt_lookup(key + 2)->is_bool) {
        oi = opt_lookup(key + 2);
        b = false;
    }
    if (!oi || !g_strv_contains((const char *const *)names, oi->name)) {
        g_autofree char *list = g_strjoinv(", ", names);
        g_set_error(errp, TERN_ERROR, 0, "%s: unknown option '%s' (known: %s)", what, key,
                    *list ? list : "none");
        return false;
    }
    if (oi->is_bool) {
        if (val && !parse_bool(what, oi->name, val, &b, errp)) {
            return false;
        }
    } else if (!val) {
        g_set_error(errp, TERN_ERROR, 0, "%s: option '%s' needs a value (%s=...)", what, key, key);
        return false;
    }
    return store_opt(what, oi->name, val, b, s, seen, errp);
}

/* Stores one checked option. */
static bool store_opt(const char *what, const char *name, const char *val, bool b, ChardevSpec *s,
                      Seen *seen, GError **errp)
{
    if (!strcmp(name, "reconnect") || !strcmp(name, "reconnect-ms")) {
        seen->reconnect = true;
        return parse_reconnect(what, name, val, name[9] ? 1 : 1000, s, errp);
    }
    if (!strcmp(name, "server")) {
        s->server = b;
        seen->server = true;
    } else if (!strcmp(name, "wait")) {
        s->wait = b;
        seen->wait = true;
    } else if (!strcmp(name, "nodelay")) {
        s->nodelay = b;
    } else if (!strcmp(name, "append")) {
        s->append = b;
    } else if (!strcmp(name, "signal")) {
        s->signal = b;
        seen->signal = true;
    } else if (!strcmp(name, "mux")) {
        s->mux = b;
    } else if (!strcmp(name, "path")) {
        g_free(s->path);
        s->path = g_strdup(val);
    } else if (!strcmp(name, "host")) {
        g_free(s->host);
        s->host = g_strdup(val);
    } else if (!strcmp(name, "port")) {
        seen->port = true;
        return parse_port(what, val, &s->port, errp);
    } else if (!strcmp(name, "id")) {
        g_free(s->id);
        s->id = g_strdup(val);
    }
    return true;
}

/* Applies "k=v,k,nok" items; item 0 is skipped when skip_first. */
static bool apply_opts(const char *what, char **items, const char *allowed, ChardevSpec *s,
                       Seen *seen, GError **errp)
{
    for (char **it = items; *it; it++) {
        char *eq = strchr(*it, '=');
        g_autofree char *key = eq ? g_strndup(*it, eq - *it) : g_strdup(*it);

        if (!*key) {
            g_set_error(errp, TERN_ERROR, 0, "%s: empty option", what);
            return false;
        }
        if (!apply_opt(what, key, eq ? eq + 1 : NULL, allowed, s, seen, errp)) {
            return false;
        }
    }
    return true;
}

/* Defaults and cross-checks shared by both syntaxes. */
static bool finish_spec(const char *what, ChardevSpec *s, const Seen *seen, GError **errp)
{
    bool sock = !strcmp(s->backend, "unix") || !strcmp(s->backend, "tcp");

    if (sock && s->server && seen->reconnect) {
        g_set_error(errp, TERN_ERROR, 0, "%s: 'reconnect' only applies to a client", what);
        return false;
    }
    if (sock && !s->server && seen->wait) {
        g_set_error(errp, TERN_ERROR, 0, "%s: 'wait' only applies with server=on", what);
        return false;
    }
    if (sock && s->server && !seen->wait) {
        s->wait = true; /* QEMU's default: a server waits for its first client */
    }
    if (!seen->signal) {
        /* Under "mon:" Ctrl-C belongs to the guest; Ctrl-A x is the way out. */
        s->signal = true;
    }
    if ((!strcmp(s->backend, "file") || !strcmp(s->backend, "pipe") ||
         !strcmp(s->backend, "unix")) &&
        (!s->path || !*s->path)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: missing path", what);
        return false;
    }
    if (!strcmp(s->backend, "tcp") && !s->host) {
        s->host = g_strdup("");
    }
    return true;
}

/* "tcp:[HOST]:PORT": host may be [v6]. */
static bool parse_tcp_addr(const char *what, const char *addr, ChardevSpec *s, GError **errp)
{
    const char *colon;

    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':') {
            g_set_error(errp, TERN_ERROR, 0, "%s: missing port (tcp:[HOST]:PORT)", what);
            return false;
        }
        s->host = g_strndup(addr + 1, close - addr - 1);
        return parse_port(what, close + 2, &s->port, errp);
    }
    colon = strrchr(addr, ':');
    if (!colon) {
        g_set_error(errp, TERN_ERROR, 0, "%s: missing port (tcp:HOST:PORT)", what);
        return false;
    }
    s->host = g_strndup(addr, colon - addr);
    return parse_port(what, colon + 1, &s->port, errp);
}

static bool parse_serial_backend(const char *spec, const char *rest, ChardevSpec *s, Seen *seen,
                                 GError **errp)
{
    if (!strcmp(rest, "stdio") || !strcmp(rest, "null") || !strcmp(rest, "pty")) {
        s->backend = g_strdup(rest);
        return true;
    }
    /* file: and pipe: take the whole rest as the path, as QEMU does. */
    if (g_str_has_prefix(rest, "file:") || g_str_has_prefix(rest, "pipe:")) {
        s->backend = g_strndup(rest, 4);
        s->path = g_strdup(rest + 5);
        return true;
    }
    if (g_str_has_prefix(rest, "unix:") || g_str_has_prefix(rest, "tcp:")) {
        bool is_unix = rest[0] == 'u';
        g_auto(GStrv) items = g_strsplit(strchr(rest, ':') + 1, ",", -1);

        const char *addr = items[0] ? items[0] : ""; /* "tcp:" splits into nothing */

        s->backend = g_strdup(is_unix ? "unix" : "tcp");
        if (is_unix) {
            s->path = g_strdup(addr);
        } else if (!parse_tcp_addr(spec, addr, s, errp)) {
            return false;
        }
        if (!items[0]) {
            return true;
        }
        return apply_opts(spec, items + 1,
                          is_unix ? "server,wait,reconnect,reconnect-ms"
                                  : "server,wait,nodelay,reconnect,reconnect-ms",
                          s, seen, errp);
    }
    if (g_str_has_prefix(rest, "mon:")) {
        g_set_error(errp, TERN_ERROR, 0, "%s: 'mon:' cannot be nested", spec);
        return false;
    }
    g_set_error(errp, TERN_ERROR, 0, "%s: unknown character backend (known: %s)", spec,
                KNOWN_SERIAL_BACKENDS);
    return false;
}

bool qemu_chr_parse_spec(const char *spec, ChardevSpec *out, GError **errp)
{
    const char *rest = spec;
    Seen seen = {0};

    memset(out, 0, sizeof(*out));
    if (!spec || !*spec) {
        g_set_error(errp, TERN_ERROR, 0, "empty character backend (known: %s)",
                    KNOWN_SERIAL_BACKENDS);
        return false;
    }
    if (g_str_has_prefix(rest, "mon:")) {
        out->mux = true;
        rest += 4;
        out->signal = false;
        seen.signal = true;
    }
    if (!parse_serial_backend(spec, rest, out, &seen, errp) ||
        !finish_spec(spec, out, &seen, errp)) {
        qemu_chr_spec_free(out);
        return false;
    }
    return true;
}

static const char *chardev_allowed(const char *backend)
{
    if (!strcmp(backend, "stdio")) {
        return "id,mux,signal";
    } else if (!strcmp(backend, "null") || !strcmp(backend, "pty")) {
        return "id,mux";
    } else if (!strcmp(backend, "file")) {
        return "id,mux,path,append";
    } else if (!strcmp(backend, "pipe")) {
        return "id,mux,path";
    } else if (!strcmp(backend, "socket")) {
        return "id,mux,path,host,port,server,wait,nodelay,reconnect,reconnect-ms";
    }
    return NULL;
}

/* socket becomes unix (path=) or tcp (port=). */
static bool resolve_socket(const char *what, ChardevSpec *s, const Seen *seen, GError **errp)
{
    if (s->path && (s->host || seen->port)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: give either path= (unix) or host=/port= (tcp)", what);
        return false;
    }
    if (s->path) {
        g_free(s->backend);
        s->backend = g_strdup("unix");
    } else if (seen->port) {
        g_free(s->backend);
        s->backend = g_strdup("tcp");
    } else {
        g_set_error(errp, TERN_ERROR, 0, "%s: socket needs path= (unix) or port= (tcp)", what);
        return false;
    }
    return true;
}

bool qemu_chr_parse_opts(const char *opts, ChardevSpec *out, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(opts ? opts : "", ",", -1);
    g_autofree char *what = g_strdup_printf("-chardev %s", opts ? opts : "");
    const char *allowed;
    Seen seen = {0};

    memset(out, 0, sizeof(*out));
    allowed = items[0] ? chardev_allowed(items[0]) : NULL;
    if (!allowed) {
        g_set_error(errp, TERN_ERROR, 0, "%s: unknown backend '%s' (known: %s)", what,
                    items[0] ? items[0] : "", KNOWN_CHARDEV_BACKENDS);
        return false;
    }
    out->backend = g_strdup(items[0]);
    if (!apply_opts(what, items + 1, allowed, out, &seen, errp)) {
        goto fail;
    }
    if (!out->id || !*out->id) {
        g_set_error(errp, TERN_ERROR, 0, "%s: missing id=", what);
        goto fail;
    }
    if (!strcmp(out->backend, "socket") && !resolve_socket(what, out, &seen, errp)) {
        goto fail;
    }
    if (!finish_spec(what, out, &seen, errp)) {
        goto fail;
    }
    return true;
fail:
    qemu_chr_spec_free(out);
    return false;
}
