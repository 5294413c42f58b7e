/*
 * fuzz-message-parser.c — libFuzzer target for message_parse() and
 * everything under it (headers, addresses, RFC 2047, dates, MIME, IMAP
 * output). Beyond the sanitizers: ENVELOPE, BODYSTRUCTURE and BODY must be
 * well-formed IMAP lists, every string valid UTF-8, and the header size
 * within the message.
 */
#include "message-parser.h"

#include "test-imap-syntax.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static void check_utf8(const char *s)
{
	if (!utf8_is_valid((const unsigned char *)s, strlen(s)))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct message_meta m;

	message_parse(data, size, &m);
	if (!imap_syntax_check(m.envelope, strlen(m.envelope)) ||
	    !imap_syntax_check(m.bodystructure, strlen(m.bodystructure)) ||
	    !imap_syntax_check(m.body, strlen(m.body)) || m.header_size > size)
		abort();
	check_utf8(m.envelope);
	check_utf8(m.bodystructure);
	check_utf8(m.body);
	check_utf8(m.subject);
	check_utf8(m.from);
	check_utf8(m.to);
	check_utf8(m.cc);
	check_utf8(m.message_id);
	check_utf8(m.in_reply_to);
	check_utf8(m.references);
	check_utf8(m.sort_subject);
	check_utf8(m.sort_from);
	check_utf8(m.sort_to);
	check_utf8(m.sort_cc);
	message_meta_free(&m);
	return 0;
}
