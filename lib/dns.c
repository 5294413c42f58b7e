/*
 * dns.c — the c-ares resolver driven by a worker's libev loop (see dns.h).
 *
 * c-ares says which sockets it wants watched (the sock_state callback) and
 * when its next retry is due (ares_timeout); we mirror that with one ev_io
 * per socket and one ev_timer, and hand events back with ares_process_fd.
 *
 * A dns_query is one caller-visible lookup made of several c-ares queries
 * (MX, then A and AAAA of every exchange, all in parallel). It counts the
 * c-ares queries still outstanding; when none is left the result is put
 * together and delivered from a zero-delay ev_timer, so the caller's
 * callback never runs inside dns_lookup_*() — c-ares answers some errors
 * synchronously — nor inside ares_process_fd, where freeing the resolver
 * would pull the channel out from under c-ares. c-ares cannot cancel one
 * query, so a cancelled dns_query stays allocated, silent, until its
 * outstanding c-ares queries come back (or the resolver is freed).
 *
 * dns_lookup_records is the same machinery with one c-ares query whose
 * answer records are kept as text; such a query is allocated without the
 * hosts array, which only mail host lookups need.
 *
 * Records answers are remembered for their TTL (at most DNS_CACHE_MAX_TTL;
 * "no such record" for the SOA's negative TTL, RFC 2308), because policy
 * checks ask the same few questions for every message of a sender domain
 * (SPF and DMARC TXT records). Temporary failures are never remembered.
 */
#include "dns.h"

#include "strbuf.h"
#include "strcache.h"
#include "xalloc.h"

#include <ares.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define DNS_NAME_MAX 253
#define DNS_CACHE_MAX_TTL 3600      /* seconds an answer is remembered at most */
#define DNS_CACHE_MAX_ENTRIES 4096  /* per resolver; a full cache starts over */

struct dns_socket {
	ev_io io;                   /* first: the watcher pointer is the socket */
	struct dns_resolver *resolver;
	struct dns_socket *next;
};

struct dns_resolver {
	struct ev_loop *loop;
	ares_channel channel;
	ev_timer timer;             /* c-ares' next retry or timeout */
	struct dns_socket *sockets;
	struct dns_query *queries;  /* every query not yet freed, cancelled ones too */
	uint64_t random_state;      /* xorshift, for shuffling equal MX preferences */
	struct strcache *cache;     /* records answers, keyed "type/name" */
	bool destroying;
};

/* A remembered records answer (DNS_OK or DNS_NOT_FOUND). */
struct dns_cached {
	double expires;             /* ev_now() after which it is stale */
	enum dns_result result;
	unsigned int count;
	char *records[];
};

/* One c-ares query's context: its dns_query, and for an address lookup
   which host it is for. */
struct dns_part {
	struct dns_query *query;
	unsigned int host;
	int type;                   /* ns_t_mx, ns_t_a, ns_t_aaaa or ns_t_txt */
};

struct dns_host {
	char name[DNS_NAME_MAX + 1];
	unsigned int preference;
	struct in_addr v4[DNS_MAX_HOST_ADDRS];
	struct in6_addr v6[DNS_MAX_HOST_ADDRS];
	unsigned int v4_count, v6_count;
	struct sockaddr_storage addrs[DNS_MAX_HOST_ADDRS];   /* filled on delivery */
};

enum dns_mode {
	DNS_MODE_MAIL,              /* MX, then the exchanges' addresses */
	DNS_MODE_IMPLICIT,          /* no MX: the domain's own addresses */
	DNS_MODE_HOST,              /* one fixed host */
	DNS_MODE_RECORDS,           /* one name's records of one type, as text */
};

struct dns_query {
	struct dns_resolver *resolver;
	struct dns_query *next, **prevp;    /* prevp NULL once unlinked */
	dns_mail_hosts_callback_t *callback;
	dns_records_callback_t *records_callback;
	void *ctx;
	ev_timer deliver;
	unsigned int pending;       /* outstanding c-ares queries (+1 while starting) */
	bool cancelled, delivering;
	bool temporary;             /* an address lookup failed temporarily */
	enum dns_mode mode;
	enum dns_result result;     /* not DNS_OK: decided by the MX answer */
	char domain[DNS_NAME_MAX + 1];
	char error[400];
	unsigned int count;
	char *records[DNS_MAX_RECORDS];     /* DNS_MODE_RECORDS: count of them */
	struct dns_part mx_part;            /* the MX query, or the records query */
	struct dns_part addr_parts[DNS_MAX_MAIL_HOSTS][2];
	struct dns_host hosts[];            /* DNS_MAX_MAIL_HOSTS, except records */
};

static void dns_timer_update(struct dns_resolver *resolver)
{
	struct timeval tv, *next = ares_timeout(resolver->channel, NULL, &tv);

	ev_timer_stop(resolver->loop, &resolver->timer);
	if (next == NULL)
		return;
	ev_timer_set(&resolver->timer, next->tv_sec + next->tv_usec / 1e6, 0.);
	ev_timer_start(resolver->loop, &resolver->timer);
}

static void dns_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dns_resolver *resolver = w->data;

	(void)loop;
	(void)revents;
	ares_process_fd(resolver->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_update(resolver);
}

static void dns_socket_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	/* the socket may be closed (and freed) inside ares_process_fd */
	struct dns_resolver *resolver = ((struct dns_socket *)w)->resolver;
	int fd = w->fd;

	(void)loop;
	ares_process_fd(resolver->channel, (revents & EV_READ) != 0 ? fd : ARES_SOCKET_BAD,
			(revents & EV_WRITE) != 0 ? fd : ARES_SOCKET_BAD);
	dns_timer_update(resolver);
}

/* c-ares opens, re-arms or closes one of its sockets. */
static void dns_sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_resolver *resolver = data;
	struct dns_socket **sp = &resolver->sockets, *s;

	while (*sp != NULL && (*sp)->io.fd != fd)
		sp = &(*sp)->next;
	s = *sp;
	if (!readable && !writable) {
		if (s != NULL) {
			ev_io_stop(resolver->loop, &s->io);
			*sp = s->next;
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->resolver = resolver;
		s->next = resolver->sockets;
		resolver->sockets = s;
	} else {
		ev_io_stop(resolver->loop, &s->io);
	}
	ev_io_init(&s->io, dns_socket_cb, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
	ev_io_start(resolver->loop, &s->io);
}

/* Append one "ipv4", "ipv4:port", "[ip]" or "[ip]:port" item of the
   servers list to out in the form c-ares 1.18 reads right ("ipv4[:port]",
   "[ipv6]:port"): it misreads bare IPv6, brackets without a port, blanks,
   and takes an out-of-range port or a missing ']' silently. */
static bool dns_server_append(const char *item, size_t len, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end = item + len;
	unsigned int port_value = 53;
	struct in6_addr addr;
	size_t ip_len, used = strlen(out);
	bool v6;

	if (len > 0 && item[0] == '[') {
		const char *close = memchr(item, ']', len);

		if (close == NULL || (close + 1 < end && close[1] != ':'))
			return false;
		port = close + 1 < end ? close + 2 : NULL;
		item++;
		ip_len = close - item;
	} else {
		const char *colon = memchr(item, ':', len);

		if (colon != NULL && memchr(colon + 1, ':', end - colon - 1) != NULL)
			return false;
		port = colon != NULL ? colon + 1 : NULL;
		ip_len = colon != NULL ? (size_t)(colon - item) : len;
	}
	if (ip_len == 0 || ip_len >= sizeof(ip))
		return false;
	memcpy(ip, item, ip_len);
	ip[ip_len] = '\0';
	v6 = inet_pton(AF_INET, ip, &addr) != 1;
	if (v6 && inet_pton(AF_INET6, ip, &addr) != 1)
		return false;
	if (port != NULL) {
		if (port == end || end - port > 5)
			return false;
		port_value = 0;
		for (const char *p = port; p < end; p++) {
			if (*p < '0' || *p > '9')
				return false;
			port_value = port_value * 10 + (unsigned int)(*p - '0');
		}
		if (port_value < 1 || port_value > 65535)
			return false;
	}
	return (size_t)snprintf(out + used, size - used, v6 ? "%s[%s]:%u" : "%s%s:%u",
				used > 0 ? "," : "", ip, port_value) < size - used;
}

static bool dns_servers_canonical(const char *servers, char *out, size_t size)
{
	out[0] = '\0';
	for (const char *p = servers;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);

		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		if (!dns_server_append(p, end - p, out, size))
			return false;
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

static void dns_cached_free(void *value)
{
	struct dns_cached *cached = value;

	for (unsigned int i = 0; i < cached->count; i++)
		free(cached->records[i]);
	free(cached);
}

struct dns_resolver *dns_resolver_new(struct ev_loop *loop, const char *servers,
				      double timeout, unsigned int tries, const char **error_r)
{
	static char error[200];
	char canonical[1024];
	struct dns_resolver *resolver;
	struct ares_options options;
	int rc;

	if (!(timeout > 0 && timeout <= 3600) || tries < 1 || tries > 100) {
		*error_r = "DNS timeout must be in (0, 3600] seconds and tries in [1, 100]";
		return NULL;
	}
	if (servers != NULL && servers[0] != '\0' &&
	    !dns_servers_canonical(servers, canonical, sizeof(canonical))) {
		snprintf(error, sizeof(error), "invalid DNS servers \"%.100s\" (want "
			 "\"ip[:port],...\", IPv6 as \"[::1]:53\")", servers);
		*error_r = error;
		return NULL;
	}
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(error, sizeof(error), "cannot initialise c-ares: %s", ares_strerror(rc));
		*error_r = error;
		return NULL;
	}
	resolver = xcalloc(1, sizeof(*resolver));
	memset(&options, 0, sizeof(options));
	options.sock_state_cb = dns_sock_state_cb;
	options.sock_state_cb_data = resolver;
	options.timeout = timeout * 1000 < 1 ? 1 : (int)(timeout * 1000);
	options.tries = (int)tries;
	rc = ares_init_options(&resolver->channel, &options,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc == ARES_SUCCESS && servers != NULL && servers[0] != '\0') {
		rc = ares_set_servers_ports_csv(resolver->channel, canonical);
		if (rc != ARES_SUCCESS)
			ares_destroy(resolver->channel);
	}
	if (rc != ARES_SUCCESS) {
		snprintf(error, sizeof(error), "cannot initialise the DNS resolver: %s",
			 ares_strerror(rc));
		*error_r = error;
		free(resolver);
		ares_library_cleanup();
		return NULL;
	}
	resolver->loop = loop;
	resolver->cache = strcache_new(dns_cached_free);
	ev_timer_init(&resolver->timer, dns_timer_cb, 0., 0.);
	resolver->timer.data = resolver;
	if (getrandom(&resolver->random_state, sizeof(resolver->random_state), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(resolver->random_state))
		resolver->random_state = (uint64_t)time(NULL) ^ (uintptr_t)resolver;
	resolver->random_state |= 1;   /* xorshift must never hold 0 */
	return resolver;
}

static void dns_query_unlink(struct dns_query *query)
{
	if (query->prevp == NULL)
		return;
	*query->prevp = query->next;
	if (query->next != NULL)
		query->next->prevp = query->prevp;
	query->prevp = NULL;
}

/* Free a query that is off the resolver's list (or was never on it). */
static void dns_query_destroy(struct dns_query *query)
{
	for (unsigned int i = 0; query->mode == DNS_MODE_RECORDS && i < query->count; i++)
		free(query->records[i]);
	free(query);
}

static void dns_query_free(struct dns_query *query)
{
	ev_timer_stop(query->resolver->loop, &query->deliver);
	dns_query_unlink(query);
	dns_query_destroy(query);
}

void dns_resolver_free(struct dns_resolver **resolver_p)
{
	struct dns_resolver *resolver = *resolver_p;

	if (resolver == NULL)
		return;
	*resolver_p = NULL;
	/* ares_destroy answers every pending c-ares query with
	   ARES_EDESTRUCTION, which dns_answer_cb ignores */
	resolver->destroying = true;
	ev_timer_stop(resolver->loop, &resolver->timer);
	ares_destroy(resolver->channel);
	while (resolver->sockets != NULL)
		dns_sock_state_cb(resolver, resolver->sockets->io.fd, 0, 0);
	while (resolver->queries != NULL)
		dns_query_free(resolver->queries);
	strcache_free(&resolver->cache);
	free(resolver);
	ares_library_cleanup();
}

static uint64_t dns_random(struct dns_resolver *resolver)
{
	uint64_t x = resolver->random_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	resolver->random_state = x;
	return x;
}

/* Copy a domain or host name without its trailing dot into out; -1 when it
   is empty, too long or holds bytes no DNS name has. */
static int dns_name_normalise(const char *name, char out[DNS_NAME_MAX + 1])
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX || name[0] == '.')
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || (c == '.' && name[i + 1] == '.'))
			return -1;
	}
	memcpy(out, name, len);
	out[len] = '\0';
	return 0;
}

/* An IP literal — "192.0.2.1", "2001:db8::1", or as in an address
   "[192.0.2.1]", "[IPv6:2001:db8::1]" — becomes the host's only address. */
static bool dns_host_literal(struct dns_host *host, const char *text)
{
	char ip[INET6_ADDRSTRLEN + 8];
	size_t len = strlen(text);

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
		if (len > 5 && strncasecmp(text, "IPv6:", 5) == 0) {
			text += 5;
			len -= 5;
		}
	}
	if (len >= sizeof(ip))
		return false;
	memcpy(ip, text, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, &host->v4[0]) == 1)
		host->v4_count = 1;
	else if (inet_pton(AF_INET6, ip, &host->v6[0]) == 1)
		host->v6_count = 1;
	else
		return false;
	snprintf(host->name, sizeof(host->name), "%s", ip);
	return true;
}

static void dns_query_fail(struct dns_query *query, enum dns_result result, const char *fmt,
			   ...) __attribute__((format(printf, 3, 4)));
static void dns_query_fail(struct dns_query *query, enum dns_result result, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(query->error, sizeof(query->error), fmt, args);
	va_end(args);
	query->result = result;
}

static void dns_answer_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

static void dns_send(struct dns_query *query, struct dns_part *part, const char *name)
{
	query->pending++;
	ares_query(query->resolver->channel, name, ns_c_in, part->type, dns_answer_cb, part);
	dns_timer_update(query->resolver);
}

/* Ask for the A and AAAA records of hosts[index], unless it is a literal. */
static void dns_host_resolve(struct dns_query *query, unsigned int index, const char *name)
{
	struct dns_host *host = &query->hosts[index];
	static const int types[2] = { ns_t_a, ns_t_aaaa };

	if (dns_host_literal(host, name))
		return;
	snprintf(host->name, sizeof(host->name), "%s", name);
	for (unsigned int i = 0; i < 2; i++) {
		struct dns_part *part = &query->addr_parts[index][i];

		part->query = query;
		part->host = index;
		part->type = types[i];
		dns_send(query, part, host->name);
	}
}

static int dns_mx_compare(const void *a, const void *b)
{
	const struct ares_mx_reply *x = *(struct ares_mx_reply *const *)a;
	const struct ares_mx_reply *y = *(struct ares_mx_reply *const *)b;

	return (int)x->priority - (int)y->priority;
}

/* Sort the exchanges by preference and shuffle each run of equal
   preferences (RFC 5321 5.1), so senders spread over equal hosts. */
static void dns_mx_order(struct dns_resolver *resolver, struct ares_mx_reply **mx, size_t n)
{
	qsort(mx, n, sizeof(*mx), dns_mx_compare);
	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n && mx[end]->priority == mx[start]->priority; end++)
			;
		for (size_t i = end - 1; i > start; i--) {
			size_t j = start + dns_random(resolver) % (i - start + 1);
			struct ares_mx_reply *t = mx[i];

			mx[i] = mx[j];
			mx[j] = t;
		}
	}
}

/* Keep the usable exchanges of a parsed MX answer in the order to try. */
static void dns_mx_collect(struct dns_query *query, struct ares_mx_reply *list)
{
	struct ares_mx_reply **mx;
	size_t n = 0, usable = 0;

	for (struct ares_mx_reply *r = list; r != NULL; r = r->next)
		n++;
	if (n == 1 && (list->host[0] == '\0' || strcmp(list->host, ".") == 0)) {
		dns_query_fail(query, DNS_NULL_MX, "%s accepts no mail (null MX)", query->domain);
		return;
	}
	mx = xcalloc(n, sizeof(*mx));
	for (struct ares_mx_reply *r = list; r != NULL; r = r->next) {
		char name[DNS_NAME_MAX + 1];

		/* an empty exchange among others is a broken null MX: skip it */
		if (dns_name_normalise(r->host, name) == 0)
			mx[usable++] = r;
	}
	dns_mx_order(query->resolver, mx, usable);
	for (size_t i = 0; i < usable && query->count < DNS_MAX_MAIL_HOSTS; i++) {
		char name[DNS_NAME_MAX + 1];

		(void)dns_name_normalise(mx[i]->host, name);
		query->hosts[query->count].preference = mx[i]->priority;
		dns_host_resolve(query, query->count++, name);
	}
	free(mx);
	if (query->count == 0)
		dns_query_fail(query, DNS_NOT_FOUND, "the MX records of %s name no usable host",
			       query->domain);
}

static void dns_mx_answer(struct dns_query *query, int status, unsigned char *abuf, int alen)
{
	struct ares_mx_reply *list = NULL;

	if (status == ARES_SUCCESS) {
		status = ares_parse_mx_reply(abuf, alen, &list);
		if (status != ARES_SUCCESS && status != ARES_ENODATA)
			status = ARES_EBADRESP;
	}
	switch (status) {
	case ARES_SUCCESS:
		dns_mx_collect(query, list);
		break;
	case ARES_ENODATA:
		/* no MX: the domain is its own mail host (RFC 5321 5.1) */
		query->mode = DNS_MODE_IMPLICIT;
		query->count = 1;
		dns_host_resolve(query, 0, query->domain);
		break;
	case ARES_ENOTFOUND:
	case ARES_EBADNAME:
		dns_query_fail(query, DNS_NOT_FOUND, "domain %s does not exist", query->domain);
		break;
	default:
		dns_query_fail(query, DNS_TEMPORARY, "MX lookup for %s failed: %s", query->domain,
			       ares_strerror(status));
		break;
	}
	if (list != NULL)
		ares_free_data(list);
}

static void dns_addr_answer(struct dns_query *query, const struct dns_part *part, int status,
			    unsigned char *abuf, int alen)
{
	struct dns_host *host = &query->hosts[part->host];
	int n = DNS_MAX_HOST_ADDRS;

	if (status == ARES_SUCCESS && part->type == ns_t_a) {
		struct ares_addrttl ttls[DNS_MAX_HOST_ADDRS];

		status = ares_parse_a_reply(abuf, alen, NULL, ttls, &n);
		for (int i = 0; status == ARES_SUCCESS && i < n; i++)
			host->v4[host->v4_count++] = ttls[i].ipaddr;
	} else if (status == ARES_SUCCESS) {
		struct ares_addr6ttl ttls[DNS_MAX_HOST_ADDRS];

		status = ares_parse_aaaa_reply(abuf, alen, NULL, ttls, &n);
		for (int i = 0; status == ARES_SUCCESS && i < n; i++)
			memcpy(&host->v6[host->v6_count++], &ttls[i].ip6addr, sizeof(host->v6[0]));
	}
	if (status == ARES_SUCCESS || status == ARES_ENODATA || status == ARES_ENOTFOUND ||
	    status == ARES_EBADNAME)
		return;
	/* the exchange stays with no address; the domain is only deferred if
	   no other exchange has one */
	query->temporary = true;
	snprintf(query->error, sizeof(query->error), "%s lookup for %s failed: %s",
		 part->type == ns_t_a ? "A" : "AAAA", host->name, ares_strerror(status));
}

/* Keep one answer record's text (up to DNS_MAX_RECORDS of them). */
static void dns_record_add(struct dns_query *query, const char *text, size_t len)
{
	if (query->count >= DNS_MAX_RECORDS)
		return;
	query->records[query->count] = xmalloc(len + 1);
	memcpy(query->records[query->count], text, len);
	query->records[query->count++][len] = '\0';
}

/* A TXT answer: each record's strings joined (RFC 7208 3.3). */
static int dns_txt_answer(struct dns_query *query, unsigned char *abuf, int alen)
{
	struct ares_txt_ext *list = NULL;
	struct strbuf text = STRBUF_INIT;
	int status = ares_parse_txt_reply_ext(abuf, alen, &list);

	for (struct ares_txt_ext *t = list; status == ARES_SUCCESS && t != NULL; t = t->next) {
		if (t->record_start && t != list) {
			dns_record_add(query, strbuf_cstr(&text), text.len);
			strbuf_truncate(&text, 0);
		}
		strbuf_append_n(&text, (const char *)t->txt, t->length);
	}
	if (status == ARES_SUCCESS && list != NULL)
		dns_record_add(query, strbuf_cstr(&text), text.len);
	strbuf_free(&text);
	if (list != NULL)
		ares_free_data(list);
	return status;
}

static void dns_records_not_found(struct dns_query *query)
{
	dns_query_fail(query, DNS_NOT_FOUND, "%s has no such record", query->domain);
}

/* The length of the (possibly compressed) name at abuf[pos], or -1. */
static int dns_name_skip(const unsigned char *abuf, int alen, int pos)
{
	int start = pos;

	while (pos < alen) {
		unsigned int len = abuf[pos];

		if ((len & 0xc0) == 0xc0)
			return pos + 2 <= alen ? pos + 2 - start : -1;
		if ((len & 0xc0) != 0)
			return -1;
		pos += (int)len + 1;
		if (len == 0)
			return pos - start;
	}
	return -1;
}

static uint32_t dns_read32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* How long an answer may be remembered: the smallest TTL of its answer
   records, or for an answer without any the negative TTL of the SOA in
   its authority section (the smaller of the SOA's TTL and its MINIMUM,
   RFC 2308 5); 0 (do not remember) when there is neither or the message
   does not parse. */
static uint32_t dns_answer_ttl(const unsigned char *abuf, int alen)
{
	unsigned int questions, answers, authority;
	uint32_t ttl = UINT32_MAX;
	int pos = 12, n;

	if (alen < 12)
		return 0;
	questions = abuf[4] << 8 | abuf[5];
	answers = abuf[6] << 8 | abuf[7];
	authority = abuf[8] << 8 | abuf[9];
	for (unsigned int i = 0; i < questions; i++, pos += n + 4) {
		if ((n = dns_name_skip(abuf, alen, pos)) < 0)
			return 0;
	}
	for (unsigned int i = 0; i < answers + authority; i++) {
		unsigned int type, rdlen;
		uint32_t rr_ttl;

		if ((n = dns_name_skip(abuf, alen, pos)) < 0 || pos + n + 10 > alen)
			return 0;
		pos += n;
		type = abuf[pos] << 8 | abuf[pos + 1];
		rr_ttl = dns_read32(abuf + pos + 4);
		rdlen = abuf[pos + 8] << 8 | abuf[pos + 9];
		pos += 10;
		if (pos + (int)rdlen > alen)
			return 0;
		if (i < answers && rr_ttl < ttl)
			ttl = rr_ttl;
		if (i >= answers && answers == 0 && type == ns_t_soa && rdlen >= 20) {
			uint32_t minimum = dns_read32(abuf + pos + rdlen - 4);

			ttl = minimum < rr_ttl ? minimum : rr_ttl;
		}
		pos += (int)rdlen;
	}
	return ttl == UINT32_MAX ? 0 : ttl;
}

/* "type/name", the name lower-cased: DNS names are case-blind. */
static void dns_cache_key(const struct dns_query *query, char *key, size_t size)
{
	int len = snprintf(key, size, "%d/%s", query->mx_part.type, query->domain);

	for (int i = 0; i < len && (size_t)i < size; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
}

/* Remember the query's answer for ttl seconds (capped). */
static void dns_cache_store(struct dns_query *query, uint32_t ttl)
{
	struct dns_resolver *resolver = query->resolver;
	struct dns_cached *cached;
	char key[DNS_NAME_MAX + 16];

	if (ttl == 0)
		return;
	cached = xcalloc(1, sizeof(*cached) + query->count * sizeof(cached->records[0]));
	cached->expires = ev_now(resolver->loop) + (ttl < DNS_CACHE_MAX_TTL ? ttl :
						     DNS_CACHE_MAX_TTL);
	cached->result = query->result;
	cached->count = query->count;
	for (unsigned int i = 0; i < query->count; i++)
		cached->records[i] = xstrdup(query->records[i]);
	dns_cache_key(query, key, sizeof(key));
	strcache_put(resolver->cache, key, cached, ev_now(resolver->loop), DNS_CACHE_MAX_ENTRIES);
}

/* Answer the query from memory when a fresh answer is remembered. */
static bool dns_cache_answer(struct dns_query *query)
{
	struct dns_resolver *resolver = query->resolver;
	double now = ev_now(resolver->loop);
	const struct dns_cached *cached;
	char key[DNS_NAME_MAX + 16];

	dns_cache_key(query, key, sizeof(key));
	cached = strcache_get(resolver->cache, key, now, DNS_CACHE_MAX_TTL);
	if (cached == NULL || cached->expires <= now)
		return false;
	for (unsigned int i = 0; i < cached->count; i++)
		dns_record_add(query, cached->records[i], strlen(cached->records[i]));
	if (cached->result == DNS_NOT_FOUND)
		dns_records_not_found(query);
	return true;
}

/* An A, AAAA, MX, TXT or PTR answer of a records query, kept as text. */
static void dns_records_answer(struct dns_query *query, int status, unsigned char *abuf,
			       int alen)
{
	int type = query->mx_part.type, n = DNS_MAX_RECORDS;

	if (status == ARES_SUCCESS && type == ns_t_txt) {
		status = dns_txt_answer(query, abuf, alen);
	} else if (status == ARES_SUCCESS && type == ns_t_ptr) {
		struct hostent *host = NULL;

		status = ares_parse_ptr_reply(abuf, alen, NULL, 0, AF_INET, &host);
		if (status == ARES_SUCCESS && host->h_name != NULL)
			dns_record_add(query, host->h_name, strlen(host->h_name));
		if (host != NULL)
			ares_free_hostent(host);
	} else if (status == ARES_SUCCESS && type == ns_t_mx) {
		struct ares_mx_reply *list = NULL;

		status = ares_parse_mx_reply(abuf, alen, &list);
		for (struct ares_mx_reply *r = list; status == ARES_SUCCESS && r != NULL; r = r->next)
			dns_record_add(query, r->host, strlen(r->host));
		if (list != NULL)
			ares_free_data(list);
	} else if (status == ARES_SUCCESS) {
		struct ares_addrttl v4[DNS_MAX_RECORDS];
		struct ares_addr6ttl v6[DNS_MAX_RECORDS];
		char ip[INET6_ADDRSTRLEN];

		status = type == ns_t_a ? ares_parse_a_reply(abuf, alen, NULL, v4, &n) :
			ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
		for (int i = 0; status == ARES_SUCCESS && i < n; i++) {
			inet_ntop(type == ns_t_a ? AF_INET : AF_INET6,
				  type == ns_t_a ? (void *)&v4[i].ipaddr : (void *)&v6[i].ip6addr,
				  ip, sizeof(ip));
			dns_record_add(query, ip, strlen(ip));
		}
	}
	if (status == ARES_SUCCESS && query->count == 0)
		status = ARES_ENODATA;
	if (status == ARES_ENODATA || status == ARES_ENOTFOUND || status == ARES_EBADNAME)
		dns_records_not_found(query);
	else if (status != ARES_SUCCESS)
		dns_query_fail(query, DNS_TEMPORARY, "lookup of %s failed: %s", query->domain,
			       ares_strerror(status));
	if (query->result != DNS_TEMPORARY && abuf != NULL)
		dns_cache_store(query, dns_answer_ttl(abuf, alen));
}

static void dns_deliver_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* One c-ares query is done; the last one starts the delivery. */
static void dns_query_release(struct dns_query *query)
{
	if (--query->pending > 0)
		return;
	if (query->cancelled) {
		dns_query_free(query);
		return;
	}
	ev_timer_set(&query->deliver, 0., 0.);
	ev_timer_start(query->resolver->loop, &query->deliver);
}

static void dns_answer_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_part *part = arg;
	struct dns_query *query = part->query;

	(void)timeouts;
	/* the resolver is being freed: it frees every query itself */
	if (status == ARES_EDESTRUCTION || query->resolver->destroying)
		return;
	if (!query->cancelled) {
		if (query->mode == DNS_MODE_RECORDS)
			dns_records_answer(query, status, abuf, alen);
		else if (part->type == ns_t_mx)
			dns_mx_answer(query, status, abuf, alen);
		else
			dns_addr_answer(query, part, status, abuf, alen);
	}
	dns_query_release(query);
}

/* Fill the hosts' sockaddrs (IPv4 first) and decide the final result from
   the addresses found. Returns the number of hosts to report. */
static unsigned int dns_query_finish(struct dns_query *query, struct dns_mail_host *out)
{
	unsigned int total = 0;

	if (query->result != DNS_OK)
		return 0;
	for (unsigned int i = 0; i < query->count; i++) {
		struct dns_host *host = &query->hosts[i];
		unsigned int n = 0;

		memset(host->addrs, 0, sizeof(host->addrs));
		for (unsigned int k = 0; k < host->v4_count; k++, n++) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&host->addrs[n];

			sin->sin_family = AF_INET;
			sin->sin_addr = host->v4[k];
		}
		for (unsigned int k = 0; k < host->v6_count && n < DNS_MAX_HOST_ADDRS; k++, n++) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&host->addrs[n];

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = host->v6[k];
		}
		out[i] = (struct dns_mail_host){ host->name, host->preference, host->addrs, n };
		total += n;
	}
	if (total > 0)
		return query->count;
	if (query->temporary)
		query->result = DNS_TEMPORARY;     /* query->error says which lookup */
	else if (query->mode == DNS_MODE_MAIL)
		dns_query_fail(query, DNS_NOT_FOUND, "no mail host of %s has an address",
			       query->domain);
	else if (query->mode == DNS_MODE_IMPLICIT)
		dns_query_fail(query, DNS_NOT_FOUND, "%s has neither MX nor address records",
			       query->domain);
	else
		dns_query_fail(query, DNS_NOT_FOUND, "host %s has no address", query->domain);
	return 0;
}

static void dns_deliver_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dns_query *query = w->data;
	struct dns_mail_host hosts[DNS_MAX_MAIL_HOSTS];
	unsigned int count;

	(void)revents;
	ev_timer_stop(loop, w);
	/* off the resolver's list: the callback may free the resolver */
	dns_query_unlink(query);
	query->delivering = true;
	if (query->mode == DNS_MODE_RECORDS) {
		query->records_callback(query->ctx, query->result,
					query->result == DNS_OK ? NULL : query->error,
					(const char *const *)query->records, query->count);
		dns_query_destroy(query);
		return;
	}
	count = dns_query_finish(query, hosts);
	query->callback(query->ctx, query->result,
			query->result == DNS_OK ? NULL : query->error, hosts, count);
	free(query);
}

static struct dns_query *dns_query_new(struct dns_resolver *resolver, const char *name,
				       enum dns_mode mode, dns_mail_hosts_callback_t *callback,
				       void *ctx)
{
	size_t hosts = mode == DNS_MODE_RECORDS ? 0 : DNS_MAX_MAIL_HOSTS;
	struct dns_query *query = xcalloc(1, sizeof(*query) + hosts * sizeof(query->hosts[0]));

	query->resolver = resolver;
	query->callback = callback;
	query->ctx = ctx;
	query->mode = mode;
	query->result = DNS_OK;
	/* held until the lookup call returns: an answer c-ares gives
	   synchronously must not finish the query while it is being started */
	query->pending = 1;
	ev_timer_init(&query->deliver, dns_deliver_cb, 0., 0.);
	query->deliver.data = query;
	query->next = resolver->queries;
	if (query->next != NULL)
		query->next->prevp = &query->next;
	query->prevp = &resolver->queries;
	resolver->queries = query;
	if (dns_name_normalise(name, query->domain) < 0) {
		snprintf(query->domain, sizeof(query->domain), "%.60s", name);
		dns_query_fail(query, DNS_NOT_FOUND, "\"%.60s\" is not a valid %s name", name,
			       mode == DNS_MODE_HOST ? "host" : "domain");
	}
	return query;
}

struct dns_query *dns_lookup_mail_hosts(struct dns_resolver *resolver, const char *domain,
					dns_mail_hosts_callback_t *callback, void *ctx)
{
	struct dns_query *query = dns_query_new(resolver, domain, DNS_MODE_MAIL, callback, ctx);

	if (query->result == DNS_OK) {
		/* an address literal domain ("[192.0.2.1]") is its own host */
		if (dns_host_literal(&query->hosts[0], query->domain)) {
			query->count = 1;
		} else {
			query->mx_part.query = query;
			query->mx_part.type = ns_t_mx;
			dns_send(query, &query->mx_part, query->domain);
		}
	}
	dns_query_release(query);
	return query;
}

struct dns_query *dns_lookup_host(struct dns_resolver *resolver, const char *host,
				  dns_mail_hosts_callback_t *callback, void *ctx)
{
	struct dns_query *query = dns_query_new(resolver, host, DNS_MODE_HOST, callback, ctx);

	if (query->result == DNS_OK) {
		query->count = 1;
		dns_host_resolve(query, 0, query->domain);
	}
	dns_query_release(query);
	return query;
}

struct dns_query *dns_lookup_records(struct dns_resolver *resolver, const char *name,
				     enum dns_rr_type type, dns_records_callback_t *callback,
				     void *ctx)
{
	static const int types[] = {
		[DNS_RR_A] = ns_t_a, [DNS_RR_AAAA] = ns_t_aaaa,
		[DNS_RR_MX] = ns_t_mx, [DNS_RR_TXT] = ns_t_txt, [DNS_RR_PTR] = ns_t_ptr,
	};
	struct dns_query *query = dns_query_new(resolver, name, DNS_MODE_RECORDS, NULL, ctx);

	query->records_callback = callback;
	query->mx_part.query = query;
	query->mx_part.type = types[type];
	if (query->result == DNS_OK && !dns_cache_answer(query))
		dns_send(query, &query->mx_part, query->domain);
	dns_query_release(query);
	return query;
}

int dns_reverse_name(const char *ip, const char *zone, char *out, size_t size)
{
	unsigned char bytes[16];
	size_t used = 0;
	int n;

	if (inet_pton(AF_INET, ip, bytes) == 1) {
		n = snprintf(out, size, "%u.%u.%u.%u.%s", bytes[3], bytes[2], bytes[1], bytes[0],
			     zone);
		return n > 0 && (size_t)n < size ? 0 : -1;
	}
	if (inet_pton(AF_INET6, ip, bytes) != 1 || size < 64 + 1)
		return -1;
	/* nibbles, least significant first (RFC 3596 2.5) */
	for (int i = 15; i >= 0; i--) {
		out[used++] = "0123456789abcdef"[bytes[i] & 0xf];
		out[used++] = '.';
		out[used++] = "0123456789abcdef"[bytes[i] >> 4];
		out[used++] = '.';
	}
	n = snprintf(out + used, size - used, "%s", zone);
	return n >= 0 && (size_t)n < size - used ? 0 : -1;
}

void dns_query_cancel(struct dns_query *query)
{
	/* from inside its own callback the query is about to be freed anyway */
	if (query->delivering)
		return;
	query->cancelled = true;
	if (query->pending == 0)
		dns_query_free(query);
}
