// glibc's malloc tuning (<malloc.h>, which the Glibc Swift module leaves out),
// for the fcrdns command only: the libraries never change process-wide
// allocator settings.
#ifndef C_MALLOC_TUNING_H
#define C_MALLOC_TUNING_H

/// Sets glibc's M_ARENA_MAX to `count` with mallopt(3). Returns 1 on success,
/// 0 on failure or where the C library is not glibc.
int fcrdns_set_malloc_arena_max(int count);

#endif
