/*
 * admin-lines.c — newline-separated lists for SQL parameters and results
 * (see admin-lines.h).
 */
#include "admin-lines.h"

#include "strbuf.h"
#include "xalloc.h"

#include <string.h>

char *admin_lines_join(const char *const *items, size_t count)
{
	struct strbuf joined = STRBUF_INIT;

	if (items == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			strbuf_append_c(&joined, '\n');
		strbuf_append(&joined, items[i]);
	}
	return strbuf_steal(&joined);
}

const char **admin_lines_split(char *text, size_t *count_r)
{
	size_t count = 0, alloc = 4;
	const char **items = xmalloc(alloc * sizeof(*items));

	for (char *line = text; line != NULL && *line != '\0';) {
		char *next = strchr(line, '\n');

		if (next != NULL)
			*next++ = '\0';
		if (count == alloc)
			items = xrealloc(items, (alloc *= 2) * sizeof(*items));
		items[count++] = line;
		line = next;
	}
	*count_r = count;
	return items;
}
