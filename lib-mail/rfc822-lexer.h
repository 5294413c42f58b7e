/*
 * rfc822-lexer.h — the lexical layer shared by the structured header
 * parsers (addresses, Content-Type, dates): CFWS, quoted strings, atoms,
 * MIME tokens, domain literals (RFC 5322 3.2, RFC 2045 5.1).
 *
 * Input is an unfolded header value. Bytes >= 0x80 count as atom/token
 * characters (RFC 6532). Nothing here recurses: nested comments are
 * tracked with a counter.
 */
#ifndef RFC822_LEXER_H
#define RFC822_LEXER_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

struct rfc822_lexer {
	const unsigned char *p, *end;
	/* When non-NULL, each comment skipped replaces its contents (without
	   the outer parentheses), so it holds the last comment seen. */
	struct strbuf *last_comment;
};

void rfc822_lexer_init(struct rfc822_lexer *lex, const void *data, size_t size);
static inline bool rfc822_lexer_eof(const struct rfc822_lexer *lex)
{
	return lex->p >= lex->end;
}
/* Skip whitespace and comments; returns false at the end of input. */
bool rfc822_skip_cfws(struct rfc822_lexer *lex);
/* At '"': append the unescaped contents to dest (may be NULL). An
   unterminated string runs to the end and returns false. */
bool rfc822_read_quoted(struct rfc822_lexer *lex, struct strbuf *dest);
/* 1*atext; returns false (consuming nothing) when there is none. With
   dots, '.' counts as atext too (obs-phrase, dot-atom bodies). */
bool rfc822_read_atom(struct rfc822_lexer *lex, bool dots, struct strbuf *dest);
/* RFC 2045 token (no tspecials); false when there is none. */
bool rfc822_read_token(struct rfc822_lexer *lex, struct strbuf *dest);
/* At '[': append the literal verbatim including brackets; false when
   unterminated (then everything to the end was consumed). */
bool rfc822_read_domain_literal(struct rfc822_lexer *lex, struct strbuf *dest);
/* Skip to the next top-level delimiter (one of stops) outside quoted
   strings and comments; does not consume it. */
void rfc822_skip_to(struct rfc822_lexer *lex, const char *stops);

#endif
