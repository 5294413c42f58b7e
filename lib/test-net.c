/* Unit tests for net.c: listener address parsing and IP rendering. */
#include "test-common.h"
#include "net.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static void test_net_parse(void)
{
	struct sockaddr_storage addr;
	socklen_t len;
	const char *error;
	char ip[64];

	test_assert_int(net_parse_address("127.0.0.1:2525", &addr, &len, &error), 0);
	test_assert_int(addr.ss_family, AF_INET);
	test_assert_int(ntohs(((struct sockaddr_in *)&addr)->sin_port), 2525);
	test_assert_str(net_ip_string(&addr, ip, sizeof(ip)), "127.0.0.1");
	test_assert_int(net_parse_address("[::1]:25", &addr, &len, &error), 0);
	test_assert_int(addr.ss_family, AF_INET6);
	test_assert_str(net_ip_string(&addr, ip, sizeof(ip)), "::1");
	test_assert_int(net_parse_address("[::ffff:192.0.2.7]:25", &addr, &len, &error), 0);
	test_assert_str(net_ip_string(&addr, ip, sizeof(ip)), "192.0.2.7");
	test_assert_int(net_parse_address("0.0.0.0:99999", &addr, &len, &error), -1);
	test_assert_int(net_parse_address("localhost:25", &addr, &len, &error), -1);
	test_assert_int(net_parse_address("127.0.0.1", &addr, &len, &error), -1);
	test_assert_int(net_parse_address("[::1:25", &addr, &len, &error), -1);
	test_assert(strstr(error, "invalid listen address") != NULL);
}

int main(void)
{
	test_run("net_parse", test_net_parse);
	return test_end();
}
