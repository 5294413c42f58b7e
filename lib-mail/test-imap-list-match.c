/*
 * test-imap-list-match.c — LIST reference/pattern joining and wildcard
 * matching (imap-list-match.c).
 */
#include "imap-list-match.h"

#include "test-common.h"

#include <stdlib.h>
#include <string.h>

static void test_build(void)
{
	static const struct {
		const char *ref, *pattern, *built;
	} cases[] = {
		{ "", "*", "*" },
		{ "", "", "" },
		{ "Archive/", "%", "Archive/%" },
		{ "Archive/", "/2024", "Archive/2024" },
		{ "Arch", "ive", "Archive" },
		{ "", "inbox", "INBOX" },
		{ "", "iNbOx/%", "INBOX/%" },
		{ "", "inboxes", "inboxes" },
		{ "inbox", "/x", "INBOX/x" },
		{ "", "%%%", "%" },
		{ "", "a%*%b**c", "a*b*c" },
		{ "", "%*", "*" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *built = imap_list_pattern_build(cases[i].ref, cases[i].pattern);

		test_assert_str(built, cases[i].built);
		free(built);
	}
}

static void test_match(void)
{
	static const struct {
		const char *pattern, *name;
		bool match;
	} cases[] = {
		{ "*", "INBOX", true },
		{ "*", "a/b/c", true },
		{ "%", "INBOX", true },
		{ "%", "a/b", false },
		{ "%/%", "a/b", true },
		{ "%/%", "a/b/c", false },
		{ "a/*", "a/b/c", true },
		{ "a/*", "a", false },
		{ "a*", "a", true },
		{ "a%", "ab/c", false },
		{ "a%c", "abbc", true },
		{ "a%c", "ab/c", false },
		{ "a*c", "ab/c", true },
		{ "INBOX", "INBOX", true },
		{ "inbox", "INBOX", true },        /* built patterns say INBOX, but */
		{ "i%", "INBOX", true },           /* wildcards reach INBOX too */
		{ "I*", "INBOX/Sub", true },
		{ "i*", "Inboxes", false },        /* only INBOX folds case */
		{ "Sent", "sent", false },
		{ "", "", true },
		{ "", "a", false },
		{ "abc", "ab", false },
		{ "%\xc3\xa4", "Entw\xc3\xbcrfe\xc3\xa4", true },
		{ "*x*x*x*x*x*x*x*x*x*x*y", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = imap_list_match(cases[i].pattern, cases[i].name);

		if (got != cases[i].match)
			fprintf(stderr, "case %zu: '%s' vs '%s'\n", i, cases[i].pattern,
				cases[i].name);
		test_assert(got == cases[i].match);
	}
}

/* A long pattern against a long name stays fast (no backtracking). */
static void test_hostile(void)
{
	char pattern[2048], name[513];

	for (size_t i = 0; i < sizeof(pattern) - 1; i++)
		pattern[i] = i % 2 == 0 ? '*' : (i % 4 == 1 ? 'a' : '%');
	pattern[sizeof(pattern) - 1] = '\0';
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char *built = imap_list_pattern_build("", pattern);

	test_assert(imap_list_match(built, name));
	test_assert(!imap_list_match("*b", name));
	free(built);
}

int main(void)
{
	test_run("build", test_build);
	test_run("match", test_match);
	test_run("hostile", test_hostile);
	return test_end();
}
