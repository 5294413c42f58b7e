/*
 * fuzz-imap-search.c — libFuzzer target for the SEARCH / SORT / THREAD
 * argument parser (imap-search.c) behind the command parser.
 *
 * The first input byte picks the command (SEARCH, SORT, THREAD) and small
 * limits; the rest is one command line after "tag NAME ". Beyond the
 * sanitizers it checks that a parsed tree respects the depth and key
 * limits, that printing it and visiting its sequence sets terminate, and
 * that a failed parse reports an error text.
 */
#include "imap-parser.h"
#include "imap-search.h"

#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

#define SMALL_DEPTH 6
#define SMALL_KEYS 40

static unsigned int tree_depth(const struct imap_search_key *key, unsigned int *nodes)
{
	unsigned int deepest = 0;

	(*nodes)++;
	for (unsigned int i = 0; i < key->child_count; i++) {
		unsigned int d = tree_depth(&key->children[i], nodes);

		deepest = d > deepest ? d : deepest;
	}
	return deepest + 1;
}

static int resolve_set(void *ctx, struct imap_search_key *key, const char **error_r)
{
	(void)ctx;
	(void)error_r;
	imap_seqset_resolve(&key->set, 1000, &key->resolved_uids);
	key->resolved = true;
	return 0;
}

static void check_search(struct imap_search *search, const struct imap_search_limits *limits)
{
	struct strbuf out = STRBUF_INIT;
	unsigned int nodes = 0, depth;
	const char *error;

	if (search->root == NULL)
		abort();
	depth = tree_depth(search->root, &nodes);
	/* an implicit AND of the top-level keys adds one level */
	if (depth > limits->max_depth + 1 || nodes > limits->max_keys + 1)
		abort();
	if (imap_search_foreach_set(search->root, resolve_set, NULL, &error) != 0)
		abort();
	imap_search_key_append(&out, search->root);
	imap_sort_criteria_append(&out, search->sort, search->sort_count);
	strbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const names[] = { "SEARCH", "SORT", "THREAD" };
	struct imap_parser_limits parser_limits = { 0 };
	struct imap_search_limits limits = { SMALL_DEPTH, SMALL_KEYS, 16 };
	struct strbuf line = STRBUF_INIT;
	struct imap_parser *parser;
	struct imap_search *search = NULL;
	const char *error = NULL;
	size_t consumed = 0;
	int ret;

	if (size < 1)
		return 0;
	strbuf_printf(&line, "t %s ", names[data[0] % 3]);
	strbuf_append_n(&line, (const char *)data + 1, size - 1);
	strbuf_append(&line, "\r\n");
	parser = imap_parser_new(&parser_limits);
	if (imap_parser_feed(parser, (const unsigned char *)strbuf_cstr(&line), line.len,
			     &consumed) == 1) {
		const struct imap_command *cmd = imap_parser_command(parser);

		switch (data[0] % 3) {
		case 0:
			ret = imap_search_parse(cmd->args, cmd->arg_count, &limits, &search, &error);
			break;
		case 1:
			ret = imap_sort_parse(cmd->args, cmd->arg_count, &limits, &search, &error);
			break;
		default:
			ret = imap_thread_parse(cmd->args, cmd->arg_count, &limits, &search, &error);
			break;
		}
		if (ret == 0)
			check_search(search, &limits);
		else if (search != NULL || error == NULL)
			abort();
		imap_search_free(&search);
	}
	imap_parser_free(&parser);
	strbuf_free(&line);
	return 0;
}
