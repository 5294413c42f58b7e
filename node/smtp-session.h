/*
 * smtp-session.h — an inbound SMTP (RFC 5321) or LMTP (RFC 2033) session.
 */
#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include "config.h"

struct worker;

/* Start a session on an accepted socket (kind LISTENER_SMTP or LMTP). */
void smtp_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip);

#endif
