/*
 * query.h: the state the monitor's control and info commands show, as plain
 * structs, filled apart from any text (QMP's query-status and query-cpus-fast
 * will return the same).
 */
#ifndef MONITOR_QUERY_H
#define MONITOR_QUERY_H

#include "qemu/osdep.h"

typedef struct StatusInfo {
    bool running;
    const char *status; /* "running", "paused", "shutdown" */
} StatusInfo;
void query_status(StatusInfo *info);

typedef struct CpuInfo {
    int index;
    uint32_t apic_id;
    uint64_t pc; /* CS base + RIP, after synchronizing */
    int bits;    /* 16, 32, 64 */
    bool halted;
    bool current; /* the monitor's current vCPU */
} CpuInfo;
/* One CpuInfo per vCPU (synchronizing each); free with g_array_unref. current marks cpu_index. */
GArray *query_cpus(int current_index);

#endif
