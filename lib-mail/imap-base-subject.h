/*
 * imap-base-subject.h — the RFC 5256 section 2.1 "base subject" used by
 * SORT SUBJECT and THREAD=ORDEREDSUBJECT/REFERENCES: reply and forward
 * markers ("Re:", "Fwd:", "[list]" tags, "(fwd)", "[fwd: ...]") removed,
 * whitespace collapsed. Case is preserved; compare the result with the
 * i;unicode-casemap (or at least ASCII case-insensitive) comparator.
 */
#ifndef IMAP_BASE_SUBJECT_H
#define IMAP_BASE_SUBJECT_H

#include <stdbool.h>

/* subject must be decoded UTF-8 (RFC 2047 already applied). Returns an
   allocated string; *is_reply_or_fwd_r (may be NULL) tells whether any
   reply/forward marker was removed (RFC 5256 step 6's flag). */
char *imap_base_subject(const char *subject, bool *is_reply_or_fwd_r);

#endif
