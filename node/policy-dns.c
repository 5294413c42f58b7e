/*
 * policy-dns.c — a policy check's DNS lookups under one deadline (see
 * policy-dns.h). Each lookup is an entry on the batch's list until its
 * answer comes; the deadline timer cancels what is left. "Done" is always
 * called from a zero-delay timer, so a check never gets its verdict
 * inside the call that started the lookups.
 */
#include "policy-dns.h"

#include "worker.h"
#include "xalloc.h"

#include <stdlib.h>

struct policy_dns_lookup {
	struct policy_dns_batch *batch;
	struct dns_query *query;
	dns_records_callback_t *callback;
	void *ctx;
	struct policy_dns_lookup *next;
};

struct policy_dns_batch {
	struct ev_loop *loop;
	struct dns_resolver *resolver;
	policy_dns_done_t *done;
	void *ctx;
	ev_timer deadline;
	ev_timer notify;             /* zero-delay: calls done */
	struct policy_dns_lookup *lookups;
	unsigned int pending;
	bool waiting, timed_out;
};

static void policy_dns_cancel_all(struct policy_dns_batch *batch)
{
	while (batch->lookups != NULL) {
		struct policy_dns_lookup *l = batch->lookups;

		batch->lookups = l->next;
		dns_query_cancel(l->query);
		free(l);
	}
	batch->pending = 0;
}

static void policy_dns_notify(struct policy_dns_batch *batch)
{
	ev_timer_set(&batch->notify, 0., 0.);
	ev_timer_start(batch->loop, &batch->notify);
}

static void policy_dns_notify_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct policy_dns_batch *batch = w->data;

	(void)loop;
	(void)revents;
	if (!batch->waiting || (batch->pending > 0 && !batch->timed_out))
		return;
	batch->waiting = false;
	batch->done(batch->ctx, batch->timed_out);     /* may free the batch */
}

static void policy_dns_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct policy_dns_batch *batch = w->data;

	(void)loop;
	(void)revents;
	batch->timed_out = true;
	policy_dns_cancel_all(batch);
	if (batch->waiting)
		policy_dns_notify(batch);
}

struct policy_dns_batch *policy_dns_batch_new(struct worker *worker, double timeout,
					      policy_dns_done_t *done, void *ctx,
					      const char **error_r)
{
	struct policy_dns_batch *batch;

	if (worker->dns == NULL) {
		*error_r = "no DNS resolver (see the worker's dns_failed log line)";
		return NULL;
	}
	batch = xcalloc(1, sizeof(*batch));
	batch->loop = worker->loop;
	batch->resolver = worker->dns;
	batch->done = done;
	batch->ctx = ctx;
	ev_timer_init(&batch->deadline, policy_dns_deadline_cb, timeout, 0.);
	batch->deadline.data = batch;
	ev_timer_start(batch->loop, &batch->deadline);
	ev_timer_init(&batch->notify, policy_dns_notify_cb, 0., 0.);
	batch->notify.data = batch;
	return batch;
}

void policy_dns_batch_free(struct policy_dns_batch **batch_p)
{
	struct policy_dns_batch *batch = *batch_p;

	if (batch == NULL)
		return;
	*batch_p = NULL;
	policy_dns_cancel_all(batch);
	ev_timer_stop(batch->loop, &batch->deadline);
	ev_timer_stop(batch->loop, &batch->notify);
	free(batch);
}

static void policy_dns_answer_cb(void *ctx, enum dns_result result, const char *error,
				 const char *const *records, unsigned int count)
{
	struct policy_dns_lookup *l = ctx, **lp;
	struct policy_dns_batch *batch = l->batch;

	for (lp = &batch->lookups; *lp != l; lp = &(*lp)->next)
		;
	*lp = l->next;
	batch->pending--;
	l->callback(l->ctx, result, error, records, count);
	free(l);
	if (batch->pending == 0 && batch->waiting)
		policy_dns_notify(batch);
}

void policy_dns_batch_add(struct policy_dns_batch *batch, const char *name,
			  enum dns_rr_type type, dns_records_callback_t *callback, void *ctx)
{
	struct policy_dns_lookup *l;

	if (batch->timed_out)
		return;                /* the deadline passed: done says so */
	l = xcalloc(1, sizeof(*l));
	l->batch = batch;
	l->callback = callback;
	l->ctx = ctx;
	l->next = batch->lookups;
	batch->lookups = l;
	batch->pending++;
	l->query = dns_lookup_records(batch->resolver, name, type, policy_dns_answer_cb, l);
}

void policy_dns_batch_wait(struct policy_dns_batch *batch)
{
	batch->waiting = true;
	if (batch->pending == 0 || batch->timed_out)
		policy_dns_notify(batch);
}

unsigned int policy_dns_batch_pending(const struct policy_dns_batch *batch)
{
	return batch->pending;
}
