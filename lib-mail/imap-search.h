/*
 * imap-search.h — the arguments of SEARCH, UID SEARCH, SORT and THREAD
 * (RFC 9051 6.4.4, RFC 3501, ESEARCH RFC 4731, SEARCHRES RFC 5182, SORT and
 * THREAD RFC 5256, ESORT RFC 5267, CONDSTORE MODSEQ RFC 7162, WITHIN
 * OLDER/YOUNGER RFC 5032) parsed into a tree of search keys.
 *
 * Pure: a command tree from imap-parser in, a key tree out. Sequence sets
 * stay as parsed ("*" and "$" unresolved): before handing the tree to the
 * store, the session visits every set with imap_search_foreach_set() and
 * fills in key->resolved_uids (the UIDs the set means in its current view)
 * and key->resolved = true.
 *
 * Work is bounded: the tree may hold at most limits->max_keys nodes
 * (every key, NOT, OR and list counts) and be limits->max_depth levels
 * deep (the top-level keys are level 1; each NOT, OR and parenthesised
 * list puts its operands one level deeper, so "NOT NOT NOT SEEN" is 4
 * deep), and each sequence set may have at most limits->max_seqset_ranges
 * elements; beyond that the parser returns an error instead of recursing.
 */
#ifndef IMAP_SEARCH_H
#define IMAP_SEARCH_H

#include "imap-parser.h"
#include "imap-seqset.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum imap_search_key_type {
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_AND,        /* children[0..child_count), child_count >= 1 */
	IMAP_SEARCH_OR,         /* children[0] OR children[1] */
	IMAP_SEARCH_NOT,        /* children[0] */
	IMAP_SEARCH_SEQSET,     /* set; uid: "UID set" (else sequence numbers) */
	IMAP_SEARCH_ANSWERED,
	IMAP_SEARCH_DELETED,
	IMAP_SEARCH_DRAFT,
	IMAP_SEARCH_FLAGGED,
	IMAP_SEARCH_SEEN,
	IMAP_SEARCH_UNANSWERED,
	IMAP_SEARCH_UNDELETED,
	IMAP_SEARCH_UNDRAFT,
	IMAP_SEARCH_UNFLAGGED,
	IMAP_SEARCH_UNSEEN,
	IMAP_SEARCH_RECENT,
	IMAP_SEARCH_NEW,
	IMAP_SEARCH_OLD,
	IMAP_SEARCH_KEYWORD,    /* value: the keyword */
	IMAP_SEARCH_UNKEYWORD,  /* value: the keyword */
	IMAP_SEARCH_BCC,        /* value: the substring (same for the next six) */
	IMAP_SEARCH_CC,
	IMAP_SEARCH_FROM,
	IMAP_SEARCH_TO,
	IMAP_SEARCH_SUBJECT,
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_TEXT,
	IMAP_SEARCH_HEADER,     /* value: field name, value2: the substring */
	IMAP_SEARCH_BEFORE,     /* date (internal date, UTC day) */
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,
	IMAP_SEARCH_SENTBEFORE, /* date (Date: header, else internal date) */
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	IMAP_SEARCH_LARGER,     /* number: RFC822.SIZE > number */
	IMAP_SEARCH_SMALLER,    /* number: RFC822.SIZE < number */
	IMAP_SEARCH_MODSEQ,     /* number: modseq >= number; value/value2:
				   entry-name and entry-type, or NULL */
	IMAP_SEARCH_OLDER,      /* number: seconds (internal date < now - n) */
	IMAP_SEARCH_YOUNGER,    /* number: seconds (internal date >= now - n) */
};

struct imap_search_key {
	enum imap_search_key_type type;
	/* AND, OR, NOT: the operands (an array owned by this node). */
	struct imap_search_key *children;
	unsigned int child_count;
	/* Strings, owned, valid UTF-8 without NUL; NULL when unused. */
	char *value;
	char *value2;
	int64_t number;
	time_t date;            /* 00:00:00 UTC of the day */
	/* SEQSET: the set as sent ("*" and "$" unresolved, see imap-seqset.h),
	   and whether it came after "UID". The session fills resolved_uids
	   with the UIDs it stands for and sets resolved; the store refuses a
	   tree with an unresolved set. */
	struct imap_seqset set;
	bool uid;
	struct imap_seqset resolved_uids;
	bool resolved;
};

/* RETURN options (bit mask). */
enum imap_search_return {
	IMAP_SEARCH_RETURN_MIN = 0x01,
	IMAP_SEARCH_RETURN_MAX = 0x02,
	IMAP_SEARCH_RETURN_ALL = 0x04,
	IMAP_SEARCH_RETURN_COUNT = 0x08,
	IMAP_SEARCH_RETURN_SAVE = 0x10,
};

enum imap_sort_key {
	IMAP_SORT_ARRIVAL,
	IMAP_SORT_CC,
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SIZE,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_TO,
};

struct imap_sort_criterion {
	enum imap_sort_key key;
	bool reverse;
};

/* Most criteria one SORT may list. */
#define IMAP_SORT_MAX_CRITERIA 16

struct imap_search {
	/* The keys, implicitly ANDed: an AND node when there were several
	   top-level keys, else the single key. Never NULL after success. */
	struct imap_search_key *root;
	/* "RETURN (...)" was given (answer with ESEARCH / ESORT), and the
	   options asked for; "RETURN ()" gives IMAP_SEARCH_RETURN_ALL. */
	bool has_return;
	unsigned int return_options;
	/* The CHARSET given, upper-cased ("UTF-8", "US-ASCII"), or NULL. */
	const char *charset;
	/* Some key is MODSEQ: the untagged answer carries "(MODSEQ n)". */
	bool uses_modseq;
	/* Some set is "$": the session needs the saved result. */
	bool uses_searchres;
	/* SORT: the criteria in order. */
	struct imap_sort_criterion sort[IMAP_SORT_MAX_CRITERIA];
	unsigned int sort_count;
	/* THREAD: the algorithm as sent, upper-cased ("REFERENCES",
	   "ORDEREDSUBJECT"); the session checks it is one it offers. */
	char *thread_algorithm;
};

struct imap_search_limits {
	unsigned int max_depth;          /* 0 = IMAP_SEARCH_DEFAULT_MAX_DEPTH */
	unsigned int max_keys;           /* 0 = IMAP_SEARCH_DEFAULT_MAX_KEYS */
	unsigned int max_seqset_ranges;  /* 0 = IMAP_SEQSET_DEFAULT_MAX_RANGES */
};

#define IMAP_SEARCH_DEFAULT_MAX_DEPTH 32
#define IMAP_SEARCH_DEFAULT_MAX_KEYS 1000

/* Return values of the parse functions besides 0 (success). */
#define IMAP_SEARCH_ERROR_BAD (-1)         /* tagged BAD error_r */
#define IMAP_SEARCH_ERROR_BADCHARSET (-2)  /* tagged NO [BADCHARSET (UTF-8 US-ASCII)] */

/*
 * SEARCH / UID SEARCH: args[0..count) are the arguments after the command
 * name ("SEARCH", or "UID SEARCH"): [RETURN (opts)] [CHARSET name] key...
 * limits may be NULL (defaults). On success returns 0 and *search_r (free
 * with imap_search_free()); the tree does not point into args. Otherwise
 * *search_r is NULL and returns IMAP_SEARCH_ERROR_BAD with *error_r a
 * static text for the BAD reply (unknown key, missing or malformed
 * argument, bad date or number, a limit exceeded), or
 * IMAP_SEARCH_ERROR_BADCHARSET (error_r set too) for a charset other than
 * UTF-8 and US-ASCII.
 */
int imap_search_parse(const struct imap_arg *args, unsigned int count,
		      const struct imap_search_limits *limits,
		      struct imap_search **search_r, const char **error_r);

/*
 * SORT / UID SORT: [RETURN (opts)] (criteria) charset key... (RFC 5256,
 * RETURN from RFC 5267). Criteria: [REVERSE] ARRIVAL CC DATE FROM SIZE
 * SUBJECT TO, at most IMAP_SORT_MAX_CRITERIA; the charset is required.
 * Same results as imap_search_parse().
 */
int imap_sort_parse(const struct imap_arg *args, unsigned int count,
		    const struct imap_search_limits *limits,
		    struct imap_search **search_r, const char **error_r);

/*
 * THREAD / UID THREAD: algorithm charset key... (RFC 5256). The algorithm
 * is any atom (see thread_algorithm). Same results as imap_search_parse().
 */
int imap_thread_parse(const struct imap_arg *args, unsigned int count,
		      const struct imap_search_limits *limits,
		      struct imap_search **search_r, const char **error_r);

/* Frees the tree (resolved_uids included) and sets *search to NULL. */
void imap_search_free(struct imap_search **search);

/*
 * Call callback for every SEQSET key under key, depth first in the order
 * the client wrote them. The callback fills key->resolved_uids (with
 * imap_seqset_add_range() or imap_seqset_resolve()) and sets
 * key->resolved; a non-zero return stops the walk and is returned
 * (*error_r is the callback's). Returns 0 when every callback returned 0.
 */
typedef int imap_search_set_callback_t(void *ctx, struct imap_search_key *key,
				       const char **error_r);
int imap_search_foreach_set(struct imap_search_key *key,
			    imap_search_set_callback_t *callback, void *ctx,
			    const char **error_r);

/* A canonical text form of the tree for logs and tests, e.g.
   (AND SEEN (FROM "bob") (NOT (UID 1:5,7:* =1:5,7:9))). */
void imap_search_key_append(struct strbuf *out, const struct imap_search_key *key);
/* The sort criteria as "(REVERSE DATE SUBJECT)". */
void imap_sort_criteria_append(struct strbuf *out, const struct imap_sort_criterion *sort,
			       unsigned int count);

#endif
