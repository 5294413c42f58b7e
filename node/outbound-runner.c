/*
 * outbound-runner.c — a worker's delivery runner (see outbound-runner.h):
 * when to claim and how much (the per-worker share of the node's limits),
 * lease renewal while batches are in flight, recording a finished batch's
 * results in one statement, and the drain on SIGTERM. Delivering one batch
 * is outbound-batch.c's.
 */
#include "outbound-private.h"

#include "log.h"
#include "metrics.h"
#include "pgq-schedule.h"
#include "settings.h"
#include "tls.h"
#include "worker.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Look again at least this often without a NOTIFY: deferrals to a later
   time wake nobody, and the next due time may have moved meanwhile. */
#define OUTBOUND_POLL_MAX 30.0
/* ... and at most this often when only skipped or locked rows are due. */
#define OUTBOUND_POLL_MIN 1.0
#define OUTBOUND_ERROR_RETRY 5.0
/* A NOTIFY claims after this delay, so the NOTIFYs of many small
   submissions meanwhile make one larger batch (fewer claims, connections
   and result statements per message) rather than one claim each. */
#define OUTBOUND_NOTIFY_DELAY 0.05
#define OUTBOUND_RATE_WINDOW 60.0

static void outbound_claim(struct outbound_runner *runner);
static void outbound_poll_at(struct outbound_runner *runner, double seconds);

/* The worker is exiting and its pool is gone (pg_pool_free fails the
   requests in flight): nothing more may be submitted. */
static bool outbound_stopped(const struct outbound_runner *runner)
{
	return runner->worker->pool == NULL;
}

static const struct settings_cache *outbound_runner_settings(const struct outbound_runner *r)
{
	return r->worker->settings;
}

/* This worker's share of a per-node limit. */
static unsigned int outbound_share(const struct outbound_runner *runner, long long limit)
{
	unsigned int workers = runner->worker->config->workers > 0 ?
			       runner->worker->config->workers : 1;
	long long share = (limit + workers - 1) / workers;

	return share < 1 ? 1 : (unsigned int)share;
}

/* Connections and messages per minute (0: unlimited) of this worker for
   domain. */
static void outbound_domain_limits(const struct outbound_runner *runner, const char *domain,
				   unsigned int *connections_r, unsigned int *rate_r)
{
	const struct settings_cache *s = outbound_runner_settings(runner);
	struct pgq_limits limits;
	const char *error;

	if (pgq_domain_limits(settings_get(s, "outbound_domain_limits", 0, 0), domain,
			      (unsigned int)settings_get_number(s, "outbound_domain_concurrency", 0, 0),
			      (unsigned int)settings_get_number(s, "outbound_domain_rate", 0, 0),
			      &limits, &error) < 0)
		log_warning("outbound", NULL, "event=bad_setting name=outbound_domain_limits "
			    "error=\"%s\"", error);
	*connections_r = outbound_share(runner, limits.connections);
	*rate_r = limits.rate == 0 ? 0 : outbound_share(runner, limits.rate);
}

/* Connections in use, for one domain or (NULL) all: a batch holds at
   least one from its claim on, so claims stop at the limit too. */
static unsigned int outbound_connections(const struct outbound_runner *runner,
					 const char *domain)
{
	unsigned int n = 0;

	for (const struct outbound_batch *b = runner->batches; b != NULL; b = b->next) {
		if (domain == NULL || strcmp(b->domain, domain) == 0)
			n += b->clients > 0 ? b->clients : 1;
	}
	return n;
}

static struct outbound_domain_use *outbound_domain_use(struct outbound_runner *runner,
						       const char *domain)
{
	ev_tstamp now = ev_now(runner->worker->loop);
	struct outbound_domain_use **p = &runner->domains, *use;

	/* forget domains whose window is long over while looking */
	while ((use = *p) != NULL) {
		if (strcmp(use->domain, domain) == 0)
			break;
		if (now - use->window_start >= OUTBOUND_RATE_WINDOW) {
			*p = use->next;
			free(use->domain);
			free(use);
			continue;
		}
		p = &use->next;
	}
	if (use == NULL) {
		use = xcalloc(1, sizeof(*use));
		use->domain = xstrdup(domain);
		use->window_start = now;
		use->next = runner->domains;
		runner->domains = use;
	}
	if (now - use->window_start >= OUTBOUND_RATE_WINDOW) {
		use->window_start = now;
		use->window_sent = 0;
	}
	return use;
}

void outbound_count_message(struct outbound_runner *runner, const char *domain)
{
	outbound_domain_use(runner, domain)->window_sent++;
}

bool outbound_may_send(struct outbound_runner *runner, const char *domain)
{
	unsigned int connections, rate;

	if (runner->draining)
		return false;
	outbound_domain_limits(runner, domain, &connections, &rate);
	return rate == 0 || outbound_domain_use(runner, domain)->window_sent < rate;
}

static bool outbound_domain_full(struct outbound_runner *runner, const char *domain)
{
	unsigned int connections, rate;

	outbound_domain_limits(runner, domain, &connections, &rate);
	return outbound_connections(runner, domain) >= connections ||
	       !outbound_may_send(runner, domain);
}

bool outbound_may_connect(struct outbound_runner *runner, const struct outbound_batch *batch)
{
	long long total = settings_get_number(outbound_runner_settings(runner),
					      "outbound_concurrency", 0, 0);

	return !runner->draining &&
	       outbound_connections(runner, NULL) < outbound_share(runner, total) &&
	       !outbound_domain_full(runner, batch->domain);
}

/* ---- claiming ---- */

static void outbound_poll_at(struct outbound_runner *runner, double seconds)
{
	ev_timer_stop(runner->worker->loop, &runner->poll_timer);
	ev_timer_set(&runner->poll_timer, seconds, 0);
	ev_timer_start(runner->worker->loop, &runner->poll_timer);
}

static void outbound_add_batch(struct outbound_runner *runner, struct outbound_batch *batch)
{
	batch->next = runner->batches;
	if (runner->batches != NULL)
		runner->batches->prev = batch;
	runner->batches = batch;
}

static void outbound_released(void *ctx, const char *error, long long count);

static void outbound_next_due(void *ctx, const char *error, bool found, double seconds)
{
	struct outbound_runner *runner = ctx;

	runner->claiming = false;
	if (error != NULL)
		log_warning("outbound", NULL, "event=next_due_failed error=\"%s\"", error);
	if (runner->claim_again) {
		outbound_claim(runner);
		return;
	}
	outbound_poll_at(runner, error != NULL ? OUTBOUND_ERROR_RETRY :
			 !found ? OUTBOUND_POLL_MAX :
			 seconds < OUTBOUND_POLL_MIN ? OUTBOUND_POLL_MIN :
			 seconds > OUTBOUND_POLL_MAX ? OUTBOUND_POLL_MAX : seconds);
	if (runner->draining && outbound_runner_idle(runner))
		worker_check_drained(runner->worker);
}

static void outbound_claimed(void *ctx, const char *error, const struct pgq_claimed *rcpts,
			     unsigned int count)
{
	struct outbound_runner *runner = ctx;

	if (error != NULL) {
		runner->claiming = false;
		log_warning("outbound", NULL, "event=claim_failed error=\"%s\"", error);
		outbound_poll_at(runner, OUTBOUND_ERROR_RETRY);
		return;
	}
	if (count == 0) {
		if (runner->claim_again || runner->draining || outbound_stopped(runner)) {
			outbound_next_due(runner, NULL, false, 0);
			return;
		}
		/* still "claiming": the cycle ends with the next due time */
		pgq_lease_next_due(runner->worker->pool, outbound_next_due, runner);
		return;
	}
	runner->claiming = false;
	if (runner->draining) {
		/* claimed just before SIGTERM: give it straight back */
		int64_t *ids = xcalloc(count, sizeof(*ids));

		for (unsigned int i = 0; i < count; i++)
			ids[i] = rcpts[i].r.id;
		runner->releasing++;
		pgq_lease_release(runner->worker->pool, runner->holder, ids, count,
				  outbound_released, runner);
		free(ids);
		return;
	}
	log_debug("outbound", NULL, "event=claimed domain=%s recipients=%u",
		  rcpts[0].r.domain, count);
	outbound_add_batch(runner, outbound_batch_new(runner, rcpts, count));
	/* a full batch means a backlog: claim on at once; else let more
	   recipients gather before the next claim */
	if (count >= settings_get_number(outbound_runner_settings(runner),
					 "outbound_batch_max", 0, 0))
		outbound_claim(runner);
	else
		outbound_runner_wake(runner);
}

/* Claim a batch when there is room, skipping the domains at their limit. */
static void outbound_claim(struct outbound_runner *runner)
{
	const struct settings_cache *s = outbound_runner_settings(runner);
	long long total = settings_get_number(s, "outbound_concurrency", 0, 0);
	const char **skip;
	unsigned int nskip = 0;

	if (!runner->started || runner->draining || outbound_stopped(runner))
		return;
	if (runner->claiming) {
		runner->claim_again = true;
		return;
	}
	if (outbound_connections(runner, NULL) >= outbound_share(runner, total))
		return;   /* a finishing batch claims again */
	skip = xcalloc(outbound_connections(runner, NULL) + 1, sizeof(*skip));
	for (const struct outbound_batch *b = runner->batches; b != NULL; b = b->next) {
		bool listed = false;

		for (unsigned int i = 0; i < nskip && !listed; i++)
			listed = strcmp(skip[i], b->domain) == 0;
		if (!listed && outbound_domain_full(runner, b->domain))
			skip[nskip++] = b->domain;
	}
	for (const struct outbound_domain_use *u = runner->domains; u != NULL; u = u->next) {
		bool listed = false;

		for (unsigned int i = 0; i < nskip && !listed; i++)
			listed = strcmp(skip[i], u->domain) == 0;
		if (!listed && outbound_domain_full(runner, u->domain)) {
			skip = xrealloc(skip, (nskip + 2) * sizeof(*skip));
			skip[nskip++] = u->domain;
		}
	}
	runner->claiming = true;
	runner->claim_again = false;
	pgq_lease_claim(runner->worker->pool, runner->holder,
			(unsigned int)settings_get_number(s, "outbound_batch_max", 0, 0),
			(unsigned int)settings_get_number(s, "queue_lease_time", 0, 0),
			skip, nskip, outbound_claimed, runner);
	free(skip);
}

static void outbound_poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	outbound_claim(t->data);
}

/* ---- leases ---- */

static void outbound_renewed(void *ctx, const char *error, long long count)
{
	if (error != NULL)
		log_warning("outbound", NULL, "event=renew_failed error=\"%s\"", error);
}

static void outbound_renew_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct outbound_runner *runner = t->data;
	long long lease = settings_get_number(outbound_runner_settings(runner),
					      "queue_lease_time", 0, 0);
	unsigned int count = 0;
	int64_t *ids;

	if (outbound_stopped(runner))
		return;
	/* follow changes of the lease time */
	t->repeat = lease / 3.0;
	ev_timer_again(loop, t);
	for (const struct outbound_batch *b = runner->batches; b != NULL; b = b->next)
		count += b->rcpt_count;
	if (count == 0)
		return;
	ids = xcalloc(count, sizeof(*ids));
	count = 0;
	for (const struct outbound_batch *b = runner->batches; b != NULL; b = b->next)
		count += outbound_batch_ids(b, ids + count);
	pgq_lease_renew(runner->worker->pool, runner->holder, ids, count, (unsigned int)lease,
			outbound_renewed, runner);
	free(ids);
}

/* ---- results ---- */

static void outbound_schedule(const struct outbound_runner *runner, struct pgq_schedule *sched)
{
	const char *text = settings_get(outbound_runner_settings(runner), "queue_retry_schedule",
					0, 0);
	const char *error;

	if (pgq_schedule_parse(text, sched, &error) == 0)
		return;
	log_warning("outbound", NULL, "event=bad_setting name=queue_retry_schedule "
		    "error=\"%s\" using=default", error);
	if (pgq_schedule_parse(settings_find("queue_retry_schedule")->default_value, sched,
			       &error) < 0)
		abort();   /* the registry's default is unit-tested */
}

static const char *outbound_event_name(enum pgq_state state)
{
	switch (state) {
	case PGQ_STATE_SENT:
		return "delivered";
	case PGQ_STATE_FAILED:
		return "bounced";
	case PGQ_STATE_EXPIRED:
		return "expired";
	case PGQ_STATE_DEFERRED:
		break;
	}
	return "deferred";
}

static int outbound_cmp_result_id(const void *a, const void *b)
{
	const struct pgq_lease_result *x = *(const struct pgq_lease_result *const *)a;
	const struct pgq_lease_result *y = *(const struct pgq_lease_result *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* One log line per recipient whose result was recorded. */
static void outbound_log_outcomes(const struct outbound_batch *batch,
				  const struct pgq_outcome *accepted, unsigned int count)
{
	const struct pgq_lease_result **sorted = xcalloc(batch->rcpt_count, sizeof(*sorted));

	for (unsigned int i = 0; i < batch->rcpt_count; i++)
		sorted[i] = &batch->results[i];
	qsort(sorted, batch->rcpt_count, sizeof(*sorted), outbound_cmp_result_id);
	for (unsigned int i = 0; i < count; i++) {
		struct pgq_lease_result key = { .id = accepted[i].id };
		const struct pgq_lease_result *kp = &key, **found;
		const struct outbound_msg *msg;
		unsigned int index;

		found = bsearch(&kp, sorted, batch->rcpt_count, sizeof(*sorted),
				outbound_cmp_result_id);
		if (found == NULL)
			continue;
		index = (unsigned int)(*found - batch->results);
		msg = &batch->msgs[batch->rcpt_msg[index]];
		metrics_count_outbound(batch->runner->worker, accepted[i].state);
		log_info("outbound", msg->queue_id, "event=%s to=<%s> relay=%s code=%d text=\"%s\"",
			 outbound_event_name(accepted[i].state),
			 msg->m.rcpts[index - msg->first], msg->group != NULL ? msg->group->relay : "",
			 (*found)->code, (*found)->text);
	}
	free(sorted);
}

static void outbound_batch_done(struct outbound_batch *batch)
{
	struct outbound_runner *runner = batch->runner;

	if (batch->prev != NULL)
		batch->prev->next = batch->next;
	else
		runner->batches = batch->next;
	if (batch->next != NULL)
		batch->next->prev = batch->prev;
	outbound_batch_free(batch);
	if (runner->draining) {
		if (outbound_runner_idle(runner))
			worker_check_drained(runner->worker);
		return;
	}
	outbound_claim(runner);
}

static void outbound_recorded(void *ctx, const char *error, const struct pgq_outcome *accepted,
			      unsigned int count)
{
	struct outbound_batch *batch = ctx;

	if (error != NULL)
		log_warning("outbound", NULL, "event=results_failed domain=%s recipients=%u "
			    "error=\"%s\"", batch->domain, batch->rcpt_count, error);
	else if (count < batch->rcpt_count)
		log_warning("outbound", NULL, "event=lease_lost domain=%s recipients=%u",
			    batch->domain, batch->rcpt_count - count);
	outbound_log_outcomes(batch, accepted, count);
	batch->recording = false;
	outbound_batch_done(batch);
}

static void outbound_released(void *ctx, const char *error, long long count)
{
	struct outbound_runner *runner = ctx;

	if (error != NULL)
		log_warning("outbound", NULL, "event=release_failed error=\"%s\"", error);
	else
		log_info("outbound", NULL, "event=released recipients=%lld", count);
	runner->releasing--;
	if (runner->draining && outbound_runner_idle(runner))
		worker_check_drained(runner->worker);
}

/* Record what was attempted; give back what was not (drain, or the
   domain's rate reached: other workers' shares may send it). */
void outbound_batch_finished(struct outbound_batch *batch)
{
	struct outbound_runner *runner = batch->runner;
	struct pgq_lease_result *done = xcalloc(batch->rcpt_count, sizeof(*done));
	int64_t *unattempted = xcalloc(batch->rcpt_count, sizeof(*unattempted));
	unsigned int ndone = 0, nun = 0;
	struct pgq_schedule schedule;

	if (outbound_stopped(runner)) {
		free(done);
		free(unattempted);
		outbound_batch_done(batch);
		return;
	}
	for (unsigned int i = 0; i < batch->rcpt_count; i++) {
		if (batch->results[i].code != 0)
			done[ndone++] = batch->results[i];
		else if (!batch->msgs[batch->rcpt_msg[i]].handed_out)
			unattempted[nun++] = batch->results[i].id;
	}
	/* a handed-out recipient without a result (connection aborted) is
	   left to its lease: it may have been delivered */
	if (nun > 0) {
		runner->releasing++;
		pgq_lease_release(runner->worker->pool, runner->holder, unattempted, nun,
				  outbound_released, runner);
	}
	batch->recording = true;
	outbound_schedule(runner, &schedule);
	pgq_lease_results(runner->worker->pool, runner->holder, done, ndone, &schedule,
			  outbound_recorded, batch);
	free(done);
	free(unattempted);
}

/* ---- the runner ---- */

struct outbound_runner *outbound_runner_new(struct worker *worker, struct dns_resolver *dns)
{
	struct outbound_runner *runner = xcalloc(1, sizeof(*runner));
	const char *error;

	runner->worker = worker;
	runner->dns = dns;
	/* pid too: a restarted node must not be taken for the old holder */
	snprintf(runner->holder, sizeof(runner->holder), "%s/%u/%d", worker->config->node_id,
		 worker->index, (int)getpid());
	runner->tls_ctx = tls_client_ctx_new(&error);
	if (runner->tls_ctx == NULL)
		log_error("outbound", NULL, "event=tls_client_failed error=\"%s\"", error);
	ev_init(&runner->poll_timer, outbound_poll_cb);
	runner->poll_timer.data = runner;
	ev_init(&runner->renew_timer, outbound_renew_cb);
	runner->renew_timer.data = runner;
	return runner;
}

void outbound_runner_free(struct outbound_runner **_runner)
{
	struct outbound_runner *runner = *_runner;

	if (runner == NULL)
		return;
	*_runner = NULL;
	ev_timer_stop(runner->worker->loop, &runner->poll_timer);
	ev_timer_stop(runner->worker->loop, &runner->renew_timer);
	while (runner->batches != NULL) {
		struct outbound_batch *b = runner->batches;

		runner->batches = b->next;
		outbound_batch_free(b);
	}
	while (runner->domains != NULL) {
		struct outbound_domain_use *u = runner->domains;

		runner->domains = u->next;
		free(u->domain);
		free(u);
	}
	if (runner->tls_ctx != NULL)
		SSL_CTX_free(runner->tls_ctx);
	free(runner);
}

void outbound_runner_settings_loaded(struct outbound_runner *runner)
{
	double renew = settings_get_number(outbound_runner_settings(runner), "queue_lease_time",
					   0, 0) / 3.0;

	runner->started = true;
	/* a shorter lease must be renewed sooner than the old period says */
	if (!ev_is_active(&runner->renew_timer) || renew < runner->renew_timer.repeat) {
		runner->renew_timer.repeat = renew;
		ev_timer_again(runner->worker->loop, &runner->renew_timer);
	}
	outbound_claim(runner);
}

void outbound_runner_wake(struct outbound_runner *runner)
{
	if (!ev_is_active(&runner->poll_timer) ||
	    ev_timer_remaining(runner->worker->loop, &runner->poll_timer) > OUTBOUND_NOTIFY_DELAY)
		outbound_poll_at(runner, OUTBOUND_NOTIFY_DELAY);
}

void outbound_runner_drain(struct outbound_runner *runner)
{
	runner->draining = true;
	ev_timer_stop(runner->worker->loop, &runner->poll_timer);
	for (struct outbound_batch *b = runner->batches, *next; b != NULL; b = next) {
		next = b->next;
		outbound_batch_drain(b);
	}
}

bool outbound_runner_idle(const struct outbound_runner *runner)
{
	return runner->batches == NULL && !runner->claiming && runner->releasing == 0;
}
