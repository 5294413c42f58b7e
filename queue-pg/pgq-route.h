/*
 * pgq-route.h — the outbound routing settings parsed for one destination:
 * where mail for a domain goes (outbound_transport, outbound_smarthost),
 * whether it must travel over TLS (outbound_tls,
 * outbound_tls_required_domains) and how many connections and messages
 * per minute it gets (outbound_domain_limits). Pure: no I/O, unit-tested
 * in test-pgq-route.c.
 *
 * Domain lists are comma-separated with blanks allowed around items.
 * "example.test" matches only that domain, ".example.test" only its
 * subdomains (Postfix's style); an exact item wins over a subdomain item,
 * a longer subdomain item over a shorter one, and among equals the first.
 * Comparisons ignore case and a trailing dot. Every item is checked on
 * every call, so a malformed setting is reported whichever domain is
 * asked about; errors are sentences naming the setting and the item
 * (static storage, valid until the next call).
 */
#ifndef PGQ_ROUTE_H
#define PGQ_ROUTE_H

#include <stdbool.h>

struct pgq_route {
	char host[256];          /* host name or IP literal, without brackets */
	unsigned int port;       /* 0: not given, use the default */
	bool has_auth;           /* smarthost credentials given */
	char user[256];
	char password[256];
};

struct pgq_limits {
	unsigned int connections;    /* >= 1 */
	unsigned int rate;           /* messages per minute; 0 = unlimited */
};

enum pgq_tls_policy {
	PGQ_TLS_NONE,            /* never STARTTLS */
	PGQ_TLS_MAY,             /* STARTTLS when offered */
	PGQ_TLS_ENCRYPT,         /* TLS required */
};

/* outbound_transport "domain=host[:port], ...": the next hop for domain.
   host is a name, "[name]", an IP literal ("192.0.2.1", "[2001:db8::1]")
   or a bare IPv6 address (then without port). Returns 1 with *route_r
   (has_auth false), 0 when domain is not listed, -1 with *error_r when
   the setting is malformed; *route_r is only written on 1. */
int pgq_route_transport(const char *setting, const char *domain, struct pgq_route *route_r,
			const char **error_r);

/* outbound_smarthost "[user:password@]host[:port]" (the last '@' ends the
   credentials, the first ':' in them ends the user, so a password may hold
   ':' and '@'). Returns 1 with *route_r, 0 when the setting is empty
   (deliver directly), -1 with *error_r. */
int pgq_route_smarthost(const char *setting, struct pgq_route *route_r, const char **error_r);

/* outbound_tls_required_domains "a.test, .b.test": 1 when domain is
   listed, 0 when not, -1 with *error_r when the list is malformed. */
int pgq_domain_listed(const char *list, const char *domain, const char **error_r);

/* outbound_domain_limits "domain=connections[/messages per minute], ...":
   the limits for domain. Connections are 1..10000, rates 0..10000000 (the
   bounds of outbound_domain_concurrency / outbound_domain_rate); a rate
   left out is default_rate. Returns 1 (listed) or 0 (not listed: the
   defaults), or -1 with *error_r (also the defaults); *limits_r is always
   written. */
int pgq_domain_limits(const char *setting, const char *domain, unsigned int default_connections,
		      unsigned int default_rate, struct pgq_limits *limits_r,
		      const char **error_r);

/* outbound_tls "none", "may" or "encrypt" (any case, blanks around).
   Returns 0, or -1 with *error_r and *policy_r untouched. */
int pgq_tls_policy_parse(const char *text, enum pgq_tls_policy *policy_r, const char **error_r);

#endif
