/*
 * dns.h — asynchronous DNS for a worker's libev loop, on c-ares.
 *
 * The outbound queue asks "which hosts receive mail for this domain, and
 * at which addresses?" (dns_lookup_mail_hosts: MX in preference order,
 * then A and AAAA of each exchange; a domain without MX is its own mail
 * host, RFC 5321 5.1; a null MX, RFC 7505, means it accepts no mail), or
 * the addresses of one fixed host (dns_lookup_host: smarthosts and
 * transports). c-ares' sockets and timeouts are driven by ev_io/ev_timer
 * watchers, so a slow or silent DNS server never blocks the loop.
 *
 * Policy checks ask for one name's records of one type as text
 * (dns_lookup_records: DNSBL A records, SPF/DKIM/DMARC TXT records, and
 * the A/AAAA/MX records SPF mechanisms need, PTR names of clients for
 * rules).
 *
 * The servers come from the bootstrap file ([dns] servers = "ip[:port],…");
 * without it, from /etc/resolv.conf.
 */
#ifndef DNS_H
#define DNS_H

#include <ev.h>
#include <stddef.h>
#include <sys/socket.h>

struct dns_resolver;
struct dns_query;

enum dns_result {
	DNS_OK,
	DNS_NOT_FOUND,   /* NXDOMAIN, or neither MX nor address: permanent */
	DNS_NULL_MX,     /* "MX 0 ." — the domain accepts no mail: permanent */
	DNS_TEMPORARY,   /* timeout, SERVFAIL, refused, no reachable server */
};

#define DNS_MAX_MAIL_HOSTS 16        /* exchanges kept per domain */
#define DNS_MAX_HOST_ADDRS 8         /* addresses kept per exchange */
#define DNS_MAX_RECORDS 32           /* records kept per dns_lookup_records */

enum dns_rr_type { DNS_RR_A, DNS_RR_AAAA, DNS_RR_MX, DNS_RR_TXT, DNS_RR_PTR };

struct dns_mail_host {
	const char *name;                   /* exchange (or the domain itself) */
	unsigned int preference;            /* MX preference; 0 for a single host */
	const struct sockaddr_storage *addrs;   /* port 0; IPv4 before IPv6 */
	unsigned int addr_count;            /* may be 0 for an exchange without address */
};

/* hosts are in the order to try them (lowest preference first, shuffled
   among equal preferences) and valid only during the callback; error is a
   sentence for logs and DSNs when result != DNS_OK (then count is 0, and
   error NULL when DNS_OK). With DNS_OK at least one host has an address;
   an exchange whose lookups failed has addr_count 0 and is to be skipped.
   The callback may cancel other queries or free the resolver. */
typedef void dns_mail_hosts_callback_t(void *ctx, enum dns_result result, const char *error,
				       const struct dns_mail_host *hosts, unsigned int count);

/* records are the answer's records as text, valid only during the
   callback: A/AAAA as an address ("127.0.0.2"), MX as the exchange name,
   TXT as the record's strings joined, PTR as the host name (look up the
   dns_reverse_name of an address under "in-addr.arpa" or "ip6.arpa"). DNS_NOT_FOUND for NXDOMAIN and for
   a name without records of the type (count 0); error as above. */
typedef void dns_records_callback_t(void *ctx, enum dns_result result, const char *error,
				    const char *const *records, unsigned int count);

/* servers: NULL or "" for /etc/resolv.conf, else "ip[:port],…" (IPv6 as
   "[::1]:53"). timeout: seconds per try; tries: attempts per server.
   Returns NULL with *error_r (static) on bad input or c-ares failure. */
struct dns_resolver *dns_resolver_new(struct ev_loop *loop, const char *servers,
				      double timeout, unsigned int tries, const char **error_r);
/* Pending queries are cancelled without their callbacks. */
void dns_resolver_free(struct dns_resolver **resolver);

/* The callback runs exactly once, later (never from inside this call),
   unless the query is cancelled first. domain may be an address literal
   ("[192.0.2.1]", "[IPv6:2001:db8::1]"): then it is its own single host.
   An MX naming an IP literal is taken as that address. */
struct dns_query *dns_lookup_mail_hosts(struct dns_resolver *resolver, const char *domain,
					dns_mail_hosts_callback_t *callback, void *ctx);
/* One host name or IP literal ("192.0.2.1", "2001:db8::1") as a single
   mail host. */
struct dns_query *dns_lookup_host(struct dns_resolver *resolver, const char *host,
				  dns_mail_hosts_callback_t *callback, void *ctx);
/* The records of one type of name; the callback runs exactly once, later,
   unless the query is cancelled (same rules as dns_lookup_mail_hosts). */
struct dns_query *dns_lookup_records(struct dns_resolver *resolver, const char *name,
				     enum dns_rr_type type, dns_records_callback_t *callback,
				     void *ctx);
/* The name to look up for an IP address under zone: "2.0.0.127.zone" for
   IPv4, 32 nibbles for IPv6 (RFC 3596), e.g. with zone "in-addr.arpa" or
   a DNSBL zone. Returns 0, or -1 when ip is no address or out too small. */
int dns_reverse_name(const char *ip, const char *zone, char *out, size_t size);
/* The callback will not run; the query is freed (internally once its
   outstanding c-ares queries return). Safe at any time before the
   callback, also from inside another query's callback; a no-op from
   inside its own. */
void dns_query_cancel(struct dns_query *query);

#endif
