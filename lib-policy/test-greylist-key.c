/* Unit tests for greylist-key.c: ignored sender domains, triplet
   addresses and the verdicts of petrel_greylist_check(). */
#include "test-common.h"
#include "greylist-key.h"

static void test_greylist_ignored(void)
{
	const char *list = "example.com, .trusted.test\tother.org";

	test_assert(greylist_sender_ignored(list, "a@example.com"));
	test_assert(greylist_sender_ignored(list, "a@EXAMPLE.Com"));
	test_assert(!greylist_sender_ignored(list, "a@sub.example.com"));
	test_assert(greylist_sender_ignored(list, "a@mx.trusted.test"));
	test_assert(!greylist_sender_ignored(list, "a@trusted.test"));
	test_assert(!greylist_sender_ignored(list, "a@untrusted.test"));
	test_assert(greylist_sender_ignored(list, "b@other.org"));
	test_assert(!greylist_sender_ignored(list, ""));
	test_assert(!greylist_sender_ignored(list, "nodomain"));
	test_assert(!greylist_sender_ignored("", "a@example.com"));
	test_assert(!greylist_sender_ignored(" , ,", "a@example.com"));
}

static void test_greylist_address(void)
{
	char buf[17];

	test_assert_str(greylist_address_key("Bob@Example.TEST", buf, sizeof(buf)),
			"bob@example.test");
	test_assert_str(greylist_address_key("", buf, sizeof(buf)), "");
	test_assert(greylist_address_key("0123456789abcdefg", buf, sizeof(buf)) == NULL);
}

static void test_greylist_verdict(void)
{
	enum greylist_verdict v;
	unsigned int wait;

	test_assert_int(greylist_verdict_parse("whitelisted", &v, &wait), 0);
	test_assert_int(v, GREYLIST_WHITELISTED);
	test_assert(greylist_verdict_passes(v));
	test_assert_int(greylist_verdict_parse("network-whitelisted", &v, &wait), 0);
	test_assert_int(v, GREYLIST_NETWORK_WHITELISTED);
	test_assert(greylist_verdict_passes(v));
	test_assert_int(greylist_verdict_parse("network-whitelisted:1", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("pass", &v, &wait), 0);
	test_assert_int(v, GREYLIST_PASS);
	test_assert_int(greylist_verdict_parse("new:300", &v, &wait), 0);
	test_assert_int(v, GREYLIST_NEW);
	test_assert(!greylist_verdict_passes(v));
	test_assert_int(wait, 300);
	test_assert_int(greylist_verdict_parse("early:0", &v, &wait), 0);
	test_assert_int(v, GREYLIST_EARLY);
	test_assert_int(wait, 0);
	test_assert_int(greylist_verdict_parse("new:", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("early:-1", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("early:12x", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("new:99999999999", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("passed", &v, &wait), -1);
	test_assert_int(greylist_verdict_parse("", &v, &wait), -1);
}

int main(void)
{
	test_run("greylist_ignored", test_greylist_ignored);
	test_run("greylist_address", test_greylist_address);
	test_run("greylist_verdict", test_greylist_verdict);
	return test_end();
}
