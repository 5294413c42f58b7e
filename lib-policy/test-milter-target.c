/*
 * test-milter-target.c — the "milters" setting parser (milter-target.c):
 * inet and unix addresses, default_action options, and refused entries.
 */
#include "milter-target.h"

#include "test-common.h"

#include <netinet/in.h>
#include <sys/un.h>

static void test_parse_list(void)
{
	struct milter_target t[MILTER_TARGETS_MAX];
	unsigned int count = 99;
	const char *error = NULL;

	test_assert_int(milter_target_parse_list("", t, &count, &error), 0);
	test_assert_int(count, 0);
	test_assert_int(milter_target_parse_list(
		" inet:127.0.0.1:8891 , unix:/run/m.sock default_action=accept,"
		"inet:[::1]:99 default_action=reject, inet:localhost:7", t, &count, &error), 0);
	test_assert_int(count, 4);
	test_assert_str(t[0].spec, "inet:127.0.0.1:8891");
	test_assert_int(t[0].addr.ss_family, AF_INET);
	test_assert_int(ntohs(((struct sockaddr_in *)&t[0].addr)->sin_port), 8891);
	test_assert_int(t[0].fail, MILTER_FAIL_DEFAULT);
	test_assert_int(t[1].addr.ss_family, AF_UNIX);
	test_assert_str(((struct sockaddr_un *)&t[1].addr)->sun_path, "/run/m.sock");
	test_assert_int(t[1].fail, MILTER_FAIL_ACCEPT);
	test_assert_int(t[2].addr.ss_family, AF_INET6);
	test_assert_int(t[2].fail, MILTER_FAIL_REJECT);
	test_assert_int(t[3].addr.ss_family, AF_INET);
}

static void test_parse_bad(void)
{
	static const char *const bad[] = {
		"inet:mx.example:25", "tcp:1.2.3.4:5", "unix:relative", "inet:1.2.3.4",
		"inet:1.2.3.4:5 default_action=maybe", "inet:1.2.3.4:5 timeout=3",
		"inet:1.2.3.4:1,inet:1.2.3.4:2,inet:1.2.3.4:3,inet:1.2.3.4:4,inet:1.2.3.4:5,"
		"inet:1.2.3.4:6,inet:1.2.3.4:7,inet:1.2.3.4:8,inet:1.2.3.4:9",
	};
	struct milter_target t[MILTER_TARGETS_MAX];
	unsigned int count;
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_assert_int(milter_target_parse_list(bad[i], t, &count, &error), -1);
	milter_target_parse_list("inet:1.2.3.4:5, bogus", t, &count, &error);
	test_assert_str(error, "bad milter entry \" bogus\"");
	test_assert_int(milter_fail_action_parse("tempfail"), MILTER_FAIL_TEMPFAIL);
	test_assert_int(milter_fail_action_parse("open"), -1);
}

int main(void)
{
	test_run("parse_list", test_parse_list);
	test_run("parse_bad", test_parse_bad);
	return test_end();
}
