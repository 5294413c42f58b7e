/*
 * admin-metrics.c — GET /metrics: the node's counters (metrics.h) and the
 * cluster's queue size (store-stats.h) in the Prometheus text format 0.0.4.
 *
 * Counters come from shared memory and cost nothing to read; the queue
 * needs a query, whose answer this worker keeps for a few seconds so that
 * frequent scrapes (or several Prometheus servers) do not load PostgreSQL.
 */
#include "admin-metrics.h"

#include "buffer.h"
#include "log.h"
#include "metrics.h"
#include "node-shm.h"
#include "store-stats.h"
#include "worker.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_METRICS_QUEUE_CACHE_SECS 5.0

/* This worker's last queue answer (one worker per process). */
static struct {
	int64_t counts[STORE_QUEUE_STATES];
	ev_tstamp at;
	bool valid;
} admin_metrics_queue;

struct admin_metrics_job {
	struct worker *worker;
	admin_metrics_reply_t *reply;
	void *ctx;
};

/* The listeners that carry sessions of a protocol (admin included). */
static void admin_metrics_sessions(struct buffer *out, const struct worker *w)
{
	buffer_append_str(out, "# HELP petrel_sessions Open sessions per protocol.\n"
			  "# TYPE petrel_sessions gauge\n");
	for (int kind = 0; kind < LISTENER_COUNT; kind++)
		buffer_printf(out, "petrel_sessions{protocol=\"%s\"} %u\n",
			      config_listener_name(kind), node_shm_sessions(w->shm, kind));
}

static void admin_metrics_messages(struct buffer *out, const struct metrics_slice *m)
{
	buffer_append_str(out, "# HELP petrel_messages_total Messages by outcome: accepted "
			  "(stored after DATA), delivered (local mailbox copies), sent, deferred "
			  "and bounced (remote recipients).\n# TYPE petrel_messages_total counter\n");
	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		for (int o = 0; o < METRICS_MSG_COUNT; o++) {
			if (m->messages[kind][o] == 0 && kind != LISTENER_SMTP)
				continue;
			buffer_printf(out, "petrel_messages_total{protocol=\"%s\",outcome=\"%s\"} "
				      "%llu\n", config_listener_name(kind), metrics_message_name(o),
				      (unsigned long long)m->messages[kind][o]);
		}
	}
	buffer_append_str(out, "# HELP petrel_rejects_total SMTP/LMTP refusals by stage; "
			  "temporary is a 4xx answer.\n# TYPE petrel_rejects_total counter\n");
	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		for (int st = 0; st < METRICS_STAGE_COUNT; st++) {
			for (int t = 0; t < 2; t++) {
				if (m->rejected[kind][st][t] == 0 && kind != LISTENER_SMTP)
					continue;
				buffer_printf(out, "petrel_rejects_total{protocol=\"%s\",stage=\"%s\","
					      "temporary=\"%s\"} %llu\n", config_listener_name(kind),
					      metrics_stage_name(st), t ? "true" : "false",
					      (unsigned long long)m->rejected[kind][st][t]);
			}
		}
	}
}

static void admin_metrics_security(struct buffer *out, const struct metrics_slice *m)
{
	static const char *const classes[5] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

	buffer_append_str(out, "# HELP petrel_greylist_total Greylisting decisions.\n"
			  "# TYPE petrel_greylist_total counter\n");
	for (int g = 0; g < METRICS_GREYLIST_COUNT; g++)
		buffer_printf(out, "petrel_greylist_total{outcome=\"%s\"} %llu\n",
			      metrics_greylist_name(g), (unsigned long long)m->greylist[g]);
	buffer_append_str(out, "# HELP petrel_auth_failures_total Failed logins per protocol.\n"
			  "# TYPE petrel_auth_failures_total counter\n");
	for (int p = 0; p < METRICS_AUTH_COUNT; p++)
		buffer_printf(out, "petrel_auth_failures_total{protocol=\"%s\"} %llu\n",
			      metrics_auth_protocol_name(p), (unsigned long long)m->auth_failures[p]);
	buffer_append_str(out, "# HELP petrel_admin_requests_total Admin HTTP requests by "
			  "status class.\n# TYPE petrel_admin_requests_total counter\n");
	for (int c = 0; c < 5; c++)
		buffer_printf(out, "petrel_admin_requests_total{code=\"%s\"} %llu\n", classes[c],
			      (unsigned long long)m->admin_requests[c]);
}

static void admin_metrics_pg(struct buffer *out, const struct pg_pool_stats *pg)
{
	uint64_t cumulative = 0;

	buffer_printf(out, "# HELP petrel_pg_waits_total Requests that queued for a free "
		      "PostgreSQL connection.\n# TYPE petrel_pg_waits_total counter\n"
		      "petrel_pg_waits_total %llu\n", (unsigned long long)pg->waits);
	buffer_printf(out, "# HELP petrel_pg_wait_seconds_total Time requests spent queued "
		      "for a connection.\n# TYPE petrel_pg_wait_seconds_total counter\n"
		      "petrel_pg_wait_seconds_total %.6f\n", (double)pg->wait_us / 1e6);
	buffer_append_str(out, "# HELP petrel_pg_query_duration_seconds PostgreSQL request "
			  "latency, submit to reply (queueing included).\n"
			  "# TYPE petrel_pg_query_duration_seconds histogram\n");
	for (int b = 0; b < PG_POOL_BUCKETS; b++) {
		cumulative += pg->buckets[b];
		if (b < PG_POOL_BUCKETS - 1)
			buffer_printf(out, "petrel_pg_query_duration_seconds_bucket{le=\"%g\"} %llu\n",
				      pg_pool_bucket_bounds[b], (unsigned long long)cumulative);
		else
			buffer_printf(out, "petrel_pg_query_duration_seconds_bucket{le=\"+Inf\"} "
				      "%llu\n", (unsigned long long)cumulative);
	}
	/* the count is the +Inf bucket, so the two agree in every scrape */
	buffer_printf(out, "petrel_pg_query_duration_seconds_sum %.6f\n"
		      "petrel_pg_query_duration_seconds_count %llu\n",
		      (double)pg->query_us / 1e6, (unsigned long long)cumulative);
}

static void admin_metrics_queue_lines(struct buffer *out)
{
	if (!admin_metrics_queue.valid)
		return;
	buffer_append_str(out, "# HELP petrel_queue_messages Outbound queue recipients per "
			  "state (whole cluster).\n# TYPE petrel_queue_messages gauge\n");
	for (int i = 0; i < STORE_QUEUE_STATES; i++)
		buffer_printf(out, "petrel_queue_messages{state=\"%s\"} %lld\n",
			      store_queue_state_names[i], (long long)admin_metrics_queue.counts[i]);
}

static void admin_metrics_finish(struct admin_metrics_job *job)
{
	struct worker *w = job->worker;
	struct metrics_slice total;
	struct buffer out = { 0 };
	size_t len;
	char *text;

	metrics_sum(w, &total);
	buffer_printf(&out, "# HELP petrel_node_info The node answering.\n"
		      "# TYPE petrel_node_info gauge\n"
		      "petrel_node_info{node=\"%s\",version=\"%s\"} 1\n",
		      w->config->node_id, PETREL_VERSION);
	admin_metrics_sessions(&out, w);
	admin_metrics_messages(&out, &total);
	admin_metrics_security(&out, &total);
	admin_metrics_pg(&out, &total.pg);
	admin_metrics_queue_lines(&out);
	text = (char *)buffer_steal(&out, &len);
	job->reply(job->ctx, text, len);
	free(job);
}

static void admin_metrics_queue_reply(void *ctx, const char *error, const int64_t *counts)
{
	struct admin_metrics_job *job = ctx;

	if (error != NULL) {
		/* the counters are still worth answering; the queue lines are left out */
		log_warning("metrics", NULL, "event=queue_query_failed error=\"%s\"", error);
		admin_metrics_queue.valid = false;
	} else {
		memcpy(admin_metrics_queue.counts, counts, sizeof(admin_metrics_queue.counts));
		admin_metrics_queue.at = ev_now(job->worker->loop);
		admin_metrics_queue.valid = true;
	}
	admin_metrics_finish(job);
}

static void admin_metrics_deferred(int revents, void *arg)
{
	(void)revents;
	admin_metrics_finish(arg);
}

void admin_metrics_render(struct worker *worker, admin_metrics_reply_t *reply, void *ctx)
{
	struct admin_metrics_job *job = xcalloc(1, sizeof(*job));

	job->worker = worker;
	job->reply = reply;
	job->ctx = ctx;
	if (admin_metrics_queue.valid &&
	    ev_now(worker->loop) - admin_metrics_queue.at < ADMIN_METRICS_QUEUE_CACHE_SECS)
		ev_once(worker->loop, -1, 0, 0, admin_metrics_deferred, job);
	else
		store_queue_counts(worker->pool, admin_metrics_queue_reply, job);
}
