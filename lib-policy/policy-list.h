/*
 * policy-list.h — matching a client address and an envelope sender
 * against white/black list entries held in memory, with the precedence
 * of petrel_policy_lookup() (schema/012): a white entry before a black
 * one, then ip, address, domain, then the oldest. Pure; unit-tested in
 * test-policy-list.c. Regex entries are not handled here: while any
 * exist, the node asks PostgreSQL, whose regex dialect they are written
 * in.
 */
#ifndef POLICY_LIST_H
#define POLICY_LIST_H

#include <stdbool.h>

enum policy_list_type { POLICY_LIST_IP, POLICY_LIST_ADDRESS, POLICY_LIST_DOMAIN };

struct policy_list_entry {
	bool white;
	enum policy_list_type type;
	const char *value;      /* lower case; a CIDR network for ip; ".x" subdomains */
};

/* -1 for an unknown type name ("ip", "address", "domain"). */
int policy_list_type_parse(const char *name);
const char *policy_list_type_name(enum policy_list_type type);

/* The deciding entry for ip and/or sender (NULL: not tested), or NULL.
   entries must be in precedence order (as loaded). */
const struct policy_list_entry *policy_list_match(const struct policy_list_entry *entries,
						  unsigned int count, const char *ip,
						  const char *sender);

#endif
