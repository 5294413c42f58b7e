/*
 * greylist-key.c — the pure parts of greylisting (see greylist-key.h).
 */
#include "greylist-key.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether one list item (len bytes) names domain (itself, or its
   subdomains when the item starts with a dot). */
static bool greylist_item_matches(const char *item, size_t len, const char *domain)
{
	size_t dlen = strlen(domain);

	if (len == 0)
		return false;
	if (item[0] != '.')
		return len == dlen && strncasecmp(item, domain, len) == 0;
	/* ".example.com" matches "a.example.com", not "example.com" itself
	   nor "badexample.com" (the dot is part of the compared suffix) */
	return dlen > len && strncasecmp(domain + dlen - len, item, len) == 0;
}

bool greylist_sender_ignored(const char *list, const char *sender)
{
	const char *at = strrchr(sender, '@');
	const char *p = list;

	if (at == NULL || at[1] == '\0')
		return false;
	while (*p != '\0') {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (greylist_item_matches(p, len, at + 1))
			return true;
		p += len;
	}
	return false;
}

char *greylist_address_key(const char *address, char *buf, size_t size)
{
	size_t len = strlen(address);

	if (len >= size)
		return NULL;
	for (size_t i = 0; i <= len; i++)
		buf[i] = (char)tolower((unsigned char)address[i]);
	return buf;
}

bool greylist_verdict_passes(enum greylist_verdict verdict)
{
	return verdict == GREYLIST_WHITELISTED || verdict == GREYLIST_NETWORK_WHITELISTED ||
	       verdict == GREYLIST_PASS;
}

int greylist_verdict_parse(const char *text, enum greylist_verdict *verdict_r,
			   unsigned int *wait_r)
{
	const char *number;
	char *end;
	unsigned long wait;

	*wait_r = 0;
	if (strcmp(text, "whitelisted") == 0) {
		*verdict_r = GREYLIST_WHITELISTED;
		return 0;
	}
	if (strcmp(text, "network-whitelisted") == 0) {
		*verdict_r = GREYLIST_NETWORK_WHITELISTED;
		return 0;
	}
	if (strcmp(text, "pass") == 0) {
		*verdict_r = GREYLIST_PASS;
		return 0;
	}
	if (strncmp(text, "new:", 4) == 0) {
		*verdict_r = GREYLIST_NEW;
		number = text + 4;
	} else if (strncmp(text, "early:", 6) == 0) {
		*verdict_r = GREYLIST_EARLY;
		number = text + 6;
	} else {
		return -1;
	}
	if (!isdigit((unsigned char)number[0]))
		return -1;
	wait = strtoul(number, &end, 10);
	if (*end != '\0' || wait > UINT_MAX)
		return -1;
	*wait_r = (unsigned int)wait;
	return 0;
}
