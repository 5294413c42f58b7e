/*
 * policy-ban.h — "is this client banned?" at connect for the sessions
 * outside the SMTP policy pipeline (IMAP, POP3): one asynchronous lookup
 * of petrel_ban_check(), the ban being shared by every node.
 */
#ifndef POLICY_BAN_H
#define POLICY_BAN_H

#include "worker.h"

/* reason: why the client is banned, or NULL when it is not (a failed
   lookup lets it in, logged: bans only slow guessing down). Called only
   if the session still exists. */
typedef void policy_ban_callback_t(struct worker_session *ws, const char *reason);

/* Look ws->ip up; the session should pause its input meanwhile. */
void policy_ban_check(struct worker *worker, struct worker_session *ws,
		      policy_ban_callback_t *callback);

#endif
