/*
 * pgq-route.c — parsing of the outbound routing settings (see pgq-route.h).
 *
 * The three "domain list" settings share one walk (pgq_list_lookup) that
 * splits items, checks each domain pattern and value, and keeps the best
 * match. Numbers go through the settings registry's own parser with the
 * bounds of the matching global settings, so "10" means the same here as
 * in outbound_domain_concurrency.
 */
#include "pgq-route.h"

#include "settings.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PGQ_NAME_MAX 253
/* Outranks any subdomain item, whose rank is its length. */
#define PGQ_RANK_EXACT 1000

static char pgq_route_error[400];

static const struct setting_def pgq_port_def = {
	"port", SETTING_INT, "25", 1, 65535, "a TCP port",
};

/* "setting item N ('text') is not form"; index 0 for a single value. */
static const char *pgq_fail(const char *setting, unsigned int index, const char *item,
			    size_t len, const char *form)
{
	char where[24] = "";

	if (index > 0)
		snprintf(where, sizeof(where), " item %u", index);
	snprintf(pgq_route_error, sizeof(pgq_route_error), "%s%s ('%.*s') is not %s",
		 setting, where, (int)(len > 60 ? 60 : len), item, form);
	return pgq_route_error;
}

/* [start, start+len) without surrounding blanks. */
static void pgq_trim(const char **start, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**start)) {
		(*start)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*start)[*len - 1]))
		(*len)--;
}

/* A host or domain name: letters, digits, '-', '_' and single dots, no
   leading dot or hyphen; a trailing dot is dropped from *len. */
static bool pgq_name_valid(const char *name, size_t *len)
{
	if (*len > 0 && name[*len - 1] == '.')
		(*len)--;
	if (*len == 0 || *len > PGQ_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < *len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
		if (c == '.' && i + 1 < *len && name[i + 1] == '.')
			return false;
	}
	return true;
}

/* How well the pattern [pat, pat+len) matches domain: -1 not at all,
   PGQ_RANK_EXACT for the domain itself, else the length of the matching
   ".suffix". */
static int pgq_pattern_rank(const char *pat, size_t len, const char *domain)
{
	size_t dlen = strlen(domain);

	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (pat[0] != '.')
		return dlen == len && strncasecmp(domain, pat, len) == 0 ? PGQ_RANK_EXACT : -1;
	if (dlen > len && strncasecmp(domain + dlen - len, pat, len) == 0)
		return (int)len;
	return -1;
}

/* A domain item: "example.test" or ".example.test". */
static bool pgq_pattern_valid(const char *pat, size_t *len)
{
	size_t rest;

	if (*len > 0 && pat[0] == '.') {
		rest = *len - 1;
		if (!pgq_name_valid(pat + 1, &rest))
			return false;
		*len = rest + 1;
		return true;
	}
	return pgq_name_valid(pat, len);
}

static bool pgq_number(const struct setting_def *def, const char *text, size_t len,
		       unsigned int *value_r)
{
	char buf[24];
	long long n;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (settings_parse_number(def, buf, &n) < 0)
		return false;
	*value_r = (unsigned int)n;
	return true;
}

/* Reads one item's value [text, text+len) into out; false when malformed. */
typedef bool pgq_value_parser_t(const char *text, size_t len, void *out);

/* Walk every item of list ("pattern" or, with parse, "pattern=value"),
   keep in *best (size bytes) the value of the best match; each value is
   parsed into scratch, preset from initial. Returns 1, 0 (no match or
   empty list) or -1 with *error_r; *best is only meaningful on 1. */
static int pgq_list_lookup(const char *setting, const char *form, const char *list,
			   const char *domain, pgq_value_parser_t *parse, const void *initial,
			   void *scratch, void *best, size_t size, const char **error_r)
{
	const char *p = list;
	size_t blank = strspn(list, " \t");
	int best_rank = -1;

	if (list[blank] == '\0')
		return 0;
	for (unsigned int index = 1;; index++) {
		const char *comma = strchr(p, ',');
		const char *item = p;
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		const char *eq;
		size_t key_len;
		int rank;

		pgq_trim(&item, &len);
		eq = parse != NULL ? memchr(item, '=', len) : NULL;
		key_len = eq != NULL ? (size_t)(eq - item) : len;
		pgq_trim(&item, &key_len);
		if ((parse != NULL && eq == NULL) || !pgq_pattern_valid(item, &key_len)) {
			*error_r = pgq_fail(setting, index, item, len, form);
			return -1;
		}
		if (parse != NULL) {
			const char *value = eq + 1;
			size_t value_len = len - (size_t)(value - item);

			pgq_trim(&value, &value_len);
			memcpy(scratch, initial, size);
			if (!parse(value, value_len, scratch)) {
				*error_r = pgq_fail(setting, index, item, len, form);
				return -1;
			}
		}
		rank = pgq_pattern_rank(item, key_len, domain);
		if (rank > best_rank) {
			best_rank = rank;
			if (parse != NULL)
				memcpy(best, scratch, size);
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return best_rank >= 0 ? 1 : 0;
}

/* "host", "host:port", "[host]", "[host]:port" or a bare IPv6 address. */
static bool pgq_host_parse(const char *text, size_t len, void *out)
{
	struct pgq_route *route = out;
	const char *host = text, *port = NULL;
	size_t host_len = len;
	struct in6_addr addr;
	char buf[64];
	bool literal;

	memset(route, 0, sizeof(*route));
	if (len > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', len);

		if (close == NULL)
			return false;
		host = text + 1;
		host_len = (size_t)(close - host);
		if (close + 1 < text + len) {
			if (close[1] != ':')
				return false;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(text, ':', len);

		/* more than one ':' is a bare IPv6 address, without port */
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(text + len - colon - 1)) == NULL) {
			host_len = (size_t)(colon - text);
			port = colon + 1;
		}
	}
	literal = host_len < sizeof(buf);
	if (literal) {
		memcpy(buf, host, host_len);
		buf[host_len] = '\0';
		literal = inet_pton(AF_INET, buf, &addr) == 1 || inet_pton(AF_INET6, buf, &addr) == 1;
	}
	/* a name never holds ':', so a bare "2001:db8::1" must be a literal */
	if (!literal && !pgq_name_valid(host, &host_len))
		return false;
	if (port != NULL &&
	    !pgq_number(&pgq_port_def, port, (size_t)(text + len - port), &route->port))
		return false;
	memcpy(route->host, host, host_len);
	route->host[host_len] = '\0';
	return true;
}

int pgq_route_transport(const char *setting, const char *domain, struct pgq_route *route_r,
			const char **error_r)
{
	static const struct pgq_route initial;
	struct pgq_route scratch, best;
	int ret = pgq_list_lookup("outbound_transport", "\"domain=host[:port]\"", setting, domain,
				  pgq_host_parse, &initial, &scratch, &best, sizeof(best), error_r);

	if (ret == 1)
		*route_r = best;
	return ret;
}

int pgq_route_smarthost(const char *setting, struct pgq_route *route_r, const char **error_r)
{
	struct pgq_route route;
	const char *text = setting, *at = NULL, *colon, *host;
	size_t len = strlen(setting), user_len, password_len, host_len;

	pgq_trim(&text, &len);
	if (len == 0)
		return 0;
	for (const char *p = text; p < text + len; p++) {
		if (*p == '@')
			at = p;
	}
	host = at != NULL ? at + 1 : text;
	host_len = (size_t)(text + len - host);
	if (!pgq_host_parse(host, host_len, &route)) {
		/* only the host part: the text may hold a password */
		*error_r = pgq_fail("outbound_smarthost host", 0, host, host_len,
				    "\"host[:port]\" (after an optional \"user:password@\")");
		return -1;
	}
	if (at != NULL) {
		colon = memchr(text, ':', (size_t)(at - text));
		user_len = colon != NULL ? (size_t)(colon - text) : 0;
		password_len = colon != NULL ? (size_t)(at - colon - 1) : 0;
		if (user_len == 0 || password_len == 0 || user_len >= sizeof(route.user) ||
		    password_len >= sizeof(route.password)) {
			snprintf(pgq_route_error, sizeof(pgq_route_error), "outbound_smarthost "
				 "credentials must be \"user:password@\" with both parts non-empty "
				 "and under %zu bytes", sizeof(route.user));
			*error_r = pgq_route_error;
			return -1;
		}
		memcpy(route.user, text, user_len);
		memcpy(route.password, colon + 1, password_len);
		route.has_auth = true;
	}
	*route_r = route;
	return 1;
}

int pgq_domain_listed(const char *list, const char *domain, const char **error_r)
{
	return pgq_list_lookup("outbound_tls_required_domains", "a domain or \".domain\"", list,
			       domain, NULL, NULL, NULL, NULL, 0, error_r);
}

/* "connections[/rate]"; a missing rate stays as the caller preset it. */
static bool pgq_limits_parse(const char *text, size_t len, void *out)
{
	struct pgq_limits *limits = out;
	const char *end = text + len, *slash = memchr(text, '/', len), *rate;
	size_t conn_len = slash != NULL ? (size_t)(slash - text) : len, rate_len;

	pgq_trim(&text, &conn_len);
	if (!pgq_number(settings_find("outbound_domain_concurrency"), text, conn_len,
			&limits->connections))
		return false;
	if (slash == NULL)
		return true;
	rate = slash + 1;
	rate_len = (size_t)(end - rate);
	pgq_trim(&rate, &rate_len);
	return pgq_number(settings_find("outbound_domain_rate"), rate, rate_len, &limits->rate);
}

int pgq_domain_limits(const char *setting, const char *domain, unsigned int default_connections,
		      unsigned int default_rate, struct pgq_limits *limits_r,
		      const char **error_r)
{
	struct pgq_limits defaults = { default_connections, default_rate };
	struct pgq_limits scratch, best;
	int ret = pgq_list_lookup("outbound_domain_limits",
				  "\"domain=connections[/messages per minute]\"", setting, domain,
				  pgq_limits_parse, &defaults, &scratch, &best, sizeof(best), error_r);

	*limits_r = ret == 1 ? best : defaults;
	return ret;
}

int pgq_tls_policy_parse(const char *text, enum pgq_tls_policy *policy_r, const char **error_r)
{
	static const char *const names[] = { "none", "may", "encrypt" };
	size_t len = strlen(text);

	pgq_trim(&text, &len);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (len == strlen(names[i]) && strncasecmp(text, names[i], len) == 0) {
			*policy_r = (enum pgq_tls_policy)i;
			return 0;
		}
	}
	snprintf(pgq_route_error, sizeof(pgq_route_error),
		 "outbound_tls '%.40s' is not none, may or encrypt", text);
	*error_r = pgq_route_error;
	return -1;
}
