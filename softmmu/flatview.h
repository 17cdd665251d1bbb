/*
 * flatview.h: rendering a region tree into a FlatView (softmmu/flatview.c),
 * private to softmmu/memory*.c.
 */
#ifndef SOFTMMU_FLATVIEW_H
#define SOFTMMU_FLATVIEW_H

#include "memory-internal.h"

/* Addresses while rendering: 2^64 and negative alias bases must fit. */
typedef __int128 i128;

/* Renders as->root into a new view with one reference. */
FlatView *flatview_render(AddressSpace *as);
/* Takes a reference unless the view is already on its way out. */
bool flatview_tryref(FlatView *fv);

#endif
