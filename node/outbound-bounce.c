/*
 * outbound-bounce.c — delivery status notifications for the outbound
 * queue (see outbound-bounce.h).
 *
 * Every OUTBOUND_BOUNCE_INTERVAL the job claims a batch of messages with
 * something to report (queue-pg/pgq-notice.h), builds each DSN
 * (queue-pg/pgq-dsn.h), finds where its sender lives and then, in ONE
 * transaction, marks the notice done and stores the DSN in the sender's
 * INBOX or queues it for the sender's domain with the null sender (so it
 * can never bounce again). The done mark fails when the lease was lost,
 * taking the DSN with it; any failure leaves the notice to be claimed
 * again once its lease ends.
 */
#include "outbound-bounce.h"

#include "log.h"
#include "pgq-dsn.h"
#include "pgq-notice.h"
#include "settings.h"
#include "store-delivery.h"
#include "store-rcpt.h"
#include "worker.h"
#include "xalloc.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOUND_BOUNCE_INTERVAL 2.0
#define OUTBOUND_BOUNCE_BATCH 50
/* A full batch suggests more are waiting: look again soon. */
#define OUTBOUND_BOUNCE_AGAIN 0.1

struct outbound_bounce {
	struct worker *worker;
	ev_timer timer;
	char holder[160];          /* lease holder: node id + "/dsn" */
	unsigned int running;      /* the claim and the notices in flight */
	unsigned int batch_left;   /* notices of the batch not finished */
	bool batch_full;
	bool freed;                /* freed while work was in flight */
};

/* One DSN on its way: what the done mark needs, and the DSN itself. */
struct outbound_bounce_notice {
	struct outbound_bounce *bounce;
	int64_t message_id;
	int64_t *failed_ids, *delayed_ids;
	unsigned int failed_count, delayed_count;
	char *orig_queue_id;
	struct store_message *msg;   /* mail_from "", recipients[0] the sender */
};

static void outbound_bounce_schedule(struct outbound_bounce *b, double after)
{
	ev_timer_stop(b->worker->loop, &b->timer);
	ev_timer_set(&b->timer, after, 0);
	ev_timer_start(b->worker->loop, &b->timer);
}

/* A piece of work ended: false when b was freed meanwhile (and is gone
   once nothing is in flight). */
static bool outbound_bounce_release(struct outbound_bounce *b)
{
	b->running--;
	if (!b->freed)
		return true;
	if (b->running == 0)
		free(b);
	return false;
}

static long long outbound_bounce_setting(const struct outbound_bounce *b, const char *name)
{
	return settings_get_number(b->worker->settings, name, 0, 0);
}

static void outbound_bounce_notice_finish(struct outbound_bounce_notice *bn, const char *error)
{
	struct outbound_bounce *b = bn->bounce;
	struct store_message *msg = bn->msg;

	if (error != NULL)
		log_warning("dsn", NULL, "event=dsn_failed queue_id=%s to=<%s> error=\"%s\"",
			    bn->orig_queue_id, msg->recipients[0], error);
	else if (msg->target_count + msg->remote_count == 0)
		log_info("dsn", NULL, "event=dsn_dropped queue_id=%s to=<%s> reason=unknown_sender",
			 bn->orig_queue_id, msg->recipients[0]);
	else
		log_info("dsn", NULL, "event=dsn_sent kind=%s queue_id=%s dsn_id=%s to=<%s> "
			 "rcpts=%u mailboxes=%u remote=%u", bn->failed_count > 0 ? "failure" : "delay",
			 bn->orig_queue_id, msg->queue_id, msg->recipients[0],
			 bn->failed_count + bn->delayed_count, msg->target_count, msg->remote_count);
	store_message_free(&bn->msg);
	free(bn->failed_ids);
	free(bn->delayed_ids);
	free(bn->orig_queue_id);
	free(bn);
	if (--b->batch_left == 0 && !b->freed)
		outbound_bounce_schedule(b, b->batch_full ? OUTBOUND_BOUNCE_AGAIN
							  : OUTBOUND_BOUNCE_INTERVAL);
	outbound_bounce_release(b);
}

static void outbound_bounce_stored(void *ctx, const struct pg_reply *reply)
{
	outbound_bounce_notice_finish(ctx, reply->error);
}

/* Where the DSN goes: local accounts' INBOXes, remote addresses (alias
   targets, or the sender itself when its domain is not ours) to the queue.
   An unknown local sender gets nothing. */
static void outbound_bounce_route(struct store_message *msg,
				  const struct store_rcpt_target *targets, unsigned int count)
{
	msg->account_ids = xcalloc(count + 1, sizeof(*msg->account_ids));
	msg->mailbox_ids = xcalloc(count + 1, sizeof(*msg->mailbox_ids));
	msg->remote_recipients = xcalloc(count + 1, sizeof(*msg->remote_recipients));
	for (unsigned int i = 0; i < count; i++) {
		const struct store_rcpt_target *t = &targets[i];

		if (t->kind == STORE_RCPT_ACCOUNT) {
			msg->account_ids[msg->target_count] = t->account_id;
			msg->mailbox_ids[msg->target_count++] = t->mailbox_id;
		} else if (t->kind == STORE_RCPT_REMOTE || t->kind == STORE_RCPT_NODOMAIN) {
			msg->remote_recipients[msg->remote_count++] =
				xstrdup(t->kind == STORE_RCPT_REMOTE ? t->address : msg->recipients[0]);
		}
	}
}

static void outbound_bounce_resolved(void *ctx, const struct store_rcpt_target *targets,
				     unsigned int count, const char *error)
{
	struct outbound_bounce_notice *bn = ctx;
	struct outbound_bounce *b = bn->bounce;
	struct pg_request *req;

	if (error != NULL || b->freed) {
		outbound_bounce_notice_finish(bn, error != NULL ? error : "shutting down");
		return;
	}
	outbound_bounce_route(bn->msg, targets, count);
	req = pg_request_new(outbound_bounce_stored, bn);
	pgq_notice_done_add(req, b->holder, bn->message_id, bn->failed_ids, bn->failed_count,
			    bn->delayed_ids, bn->delayed_count);
	if (bn->msg->target_count + bn->msg->remote_count > 0)
		store_delivery_add(req, &bn->msg, 1);
	pg_pool_submit(b->worker->pool, req);
}

/* The DSN as a message from the null sender to the original sender. */
static struct store_message *outbound_bounce_message(struct outbound_bounce *b,
						     const struct pgq_notice *n)
{
	struct worker *w = b->worker;
	struct store_message *msg = xcalloc(1, sizeof(*msg));
	struct pgq_dsn dsn = {
		.hostname = worker_hostname(w), .queue_id = n->queue_id, .dsn_id = msg->queue_id,
		.sender = n->sender, .arrival = n->arrival, .retry_until = n->expires,
		.now = time(NULL), .headers = n->headers, .headers_size = n->headers_size,
		.rcpts = n->rcpts, .rcpt_count = n->rcpt_count,
	};

	worker_new_queue_id(w, msg->queue_id, sizeof(msg->queue_id));
	msg->node_id = w->config->node_id;
	msg->protocol = "dsn";
	msg->mail_from = xstrdup("");
	msg->recipients = xcalloc(1, sizeof(*msg->recipients));
	msg->recipients[0] = xstrdup(n->sender);
	msg->recipient_count = 1;
	msg->queue_lifetime = (int)outbound_bounce_setting(b, "queue_max_lifetime");
	msg->content.raw = (unsigned char *)pgq_dsn_build(&dsn, &msg->content.size);
	/* searchable: the sender is usually local, and resolved only later */
	store_content_prepare(&msg->content,
			      (size_t)outbound_bounce_setting(b, "search_text_max_bytes"), true);
	return msg;
}

static void outbound_bounce_notice_start(struct outbound_bounce *b, const struct pgq_notice *n)
{
	struct outbound_bounce_notice *bn = xcalloc(1, sizeof(*bn));

	bn->bounce = b;
	bn->message_id = n->message_id;
	bn->orig_queue_id = xstrdup(n->queue_id);
	bn->failed_ids = xcalloc(n->rcpt_count, sizeof(*bn->failed_ids));
	bn->delayed_ids = xcalloc(n->rcpt_count, sizeof(*bn->delayed_ids));
	for (unsigned int i = 0; i < n->rcpt_count; i++) {
		if (n->rcpts[i].action == PGQ_DSN_FAILED)
			bn->failed_ids[bn->failed_count++] = n->rcpt_ids[i];
		else
			bn->delayed_ids[bn->delayed_count++] = n->rcpt_ids[i];
	}
	bn->msg = outbound_bounce_message(b, n);
	b->running++;
	store_rcpt_resolve(b->worker->pool, n->sender,
			   settings_get(b->worker->settings, "recipient_delimiter", 0, 0),
			   (int)outbound_bounce_setting(b, "alias_max_depth"),
			   outbound_bounce_resolved, bn);
}

static void outbound_bounce_claimed(void *ctx, const char *error,
				    const struct pgq_notice *notices, unsigned int count)
{
	struct outbound_bounce *b = ctx;

	if (!outbound_bounce_release(b))
		return;
	if (error != NULL)
		log_warning("dsn", NULL, "event=dsn_claim_failed error=\"%s\"", error);
	if (count == 0) {
		outbound_bounce_schedule(b, OUTBOUND_BOUNCE_INTERVAL);
		return;
	}
	b->batch_left = count;
	b->batch_full = count >= OUTBOUND_BOUNCE_BATCH;
	for (unsigned int i = 0; i < count; i++)
		outbound_bounce_notice_start(b, &notices[i]);
}

static void outbound_bounce_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbound_bounce *b = w->data;

	(void)loop;
	(void)revents;
	b->running++;
	pgq_notice_claim(b->worker->pool, b->holder, OUTBOUND_BOUNCE_BATCH,
			 (unsigned int)outbound_bounce_setting(b, "queue_lease_time"),
			 (unsigned int)outbound_bounce_setting(b, "queue_delay_warning"),
			 outbound_bounce_claimed, b);
}

struct outbound_bounce *outbound_bounce_new(struct worker *worker)
{
	struct outbound_bounce *b = xcalloc(1, sizeof(*b));

	b->worker = worker;
	snprintf(b->holder, sizeof(b->holder), "%s/dsn", worker->config->node_id);
	ev_init(&b->timer, outbound_bounce_timer);
	b->timer.data = b;
	outbound_bounce_schedule(b, OUTBOUND_BOUNCE_INTERVAL);
	return b;
}

void outbound_bounce_free(struct outbound_bounce **bp)
{
	struct outbound_bounce *b = *bp;

	if (b == NULL)
		return;
	*bp = NULL;
	ev_timer_stop(b->worker->loop, &b->timer);
	if (b->running > 0)
		b->freed = true;   /* the last reply frees it */
	else
		free(b);
}
