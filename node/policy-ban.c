/*
 * policy-ban.c — the ban lookup at IMAP/POP3 connect (see policy-ban.h).
 * The session is held by a ticket: it may end before the reply comes.
 */
#include "policy-ban.h"

#include "log.h"
#include "policy-rules-cache.h"
#include "store-policy-lists.h"
#include "xalloc.h"

#include <stdlib.h>

struct policy_ban_call {
	struct session_ticket *ticket;
	policy_ban_callback_t *callback;
};

static void policy_ban_reply(void *ctx, const char *error, const char *reason,
			     const char *expires_at)
{
	struct policy_ban_call *call = ctx;
	struct worker_session *ws = session_ticket_redeem(call->ticket);

	if (ws != NULL && error != NULL)
		log_warning("policy", ws->id_str, "event=ban_check_failed error=\"%s\"", error);
	else if (ws != NULL && reason != NULL)
		log_info("policy", ws->id_str, "event=banned_client ip=%s until=%s reason=\"%s\"",
			 ws->ip, expires_at, reason);
	if (ws != NULL)
		call->callback(ws, error == NULL ? reason : NULL);
	free(call);
}

void policy_ban_check(struct worker *worker, struct worker_session *ws,
		      policy_ban_callback_t *callback)
{
	struct policy_ban_call *call;

	/* not an IP client, or no ban anywhere: nothing to look up */
	if (ws->ip[0] == '\0' || !policy_rules_presence(worker->rules)->bans) {
		callback(ws, NULL);
		return;
	}
	call = xmalloc(sizeof(*call));
	call->ticket = session_ticket_new(ws);
	call->callback = callback;
	store_ban_check(worker->pool, ws->ip, policy_ban_reply, call);
}
