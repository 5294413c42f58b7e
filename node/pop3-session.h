/*
 * pop3-session.h — a POP3 session (RFC 1939, CAPA RFC 2449, STLS RFC 2595,
 * AUTH RFC 5034) on the pop3 (STLS) or pop3s (implicit TLS) listener,
 * serving the account's INBOX.
 */
#ifndef POP3_SESSION_H
#define POP3_SESSION_H

#include "config.h"

struct worker;

/* Start a session on an accepted socket (LISTENER_POP3 or LISTENER_POP3S). */
void pop3_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip);

#endif
