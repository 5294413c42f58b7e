/*
 * milter-client.h — one connection from a worker to an external milter
 * (MTA side of the milter protocol, lib-policy/milter-proto.h), driven by
 * the worker's libev loop.
 *
 * The client connects and negotiates at once (bounded by the connect
 * timeout). Its user appends encoded commands to milter_client_queue()
 * and calls milter_client_run(): the client sends them in order, leaves
 * out the steps the milter asked not to get, waits for each answer the
 * milter gives (bounded by the command timeout; progress replies restart
 * it) and reports the first reply that is not "continue" — or continue
 * when the whole queue went through. Modifications the milter sends at
 * end of body are handed over with the final reply.
 *
 * A client that failed (refused, timed out, closed, broke the protocol)
 * stays failed: every later run reports the failure at once.
 */
#ifndef MILTER_CLIENT_H
#define MILTER_CLIENT_H

#include "buffer.h"
#include "milter-target.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

struct milter_client;

struct milter_result {
	bool failed;                /* the milter did not answer properly */
	const char *reason;         /* why it failed, for logs */
	char code;                  /* !failed: SMFIR_CONTINUE, ACCEPT, REJECT,
				       TEMPFAIL, DISCARD or REPLYCODE */
	const char *reply;          /* REPLYCODE: "554 5.7.1 text" */
	/* Modification replies (SMFIR_ADDHEADER, CHGHEADER, REPLBODY,
	   QUARANTINE ...) as received, whole packets back to back, for
	   milter_reply_parse(). */
	const struct buffer *edits;
};

/* Called once per run; the client may be freed from inside it. */
typedef void milter_client_callback_t(void *ctx, const struct milter_result *result);

/* Start connecting to target. log_id names the session in log lines.
   Modifications larger than max_edits bytes in total fail the milter. */
struct milter_client *milter_client_new(struct ev_loop *loop, const struct milter_target *target,
					double connect_timeout, double command_timeout,
					size_t max_edits, const char *log_id);
/* Where the user appends encoded commands for the next run. */
struct buffer *milter_client_queue(struct milter_client *client);
/* Send the queued commands; callback(ctx, result) when done, possibly
   before this returns. One run at a time (asserted). */
void milter_client_run(struct milter_client *client, milter_client_callback_t *callback,
		       void *ctx);
bool milter_client_busy(const struct milter_client *client);
/* Say QUIT (when idle and connected) and let go. Not while a run is
   outstanding (asserted). */
void milter_client_free(struct milter_client **client);

#endif
