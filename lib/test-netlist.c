/* Unit tests for netlist.c: addresses and CIDR networks, both families. */
#include "test-common.h"
#include "netlist.h"

static int contains(const char *list, const char *ip)
{
	const char *error = NULL;

	return netlist_contains(list, ip, &error);
}

static void test_netlist_ipv4(void)
{
	test_assert_int(contains("127.0.0.0/8", "127.0.0.1"), 1);
	test_assert_int(contains("127.0.0.0/8", "128.0.0.1"), 0);
	test_assert_int(contains("10.0.0.0/8, 192.0.2.10", "192.0.2.10"), 1);
	test_assert_int(contains("10.0.0.0/8 192.0.2.10", "192.0.2.11"), 0);
	test_assert_int(contains("192.0.2.0/25", "192.0.2.127"), 1);
	test_assert_int(contains("192.0.2.0/25", "192.0.2.128"), 0);
	test_assert_int(contains("0.0.0.0/0", "203.0.113.9"), 1);
	test_assert_int(contains("0.0.0.0/0", "2001:db8::1"), 0);
	/* a mapped client address matches an IPv4 network */
	test_assert_int(contains("192.0.2.0/24", "::ffff:192.0.2.5"), 1);
}

static void test_netlist_ipv6(void)
{
	test_assert_int(contains("2001:db8::/32", "2001:db8:1::5"), 1);
	test_assert_int(contains("2001:db8::/32", "2001:db9::5"), 0);
	test_assert_int(contains("::1", "::1"), 1);
	test_assert_int(contains("::1/128,127.0.0.1", "::2"), 0);
	test_assert_int(contains("2001:db8::/33", "2001:db8:8000::1"), 0);
}

static void test_netlist_empty_and_bad(void)
{
	const char *error = NULL;

	test_assert_int(contains("", "127.0.0.1"), 0);
	test_assert_int(contains(NULL, "127.0.0.1"), 0);
	test_assert_int(contains(" , ,", "127.0.0.1"), 0);
	test_assert_int(contains("127.0.0.0/8", "not-an-ip"), 0);
	test_assert_int(netlist_contains("127.0.0.0/8, localhost", "127.0.0.1", &error), -1);
	test_assert_str(error, "'localhost' is not an address or network");
	test_assert_int(contains("10.0.0.0/33", "10.0.0.1"), -1);
	test_assert_int(contains("2001:db8::/129", "2001:db8::1"), -1);
	test_assert_int(contains("10.0.0.0/", "10.0.0.1"), -1);
	test_assert_int(contains("10.0.0.0/8x", "10.0.0.1"), -1);
	test_assert_int(contains("10.0.0.0/-1", "10.0.0.1"), -1);
	/* a malformed item anywhere is reported, even after a match */
	test_assert_int(contains("127.0.0.1, 300.1.1.1", "127.0.0.1"), -1);
}

int main(void)
{
	test_run("netlist_ipv4", test_netlist_ipv4);
	test_run("netlist_ipv6", test_netlist_ipv6);
	test_run("netlist_empty_and_bad", test_netlist_empty_and_bad);
	return test_end();
}
