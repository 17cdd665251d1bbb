/*
 * char.h: character backends (-serial, -monitor, -chardev) and their front ends.
 *
 * A Chardev is the host side (stdio, file:, pipe:, unix:, tcp:, null, mon:stdio
 * muxing); a CharBackend is what a device (UART) or the monitor holds. Input is
 * delivered from the main loop, under the BQL, only as fast as the front end's
 * can_read allows. Syntax follows QEMU's -serial/-chardev.
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

/*
 * Creates a backend from a QEMU-style spec: "stdio", "null", "file:PATH",
 * "pipe:PATH" (PATH.in/PATH.out or PATH), "unix:PATH[,server=on][,wait=off]",
 * "tcp:HOST:PORT[,server=on][,wait=off]" (also the older ",server,nowait"),
 * "mon:stdio". NULL with *errp naming the problem.
 */
Chardev *qemu_chr_new(const char *label, const char *spec, GError **errp);
/* Looks up a backend by label. */
Chardev *qemu_chr_find(const char *label);
void qemu_chr_delete(Chardev *chr);
const char *qemu_chr_label(Chardev *chr);

/* Attaches a front end; a mux accepts several, others one. */
bool qemu_chr_fe_init(CharBackend *be, Chardev *chr, GError **errp);
void qemu_chr_fe_deinit(CharBackend *be);
void qemu_chr_fe_set_handlers(CharBackend *be, IOCanReadHandler *can_read, IOReadHandler *read,
                              IOEventHandler *event, void *opaque);
/* Writes without blocking the VM for long; returns bytes accepted (<0 on error). */
int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len);
/* Writes everything (blocking if it must); returns len or <0. */
int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len);
/* The front end can take input again (its can_read went from 0 to >0). */
void qemu_chr_fe_accept_input(CharBackend *be);
bool qemu_chr_fe_backend_connected(CharBackend *be);

/* Restores every terminal tern put in raw mode; safe from signal and atexit paths. */
void qemu_chr_restore_terminals(void);

#endif
