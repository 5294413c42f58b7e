/*
 * policy-list.c — in-memory white/black list matching (see
 * policy-list.h).
 */
#include "policy-list.h"

#include "netlist.h"

#include <string.h>
#include <strings.h>

static const char *const policy_list_type_names[] = { "ip", "address", "domain" };

int policy_list_type_parse(const char *name)
{
	for (unsigned int i = 0; i < sizeof(policy_list_type_names) / sizeof(char *); i++) {
		if (strcmp(policy_list_type_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *policy_list_type_name(enum policy_list_type type)
{
	return policy_list_type_names[type];
}

/* "example.com" matches itself, ".example.com" its subdomains. */
static bool policy_list_domain_matches(const char *value, const char *domain)
{
	size_t vlen = strlen(value), dlen = strlen(domain);

	if (value[0] != '.')
		return strcasecmp(value, domain) == 0;
	return dlen > vlen && strcasecmp(domain + dlen - vlen, value) == 0;
}

static bool policy_list_entry_matches(const struct policy_list_entry *e, const char *ip,
				      const char *sender)
{
	const char *at, *error;

	switch (e->type) {
	case POLICY_LIST_IP:
		return ip != NULL && netlist_contains(e->value, ip, &error) == 1;
	case POLICY_LIST_ADDRESS:
		return sender != NULL && strcasecmp(e->value, sender) == 0;
	case POLICY_LIST_DOMAIN:
		at = sender != NULL ? strrchr(sender, '@') : NULL;
		return at != NULL && policy_list_domain_matches(e->value, at + 1);
	}
	return false;
}

const struct policy_list_entry *policy_list_match(const struct policy_list_entry *entries,
						  unsigned int count, const char *ip,
						  const char *sender)
{
	for (unsigned int i = 0; i < count; i++) {
		if (policy_list_entry_matches(&entries[i], ip, sender))
			return &entries[i];
	}
	return NULL;
}
