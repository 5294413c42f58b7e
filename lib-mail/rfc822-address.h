/*
 * rfc822-address.h — address-list parsing for From/To/Cc/... (RFC 5322
 * 3.4 with the obsolete forms of 4.4): display names, quoted strings,
 * comments, route-addrs and groups.
 *
 * Never fails: whatever cannot be parsed becomes an address with missing
 * parts, and parsing resumes at the next comma. A group is represented as
 * in IMAP ENVELOPE: a start entry whose mailbox is the group name and whose
 * domain is NULL, the members, then an end entry with everything NULL.
 */
#ifndef RFC822_ADDRESS_H
#define RFC822_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Addresses kept per header; the rest of an absurdly long list is dropped
   so that memory stays proportional to what a real list needs. */
#define RFC822_ADDRESS_LIST_MAX 10000

struct rfc822_address {
	char *name;      /* display name (or trailing comment), NULL if none */
	char *route;     /* obsolete source route "@a,@b", NULL if none */
	char *mailbox;   /* local part, unquoted; NULL when missing */
	char *domain;    /* NULL when missing */
	bool group_start, group_end;
	bool invalid;    /* something had to be guessed or skipped */
};

struct rfc822_address_list {
	struct rfc822_address *addrs;
	size_t count, alloc;
};

/* Parse an unfolded header value; list_r is overwritten. */
void rfc822_address_list_parse(const void *value, size_t len,
			       struct rfc822_address_list *list_r);
void rfc822_address_list_free(struct rfc822_address_list *list);
/* The first address that is not a group marker and has a mailbox, or NULL. */
const struct rfc822_address *
rfc822_address_list_first_mailbox(const struct rfc822_address_list *list);

#endif
