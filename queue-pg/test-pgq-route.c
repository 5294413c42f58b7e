/*
 * test-pgq-route.c — unit tests for the outbound routing setting parsers:
 * transports, smarthost, TLS-required domains, per-domain limits and the
 * TLS policy, with the matching rules and malformed input.
 */
#include "pgq-route.h"

#include "settings.h"
#include "test-common.h"

static void test_transport_match(void)
{
	static const char setting[] =
		" example.test = mx.example.net:2525 , .sub.test=[relay.test], "
		"deep.sub.test=192.0.2.1, .deep.sub.test=[2001:db8::1]:26,"
		"v6.test=2001:db8::2, Upper.TEST.=Host.Example.:25";
	struct pgq_route r;
	const char *error = NULL;

	test_assert_int(pgq_route_transport(setting, "example.test", &r, &error), 1);
	test_assert_str(r.host, "mx.example.net");
	test_assert_int(r.port, 2525);
	test_assert(!r.has_auth);
	/* an exact item matches only itself */
	test_assert_int(pgq_route_transport(setting, "a.example.test", &r, &error), 0);
	test_assert_int(pgq_route_transport(setting, "xexample.test", &r, &error), 0);
	/* a ".domain" item only subdomains */
	test_assert_int(pgq_route_transport(setting, "sub.test", &r, &error), 0);
	test_assert_int(pgq_route_transport(setting, "a.sub.test", &r, &error), 1);
	test_assert_str(r.host, "relay.test");
	test_assert_int(r.port, 0);
	test_assert_int(pgq_route_transport(setting, "A.B.SUB.TEST.", &r, &error), 1);
	test_assert_str(r.host, "relay.test");
	test_assert_int(pgq_route_transport(setting, "xsub.test", &r, &error), 0);
	/* exact beats subdomain, the longer subdomain beats the shorter */
	test_assert_int(pgq_route_transport(setting, "deep.sub.test", &r, &error), 1);
	test_assert_str(r.host, "192.0.2.1");
	test_assert_int(r.port, 0);
	test_assert_int(pgq_route_transport(setting, "x.deep.sub.test", &r, &error), 1);
	test_assert_str(r.host, "2001:db8::1");
	test_assert_int(r.port, 26);
	test_assert_int(pgq_route_transport(setting, "v6.test", &r, &error), 1);
	test_assert_str(r.host, "2001:db8::2");
	test_assert_int(r.port, 0);
	/* case and trailing dots are ignored in items and in the domain */
	test_assert_int(pgq_route_transport(setting, "upper.test", &r, &error), 1);
	test_assert_str(r.host, "Host.Example");
	test_assert_int(r.port, 25);
	test_assert_int(pgq_route_transport("", "example.test", &r, &error), 0);
	test_assert_int(pgq_route_transport("   ", "example.test", &r, &error), 0);
}

/* Among equally specific items the first wins. */
static void test_transport_first(void)
{
	struct pgq_route r;
	const char *error = NULL;

	test_assert_int(pgq_route_transport("a.test=one.test, a.test=two.test", "a.test", &r,
					    &error), 1);
	test_assert_str(r.host, "one.test");
	test_assert_int(pgq_route_transport(".test=one.test, .a.test=two.test", "x.a.test", &r,
					    &error), 1);
	test_assert_str(r.host, "two.test");
}

static void test_transport_invalid(void)
{
	static const char *const bad[] = {
		"example.test", "=host.test", "a.test=", "a.test=host.test:", "a.test=host:0",
		"a.test=host:65536", "a.test=host:2x", "a.test=[host.test", "a.test=[host]x",
		"a.test=[]", "a.test=ho st", "a.test=host..test", "a.test=host:25:26",
		"a..test=host", ".=host", "a.test=host,", ",a.test=host", "a.test=host,,b.test=x",
		"a test=host", "a.test=-host", "a.test=.host", "a.test=host/x",
		"ok.test=host, b.test",
	};
	struct pgq_route r = { .host = "kept", .port = 7 };
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		if (pgq_route_transport(bad[i], "a.test", &r, &error) != -1)
			fprintf(stderr, "accepted transport: '%s'\n", bad[i]);
		test_assert(error != NULL && strstr(error, "outbound_transport item") != NULL);
	}
	test_assert_str(r.host, "kept");
	test_assert_int(r.port, 7);
	/* the error names the item, even when the domain matched an earlier one */
	test_assert_int(pgq_route_transport("a.test=h.test, b.test=bad host", "a.test", &r,
					    &error), -1);
	test_assert_str(error, "outbound_transport item 2 ('b.test=bad host') is not "
			"\"domain=host[:port]\"");
}

static void test_smarthost(void)
{
	struct pgq_route r;
	const char *error = NULL;

	test_assert_int(pgq_route_smarthost("", &r, &error), 0);
	test_assert_int(pgq_route_smarthost("  ", &r, &error), 0);
	test_assert_int(pgq_route_smarthost("relay.test", &r, &error), 1);
	test_assert_str(r.host, "relay.test");
	test_assert_int(r.port, 0);
	test_assert(!r.has_auth);
	test_assert_int(pgq_route_smarthost(" [relay.test]:587 ", &r, &error), 1);
	test_assert_str(r.host, "relay.test");
	test_assert_int(r.port, 587);
	test_assert_int(pgq_route_smarthost("user:pass@relay.test:2525", &r, &error), 1);
	test_assert(r.has_auth);
	test_assert_str(r.user, "user");
	test_assert_str(r.password, "pass");
	test_assert_str(r.host, "relay.test");
	test_assert_int(r.port, 2525);
	/* the password may hold ':' and '@'; the last '@' ends it */
	test_assert_int(pgq_route_smarthost("me@x.test:p:a@ss@[2001:db8::5]:25", &r, &error), 1);
	test_assert_str(r.user, "me@x.test");
	test_assert_str(r.password, "p:a@ss");
	test_assert_str(r.host, "2001:db8::5");
	test_assert_int(r.port, 25);
	test_assert_int(pgq_route_smarthost("192.0.2.4", &r, &error), 1);
	test_assert_str(r.host, "192.0.2.4");
	test_assert(!r.has_auth);
}

static void test_smarthost_invalid(void)
{
	static const char *const bad_host[] = {
		"relay.test:", "relay.test:99999", "user:pw@", "user:pw@bad host", "[relay",
		"relay.test:25:x",
	};
	static const char *const bad_auth[] = {
		"user@relay.test", ":pw@relay.test", "user:@relay.test", "@relay.test",
	};
	struct pgq_route r = { .host = "kept" };
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad_host) / sizeof(bad_host[0]); i++) {
		error = NULL;
		if (pgq_route_smarthost(bad_host[i], &r, &error) != -1)
			fprintf(stderr, "accepted smarthost: '%s'\n", bad_host[i]);
		test_assert(error != NULL && strstr(error, "outbound_smarthost host") != NULL);
	}
	for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++) {
		error = NULL;
		if (pgq_route_smarthost(bad_auth[i], &r, &error) != -1)
			fprintf(stderr, "accepted smarthost: '%s'\n", bad_auth[i]);
		test_assert(error != NULL && strstr(error, "credentials") != NULL);
	}
	test_assert_str(r.host, "kept");
	/* the password never shows in the error */
	test_assert_int(pgq_route_smarthost("user:secret@bad host", &r, &error), -1);
	test_assert(strstr(error, "secret") == NULL);
	test_assert(strstr(error, "'bad host'") != NULL);
}

static void test_listed(void)
{
	static const char list[] = "a.test, .b.test ,C.Test.";
	const char *error = NULL;

	test_assert_int(pgq_domain_listed(list, "a.test", &error), 1);
	test_assert_int(pgq_domain_listed(list, "A.TEST.", &error), 1);
	test_assert_int(pgq_domain_listed(list, "x.a.test", &error), 0);
	test_assert_int(pgq_domain_listed(list, "b.test", &error), 0);
	test_assert_int(pgq_domain_listed(list, "x.b.test", &error), 1);
	test_assert_int(pgq_domain_listed(list, "y.x.b.test", &error), 1);
	test_assert_int(pgq_domain_listed(list, "c.test", &error), 1);
	test_assert_int(pgq_domain_listed(list, "d.test", &error), 0);
	test_assert_int(pgq_domain_listed("", "a.test", &error), 0);
	test_assert_int(pgq_domain_listed("a.test,", "a.test", &error), -1);
	test_assert_int(pgq_domain_listed("a.test b.test", "a.test", &error), -1);
	test_assert_str(error, "outbound_tls_required_domains item 1 ('a.test b.test') is not "
			"a domain or \".domain\"");
	test_assert_int(pgq_domain_listed("a.test;b.test", "a.test", &error), -1);
	test_assert_int(pgq_domain_listed("a.test=x", "a.test", &error), -1);
	test_assert_int(pgq_domain_listed("..b.test", "a.b.test", &error), -1);
}

static void test_limits(void)
{
	static const char setting[] = "big.test=50/600, .slow.test = 2 / 10, one.test=3";
	struct pgq_limits l;
	const char *error = NULL;

	test_assert_int(pgq_domain_limits(setting, "big.test", 10, 0, &l, &error), 1);
	test_assert_int(l.connections, 50);
	test_assert_int(l.rate, 600);
	test_assert_int(pgq_domain_limits(setting, "a.slow.test", 10, 0, &l, &error), 1);
	test_assert_int(l.connections, 2);
	test_assert_int(l.rate, 10);
	/* a rate left out is the default, not an earlier item's */
	test_assert_int(pgq_domain_limits(setting, "one.test", 10, 77, &l, &error), 1);
	test_assert_int(l.connections, 3);
	test_assert_int(l.rate, 77);
	test_assert_int(pgq_domain_limits(setting, "other.test", 10, 5, &l, &error), 0);
	test_assert_int(l.connections, 10);
	test_assert_int(l.rate, 5);
	test_assert_int(pgq_domain_limits("", "big.test", 4, 0, &l, &error), 0);
	test_assert_int(l.connections, 4);
	/* the bounds of outbound_domain_concurrency / outbound_domain_rate */
	test_assert_int(pgq_domain_limits("a.test=10000/10000000", "a.test", 1, 0, &l, &error), 1);
	test_assert_int(l.connections, 10000);
	test_assert_int(l.rate, 10000000);
	test_assert_int(pgq_domain_limits("a.test=1/0", "a.test", 9, 9, &l, &error), 1);
	test_assert_int(l.rate, 0);
}

static void test_limits_invalid(void)
{
	static const char *const bad[] = {
		"a.test", "a.test=", "a.test=0", "a.test=10001", "a.test=-1", "a.test=5/",
		"a.test=5/-1", "a.test=5/10000001", "a.test=x", "a.test=5/x", "a.test=5/6/7",
		"=5", "a.test=5,", "a.test=5 6", "a.test=99999999999999999999",
	};
	struct pgq_limits l;
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		l.connections = 12345;
		if (pgq_domain_limits(bad[i], "a.test", 10, 3, &l, &error) != -1)
			fprintf(stderr, "accepted limits: '%s'\n", bad[i]);
		test_assert(error != NULL && strstr(error, "outbound_domain_limits item") != NULL);
		/* the defaults, so a caller can go on */
		test_assert_int(l.connections, 10);
		test_assert_int(l.rate, 3);
	}
	test_assert_int(pgq_domain_limits("a.test=5, b.test=0", "a.test", 10, 0, &l, &error), -1);
	test_assert_str(error, "outbound_domain_limits item 2 ('b.test=0') is not "
			"\"domain=connections[/messages per minute]\"");
}

static void test_tls_policy(void)
{
	const struct setting_def *def = settings_find("outbound_tls");
	enum pgq_tls_policy p = PGQ_TLS_NONE;
	const char *error = NULL;
	static const char *const bad[] = { "", "yes", "mayb", "encrypted", "may,none", "n one" };

	test_assert(def != NULL);
	if (def != NULL) {
		test_assert_int(pgq_tls_policy_parse(def->default_value, &p, &error), 0);
		test_assert_int(p, PGQ_TLS_MAY);
	}
	test_assert_int(pgq_tls_policy_parse(" Encrypt ", &p, &error), 0);
	test_assert_int(p, PGQ_TLS_ENCRYPT);
	test_assert_int(pgq_tls_policy_parse("none", &p, &error), 0);
	test_assert_int(p, PGQ_TLS_NONE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		test_assert_int(pgq_tls_policy_parse(bad[i], &p, &error), -1);
		test_assert(error != NULL && strstr(error, "is not none, may or encrypt") != NULL);
	}
	test_assert_int(p, PGQ_TLS_NONE);
}

/* The registry's defaults of these settings parse as "nothing listed". */
static void test_defaults(void)
{
	static const char *const names[] = {
		"outbound_transport", "outbound_smarthost", "outbound_tls_required_domains",
		"outbound_domain_limits",
	};
	struct pgq_route r;
	struct pgq_limits l;
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct setting_def *def = settings_find(names[i]);

		test_assert(def != NULL);
		if (def == NULL)
			continue;
		test_assert_int(pgq_route_transport(def->default_value, "a.test", &r, &error), 0);
		test_assert_int(pgq_route_smarthost(def->default_value, &r, &error), 0);
		test_assert_int(pgq_domain_listed(def->default_value, "a.test", &error), 0);
		test_assert_int(pgq_domain_limits(def->default_value, "a.test", 10, 0, &l, &error), 0);
	}
}

int main(void)
{
	test_run("transport_match", test_transport_match);
	test_run("transport_first", test_transport_first);
	test_run("transport_invalid", test_transport_invalid);
	test_run("smarthost", test_smarthost);
	test_run("smarthost_invalid", test_smarthost_invalid);
	test_run("listed", test_listed);
	test_run("limits", test_limits);
	test_run("limits_invalid", test_limits_invalid);
	test_run("tls_policy", test_tls_policy);
	test_run("defaults", test_defaults);
	return test_end();
}
