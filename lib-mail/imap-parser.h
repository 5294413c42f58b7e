/*
 * imap-parser.h — incremental parser for IMAP4rev2/IMAP4rev1 command lines
 * (RFC 9051 / RFC 3501 formal syntax, LITERAL+/LITERAL- RFC 7888, literal8
 * RFC 3516, UTF8=ACCEPT RFC 6855).
 *
 * Pure: bytes in, one command tree out, no I/O and no global state. The
 * session feeds whatever it read; the parser says when a command is
 * complete, when a literal was announced (so the session can send "+ "),
 * and when the input is bad (so the session answers BAD and keeps going:
 * after an error the parser itself discards the rest of the bad command,
 * including the bytes of non-synchronizing literals it announced).
 *
 * What the tree holds:
 *  - atoms (anything that is not a string, literal, list or NIL, e.g.
 *    "FLAGS", "1:*", "\Seen", "UID"), kept as sent (case preserved);
 *  - NIL (the bare atom NIL in any case);
 *  - quoted strings, unescaped, checked to be valid UTF-8;
 *  - literals {n}, {n+} (LITERAL+ and LITERAL-) and ~{n} (literal8, which
 *    may contain NUL: use len, not strlen);
 *  - parenthesised lists, nested.
 * A '[' inside an atom opens a bracketed part that runs to the matching ']'
 * and may contain spaces, parentheses and quoted strings, as Dovecot does:
 * "BODY.PEEK[HEADER.FIELDS (From To)]<0.100>" is one ATOM with exactly that
 * text. FETCH splits it with imap_arg_fetch_att_split().
 *
 * Memory: at most max_line_length bytes of command text plus the literals,
 * which are buffered whole, each up to the literal limit (so an APPEND of a
 * 50 MB message holds 50 MB until the command is reset). The tree grows as
 * the client sends, never from announced sizes.
 */
#ifndef IMAP_PARSER_H
#define IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_NIL,
	IMAP_ARG_ATOM,
	IMAP_ARG_STRING,      /* quoted */
	IMAP_ARG_LITERAL,     /* {n}, {n+}, ~{n} */
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	bool literal8;            /* LITERAL announced as ~{n} */
	/* NIL/ATOM/STRING/LITERAL: the text, NUL-terminated; len bytes (a
	   literal8 may contain NULs, nothing else can). NIL keeps "NIL" as
	   sent. NULL for LIST. */
	char *str;
	size_t len;
	/* LIST: the elements. */
	struct imap_arg *list;
	unsigned int list_count;
	unsigned int list_alloc;  /* private */
};

struct imap_command {
	const char *tag;
	const char *name;             /* upper-cased, e.g. "UID", "FETCH" */
	const struct imap_arg *args;  /* the arguments after the name */
	unsigned int arg_count;
};

struct imap_parser_limits {
	size_t max_line_length;   /* command text outside literals, per command */
	uint64_t max_literal_size;/* each literal, unless changed per command */
	unsigned int max_depth;   /* nesting of parentheses */
	unsigned int max_args;    /* every atom/string/literal/NIL/list counts */
};

#define IMAP_PARSER_DEFAULT_MAX_LINE (64 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_LITERAL (64 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_DEPTH 32
#define IMAP_PARSER_DEFAULT_MAX_ARGS 10000

enum imap_parser_error {
	IMAP_PARSER_ERROR_NONE,
	IMAP_PARSER_ERROR_SYNTAX,          /* feed() returned -1 */
	IMAP_PARSER_ERROR_LINE_TOO_LONG,   /* the rest are -2 */
	IMAP_PARSER_ERROR_LITERAL_TOO_BIG,
	IMAP_PARSER_ERROR_TOO_DEEP,
	IMAP_PARSER_ERROR_TOO_MANY_ARGS,
};

struct imap_parser;

/* Called once per command as soon as its name is known (upper-cased), e.g.
   so the session can raise the literal limit for APPEND. */
typedef void imap_parser_name_callback_t(struct imap_parser *parser,
					 const char *name, void *context);

/* limits may be NULL for the defaults; a zero field means its default.
   The limits are copied. */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits);
void imap_parser_free(struct imap_parser **parser);
/* Forget the current command (its tree is freed) and any partial input:
   the next byte fed is the start of a tag. */
void imap_parser_reset(struct imap_parser *parser);
void imap_parser_set_name_callback(struct imap_parser *parser,
				   imap_parser_name_callback_t *callback, void *context);
/* The literal size limit for the rest of the current command; it returns
   to limits.max_literal_size when the next command starts. */
void imap_parser_set_literal_limit(struct imap_parser *parser, uint64_t max_size);

/*
 * Parse data. *consumed_r is how many bytes were used; the caller feeds the
 * rest again. Returns:
 *   1  one command is complete: see imap_parser_command(). It stays valid
 *      until the next feed() or reset(); the next feed() frees it and
 *      starts on the next command.
 *   0  all of data was used and the command is not complete yet, OR the
 *      parser stopped right after a literal announcement "{n}\r\n" (then
 *      imap_parser_literal_pending() is true and *consumed_r may be < len):
 *      for a synchronizing literal the session sends "+ ..." (or refuses it
 *      with imap_parser_literal_refuse()) before feeding more.
 *  -1  syntax error; -2 a limit was exceeded (line too long, literal too
 *      big, nesting too deep, too many arguments). imap_parser_error_text()
 *      says what and whether the tag is known (answer "tag BAD ..." or
 *      "* BAD ..."). The parser discards the rest of the bad command by
 *      itself on the following feed() calls, including the bytes of a
 *      non-synchronizing literal it announced; after a refused
 *      synchronizing literal, the next line is a new command.
 */
int imap_parser_feed(struct imap_parser *parser, const unsigned char *data,
		     size_t len, size_t *consumed_r);

/* The complete command after feed() returned 1, else NULL. Owned by the
   parser. */
const struct imap_command *imap_parser_command(const struct imap_parser *parser);
/* The command name once known (upper-cased), else NULL; for a session that
   wants to decide on a pending literal. */
const char *imap_parser_command_name(const struct imap_parser *parser);

/* True when the last feed() stopped after a literal announcement; *size_r
   is the announced length, *sync_r true for "{n}" (the client waits for a
   continuation request) and false for "{n+}". Cleared by the next feed(). */
bool imap_parser_literal_pending(const struct imap_parser *parser,
				 uint64_t *size_r, bool *sync_r);
/* Refuse the pending literal: the session answers the command itself (NO
   or BAD); the parser discards the command (the literal's bytes and the
   rest of the line when it was non-synchronizing). */
void imap_parser_literal_refuse(struct imap_parser *parser);

/* After -1/-2: a short text for the BAD reply and its kind; *tag_r is the
   command's tag, or NULL when no valid tag was read (answer "* BAD").
   Valid until the next feed() or reset(). */
const char *imap_parser_error_text(const struct imap_parser *parser,
				   enum imap_parser_error *error_r, const char **tag_r);

/* Accessors for command handlers: false when arg has another type. */
/* ATOM only. */
bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r);
/* ATOM, STRING or LITERAL (not literal8), or NIL as the text "NIL". */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r);
/* STRING or LITERAL (not literal8), or NIL giving *str_r = NULL. */
bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r);
bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **list_r,
		       unsigned int *count_r);
/* Case-insensitive comparison of an ATOM with str. */
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *str);

/*
 * Split a FETCH attribute atom like "BODY.PEEK[HEADER.FIELDS (A B)]<0.100>"
 * into name "BODY.PEEK", section "HEADER.FIELDS (A B)" (NULL when there are
 * no brackets; "" for "BODY[]") and the partial <offset.count> (has_partial
 * false when absent). name and section are written into the caller's
 * buffer buf of size buf_size (at least strlen(atom) + 2). The partial
 * needs both numbers, count > 0 (RFC 9051 "<" number "." nz-number ">").
 * Returns -1 when the atom is malformed (no name, no ']', bad partial,
 * trailing bytes).
 */
int imap_arg_fetch_att_split(const char *atom, char *buf, size_t buf_size,
			     const char **name_r, const char **section_r,
			     bool *has_partial_r, uint64_t *offset_r, uint64_t *count_r);

#endif
