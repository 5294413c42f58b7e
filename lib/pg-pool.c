/*
 * pg-pool.c — pipelined asynchronous PostgreSQL requests (see pg-pool.h).
 *
 * Each pool connection is a pg_link kept in pipeline mode. A request's
 * statements are sent with PQsendQueryParams, followed by PQpipelineSync,
 * and flushed; results are read as the socket becomes readable. Statement
 * i's result ends with a NULL from PQgetResult; the request is complete
 * when PGRES_PIPELINE_SYNC arrives — by then PostgreSQL has committed (or
 * rolled back) the implicit transaction.
 */
#include "pg-pool.h"

#include "buffer.h"
#include "log.h"
#include "pg-link.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Queue timeout while no connection works at all (seconds). */
#define PG_POOL_DOWN_TIMEOUT 5.0

struct pg_stmt {
	const char *sql;
	bool sql_owned;
	bool binary_result;
	unsigned int first_param;
	unsigned int nparams;
};

struct pg_request {
	struct pg_request *next;
	pg_callback_t *callback;
	void *ctx;
	struct pg_stmt *stmts;
	unsigned int nstmts, stmts_alloc;
	const char **values;
	int *lengths;
	int *formats;
	bool *owned;
	unsigned int nparams, params_alloc;
	PGresult **results;
	ev_tstamp queued_at;
	struct pg_pool *pool;       /* set on submit, for the statistics */
	ev_tstamp submitted_at;     /* ev_time(): ev_now() lags within an iteration */
	bool waited;                /* had to queue for a connection */
	bool partly_sent;           /* a send failed after bytes may have left */
};

struct pg_pool_conn {
	struct pg_pool *pool;
	struct pg_link *link;
	bool ready;                 /* connected and in pipeline mode */
	struct pg_request *req;     /* in flight */
	unsigned int result_idx;    /* statement whose results are arriving */
	bool stmt_has_result;
	char *error;                /* first error of the request in flight */
	bool outcome_unknown;       /* the connection broke mid-request */
};

struct pg_pool {
	struct ev_loop *loop;
	struct pg_pool_conn *conns;
	unsigned int size;
	struct pg_request *head, *tail;     /* waiting for a connection */
	unsigned int queued;
	struct pg_request *failed;          /* to be failed from the loop */
	ev_timer deferred;
	ev_timer queue_check;
	double queue_timeout;
	struct pg_pool_stats own_stats;
	struct pg_pool_stats *stats;        /* own_stats unless redirected */
};

const double pg_pool_bucket_bounds[PG_POOL_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
};

static void pg_pool_dispatch(struct pg_pool *pool);

static void pg_request_free(struct pg_request *req)
{
	for (unsigned int i = 0; i < req->nparams; i++) {
		if (req->owned[i])
			free((char *)req->values[i]);
	}
	if (req->results != NULL) {
		for (unsigned int i = 0; i < req->nstmts; i++)
			PQclear(req->results[i]);
	}
	free(req->results);
	for (unsigned int i = 0; i < req->nstmts; i++) {
		if (req->stmts[i].sql_owned)
			free((char *)req->stmts[i].sql);
	}
	free(req->stmts);
	free(req->values);
	free(req->lengths);
	free(req->formats);
	free(req->owned);
	free(req);
}

static void pg_stats_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static void pg_stats_record_query(struct pg_pool_stats *stats, double seconds)
{
	unsigned int b = 0;

	while (b < PG_POOL_BUCKETS - 1 && seconds > pg_pool_bucket_bounds[b])
		b++;
	pg_stats_add(&stats->queries, 1);
	pg_stats_add(&stats->query_us, (uint64_t)(seconds * 1e6));
	pg_stats_add(&stats->buckets[b], 1);
}

static void pg_request_finish(struct pg_request *req, const char *error, bool rolled_back)
{
	if (req->pool != NULL)
		pg_stats_record_query(req->pool->stats, ev_time() - req->submitted_at);
	if (req->results == NULL)
		req->results = xcalloc(req->nstmts == 0 ? 1 : req->nstmts, sizeof(*req->results));
	struct pg_reply reply = {
		.results = req->results,
		.count = req->nstmts,
		.error = error,
		.rolled_back = error != NULL && rolled_back,
	};

	req->callback(req->ctx, &reply);
	pg_request_free(req);
}

struct pg_request *pg_request_new(pg_callback_t *callback, void *ctx)
{
	struct pg_request *req = xcalloc(1, sizeof(*req));

	req->callback = callback;
	req->ctx = ctx;
	return req;
}

void pg_request_add(struct pg_request *req, const char *sql)
{
	if (req->nstmts == req->stmts_alloc) {
		req->stmts_alloc = req->stmts_alloc == 0 ? 4 : req->stmts_alloc * 2;
		req->stmts = xrealloc(req->stmts, req->stmts_alloc * sizeof(*req->stmts));
	}
	req->stmts[req->nstmts] = (struct pg_stmt){ .sql = sql, .first_param = req->nparams };
	req->nstmts++;
}

void pg_request_add_owned(struct pg_request *req, char *sql)
{
	pg_request_add(req, sql);
	req->stmts[req->nstmts - 1].sql_owned = true;
}

void pg_request_binary_result(struct pg_request *req)
{
	req->stmts[req->nstmts - 1].binary_result = true;
}

static void pg_request_param(struct pg_request *req, const char *value, int len, int format,
			     bool owned)
{
	if (req->nparams == req->params_alloc) {
		unsigned int n = req->params_alloc == 0 ? 8 : req->params_alloc * 2;

		req->values = xrealloc(req->values, n * sizeof(*req->values));
		req->lengths = xrealloc(req->lengths, n * sizeof(*req->lengths));
		req->formats = xrealloc(req->formats, n * sizeof(*req->formats));
		req->owned = xrealloc(req->owned, n * sizeof(*req->owned));
		req->params_alloc = n;
	}
	req->values[req->nparams] = value;
	req->lengths[req->nparams] = len;
	req->formats[req->nparams] = format;
	req->owned[req->nparams] = owned;
	req->nparams++;
	req->stmts[req->nstmts - 1].nparams++;
}

void pg_request_param_text(struct pg_request *req, const char *value)
{
	pg_request_param(req, xstrdup(value), 0, 0, true);
}

void pg_request_param_textf(struct pg_request *req, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	if (vasprintf(&value, fmt, ap) < 0)
		value = xstrdup("");
	va_end(ap);
	pg_request_param(req, value, 0, 0, true);
}

void pg_request_param_null(struct pg_request *req)
{
	pg_request_param(req, NULL, 0, 0, false);
}

void pg_request_param_int64_array(struct pg_request *req, const int64_t *items, unsigned int n)
{
	struct buffer buf = { 0 };
	size_t len;

	buffer_append_str(&buf, "{");
	for (unsigned int i = 0; i < n; i++)
		buffer_printf(&buf, "%s%lld", i == 0 ? "" : ",", (long long)items[i]);
	buffer_append_str(&buf, "}");
	pg_request_param(req, (char *)buffer_steal(&buf, &len), 0, 0, true);
}

void pg_request_param_text_array(struct pg_request *req, const char *const *items, unsigned int n)
{
	struct buffer buf = { 0 };
	size_t len;

	buffer_append_str(&buf, "{");
	for (unsigned int i = 0; i < n; i++) {
		buffer_append_str(&buf, i == 0 ? "\"" : ",\"");
		for (const char *p = items[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buffer_append(&buf, "\\", 1);
			buffer_append(&buf, p, 1);
		}
		buffer_append_str(&buf, "\"");
	}
	buffer_append_str(&buf, "}");
	pg_request_param(req, (char *)buffer_steal(&buf, &len), 0, 0, true);
}

void pg_request_param_binary_ref(struct pg_request *req, const void *data, size_t len)
{
	pg_request_param(req, data, (int)len, 1, false);
}

unsigned int pg_request_statements(const struct pg_request *req)
{
	return req->nstmts;
}

static void pg_conn_set_error(struct pg_pool_conn *pc, const char *error)
{
	if (pc->error == NULL) {
		pc->error = xstrdup(error);
		pc->error[strcspn(pc->error, "\n")] = '\0';
	}
}

static void pg_conn_complete(struct pg_pool_conn *pc)
{
	struct pg_request *req = pc->req;
	char *error = pc->error;

	pc->req = NULL;
	pc->error = NULL;
	pg_request_finish(req, error, !pc->outcome_unknown);
	pc->outcome_unknown = false;
	free(error);
}

/* Send a request: all statements, a Sync, then flush what fits. */
static bool pg_conn_send(struct pg_pool_conn *pc, struct pg_request *req)
{
	PGconn *pg = pg_link_conn(pc->link);

	for (unsigned int i = 0; i < req->nstmts; i++) {
		const struct pg_stmt *st = &req->stmts[i];

		if (PQsendQueryParams(pg, st->sql, st->nparams, NULL, req->values + st->first_param,
				      req->lengths + st->first_param,
				      req->formats + st->first_param, st->binary_result ? 1 : 0) == 0)
			return false;
	}
	if (PQpipelineSync(pg) == 0) {
		req->partly_sent = true;    /* the Sync may have left: outcome unknown */
		return false;
	}
	req->results = xcalloc(req->nstmts, sizeof(*req->results));
	pc->req = req;
	pc->result_idx = 0;
	pc->stmt_has_result = false;
	/* not pg_link_flush(): a failure here is handled by the caller, which
	   must not run callbacks from inside pg_pool_submit() */
	int flushed = PQflush(pg);

	if (flushed < 0) {
		pc->req = NULL;
		req->partly_sent = true;
		return false;
	}
	pg_link_want(pc->link, true, flushed == 1);
	return true;
}

static void pg_conn_result(struct pg_pool_conn *pc, PGresult *res)
{
	struct pg_request *req = pc->req;

	switch (PQresultStatus(res)) {
	case PGRES_PIPELINE_SYNC:
		PQclear(res);
		pg_conn_complete(pc);
		return;
	case PGRES_PIPELINE_ABORTED:
		pg_conn_set_error(pc, "statement skipped after an earlier error");
		break;
	case PGRES_FATAL_ERROR:
	case PGRES_BAD_RESPONSE:
	case PGRES_NONFATAL_ERROR: {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *text = PQresultErrorMessage(res);
		char msg[600];

		/* the first line only (PL/pgSQL adds CONTEXT lines), but keep the
		   sqlstate that callers map to protocol replies */
		snprintf(msg, sizeof(msg), "%.*s (sqlstate %s)", (int)strcspn(text, "\n"), text,
			 state != NULL ? state : "?");
		pg_conn_set_error(pc, msg);
		break;
	}
	default:
		break;
	}
	if (pc->result_idx < req->nstmts && req->results[pc->result_idx] == NULL)
		req->results[pc->result_idx] = res;
	else
		PQclear(res);
	pc->stmt_has_result = true;
}

static void pg_conn_read(struct pg_pool_conn *pc)
{
	PGconn *pg = pg_link_conn(pc->link);

	if (PQconsumeInput(pg) == 0) {
		pg_link_reset(pc->link, PQerrorMessage(pg));
		return;
	}
	while (pc->req != NULL && !PQisBusy(pg)) {
		PGresult *res = PQgetResult(pg);

		if (res == NULL) {
			/* end of one statement's results */
			if (pc->stmt_has_result)
				pc->result_idx++;
			pc->stmt_has_result = false;
			continue;
		}
		pg_conn_result(pc, res);
	}
}

static void pg_conn_io(void *ctx, int revents)
{
	struct pg_pool_conn *pc = ctx;
	PGconn *pg = pg_link_conn(pc->link);

	if ((revents & EV_WRITE) != 0 && pg_link_flush(pc->link) < 0)
		return;
	if ((revents & EV_READ) != 0) {
		if (pc->req == NULL) {
			/* nothing expected: an error report or a closed socket */
			if (PQconsumeInput(pg) == 0) {
				pg_link_reset(pc->link, PQerrorMessage(pg));
				return;
			}
		} else {
			pg_conn_read(pc);
		}
	}
	if (pc->req == NULL && pg_link_conn(pc->link) != NULL) {
		pg_link_want(pc->link, true, false);
		pg_pool_dispatch(pc->pool);
	}
}

static void pg_conn_connected(void *ctx)
{
	struct pg_pool_conn *pc = ctx;
	PGconn *pg = pg_link_conn(pc->link);

	if (PQenterPipelineMode(pg) == 0) {
		pg_link_reset(pc->link, PQerrorMessage(pg));
		return;
	}
	pc->ready = true;
	pg_link_want(pc->link, true, false);
	pg_pool_dispatch(pc->pool);
}

static void pg_conn_lost(void *ctx, const char *error)
{
	struct pg_pool_conn *pc = ctx;
	char msg[600];

	pc->ready = false;
	if (pc->req == NULL)
		return;
	snprintf(msg, sizeof(msg), "connection lost before commit was confirmed: %s", error);
	free(pc->error);
	pc->error = NULL;
	pg_conn_set_error(pc, msg);
	pc->outcome_unknown = true;
	pg_conn_complete(pc);
}

static const struct pg_link_callbacks pg_conn_callbacks = {
	.connected = pg_conn_connected,
	.io = pg_conn_io,
	.lost = pg_conn_lost,
};

static void pg_pool_defer_fail(struct pg_pool *pool, struct pg_request *req)
{
	req->next = pool->failed;
	pool->failed = req;
	if (!ev_is_active(&pool->deferred)) {
		ev_timer_set(&pool->deferred, 0, 0);
		ev_timer_start(pool->loop, &pool->deferred);
	}
}

static void pg_pool_deferred_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pg_pool *pool = w->data;

	while (pool->failed != NULL) {
		struct pg_request *req = pool->failed;

		pool->failed = req->next;
		pg_request_finish(req, req->results == NULL ? "database unavailable" :
				  "request could not be sent", !req->partly_sent);
	}
}

static void pg_pool_dispatch(struct pg_pool *pool)
{
	for (unsigned int i = 0; i < pool->size && pool->head != NULL; i++) {
		struct pg_pool_conn *pc = &pool->conns[i];
		struct pg_request *req;

		if (!pc->ready || pc->req != NULL || pg_link_conn(pc->link) == NULL)
			continue;
		req = pool->head;
		pool->head = req->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pool->queued--;
		req->next = NULL;
		if (req->waited) {
			pg_stats_add(&pool->stats->waits, 1);
			pg_stats_add(&pool->stats->wait_us,
				     (uint64_t)((ev_time() - req->submitted_at) * 1e6));
		}
		if (!pg_conn_send(pc, req)) {
			const char *error = PQerrorMessage(pg_link_conn(pc->link));

			/* a request libpq refuses (e.g. too many parameters) fails alone */
			pc->req = NULL;
			if (req->results == NULL)
				req->results = xcalloc(req->nstmts == 0 ? 1 : req->nstmts,
						       sizeof(*req->results));
			log_error("pg", NULL, "event=send_failed error=\"%s\"", error);
			pg_pool_defer_fail(pool, req);
			pg_link_reset(pc->link, error);
		}
	}
}

static void pg_pool_queue_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pg_pool *pool = w->data;
	ev_tstamp now = ev_now(loop);
	/* With no connection up the database is down: answer callers soon. */
	double timeout = pg_pool_connected(pool) == 0 && pool->queue_timeout > PG_POOL_DOWN_TIMEOUT ?
			 PG_POOL_DOWN_TIMEOUT : pool->queue_timeout;

	while (pool->head != NULL && now - pool->head->queued_at > timeout) {
		struct pg_request *req = pool->head;

		pool->head = req->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pool->queued--;
		pg_pool_defer_fail(pool, req);
	}
}

struct pg_pool *pg_pool_new(struct ev_loop *loop, const char *conninfo, unsigned int size,
			    const char *name)
{
	struct pg_pool *pool = xcalloc(1, sizeof(*pool));

	pool->loop = loop;
	pool->size = size;
	pool->queue_timeout = 30;
	pool->stats = &pool->own_stats;
	pool->conns = xcalloc(size, sizeof(*pool->conns));
	ev_init(&pool->deferred, pg_pool_deferred_cb);
	ev_timer_init(&pool->queue_check, pg_pool_queue_check_cb, 1, 1);
	pool->deferred.data = pool->queue_check.data = pool;
	ev_timer_start(loop, &pool->queue_check);
	ev_unref(loop);        /* the housekeeping timer alone keeps no loop alive */
	for (unsigned int i = 0; i < size; i++) {
		char link_name[64];

		snprintf(link_name, sizeof(link_name), "%s.%u", name, i);
		pool->conns[i].pool = pool;
		pool->conns[i].link = pg_link_new(loop, conninfo, &pg_conn_callbacks,
						  &pool->conns[i], link_name);
	}
	return pool;
}

void pg_pool_free(struct pg_pool **poolp)
{
	struct pg_pool *pool = *poolp;

	if (pool == NULL)
		return;
	*poolp = NULL;
	for (unsigned int i = 0; i < pool->size; i++) {
		struct pg_pool_conn *pc = &pool->conns[i];

		if (pc->req != NULL) {
			pg_conn_set_error(pc, "shutting down");
			pc->outcome_unknown = true;
			pg_conn_complete(pc);
		}
		pg_link_free(&pc->link);
	}
	while (pool->head != NULL) {
		struct pg_request *req = pool->head;

		pool->head = req->next;
		pg_request_finish(req, "shutting down", true);
	}
	pg_pool_deferred_cb(pool->loop, &pool->deferred, 0);
	ev_timer_stop(pool->loop, &pool->deferred);
	ev_ref(pool->loop);
	ev_timer_stop(pool->loop, &pool->queue_check);
	free(pool->conns);
	free(pool);
}

unsigned int pg_pool_connected(const struct pg_pool *pool)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pool->size; i++)
		n += pool->conns[i].ready ? 1 : 0;
	return n;
}

unsigned int pg_pool_queued(const struct pg_pool *pool)
{
	return pool->queued;
}

void pg_pool_set_queue_timeout(struct pg_pool *pool, double seconds)
{
	pool->queue_timeout = seconds;
}

void pg_pool_submit(struct pg_pool *pool, struct pg_request *req)
{
	req->queued_at = ev_now(pool->loop);
	req->pool = pool;
	req->submitted_at = ev_time();
	req->next = NULL;
	if (pool->tail != NULL)
		pool->tail->next = req;
	else
		pool->head = req;
	pool->tail = req;
	pool->queued++;
	pg_pool_dispatch(pool);
	/* FIFO: if anything is still queued, this request is */
	req->waited = pool->queued > 0;
}

const struct pg_pool_stats *pg_pool_stats(const struct pg_pool *pool)
{
	return pool->stats;
}

void pg_pool_set_stats(struct pg_pool *pool, struct pg_pool_stats *stats)
{
	pool->stats = stats;
}

void pg_pool_query(struct pg_pool *pool, const char *sql, unsigned int nparams,
		   const char *const *params, pg_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(callback, ctx);

	pg_request_add(req, sql);
	for (unsigned int i = 0; i < nparams; i++) {
		if (params[i] == NULL)
			pg_request_param_null(req);
		else
			pg_request_param_text(req, params[i]);
	}
	pg_pool_submit(pool, req);
}
