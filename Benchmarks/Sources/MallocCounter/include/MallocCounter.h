#ifndef FCRDNS_MALLOC_COUNTER_H
#define FCRDNS_MALLOC_COUNTER_H

/// Number of allocation calls (malloc, calloc, realloc, aligned allocations)
/// made by the whole process since it started.
long fcrdns_malloc_count(void);

/// Switches counting off (0) or on again (1, the default): timed phases run
/// without the counter's locked increment.
void fcrdns_malloc_counting(int on);

#endif
