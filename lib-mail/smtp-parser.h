/*
 * smtp-parser.h — pure parsing of SMTP/LMTP command lines (RFC 5321,
 * RFC 2033, RFC 3030 BDAT, RFC 6531 SMTPUTF8).
 *
 * Bytes in, structure out: no I/O, no allocation. The session layer reads a
 * line, hands it here and decides what to answer. Syntax errors come back as
 * the complete reply text to send, with its enhanced status code.
 */
#ifndef SMTP_PARSER_H
#define SMTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smtp_verb {
	SMTP_VERB_UNKNOWN,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_LHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_QUIT,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

#define SMTP_MAX_PARAMS 16
/* RFC 5321 4.5.3.1: local part 64, domain 255, path (with <>) 256 octets. */
#define SMTP_LOCAL_PART_MAX 64
#define SMTP_DOMAIN_MAX 255
#define SMTP_PATH_MAX 256
#define SMTP_BDAT_SIZE_MAX 9223372036854775807ULL   /* 2^63 - 1 */

struct smtp_param {
	char *keyword;        /* upper-cased in place */
	char *value;          /* NULL when the parameter has no "=value" */
};

struct smtp_command {
	enum smtp_verb verb;
	char *arg;            /* text after the verb, trimmed; "" when none */
	/* MAIL FROM / RCPT TO */
	char *path;           /* the address inside <...>, source route removed; "" for <> */
	struct smtp_param params[SMTP_MAX_PARAMS];
	unsigned int param_count;
	/* BDAT */
	uint64_t bdat_size;
	bool bdat_last;
};

/*
 * Parse one command line, without its CRLF, modifying it in place: the
 * pointers in *cmd_r point into line. Returns 0 when parsed (an unknown verb
 * is not an error here: verb is SMTP_VERB_UNKNOWN); -1 on a syntax error with
 * *error_r the full reply, e.g. "501 5.5.4 Syntax: MAIL FROM:<address>".
 * A NUL byte, a control character other than TAB, or a non-UTF-8 byte
 * sequence in the line is "500 5.5.2 Invalid characters in command".
 *
 * line[len] must be writable (it is where the CR was, or the string's NUL):
 * it is set to NUL. For MAIL and RCPT the line is split in place, so arg is
 * then only "FROM:" / "TO:" and path/params carry the rest. DATA, RSET, QUIT
 * and STARTTLS take no argument; HELO/EHLO/LHLO, VRFY, EXPN and AUTH need one.
 * A BDAT chunk size is at most SMTP_BDAT_SIZE_MAX.
 */
int smtp_command_parse(char *line, size_t len, struct smtp_command *cmd_r,
		       const char **error_r);

/* Case-insensitive lookup of a MAIL/RCPT parameter; NULL when absent. A
   parameter without value is found with *value_r = NULL. */
bool smtp_command_param(const struct smtp_command *cmd, const char *keyword,
			const char **value_r);

/*
 * Turn a path from MAIL/RCPT into the canonical address "local@domain":
 * domain lower-cased (a trailing dot removed; an address literal [..] kept),
 * a quoted local part unquoted when it is a valid dot-atom, kept quoted
 * otherwise. Non-ASCII is accepted only when utf8 is true (SMTPUTF8) and must
 * be valid UTF-8. An empty path ("" from <>) is valid only when
 * allow_empty. A recipient "postmaster" without domain (any case, RFC 5321
 * 4.5.1) is valid and comes out as "postmaster". '%' and '!' are ordinary
 * local-part characters. The canonical form is never longer than path, so
 * out_size >= SMTP_PATH_MAX always suffices. Returns 0, or -1 with *error_r a
 * full reply such as "501 5.1.3 Bad recipient address syntax" (is_sender
 * picks 5.1.7 wording); too long: "501 5.1.3 Recipient address too long";
 * 8-bit without utf8: "553 5.6.7 Non-ASCII address requires SMTPUTF8".
 */
int smtp_address_normalize(const char *path, bool utf8, bool allow_empty, bool is_sender,
			   char *out, size_t out_size, const char **error_r);

/* Split a canonical address at its last '@' (the one before an address
   literal's '[') into pointers into address, which is modified. Returns -1
   when there is no '@'. */
int smtp_address_split(char *address, char **local_r, char **domain_r);

#endif
