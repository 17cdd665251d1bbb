/*
 * memory.h: the memory-region tree, address spaces, flat views and listeners.
 *
 * The one place tern expresses GPA -> HVA. Device models build MemoryRegions
 * (RAM, ROM, MMIO, containers, aliases) and place them in a tree; each
 * AddressSpace renders its tree into an immutable FlatView on commit, and
 * everything else (KVM memslots, the interpreter's TLB, device DMA) reads
 * flat views. Names and signatures follow QEMU's, without QOM owners.
 * See docs/memory.md.
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "qemu/osdep.h"

typedef uint64_t hwaddr;
#define HWADDR_MAX  UINT64_MAX
#define HWADDR_PRIx PRIx64

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ULL << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

typedef struct MemTxAttrs {
    unsigned unspecified : 1;
    unsigned secure : 1;
    unsigned user : 1;
    unsigned requester_id : 16;
} MemTxAttrs;
#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs){.unspecified = 1})

typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,
    MEMTX_DECODE_ERROR = 2,
} MemTxResult;

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct RAMBlock RAMBlock;
typedef struct MemoryListener MemoryListener;

/*
 * MMIO callbacks. .valid is what the guest may do (an access outside it is
 * rejected: reads return all ones, writes are dropped, -d guest_errors logs it);
 * .impl is what the callbacks handle (the core splits wider accesses and widens
 * narrower ones). Zero sizes mean 1..4. Data is little-endian.
 */
typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    struct {
        unsigned min_access_size, max_access_size;
        bool unaligned;
    } valid, impl;
} MemoryRegionOps;

/* Dirty-memory clients: each has its own bitmap per RAM block. */
enum {
    DIRTY_MEMORY_VGA = 0,       /* display: which lines to redraw */
    DIRTY_MEMORY_CODE = 1,      /* interpreter: pages holding decoded code */
    DIRTY_MEMORY_MIGRATION = 2, /* migration / snapshots */
    DIRTY_MEMORY_NUM = 3,
};

/* Plain struct; fields are private to softmmu/ except where noted. */
struct MemoryRegion {
    char *name;
    uint64_t size;
    hwaddr addr;             /* offset in the container */
    MemoryRegion *container; /* NULL while not placed */
    int priority;
    bool enabled;
    bool ram;        /* backed by host memory (RAM or ROM) */
    bool readonly;   /* ROM or read-only RAM: guest writes are dropped */
    bool terminates; /* RAM/ROM/MMIO: not a pure container */
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *alias;
    hwaddr alias_offset;
    RAMBlock *ram_block;
    GPtrArray *subregions;  /* MemoryRegion *, sorted: highest priority first, latest first */
    unsigned add_seq;       /* order of insertion, for equal priorities */
    uint8_t dirty_log_mask; /* clients logging this region */
    unsigned alias_users;   /* aliases of this region not yet destroyed */
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;        /* swapped atomically; read under rcu_read_lock() */
    GPtrArray *listeners;         /* MemoryListener *, by priority */
    uint64_t unassigned_accesses; /* reads/writes that hit nothing */
};

typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    AddressSpace *as;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;
    bool readonly;
} MemoryRegionSection;

/*
 * Listeners are told what changed in an address space's flat view: begin,
 * then region_del for sections that went, region_add for sections that came,
 * log_start/log_stop where only dirty logging changed; then the new view is
 * published and commit is called. Once per outermost transaction that changed
 * the view; unchanged sections are not reported again. Registration replays
 * the current sections as region_add; unregistration reports them as
 * region_del. Called in ascending priority (region_del, log_stop: descending).
 */
struct MemoryListener {
    void (*begin)(MemoryListener *);
    void (*commit)(MemoryListener *);
    void (*region_add)(MemoryListener *, MemoryRegionSection *);
    void (*region_del)(MemoryListener *, MemoryRegionSection *);
    /* Dirty logging of a section started/stopped for some client. */
    void (*log_start)(MemoryListener *, MemoryRegionSection *, int old_mask, int new_mask);
    void (*log_stop)(MemoryListener *, MemoryRegionSection *, int old_mask, int new_mask);
    /* Pull dirty bits from elsewhere (KVM_GET_DIRTY_LOG) into the core's bitmaps. */
    void (*log_sync)(MemoryListener *, MemoryRegionSection *);
    int priority;
    const char *name;
    /* private */
    AddressSpace *address_space;
};

/* --- regions ------------------------------------------------------------ */
/* A pure container (transparent where it has no subregion); UINT64_MAX means 2^64. */
void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
/* Guest RAM: zeroed host memory from mmap; aborts on size 0 or when the host has none. */
void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
/* Like memory_region_init_ram(), but false with *errp when the host cannot give the memory. */
bool memory_region_try_init_ram(MemoryRegion *mr, const char *name, uint64_t size, GError **errp);
/* RAM whose guest writes are dropped; fill it with address_space_write_rom() or the pointer. */
void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
/* MMIO or port I/O: accesses call ops with opaque and the offset in the region. */
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
/* A window [offset, offset+size) of orig (any kind, aliases too); aborts if it passes orig's end.
 */
void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *orig, hwaddr offset,
                              uint64_t size);
/*
 * Releases what init allocated (name, RAM); the region must not be in a
 * container, the root of an address space, or the target of an alias not yet
 * destroyed (it aborts otherwise); its subregions are detached. The RAM and
 * the name go after the commit and an RCU grace period, since flat views may
 * still show the region; ops and opaque stay for such late readers. Free the
 * struct and the device state the same way (memory_call_rcu_after_commit()),
 * see docs/memory.md.
 */
void memory_region_destroy(MemoryRegion *mr);

/* Places sub at offset in mr with priority 0; aborts if it does not fit or is placed already. */
void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub);
/* The same with a priority: higher hides lower; at equal priority the later-added wins. */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *sub);
/* A disabled region (and all below it) vanishes from the flat views. */
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* Moves mr in its container; counts as adding it again (it wins ties afterwards). */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
/* Guest writes to RAM under mr are dropped while set. */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
/* The host address of a RAM/ROM region's offset 0 (through aliases); aborts for MMIO. */
void *memory_region_get_ram_ptr(MemoryRegion *mr);
uint64_t memory_region_size(MemoryRegion *mr);
const char *memory_region_name(const MemoryRegion *mr);
bool memory_region_is_ram(MemoryRegion *mr);
bool memory_region_is_rom(MemoryRegion *mr);

/* Changes between begin and the outermost commit render once, at the commit. Nestable. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

struct rcu_head;
/*
 * Like call_rcu(), but inside a transaction the grace period starts only after
 * the outermost commit, when no flat view shows what was removed any more. Use
 * it to free a removed region's struct and the device state its ops use.
 */
void memory_call_rcu_after_commit(struct rcu_head *head, void (*func)(struct rcu_head *head));

/* Direct MMIO dispatch (KVM exits, TLB slow path): splits/widens per ops. */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *pval,
                                        unsigned size, MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t val, unsigned size,
                                         MemTxAttrs attrs);

/* --- dirty tracking ------------------------------------------------------ */
/* Starts/stops logging writes to a RAM region for one client. */
void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client);
/* True if any page of [addr, addr+size) in the region is dirty for client. */
bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size, unsigned client);
/* Marks [addr, addr+size) dirty for every client. */
void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size);
void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size, unsigned client);
/* Asks listeners to pull dirty bits (log_sync) for every section of mr (NULL: of all). */
void memory_region_sync_dirty_bitmap(MemoryRegion *mr);

/* --- address spaces ------------------------------------------------------ */
/* An address space showing root (at address 0); its first view is rendered at once. */
void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
/* Unregisters its listeners and drops its view; the struct must outlive a grace period. */
void address_space_destroy(AddressSpace *as);

/*
 * Accesses of any length from any thread, lock-free for RAM: split at section
 * ends, MMIO through the ops, holes read all ones (counted, logged). A result
 * other than MEMTX_OK says some part hit a hole or was rejected.
 */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, void *buf,
                               hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, const void *buf,
                                hwaddr len);
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, void *buf, hwaddr len,
                             bool is_write);
/* Like write, but also stores into ROM (loaders, firmware images). */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                                    const void *buf, hwaddr len);

/*
 * DMA: a pointer straight into guest RAM when [addr, addr+*plen) starts in RAM
 * (*plen cut at the end of contiguous RAM), else a bounce buffer (filled
 * through the ops when !is_write; written back on unmap when is_write).
 * NULL (with *plen = 0) when nothing can be mapped now. A mapping keeps the RAM
 * alive until unmap, even if its region is destroyed meanwhile. Unmap writes a
 * bounce buffer back (is_write) and marks access_len bytes dirty; NULL is ignored.
 */
void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write,
                        MemTxAttrs attrs);
void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len, bool is_write,
                         hwaddr access_len);

/*
 * The section at addr: region, offset in it (*xlat) and bytes left in it (*plen, clipped).
 * NULL where nothing backs addr (*plen then clipped to the hole).
 */
MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr, hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs);

/* Little-endian loads and stores; bad addresses read all ones. */
uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res);
uint16_t address_space_lduw_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res);
void address_space_stb(AddressSpace *as, hwaddr addr, uint8_t val, MemTxAttrs attrs,
                       MemTxResult *res);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint16_t val, MemTxAttrs attrs,
                          MemTxResult *res);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val, MemTxAttrs attrs,
                          MemTxResult *res);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val, MemTxAttrs attrs,
                          MemTxResult *res);

/* --- flat views ------------------------------------------------------------ */
/* The current view with a reference taken; drop it with flatview_unref(). */
FlatView *address_space_get_flatview(AddressSpace *as);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);
/* Number of sections and the i-th one (for listeners' replay, info mtree -f). */
unsigned flatview_nr_sections(FlatView *fv);
MemoryRegionSection flatview_section(FlatView *fv, unsigned i);
/* The section containing addr; false where nothing backs it. */
bool flatview_lookup(FlatView *fv, hwaddr addr, MemoryRegionSection *section);

/* --- listeners ------------------------------------------------------------ */
void memory_listener_register(MemoryListener *l, AddressSpace *as); /* replays current sections */
void memory_listener_unregister(MemoryListener *l);

/* --- the machine's two spaces ---------------------------------------------- */
void memory_init(uint64_t system_size);   /* creates both roots; call once */
MemoryRegion *get_system_memory(void);    /* root of the system address space */
MemoryRegion *get_system_io(void);        /* root of the port I/O space */
AddressSpace *address_space_memory(void); /* the system address space, after memory_init() */
AddressSpace *address_space_io(void);     /* the 64 KiB port I/O space */

void *cpu_physical_memory_map(hwaddr addr, hwaddr *plen, bool is_write); /* on the system AS */
void cpu_physical_memory_unmap(void *buffer, hwaddr len, bool is_write, hwaddr access_len);
void cpu_physical_memory_rw(hwaddr addr, void *buf, hwaddr len, bool is_write);

/* --- text dumps (softmmu/memory-info.c) ------------------------------------ */
/* Appends the region tree of every address space (flatview: the flat views) to out. */
void mtree_info(GString *out, bool flatview);

#endif
