/*
 * imap-fetch-args.h — the arguments of IMAP FETCH after the sequence set
 * (RFC 9051 6.4.5, RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE and
 * QRESYNC): the macros ALL/FAST/FULL, a single attribute or a
 * parenthesised list of them, and the optional modifier list
 * "(CHANGEDSINCE n VANISHED)".
 *
 * Pure: an argument tree (imap-parser.h) in, a description of what to
 * send out. The session decides what to read from the store and renders
 * the response from it. RFC822, RFC822.HEADER and RFC822.TEXT become body
 * sections (BODY[], BODY.PEEK[HEADER], BODY[TEXT]) that keep their own
 * response names.
 */
#ifndef IMAP_FETCH_ARGS_H
#define IMAP_FETCH_ARGS_H

#include "imap-fetch-section.h"
#include "imap-parser.h"

#include <stdbool.h>
#include <stdint.h>

/* Attributes without a section; bits of imap_fetch_args.items. */
#define IMAP_FETCH_UID            0x001
#define IMAP_FETCH_FLAGS          0x002
#define IMAP_FETCH_INTERNALDATE   0x004
#define IMAP_FETCH_RFC822_SIZE    0x008
#define IMAP_FETCH_ENVELOPE       0x010
#define IMAP_FETCH_BODY           0x020   /* non-extensible BODYSTRUCTURE */
#define IMAP_FETCH_BODYSTRUCTURE  0x040
#define IMAP_FETCH_MODSEQ         0x080

/* Most section attributes one FETCH may ask for; more is BAD. */
#define IMAP_FETCH_ARGS_MAX_SECTIONS 100

/* One BODY[...], BINARY[...], BINARY.SIZE[...] or RFC822* attribute. */
struct imap_fetch_body {
	struct imap_fetch_section section;
	bool peek;                 /* .PEEK, RFC822.HEADER, BINARY.SIZE */
	bool has_partial;
	uint64_t offset, count;    /* <offset.count> */
	/* "RFC822", "RFC822.HEADER" or "RFC822.TEXT" when the client asked
	   for it by that name (the response uses it), else NULL */
	const char *alias;
};

struct imap_fetch_args {
	unsigned int items;        /* IMAP_FETCH_* bits */
	struct imap_fetch_body *bodies;
	unsigned int body_count;
	bool has_changedsince;
	uint64_t changedsince;
	bool vanished;             /* the VANISHED modifier */
};

/* Parse att (an atom or a list of atoms) and modifiers (a list, or NULL
   when absent). Returns 0 with *args_r filled (free it with
   imap_fetch_args_free()), or -1 with *error_r a static text for a tagged
   BAD and nothing to free. */
int imap_fetch_args_parse(const struct imap_arg *att, const struct imap_arg *modifiers,
			  struct imap_fetch_args *args_r, const char **error_r);
void imap_fetch_args_free(struct imap_fetch_args *args);

/* Whether the FETCH sets \Seen on the messages (a body section without
   .PEEK, RFC822 or RFC822.TEXT, RFC 9051 6.4.5). */
bool imap_fetch_args_sets_seen(const struct imap_fetch_args *args);
/* Whether every body section lies in the top-level header (HEADER,
   HEADER.FIELDS[.NOT], RFC822.HEADER), so the rest of the message need
   not be read. False when there are no sections. */
bool imap_fetch_args_header_only(const struct imap_fetch_args *args);

#endif
