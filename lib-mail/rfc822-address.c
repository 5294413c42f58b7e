/*
 * rfc822-address.c — address lists (see rfc822-address.h): a recursive
 * descent over the lexer with no actual recursion (groups cannot nest),
 * resynchronising at the next comma after anything it cannot make sense of.
 */
#include "rfc822-address.h"

#include "rfc822-lexer.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct address_parser {
	struct rfc822_lexer lex;
	struct rfc822_address_list *list;
	struct strbuf comment;
	struct strbuf tmp;
};

static bool address_full(const struct address_parser *ap)
{
	return ap->list->count >= RFC822_ADDRESS_LIST_MAX;
}

/* Append an empty entry; returns its index (the array may move). */
static size_t address_add(struct address_parser *ap)
{
	struct rfc822_address_list *list = ap->list;

	if (list->count == list->alloc) {
		list->alloc = list->alloc == 0 ? 4 : list->alloc * 2;
		list->addrs = xrealloc(list->addrs, list->alloc * sizeof(*list->addrs));
	}
	memset(&list->addrs[list->count], 0, sizeof(list->addrs[0]));
	return list->count++;
}

static char *address_strdup(const struct strbuf *buf)
{
	return buf->len == 0 ? NULL : xstrndup(buf->data, buf->len);
}

static bool address_peek(struct address_parser *ap, char c)
{
	return !rfc822_lexer_eof(&ap->lex) && *ap->lex.p == c;
}

static bool address_is_word_start(unsigned char c)
{
	return c == '"' || c == '.' || c >= 0x80 || (c > ' ' && c < 0x7F &&
		strchr("()<>[]:;@\\,", c) == NULL);
}

/* phrase = 1*word (obs-phrase allows dots): words joined by one space. */
static bool address_read_phrase(struct address_parser *ap, struct strbuf *dest)
{
	bool any = false;

	while (rfc822_skip_cfws(&ap->lex) && address_is_word_start(*ap->lex.p)) {
		size_t mark = dest->len, word_start;

		if (mark > 0)
			strbuf_append_c(dest, ' ');
		word_start = dest->len;
		if (*ap->lex.p == '"')
			rfc822_read_quoted(&ap->lex, dest);
		else
			rfc822_read_atom(&ap->lex, true, dest);
		if (dest->len == word_start)
			strbuf_truncate(dest, mark);   /* an empty "" adds nothing */
		any = true;
	}
	return any;
}

/* local-part = dot-atom / quoted-string / obs-local-part (words and dots
   with CFWS between them). Empty when there is none. */
static void address_read_local(struct address_parser *ap, struct strbuf *dest)
{
	while (rfc822_skip_cfws(&ap->lex)) {
		if (*ap->lex.p == '"')
			rfc822_read_quoted(&ap->lex, dest);
		else if (!rfc822_read_atom(&ap->lex, true, dest))
			break;
		if (!rfc822_skip_cfws(&ap->lex) || *ap->lex.p != '.')
			break;
		strbuf_append_c(dest, '.');
		ap->lex.p++;
	}
}

/* domain = dot-atom / domain-literal / obs-domain */
static void address_read_domain(struct address_parser *ap, struct strbuf *dest)
{
	if (!rfc822_skip_cfws(&ap->lex))
		return;
	if (*ap->lex.p == '[') {
		rfc822_read_domain_literal(&ap->lex, dest);
		return;
	}
	while (rfc822_read_atom(&ap->lex, true, dest)) {
		if (!rfc822_skip_cfws(&ap->lex) || *ap->lex.p != '.')
			break;
		strbuf_append_c(dest, '.');
		ap->lex.p++;
		rfc822_skip_cfws(&ap->lex);
	}
}

/* local-part ["@" domain] into the entry at idx */
static void address_read_spec(struct address_parser *ap, size_t idx)
{
	struct rfc822_address *addr;

	strbuf_truncate(&ap->tmp, 0);
	address_read_local(ap, &ap->tmp);
	ap->list->addrs[idx].mailbox = address_strdup(&ap->tmp);
	strbuf_truncate(&ap->tmp, 0);
	if (rfc822_skip_cfws(&ap->lex) && *ap->lex.p == '@') {
		ap->lex.p++;
		address_read_domain(ap, &ap->tmp);
	}
	addr = &ap->list->addrs[idx];
	addr->domain = address_strdup(&ap->tmp);
	if (addr->mailbox == NULL || addr->domain == NULL)
		addr->invalid = true;
}

/* obs-route = obs-domain-list ":" with obs-domain-list = "@" domain
   *(*(CFWS / ",") "@" domain) */
static void address_read_route(struct address_parser *ap, size_t idx)
{
	strbuf_truncate(&ap->tmp, 0);
	while (address_peek(ap, '@')) {
		if (ap->tmp.len > 0)
			strbuf_append_c(&ap->tmp, ',');
		strbuf_append_c(&ap->tmp, '@');
		ap->lex.p++;
		address_read_domain(ap, &ap->tmp);
		while (rfc822_skip_cfws(&ap->lex) && *ap->lex.p == ',')
			ap->lex.p++;
	}
	ap->list->addrs[idx].route = address_strdup(&ap->tmp);
	if (address_peek(ap, ':'))
		ap->lex.p++;
	else
		ap->list->addrs[idx].invalid = true;
}

/* angle-addr = "<" [obs-route] addr-spec ">" */
static void address_read_angle(struct address_parser *ap, size_t idx)
{
	ap->lex.p++;
	if (rfc822_skip_cfws(&ap->lex) && *ap->lex.p == '@')
		address_read_route(ap, idx);
	address_read_spec(ap, idx);
	if (rfc822_skip_cfws(&ap->lex) && *ap->lex.p == '>') {
		ap->lex.p++;
		return;
	}
	ap->list->addrs[idx].invalid = true;
	rfc822_skip_to(&ap->lex, ">,;");
	if (address_peek(ap, '>'))
		ap->lex.p++;
}

/* mailbox = name-addr / addr-spec; a comment after an addr-spec is taken
   as the name, as mail readers do. */
static void address_parse_mailbox(struct address_parser *ap)
{
	const unsigned char *start = ap->lex.p;
	size_t idx;

	strbuf_truncate(&ap->tmp, 0);
	address_read_phrase(ap, &ap->tmp);
	if (rfc822_skip_cfws(&ap->lex) && *ap->lex.p == '<') {
		idx = address_add(ap);
		ap->list->addrs[idx].name = address_strdup(&ap->tmp);
		address_read_angle(ap, idx);
		return;
	}
	ap->lex.p = start;
	idx = address_add(ap);
	strbuf_truncate(&ap->comment, 0);
	ap->lex.last_comment = &ap->comment;
	address_read_spec(ap, idx);
	rfc822_skip_cfws(&ap->lex);
	ap->lex.last_comment = NULL;
	ap->list->addrs[idx].name = address_strdup(&ap->comment);
}

/* After an address: anything but the expected delimiter is skipped. */
static void address_resync(struct address_parser *ap, const char *stops)
{
	if (!rfc822_skip_cfws(&ap->lex) || strchr(stops, *ap->lex.p) != NULL)
		return;
	if (ap->list->count > 0)
		ap->list->addrs[ap->list->count - 1].invalid = true;
	rfc822_skip_to(&ap->lex, stops);
}

/* group = display-name ":" [group-list] ";" — false (nothing consumed)
   when the input here is not a group. */
static bool address_try_group(struct address_parser *ap)
{
	const unsigned char *start = ap->lex.p;
	size_t idx;

	strbuf_truncate(&ap->tmp, 0);
	if (!address_read_phrase(ap, &ap->tmp) || !address_peek(ap, ':')) {
		ap->lex.p = start;
		return false;
	}
	ap->lex.p++;
	idx = address_add(ap);
	ap->list->addrs[idx].group_start = true;
	ap->list->addrs[idx].mailbox = address_strdup(&ap->tmp);
	for (;;) {
		if (!rfc822_skip_cfws(&ap->lex) || address_full(ap)) {
			ap->list->addrs[idx].invalid = true;
			break;
		}
		if (*ap->lex.p == ';') {
			ap->lex.p++;
			break;
		}
		if (*ap->lex.p == ',') {
			ap->lex.p++;
			continue;
		}
		address_parse_mailbox(ap);
		address_resync(ap, ",;");
	}
	idx = address_add(ap);
	ap->list->addrs[idx].group_end = true;
	return true;
}

void rfc822_address_list_parse(const void *value, size_t len,
			       struct rfc822_address_list *list_r)
{
	struct address_parser ap;

	memset(list_r, 0, sizeof(*list_r));
	memset(&ap, 0, sizeof(ap));
	rfc822_lexer_init(&ap.lex, value, len);
	ap.list = list_r;
	while (rfc822_skip_cfws(&ap.lex) && !address_full(&ap)) {
		if (*ap.lex.p == ',') {
			ap.lex.p++;
			continue;
		}
		if (!address_try_group(&ap))
			address_parse_mailbox(&ap);
		address_resync(&ap, ",");
	}
	strbuf_free(&ap.comment);
	strbuf_free(&ap.tmp);
}

void rfc822_address_list_free(struct rfc822_address_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->addrs[i].name);
		free(list->addrs[i].route);
		free(list->addrs[i].mailbox);
		free(list->addrs[i].domain);
	}
	free(list->addrs);
	memset(list, 0, sizeof(*list));
}

const struct rfc822_address *
rfc822_address_list_first_mailbox(const struct rfc822_address_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct rfc822_address *addr = &list->addrs[i];

		if (!addr->group_start && !addr->group_end && addr->mailbox != NULL)
			return addr;
	}
	return NULL;
}
