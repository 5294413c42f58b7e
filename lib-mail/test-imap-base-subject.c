/*
 * test-imap-base-subject.c — RFC 5256 base subject (imap-base-subject.c).
 */
#include "imap-base-subject.h"

#include "strbuf.h"

#include "test-common.h"

#include <stdlib.h>
#include <time.h>

static const struct {
	const char *subject, *base;
	bool reply_or_fwd;
} tests[] = {
	{ "", "", false },
	{ "hello", "hello", false },
	{ "  hello \t  world  ", "hello world", false },
	{ "hello\r\n world", "hello world", false },
	{ "Re: hello", "hello", true },
	{ "RE: Re: re:hello", "hello", true },
	{ "Fwd: hello", "hello", true },
	{ "FW: hello", "hello", true },
	{ "fwd:hello", "hello", true },
	{ "Re [2]: hello", "hello", true },
	{ "Re:[2] hello", "hello", true },
	{ "[PATCH] hello", "hello", false },
	{ "[PATCH 1/2] [RFC] hello", "hello", false },
	{ "[PATCH]", "[PATCH]", false },
	{ "[a] [b] Re: hello", "hello", true },
	{ "Re: [list] Re: hello (fwd)", "hello", true },
	{ "hello (fwd) (FWD)  ", "hello", true },
	{ "hello(fwd)", "hello", true },
	{ "[fwd: hello]", "hello", true },
	{ "[Fwd: Re: [list] hello (fwd)]", "hello", true },
	{ "Fw: [fwd: hi]", "hi", true },
	{ "Re:", "", true },
	{ "Re: ", "", true },
	{ "Rex: hello", "Rex: hello", false },
	{ "re hello", "re hello", false },
	{ "Re hello: x", "Re hello: x", false },
	{ "[a][b][c]", "[c]", false },
	{ "[unterminated hello", "[unterminated hello", false },
	{ "[fwd: ]", "", true },
	{ "[fwd:]", "", true },
	{ "Re: \xc3\x9c" "ber", "\xc3\x9c" "ber", true },
};

static void test_base_subjects(void)
{
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool flag = !tests[i].reply_or_fwd;
		char *base = imap_base_subject(tests[i].subject, &flag);

		if (strcmp(base, tests[i].base) != 0)
			fprintf(stderr, "subject: %s\n", tests[i].subject);
		test_assert_str(base, tests[i].base);
		test_assert_int(flag, tests[i].reply_or_fwd);
		free(base);
	}
}

/* Blob chains and nested wrappers stay linear. */
static void test_adversarial(void)
{
	struct strbuf s = STRBUF_INIT;
	clock_t start = clock();
	char *base;

	for (int i = 0; i < 200000; i++)
		strbuf_append(&s, "[x] ");
	strbuf_append(&s, "end");
	base = imap_base_subject(s.data, NULL);
	test_assert_str(base, "end");
	free(base);
	strbuf_truncate(&s, 0);
	for (int i = 0; i < 50000; i++)
		strbuf_append(&s, "[fwd: re: ");
	strbuf_append(&s, "x");
	for (int i = 0; i < 50000; i++)
		strbuf_append(&s, "]");
	base = imap_base_subject(s.data, NULL);
	test_assert_str(base, "x");
	free(base);
	strbuf_free(&s);
	test_assert((clock() - start) / CLOCKS_PER_SEC < 5);
}

int main(void)
{
	test_run("base subjects", test_base_subjects);
	test_run("adversarial", test_adversarial);
	return test_end();
}
