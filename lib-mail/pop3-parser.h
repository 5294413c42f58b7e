/*
 * pop3-parser.h — pure parsing of POP3 command lines: RFC 1939 (USER,
 * PASS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT), RFC 2449
 * CAPA, RFC 2595 STLS, RFC 5034 AUTH and RFC 6856 UTF8. APOP is not
 * supported and parses as an unknown command.
 *
 * Bytes in, structure out: no I/O, no allocation. The session reads a line
 * (at most POP3_LONG_LINE_MAX octets, or its own larger limit), hands it
 * here, and answers "-ERR <*error_r>" on failure. Whether a command is
 * allowed in the current state (AUTHORIZATION/TRANSACTION) is the
 * session's business.
 */
#ifndef POP3_PARSER_H
#define POP3_PARSER_H

#include <stddef.h>
#include <stdint.h>

enum pop3_verb {
	POP3_VERB_UNKNOWN,
	POP3_VERB_USER,
	POP3_VERB_PASS,
	POP3_VERB_STAT,
	POP3_VERB_LIST,
	POP3_VERB_UIDL,
	POP3_VERB_RETR,
	POP3_VERB_TOP,
	POP3_VERB_DELE,
	POP3_VERB_RSET,
	POP3_VERB_NOOP,
	POP3_VERB_QUIT,
	POP3_VERB_CAPA,
	POP3_VERB_STLS,
	POP3_VERB_AUTH,
	POP3_VERB_UTF8,
};

/* RFC 2449 3: a command line is at most 255 octets including CRLF, so
   253 without it. */
#define POP3_LINE_MAX 253
/* Default limit for PASS and AUTH lines (a password with spaces, an
   initial SASL response): room for a maximal SASL PLAIN response. */
#define POP3_LONG_LINE_MAX 8192
#define POP3_MAX_ARGS 2
/* RFC 1939 message numbers, as this server hands them out: 1..2^31. */
#define POP3_MSGNUM_MAX 2147483648U

struct pop3_command {
	enum pop3_verb verb;
	unsigned int argc;
	char *argv[POP3_MAX_ARGS];   /* point into the line; NULL past argc */
	/* Parsed numbers: msgnum for LIST/UIDL with an argument, RETR, TOP
	   and DELE (0 when absent); top_lines for TOP (values above
	   UINT32_MAX are clamped to it: "all lines"). */
	uint32_t msgnum;
	uint32_t top_lines;
};

/*
 * Parse one command line, without its CRLF, modifying it in place: the
 * argv pointers point into line. line[len] must be writable (where the CR
 * was, or the string's NUL); it is set to NUL.
 *
 * The keyword is matched ASCII case-insensitively. Arguments are separated
 * by runs of spaces; trailing spaces are ignored. PASS takes the rest of
 * the line after the single space following "PASS" as its one argument,
 * spaces included (RFC 1939 7). Arguments per verb:
 *   USER name | PASS string | STAT | LIST [msg] | UIDL [msg] | RETR msg |
 *   TOP msg n | DELE msg | RSET | NOOP | QUIT | CAPA | STLS | UTF8 |
 *   AUTH [mechanism [initial-response]]
 * (AUTH without arguments is the legacy mechanism listing; the session
 * may answer it or refuse it.) msg is a decimal 1..POP3_MSGNUM_MAX; n a
 * decimal >= 0. Leading zeros are accepted.
 *
 * Line length: at most POP3_LINE_MAX octets, except PASS and AUTH lines,
 * which may have up to long_line_max (0 = POP3_LONG_LINE_MAX).
 *
 * Returns 0 with *cmd_r filled, or -1 with *error_r a static text to send
 * as "-ERR <text>":
 *   "Unknown command"                 (cmd_r->verb is POP3_VERB_UNKNOWN)
 *   "Command line too long"
 *   "Invalid characters in command"   (NUL, control characters, invalid UTF-8)
 *   "Missing argument" / "Too many arguments"
 *   "Invalid message number" / "Invalid line count"
 * On argument errors cmd_r->verb is still set, for logging.
 */
int pop3_command_parse(char *line, size_t len, size_t long_line_max,
		       struct pop3_command *cmd_r, const char **error_r);

/* The upper-case keyword of verb ("USER", ...; "UNKNOWN"). */
const char *pop3_verb_name(enum pop3_verb verb);

#endif
