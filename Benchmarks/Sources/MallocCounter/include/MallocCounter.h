#ifndef FCRDNS_MALLOC_COUNTER_H
#define FCRDNS_MALLOC_COUNTER_H

/// Number of allocation calls (malloc, calloc, realloc, aligned allocations)
/// made by the whole process since it started.
long fcrdns_malloc_count(void);

#endif
