/*
 * settings.c — the registry of cluster-wide settings, value parsing and the
 * in-memory cache of rows from the `settings` table (see settings.h).
 *
 * The registry is a sorted static array searched with bsearch(). The cache is
 * a chained hash table keyed by (scope, scope_id, name) that grows as rows
 * are added; a node clears and refills it whenever the table changes.
 */
#include "settings.h"

#include "log.h"
#include "xalloc.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SETTING_STRING_MAX_LEN 1024

/* Sorted by name: settings_find() relies on it. */
static const struct setting_def settings_registry[] = {
	{ "admin_access_token_ttl", SETTING_DURATION, "15m", 1, 86400,
	  "How long a web admin access token (POST /api/v1/auth) is honoured; "
	  "a client renews it with its refresh token" },
	{ "admin_max_pending", SETTING_INT, "64", 1, 100000,
	  "Web admin API requests a worker queues for its admin threads; more "
	  "are answered 503 at once" },
	{ "admin_refresh_token_ttl", SETTING_DURATION, "30d", 1, 365 * 86400,
	  "How long a web admin refresh token may be used to get new access "
	  "tokens; logging out revokes it earlier" },
	{ "admin_setup_link_ttl", SETTING_DURATION, "24h", 300, 30 * 86400,
	  "How long the one-time set-up link printed by petrelctl admin "
	  "setup-link stays valid" },
	{ "admin_threads", SETTING_INT, "2", 1, 64,
	  "Threads per worker that run web admin API requests (each with its "
	  "own PostgreSQL connection, opened on first use); read when a worker "
	  "starts" },
	{ "alias_max_depth", SETTING_INT, "10", 1, 100,
	  "How many levels of aliases are expanded for one recipient before the "
	  "expansion is treated as a loop" },
	{ "auth_allow_cleartext", SETTING_BOOL, "no", 0, 1,
	  "Allow passwords (IMAP LOGIN/AUTHENTICATE, POP3 USER/PASS/AUTH) on "
	  "connections without TLS from non-loopback clients" },
	{ "auth_cache_size", SETTING_INT, "10000", 0, 10000000,
	  "Verified logins a worker remembers, so a repeated login does not "
	  "recompute the password hash; 0 disables" },
	{ "auth_cache_ttl", SETTING_DURATION, "1h", 0, 86400,
	  "How long a worker remembers a verified login; any change to "
	  "accounts empties every node's cache at once" },
	{ "auth_cleartext_loopback", SETTING_BOOL, "yes", 0, 1,
	  "Count connections from loopback addresses as secure, so passwords "
	  "are accepted there without TLS (Dovecot convention)" },
	{ "auth_failure_delay", SETTING_DURATION, "2s", 0, 60,
	  "How long the answer to a failed login is held back" },
	{ "autoexpunge_days", SETTING_INT, "0", 0, 36500,
	  "Messages older than this many days (since they were saved there) "
	  "are removed from Trash and Junk; 0 keeps them (per domain)" },
	{ "autoexpunge_interval", SETTING_DURATION, "15m", 10, 86400,
	  "How often one node of the cluster runs the autoexpunge job" },
	{ "ban_duration", SETTING_DURATION, "1h", 60, 30 * 86400,
	  "How long a client address banned for failed logins is refused by "
	  "every node" },
	{ "ban_failures", SETTING_INT, "3", 0, 100000,
	  "Failed logins (SMTP AUTH, IMAP, POP3, admin) from one client address "
	  "within ban_window that ban it on every node; 0 disables bans" },
	{ "ban_window", SETTING_DURATION, "1h", 60, 30 * 86400,
	  "Period over which failed logins are counted for a ban" },
	{ "delivery_batch_max", SETTING_INT, "256", 1, 10000,
	  "Most messages a node commits in one transaction when it groups "
	  "deliveries" },
	{ "dkim_sign", SETTING_BOOL, "yes", 0, 1,
	  "Sign outgoing mail whose From: domain has a DKIM key (per domain)" },
	{ "dkim_verify", SETTING_BOOL, "no", 0, 1,
	  "Verify DKIM signatures of incoming mail and record the results in "
	  "Authentication-Results:" },
	{ "dmarc_check", SETTING_BOOL, "no", 0, 1,
	  "Evaluate the DMARC policy of incoming mail's From: domain (with the "
	  "SPF and DKIM results) and record it in Authentication-Results:" },
	{ "dmarc_enforce", SETTING_BOOL, "no", 0, 1,
	  "Apply failing mail's DMARC policy: p=reject refuses it (550 5.7.1), "
	  "p=quarantine files it in Junk" },
	{ "dnsbl_threshold", SETTING_INT, "3", 1, 100,
	  "DNS blocklists a client must be listed on to be refused; below it "
	  "its mail gets an X-Blacklisted: header naming the lists" },
	{ "dnsbl_zones", SETTING_STRING, "", 0, 0,
	  "DNS blocklist zones queried for every inbound client, "
	  "comma-separated; empty disables DNSBL checks" },
	{ "greylist_auto_whitelist", SETTING_INT, "5", 0, 100000,
	  "Times a client network must pass greylisting before the whole "
	  "network skips it; 0 never" },
	{ "greylist_cleanup_interval", SETTING_DURATION, "1h", 10, 86400,
	  "How often one node of the cluster removes expired greylist records" },
	{ "greylist_delay", SETTING_DURATION, "5m", 0, 86400,
	  "How long a new (client network, sender, recipient) triplet is "
	  "answered 451 before a retry passes" },
	{ "greylist_enable", SETTING_BOOL, "no", 0, 1,
	  "Greylist inbound mail (per recipient domain)" },
	{ "greylist_ignore_sender_domains", SETTING_STRING, "", 0, 0,
	  "Sender domains never greylisted, comma-separated (\".example\" "
	  "matches its subdomains)" },
	{ "greylist_ipv4_prefix", SETTING_INT, "24", 8, 32,
	  "Prefix length of the IPv4 client network of a greylist triplet" },
	{ "greylist_ipv6_prefix", SETTING_INT, "64", 16, 128,
	  "Prefix length of the IPv6 client network of a greylist triplet" },
	{ "greylist_lifetime", SETTING_DURATION, "720h", 3600, 3650 * 86400LL,
	  "How long a passed triplet or an auto-whitelisted network stays "
	  "whitelisted after its last use" },
	{ "greylist_retry_window", SETTING_DURATION, "24h", 60, 30 * 86400,
	  "How long after the first attempt a retry passes greylisting; a later "
	  "one starts over" },
	{ "http_keepalive_timeout", SETTING_DURATION, "60s", 1, 3600,
	  "How long an HTTP connection (admin, dav) may stay idle between "
	  "requests before the node closes it" },
	{ "http_max_body_size", SETTING_SIZE, "1M", 1024, 1LL << 30,
	  "Largest HTTP request body accepted; larger requests get 413" },
	{ "http_max_header_size", SETTING_SIZE, "16K", 1024, 1048576,
	  "Largest HTTP request line plus headers accepted; larger requests get "
	  "431" },
	{ "http_max_requests", SETTING_INT, "1000", 1, 1000000,
	  "HTTP requests served on one keep-alive connection before the node "
	  "closes it" },
	{ "http_request_timeout", SETTING_DURATION, "10s", 1, 300,
	  "How long a client may take to send one whole HTTP request (headers "
	  "and body) once it has started; slower clients get 408" },
	{ "imap_append_max_size", SETTING_SIZE, "50M", 1024, 1LL << 30,
	  "Largest message accepted by IMAP APPEND (literal size)" },
	{ "imap_fetch_batch", SETTING_INT, "500", 1, 100000,
	  "Messages one FETCH, SEARCH or sync query reads from PostgreSQL at a "
	  "time; the session streams them batch by batch" },
	{ "imap_idle_keepalive", SETTING_DURATION, "2m", 5, 3600,
	  "Interval of the \"* OK Still here\" lines sent to IDLE clients" },
	{ "imap_max_depth", SETTING_INT, "32", 2, 1000,
	  "Deepest nesting of parentheses in one IMAP command (SEARCH)" },
	{ "imap_max_line_length", SETTING_SIZE, "64K", 1024, 1048576,
	  "Longest IMAP command text (outside literals)" },
	{ "imap_max_literal_size", SETTING_SIZE, "64K", 1024, 1LL << 30,
	  "Largest literal in IMAP commands other than APPEND" },
	{ "imap_max_seqset_ranges", SETTING_INT, "10000", 10, 10000000,
	  "Most comma-separated elements in one IMAP sequence set" },
	{ "imap_output_buffer_max", SETTING_SIZE, "1M", 65536, 1LL << 30,
	  "Unsent output above which a streaming FETCH/SEARCH waits for the "
	  "client to read" },
	{ "imap_output_stall_timeout", SETTING_DURATION, "5m", 1, 86400,
	  "How long output may wait for a client that does not read it before "
	  "the session is closed" },
	{ "imap_session_timeout", SETTING_DURATION, "30m", 60, 86400,
	  "How long an IMAP client may stay silent (autologout; IDLE sessions "
	  "are kept alive by the keepalive lines)" },
	{ "master_user_separator", SETTING_STRING, "*", 0, 0,
	  "Separator of master-user logins (user*master); empty disables "
	  "master users" },
	{ "message_size_limit", SETTING_SIZE, "30M", 1024, 1LL << 30,
	  "Largest message accepted, in bytes (SIZE announced in EHLO)" },
	{ "metrics_trusted_networks", SETTING_STRING, "127.0.0.0/8, ::1", 0, 0,
	  "Client networks (addresses or CIDR, comma-separated) that may read "
	  "/metrics without a token; others need a superadmin's token" },
	{ "milter_command_timeout", SETTING_DURATION, "30s", 1, 3600,
	  "How long the node waits for a milter's reply to one command" },
	{ "milter_connect_timeout", SETTING_DURATION, "10s", 1, 3600,
	  "How long the node waits to connect to a milter" },
	{ "milter_default_action", SETTING_STRING, "tempfail", 0, 0,
	  "What a milter that cannot be reached, times out or fails means: "
	  "accept (fail open), tempfail or reject (fail closed); a milter's "
	  "own default_action overrides it" },
	{ "milters", SETTING_STRING, "", 0, 0,
	  "External milters called for inbound mail, in order, comma-separated: "
	  "\"inet:host:port\" or \"unix:/path\", each optionally followed by "
	  "\" default_action=accept|tempfail|reject\"" },
	{ "outbound_batch_max", SETTING_INT, "100", 1, 10000,
	  "Most recipients of one destination domain a delivery runner claims at a time" },
	{ "outbound_command_timeout", SETTING_DURATION, "5m", 1, 3600,
	  "How long the delivery client waits for the reply to MAIL, RCPT, DATA or RSET" },
	{ "outbound_concurrency", SETTING_INT, "100", 1, 100000,
	  "Outbound SMTP connections one node keeps open at most, shared among "
	  "its workers" },
	{ "outbound_connect_timeout", SETTING_DURATION, "30s", 1, 3600,
	  "How long the delivery client waits for a TCP connection to a mail host" },
	{ "outbound_data_timeout", SETTING_DURATION, "10m", 1, 3600,
	  "How long the delivery client waits for the reply after the end of a message" },
	{ "outbound_domain_concurrency", SETTING_INT, "10", 1, 10000,
	  "Outbound SMTP connections one node opens to one destination domain at most" },
	{ "outbound_domain_limits", SETTING_STRING, "", 0, 0,
	  "Per-destination overrides of the connection and rate limits: "
	  "\"domain=connections[/messages per minute], ...\" (\".example\" "
	  "matches its subdomains)" },
	{ "outbound_domain_rate", SETTING_INT, "0", 0, 10000000,
	  "Messages per minute one node sends to one destination domain at "
	  "most; 0 is unlimited" },
	{ "outbound_ehlo_name", SETTING_STRING, "", 0, 0,
	  "Name the delivery client gives in EHLO; empty uses smtp_hostname or "
	  "the node hostname" },
	{ "outbound_helo_timeout", SETTING_DURATION, "5m", 1, 3600,
	  "How long the delivery client waits for the greeting and the "
	  "EHLO/STARTTLS/AUTH replies" },
	{ "outbound_max_reply_size", SETTING_SIZE, "16K", 512, 1048576,
	  "Longest reply (all lines of one multi-line reply) the delivery "
	  "client reads from a remote server; more closes the connection" },
	{ "outbound_messages_per_connection", SETTING_INT, "100", 1, 100000,
	  "Messages the delivery client sends over one connection before it "
	  "opens a new one" },
	{ "outbound_port", SETTING_INT, "25", 1, 65535,
	  "TCP port of remote mail hosts found by MX lookup (Postfix smtp_tcp_port)" },
	{ "outbound_smarthost", SETTING_STRING, "", 0, 0,
	  "Relay all outgoing mail through \"[user:password@]host[:port]\" "
	  "instead of MX lookup; set per domain for the mail its users send; "
	  "empty delivers directly" },
	{ "outbound_tls", SETTING_STRING, "may", 0, 0,
	  "TLS for outgoing connections: none, may (STARTTLS when offered) or "
	  "encrypt (required)" },
	{ "outbound_tls_required_domains", SETTING_STRING, "", 0, 0,
	  "Destination domains that must be reached over TLS, comma-separated "
	  "(\".example\" matches its subdomains)" },
	{ "outbound_transport", SETTING_STRING, "", 0, 0,
	  "Fixed next hops for destination domains instead of MX lookup: "
	  "\"domain=host[:port], ...\"" },
	{ "policy_dns_timeout", SETTING_DURATION, "5s", 1, 60,
	  "How long DNSBL, SPF, DKIM and DMARC lookups may take; a check whose "
	  "lookups time out is skipped (logged), the mail is not held" },
	{ "pop3_session_timeout", SETTING_DURATION, "10m", 60, 86400,
	  "How long a POP3 client may stay silent" },
	{ "queue_delay_warning", SETTING_DURATION, "4h", 0, 30 * 86400,
	  "How long a message waits in the outbound queue before its sender gets "
	  "a delay warning; 0 sends none" },
	{ "queue_lease_time", SETTING_DURATION, "5m", 10, 86400,
	  "How long a claim on outbound recipients lasts; a node that dies "
	  "holding claims gives them up to other nodes after this time" },
	{ "queue_max_lifetime", SETTING_DURATION, "5d", 60, 60 * 86400,
	  "How long the outbound queue keeps retrying a message before it "
	  "expires and is bounced" },
	{ "queue_retry_schedule", SETTING_STRING, "5m,10m,20m,40m,1h,2h", 0, 0,
	  "Waits between outbound delivery attempts, comma-separated durations; "
	  "the last one repeats until the message expires" },
	{ "quota_exceeded_permanent", SETTING_BOOL, "no", 0, 1,
	  "Reject a recipient over quota with 552 5.2.2 instead of the "
	  "temporary 452 4.2.2" },
	{ "recipient_cache_size", SETTING_INT, "10000", 1, 10000000,
	  "Recipient lookups a worker remembers (a full cache starts over)" },
	{ "recipient_cache_ttl", SETTING_DURATION, "30s", 0, 3600,
	  "How long a worker reuses a recipient lookup; any change to domains, "
	  "accounts or aliases empties every node's cache at once; 0 disables" },
	{ "recipient_delimiter", SETTING_STRING, "+", 0, 0,
	  "Separator of sub-addresses (user+ext@domain delivers to "
	  "user@domain); empty disables sub-addressing" },
	{ "search_text_max_bytes", SETTING_SIZE, "256K", 0, 1048576,
	  "Decoded body text of one message kept for SEARCH BODY/TEXT" },
	{ "smtp_command_timeout", SETTING_DURATION, "5m", 1, 3600,
	  "How long an SMTP client may stay silent between commands" },
	{ "smtp_data_timeout", SETTING_DURATION, "3m", 1, 3600,
	  "How long an SMTP client may stay silent while sending DATA or BDAT" },
	{ "smtp_hard_error_limit", SETTING_INT, "20", 1, 1000,
	  "Errors in one SMTP session before the server answers 421 and "
	  "disconnects" },
	{ "smtp_hostname", SETTING_STRING, "", 0, 0,
	  "Name in the SMTP banner and EHLO reply; empty uses the node's "
	  "hostname from its bootstrap file" },
	{ "smtp_max_commands", SETTING_INT, "10000", 1, 1000000,
	  "Commands accepted in one SMTP session" },
	{ "smtp_max_connections_per_ip", SETTING_INT, "50", 0, 100000,
	  "Concurrent SMTP connections from one client address; 0 is unlimited" },
	{ "smtp_max_line_length", SETTING_INT, "1000", 512, 65536,
	  "Longest SMTP command line accepted; longer lines get 500 5.5.2" },
	{ "smtp_max_recipients", SETTING_INT, "100", 1, 100000,
	  "Recipients accepted for one message" },
	{ "smtp_rule_regex_match_limit", SETTING_INT, "100000", 1000, 100000000,
	  "PCRE2 match limit of one regex test in SMTP and delivery rules: a "
	  "pattern that backtracks more counts as not matching" },
	{ "smtp_rule_subject_tag", SETTING_STRING, "[SPAM]", 0, 0,
	  "Put in front of the Subject: of mail whose rule weight reaches the "
	  "threshold when smtp_rule_weight_action is tag" },
	{ "smtp_rule_trace", SETTING_BOOL, "no", 0, 1,
	  "Log every policy check's verdict and every SMTP rule that fires" },
	{ "smtp_rule_weight_action", SETTING_STRING, "reject", 0, 0,
	  "What a message whose rule weight reaches smtp_rule_weight_threshold "
	  "gets: reject (550 5.7.1) or tag (Subject: tag and X-Spam-Flag: YES)" },
	{ "smtp_rule_weight_threshold", SETTING_INT, "10", 1, 1000000,
	  "Total weight of the SMTP rules that fired at which the message is "
	  "rejected or tagged at the Complete stage" },
	{ "smtp_session_timeout", SETTING_DURATION, "1h", 1, 86400,
	  "Total time one SMTP session may last" },
	{ "smtp_vrfy_enabled", SETTING_BOOL, "no", 0, 1,
	  "Let SMTP clients check addresses with VRFY" },
	{ "spam_score_header", SETTING_STRING, "X-Spam-Score", 0, 0,
	  "Header field (set by a milter) whose number delivery rules test as "
	  "the spam score" },
	{ "spf_check", SETTING_BOOL, "no", 0, 1,
	  "Check the SPF record of inbound mail's envelope sender domain and "
	  "record the result in Authentication-Results:" },
	{ "spf_reject_fail", SETTING_BOOL, "no", 0, 1,
	  "Refuse mail whose SPF result is fail (550 5.7.23)" },
	{ "submission_allow_send_as", SETTING_BOOL, "no", 0, 1,
	  "Let an authenticated SMTP client use any envelope sender, not only "
	  "the account's own address and the aliases pointing to it" },
	{ "trusted_networks", SETTING_STRING, "", 0, 0,
	  "Client networks (addresses or CIDR, comma-separated) that may relay "
	  "mail without authentication, like Postfix mynetworks" },
};

#define SETTINGS_COUNT (sizeof(settings_registry) / sizeof(settings_registry[0]))

static const char *const settings_scope_names[] = { "server", "domain", "account" };

struct settings_row {
	struct settings_row *next;
	enum setting_scope scope;
	int64_t scope_id;
	char *name;
	char *value;
	bool invalid_logged;
};

struct settings_cache {
	struct settings_row **buckets;
	size_t bucket_count;
	size_t row_count;
};

static int settings_def_cmp(const void *key, const void *member)
{
	const struct setting_def *def = member;

	return strcmp(key, def->name);
}

const struct setting_def *settings_find(const char *name)
{
	return bsearch(name, settings_registry, SETTINGS_COUNT,
		       sizeof(settings_registry[0]), settings_def_cmp);
}

const struct setting_def *settings_all(size_t *count_r)
{
	*count_r = SETTINGS_COUNT;
	return settings_registry;
}

const char *settings_scope_name(enum setting_scope scope)
{
	return settings_scope_names[scope];
}

int settings_scope_parse(const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, settings_scope_names[i]) == 0)
			return i;
	}
	return -1;
}

static int settings_parse_bool(const char *value, long long *value_r)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*value_r = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*value_r = 0;
			return 0;
		}
	}
	return -1;
}

/* Multiplier of a unit suffix ("" = 1); 0 when the suffix is not valid. */
static long long settings_unit(enum setting_type type, const char *suffix)
{
	if (*suffix == '\0')
		return 1;
	if (type == SETTING_SIZE) {
		const char *units = "KMG";
		const char *unit = strchr(units, toupper((unsigned char)*suffix));
		long long mult = 1;

		if (unit != NULL) {
			for (const char *u = units; u <= unit; u++)
				mult *= 1024;
			suffix++;
		}
		if (*suffix == 'b' || *suffix == 'B')
			suffix++;
		return *suffix == '\0' ? mult : 0;
	}
	if (type == SETTING_DURATION && suffix[1] == '\0') {
		switch (tolower((unsigned char)*suffix)) {
		case 's': return 1;
		case 'm': return 60;
		case 'h': return 3600;
		case 'd': return 86400;
		}
	}
	return 0;
}

/* Parse without checking bounds. */
static int settings_parse_raw(const struct setting_def *def, const char *value,
			      long long *value_r)
{
	long long n, mult;
	char *end;

	if (def->type == SETTING_BOOL)
		return settings_parse_bool(value, value_r);
	if (def->type == SETTING_STRING)
		return -1;
	if (!isdigit((unsigned char)value[0]) &&
	    !(def->type == SETTING_INT && value[0] == '-' && isdigit((unsigned char)value[1])))
		return -1;
	errno = 0;
	n = strtoll(value, &end, 10);
	if (errno != 0)
		return -1;
	mult = def->type == SETTING_INT ? (*end == '\0' ? 1 : 0) : settings_unit(def->type, end);
	if (mult == 0 || n > LLONG_MAX / mult)
		return -1;
	*value_r = n * mult;
	return 0;
}

int settings_parse_number(const struct setting_def *def, const char *value, long long *value_r)
{
	long long n;

	if (settings_parse_raw(def, value, &n) < 0)
		return -1;
	if (def->type != SETTING_BOOL && (n < def->min || n > def->max))
		return -1;
	*value_r = n;
	return 0;
}

static const char *settings_type_expectation(enum setting_type type)
{
	switch (type) {
	case SETTING_BOOL:
		return "yes or no (also true/false, on/off, 1/0)";
	case SETTING_INT:
		return "an integer";
	case SETTING_SIZE:
		return "a size in bytes, optionally with a K, M or G suffix";
	case SETTING_DURATION:
		return "a duration in seconds, optionally with an s, m, h or d suffix";
	case SETTING_STRING:
		break;
	}
	return "text without control characters";
}

static int settings_validate_string(const struct setting_def *def, const char *value,
				    char *error, size_t error_size)
{
	size_t len = strlen(value);

	if (len > SETTING_STRING_MAX_LEN) {
		snprintf(error, error_size, "%s is limited to %d bytes",
			 def->name, SETTING_STRING_MAX_LEN);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			snprintf(error, error_size, "%s expects %s", def->name,
				 settings_type_expectation(def->type));
			return -1;
		}
	}
	return 0;
}

int settings_validate(const struct setting_def *def, const char *value, const char **error_r)
{
	static char error[256];
	static const char *const units[] = {
		[SETTING_INT] = "", [SETTING_SIZE] = " bytes", [SETTING_DURATION] = " seconds",
	};
	long long n;

	if (def->type == SETTING_STRING) {
		if (settings_validate_string(def, value, error, sizeof(error)) == 0)
			return 0;
	} else if (settings_parse_raw(def, value, &n) < 0) {
		snprintf(error, sizeof(error), "invalid value '%.64s' for %s: expected %s",
			 value, def->name, settings_type_expectation(def->type));
	} else if (def->type != SETTING_BOOL && (n < def->min || n > def->max)) {
		snprintf(error, sizeof(error), "%s must be between %lld and %lld%s",
			 def->name, def->min, def->max, units[def->type]);
	} else {
		return 0;
	}
	*error_r = error;
	return -1;
}

/* ---- cache ---- */

static size_t settings_row_hash(enum setting_scope scope, int64_t scope_id, const char *name)
{
	uint64_t h = 14695981039346656037ULL;   /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (uint64_t)scope) * 1099511628211ULL;
	h = (h ^ (uint64_t)scope_id) * 1099511628211ULL;
	return (size_t)h;
}

struct settings_cache *settings_cache_new(void)
{
	struct settings_cache *cache = xcalloc(1, sizeof(*cache));

	cache->bucket_count = 64;
	cache->buckets = xcalloc(cache->bucket_count, sizeof(*cache->buckets));
	return cache;
}

void settings_cache_clear(struct settings_cache *cache)
{
	for (size_t i = 0; i < cache->bucket_count; i++) {
		struct settings_row *row = cache->buckets[i], *next;

		for (; row != NULL; row = next) {
			next = row->next;
			free(row->name);
			free(row->value);
			free(row);
		}
		cache->buckets[i] = NULL;
	}
	cache->row_count = 0;
}

void settings_cache_free(struct settings_cache **cache)
{
	if (*cache == NULL)
		return;
	settings_cache_clear(*cache);
	free((*cache)->buckets);
	free(*cache);
	*cache = NULL;
}

static struct settings_row *settings_cache_lookup(const struct settings_cache *cache,
						  enum setting_scope scope, int64_t scope_id,
						  const char *name)
{
	size_t bucket = settings_row_hash(scope, scope_id, name) % cache->bucket_count;

	for (struct settings_row *row = cache->buckets[bucket]; row != NULL; row = row->next) {
		if (row->scope == scope && row->scope_id == scope_id &&
		    strcmp(row->name, name) == 0)
			return row;
	}
	return NULL;
}

static void settings_cache_grow(struct settings_cache *cache)
{
	size_t new_count = cache->bucket_count * 4;
	struct settings_row **buckets = xcalloc(new_count, sizeof(*buckets));

	for (size_t i = 0; i < cache->bucket_count; i++) {
		struct settings_row *row = cache->buckets[i], *next;

		for (; row != NULL; row = next) {
			size_t b = settings_row_hash(row->scope, row->scope_id, row->name) % new_count;

			next = row->next;
			row->next = buckets[b];
			buckets[b] = row;
		}
	}
	free(cache->buckets);
	cache->buckets = buckets;
	cache->bucket_count = new_count;
}

void settings_cache_put(struct settings_cache *cache, enum setting_scope scope,
			int64_t scope_id, const char *name, const char *value)
{
	struct settings_row *row = settings_cache_lookup(cache, scope, scope_id, name);
	size_t bucket;

	if (row != NULL) {
		free(row->value);
		row->value = xstrdup(value);
		row->invalid_logged = false;
		return;
	}
	if (cache->row_count >= cache->bucket_count * 2)
		settings_cache_grow(cache);
	row = xcalloc(1, sizeof(*row));
	row->scope = scope;
	row->scope_id = scope_id;
	row->name = xstrdup(name);
	row->value = xstrdup(value);
	bucket = settings_row_hash(scope, scope_id, name) % cache->bucket_count;
	row->next = cache->buckets[bucket];
	cache->buckets[bucket] = row;
	cache->row_count++;
}

/* The row that decides the effective value, or NULL for the default. */
static struct settings_row *settings_cache_effective(const struct settings_cache *cache,
						     const char *name, int64_t domain_id,
						     int64_t account_id)
{
	struct settings_row *row = NULL;

	if (account_id > 0)
		row = settings_cache_lookup(cache, SETTING_SCOPE_ACCOUNT, account_id, name);
	if (row == NULL && domain_id > 0)
		row = settings_cache_lookup(cache, SETTING_SCOPE_DOMAIN, domain_id, name);
	if (row == NULL)
		row = settings_cache_lookup(cache, SETTING_SCOPE_SERVER, 0, name);
	return row;
}

const char *settings_get(const struct settings_cache *cache, const char *name,
			 int64_t domain_id, int64_t account_id)
{
	const struct setting_def *def = settings_find(name);
	struct settings_row *row;

	assert(def != NULL);
	row = settings_cache_effective(cache, name, domain_id, account_id);
	return row != NULL ? row->value : def->default_value;
}

long long settings_get_number(const struct settings_cache *cache, const char *name,
			      int64_t domain_id, int64_t account_id)
{
	const struct setting_def *def = settings_find(name);
	struct settings_row *row;
	long long n = 0;
	int ret;

	assert(def != NULL && def->type != SETTING_STRING);
	row = settings_cache_effective(cache, name, domain_id, account_id);
	if (row != NULL && settings_parse_number(def, row->value, &n) == 0)
		return n;
	if (row != NULL && !row->invalid_logged) {
		log_warning("settings", NULL,
			    "event=invalid_setting name=%s scope=%s scope_id=%lld value='%s' "
			    "using=default", name, settings_scope_name(row->scope),
			    (long long)row->scope_id, row->value);
		row->invalid_logged = true;
	}
	ret = settings_parse_number(def, def->default_value, &n);
	assert(ret == 0);
	(void)ret;
	return n;
}

bool settings_get_bool(const struct settings_cache *cache, const char *name,
		       int64_t domain_id, int64_t account_id)
{
	return settings_get_number(cache, name, domain_id, account_id) != 0;
}
