/*
 * conn.h — one connection in a worker's libev loop: non-blocking socket,
 * input and output buffers with limits, an inactivity timer, and TLS
 * (implicit, or STARTTLS after the plaintext reply is flushed). Accepted
 * connections serve our protocol sessions; outgoing ones (conn_connect,
 * client TLS) carry the outbound SMTP client.
 *
 * A protocol session owns a conn and is told about it through three
 * callbacks. Reading stops when the input buffer holds max_input bytes or
 * while the session has paused input (e.g. waiting for PostgreSQL), so a
 * client can never make the worker buffer more than that.
 *
 * Callbacks may call conn_free(): the conn notices it is inside a callback
 * and frees itself once the callback returns.
 */
#ifndef CONN_H
#define CONN_H

#include "buffer.h"

#include <ev.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct conn;

struct conn_callbacks {
	/* New bytes are in conn_input(). */
	void (*input)(void *ctx);
	/* The inactivity timeout expired; the owner usually writes a 421 and
	   calls conn_close(). */
	void (*timeout)(void *ctx);
	/* The connection is over (peer closed, I/O or TLS error, or a
	   conn_close() finished flushing). The owner must conn_free() it. */
	void (*closed)(void *ctx, const char *reason);
	/* Outgoing connections only (conn_connect): the TCP connection is
	   established. A failed connect is reported by closed() instead. */
	void (*connected)(void *ctx);
};

/* Takes ownership of fd (made non-blocking). */
struct conn *conn_new(struct ev_loop *loop, int fd, const struct conn_callbacks *callbacks,
		      void *ctx);
void conn_free(struct conn **conn);
/* An outgoing connection: a non-blocking connect() to addr, reported later
   by connected() or closed("connect: Connection refused"); the inactivity
   timeout (conn_set_timeout) bounds the connect as well. Output written
   meanwhile is sent once connected. Returns NULL with *error_r (static)
   when the connect fails at once; no callback runs from inside this call. */
struct conn *conn_connect(struct ev_loop *loop, const struct sockaddr_storage *addr,
			  socklen_t addr_len, const struct conn_callbacks *callbacks, void *ctx,
			  const char **error_r);

/* Begin a TLS server handshake: at once when nothing is waiting to be
   written (implicit TLS; the client is then read from the loop, so no
   callback runs from inside this call), else right after the pending
   output (the STARTTLS reply) is flushed. Plaintext input received after
   the STARTTLS command is discarded — it must not be mistaken for
   protected input. */
void conn_start_tls(struct conn *conn, SSL_CTX *ctx);
/* Begin a TLS client handshake now (after the server's "220" to our
   STARTTLS; nothing may be waiting to be written). server_name goes into
   SNI unless NULL or an IP literal. Output written from now on waits for
   the handshake; a failed handshake is reported by closed("tls error: …").
   Returns -1 with *error_r (static) if TLS cannot even be set up. */
int conn_start_tls_client(struct conn *conn, SSL_CTX *ctx, const char *server_name,
			  const char **error_r);
bool conn_is_tls(const struct conn *conn);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" once the handshake is done, else NULL. */
const char *conn_tls_description(const struct conn *conn);

struct buffer *conn_input(struct conn *conn);
void conn_set_max_input(struct conn *conn, size_t max);
/* Stop/restart reading. Resuming delivers already-buffered TLS bytes too. */
void conn_pause(struct conn *conn);
void conn_resume(struct conn *conn);

void conn_write(struct conn *conn, const void *data, size_t len);
void conn_printf(struct conn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One formatted protocol line; CRLF is added. */
void conn_write_vline(struct conn *conn, const char *fmt, va_list ap);
size_t conn_output_len(const struct conn *conn);
/* Call callback(ctx) once, when the pending output has been written down
   to threshold bytes or fewer (arm it only while output is above that).
   A producer of large responses writes a batch, arms this, and makes the
   next batch in the callback: output stays bounded for a slow reader. */
void conn_when_output_below(struct conn *conn, size_t threshold, void (*callback)(void *ctx));

/* Inactivity timeout in seconds, restarted by every read; 0 disables. */
void conn_set_timeout(struct conn *conn, double seconds);
/* Stop reading, flush the output, then close and report closed(); a peer
   that does not read the rest within 10 s is cut off. */
void conn_close(struct conn *conn);

#endif
