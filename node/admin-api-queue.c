/*
 * admin-api-queue.c — /api/v1/queue: the outbound queue for operators,
 * the web twin of petrelctl queue. List (filtered by recipient state,
 * searched by queue id, sender or recipient, paged in SQL), a summary
 * (recipients by state, the destination domains with most waiting), one
 * message with its recipients, retry now, delete what still waits, and
 * flush (every waiting recipient due now, like `petrelctl queue flush`).
 *
 * Superadmins only: the queue mixes every domain's mail.
 */
#include "admin-api.h"

#include "admin-queue.h"

static const char *const admin_api_queue_sorts[] = { "queued_at", NULL };

static json_t *admin_api_queue_message_json(const struct admin_queue_message *m)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s?, s:s?}",
			 "id", m->queue_id, "node", m->node_id, "sender", m->sender,
			 "recipient_count", (json_int_t)m->recipients,
			 "pending", (json_int_t)m->pending, "size", (json_int_t)m->size,
			 "queued_at", m->queued_at, "expires_at", m->expires_at,
			 "next_attempt", m->next_attempt, "last_error", m->last_error);
}

static void admin_api_queue_message_append(const struct admin_queue_message *m, void *context)
{
	json_array_append_new(context, admin_api_queue_message_json(m));
}

static void admin_api_queue_list(struct admin_call *call)
{
	struct admin_queue_query query = { 0 };
	struct admin_page page;
	long long total;
	const char *error;
	json_t *items;

	if (!admin_call_page(call, admin_api_queue_sorts, &page))
		return;
	query.state = admin_call_query(call, "state");
	query.domain = admin_call_query(call, "domain");
	query.paging = page.paging;
	items = json_array();
	if (admin_queue_page(call->db, &query, admin_api_queue_message_append, items, &total,
			     &error) < 0) {
		json_decref(items);
		/* the one invalid input a listing can have is ?state= */
		admin_call_db_error(call, error, query.state != NULL &&
				    admin_db_error_kind(call->db) == ADMIN_ERROR_INVALID ?
				    "state" : NULL);
		return;
	}
	admin_call_list(call, &page, items, total);
}

static void admin_api_queue_domain_append(const char *domain, long long waiting, void *context)
{
	json_array_append_new(context, json_pack("{s:s, s:I}", "domain", domain,
						 "waiting", (json_int_t)waiting));
}

static void admin_api_queue_summary_get(struct admin_call *call)
{
	struct admin_queue_totals t;
	json_t *domains = json_array();
	const char *error;

	if (admin_queue_summary(call->db, &t, admin_api_queue_domain_append, domains, &error) < 0) {
		json_decref(domains);
		admin_call_db_error(call, error, NULL);
		return;
	}
	call->result = json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o}",
				 "messages", (json_int_t)t.messages,
				 "recipients", (json_int_t)t.recipients, "states",
				 "queued", (json_int_t)t.queued, "deferred", (json_int_t)t.deferred,
				 "delivering", (json_int_t)t.delivering, "done", (json_int_t)t.done,
				 "top_domains", domains);
}

static void admin_api_queue_show_message(const struct admin_queue_message *m, void *context)
{
	*(json_t **)context = admin_api_queue_message_json(m);
	json_object_set_new(*(json_t **)context, "recipients", json_array());
}

static void admin_api_queue_show_recipient(const struct admin_queue_recipient *r, void *context)
{
	json_t *recipients = json_object_get(*(json_t **)context, "recipients");

	json_array_append_new(recipients,
			      json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?}",
					"recipient", r->recipient, "state", r->state,
					"attempts", (json_int_t)r->attempts,
					"next_attempt", r->next_attempt, "last_code", r->last_code,
					"last_error", r->last_error, "lease_node", r->lease_node,
					"lease_until", r->lease_until));
}

static void admin_api_queue_get(struct admin_call *call)
{
	json_t *doc = NULL;
	const char *error;

	if (admin_queue_show(call->db, call->args[0], admin_api_queue_show_message,
			     admin_api_queue_show_recipient, &doc, &error) < 0) {
		json_decref(doc);
		admin_call_db_error(call, error, NULL);
		return;
	}
	call->result = doc;
}

/* Retry one message (queue_id) or every waiting recipient (NULL). */
static void admin_api_queue_retry_now(struct admin_call *call, const char *queue_id)
{
	long long count = 0;
	const char *error;

	if (admin_queue_retry(call->db, queue_id, &count, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		call->result = json_pack("{s:I}", "retried", (json_int_t)count);
}

static void admin_api_queue_retry_one(struct admin_call *call)
{
	admin_api_queue_retry_now(call, call->args[0]);
}

/* Postfix's `postqueue -f`: attempt delivery of everything waiting now. */
static void admin_api_queue_flush(struct admin_call *call)
{
	admin_api_queue_retry_now(call, NULL);
}

static void admin_api_queue_remove(struct admin_call *call)
{
	long long recipients = 0, messages = 0;
	const char *error;

	if (admin_queue_delete(call->db, call->args[0], &recipients, &messages, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else if (recipients == 0)
		admin_call_error(call, 409, "conflict", NULL, "message %s has no waiting "
				 "recipients (being delivered or done)", call->args[0]);
	else
		call->status = 204;
}

ADMIN_ROUTES(admin_api_queue_routes,
	{ "GET", "/queue", ADMIN_ROLE_SUPER, admin_api_queue_list },
	{ "GET", "/queue/summary", ADMIN_ROLE_SUPER, admin_api_queue_summary_get },
	{ "POST", "/queue/flush", ADMIN_ROLE_SUPER, admin_api_queue_flush },
	{ "GET", "/queue/{}", ADMIN_ROLE_SUPER, admin_api_queue_get },
	{ "POST", "/queue/{}/retry", ADMIN_ROLE_SUPER, admin_api_queue_retry_one },
	{ "DELETE", "/queue/{}", ADMIN_ROLE_SUPER, admin_api_queue_remove },
)
