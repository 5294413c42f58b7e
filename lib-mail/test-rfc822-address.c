/*
 * test-rfc822-address.c — address-list parsing (rfc822-address.c). Each
 * result is rendered compactly as  name|route|mailbox|domain  per entry
 * ("-" for NULL, "!" appended when marked invalid, groups as "g:NAME" and
 * ";"), entries separated by spaces.
 */
#include "rfc822-address.h"

#include "strbuf.h"

#include "test-common.h"

#include <stdlib.h>

static void render(const struct rfc822_address_list *list, struct strbuf *out)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct rfc822_address *a = &list->addrs[i];

		if (i > 0)
			strbuf_append_c(out, ' ');
		if (a->group_start) {
			strbuf_printf(out, "g:%s", a->mailbox != NULL ? a->mailbox : "-");
		} else if (a->group_end) {
			strbuf_append_c(out, ';');
		} else {
			strbuf_printf(out, "%s|%s|%s|%s", a->name != NULL ? a->name : "-",
				      a->route != NULL ? a->route : "-",
				      a->mailbox != NULL ? a->mailbox : "-",
				      a->domain != NULL ? a->domain : "-");
		}
		if (a->invalid)
			strbuf_append_c(out, '!');
	}
}

static void check(const char *input, const char *expected)
{
	struct rfc822_address_list list;
	struct strbuf out = STRBUF_INIT;

	rfc822_address_list_parse(input, strlen(input), &list);
	render(&list, &out);
	if (strcmp(strbuf_cstr(&out), expected) != 0)
		fprintf(stderr, "input: %s\n", input);
	test_assert_str(strbuf_cstr(&out), expected);
	rfc822_address_list_free(&list);
	strbuf_free(&out);
}

static void test_simple(void)
{
	check("", "");
	check("   ", "");
	check("user@example.com", "-|-|user|example.com");
	check("<user@example.com>", "-|-|user|example.com");
	check("  User Name  <user@example.com>  ", "User Name|-|user|example.com");
	check("\"Doe, John\" <jd@example.com>", "Doe, John|-|jd|example.com");
	check("\"a \\\"q\\\" b\" <q@x>", "a \"q\" b|-|q|x");
	check("John Q. Public <jqp@example.com>", "John Q. Public|-|jqp|example.com");
	check("first.last@sub.example.com", "-|-|first.last|sub.example.com");
	check("\"quoted local\"@example.com", "-|-|quoted local|example.com");
	check("user@[192.0.2.1]", "-|-|user|[192.0.2.1]");
	check("Empty \"\" <e@x>", "Empty|-|e|x");
	check("\"\" <e@x>", "-|-|e|x");
	check("=?utf-8?q?J=C3=B6rg?= <j@x>", "=?utf-8?q?J=C3=B6rg?=|-|j|x");
	check("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
	      "J\xc3\xb6rg|-|j\xc3\xb6rg|b\xc3\xbc" "cher.example");
}

static void test_lists(void)
{
	check("a@x, b@y,c@z", "-|-|a|x -|-|b|y -|-|c|z");
	check(",, a@x ,, ,b@y,", "-|-|a|x -|-|b|y");
	check("A <a@x>, \"B, b\" <b@y>", "A|-|a|x B, b|-|b|y");
}

static void test_comments(void)
{
	check("user@example.com (Real Name)", "Real Name|-|user|example.com");
	check("(Leading) user@example.com", "-|-|user|example.com");
	check("user(c1)@(c2)example.com(c3)", "c3|-|user|example.com");
	check("user@example.com (outer (inner) \\) end)",
	      "outer (inner) ) end|-|user|example.com");
	check("Name (comment) <n@x>", "Name|-|n|x");
	check("Name <n@x> (trailing)", "Name|-|n|x");
	check("user@example.com (unterminated", "unterminated|-|user|example.com");
}

static void test_groups(void)
{
	check("undisclosed-recipients:;", "g:undisclosed-recipients ;");
	check("group: a@x, B <b@y>;", "g:group -|-|a|x B|-|b|y ;");
	check("g1: a@x;, g2: b@y;, c@z", "g:g1 -|-|a|x ; g:g2 -|-|b|y ; -|-|c|z");
	check("Empty: (nobody) ;", "g:Empty ;");
	check("\"Quoted Group\": a@x;", "g:Quoted Group -|-|a|x ;");
	check("open: a@x, b@y", "g:open! -|-|a|x -|-|b|y ;");
	check("g: a@x; junk, b@y", "g:g -|-|a|x ;! -|-|b|y");
	check("g: a: b@c;", "g:g -|-|a|-! ;");
}

static void test_routes(void)
{
	check("<@a.example,@b.example:user@c.example>",
	      "-|@a.example,@b.example|user|c.example");
	check("Name <@a.example:user@c.example>", "Name|@a.example|user|c.example");
	check("<@a.example user@c.example>", "-|@a.example|user|c.example!");
}

static void test_broken(void)
{
	check("<>", "-|-|-|-!");
	check("user", "-|-|user|-!");
	check("John Doe", "-|-|John|-!");
	check("@example.com", "-|-|-|example.com!");
	check("user@", "-|-|user|-!");
	check("Name <user@example.com", "Name|-|user|example.com!");
	check("Name <a@x> <b@y>, c@z", "Name|-|a|x! -|-|c|z");
	check("a@x trailing junk, b@y", "-|-|a|x! -|-|b|y");
	check("\"unterminated <u@x>", "-|-|unterminated <u@x>|-!");
	check(">>>, a@x", "-|-|-|-! -|-|a|x");
	check(";", "-|-|-|-!");
	check("a..b@x", "-|-|a..b|x");
	check("a . b @ x . y", "-|-|a.b|x.y");
}

static void test_first_mailbox(void)
{
	struct rfc822_address_list list;
	const struct rfc822_address *addr;
	const char *in = "g: ;, <>, x@y";

	rfc822_address_list_parse(in, strlen(in), &list);
	addr = rfc822_address_list_first_mailbox(&list);
	test_assert(addr != NULL);
	if (addr != NULL)
		test_assert_str(addr->mailbox, "x");
	rfc822_address_list_free(&list);
	rfc822_address_list_parse("g:;", 3, &list);
	test_assert(rfc822_address_list_first_mailbox(&list) == NULL);
	rfc822_address_list_free(&list);
}

static void test_limit(void)
{
	struct rfc822_address_list list;
	struct strbuf in = STRBUF_INIT;

	for (int i = 0; i < RFC822_ADDRESS_LIST_MAX + 50; i++)
		strbuf_append(&in, "a@b,");
	rfc822_address_list_parse(in.data, in.len, &list);
	test_assert_int(list.count, RFC822_ADDRESS_LIST_MAX);
	rfc822_address_list_free(&list);
	strbuf_free(&in);
}

int main(void)
{
	test_run("simple", test_simple);
	test_run("lists", test_lists);
	test_run("comments", test_comments);
	test_run("groups", test_groups);
	test_run("routes", test_routes);
	test_run("broken", test_broken);
	test_run("first mailbox", test_first_mailbox);
	test_run("limit", test_limit);
	return test_end();
}
