/*
 * pg-pool.h — asynchronous PostgreSQL access for a libev loop.
 *
 * A pool keeps a few non-blocking libpq connections (PQconnectStartParams +
 * PQconnectPoll, then pipeline mode) and runs requests on whichever is free,
 * queueing the rest in order. A request is one or more parameterised
 * statements sent together, followed by one Sync: PostgreSQL runs them as a
 * single implicit transaction, so a request either commits as a whole or not
 * at all, in one network round trip. Only unnamed statements are used, so
 * the pool works behind PgBouncer in transaction mode.
 *
 * Broken connections reconnect with back-off (multi-host conninfo strings
 * work: libpq tries each host). A request whose connection breaks before its
 * Sync result arrives fails with an error: its outcome is unknown, and the
 * caller must not claim success. Requests queued longer than the queue
 * timeout (30 s; 5 s while no connection works at all) fail too, so
 * sessions get an answer.
 *
 * Callbacks run from the loop, never from inside pg_pool_submit(). Results
 * are valid only during the callback.
 */
#ifndef PG_POOL_H
#define PG_POOL_H

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pg_pool;
struct pg_request;

struct pg_reply {
	PGresult *const *results;   /* results[i]: statement i's result, or NULL */
	unsigned int count;
	const char *error;          /* NULL on success */
	/* With an error: true when PostgreSQL certainly did not commit (it
	   reported the error, or the request was never sent); false when the
	   connection broke while the outcome was unknown. */
	bool rolled_back;
};

typedef void pg_callback_t(void *ctx, const struct pg_reply *reply);

struct pg_pool *pg_pool_new(struct ev_loop *loop, const char *conninfo, unsigned int size,
			    const char *name);
/* Fails every queued and running request with "shutting down". */
void pg_pool_free(struct pg_pool **pool);
/* Connections currently usable (for readiness checks). */
unsigned int pg_pool_connected(const struct pg_pool *pool);
/* Requests waiting for a connection. */
unsigned int pg_pool_queued(const struct pg_pool *pool);

struct pg_request *pg_request_new(pg_callback_t *callback, void *ctx);
/* Start the next statement of the request; parameters follow. sql must
   outlive the request (a string literal). */
void pg_request_add(struct pg_request *req, const char *sql);
/* The same for SQL built at run time: the request takes ownership of sql
   (allocated with malloc) and frees it. */
void pg_request_add_owned(struct pg_request *req, char *sql);
/* The last added statement returns its columns in binary format (bytea
   without hex encoding; integers in network byte order). */
void pg_request_binary_result(struct pg_request *req);
void pg_request_param_text(struct pg_request *req, const char *value);   /* copied */
void pg_request_param_textf(struct pg_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pg_request_param_null(struct pg_request *req);
/* Array parameters as PostgreSQL array literals, for ::bigint[] / ::text[]. */
void pg_request_param_int64_array(struct pg_request *req, const int64_t *items, unsigned int n);
void pg_request_param_text_array(struct pg_request *req, const char *const *items, unsigned int n);
/* Binary (bytea) parameter. Not copied: data must stay valid until the
   callback has run. */
void pg_request_param_binary_ref(struct pg_request *req, const void *data, size_t len);
unsigned int pg_request_statements(const struct pg_request *req);
/* Queue the request; the pool owns and frees it. */
void pg_pool_submit(struct pg_pool *pool, struct pg_request *req);

/* Convenience: one statement with text parameters (NULL entries are SQL NULL). */
void pg_pool_query(struct pg_pool *pool, const char *sql, unsigned int nparams,
		   const char *const *params, pg_callback_t *callback, void *ctx);

/* Statistics: requests that had to wait for a free connection, and the
   latency of every request from submit to reply (queueing included, which
   is what callers feel), as a histogram. */
#define PG_POOL_BUCKETS 12       /* 11 bounds, then +Inf */
extern const double pg_pool_bucket_bounds[PG_POOL_BUCKETS - 1];   /* seconds */

struct pg_pool_stats {
	uint64_t waits;
	uint64_t wait_us;                   /* total time spent waiting */
	uint64_t queries;                   /* requests answered */
	uint64_t query_us;                  /* their total latency */
	uint64_t buckets[PG_POOL_BUCKETS];  /* per bucket, not cumulative */
};

const struct pg_pool_stats *pg_pool_stats(const struct pg_pool *pool);
/* Count into *stats instead (e.g. in memory shared with other processes,
   which read it with relaxed atomic loads); it must outlive the pool. */
void pg_pool_set_stats(struct pg_pool *pool, struct pg_pool_stats *stats);

/* How long a request may wait for a working connection (seconds). */
void pg_pool_set_queue_timeout(struct pg_pool *pool, double seconds);

#endif
