/*
 * qtest.h: the qtest accelerator (accel/qtest/). No vCPU runs; a test program
 * drives the machine's devices over a line protocol (QEMU's qtest protocol:
 * port and memory accesses, the virtual clock, interrupt interception). See
 * docs/qtest.md.
 */
#ifndef SYSEMU_QTEST_H
#define SYSEMU_QTEST_H

#include "qemu/osdep.h"

/* Largest LEN that read/write/memset/b64read/b64write accept (a bound on the reply size). */
#define QTEST_MAX_RW_LEN (16 * MiB)

/* -qtest SPEC: "unix:PATH" (tern connects), "tcp:HOST:PORT", "stdio"; NULL if not given. */
extern const char *qtest_chrdev;
/* -qtest-log FILE: every command and reply with a timestamp ("/dev/fd/2": stderr). */
extern const char *qtest_log;

/* True once the qtest accelerator has set up the machine. */
bool qtest_enabled(void);

#endif
