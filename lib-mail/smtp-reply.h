/*
 * smtp-reply.h — pure parsing of what an SMTP server answers (RFC 5321
 * 4.2): one possibly multi-line reply out of buffered bytes, its enhanced
 * status code (RFC 3463), and the extension keywords of an EHLO reply.
 *
 * The outbound client keeps the server's bytes in its input buffer and
 * calls smtp_reply_parse() whenever more arrive; the parser looks only at
 * those bytes and never reads a socket. Limits are part of the contract:
 * a hostile server cannot make a reply (or one line) grow without bound.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One reply line without its line end; RFC 5321 allows 512, real servers
   send longer ones, a line this long is no SMTP server. */
#define SMTP_REPLY_MAX_LINE 1000

struct smtp_reply {
	unsigned int code;          /* 200..599 */
	char enhanced[16];          /* "5.1.1" from the first line, or "" */
	/* The lines' texts without code and enhanced code, joined by single
	   spaces; control characters become '?' (it goes to logs and DSNs). */
	struct strbuf text;
};

/*
 * Look for one complete reply at the start of data[0..len). Returns
 *   1  done: *reply filled (its text replaced), *consumed_r bytes used;
 *   0  need more bytes;
 *  -1  malformed (a line not "ddd", "ddd-text" or "ddd text", or a
 *      continuation line with another code): *error_r says why;
 *  -2  too long: the reply exceeds max_size bytes or a line exceeds
 *      SMTP_REPLY_MAX_LINE (also decided before the line ends).
 * Lines end in CRLF; a bare LF is accepted as well.
 */
int smtp_reply_parse(const unsigned char *data, size_t len, size_t max_size,
		     struct smtp_reply *reply, size_t *consumed_r, const char **error_r);
void smtp_reply_free(struct smtp_reply *reply);

enum smtp_auth_mech {
	SMTP_AUTH_PLAIN = 1 << 0,
	SMTP_AUTH_LOGIN = 1 << 1,
};

struct smtp_ehlo {
	bool pipelining;
	bool size;                  /* SIZE advertised */
	uint64_t size_max;          /*   its limit; 0 = none declared */
	bool eightbitmime;
	bool smtputf8;
	bool starttls;
	bool enhancedstatuscodes;
	unsigned int auth;          /* enum smtp_auth_mech bits offered */
};

/* The extensions of a complete 250 EHLO reply (the raw bytes, as consumed
   by smtp_reply_parse()); the first line is the server's greeting and is
   skipped. Unknown keywords and mechanisms (CHUNKING, CRAM-MD5, ...) are
   ignored; keywords are case-insensitive. */
void smtp_ehlo_parse(const unsigned char *data, size_t len, struct smtp_ehlo *ehlo_r);

#endif
