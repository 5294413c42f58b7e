/*
 * admin-lines.h — lists of names or addresses passed to and from SQL as
 * newline-separated text: string_to_array($n, E'\n') takes a list as one
 * parameter, string_agg(x, E'\n') returns one. Domain names and
 * addresses are validated to hold no control characters, so the
 * separator cannot occur inside an item.
 */
#ifndef ADMIN_LINES_H
#define ADMIN_LINES_H

#include <stddef.h>

/* The items joined by '\n' (malloc'd; "" for none), or NULL when items
   is NULL. */
char *admin_lines_join(const char *const *items, size_t count);
/* Split text in place at '\n'; returns the malloc'd array of pointers
   into text (free() it, not the items). "" is no items. */
const char **admin_lines_split(char *text, size_t *count_r);

#endif
