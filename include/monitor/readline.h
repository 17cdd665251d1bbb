/*
 * readline.h: the monitor's line editor, on a byte stream (a chardev).
 *
 * The keys of a VT100/xterm terminal as QEMU's monitor understands them:
 * printable characters insert at the cursor; Backspace/Delete, Left/Right,
 * Home/End (ESC [ H/F, ESC O H/F, ESC [ 1~/4~, Ctrl-B/F/E), Ctrl-K/U kill to the
 * end/start, Up/Down (and Ctrl-P/N) browse the history, Enter (CR, LF or CR LF)
 * hands the line over. Ctrl-A is left alone: the mux owns it. The line is
 * redrawn after each edit (CR, prompt, text, clear to end, cursor back), which
 * needs only the ANSI sequences every terminal has. A library such as
 * libedit wants a real terminal, not a socket, so this is tern's own.
 */
#ifndef MONITOR_READLINE_H
#define MONITOR_READLINE_H

#include "qemu/osdep.h"

#define READLINE_CMD_BUF_SIZE 1024 /* longest line, as typed */
#define READLINE_MAX_HISTORY  64   /* lines kept; the oldest goes first */

/* Receives each entered line (without the line end). */
typedef void ReadLineFunc(void *opaque, const char *line);
/* Writes terminal output (echo, redraws). */
typedef void ReadLinePrintFunc(void *opaque, const char *s);

typedef enum {
    RL_NORM, /* plain input */
    RL_ESC,  /* after ESC */
    RL_CSI,  /* after ESC [ : collecting a number */
    RL_SS3,  /* after ESC O */
} ReadLineEscState;

typedef struct ReadLineState {
    char buf[READLINE_CMD_BUF_SIZE];
    size_t len, pos;                     /* text length, cursor */
    char *history[READLINE_MAX_HISTORY]; /* oldest first */
    int hist_count;
    int hist_pos;     /* entry being shown; hist_count: the new line */
    char *hist_saved; /* the new line while browsing */
    ReadLineEscState esc_state;
    int esc_param;
    bool last_was_cr; /* a CR LF pair ends one line, not two */
    const char *prompt;
    ReadLinePrintFunc *print;
    ReadLineFunc *handler;
    void *opaque;
} ReadLineState;

void readline_init(ReadLineState *rs, const char *prompt, ReadLinePrintFunc *print,
                   ReadLineFunc *handler, void *opaque);
void readline_destroy(ReadLineState *rs);
/* Processes one input byte; may call the handler. */
void readline_handle_byte(ReadLineState *rs, uint8_t ch);
/* Prints the prompt and the current text (a new line starts, or the focus came back). */
void readline_show_prompt(ReadLineState *rs);
/* History entry i (0 the oldest), NULL past the end. */
const char *readline_get_history(const ReadLineState *rs, int i);

#endif
