/*
 * greylist-key.h — the pure parts of greylisting: which sender domains
 * skip it (greylist_ignore_sender_domains), the normalized sender and
 * recipient of a triplet, and the verdict text petrel_greylist_check()
 * returns (schema/012_greylist_lists_bans.sql). No I/O; unit-tested in
 * test-greylist-key.c.
 */
#ifndef GREYLIST_KEY_H
#define GREYLIST_KEY_H

#include <stdbool.h>
#include <stddef.h>

enum greylist_verdict {
	GREYLIST_WHITELISTED,   /* the triplet is whitelisted: pass */
	GREYLIST_NETWORK_WHITELISTED,   /* the client's whole network is: pass */
	GREYLIST_PASS,          /* a retry after the delay: pass, now whitelisted */
	GREYLIST_NEW,           /* first sight: 451 */
	GREYLIST_EARLY,         /* retried too soon: 451 */
};

/* Whether the domain of sender ("local@domain"; "" is the null sender,
   never ignored) is in list, comma- or blank-separated: "example.com"
   matches itself, ".example.com" its subdomains. Case-insensitive. */
bool greylist_sender_ignored(const char *list, const char *sender);

/* The triplet's address form: lower case ("" stays ""), in buf. Returns
   buf, or NULL when the address does not fit. */
char *greylist_address_key(const char *address, char *buf, size_t size);

/* Parse "whitelisted", "network-whitelisted", "pass", "new:N" or
   "early:N" (N seconds still to wait, 0 or more). Returns 0, or -1 when
   text is none of these. */
int greylist_verdict_parse(const char *text, enum greylist_verdict *verdict_r,
			   unsigned int *wait_r);
/* Whether the verdict lets the message through. */
bool greylist_verdict_passes(enum greylist_verdict verdict);

#endif
