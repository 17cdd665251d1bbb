/*
 * char-internal.h: what the character backends share with the core (util/chardev/char.c).
 *
 * A backend is a struct embedding Chardev first, described by a const ChardevClass.
 * The core owns the generic fd plumbing: an input fd watched only while the front
 * end can read, and an output fd with a bounded buffer for non-blocking peers.
 */
#ifndef CHARDEV_CHAR_INTERNAL_H
#define CHARDEV_CHAR_INTERNAL_H

#include "qemu/osdep.h"
#include "chardev/char.h"
#include "qemu/main-loop.h"

typedef struct ChardevClass {
    const char *name;
    size_t instance_size;
    /* Sets up the backend from spec; false with *errp (close is then called). */
    bool (*open)(Chardev *chr, const ChardevSpec *spec, GError **errp);
    /* Frees what open made (fds the core knows of are closed by the core). */
    void (*close)(Chardev *chr);
    /* Optional: replaces the generic fd write (mux). */
    int (*write)(Chardev *chr, const uint8_t *buf, int len, bool all);
    /* Optional: the input fd hit end of file or an error. Default: stop reading. */
    void (*input_eof)(Chardev *chr);
    /* Optional: the output fd failed (peer gone). Default: drop output. */
    void (*output_error)(Chardev *chr);
    /* Optional, for a mux: front end bookkeeping. */
    bool (*fe_attach)(Chardev *chr, CharBackend *be, GError **errp);
    void (*fe_detach)(Chardev *chr, CharBackend *be);
    /* handlers were set (handlers true) or the front end called accept_input */
    void (*fe_update)(Chardev *chr, CharBackend *be, bool handlers);
    /* Optional: the 'info chardev' filename. */
    char *(*describe)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    char *label;
    CharBackend *be;    /* the single front end (a mux keeps its own list) */
    bool be_open;       /* connected: writes reach a peer */
    int in_fd;          /* -1: no input */
    int out_fd;         /* -1: output dropped */
    bool in_watched;    /* a read handler is installed on in_fd */
    bool in_eof;        /* in_fd ended; never read again */
    bool out_watched;   /* a write handler is installed on out_fd */
    bool out_socket;    /* out_fd is a socket: send() without SIGPIPE */
    bool out_nonblock;  /* out_fd is non-blocking: buffer, then drop */
    bool own_fds;       /* close in_fd/out_fd on delete */
    GByteArray *outbuf; /* bytes waiting for out_fd to become writable */
    bool out_dropping;  /* the buffer overflowed since it last drained (logged once) */
    bool out_failed;    /* a write found the peer gone; the kick BH tells the backend */
    QEMUBH *kick_bh;    /* watch changes asked for outside the main loop (vCPU writes) */
    GMutex write_lock;  /* writes can come from vCPU threads as well as the monitor */
};

extern const ChardevClass char_null_class;
extern const ChardevClass char_file_class;
extern const ChardevClass char_pipe_class;
extern const ChardevClass char_stdio_class;
extern const ChardevClass char_socket_class;
extern const ChardevClass char_mux_class;
extern const ChardevClass char_pty_class;

/* The front end's can_read, 0 without a front end or handlers. */
int qemu_chr_be_can_write(Chardev *chr);
/* Passes input to the front end (under the BQL, in the main loop). */
void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, int len);
/* Sends an event to the front end; OPENED/CLOSED also update be_open. */
void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event);
/* Re-evaluates which fd handlers the chardev needs (after any state change). */
void qemu_chr_update_watches(Chardev *chr);
/* Drops the input/output fds (closing them if owned) and any buffered output. */
void qemu_chr_detach_fds(Chardev *chr);
/* Writes through a chardev's generic or class path (used by the mux on its backend). */
int qemu_chr_write(Chardev *chr, const uint8_t *buf, int len, bool all);
/* Sets O_NONBLOCK on fd. */
void qemu_chr_set_nonblock(int fd);
/* Validates a label and registers a new chardev of cls. */
Chardev *qemu_chr_alloc(const ChardevClass *cls, const char *label, GError **errp);
/* Creates the inner backend of a mux (not registered under a label). */
Chardev *qemu_chr_new_internal(const char *label, const ChardevSpec *spec, bool registered,
                               GError **errp);
/* The backend a mux wraps (NULL if chr is not a mux). */
Chardev *qemu_chr_mux_base(Chardev *chr);
/* Opens the stdio backend on in_fd/out_fd. */
bool qemu_chr_stdio_open_fds(Chardev *chr, int in_fd, int out_fd, bool signal, GError **errp);

#endif
