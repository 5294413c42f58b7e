/*
 * ctl-queue.c — `petrelctl queue list|show|retry|delete|flush`: the
 * outbound queue for operators, as Postfix's mailq/postqueue offer it.
 *
 * list and show print two tables (totals and messages; a message and its
 * recipients); with --json they are the two members of one object, so a
 * script parses one document.
 */
#include "ctl.h"

#include "admin-queue.h"
#include "ctl-output.h"

#include <stdio.h>

static const struct ctl_column ctl_queue_totals_columns[] = {
	{ "MESSAGES", "messages", CTL_CELL_NUMBER, NULL },
	{ "RECIPIENTS", "recipients", CTL_CELL_NUMBER, NULL },
	{ "NEW", "queued", CTL_CELL_NUMBER, NULL },
	{ "WAITING RETRY", "deferred", CTL_CELL_NUMBER, NULL },
	{ "DELIVERING", "delivering", CTL_CELL_NUMBER, NULL },
	{ "DONE", "done", CTL_CELL_NUMBER, NULL },
};

static const struct ctl_column ctl_queue_message_columns[] = {
	{ "QUEUE ID", "queue_id", CTL_CELL_TEXT, NULL },
	{ NULL, "node_id", CTL_CELL_TEXT, NULL },
	{ "SENDER", "sender", CTL_CELL_TEXT, NULL },
	{ "RCPTS", "recipients", CTL_CELL_NUMBER, NULL },
	{ "PENDING", "pending", CTL_CELL_NUMBER, NULL },
	{ "SIZE", "size", CTL_CELL_SIZE, NULL },
	{ "QUEUED", "queued_at", CTL_CELL_TEXT, NULL },
	{ NULL, "expires_at", CTL_CELL_TEXT, NULL },
	{ "NEXT ATTEMPT", "next_attempt", CTL_CELL_TEXT, NULL },
	{ "LAST ERROR", "last_error", CTL_CELL_TEXT, NULL },
};

static const struct ctl_column ctl_queue_recipient_columns[] = {
	{ "RECIPIENT", "recipient", CTL_CELL_TEXT, NULL },
	{ "STATE", "state", CTL_CELL_TEXT, NULL },
	{ "ATTEMPTS", "attempts", CTL_CELL_NUMBER, NULL },
	{ "NEXT ATTEMPT", "next_attempt", CTL_CELL_TEXT, NULL },
	{ "CODE", "last_code", CTL_CELL_JSON, NULL },
	{ "LAST ERROR", "last_error", CTL_CELL_TEXT, NULL },
	{ "LEASE HOLDER", "lease_node", CTL_CELL_TEXT, NULL },
	{ "LEASE UNTIL", "lease_until", CTL_CELL_TEXT, NULL },
};

/* Print first (one object when first_single) and second as above unless
   ret < 0, free both, and return the exit status. */
static enum ctl_exit ctl_queue_print(struct ctl_context *ctx, int ret, const char *first_key,
				     struct ctl_table **first, bool first_single,
				     const char *second_key, struct ctl_table **second)
{
	if (ret >= 0 && ctx->json) {
		printf("{\"%s\": ", first_key);
		ctl_table_print(*first, true, first_single);
		printf(", \"%s\": ", second_key);
		ctl_table_print(*second, true, false);
		printf("}\n");
	} else if (ret >= 0) {
		ctl_table_print(*first, false, first_single);
		putchar('\n');
		ctl_table_print(*second, false, false);
	}
	ctl_table_free(first);
	ctl_table_free(second);
	return ret < 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

static void ctl_queue_message_row(const struct admin_queue_message *m, void *context)
{
	struct ctl_table **tables = context;

	ctl_table_add(tables[0], m->queue_id, m->node_id, m->sender, m->recipients, m->pending,
		      m->size, m->queued_at, m->expires_at, m->next_attempt, m->last_error);
}

static void ctl_queue_recipient_row(const struct admin_queue_recipient *r, void *context)
{
	struct ctl_table **tables = context;

	ctl_table_add(tables[1], r->recipient, r->state, r->attempts, r->next_attempt,
		      r->last_code, r->last_error, r->lease_node, r->lease_until);
}

enum ctl_exit ctl_queue_list(struct ctl_context *ctx)
{
	struct ctl_table *tables[1] = { CTL_TABLE_NEW(ctl_queue_message_columns) };
	struct ctl_table *totals = CTL_TABLE_NEW(ctl_queue_totals_columns);
	struct admin_queue_totals t;
	int ret;

	ret = admin_queue_list(ctx->db, ctx->value[CTL_OPT_DOMAIN], ctx->value[CTL_OPT_STATE],
			       ctl_queue_message_row, tables, &t, &ctx->error);
	if (ret >= 0)
		ctl_table_add(totals, t.messages, t.recipients, t.queued, t.deferred, t.delivering,
			      t.done);
	return ctl_queue_print(ctx, ret, "totals", &totals, true, "messages", &tables[0]);
}

enum ctl_exit ctl_queue_show(struct ctl_context *ctx)
{
	struct ctl_table *tables[2] = {
		CTL_TABLE_NEW(ctl_queue_message_columns),
		CTL_TABLE_NEW(ctl_queue_recipient_columns),
	};
	int ret = admin_queue_show(ctx->db, ctx->args[0], ctl_queue_message_row,
				   ctl_queue_recipient_row, tables, &ctx->error);

	return ctl_queue_print(ctx, ret, "message", &tables[0], true, "recipients", &tables[1]);
}

/* QUEUE_ID or --all, exactly one of them: the id, or NULL for all. */
static int ctl_queue_target(struct ctl_context *ctx, const char *verb, const char **queue_id_r)
{
	static char error[128];

	if ((ctx->arg_count == 1) == ctx->given[CTL_OPT_ALL]) {
		snprintf(error, sizeof(error), "usage: petrelctl queue %s QUEUE_ID|--all", verb);
		ctx->error = error;
		return -1;
	}
	*queue_id_r = ctx->arg_count == 1 ? ctx->args[0] : NULL;
	return 0;
}

/* Retry the waiting recipients of queue_id (NULL: all) now. */
static enum ctl_exit ctl_queue_retry_now(struct ctl_context *ctx, const char *queue_id)
{
	long long count = 0;
	int ret = admin_queue_retry(ctx->db, queue_id, &count, &ctx->error);

	if (queue_id != NULL)
		return ctl_done(ctx, ret, "%lld recipients of %s due now", count, queue_id);
	return ctl_done(ctx, ret, "%lld recipients due now", count);
}

enum ctl_exit ctl_queue_retry(struct ctl_context *ctx)
{
	const char *queue_id;

	if (ctl_queue_target(ctx, "retry", &queue_id) < 0)
		return CTL_EXIT_USAGE;
	return ctl_queue_retry_now(ctx, queue_id);
}

/* Postfix's `postqueue -f`: attempt delivery of everything queued now. */
enum ctl_exit ctl_queue_flush(struct ctl_context *ctx)
{
	return ctl_queue_retry_now(ctx, NULL);
}

enum ctl_exit ctl_queue_delete(struct ctl_context *ctx)
{
	long long recipients = 0, messages = 0;
	const char *queue_id;
	int ret;

	if (ctl_queue_target(ctx, "delete", &queue_id) < 0)
		return CTL_EXIT_USAGE;
	ret = admin_queue_delete(ctx->db, queue_id, &recipients, &messages, &ctx->error);
	return ctl_done(ctx, ret, "%lld waiting recipients and %lld messages deleted",
			recipients, messages);
}
