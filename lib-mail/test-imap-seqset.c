/*
 * test-imap-seqset.c — sequence-set parsing, resolving and printing
 * (imap-seqset.c).
 */
#include "imap-seqset.h"

#include "test-common.h"

#include <stdlib.h>

/* Parse str, resolve "*" as max, and print the result ("BAD" on error). */
static char *resolved(const char *str, uint32_t max)
{
	struct imap_seqset set, res;
	struct strbuf out = STRBUF_INIT;
	const char *error;

	if (imap_seqset_parse(str, 0, &set, &error) < 0)
		return strdup("BAD");
	imap_seqset_resolve(&set, max, &res);
	imap_seqset_append(&out, &res);
	imap_seqset_free(&set);
	imap_seqset_free(&res);
	return strbuf_steal(&out);
}

static const struct {
	const char *set;
	uint32_t max;
	const char *result;
} cases[] = {
	{ "1", 10, "1" },
	{ "2:4", 10, "2:4" },
	{ "4:2", 10, "2:4" },
	{ "*", 10, "10" },
	{ "3:*", 10, "3:10" },
	{ "*:3", 10, "3:10" },
	{ "*:*", 10, "10" },
	{ "12:*", 10, "10:12" },         /* UID n:* past the end includes the last */
	{ "*:12", 10, "10:12" },
	{ "1,3,5", 10, "1,3,5" },
	{ "5,3,1", 10, "1,3,5" },
	{ "1,2,3", 10, "1:3" },
	{ "1:3,2:6,8", 10, "1:6,8" },
	{ "8,1:3,4", 10, "1:4,8" },
	{ "1,1,1", 10, "1" },
	{ "7:9,*", 10, "7:10" },
	{ "1,*", 10, "1,10" },
	{ "1,*", 2, "1:2" },
	{ "3:*,6:*", 4, "3:6" },
	{ "3:*,6:*", 1, "1:6" },
	{ "20:*,2", 10, "2,10:20" },
	{ "4294967295", 10, "4294967295" },
	{ "1:4294967295", 10, "1:4294967295" },
	{ "4294967295:1", 10, "1:4294967295" },
	{ "4294967294,4294967295,*", 4294967295U, "4294967294:4294967295" },
	{ "*", 0, "" },                  /* empty mailbox */
	{ "1:*", 0, "" },
	{ "1:3,*", 0, "1:3" },
	{ "", 10, "BAD" },
	{ "0", 10, "BAD" },
	{ "0:3", 10, "BAD" },
	{ "1:0", 10, "BAD" },
	{ "01", 10, "BAD" },
	{ "4294967296", 10, "BAD" },
	{ "99999999999999999999", 10, "BAD" },
	{ "1,", 10, "BAD" },
	{ ",1", 10, "BAD" },
	{ "1,,2", 10, "BAD" },
	{ "1:", 10, "BAD" },
	{ ":1", 10, "BAD" },
	{ "1:2:3", 10, "BAD" },
	{ "1 ", 10, "BAD" },
	{ " 1", 10, "BAD" },
	{ "-1", 10, "BAD" },
	{ "+1", 10, "BAD" },
	{ "a", 10, "BAD" },
	{ "**", 10, "BAD" },
	{ "1*", 10, "BAD" },
	{ "$,1", 10, "BAD" },
	{ "1,$", 10, "BAD" },
	{ "$$", 10, "BAD" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = resolved(cases[i].set, cases[i].max);

		if (strcmp(got, cases[i].result) != 0)
			fprintf(stderr, "set \"%s\" max %u:\n", cases[i].set,
				(unsigned int)cases[i].max);
		test_assert_str(got, cases[i].result);
		free(got);
	}
}

static void test_symbolic(void)
{
	struct imap_seqset set;
	const char *error = NULL;

	test_assert_int(imap_seqset_parse("9,3:*,*:5,1", 0, &set, &error), 0);
	test_assert_int(set.count, 2);
	test_assert(set.has_star && set.star_bounded);
	test_assert_int(set.star_low, 3);
	test_assert_int(set.star_high, 5);
	test_assert(!set.searchres);
	imap_seqset_free(&set);
	test_assert(set.ranges == NULL && set.count == 0);

	test_assert_int(imap_seqset_parse("*", 0, &set, &error), 0);
	test_assert(set.has_star && !set.star_bounded && set.count == 0);
	imap_seqset_free(&set);
	test_assert_int(imap_seqset_parse("2:4", 0, &set, &error), 0);
	test_assert(!set.has_star);
	imap_seqset_free(&set);
}

static void test_searchres(void)
{
	struct imap_seqset set, res;
	const char *error = NULL;

	test_assert_int(imap_seqset_parse("$", 0, &set, &error), 0);
	test_assert(set.searchres && set.count == 0 && !set.has_star);
	imap_seqset_resolve(&set, 10, &res);
	test_assert(res.searchres && res.count == 0);
	imap_seqset_free(&set);
	imap_seqset_free(&res);
}

static void test_limit(void)
{
	struct strbuf big = STRBUF_INIT;
	struct imap_seqset set;
	const char *error = NULL;

	for (unsigned int i = 1; i <= 100000; i++)
		strbuf_printf(&big, i == 1 ? "%u" : ",%u", i * 2);
	test_assert_int(imap_seqset_parse(strbuf_cstr(&big), 0, &set, &error), -1);
	test_assert_str(error, "Too many elements in sequence set");
	test_assert(set.ranges == NULL);
	test_assert_int(imap_seqset_parse(strbuf_cstr(&big), 100000, &set, &error), 0);
	test_assert_int(set.count, 100000);
	test_assert(imap_seqset_contains(&set, 200000));
	test_assert(!imap_seqset_contains(&set, 199999));
	imap_seqset_free(&set);
	strbuf_free(&big);

	test_assert_int(imap_seqset_parse("1,2,3", 3, &set, &error), 0);
	imap_seqset_free(&set);
	test_assert_int(imap_seqset_parse("1,2,3,4", 3, &set, &error), -1);
	test_assert_int(imap_seqset_parse("1,2,3,*", 3, &set, &error), -1);
	test_assert_int(imap_seqset_parse("1,x", 3, &set, &error), -1);
	test_assert_str(error, "Invalid sequence set");
}

static void test_add_range(void)
{
	struct imap_seqset set = IMAP_SEQSET_INIT;
	struct strbuf out = STRBUF_INIT;

	imap_seqset_add_range(&set, 10, 12);
	imap_seqset_add_range(&set, 1, 1);
	imap_seqset_add_range(&set, 20, 20);
	imap_seqset_add_range(&set, 5, 6);
	imap_seqset_append(&out, &set);
	test_assert_str(strbuf_cstr(&out), "1,5:6,10:12,20");
	imap_seqset_add_range(&set, 2, 4);      /* joins 1 and 5:6 */
	imap_seqset_add_range(&set, 13, 19);    /* joins 10:12 and 20 */
	imap_seqset_add_range(&set, 4294967295U, 4294967295U);
	imap_seqset_add_range(&set, 4294967294U, 4294967295U);
	strbuf_truncate(&out, 0);
	imap_seqset_append(&out, &set);
	test_assert_str(strbuf_cstr(&out), "1:6,10:20,4294967294:4294967295");
	test_assert_int(imap_seqset_count(&set), 6 + 11 + 2);
	imap_seqset_add_range(&set, 1, 4294967295U);
	strbuf_truncate(&out, 0);
	imap_seqset_append(&out, &set);
	test_assert_str(strbuf_cstr(&out), "1:4294967295");
	test_assert_int(set.count, 1);
	test_assert_int(imap_seqset_count(&set), 4294967295LL);
	test_assert(imap_seqset_contains(&set, 4294967295U));
	test_assert(!imap_seqset_contains(&set, 0));
	imap_seqset_free(&set);

	/* ascending appends, as COPYUID builds them */
	for (uint32_t uid = 1; uid <= 1000; uid++) {
		if (uid % 100 != 0)
			imap_seqset_add_range(&set, uid, uid);
	}
	test_assert_int(set.count, 10);
	test_assert(imap_seqset_contains(&set, 99) && !imap_seqset_contains(&set, 100));
	imap_seqset_free(&set);
	strbuf_free(&out);
}

static void test_ranges_append(void)
{
	static const struct imap_seq_range ranges[] = { { 7, 7 }, { 1, 3 }, { 5, 5 } };
	struct strbuf out = STRBUF_INIT;

	imap_seq_ranges_append(&out, ranges, 3);
	test_assert_str(strbuf_cstr(&out), "7,1:3,5");
	strbuf_truncate(&out, 0);
	imap_seq_ranges_append(&out, ranges, 0);
	test_assert_str(strbuf_cstr(&out), "");
	strbuf_free(&out);
}

int main(void)
{
	test_run("cases", test_cases);
	test_run("symbolic", test_symbolic);
	test_run("searchres", test_searchres);
	test_run("limit", test_limit);
	test_run("add_range", test_add_range);
	test_run("ranges_append", test_ranges_append);
	return test_end();
}
