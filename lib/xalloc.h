/*
 * xalloc.h — allocation that never returns NULL.
 *
 * Running out of memory is not something a mail node can serve its way out
 * of: like Postfix's mymalloc(), these log one line and abort, so callers
 * never carry NULL checks for allocations.
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *str);
char *xstrndup(const char *str, size_t len);
/* printf into a fresh string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
