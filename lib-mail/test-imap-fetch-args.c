/*
 * test-imap-fetch-args.c — FETCH attribute lists and modifiers
 * (imap-fetch-args.c): macros, simple attributes, sections with .PEEK and
 * partials, the RFC822 aliases, CHANGEDSINCE/VANISHED, and the BAD cases.
 */
#include "imap-fetch-args.h"

#include "test-common.h"

#include <stdio.h>
#include <string.h>

/* Parse "t FETCH 1 <rest>" and run imap_fetch_args_parse() on it. */
static int parse(const char *rest, struct imap_fetch_args *args_r, const char **error_r)
{
	struct imap_parser *p = imap_parser_new(NULL);
	char line[1024];
	size_t consumed;
	const struct imap_command *cmd;
	int ret;

	snprintf(line, sizeof(line), "t FETCH 1 %s\r\n", rest);
	if (imap_parser_feed(p, (const unsigned char *)line, strlen(line), &consumed) != 1) {
		/* the command parser already refuses it: BAD as well */
		*error_r = "refused by the command parser";
		imap_parser_free(&p);
		return -1;
	}
	cmd = imap_parser_command(p);
	test_assert(cmd->arg_count >= 2);
	ret = imap_fetch_args_parse(&cmd->args[1], cmd->arg_count > 2 ? &cmd->args[2] : NULL,
				    args_r, error_r);
	imap_parser_free(&p);
	return ret;
}

static void test_macros_and_simple(void)
{
	struct imap_fetch_args args;
	const char *error;

	test_assert_int(parse("ALL", &args, &error), 0);
	test_assert_int(args.items, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
			IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE);
	imap_fetch_args_free(&args);
	test_assert_int(parse("fast", &args, &error), 0);
	test_assert_int(args.items, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
			IMAP_FETCH_RFC822_SIZE);
	imap_fetch_args_free(&args);
	test_assert_int(parse("FULL", &args, &error), 0);
	test_assert((args.items & IMAP_FETCH_BODY) != 0);
	imap_fetch_args_free(&args);
	test_assert_int(parse("(uid Flags BODYSTRUCTURE body MODSEQ rfc822.size)", &args,
			      &error), 0);
	test_assert_int(args.items, IMAP_FETCH_UID | IMAP_FETCH_FLAGS | IMAP_FETCH_BODYSTRUCTURE |
			IMAP_FETCH_BODY | IMAP_FETCH_MODSEQ | IMAP_FETCH_RFC822_SIZE);
	test_assert_int(args.body_count, 0);
	test_assert(!imap_fetch_args_sets_seen(&args));
	test_assert(!imap_fetch_args_header_only(&args));
	imap_fetch_args_free(&args);
}

static void test_sections(void)
{
	struct imap_fetch_args args;
	const char *error;

	test_assert_int(parse("(BODY.PEEK[HEADER.FIELDS (Subject From)] BODY[1.2]<0.10> "
			      "BINARY.SIZE[1] binary.peek[2]<5.1>)", &args, &error), 0);
	test_assert_int(args.body_count, 4);
	test_assert(args.bodies[0].peek && !args.bodies[0].has_partial);
	test_assert_int(args.bodies[0].section.kind, IMAP_FETCH_SECTION_HEADER_FIELDS);
	test_assert(!args.bodies[1].peek && args.bodies[1].has_partial);
	test_assert_int(args.bodies[1].offset, 0);
	test_assert_int(args.bodies[1].count, 10);
	test_assert_int(args.bodies[2].section.item, IMAP_FETCH_ITEM_BINARY_SIZE);
	test_assert(args.bodies[2].peek);
	test_assert_int(args.bodies[3].section.item, IMAP_FETCH_ITEM_BINARY);
	test_assert(args.bodies[3].peek);
	test_assert_int(args.bodies[3].offset, 5);
	test_assert(imap_fetch_args_sets_seen(&args));
	test_assert(!imap_fetch_args_header_only(&args));
	imap_fetch_args_free(&args);

	test_assert_int(parse("(RFC822.HEADER BODY.PEEK[HEADER])", &args, &error), 0);
	test_assert_int(args.body_count, 2);
	test_assert_str(args.bodies[0].alias, "RFC822.HEADER");
	test_assert(args.bodies[1].alias == NULL);
	test_assert(!imap_fetch_args_sets_seen(&args));
	test_assert(imap_fetch_args_header_only(&args));
	imap_fetch_args_free(&args);

	test_assert_int(parse("RFC822.TEXT", &args, &error), 0);
	test_assert_int(args.bodies[0].section.kind, IMAP_FETCH_SECTION_TEXT);
	test_assert(imap_fetch_args_sets_seen(&args));
	imap_fetch_args_free(&args);
	test_assert_int(parse("rfc822", &args, &error), 0);
	test_assert_str(args.bodies[0].alias, "RFC822");
	test_assert(imap_fetch_args_sets_seen(&args));
	imap_fetch_args_free(&args);
}

static void test_modifiers(void)
{
	struct imap_fetch_args args;
	const char *error;

	test_assert_int(parse("FLAGS (CHANGEDSINCE 12345 VANISHED)", &args, &error), 0);
	test_assert(args.has_changedsince && args.vanished);
	test_assert_int(args.changedsince, 12345);
	imap_fetch_args_free(&args);
	test_assert_int(parse("FLAGS (changedsince 0)", &args, &error), 0);
	test_assert(args.has_changedsince && !args.vanished);
	imap_fetch_args_free(&args);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"()", "FOO", "(FLAGS ALL)", "BODY.PEEK", "FLAGS<0.1>", "BODY[HEADER",
		"BODY[]<1>", "BODY[]<0.0>", "BINARY[HEADER]", "BINARY.SIZE[1]<0.5>",
		"BODY[1.0]", "\"FLAGS\"", "(FLAGS \"UID\")", "BODYX[]", "(FLAGS (UID))",
		"FLAGS (CHANGEDSINCE)", "FLAGS (CHANGEDSINCE x)", "FLAGS (CHANGEDSINCE -1)",
		"FLAGS (CHANGEDSINCE 9223372036854775808)", "FLAGS (VANISHED)",
		"FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", "FLAGS (FOO)", "FLAGS ()", "FLAGS X",
	};
	struct imap_fetch_args args;
	const char *error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		if (parse(bad[i], &args, &error) != -1) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			test_failed_checks++;
			imap_fetch_args_free(&args);
		}
		test_assert(error != NULL);
	}
}

int main(void)
{
	test_run("macros and simple attributes", test_macros_and_simple);
	test_run("sections", test_sections);
	test_run("modifiers", test_modifiers);
	test_run("bad", test_bad);
	return test_end();
}
