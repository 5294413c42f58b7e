/*
 * smtp-client.h — the asynchronous SMTP client the outbound queue delivers
 * with: one connection (to the first reachable of a list of mail hosts)
 * carrying a sequence of messages, in the worker's loop.
 *
 * The client connects to the hosts' addresses in order until one greets
 * with 2xx, says EHLO (HELO if EHLO is refused), STARTTLS when offered (or
 * required: then a host without it is skipped), AUTH when credentials are
 * given (smarthost), then asks its owner for messages one at a time and
 * sends each with PIPELINING when offered (MAIL, every RCPT and DATA in
 * one write), SIZE, BODY=8BITMIME and SMTPUTF8 as negotiated, the body
 * dot-stuffed. Every recipient of every message handed out gets exactly
 * one result: the RCPT reply when that refused it, else the reply to the
 * end of data; a lost connection, a timeout or an oversized reply is a 4xx
 * result with a local explanation. Reads are bounded (max_reply_size) and
 * every wait has a timeout, so a hostile or silent server cannot stall the
 * worker or grow its memory.
 */
#ifndef SMTP_CLIENT_H
#define SMTP_CLIENT_H

#include "dns.h"

#include <ev.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

enum smtp_client_tls {
	SMTP_CLIENT_TLS_NONE,      /* never STARTTLS */
	SMTP_CLIENT_TLS_MAY,       /* STARTTLS when offered; plaintext if not */
	SMTP_CLIENT_TLS_ENCRYPT,   /* a host without STARTTLS (or failing it) is skipped */
};

struct smtp_client_params {
	const char *ehlo_name;
	unsigned int port;
	enum smtp_client_tls tls;
	SSL_CTX *tls_ctx;            /* client context; NULL means TLS NONE */
	const char *auth_user;       /* NULL: no AUTH; else AUTH PLAIN/LOGIN, */
	const char *auth_password;   /*   only over TLS or to a loopback host */
	double connect_timeout;      /* seconds, per address */
	double helo_timeout;         /* greeting, EHLO, STARTTLS, AUTH */
	double command_timeout;      /* MAIL, RCPT, DATA, RSET, QUIT */
	double data_timeout;         /* reply to the final "." */
	size_t max_reply_size;       /* bytes of one (multi-line) reply */
};

struct smtp_client_message {
	const char *sender;          /* "" = null sender */
	const char *const *rcpts;
	unsigned int rcpt_count;
	const unsigned char *data;   /* the message, CRLF lines, not dot-stuffed */
	size_t size;
	bool eightbit;               /* has 8-bit bytes: BODY=8BITMIME */
	bool smtputf8;               /* UTF-8 in envelope or headers: SMTPUTF8 */
	void *owner;                 /* for the owner's own use */
};

struct smtp_client_callbacks {
	/* The next message for this connection, or NULL to say QUIT. The
	   message (and its strings and data) must stay valid until every one
	   of its recipients has had its result. */
	const struct smtp_client_message *(*next)(void *ctx);
	/* One recipient's outcome: code 2xx delivered, 4xx temporary, 5xx
	   permanent; text is the server's reply (lines joined by spaces) or a
	   local reason naming the host ("4.4.2 connection to mx1.example
	   [192.0.2.1] timed out"), starting with the enhanced status code
	   when there is one. */
	void (*result)(void *ctx, const struct smtp_client_message *msg, unsigned int rcpt,
		       int code, const char *text);
	/* The connection is over and every handed-out recipient has its
	   result. error is NULL after a clean QUIT, else why the connection
	   ended (for logs). The client frees itself after this returns. */
	void (*done)(void *ctx, const char *error);
};

struct smtp_client;

/* hosts: what dns_lookup_mail_hosts/dns_lookup_host gave (copied). No
   callback runs from inside this call. */
struct smtp_client *smtp_client_start(struct ev_loop *loop, const struct dns_mail_host *hosts,
				      unsigned int host_count,
				      const struct smtp_client_params *params,
				      const struct smtp_client_callbacks *callbacks, void *ctx);
/* Close at once (node shutdown): no further callbacks; handed-out
   recipients are left to the owner. Not from inside this client's own
   callbacks (done() ends it anyway). */
void smtp_client_abort(struct smtp_client **client);

#endif
