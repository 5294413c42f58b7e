/*
 * worker.c — a worker process's loop (see worker.h): accepting connections
 * under the per-IP limit, the settings cache kept fresh by NOTIFY, TLS
 * reload on SIGHUP, graceful drain on SIGTERM, and — in worker 0 — the
 * node's heartbeat row.
 */
#include "worker.h"

#include "admin-api.h"
#include "admin-server.h"
#include "auth.h"
#include "delivery.h"
#include "dkim-sign.h"
#include "dns.h"
#include "idmap.h"
#include "imap-session.h"
#include "log.h"
#include "mailbox-watch.h"
#include "metrics.h"
#include "maintenance.h"
#include "net.h"
#include "node-shm.h"
#include "outbound-runner.h"
#include "pg-listen.h"
#include "pg-pool.h"
#include "policy-rules-cache.h"
#include "pop3-session.h"
#include "rcpt-cache.h"
#include "settings.h"
#include "smtp-session.h"
#include "store-nodes.h"
#include "store-rules.h"
#include "store-settings.h"
#include "tls.h"
#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define WORKER_ACCEPT_BATCH 64
#define WORKER_HEARTBEAT_SECS 10.0
/* outbound DNS: seconds per try, tries per server */
#define WORKER_DNS_TIMEOUT 5.0
#define WORKER_DNS_TRIES 2

struct session_ticket {
	struct worker *worker;
	uint64_t id;
};

struct session_ticket *session_ticket_new(struct worker_session *session)
{
	struct session_ticket *t = xmalloc(sizeof(*t));

	t->worker = session->worker;
	t->id = session->id;
	return t;
}

struct worker_session *session_ticket_redeem(struct session_ticket *t)
{
	struct worker_session *session = idmap_get(t->worker->sessions, t->id);

	free(t);
	return session;
}

const char *worker_hostname(const struct worker *w)
{
	const char *name = settings_get(w->settings, "smtp_hostname", 0, 0);

	return name[0] != '\0' ? name : w->config->hostname;
}

void worker_new_queue_id(struct worker *w, char *buf, size_t size)
{
	static const char alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZ";   /* 31, no vowels */
	struct timespec ts;
	uint64_t x = w->random_state, t;
	char out[17];

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->random_state = x;
	clock_gettime(CLOCK_REALTIME, &ts);
	t = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	/* 8 characters of milliseconds (sortable) then 8 of randomness */
	for (int i = 7; i >= 0; i--, t /= 31)
		out[i] = alphabet[t % 31];
	for (int i = 8; i < 16; i++, x /= 31)
		out[i] = alphabet[x % 31];
	out[16] = '\0';
	snprintf(buf, size, "%s", out);
}

void worker_session_register(struct worker *w, struct worker_session *session,
			     enum listener_kind kind, const char *ip,
			     const struct worker_session_vfuncs *v)
{
	session->id = ++w->next_session_id;
	snprintf(session->id_str, sizeof(session->id_str), "%u.%llx", w->index,
		 (unsigned long long)session->id);
	session->worker = w;
	session->kind = kind;
	session->v = v;
	snprintf(session->ip, sizeof(session->ip), "%s", ip);
	session->ip_bucket = node_shm_ip_bucket(ip);
	idmap_put(w->sessions, session->id, session);
	node_shm_ip_add(w->shm, w->index, session->ip_bucket, 1);
	node_shm_sessions_add(w->shm, w->index, kind, 1);
}

void worker_session_unregister(struct worker_session *session)
{
	struct worker *w = session->worker;

	idmap_remove(w->sessions, session->id);
	node_shm_ip_add(w->shm, w->index, session->ip_bucket, -1);
	node_shm_sessions_add(w->shm, w->index, session->kind, -1);
	worker_check_drained(w);
}

void worker_check_drained(struct worker *w)
{
	if (w->draining && idmap_count(w->sessions) == 0 &&
	    (w->outbound == NULL || outbound_runner_idle(w->outbound)))
		ev_break(w->loop, EVBREAK_ALL);
}

static bool worker_ip_over_limit(struct worker *w, const char *ip)
{
	long long limit = settings_get_number(w->settings, "smtp_max_connections_per_ip", 0, 0);

	return limit > 0 && node_shm_ip_count(w->shm, node_shm_ip_bucket(ip)) >= limit;
}

static void worker_accept_one(struct worker *w, enum listener_kind kind, int fd,
			      const struct sockaddr_storage *addr)
{
	char ip[64];

	net_ip_string(addr, ip, sizeof(ip));
	if ((kind == LISTENER_SMTP || kind == LISTENER_SUBMISSION || kind == LISTENER_SMTPS) &&
	    worker_ip_over_limit(w, ip)) {
		char reply[512];
		int len = snprintf(reply, sizeof(reply),
				   "421 4.7.0 %s Error: too many connections from %s\r\n",
				   worker_hostname(w), ip);

		/* best effort: a fresh socket's send buffer takes one line */
		if (write(fd, reply, len) < 0)
			log_debug("worker", NULL, "event=limit_reply_failed ip=%s", ip);
		close(fd);
		log_info("worker", NULL, "event=reject reason=too_many_connections ip=%s", ip);
		return;
	}
	if (kind == LISTENER_IMAP || kind == LISTENER_IMAPS)
		imap_session_new(w, fd, kind, ip);
	else if (kind == LISTENER_POP3 || kind == LISTENER_POP3S)
		pop3_session_new(w, fd, kind, ip);
	else if (kind == LISTENER_ADMIN)
		admin_server_session_new(w, fd, ip);
	else
		smtp_session_new(w, fd, kind, ip);
}

static void worker_accept_pause_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;

	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		if (w->listen_fd[kind] >= 0 && !w->draining)
			ev_io_start(loop, &w->accept_io[kind]);
	}
}

static void worker_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = io->data;
	enum listener_kind kind = io - w->accept_io;

	for (int i = 0; i < WORKER_ACCEPT_BATCH; i++) {
		struct sockaddr_storage addr;
		socklen_t len = sizeof(addr);
		int fd = accept4(io->fd, (struct sockaddr *)&addr, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			worker_accept_one(w, kind, fd, &addr);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors: stop accepting briefly instead of spinning */
			log_error("worker", NULL, "event=accept_failed error=\"%s\"", strerror(errno));
			for (int k = 0; k < LISTENER_COUNT; k++)
				ev_io_stop(loop, &w->accept_io[k]);
			ev_timer_set(&w->accept_pause, 0.1, 0);
			ev_timer_start(loop, &w->accept_pause);
		}
		break;
	}
}

static void worker_settings_loaded(void *ctx, const char *error)
{
	struct worker *w = ctx;

	if (error != NULL) {
		log_warning("worker", NULL, "event=settings_load_failed error=\"%s\"", error);
		return;
	}
	/* lookups depend on settings (recipient_delimiter, alias_max_depth) */
	rcpt_cache_clear(w->rcpt_cache);
	log_debug("worker", NULL, "event=settings_loaded");
	if (!w->accepting) {
		/* sessions start only once the settings (policy among them) are known */
		w->accepting = true;
		worker_accept_pause_cb(w->loop, &w->accept_pause, 0);
	}
	if (w->outbound != NULL)
		outbound_runner_settings_loaded(w->outbound);
}

static void worker_notify(void *ctx, const char *channel, const char *payload)
{
	struct worker *w = ctx;

	policy_rules_cache_notify(w->rules, channel);
	/* channel NULL: (re)connected — changes may have been missed */
	if (channel == NULL || strcmp(channel, RCPT_CACHE_CHANNEL) == 0) {
		rcpt_cache_clear(w->rcpt_cache);
		auth_cache_clear(w->auth);
	}
	if (channel == NULL)
		mailbox_watch_notify_all(w->mailbox_watch);
	else if (strcmp(channel, MAILBOX_WATCH_CHANNEL) == 0)
		mailbox_watch_notify(w->mailbox_watch, payload);
	if (channel == NULL || strcmp(channel, STORE_SETTINGS_CHANNEL) == 0) {
		dkim_signer_clear(w->dkim);
		store_settings_load(w->pool, w->settings, worker_settings_loaded, w);
	}
	else if (strcmp(channel, OUTBOUND_RUNNER_CHANNEL) == 0 && w->outbound != NULL)
		outbound_runner_wake(w->outbound);
}

static void worker_heartbeat_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;
	char sessions[512];
	int len = 0;

	len += snprintf(sessions + len, sizeof(sessions) - len, "{");
	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		if (w->config->listen[kind] == NULL || !listeners_supported(kind))
			continue;
		len += snprintf(sessions + len, sizeof(sessions) - len, "%s\"%s\": %u",
				len > 1 ? ", " : "", config_listener_name(kind),
				node_shm_sessions(w->shm, kind));
	}
	snprintf(sessions + len, sizeof(sessions) - len, "}");

	struct store_node_info info = {
		.id = w->config->node_id,
		.hostname = w->config->hostname,
		.version = PETREL_VERSION,
		.pid = getppid(),
		.started = w->node_started,
		.sessions_json = sessions,
	};
	store_node_heartbeat(w->pool, &info);
}

static int worker_load_tls(struct worker *w, const struct petrel_config *config)
{
	const char *error;
	SSL_CTX *ctx;

	if (config->tls_cert == NULL || config->tls_key == NULL)
		return 0;
	ctx = tls_server_ctx_new(config->tls_cert, config->tls_key, &error);
	if (ctx == NULL) {
		log_error("worker", NULL, "event=tls_load_failed error=\"%s\"", error);
		return -1;
	}
	if (w->tls != NULL)
		SSL_CTX_free(w->tls);
	w->tls = ctx;
	return 0;
}

static void worker_sighup_cb(struct ev_loop *loop, ev_signal *sig, int revents)
{
	struct worker *w = sig->data;
	struct petrel_config *config;
	const char *error;

	if (config_load(w->config->path, &config, &error) < 0) {
		log_error("worker", NULL, "event=reload_failed error=\"%s\"", error);
		return;
	}
	log_set_level(config->log_level);
	if (worker_load_tls(w, config) == 0)
		log_info("worker", NULL, "event=reloaded tls=%s", w->tls != NULL ? "yes" : "no");
	config_free(&config);
}

static void worker_drain_session(uint64_t id, void *value, void *ctx)
{
	uint64_t **next = ctx;

	*(*next)++ = id;
}

static void worker_drain_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;

	log_warning("worker", NULL, "event=drain_timeout sessions_left=%zu",
		    idmap_count(w->sessions));
	ev_break(loop, EVBREAK_ALL);
}

static void worker_sigterm_cb(struct ev_loop *loop, ev_signal *sig, int revents)
{
	struct worker *w = sig->data;
	size_t count = idmap_count(w->sessions);
	uint64_t *ids, *next;

	if (w->draining)
		return;
	w->draining = true;
	log_info("worker", NULL, "event=draining sessions=%zu", count);
	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		ev_io_stop(loop, &w->accept_io[kind]);
		if (w->listen_fd[kind] >= 0)
			close(w->listen_fd[kind]);
		w->listen_fd[kind] = -1;
	}
	ev_timer_set(&w->drain_timer, w->config->drain_timeout_secs, 0);
	ev_timer_start(loop, &w->drain_timer);
	if (w->outbound != NULL)
		outbound_runner_drain(w->outbound);
	/* drain() may end sessions, changing the map: collect the ids first */
	ids = next = xmalloc(sizeof(*ids) * (count + 1));
	idmap_foreach(w->sessions, worker_drain_session, &next);
	for (size_t i = 0; i < count; i++) {
		struct worker_session *s = idmap_get(w->sessions, ids[i]);

		if (s != NULL)
			s->v->drain(s);
	}
	free(ids);
	worker_check_drained(w);
}

static void worker_init(struct worker *w, const struct listeners *listeners)
{
	static const char *const channels[] = {
		STORE_SETTINGS_CHANNEL, RCPT_CACHE_CHANNEL, MAILBOX_WATCH_CHANNEL,
		OUTBOUND_RUNNER_CHANNEL, STORE_RULES_CHANNEL, STORE_POLICY_LISTS_CHANNEL, NULL
	};
	const char *error;

	w->sessions = idmap_new();
	w->settings = settings_cache_new();
	w->rcpt_cache = rcpt_cache_new();
	w->mailbox_watch = mailbox_watch_new();
	if (getrandom(&w->random_state, sizeof(w->random_state), 0) < 0 || w->random_state == 0)
		w->random_state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	w->pool = pg_pool_new(w->loop, w->config->db_conninfo, w->config->db_pool_size, "pool");
	metrics_attach_pool(w);
	w->listener = pg_listener_new(w->loop, w->config->db_conninfo, channels, worker_notify, w);
	w->delivery = delivery_new(w->pool, w->settings);
	w->auth = auth_new(w);
	w->dkim = dkim_signer_new(w);
	w->rules = policy_rules_cache_new(w->pool);
	w->admin = admin_api_new(w);
	w->dns = dns_resolver_new(w->loop, w->config->dns_servers, WORKER_DNS_TIMEOUT,
				  WORKER_DNS_TRIES, &error);
	if (w->dns == NULL)
		log_error("worker", NULL, "event=dns_failed error=\"%s\" outbound=off", error);
	else
		w->outbound = outbound_runner_new(w, w->dns);
	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		w->listen_fd[kind] = listeners_fd(listeners, w->index, kind);
		ev_io_init(&w->accept_io[kind], worker_accept_cb, w->listen_fd[kind], EV_READ);
		w->accept_io[kind].data = w;
	}
	ev_init(&w->accept_pause, worker_accept_pause_cb);
	ev_init(&w->drain_timer, worker_drain_timeout_cb);
	ev_signal_init(&w->sig_term, worker_sigterm_cb, SIGTERM);
	ev_signal_init(&w->sig_int, worker_sigterm_cb, SIGINT);
	ev_signal_init(&w->sig_hup, worker_sighup_cb, SIGHUP);
	w->accept_pause.data = w->drain_timer.data = w;
	w->sig_term.data = w->sig_int.data = w->sig_hup.data = w;
	ev_signal_start(w->loop, &w->sig_term);
	ev_signal_start(w->loop, &w->sig_int);
	ev_signal_start(w->loop, &w->sig_hup);
	if (w->index == 0) {
		ev_timer_init(&w->heartbeat, worker_heartbeat_cb, 0.5, WORKER_HEARTBEAT_SECS);
		w->heartbeat.data = w;
		ev_timer_start(w->loop, &w->heartbeat);
		w->maintenance = maintenance_new(w);
	}
}

static void worker_deinit(struct worker *w)
{
	admin_api_free(&w->admin);
	delivery_free(&w->delivery);
	maintenance_free(&w->maintenance);
	auth_free(&w->auth);
	pg_listener_free(&w->listener);
	dkim_signer_free(&w->dkim);
	policy_rules_cache_free(&w->rules);
	pg_pool_free(&w->pool);
	/* after the pool: its failing requests still reach the runner */
	outbound_runner_free(&w->outbound);
	dns_resolver_free(&w->dns);
	settings_cache_free(&w->settings);
	rcpt_cache_free(&w->rcpt_cache);
	mailbox_watch_free(&w->mailbox_watch);
	idmap_free(&w->sessions);
	if (w->tls != NULL)
		SSL_CTX_free(w->tls);
}

int worker_run(struct petrel_config *config, unsigned int index,
	       const struct listeners *listeners, struct node_shm *shm, time_t node_started)
{
	struct worker w = {
		.loop = ev_default_loop(EVFLAG_AUTO),
		.index = index,
		.config = config,
		.node_started = node_started,
		.shm = shm,
	};
	char role[32];

	snprintf(role, sizeof(role), "worker%u", index);
	log_set_role(role);
	if (worker_load_tls(&w, config) < 0)
		return 1;
	worker_init(&w, listeners);
	log_info("worker", NULL, "event=started pid=%d", (int)getpid());
	ev_run(w.loop, 0);
	log_info("worker", NULL, "event=stopped");
	worker_deinit(&w);
	return 0;
}
