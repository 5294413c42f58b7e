/*
 * fuzz-imap-parser.c — libFuzzer target for the incremental IMAP command
 * parser (imap-parser.c).
 *
 * The first input byte picks options (refuse literals, small limits); the
 * rest is a client stream. It is fed whole and one byte at a time, and the
 * two transcripts (commands, literal announcements, errors) must be equal.
 * Beyond the sanitizers it checks the tree: names upper-cased, string
 * lengths consistent (only literal8 may hold NUL), quoted strings valid
 * UTF-8, nesting and argument counts within the limits, and that FETCH
 * attribute splitting never overruns.
 */
#include "imap-parser.h"

#include "strbuf.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define SMALL_DEPTH 8
#define SMALL_ARGS 64

static void check_arg(const struct imap_arg *arg, unsigned int depth, struct strbuf *out)
{
	char buf[256];
	const char *name, *section;
	bool partial;
	uint64_t offset, count;

	if (depth > IMAP_PARSER_DEFAULT_MAX_DEPTH + 1)
		abort();
	if (arg->type == IMAP_ARG_LIST) {
		if (arg->str != NULL || arg->list_count > arg->list_alloc)
			abort();
		strbuf_append_c(out, '(');
		for (unsigned int i = 0; i < arg->list_count; i++)
			check_arg(&arg->list[i], depth + 1, out);
		strbuf_append_c(out, ')');
		return;
	}
	if (arg->str == NULL || arg->str[arg->len] != '\0')
		abort();
	if (!arg->literal8 && strlen(arg->str) != arg->len)
		abort();
	if (arg->type == IMAP_ARG_STRING &&
	    !utf8_is_valid((const unsigned char *)arg->str, arg->len))
		abort();
	if (arg->type == IMAP_ARG_ATOM && arg->len + 2 <= sizeof(buf) &&
	    imap_arg_fetch_att_split(arg->str, buf, sizeof(buf), &name, &section,
				     &partial, &offset, &count) == 0 &&
	    (strlen(name) == 0 || strlen(name) > arg->len))
		abort();
	strbuf_printf(out, "%d:%zu:", (int)arg->type, arg->len);
	strbuf_append_n(out, arg->str, arg->len);
}

static void record(struct imap_parser *p, int ret, bool refuse, struct strbuf *out)
{
	const struct imap_command *cmd;
	enum imap_parser_error error;
	const char *tag, *text;
	uint64_t size;
	bool sync;

	if (ret == 1) {
		cmd = imap_parser_command(p);
		if (cmd == NULL || cmd->tag[0] == '\0' || cmd->name[0] == '\0')
			abort();
		for (const char *s = cmd->name; *s != '\0'; s++) {
			if (*s >= 'a' && *s <= 'z')
				abort();
		}
		strbuf_printf(out, "%s %s ", cmd->tag, cmd->name);
		for (unsigned int i = 0; i < cmd->arg_count; i++)
			check_arg(&cmd->args[i], 1, out);
		strbuf_append_c(out, '\n');
	} else if (ret < 0) {
		text = imap_parser_error_text(p, &error, &tag);
		if (ret < -2 || text == NULL || error == IMAP_PARSER_ERROR_NONE ||
		    (ret == -1) != (error == IMAP_PARSER_ERROR_SYNTAX))
			abort();
		strbuf_printf(out, "E%d %s %s\n", ret, tag != NULL ? tag : "*", text);
	} else if (ret != 0) {
		abort();
	} else if (imap_parser_literal_pending(p, &size, &sync)) {
		strbuf_printf(out, "+%llu %d\n", (unsigned long long)size, sync);
		if (refuse && size % 2 == 1)
			imap_parser_literal_refuse(p);
	}
}

/* The transcript may hold NUL bytes (literal8): compare out->len bytes. */
static void run(const unsigned char *data, size_t size, bool bytewise, bool refuse,
		const struct imap_parser_limits *limits, struct strbuf *out)
{
	struct imap_parser *p = imap_parser_new(limits);
	size_t pos = 0, consumed;

	while (pos < size) {
		size_t end = bytewise ? pos + 1 : size;
		int ret = imap_parser_feed(p, data + pos, end - pos, &consumed);

		if (consumed > end - pos || (consumed == 0 && ret != 0))
			abort();
		pos += consumed;
		record(p, ret, refuse, out);
		if (consumed == 0)
			abort();
	}
	imap_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct imap_parser_limits small = { 512, 64, SMALL_DEPTH, SMALL_ARGS };
	struct strbuf whole = STRBUF_INIT, bytes = STRBUF_INIT;
	bool refuse;

	if (size < 1 || size > 16384)
		return 0;
	refuse = (data[0] & 1) != 0;
	const struct imap_parser_limits *limits = (data[0] & 2) != 0 ? &small : NULL;

	run(data + 1, size - 1, false, refuse, limits, &whole);
	run(data + 1, size - 1, true, refuse, limits, &bytes);
	if (whole.len != bytes.len ||
	    (whole.len > 0 && memcmp(whole.data, bytes.data, whole.len) != 0))
		abort();
	strbuf_free(&whole);
	strbuf_free(&bytes);
	return 0;
}
