/*
 * memlog.h: 'info memlog', a bounded, timestamped log of every change to the
 * flat views of the watched address spaces (a region's section appeared,
 * vanished, moved or was resized) and of every KVM memslot change, recorded
 * from start, so that a remapping bug can be traced after the fact.
 *
 * A MemoryListener per address space collects one transaction's deletions and
 * additions and pairs them at commit: the same region leaving one range and
 * entering another is one "moved" (or "resized") entry. KVM tells the log of
 * each memslot it sets or deletes (kvm_memslot_set_notifier). The log keeps
 * the newest MEMLOG_MAX_ENTRIES entries and counts those it dropped.
 */
#ifndef MONITOR_MEMLOG_H
#define MONITOR_MEMLOG_H

#include "qemu/osdep.h"
#include "exec/memory.h"

#define MEMLOG_MAX_ENTRIES 1024
#define MEMLOG_NAME_MAX    64
#define MEMLOG_PATH_MAX    160

typedef enum MemLogKind {
    MEMLOG_ADDED,        /* a section appeared */
    MEMLOG_REMOVED,      /* a section vanished */
    MEMLOG_MOVED,        /* the region's section left old_start for start */
    MEMLOG_RESIZED,      /* same start, other size */
    MEMLOG_SLOT_SET,     /* KVM memslot created or its flags changed */
    MEMLOG_SLOT_DELETED, /* KVM memslot deleted */
} MemLogKind;

typedef struct MemLogEntry {
    uint64_t seq;    /* 1, 2, ... since start (gaps: dropped entries) */
    int64_t time_ns; /* since the log started */
    MemLogKind kind;
    char as_name[MEMLOG_NAME_MAX];
    char region[MEMLOG_NAME_MAX];
    char path[MEMLOG_PATH_MAX]; /* added/moved: the containers and aliases that placed it */
    hwaddr start;
    uint64_t size;
    hwaddr old_start;  /* moved/resized */
    uint64_t old_size; /* moved/resized */
    hwaddr offset_in_region;
    bool ram, readonly;
    bool log_dirty; /* memslot entries: dirty logging on */
    int slot;       /* memslot entries */
    uintptr_t hva;  /* memslot entries */
} MemLogEntry;

/* Starts logging the system memory and I/O spaces (after memory_init); idempotent. */
void memlog_init(void);
/* Also logs as (idempotent); as must outlive the log or be detached. */
void memlog_attach(AddressSpace *as);
/* Stops logging every address space and frees the log (tests). */
void memlog_reset(void);
/* Entries kept (oldest first) and entries dropped for room. */
unsigned memlog_count(void);
bool memlog_get(unsigned i, MemLogEntry *e);
uint64_t memlog_dropped(void);
/* "moved", "added", ... */
const char *memlog_kind_name(MemLogKind kind);
/* The whole log as 'info memlog' prints it. */
void memlog_info(GString *out);

#endif
