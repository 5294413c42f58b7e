/*
 * metrics.c — counting into the worker's shared-memory slice, and summing
 * the slices (see metrics.h).
 */
#include "metrics.h"

#include "node-shm.h"
#include "worker.h"

#include <string.h>

static const char *const metrics_message_names[METRICS_MSG_COUNT] = {
	"accepted", "delivered", "sent", "deferred", "bounced",
};

static const char *const metrics_stage_names[METRICS_STAGE_COUNT] = {
	"connect", "helo", "mail", "rcpt", "data",
};

static const char *const metrics_greylist_names[METRICS_GREYLIST_COUNT] = {
	"greylisted", "passed", "whitelisted",
};

static const char *const metrics_auth_names[METRICS_AUTH_COUNT] = {
	"smtp", "imap", "pop3", "dav", "admin", "other",
};

const char *metrics_message_name(enum metrics_message m)
{
	return metrics_message_names[m];
}

const char *metrics_stage_name(enum metrics_stage stage)
{
	return metrics_stage_names[stage];
}

const char *metrics_greylist_name(enum metrics_greylist g)
{
	return metrics_greylist_names[g];
}

const char *metrics_auth_protocol_name(enum metrics_auth_protocol p)
{
	return metrics_auth_names[p];
}

static struct metrics_slice *metrics_slice_of(struct worker *w)
{
	return node_shm_metrics(w->shm, w->index);
}

/* Other processes read while this one writes: relaxed atomics keep every
   value whole, and no ordering between counters is promised. */
static void metrics_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

void metrics_count_message(struct worker *w, enum listener_kind kind, enum metrics_message m,
			   unsigned int n)
{
	metrics_add(&metrics_slice_of(w)->messages[kind][m], n);
}

void metrics_count_stored(struct worker *w, enum listener_kind kind, unsigned int local_copies)
{
	metrics_count_message(w, kind, METRICS_MSG_ACCEPTED, 1);
	metrics_count_message(w, kind, METRICS_MSG_DELIVERED, local_copies);
}

void metrics_count_reject(struct worker *w, enum listener_kind kind, enum metrics_stage stage,
			  bool temporary)
{
	metrics_add(&metrics_slice_of(w)->rejected[kind][stage][temporary ? 1 : 0], 1);
}

void metrics_count_policy_reject(struct worker *w, enum listener_kind kind,
				 enum smtp_stage stage, bool temporary)
{
	static const enum metrics_stage map[SMTP_STAGE_COUNT] = {
		[SMTP_STAGE_CONNECT] = METRICS_STAGE_CONNECT,
		[SMTP_STAGE_HELO] = METRICS_STAGE_HELO,
		[SMTP_STAGE_MAIL] = METRICS_STAGE_MAIL,
		[SMTP_STAGE_RCPT] = METRICS_STAGE_RCPT,
		[SMTP_STAGE_HEADERS] = METRICS_STAGE_DATA,
		[SMTP_STAGE_COMPLETE] = METRICS_STAGE_DATA,
	};

	metrics_count_reject(w, kind, map[stage], temporary);
}

void metrics_count_outbound(struct worker *w, enum pgq_state state)
{
	enum metrics_message m = METRICS_MSG_DEFERRED;

	if (state == PGQ_STATE_SENT)
		m = METRICS_MSG_SENT;
	else if (state == PGQ_STATE_FAILED || state == PGQ_STATE_EXPIRED)
		m = METRICS_MSG_BOUNCED;
	/* outbound deliveries belong to no listener: count them under SMTP */
	metrics_count_message(w, LISTENER_SMTP, m, 1);
}

void metrics_count_greylist(struct worker *w, enum greylist_verdict verdict)
{
	enum metrics_greylist g = METRICS_GREYLIST_WHITELISTED;

	if (verdict == GREYLIST_NEW || verdict == GREYLIST_EARLY)
		g = METRICS_GREYLIST_GREYLISTED;
	else if (verdict == GREYLIST_PASS)
		g = METRICS_GREYLIST_PASSED;
	metrics_add(&metrics_slice_of(w)->greylist[g], 1);
}

void metrics_count_auth_failure(struct worker *w, const char *protocol)
{
	enum metrics_auth_protocol p = METRICS_AUTH_OTHER;

	if (strcmp(protocol, "submission") == 0)
		protocol = "smtp";
	for (int i = 0; i < METRICS_AUTH_OTHER; i++) {
		if (strcmp(protocol, metrics_auth_names[i]) == 0)
			p = (enum metrics_auth_protocol)i;
	}
	metrics_add(&metrics_slice_of(w)->auth_failures[p], 1);
}

void metrics_count_http_reply(struct worker *w, enum listener_kind kind, int status)
{
	if (kind == LISTENER_ADMIN && status >= 100 && status < 600)
		metrics_add(&metrics_slice_of(w)->admin_requests[status / 100 - 1], 1);
}

void metrics_attach_pool(struct worker *w)
{
	pg_pool_set_stats(w->pool, &metrics_slice_of(w)->pg);
}

_Static_assert(sizeof(struct metrics_slice) % sizeof(uint64_t) == 0,
	       "metrics_slice holds only uint64_t counters");

void metrics_sum(const struct worker *w, struct metrics_slice *total)
{
	uint64_t *sum = (uint64_t *)total;
	size_t n = sizeof(*total) / sizeof(uint64_t);

	memset(total, 0, sizeof(*total));
	for (unsigned int i = 0; i < node_shm_workers(w->shm); i++) {
		const uint64_t *part = (const uint64_t *)node_shm_metrics_of(w->shm, i);

		for (size_t k = 0; k < n; k++)
			sum[k] += __atomic_load_n(&part[k], __ATOMIC_RELAXED);
	}
}
