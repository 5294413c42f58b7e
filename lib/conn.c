/*
 * conn.c — non-blocking connections, accepted or outgoing, with optional
 * TLS (see conn.h).
 *
 * Two ev_io watchers (read, write) and one ev_timer per connection. With
 * TLS, a read may need the socket writable and a write may need it
 * readable (renegotiation is off, but TLS 1.3 key updates and handshakes
 * still cross directions), so each direction remembers which readiness it
 * waits for. Buffers are freed whenever they empty, so an idle connection
 * costs only this struct and its watchers.
 */
#include "conn.h"

#include "strbuf.h"

#include "tls.h"
#include "xalloc.h"
#include "net.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONN_READ_CHUNK 16384
#define CONN_DEFAULT_MAX_INPUT 65536
/* How long a closing connection may take to flush its last output: a
   peer that stopped reading must not keep the connection (and the node's
   shutdown) waiting forever. */
#define CONN_CLOSE_FLUSH_SECS 10.0

enum conn_tls_state { TLS_NONE, TLS_PENDING, TLS_HANDSHAKE, TLS_OPEN };

struct conn {
	struct ev_loop *loop;
	int fd;
	ev_io rio, wio;
	ev_timer timer;
	double timeout;
	const struct conn_callbacks *cb;
	void *ctx;

	struct buffer in, out;
	size_t max_input;
	SSL *ssl;
	SSL_CTX *pending_ctx;
	enum conn_tls_state tls;
	bool paused;
	bool connecting;       /* outgoing connect() in progress */
	bool closing;          /* conn_close(): flush then report */
	bool finished;         /* closed() reported or about to be */
	bool read_wants_write; /* TLS read blocked on writability */
	bool write_wants_read; /* TLS write blocked on readability */
	int in_callback;
	bool free_pending;
	size_t output_low;
	void (*output_low_cb)(void *ctx);
};

static void conn_update_watchers(struct conn *conn);
static void conn_read_ready(struct conn *conn);
static void conn_write_ready(struct conn *conn);

/* Run one owner callback; report whether the conn is still usable after. */
static bool conn_callback_done(struct conn *conn)
{
	if (--conn->in_callback == 0 && conn->free_pending) {
		struct conn *c = conn;

		conn->free_pending = false;
		conn_free(&c);
		return false;
	}
	return !conn->free_pending && !conn->finished;
}

static void conn_finish(struct conn *conn, const char *reason)
{
	if (conn->finished)
		return;
	conn->finished = true;
	ev_io_stop(conn->loop, &conn->rio);
	ev_io_stop(conn->loop, &conn->wio);
	ev_timer_stop(conn->loop, &conn->timer);
	conn->in_callback++;
	conn->cb->closed(conn->ctx, reason);
	conn_callback_done(conn);
}

/* Bytes OpenSSL already holds do not make the socket readable: when the
   input buffer filled up or input was paused while some were left, reading
   must be restarted by hand, or a client that already sent everything
   waits forever. */
static void conn_kick_tls_input(struct conn *conn)
{
	if (conn->tls == TLS_OPEN && ev_is_active(&conn->rio) && SSL_has_pending(conn->ssl))
		ev_feed_event(conn->loop, &conn->rio, EV_READ);
}

/* The outgoing connect finished (the socket became writable): tell the
   owner whether it worked. */
static void conn_connect_done(struct conn *conn)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		char reason[200];

		snprintf(reason, sizeof(reason), "connect: %s", strerror(err));
		conn_finish(conn, reason);
		return;
	}
	conn->connecting = false;
	if (conn->cb->connected != NULL)
		conn->cb->connected(conn->ctx);
}

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *conn = w->data;

	conn->in_callback++;
	if (conn->connecting) {
		if ((revents & EV_WRITE) != 0)
			conn_connect_done(conn);
		revents = 0;
	}
	if ((revents & EV_READ) != 0) {
		if (conn->write_wants_read)
			conn_write_ready(conn);
		else
			conn_read_ready(conn);
	}
	if ((revents & EV_WRITE) != 0 && !conn->free_pending && !conn->finished) {
		if (conn->read_wants_write)
			conn_read_ready(conn);
		else
			conn_write_ready(conn);
	}
	if (conn_callback_done(conn)) {
		conn_update_watchers(conn);
		conn_kick_tls_input(conn);
	}
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *conn = w->data;

	ev_timer_stop(loop, w);
	if (conn->closing) {
		conn_finish(conn, "output not flushed at close");
		return;
	}
	conn->in_callback++;
	conn->cb->timeout(conn->ctx);
	if (conn_callback_done(conn))
		conn_update_watchers(conn);
}

struct conn *conn_new(struct ev_loop *loop, int fd, const struct conn_callbacks *callbacks,
		      void *ctx)
{
	struct conn *conn = xcalloc(1, sizeof(*conn));

	net_set_nonblock(fd);
	conn->loop = loop;
	conn->fd = fd;
	conn->cb = callbacks;
	conn->ctx = ctx;
	conn->max_input = CONN_DEFAULT_MAX_INPUT;
	ev_io_init(&conn->rio, conn_io_cb, fd, EV_READ);
	ev_io_init(&conn->wio, conn_io_cb, fd, EV_WRITE);
	ev_init(&conn->timer, conn_timer_cb);
	conn->rio.data = conn->wio.data = conn->timer.data = conn;
	conn_update_watchers(conn);
	return conn;
}

struct conn *conn_connect(struct ev_loop *loop, const struct sockaddr_storage *addr,
			  socklen_t addr_len, const struct conn_callbacks *callbacks, void *ctx,
			  const char **error_r)
{
	int fd = net_connect_start(addr, addr_len, error_r);
	struct conn *conn;

	if (fd < 0)
		return NULL;
	conn = conn_new(loop, fd, callbacks, ctx);
	/* even a connect() that completed at once is reported from the loop */
	conn->connecting = true;
	conn_update_watchers(conn);
	return conn;
}

void conn_free(struct conn **connp)
{
	struct conn *conn = *connp;

	if (conn == NULL)
		return;
	*connp = NULL;
	if (conn->in_callback > 0) {
		conn->free_pending = true;
		conn->finished = true;
		ev_io_stop(conn->loop, &conn->rio);
		ev_io_stop(conn->loop, &conn->wio);
		ev_timer_stop(conn->loop, &conn->timer);
		return;
	}
	ev_io_stop(conn->loop, &conn->rio);
	ev_io_stop(conn->loop, &conn->wio);
	ev_timer_stop(conn->loop, &conn->timer);
	if (conn->ssl != NULL)
		SSL_free(conn->ssl);
	if (conn->pending_ctx != NULL)
		SSL_CTX_free(conn->pending_ctx);
	close(conn->fd);
	buffer_clear(&conn->in);
	buffer_clear(&conn->out);
	free(conn->in.data);
	free(conn->out.data);
	free(conn);
}

/* Set up the server side of the handshake (output written from now on
   waits for it). False when OpenSSL cannot: the caller reports it. */
static bool conn_tls_setup(struct conn *conn)
{
	conn->ssl = SSL_new(conn->pending_ctx);
	SSL_CTX_free(conn->pending_ctx);
	conn->pending_ctx = NULL;
	if (conn->ssl != NULL && SSL_set_fd(conn->ssl, conn->fd) != 1) {
		SSL_free(conn->ssl);
		conn->ssl = NULL;
	}
	if (conn->ssl == NULL)
		return false;
	SSL_set_accept_state(conn->ssl);
	conn->tls = TLS_HANDSHAKE;
	return true;
}

/* From the loop: set up and read what the client sent so far. */
static void conn_tls_begin(struct conn *conn)
{
	if (!conn_tls_setup(conn)) {
		conn_finish(conn, "tls setup failed");
		return;
	}
	conn_read_ready(conn);
}

void conn_start_tls(struct conn *conn, SSL_CTX *ctx)
{
	SSL_CTX_up_ref(ctx);
	conn->pending_ctx = ctx;
	conn->tls = TLS_PENDING;
	/* Anything the client pipelined after STARTTLS was sent in clear. */
	buffer_clear(&conn->in);
	/* Implicit TLS (nothing to flush, not in a callback): set up now, so
	   the greeting waits for the handshake, but read the client only from
	   the loop. A handshake failing here would report closed() and free
	   the session while its constructor, our caller, still sets it up.
	   When setup fails, TLS_PENDING stays and the loop reports it. */
	if (buffer_len(&conn->out) == 0 && conn->in_callback == 0)
		conn_tls_setup(conn);
	conn_update_watchers(conn);
}

int conn_start_tls_client(struct conn *conn, SSL_CTX *ctx, const char *server_name,
			  const char **error_r)
{
	struct in6_addr ip;

	assert(conn->tls == TLS_NONE && buffer_len(&conn->out) == 0);
	conn->ssl = SSL_new(ctx);
	if (conn->ssl == NULL || SSL_set_fd(conn->ssl, conn->fd) != 1) {
		*error_r = "tls setup failed";
		return -1;
	}
	SSL_set_connect_state(conn->ssl);
	/* RFC 6066: SNI carries host names only, never address literals */
	if (server_name != NULL && inet_pton(AF_INET, server_name, &ip) != 1 &&
	    inet_pton(AF_INET6, server_name, &ip) != 1)
		SSL_set_tlsext_host_name(conn->ssl, server_name);
	/* Bytes the server sent before the handshake were not protected. */
	buffer_clear(&conn->in);
	conn->tls = TLS_HANDSHAKE;
	/* The ClientHello goes out from the loop once the socket is writable,
	   so no callback runs from inside this call. */
	conn->read_wants_write = true;
	conn_update_watchers(conn);
	return 0;
}

bool conn_is_tls(const struct conn *conn)
{
	return conn->tls != TLS_NONE;
}

const char *conn_tls_description(const struct conn *conn)
{
	static char text[128];

	if (conn->tls != TLS_OPEN)
		return NULL;
	snprintf(text, sizeof(text), "%s %s", SSL_get_version(conn->ssl),
		 SSL_get_cipher_name(conn->ssl));
	return text;
}

struct buffer *conn_input(struct conn *conn)
{
	return &conn->in;
}

void conn_set_max_input(struct conn *conn, size_t max)
{
	conn->max_input = max;
	conn_update_watchers(conn);
}

void conn_pause(struct conn *conn)
{
	conn->paused = true;
	conn_update_watchers(conn);
}

void conn_resume(struct conn *conn)
{
	conn->paused = false;
	conn_update_watchers(conn);
	conn_kick_tls_input(conn);
}

void conn_write(struct conn *conn, const void *data, size_t len)
{
	if (conn->finished)
		return;
	buffer_append(&conn->out, data, len);
	conn_update_watchers(conn);
}

void conn_printf(struct conn *conn, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(line)) {
		char *big = xmalloc(len + 1);

		va_start(ap, fmt);
		vsnprintf(big, len + 1, fmt, ap);
		va_end(ap);
		conn_write(conn, big, len);
		free(big);
		return;
	}
	conn_write(conn, line, len);
}

void conn_write_vline(struct conn *conn, const char *fmt, va_list ap)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_vprintf(&line, fmt, ap);
	strbuf_append(&line, "\r\n");
	conn_write(conn, strbuf_cstr(&line), line.len);
	strbuf_free(&line);
}

size_t conn_output_len(const struct conn *conn)
{
	return buffer_len(&conn->out);
}

void conn_when_output_below(struct conn *conn, size_t threshold, void (*callback)(void *ctx))
{
	conn->output_low = threshold;
	conn->output_low_cb = callback;
}

/* Output fell to the armed threshold: tell the owner once. */
static void conn_output_drained(struct conn *conn)
{
	void (*callback)(void *ctx) = conn->output_low_cb;

	if (callback == NULL || buffer_len(&conn->out) > conn->output_low)
		return;
	conn->output_low_cb = NULL;
	conn->in_callback++;
	callback(conn->ctx);
	conn_callback_done(conn);
}

void conn_set_timeout(struct conn *conn, double seconds)
{
	if (conn->closing)
		return;   /* the close flush timer runs */
	conn->timeout = seconds;
	ev_timer_stop(conn->loop, &conn->timer);
	if (seconds > 0 && !conn->finished) {
		ev_timer_set(&conn->timer, seconds, 0);
		ev_timer_start(conn->loop, &conn->timer);
	}
}

void conn_close(struct conn *conn)
{
	conn->closing = true;
	if (!conn->finished) {
		ev_timer_stop(conn->loop, &conn->timer);
		ev_timer_set(&conn->timer, CONN_CLOSE_FLUSH_SECS, 0);
		ev_timer_start(conn->loop, &conn->timer);
	}
	conn_update_watchers(conn);
}

static void conn_update_watchers(struct conn *conn)
{
	bool want_read, want_write;

	if (conn->finished)
		return;
	if (conn->connecting) {
		if (ev_is_active(&conn->rio))
			ev_io_stop(conn->loop, &conn->rio);
		if (!ev_is_active(&conn->wio))
			ev_io_start(conn->loop, &conn->wio);
		return;
	}
	want_read = !conn->closing && !conn->paused && conn->tls != TLS_PENDING &&
		    buffer_len(&conn->in) < conn->max_input;
	want_write = buffer_len(&conn->out) > 0 || conn->closing || conn->tls == TLS_PENDING;
	if (conn->tls == TLS_HANDSHAKE) {
		want_read = !conn->read_wants_write;
		want_write = conn->read_wants_write;
	} else {
		if (conn->read_wants_write)
			want_write = want_write || want_read;
		if (conn->write_wants_read)
			want_read = true;
	}
	if (want_read && !ev_is_active(&conn->rio))
		ev_io_start(conn->loop, &conn->rio);
	else if (!want_read && ev_is_active(&conn->rio))
		ev_io_stop(conn->loop, &conn->rio);
	if (want_write && !ev_is_active(&conn->wio))
		ev_io_start(conn->loop, &conn->wio);
	else if (!want_write && ev_is_active(&conn->wio))
		ev_io_stop(conn->loop, &conn->wio);
}

/* One TLS read or handshake step: >0 bytes, 0 would block, -1 finished. */
static ssize_t conn_tls_read(struct conn *conn, unsigned char *dest, size_t len)
{
	int ret, err;

	conn->read_wants_write = false;
	if (conn->tls == TLS_HANDSHAKE) {
		ret = SSL_do_handshake(conn->ssl);
		if (ret == 1) {
			conn->tls = TLS_OPEN;
			return conn_tls_read(conn, dest, len);
		}
	} else {
		ret = SSL_read(conn->ssl, dest, len);
		if (ret > 0)
			return ret;
	}
	err = SSL_get_error(conn->ssl, ret);
	if (err == SSL_ERROR_WANT_READ)
		return 0;
	if (err == SSL_ERROR_WANT_WRITE) {
		conn->read_wants_write = true;
		return 0;
	}
	if (err == SSL_ERROR_ZERO_RETURN) {
		conn_finish(conn, "disconnected");
	} else {
		char reason[300];

		snprintf(reason, sizeof(reason), "tls error: %s",
			 err == SSL_ERROR_SYSCALL ? "connection reset" : tls_last_error());
		conn_finish(conn, reason);
	}
	return -1;
}

static void conn_read_ready(struct conn *conn)
{
	size_t got = 0;

	while (!conn->finished && buffer_len(&conn->in) < conn->max_input) {
		/* never more than max_input buffered: sessions size scratch space by it */
		size_t room = conn->max_input - buffer_len(&conn->in);
		size_t want = room < CONN_READ_CHUNK ? room : CONN_READ_CHUNK;
		unsigned char *dest = buffer_reserve(&conn->in, want);
		ssize_t ret;

		if (conn->tls == TLS_HANDSHAKE || conn->tls == TLS_OPEN) {
			ret = conn_tls_read(conn, dest, want);
			if (ret <= 0)
				break;
		} else {
			ret = read(conn->fd, dest, want);
			if (ret < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (ret <= 0) {
				conn_finish(conn, ret == 0 ? "disconnected" : strerror(errno));
				break;
			}
		}
		buffer_commit(&conn->in, ret);
		got += ret;
		if (conn->tls == TLS_NONE && (size_t)ret < want)
			break;
	}
	if (buffer_len(&conn->in) == 0)
		buffer_compact(&conn->in);
	if (got == 0 || conn->finished || conn->closing || conn->paused)
		return;
	if (conn->timeout > 0)
		conn_set_timeout(conn, conn->timeout);
	conn->in_callback++;
	conn->cb->input(conn->ctx);
	conn_callback_done(conn);
}

static ssize_t conn_send(struct conn *conn)
{
	size_t len = buffer_len(&conn->out);
	int ret, err;

	if (conn->tls == TLS_NONE || conn->tls == TLS_PENDING) {
		ssize_t n = write(conn->fd, buffer_data(&conn->out), len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			conn_finish(conn, strerror(errno));
		return n;
	}
	conn->write_wants_read = false;
	ret = SSL_write(conn->ssl, buffer_data(&conn->out), len > INT32_MAX ? INT32_MAX : len);
	if (ret > 0)
		return ret;
	err = SSL_get_error(conn->ssl, ret);
	if (err == SSL_ERROR_WANT_WRITE)
		return 0;
	if (err == SSL_ERROR_WANT_READ) {
		conn->write_wants_read = true;
		return 0;
	}
	conn_finish(conn, "tls write error");
	return -1;
}

static void conn_write_ready(struct conn *conn)
{
	/* a TLS client's output waits until the handshake is done */
	if (conn->tls == TLS_HANDSHAKE && buffer_len(&conn->out) > 0)
		return;
	while (buffer_len(&conn->out) > 0 && !conn->finished) {
		ssize_t n = conn_send(conn);

		if (n <= 0)
			return;
		buffer_consume(&conn->out, n);
	}
	if (conn->finished)
		return;
	conn_output_drained(conn);
	if (conn->finished || conn->free_pending)
		return;
	if (conn->tls == TLS_PENDING) {
		conn_tls_begin(conn);
		return;
	}
	if (conn->closing) {
		if (conn->tls == TLS_OPEN)
			SSL_shutdown(conn->ssl);
		shutdown(conn->fd, SHUT_WR);
		conn_finish(conn, "closed");
	}
}
