/* Unit tests for policy-list.c: each entry type, precedence as loaded,
   case, subdomains, the null sender. */
#include "test-common.h"
#include "policy-list.h"

#include <stddef.h>

/* in precedence order, as petrel_policy_lookup sorts: white first */
static const struct policy_list_entry entries[] = {
	{ true, POLICY_LIST_IP, "192.0.2.7/32" },
	{ true, POLICY_LIST_ADDRESS, "friend@spam.test" },
	{ false, POLICY_LIST_IP, "192.0.2.0/24" },
	{ false, POLICY_LIST_IP, "2001:db8::/32" },
	{ false, POLICY_LIST_ADDRESS, "bad@example.test" },
	{ false, POLICY_LIST_DOMAIN, "spam.test" },
	{ false, POLICY_LIST_DOMAIN, ".sub.test" },
};
#define COUNT (sizeof(entries) / sizeof(entries[0]))

static const struct policy_list_entry *match(const char *ip, const char *sender)
{
	return policy_list_match(entries, COUNT, ip, sender);
}

static void test_policy_list_ip(void)
{
	test_assert(match("192.0.2.7", NULL) == &entries[0]);     /* white beats black */
	test_assert(match("192.0.2.8", NULL) == &entries[2]);
	test_assert(match("2001:db8:1::5", NULL) == &entries[3]);
	test_assert(match("198.51.100.1", NULL) == NULL);
	test_assert(match(NULL, "x@nowhere.test") == NULL);
}

static void test_policy_list_sender(void)
{
	test_assert(match(NULL, "Bad@Example.Test") == &entries[4]);
	test_assert(match(NULL, "friend@spam.test") == &entries[1]);
	test_assert(match(NULL, "other@SPAM.test") == &entries[5]);
	test_assert(match(NULL, "a@x.sub.test") == &entries[6]);
	test_assert(match(NULL, "a@sub.test") == NULL);           /* only subdomains */
	test_assert(match(NULL, "a@notspam.test") == NULL);
	test_assert(match(NULL, "") == NULL);                     /* the null sender */
	test_assert(match("198.51.100.1", "x@elsewhere.test") == NULL);
}

static void test_policy_list_types(void)
{
	test_assert_int(policy_list_type_parse("domain"), POLICY_LIST_DOMAIN);
	test_assert_int(policy_list_type_parse("regex"), -1);
	test_assert_str(policy_list_type_name(POLICY_LIST_ADDRESS), "address");
}

int main(void)
{
	test_run("policy_list_ip", test_policy_list_ip);
	test_run("policy_list_sender", test_policy_list_sender);
	test_run("policy_list_types", test_policy_list_types);
	return test_end();
}
