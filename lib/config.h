/*
 * config.h — the per-host bootstrap file (INI, parsed with libinih).
 *
 * It holds only what a node needs before it can reach PostgreSQL: node id,
 * database conninfo, listeners, TLS paths, worker count, etcd endpoints and
 * the log level. Every other setting is cluster-wide and lives in the
 * settings table (see settings.h). Unknown sections or keys are an error, so
 * a typo never silently changes behaviour.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>

/* Listener names are part of the contract shared by configs, tests and docs. */
enum listener_kind {
	LISTENER_SMTP,
	LISTENER_SUBMISSION,
	LISTENER_SMTPS,
	LISTENER_LMTP,
	LISTENER_IMAP,
	LISTENER_IMAPS,
	LISTENER_POP3,
	LISTENER_POP3S,
	LISTENER_DAV,
	LISTENER_ADMIN,
	LISTENER_COUNT
};

struct petrel_config {
	char *path;

	/* [node] */
	char *node_id;
	char *hostname;          /* banner / HELO name; default: gethostname() */
	unsigned int workers;    /* default: number of CPUs */
	char *user;              /* drop to this user after binding, when root; NULL = stay */
	unsigned int drain_timeout_secs;   /* SIGTERM: how long sessions may finish */

	/* [database] */
	char *db_conninfo;
	unsigned int db_pool_size;         /* connections per worker */

	/* [listen]: NULL when the listener is not configured */
	char *listen[LISTENER_COUNT];

	/* [tls] */
	char *tls_cert;
	char *tls_key;

	/* [etcd] */
	char *etcd_endpoints;

	/* [dns]: resolvers for outbound MX lookups, "ip[:port],…";
	   NULL = the system's /etc/resolv.conf */
	char *dns_servers;

	/* [admin] */
	bool admin_tls;          /* HTTPS when [tls] is configured (default yes) */
	char *admin_www;         /* the web UI's folder */

	/* [log] */
	int log_level;           /* enum log_level */
};

/* Parse the file. On error returns -1 and *error_r names the file, line and
   problem (valid until the next call). */
int config_load(const char *path, struct petrel_config **config_r, const char **error_r);
void config_free(struct petrel_config **config);

const char *config_listener_name(enum listener_kind kind);
/* -1 when the name is not a listener name. */
int config_listener_parse(const char *name);

#endif
