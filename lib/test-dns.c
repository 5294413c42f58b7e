/*
 * test-dns.c — unit tests for the c-ares resolver against a real dnsmasq
 * (Debian dnsmasq-base) on a port chosen free at run time, plus a "server"
 * that never answers for the timeout path. dnsmasq dies with the test
 * (PR_SET_PDEATHSIG) and is stopped at exit.
 */
#include "test-common.h"
#include "dns.h"

#include <arpa/inet.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DNSMASQ "/usr/sbin/dnsmasq"

static pid_t dnsmasq_pid;
static char dnsmasq_servers[64];
static struct ev_loop *loop;

/* The records dnsmasq serves; every other name under .test is NXDOMAIN. */
static const char *const dnsmasq_records[] = {
	"--mx-host=two.test,mx2.two.test,20",
	"--mx-host=two.test,mx1.two.test,10",
	"--mx-host=two.test,noaddr.two.test,30",
	"--host-record=mx1.two.test,127.0.0.2",
	"--host-record=mx2.two.test,127.0.0.3,::3",
	"--host-record=plain.test,127.0.0.4",
	"--host-record=v6.test,::1",
	"--mx-host=null.test,.,0",
	"--mx-host=dead.test,nothing.dead.test,10",
	"--mx-host=eq.test,a.eq.test,10",
	"--mx-host=eq.test,b.eq.test,10",
	"--mx-host=eq.test,c.eq.test,10",
	"--mx-host=eq.test,z.eq.test,5",
	"--host-record=a.eq.test,127.0.1.1",
	"--host-record=b.eq.test,127.0.1.2",
	"--host-record=c.eq.test,127.0.1.3",
	"--host-record=z.eq.test,127.0.1.9",
	"--mx-host=literal.test,192.0.2.9,10",
	"--txt-record=txt.test,v=spf1 -all",
	"--txt-record=txt.test,part one ,part two",
	"--host-record=2.0.0.127.bl.test,127.0.0.2,::2",
	"--ptr-record=9.1.0.127.in-addr.arpa,client.eq.test",
};

/* A UDP+TCP port free on 127.0.0.1 right now (dnsmasq binds both). */
static int free_port(void)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);
		int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0), port;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(u, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    getsockname(u, (struct sockaddr *)&sin, &len) < 0)
			abort();
		port = ntohs(sin.sin_port);
		if (bind(t, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			port = -1;
		close(u);
		close(t);
		if (port > 0)
			return port;
	}
	abort();
}

static void dnsmasq_stop(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = 0;
	}
}

/* Whether dnsmasq answers a query for probe.test yet. */
static bool dnsmasq_answers(int port)
{
	static const unsigned char query[] =
		"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		"\x05probe\x04test\x00\x00\x01\x00\x01";
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 0, 200000 };
	unsigned char reply[512];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ok = sendto(fd, query, sizeof(query) - 1, 0, (struct sockaddr *)&sin, sizeof(sin)) > 0 &&
	     recv(fd, reply, sizeof(reply), 0) >= 2 && reply[0] == 0x12 && reply[1] == 0x34;
	close(fd);
	return ok;
}

static void dnsmasq_exec(int port)
{
	const char *argv[64];
	char port_arg[32];
	int n = 0, fd = open("/dev/null", O_RDWR);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(fd, 1);
	dup2(fd, 2);
	snprintf(port_arg, sizeof(port_arg), "--port=%d", port);
	argv[n++] = DNSMASQ;
	argv[n++] = "--keep-in-foreground";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-resolv";
	argv[n++] = "--no-hosts";
	argv[n++] = "--no-poll";
	argv[n++] = "--local-ttl=60";      /* answers may be remembered a minute */
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--listen-address=127.0.0.1";
	argv[n++] = port_arg;
	argv[n++] = "--pid-file=";
	argv[n++] = "--cache-size=0";
	argv[n++] = "--log-facility=-";
	argv[n++] = "--local=/test/";
	if (geteuid() == 0) {
		argv[n++] = "--user=root";
		argv[n++] = "--group=root";
	}
	for (size_t i = 0; i < sizeof(dnsmasq_records) / sizeof(dnsmasq_records[0]); i++)
		argv[n++] = dnsmasq_records[i];
	argv[n] = NULL;
	execv(DNSMASQ, (char *const *)argv);
	_exit(127);
}

static bool dnsmasq_start(void)
{
	int port = free_port();

	if (access(DNSMASQ, X_OK) != 0) {
		fprintf(stderr, "%s is not installed (Debian dnsmasq-base)\n", DNSMASQ);
		return false;
	}
	dnsmasq_pid = fork();
	if (dnsmasq_pid < 0)
		abort();
	if (dnsmasq_pid == 0)
		dnsmasq_exec(port);
	atexit(dnsmasq_stop);
	for (int i = 0; i < 100; i++) {
		if (dnsmasq_answers(port)) {
			snprintf(dnsmasq_servers, sizeof(dnsmasq_servers), "127.0.0.1:%d", port);
			return true;
		}
		if (waitpid(dnsmasq_pid, NULL, WNOHANG) == dnsmasq_pid) {
			dnsmasq_pid = 0;
			break;
		}
		usleep(100000);
	}
	fprintf(stderr, "dnsmasq did not answer on port %d\n", port);
	return false;
}

/* What one callback reported, copied out (hosts are valid only during it). */
struct outcome {
	int calls;
	enum dns_result result;
	char error[400];
	unsigned int count;
	struct {
		char name[256];
		unsigned int preference, addr_count;
		char addrs[DNS_MAX_HOST_ADDRS][64];
	} hosts[DNS_MAX_MAIL_HOSTS];
	/* run inside the callback, for the cancel/free-from-callback cases */
	void (*then)(struct outcome *);
	void *arg;
};

static void record_cb(void *ctx, enum dns_result result, const char *error,
		      const struct dns_mail_host *hosts, unsigned int count)
{
	struct outcome *o = ctx;

	o->calls++;
	o->result = result;
	snprintf(o->error, sizeof(o->error), "%s", error != NULL ? error : "");
	o->count = count;
	for (unsigned int i = 0; i < count && i < DNS_MAX_MAIL_HOSTS; i++) {
		snprintf(o->hosts[i].name, sizeof(o->hosts[i].name), "%s", hosts[i].name);
		o->hosts[i].preference = hosts[i].preference;
		o->hosts[i].addr_count = hosts[i].addr_count;
		for (unsigned int k = 0; k < hosts[i].addr_count; k++) {
			const struct sockaddr_storage *ss = &hosts[i].addrs[k];
			const void *a = ss->ss_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

			inet_ntop(ss->ss_family, a, o->hosts[i].addrs[k], 64);
		}
	}
	if (o->then != NULL)
		o->then(o);
}

static void tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

/* Run the loop until *calls reaches want or seconds pass; the elapsed
   seconds, or -1 on timeout. */
static double run_until(const int *calls, int want, double seconds)
{
	ev_timer tick;
	ev_tstamp start;

	ev_now_update(loop);
	start = ev_now(loop);
	ev_timer_init(&tick, tick_cb, 0.02, 0.02);
	ev_timer_start(loop, &tick);
	while (*calls < want && ev_now(loop) - start < seconds)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	return *calls >= want ? ev_now(loop) - start : -1;
}

static struct dns_resolver *resolver_new(const char *servers, double timeout)
{
	const char *error = NULL;
	struct dns_resolver *r = dns_resolver_new(loop, servers, timeout, 2, &error);

	test_assert(r != NULL);
	if (r == NULL)
		fprintf(stderr, "dns_resolver_new: %s\n", error);
	return r;
}

/* One lookup to completion; checks the callback did not run inside the call. */
static void lookup(struct dns_resolver *r, bool mail, const char *name, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (mail)
		dns_lookup_mail_hosts(r, name, record_cb, o);
	else
		dns_lookup_host(r, name, record_cb, o);
	test_assert_int(o->calls, 0);
	test_assert(run_until(&o->calls, 1, 10) >= 0);
	test_assert_int(o->calls, 1);
}

static void test_two_mx(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome o;

	lookup(r, true, "Two.Test.", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 3);
	test_assert_str(o.hosts[0].name, "mx1.two.test");
	test_assert_int(o.hosts[0].preference, 10);
	test_assert_int(o.hosts[0].addr_count, 1);
	test_assert_str(o.hosts[0].addrs[0], "127.0.0.2");
	test_assert_str(o.hosts[1].name, "mx2.two.test");
	test_assert_int(o.hosts[1].preference, 20);
	/* IPv4 before IPv6 */
	test_assert_int(o.hosts[1].addr_count, 2);
	test_assert_str(o.hosts[1].addrs[0], "127.0.0.3");
	test_assert_str(o.hosts[1].addrs[1], "::3");
	/* an exchange without address stays in the list, empty */
	test_assert_str(o.hosts[2].name, "noaddr.two.test");
	test_assert_int(o.hosts[2].addr_count, 0);
	dns_resolver_free(&r);
	test_assert(r == NULL);
}

static void test_implicit_mx(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome o;

	lookup(r, true, "plain.test", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_str(o.hosts[0].name, "plain.test");
	test_assert_int(o.hosts[0].preference, 0);
	test_assert_int(o.hosts[0].addr_count, 1);
	test_assert_str(o.hosts[0].addrs[0], "127.0.0.4");
	/* AAAA only */
	lookup(r, true, "v6.test", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_int(o.hosts[0].addr_count, 1);
	test_assert_str(o.hosts[0].addrs[0], "::1");
	lookup(r, false, "mx2.two.test", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_int(o.hosts[0].addr_count, 2);
	test_assert_str(o.hosts[0].addrs[1], "::3");
	dns_resolver_free(&r);
}

static void test_permanent(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome o;

	lookup(r, true, "null.test", &o);
	test_assert_int(o.result, DNS_NULL_MX);
	test_assert_int(o.count, 0);
	test_assert(strstr(o.error, "null.test accepts no mail") != NULL);
	lookup(r, true, "nosuch.test", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert(strstr(o.error, "nosuch.test does not exist") != NULL);
	lookup(r, true, "dead.test", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert(strstr(o.error, "no mail host of dead.test") != NULL);
	lookup(r, false, "nosuch.test", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert(strstr(o.error, "host nosuch.test has no address") != NULL);
	/* names no DNS server should see: refused before any query, still
	   answered later, not inside the call */
	lookup(r, true, "", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert(strstr(o.error, "not a valid domain name") != NULL);
	lookup(r, true, "a..test", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	lookup(r, false, "bad host", &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert(strstr(o.error, "not a valid host name") != NULL);
	dns_resolver_free(&r);
}

/* Equal preferences come in varying order, always after the lower one. */
static void test_shuffle(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome o;
	bool seen[3] = { false, false, false };

	for (int i = 0; i < 30; i++) {
		lookup(r, true, "eq.test", &o);
		test_assert_int(o.count, 4);
		test_assert_str(o.hosts[0].name, "z.eq.test");
		test_assert_int(o.hosts[1].preference, 10);
		if (o.hosts[1].name[0] >= 'a' && o.hosts[1].name[0] <= 'c')
			seen[o.hosts[1].name[0] - 'a'] = true;
	}
	test_assert(seen[0] && seen[1] && seen[2]);
	dns_resolver_free(&r);
}

static void test_literals(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome o;

	lookup(r, false, "192.0.2.1", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_str(o.hosts[0].name, "192.0.2.1");
	test_assert_int(o.hosts[0].addr_count, 1);
	test_assert_str(o.hosts[0].addrs[0], "192.0.2.1");
	lookup(r, false, "2001:db8::1", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_str(o.hosts[0].addrs[0], "2001:db8::1");
	lookup(r, false, "[::1]", &o);
	test_assert_str(o.hosts[0].addrs[0], "::1");
	/* an address-literal domain is its own mail host */
	lookup(r, true, "[IPv6:2001:db8::2]", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_str(o.hosts[0].addrs[0], "2001:db8::2");
	lookup(r, true, "[192.0.2.3]", &o);
	test_assert_str(o.hosts[0].addrs[0], "192.0.2.3");
	/* an MX naming an IP instead of a host */
	lookup(r, true, "literal.test", &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_int(o.hosts[0].addr_count, 1);
	test_assert_str(o.hosts[0].addrs[0], "192.0.2.9");
	dns_resolver_free(&r);
}

/* A UDP socket that reads nothing: every query times out. */
static int silent_server(char *servers, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		abort();
	snprintf(servers, size, "127.0.0.1:%d", ntohs(sin.sin_port));
	return fd;
}

static void test_timeout(void)
{
	char servers[64];
	int fd = silent_server(servers, sizeof(servers));
	struct dns_resolver *r = resolver_new(servers, 0.2);
	struct outcome o = { 0 }, h = { 0 };
	double elapsed;

	dns_lookup_mail_hosts(r, "two.test", record_cb, &o);
	dns_lookup_host(r, "mx1.two.test", record_cb, &h);
	elapsed = run_until(&o.calls, 1, 10);
	test_assert(elapsed >= 0 && elapsed < 3);
	test_assert_int(o.result, DNS_TEMPORARY);
	test_assert(strstr(o.error, "MX lookup for two.test failed") != NULL);
	test_assert(run_until(&h.calls, 1, 10) >= 0);
	test_assert_int(h.result, DNS_TEMPORARY);
	test_assert(strstr(h.error, "lookup for mx1.two.test failed") != NULL);
	dns_resolver_free(&r);
	close(fd);
}

static void cancel_other(struct outcome *o)
{
	dns_query_cancel(o->arg);
}

static void free_resolver(struct outcome *o)
{
	dns_resolver_free(o->arg);
}

static void test_cancel(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct outcome a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct dns_query *q;

	/* cancelled while its c-ares queries are out, and while its result
	   waits for delivery (a literal) */
	dns_query_cancel(dns_lookup_mail_hosts(r, "two.test", record_cb, &a));
	dns_query_cancel(dns_lookup_host(r, "192.0.2.1", record_cb, &b));
	lookup(r, true, "plain.test", &c);
	test_assert_int(c.result, DNS_OK);
	/* from inside another query's callback, both still pending or ready */
	memset(&c, 0, sizeof(c));
	q = dns_lookup_mail_hosts(r, "two.test", record_cb, &d);
	c.then = cancel_other;
	c.arg = q;
	dns_lookup_host(r, "192.0.2.7", record_cb, &c);
	test_assert(run_until(&c.calls, 1, 10) >= 0);
	/* both results ready in the same loop iteration: the canceller's first */
	memset(&c, 0, sizeof(c));
	c.then = cancel_other;
	dns_lookup_host(r, "192.0.2.7", record_cb, &c);
	c.arg = dns_lookup_host(r, "192.0.2.8", record_cb, &d);
	test_assert(run_until(&c.calls, 1, 10) >= 0);
	/* give the cancelled ones every chance to call back */
	run_until(&d.calls, 1, 0.5);
	test_assert_int(a.calls, 0);
	test_assert_int(b.calls, 0);
	test_assert_int(d.calls, 0);
	dns_resolver_free(&r);
}

static void test_free_pending(void)
{
	char servers[64];
	int fd = silent_server(servers, sizeof(servers));
	struct dns_resolver *r = resolver_new(servers, 1);
	struct outcome a = { 0 }, b = { 0 }, c = { 0 };

	dns_lookup_mail_hosts(r, "two.test", record_cb, &a);
	dns_lookup_host(r, "192.0.2.1", record_cb, &b);
	dns_query_cancel(dns_lookup_host(r, "mx1.two.test", record_cb, &c));
	dns_resolver_free(&r);
	run_until(&a.calls, 1, 0.3);
	test_assert_int(a.calls + b.calls + c.calls, 0);

	/* the resolver freed from inside a callback, another query pending */
	r = resolver_new(servers, 1);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	dns_lookup_mail_hosts(r, "two.test", record_cb, &a);
	b.then = free_resolver;
	b.arg = &r;
	dns_lookup_host(r, "192.0.2.1", record_cb, &b);
	test_assert(run_until(&b.calls, 1, 5) >= 0);
	test_assert(r == NULL);
	run_until(&a.calls, 1, 0.3);
	test_assert_int(a.calls, 0);
	close(fd);
}

static void test_bad_servers(void)
{
	static const char *const bad[] = {
		"not-an-ip", "127.0.0.1:99999", "[::1", "1.2.3.4:x", "127.0.0.1:", "127.0.0.1,",
		"[::1]x", "::1:53:", "127.0.0.1:0", "[127.0.0.1:53", "localhost:53", "::1",
	};
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		if (dns_resolver_new(loop, bad[i], 1, 1, &error) != NULL)
			fprintf(stderr, "accepted servers: '%s'\n", bad[i]);
		test_assert(error != NULL && strstr(error, "invalid DNS servers") != NULL);
	}
	test_assert(dns_resolver_new(loop, "127.0.0.1", 0, 1, &error) == NULL);
	test_assert(dns_resolver_new(loop, "127.0.0.1", 1, 0, &error) == NULL);
	/* resolv.conf, and an IPv6 server with port */
	struct dns_resolver *r = resolver_new(NULL, 1);

	dns_resolver_free(&r);
	r = resolver_new("[::1]:5353, 127.0.0.1:53,[::1],192.0.2.1,[2001:db8::1]", 1);
	dns_resolver_free(&r);
}

/* What a records callback reported, copied out. */
struct records_outcome {
	int calls;
	enum dns_result result;
	char error[400];
	unsigned int count;
	char records[DNS_MAX_RECORDS][256];
};

static void records_cb(void *ctx, enum dns_result result, const char *error,
		       const char *const *records, unsigned int count)
{
	struct records_outcome *o = ctx;

	o->calls++;
	o->result = result;
	snprintf(o->error, sizeof(o->error), "%s", error != NULL ? error : "");
	o->count = count;
	for (unsigned int i = 0; i < count; i++)
		snprintf(o->records[i], sizeof(o->records[i]), "%s", records[i]);
}

static void lookup_records(struct dns_resolver *r, const char *name, enum dns_rr_type type,
			   struct records_outcome *o)
{
	memset(o, 0, sizeof(*o));
	dns_lookup_records(r, name, type, records_cb, o);
	test_assert_int(o->calls, 0);
	test_assert(run_until(&o->calls, 1, 10) >= 0);
	test_assert_int(o->calls, 1);
}

static bool records_have(const struct records_outcome *o, const char *text)
{
	for (unsigned int i = 0; i < o->count; i++) {
		if (strcmp(o->records[i], text) == 0)
			return true;
	}
	return false;
}

static void test_records(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 2);
	struct records_outcome o;

	lookup_records(r, "txt.test", DNS_RR_TXT, &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 2);
	test_assert(records_have(&o, "v=spf1 -all"));
	test_assert(records_have(&o, "part one part two"));   /* strings joined */
	lookup_records(r, "2.0.0.127.bl.test", DNS_RR_A, &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_str(o.records[0], "127.0.0.2");
	lookup_records(r, "2.0.0.127.bl.test", DNS_RR_AAAA, &o);
	test_assert_int(o.count, 1);
	test_assert_str(o.records[0], "::2");
	lookup_records(r, "two.test", DNS_RR_MX, &o);
	test_assert_int(o.count, 3);
	test_assert(records_have(&o, "mx1.two.test"));
	lookup_records(r, "3.0.0.127.bl.test", DNS_RR_A, &o);   /* NXDOMAIN */
	test_assert_int(o.result, DNS_NOT_FOUND);
	test_assert_int(o.count, 0);
	test_assert(strstr(o.error, "3.0.0.127.bl.test") != NULL);
	lookup_records(r, "plain.test", DNS_RR_TXT, &o);        /* no such type */
	test_assert_int(o.result, DNS_NOT_FOUND);
	lookup_records(r, "bad..name", DNS_RR_TXT, &o);
	test_assert_int(o.result, DNS_NOT_FOUND);
	lookup_records(r, "9.1.0.127.in-addr.arpa", DNS_RR_PTR, &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 1);
	test_assert_str(o.records[0], "client.eq.test");
	dns_resolver_free(&r);
}

/* A remembered answer is given while the server is stopped; a question
   never asked before then times out, so the server really was silent. */
static void test_records_cached(void)
{
	struct dns_resolver *r = resolver_new(dnsmasq_servers, 0.3);
	struct records_outcome o;

	lookup_records(r, "txt.test", DNS_RR_TXT, &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(kill(dnsmasq_pid, SIGSTOP), 0);
	lookup_records(r, "txt.test", DNS_RR_TXT, &o);
	test_assert_int(o.result, DNS_OK);
	test_assert_int(o.count, 2);
	test_assert(records_have(&o, "part one part two"));
	lookup_records(r, "txt.test", DNS_RR_A, &o);          /* another type: asked */
	test_assert_int(o.result, DNS_TEMPORARY);
	lookup_records(r, "TXT.test", DNS_RR_TXT, &o);        /* names are case-blind */
	test_assert_int(o.result, DNS_OK);
	test_assert_int(kill(dnsmasq_pid, SIGCONT), 0);
	dns_resolver_free(&r);
}

static void test_records_timeout(void)
{
	char servers[64];
	int fd = silent_server(servers, sizeof(servers));
	struct dns_resolver *r = resolver_new(servers, 0.2);
	struct records_outcome o = { 0 }, cancelled = { 0 };

	dns_query_cancel(dns_lookup_records(r, "txt.test", DNS_RR_TXT, records_cb, &cancelled));
	lookup_records(r, "txt.test", DNS_RR_TXT, &o);
	test_assert_int(o.result, DNS_TEMPORARY);
	test_assert(strstr(o.error, "lookup of txt.test failed") != NULL);
	test_assert_int(cancelled.calls, 0);
	dns_lookup_records(r, "txt.test", DNS_RR_A, records_cb, &cancelled);
	dns_resolver_free(&r);     /* pending: freed without its callback */
	test_assert_int(cancelled.calls, 0);
	close(fd);
}

static void test_reverse_name(void)
{
	char name[300];

	test_assert_int(dns_reverse_name("192.0.2.1", "bl.test", name, sizeof(name)), 0);
	test_assert_str(name, "1.2.0.192.bl.test");
	test_assert_int(dns_reverse_name("2001:db8::1", "ip6.arpa", name, sizeof(name)), 0);
	test_assert_str(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	test_assert_int(dns_reverse_name("not-an-ip", "bl.test", name, sizeof(name)), -1);
	test_assert_int(dns_reverse_name("192.0.2.1", "bl.test", name, 10), -1);
	test_assert_int(dns_reverse_name("::1", "x", name, 40), -1);
}

static void test_no_dnsmasq(void)
{
	test_assert(dnsmasq_pid > 0);
}

int main(void)
{
	loop = ev_default_loop(0);
	signal(SIGPIPE, SIG_IGN);
	test_run("bad_servers", test_bad_servers);
	test_run("timeout", test_timeout);
	test_run("free_pending", test_free_pending);
	test_run("records_timeout", test_records_timeout);
	test_run("reverse_name", test_reverse_name);
	if (!dnsmasq_start()) {
		test_run("dnsmasq", test_no_dnsmasq);
		return test_end();
	}
	test_run("two_mx", test_two_mx);
	test_run("implicit_mx", test_implicit_mx);
	test_run("permanent", test_permanent);
	test_run("shuffle", test_shuffle);
	test_run("literals", test_literals);
	test_run("cancel", test_cancel);
	test_run("records", test_records);
	test_run("records_cached", test_records_cached);
	return test_end();
}
