/*
 * char.h: character backends (-serial, -monitor, -chardev) and their front ends.
 *
 * A Chardev is the host side (stdio, file:, pipe:, unix:, tcp:, null, mon:stdio
 * muxing); a CharBackend is what a device (UART) or the monitor holds. Input is
 * delivered from the main loop, under the BQL, only as fast as the front end's
 * can_read allows. Syntax follows QEMU's -serial/-chardev. See docs/chardev.md.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "qemu/osdep.h"

typedef struct Chardev Chardev;

typedef enum {
    CHR_EVENT_OPENED,  /* a peer connected (socket) or the backend is ready */
    CHR_EVENT_CLOSED,  /* the peer went away */
    CHR_EVENT_BREAK,   /* serial break (Ctrl-A b under mux) */
    CHR_EVENT_MUX_IN,  /* this front end now owns the mux */
    CHR_EVENT_MUX_OUT, /* another front end owns the mux */
} QEMUChrEvent;

typedef int IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void IOEventHandler(void *opaque, QEMUChrEvent event);

typedef struct CharBackend {
    Chardev *chr;
    IOCanReadHandler *chr_can_read;
    IOReadHandler *chr_read;
    IOEventHandler *chr_event;
    void *opaque;
    int tag; /* index under a mux */
} CharBackend;

/* Front ends one mux can carry (QEMU's MAX_MUX). */
#define MAX_MUX 4
/* The mux escape key: Ctrl-A. */
#define MUX_ESCAPE_CHAR 0x01
/* Bytes a socket or FIFO backend buffers while its peer does not read; more is dropped. */
#define CHR_OUT_BUF_MAX (64 * 1024)

/* A parsed backend spec; strings are owned (free with qemu_chr_spec_free). */
typedef struct ChardevSpec {
    char *id;             /* -chardev id=, NULL for -serial specs */
    char *backend;        /* "stdio", "null", "file", "pipe", "unix", "tcp" */
    char *path;           /* file, pipe, unix */
    char *host;           /* tcp; "" means any address (server) or localhost (client) */
    int port;             /* tcp, 0..65535 */
    bool server;          /* unix, tcp: listen instead of connect */
    bool wait;            /* server: block at creation until a client connects */
    bool nodelay;         /* tcp: TCP_NODELAY */
    bool append;          /* file: append instead of truncate */
    bool signal;          /* stdio: Ctrl-C etc. raise signals (off under a mux by default) */
    bool mux;             /* "mon:" prefix or mux=on: several front ends share it */
    int64_t reconnect_ms; /* client: retry a failed or lost connection after this, 0 never */
} ChardevSpec;

/*
 * Parses a -serial style spec: "stdio", "null", "file:PATH", "pipe:PATH",
 * "unix:PATH[,server=on|off][,wait=on|off]", "tcp:[HOST]:PORT[,server=on][,wait=off]
 * [,nodelay=on]" (also the older bare "server", "nowait", "nodelay"), for a client
 * "reconnect=SECONDS" or "reconnect-ms=MS", and "mon:" before any of them. False with
 * *errp naming the problem.
 */
bool qemu_chr_parse_spec(const char *spec, ChardevSpec *out, GError **errp);
/*
 * Parses a -chardev style option string: "BACKEND,id=ID[,path=P][,host=H][,port=N]
 * [,server=on][,wait=off][,reconnect=S][,mux=on][,signal=off][,append=on]"; "socket"
 * is unix when path= is given, tcp when port= is.
 */
bool qemu_chr_parse_opts(const char *opts, ChardevSpec *out, GError **errp);
void qemu_chr_spec_free(ChardevSpec *spec);

/*
 * Creates a backend from a QEMU-style spec: "stdio", "null", "file:PATH",
 * "pipe:PATH" (PATH.in/PATH.out or PATH), "unix:PATH[,server=on][,wait=off]",
 * "tcp:HOST:PORT[,server=on][,wait=off]" (also the older ",server,nowait"),
 * "mon:SPEC" (a mux over SPEC); see qemu_chr_parse_spec. NULL with *errp naming the
 * problem. Labels are unique.
 */
Chardev *qemu_chr_new(const char *label, const char *spec, GError **errp);
/* Creates a backend from a -chardev option string (its id= is the label). */
Chardev *qemu_chr_new_from_opts(const char *opts, GError **errp);
/* Creates a backend from a parsed spec. */
Chardev *qemu_chr_new_from_spec(const char *label, const ChardevSpec *spec, GError **errp);
/*
 * A stdio-style backend on the given fds (the terminal rules apply if in_fd is a
 * tty); the fds stay the caller's. For tests and embedders.
 */
Chardev *qemu_chr_new_stdio_fds(const char *label, int in_fd, int out_fd, bool signal,
                                GError **errp);
/* Looks up a backend by label. */
Chardev *qemu_chr_find(const char *label);
/* Closes a backend (a mux also closes what it wraps). Front ends still attached are
 * detached: their handlers are dropped and a later qemu_chr_fe_deinit does nothing. */
void qemu_chr_delete(Chardev *chr);
/* Deletes every backend (at exit), restoring terminals. */
void qemu_chr_cleanup(void);
const char *qemu_chr_label(Chardev *chr);
/* A description like QEMU's 'info chardev' filename ("tcp:127.0.0.1:4444,server=on"); free it. */
char *qemu_chr_describe(Chardev *chr);
/* The text of 'info chardev': "LABEL: filename=DESCRIPTION" per backend; free it. */
char *qemu_chr_info(void);
/* Calls fn for each backend, in creation order. */
void qemu_chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque);
bool qemu_chr_is_mux(Chardev *chr);
/* The local TCP port a tcp: backend is bound to (useful with port 0); -1 otherwise. */
int qemu_chr_socket_port(Chardev *chr);

/* Attaches a front end; a mux accepts several (MAX_MUX), others one. */
bool qemu_chr_fe_init(CharBackend *be, Chardev *chr, GError **errp);
/* Detaches the front end (a mux hands the focus on); safe on one never attached. */
void qemu_chr_fe_deinit(CharBackend *be);
/*
 * Sets the input and event handlers (NULLs stop input). An event handler hears
 * CHR_EVENT_OPENED at once if the backend is open, and CHR_EVENT_MUX_IN if it has the
 * focus of a mux.
 */
void qemu_chr_fe_set_handlers(CharBackend *be, IOCanReadHandler *can_read, IOReadHandler *read,
                              IOEventHandler *event, void *opaque);
/*
 * Writes without blocking the VM for long: a socket or FIFO peer that does not read gets
 * CHR_OUT_BUF_MAX bytes buffered, and output with no peer connected is dropped; dropped
 * bytes count as written. Returns len, or <0 on an error (a file that cannot be written).
 * Call with the BQL held (vCPU threads too).
 */
int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len);
/* Writes everything, waiting for a slow socket peer while it makes progress (about a second
 * at most without any); returns len or <0. For the monitor. */
int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len);
/* The front end can take input again (its can_read went from 0 to >0). */
void qemu_chr_fe_accept_input(CharBackend *be);
/* True if a backend is attached (QEMU's meaning), whether or not a socket has a peer. */
bool qemu_chr_fe_backend_connected(CharBackend *be);
/* Under a mux, gives this front end the input focus (as Ctrl-A c would). */
void qemu_chr_fe_take_focus(CharBackend *be);

/* Restores every terminal tern put in raw mode; safe from signal and atexit paths. */
void qemu_chr_restore_terminals(void);
/*
 * Puts the terminal on fd in raw mode (keeping ISIG if isig), remembering its state for
 * qemu_chr_restore_terminals(), and installs the exit and signal hooks once. False with
 * *errp if fd is not a terminal.
 */
bool qemu_chr_term_set_raw(int fd, bool isig, GError **errp);
/* Restores the terminal on fd and forgets it. */
void qemu_chr_term_restore(int fd);

#endif
