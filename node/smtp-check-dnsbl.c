/*
 * smtp-check-dnsbl.c — DNS blocklists (setting dnsbl_zones): the client's
 * address is looked up in every zone in parallel (reversed octets for
 * IPv4, nibbles for IPv6; an A answer in 127.0.0.0/8 means listed,
 * NXDOMAIN not listed).
 *
 * The lookups start at CONNECT, so they run while the client says HELO;
 * the verdict is applied at MAIL, the first stage with a transaction:
 * listed on dnsbl_threshold zones or more refuses the sender with 554
 * 5.7.1, listed on fewer gives each message an X-Blacklisted: header
 * naming the zones. If the lookups outlast policy_dns_timeout the check
 * is skipped (logged once) and mail flows as if nothing was listed.
 */
#include "smtp-checks.h"

#include "log.h"
#include "policy-dns.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DNSBL_MAX_ZONES 32

struct dnsbl_zone {
	struct dnsbl_state *state;
	char *name;
	bool listed;
};

struct dnsbl_state {
	struct policy_dns_batch *batch;     /* NULL once all answered */
	struct smtp_check_run *run;         /* a MAIL check waiting for the answers */
	struct dnsbl_zone zones[DNSBL_MAX_ZONES];
	unsigned int zone_count;
	char ip[64];
	char session_id[24];                /* for the log line of a skip */
	char *skipped;                      /* why the lookups gave no verdict */
	bool finished;
};

/* 127.0.0.0/8 is a listing, except 127.255.255.0/24, which some lists
   (Spamhaus) use to say the query itself was refused. */
static bool dnsbl_is_listing(const char *answer)
{
	return strncmp(answer, "127.", 4) == 0 && strncmp(answer, "127.255.255.", 12) != 0;
}

static void dnsbl_answer_cb(void *ctx, enum dns_result result, const char *error,
			    const char *const *records, unsigned int count)
{
	struct dnsbl_zone *zone = ctx;

	(void)error;
	for (unsigned int i = 0; result == DNS_OK && i < count; i++) {
		if (dnsbl_is_listing(records[i]))
			zone->listed = true;
	}
	if (result == DNS_TEMPORARY && zone->state->skipped == NULL)
		zone->state->skipped = xasprintf("lookup in %s failed: %s", zone->name, error);
}

/* "zone1, zone2" of the zones listing the client; their number in *count_r. */
static char *dnsbl_listed_names(const struct dnsbl_state *st, unsigned int *count_r)
{
	struct strbuf names = STRBUF_INIT;

	*count_r = 0;
	for (unsigned int i = 0; i < st->zone_count; i++) {
		if (!st->zones[i].listed)
			continue;
		strbuf_printf(&names, "%s%s", *count_r > 0 ? ", " : "", st->zones[i].name);
		(*count_r)++;
	}
	return strbuf_steal(&names);
}

/* The MAIL verdict from finished lookups. */
static void dnsbl_decide(struct smtp_session *s, struct dnsbl_state *st,
			 struct smtp_check_run *run)
{
	unsigned int count;
	char *names = dnsbl_listed_names(st, &count);
	char reply[600], reason[400];

	if (count > 0 && count >= (unsigned int)smtp_setting(s, "dnsbl_threshold")) {
		snprintf(reply, sizeof(reply), "554 5.7.1 Service unavailable; client [%s] "
			 "blocked using %.400s", st->ip, names);
		snprintf(reason, sizeof(reason), "listed on %u DNSBL: %.300s", count, names);
		free(names);
		smtp_check_done(run, SMTP_VERDICT_REJECT, reply, reason);
		return;
	}
	if (count > 0)
		smtp_policy_add_header(s, "X-Blacklisted", names);
	snprintf(reason, sizeof(reason), count > 0 ? "listed on %u DNSBL (below threshold)" :
		 "listed on %u DNSBL", count);
	free(names);
	smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, reason);
}

static void dnsbl_done_cb(void *ctx, bool timed_out)
{
	struct dnsbl_state *st = ctx;
	struct smtp_check_run *run = st->run;
	struct smtp_session *s;

	policy_dns_batch_free(&st->batch);
	st->finished = true;
	if (timed_out && st->skipped == NULL)
		st->skipped = xstrdup("DNSBL lookups timed out (policy_dns_timeout)");
	if (st->skipped != NULL)
		log_warning("smtp", st->session_id, "event=dnsbl_skipped reason=\"%s\"",
			    st->skipped);
	if (run == NULL)
		return;
	st->run = NULL;
	s = smtp_check_session(run);
	if (s == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	if (st->skipped != NULL)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, st->skipped);
	else
		dnsbl_decide(s, st, run);
}

/* The address to look up: an IPv4-mapped IPv6 address is its IPv4. */
static const char *dnsbl_client_ip(const char *ip)
{
	return strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL ? ip + 7 : ip;
}

/* Start one lookup per zone of the comma-separated list. */
static void dnsbl_start_lookups(struct smtp_session *s, struct dnsbl_state *st, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *z = strtok_r(copy, ", \t", &save); z != NULL && st->zone_count < DNSBL_MAX_ZONES;
	     z = strtok_r(NULL, ", \t", &save)) {
		struct dnsbl_zone *zone = &st->zones[st->zone_count];
		char name[300];

		if (dns_reverse_name(st->ip, z, name, sizeof(name)) < 0) {
			log_warning("smtp", s->ws.id_str, "event=dnsbl_skipped zone=%s ip=%s "
				    "reason=\"name too long or address unusable\"", z, st->ip);
			continue;
		}
		zone->state = st;
		zone->name = xstrdup(z);
		st->zone_count++;
		policy_dns_batch_add(st->batch, name, DNS_RR_A, dnsbl_answer_cb, zone);
	}
	free(copy);
}

static void dnsbl_connect(struct smtp_session *s, struct smtp_check_run *run)
{
	const char *zones = settings_get(s->worker->settings, "dnsbl_zones", 0, 0);
	const char *error;
	struct dnsbl_state *st;

	if (zones[0] == '\0') {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "no DNSBL zones");
		return;
	}
	st = xcalloc(1, sizeof(*st));
	snprintf(st->ip, sizeof(st->ip), "%s", dnsbl_client_ip(s->ws.ip));
	snprintf(st->session_id, sizeof(st->session_id), "%s", s->ws.id_str);
	s->policy.dnsbl = st;
	st->batch = policy_dns_batch_new(s->worker, (double)smtp_setting(s, "policy_dns_timeout"),
					 dnsbl_done_cb, st, &error);
	if (st->batch == NULL) {
		st->finished = true;
		st->skipped = xstrdup(error);
		log_warning("smtp", s->ws.id_str, "event=dnsbl_skipped reason=\"%s\"", error);
	} else {
		dnsbl_start_lookups(s, st, zones);
		policy_dns_batch_wait(st->batch);
	}
	/* the verdict waits for MAIL; the client goes on meanwhile */
	smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "DNSBL lookups started");
}

static void dnsbl_mail(struct smtp_session *s, struct smtp_check_run *run)
{
	struct dnsbl_state *st = s->policy.dnsbl;

	if (st == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "no DNSBL zones");
	} else if (!st->finished) {
		st->run = run;            /* dnsbl_done_cb decides */
	} else if (st->skipped != NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, st->skipped);
	} else {
		dnsbl_decide(s, st, run);
	}
}

static void dnsbl_start(struct smtp_session *s, struct smtp_check_run *run)
{
	if (smtp_check_stage(run) == SMTP_STAGE_CONNECT)
		dnsbl_connect(s, run);
	else
		dnsbl_mail(s, run);
}

static void dnsbl_session_free(struct smtp_session *s)
{
	struct dnsbl_state *st = s->policy.dnsbl;

	if (st == NULL)
		return;
	s->policy.dnsbl = NULL;
	policy_dns_batch_free(&st->batch);
	if (st->run != NULL)          /* the session is gone: this frees the run */
		smtp_check_done(st->run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	for (unsigned int i = 0; i < st->zone_count; i++)
		free(st->zones[i].name);
	free(st->skipped);
	free(st);
}

const struct smtp_check smtp_check_dnsbl = {
	.name = "dnsbl",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_CONNECT) | SMTP_STAGE_BIT(SMTP_STAGE_MAIL),
	.start = dnsbl_start,
	.session_free = dnsbl_session_free,
};
