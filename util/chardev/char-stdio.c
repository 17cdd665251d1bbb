/*
 * char-stdio.c: the stdio backend and the terminal rules (termios(3), POSIX "General
 * Terminal Interface"; signal-safety(7) for what the handlers may call).
 *
 * The terminal is raw only while tern owns it and it is a tty in the foreground:
 * no echo, no line editing, no CR/LF input mapping, output post-processing kept (so
 * "\n" from tern's own messages still returns the carriage); ISIG kept unless
 * signal=off (then Ctrl-C goes to the guest). The saved state is put back at exit
 * (atexit), on SIGINT/SIGTERM/SIGHUP/SIGQUIT and on crashes (SIGABRT/SEGV/BUS/FPE/ILL:
 * restore, then the default action again), around SIGTSTP (restore, stop; SIGCONT makes it raw
 * again if still in the foreground), and by qemu_chr_restore_terminals(). Signal handlers are
 * installed only where the disposition is still the default, so a handler set by main() wins. End
 * of input never ends the VM: the backend stops reading and keeps writing. stdin and stdout are
 * never made non-blocking: the shell shares those descriptions.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "char-internal.h"
#include <pthread.h>
#include <signal.h>
#include <termios.h>

#define MAX_TERMS 4

typedef struct TermSlot {
    volatile sig_atomic_t active; /* set last, so a handler never sees a half-filled slot */
    int fd;
    struct termios saved;
    struct termios raw;
} TermSlot;

static TermSlot terms[MAX_TERMS];
/* Set once tern gave the terminal back for good (exit, Ctrl-A x): SIGCONT leaves it. */
static volatile sig_atomic_t terms_released;

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};

typedef struct StdioChardev {
    Chardev parent;
    int term_fd;   /* the tty we made raw, -1 if none */
    bool is_stdio; /* the process's own stdin/stdout (only one such backend) */
} StdioChardev;

static bool stdio_in_use;

/* tcsetattr that also works from the background: SIGTTOU blocked, it does not stop us. */
static void term_set(int fd, const struct termios *t)
{
    sigset_t ttou, old;

    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &old);
    tcsetattr(fd, TCSANOW, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void terms_apply(bool raw)
{
    for (int i = 0; i < MAX_TERMS; i++) {
        if (terms[i].active) {
            term_set(terms[i].fd, raw ? &terms[i].raw : &terms[i].saved);
        }
    }
}

void qemu_chr_restore_terminals(void)
{
    terms_released = 1;
    terms_apply(false);
}

static void fatal_signal_handler(int sig)
{
    int saved_errno = errno;

    terms_apply(false);
    signal(sig, SIG_DFL);
    errno = saved_errno;
    raise(sig); /* delivered with the default action once this handler returns */
}

static void tstp_handler(int sig)
{
    int saved_errno = errno;

    terms_apply(false);
    raise(SIGSTOP); /* SIGCONT resumes here, after cont_handler re-raws */
    errno = saved_errno;
}

/* A terminal whose foreground group is not ours (not one we are not attached to). */
static bool term_in_background(int fd)
{
    pid_t fg = tcgetpgrp(fd);

    return fg >= 0 && fg != getpgrp();
}

static void cont_handler(int sig)
{
    int saved_errno = errno;

    for (int i = 0; i < MAX_TERMS && !terms_released; i++) {
        /* In the background tcsetattr would stop us with SIGTTOU: wait for fg. */
        if (terms[i].active && !term_in_background(terms[i].fd)) {
            term_set(terms[i].fd, &terms[i].raw);
        }
    }
    errno = saved_errno;
}

static void install_if_default(int sig, void (*fn)(int))
{
    struct sigaction old, sa;

    if (sigaction(sig, NULL, &old) || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) {
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, NULL);
}

static void install_terminal_hooks(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    atexit(qemu_chr_restore_terminals);
    for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++) {
        install_if_default(fatal_signals[i], fatal_signal_handler);
    }
    install_if_default(SIGTSTP, tstp_handler);
    install_if_default(SIGCONT, cont_handler);
}

static void make_raw(struct termios *t, bool isig)
{
    t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag |= OPOST;
    t->c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!isig) {
        t->c_lflag &= ~ISIG;
    }
    t->c_cflag &= ~(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

bool qemu_chr_term_set_raw(int fd, bool isig, GError **errp)
{
    struct termios saved;
    int slot = -1;

    if (!isatty(fd) || tcgetattr(fd, &saved)) {
        g_set_error(errp, TERN_ERROR, 0, "fd %d is not a terminal", fd);
        return false;
    }
    for (int i = 0; i < MAX_TERMS; i++) {
        if (terms[i].active && terms[i].fd == fd) {
            g_set_error(errp, TERN_ERROR, 0, "terminal fd %d is already raw", fd);
            return false;
        }
        if (!terms[i].active && slot < 0) {
            slot = i;
        }
    }
    if (slot < 0) {
        g_set_error(errp, TERN_ERROR, 0, "too many terminals (%d)", MAX_TERMS);
        return false;
    }
    install_terminal_hooks();
    terms[slot].fd = fd;
    terms[slot].saved = saved;
    terms[slot].raw = saved;
    make_raw(&terms[slot].raw, isig);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    terms[slot].active = 1;
    terms_released = 0;
    /* Started in the background: stay cooked; SIGCONT in the foreground makes it raw. */
    if (!term_in_background(fd)) {
        term_set(fd, &terms[slot].raw);
    }
    return true;
}

void qemu_chr_term_restore(int fd)
{
    for (int i = 0; i < MAX_TERMS; i++) {
        if (terms[i].active && terms[i].fd == fd) {
            terms[i].active = 0;
            __atomic_signal_fence(__ATOMIC_SEQ_CST);
            term_set(fd, &terms[i].saved);
        }
    }
}

bool qemu_chr_stdio_open_fds(Chardev *chr, int in_fd, int out_fd, bool signal, GError **errp)
{
    StdioChardev *s = container_of(chr, StdioChardev, parent);

    s->term_fd = -1;
    if (isatty(in_fd)) {
        if (!qemu_chr_term_set_raw(in_fd, signal, errp)) {
            return false;
        }
        s->term_fd = in_fd;
    }
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->own_fds = false;
    chr->be_open = true;
    return true;
}

static bool stdio_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    StdioChardev *s = container_of(chr, StdioChardev, parent);

    s->term_fd = -1;
    if (stdio_in_use) {
        g_set_error(errp, TERN_ERROR, 0,
                    "chardev '%s': stdio is already used by another backend (share it with "
                    "mon:stdio)",
                    chr->label);
        return false;
    }
    if (!qemu_chr_stdio_open_fds(chr, STDIN_FILENO, STDOUT_FILENO, spec->signal, errp)) {
        return false;
    }
    s->is_stdio = true;
    stdio_in_use = true;
    return true;
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = container_of(chr, StdioChardev, parent);

    if (s->term_fd >= 0) {
        qemu_chr_term_restore(s->term_fd);
    }
    if (s->is_stdio) {
        stdio_in_use = false;
    }
}

const ChardevClass char_stdio_class = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .open = stdio_open,
    .close = stdio_close,
};
