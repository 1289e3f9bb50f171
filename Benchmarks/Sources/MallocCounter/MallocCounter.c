// Interposes the allocation functions for the benchmark executable so that
// heap allocations can be counted without jemalloc or LD_PRELOAD. Symbols
// defined in the executable take precedence over glibc's for every library in
// the process (ELF symbol interposition); glibc's __libc_* functions do the work.
#include "MallocCounter.h"
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static _Atomic long allocations = 0;
static _Atomic int counting = 1;

// The locked increment costs a few nanoseconds per allocation; timed phases
// switch it off so the times compare with peers that count nothing.
static inline void count(void) {
    if (atomic_load_explicit(&counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

long fcrdns_malloc_count(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

void fcrdns_malloc_counting(int on) { atomic_store_explicit(&counting, on, memory_order_relaxed); }

void *malloc(size_t size) {
    count();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    count();
    return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
    count();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) { __libc_free(pointer); }

void *memalign(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}
