/*
 * xalloc.c — malloc wrappers that abort on exhaustion (see xalloc.h).
 */
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noreturn)) xalloc_fail(size_t size)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);

	if (p == NULL)
		xalloc_fail(count * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

char *xstrdup(const char *str)
{
	return xstrndup(str, strlen(str));
}

char *xstrndup(const char *str, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, str, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		xalloc_fail(strlen(fmt));
	va_end(ap);
	return p;
}
