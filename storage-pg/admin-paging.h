/*
 * admin-paging.h — the window of a paged list, one struct shared by every
 * admin-*.h list query (accounts, aliases, domains, queue, greylist, white
 * and black lists, bans, DKIM keys, rules): the web admin's ?q=, ?sort=
 * and ?page= land here, and petrelctl fills it for its whole lists.
 */
#ifndef ADMIN_PAGING_H
#define ADMIN_PAGING_H

#include <stdbool.h>

struct admin_paging {
	const char *search;          /* a substring to look for (any case); NULL: all */
	const char *sort;            /* one of the list's sort names; NULL: its default */
	bool descending;
	long long offset;
	long long limit;             /* < 0: no limit */
};

#endif
