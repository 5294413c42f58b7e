/*
 * rfc822-lexer.c — CFWS, quoted strings, atoms and tokens (see
 * rfc822-lexer.h).
 */
#include "rfc822-lexer.h"

#include <string.h>

void rfc822_lexer_init(struct rfc822_lexer *lex, const void *data, size_t size)
{
	/* never do arithmetic on a NULL pointer, even + 0 */
	lex->p = data != NULL ? data : (const void *)"";
	lex->end = lex->p + (data != NULL ? size : 0);
	lex->last_comment = NULL;
}

static bool rfc822_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c >= 0x80)
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool rfc822_is_token_char(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if (c <= ' ' || c == 0x7F)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* At '(': skip to the matching ')', or to the end when unbalanced. */
static void rfc822_skip_comment(struct rfc822_lexer *lex)
{
	unsigned int depth = 0;
	const unsigned char *start = lex->p + 1;

	if (lex->last_comment != NULL)
		strbuf_truncate(lex->last_comment, 0);
	for (; lex->p < lex->end; lex->p++) {
		unsigned char c = *lex->p;

		if (c == '\\' && lex->p + 1 < lex->end) {
			lex->p++;
			if (lex->last_comment != NULL)
				strbuf_append_c(lex->last_comment, (char)*lex->p);
			continue;
		}
		if (c == '(') {
			if (depth++ == 0)
				continue;
		} else if (c == ')') {
			if (--depth == 0) {
				lex->p++;
				return;
			}
		}
		if (lex->last_comment != NULL && lex->p >= start)
			strbuf_append_c(lex->last_comment, (char)c);
	}
}

bool rfc822_skip_cfws(struct rfc822_lexer *lex)
{
	while (lex->p < lex->end) {
		unsigned char c = *lex->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			lex->p++;
		else if (c == '(')
			rfc822_skip_comment(lex);
		else
			return true;
	}
	return false;
}

bool rfc822_read_quoted(struct rfc822_lexer *lex, struct strbuf *dest)
{
	const unsigned char *start;

	lex->p++;
	start = lex->p;
	while (lex->p < lex->end) {
		unsigned char c = *lex->p;

		if (c == '"') {
			if (dest != NULL)
				strbuf_append_n(dest, start, (size_t)(lex->p - start));
			lex->p++;
			return true;
		}
		if (c == '\\' && lex->p + 1 < lex->end) {
			if (dest != NULL)
				strbuf_append_n(dest, start, (size_t)(lex->p - start));
			lex->p++;
			start = lex->p;
		}
		lex->p++;
	}
	if (dest != NULL)
		strbuf_append_n(dest, start, (size_t)(lex->p - start));
	return false;
}

static bool rfc822_is_dot_atext(unsigned char c)
{
	return c == '.' || rfc822_is_atext(c);
}

/* Read the longest run of bytes accepted by is_ok; false when empty. */
static bool rfc822_read_run(struct rfc822_lexer *lex, bool (*is_ok)(unsigned char c),
			    struct strbuf *dest)
{
	const unsigned char *start = lex->p;

	while (lex->p < lex->end && is_ok(*lex->p))
		lex->p++;
	if (lex->p == start)
		return false;
	if (dest != NULL)
		strbuf_append_n(dest, start, (size_t)(lex->p - start));
	return true;
}

bool rfc822_read_atom(struct rfc822_lexer *lex, bool dots, struct strbuf *dest)
{
	return rfc822_read_run(lex, dots ? rfc822_is_dot_atext : rfc822_is_atext, dest);
}

bool rfc822_read_token(struct rfc822_lexer *lex, struct strbuf *dest)
{
	return rfc822_read_run(lex, rfc822_is_token_char, dest);
}

bool rfc822_read_domain_literal(struct rfc822_lexer *lex, struct strbuf *dest)
{
	const unsigned char *start = lex->p;

	for (lex->p++; lex->p < lex->end; lex->p++) {
		if (*lex->p == '\\' && lex->p + 1 < lex->end) {
			lex->p++;
		} else if (*lex->p == ']') {
			lex->p++;
			strbuf_append_n(dest, start, (size_t)(lex->p - start));
			return true;
		}
	}
	strbuf_append_n(dest, start, (size_t)(lex->p - start));
	return false;
}

void rfc822_skip_to(struct rfc822_lexer *lex, const char *stops)
{
	while (lex->p < lex->end) {
		unsigned char c = *lex->p;

		if (c == '"')
			rfc822_read_quoted(lex, NULL);
		else if (c == '(')
			rfc822_skip_comment(lex);
		else if (c != '\0' && strchr(stops, c) != NULL)
			return;
		else
			lex->p++;
	}
}

