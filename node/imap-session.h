/*
 * imap-session.h — an IMAP4rev2/IMAP4rev1 session (RFC 9051, RFC 3501) on
 * the imap (STARTTLS) or imaps (implicit TLS) listener.
 */
#ifndef IMAP_SESSION_H
#define IMAP_SESSION_H

#include "config.h"

struct worker;

/* Start a session on an accepted socket (LISTENER_IMAP or LISTENER_IMAPS). */
void imap_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip);

#endif
