/*
 * worker.h — one worker process: a libev loop serving sessions on the
 * listening sockets of its slot, with its own PostgreSQL pool, LISTEN
 * connection, settings cache, group-commit delivery and TLS context.
 *
 * Every protocol session starts with a struct worker_session, through which
 * the worker counts it, drains it on SIGTERM, and finds it again by id when
 * a database reply arrives (session tickets).
 */
#ifndef WORKER_H
#define WORKER_H

#include "config.h"
#include "listeners.h"

#include <ev.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct node_shm;
struct worker_session;

struct worker_session_vfuncs {
	/* The node is shutting down: finish what is in flight, then close. */
	void (*drain)(struct worker_session *session);
};

struct worker_session {
	uint64_t id;
	char id_str[24];          /* for log lines */
	struct worker *worker;
	enum listener_kind kind;
	const struct worker_session_vfuncs *v;
	char ip[64];
	uint32_t ip_bucket;
};

struct worker {
	struct ev_loop *loop;
	unsigned int index;
	struct petrel_config *config;
	time_t node_started;
	struct node_shm *shm;
	struct pg_pool *pool;
	struct pg_listener *listener;
	struct settings_cache *settings;
	struct delivery *delivery;
	struct rcpt_cache *rcpt_cache;
	struct auth *auth;                  /* logins (IMAP, POP3) */
	struct mailbox_watch *mailbox_watch; /* selected mailboxes, for NOTIFY */
	struct maintenance *maintenance;    /* clean-up jobs (worker 0 only) */
	struct dns_resolver *dns;           /* outbound MX lookups */
	struct outbound_runner *outbound;   /* outbound queue deliveries */
	struct dkim_signer *dkim;           /* signs submitted mail */
	struct policy_rules_cache *rules;   /* compiled SMTP/delivery rules */
	struct admin_api *admin;            /* the web admin's JSON API */
	SSL_CTX *tls;             /* NULL when [tls] is not configured */
	struct idmap *sessions;
	uint64_t next_session_id;
	uint64_t random_state;    /* xorshift state for queue ids */
	int listen_fd[LISTENER_COUNT];
	ev_io accept_io[LISTENER_COUNT];
	ev_timer accept_pause;
	ev_signal sig_term, sig_int, sig_hup;
	ev_timer drain_timer, heartbeat;
	bool draining;
	bool accepting;              /* listeners on: the first settings are loaded */
};

/* Run worker number index until it drains; returns the exit status. */
int worker_run(struct petrel_config *config, unsigned int index,
	       const struct listeners *listeners, struct node_shm *shm, time_t node_started);

/* While draining: exit the loop once no session is left and the outbound
   runner holds nothing (called by both when they finish). */
void worker_check_drained(struct worker *worker);

void worker_session_register(struct worker *worker, struct worker_session *session,
			     enum listener_kind kind, const char *ip,
			     const struct worker_session_vfuncs *v);
void worker_session_unregister(struct worker_session *session);

/* The host name sessions announce: setting smtp_hostname, else [node] hostname. */
const char *worker_hostname(const struct worker *worker);
/* A cluster-unique queue id (time + randomness), 16 characters. */
void worker_new_queue_id(struct worker *worker, char *buf, size_t size);

/* A ticket remembers a session by id across an asynchronous call. */
struct session_ticket;
struct session_ticket *session_ticket_new(struct worker_session *session);
/* The session, or NULL when it has gone meanwhile; frees the ticket. */
struct worker_session *session_ticket_redeem(struct session_ticket *ticket);

#endif
