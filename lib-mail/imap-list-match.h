/*
 * imap-list-match.h — LIST/LSUB mailbox patterns (RFC 9051 6.3.9): the
 * reference joined to the pattern, "*" matching any characters and "%"
 * any characters except the hierarchy delimiter "/". INBOX is matched
 * without regard to case, as its name is (RFC 9051 5.1).
 *
 * Pure: UTF-8 names and patterns in (the session decodes modified UTF-7
 * first), a yes or no out. Matching takes time proportional to the
 * length of the name times the length of the pattern after runs of
 * wildcards are folded, so a hostile pattern cannot make it slow.
 */
#ifndef IMAP_LIST_MATCH_H
#define IMAP_LIST_MATCH_H

#include <stdbool.h>

/* The pattern a LIST reference and mailbox pattern stand for (allocated):
   the two joined (one "/" kept where the reference ends and the pattern
   starts with one), a leading "INBOX" in any case spelled "INBOX", and
   each run of wildcards folded ("%%" is "%", any run holding "*" is
   "*"). */
char *imap_list_pattern_build(const char *reference, const char *pattern);

/* Whether name matches a pattern made by imap_list_pattern_build(). A
   name's leading "INBOX" compares without regard to case, so "inbox*"
   and "I%" both match "INBOX". */
bool imap_list_match(const char *pattern, const char *name);

#endif
