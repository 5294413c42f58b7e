/*
 * imap-thread.h — RFC 5256 THREAD=ORDEREDSUBJECT and THREAD=REFERENCES.
 *
 * Pure: the session collects one struct imap_thread_message per message
 * matching the THREAD search criteria, in mailbox order (ascending
 * sequence number, which is also ascending UID), and gets back the text
 * that follows "* THREAD ", e.g. "(2)(3 6 (4 23)(44 7 96))".
 *
 * Work is bounded: nothing recurses (explicit stacks), each message
 * contributes at most IMAP_THREAD_MAX_REFERENCES references (the last
 * ones, nearest the message), a Message-ID longer than
 * IMAP_THREAD_MSGID_MAX is treated as invalid, and the loop checks of
 * step 1 share a step budget proportional to the input; once it is spent,
 * links that would need a long check are not made (the affected messages
 * start threads of their own), so hostile input costs O(n log n) plus
 * that budget.
 */
#ifndef IMAP_THREAD_H
#define IMAP_THREAD_H

#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define IMAP_THREAD_MAX_REFERENCES 256
#define IMAP_THREAD_MSGID_MAX 998

enum imap_thread_algorithm {
	IMAP_THREAD_ORDEREDSUBJECT,
	IMAP_THREAD_REFERENCES,
};

struct imap_thread_message {
	uint32_t id;                 /* sequence number or UID: what the response prints */
	/* Raw unfolded header values, NULL when the header is absent. The
	   msg-ids ("<left@right>") are parsed out here: comments, quoted
	   strings and whitespace around and inside them are tolerated;
	   anything without '<' ... '@' ... '>' is skipped. Message-ID uses
	   its first valid msg-id; References all of them (the last
	   IMAP_THREAD_MAX_REFERENCES); In-Reply-To its first valid one, and
	   only when References has none. Comparison is case-sensitive. */
	const char *message_id;
	const char *in_reply_to;
	const char *references;
	time_t date;                 /* sent date; the caller falls back to the
	                                internal date when Date: is unusable */
	/* RFC 5256 base subject (imap_base_subject()), NULL counts as "";
	   compared ASCII case-insensitively. */
	const char *base_subject;
	/* imap_base_subject()'s *is_reply_or_fwd_r: REFERENCES step 5 needs
	   it. Not used by ORDEREDSUBJECT. */
	bool is_reply_or_fwd;
};

/* Parse "REFERENCES" / "ORDEREDSUBJECT" (ASCII case-insensitive). Returns
   0, or -1 with *error_r "Unsupported threading algorithm". */
int imap_thread_algorithm_parse(const char *name, enum imap_thread_algorithm *alg_r,
				const char **error_r);

/* The capability name of alg ("REFERENCES", "ORDEREDSUBJECT"). */
const char *imap_thread_algorithm_name(enum imap_thread_algorithm alg);

/*
 * Thread msgs[0..count) with alg and append the result to out: zero or
 * more thread-lists (RFC 5256 section 4), nothing at all for count 0.
 * Siblings, and threads, are ordered by date, then id (RFC 5256: equal or
 * unusable dates fall back to mailbox order). The messages and their
 * strings are only read, and not referenced after the call.
 *
 * REFERENCES follows RFC 5256 section 2.2 steps 1-6: a missing or invalid
 * Message-ID, or one an earlier message (lower index) already has, is
 * replaced by a unique one; referenced ids without a message become dummy
 * containers; links that would create a loop (including a message
 * referencing itself) are not made; dummies are pruned, root threads are
 * merged by base subject (threads with an empty subject are left alone),
 * and all siblings sorted. ORDEREDSUBJECT (section 2.1) groups by base
 * subject, the empty one included: the earliest message of each group is
 * the parent of the others.
 */
void imap_thread_build(enum imap_thread_algorithm alg,
		       const struct imap_thread_message *msgs, unsigned int count,
		       struct strbuf *out);

#endif
