/*
 * petrel-milter.c — a libmilter filter that lets an existing Postfix or
 * Sendmail apply Petrel's bans, white/black lists and greylisting, with
 * the state in the cluster's PostgreSQL (the same tables and functions
 * the nodes use, so a ban or a greylist pass counts everywhere).
 *
 *   petrel-milter --config FILE --socket inet:PORT@127.0.0.1|unix:/path
 *
 * CONNECT: a banned or black-listed client address is refused (554), a
 * white-listed one skips everything else. MAIL: the sender's list entry
 * (white skips greylisting, black refuses with 550). RCPT: greylisting
 * (451 4.7.1) when greylist_enable is on for the recipient's domain. The
 * settings come from the settings table, reloaded every 10 s.
 *
 * libmilter runs callbacks in its threads: each thread has its own
 * blocking database connection. A database that fails lets mail through
 * (logged), as the node's greylisting does: policy delays, it never
 * loses mail.
 */
#include "admin-milter-policy.h"
#include "config.h"
#include "greylist-key.h"
#include "log.h"
#include "settings.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PETREL_MILTER_SETTINGS_TTL 10
#define PETREL_MILTER_ADDRESS_MAX 321

/* One thread's database connection and settings. */
struct petrel_milter_db {
	struct admin_db *db;
	struct settings_cache *settings;
	time_t loaded;
};

/* One SMTP connection the MTA tells us about. */
struct petrel_milter_conn {
	char ip[INET6_ADDRSTRLEN];     /* "" when not an IP client */
	char sender[PETREL_MILTER_ADDRESS_MAX + 1];
	bool greylist_skip;            /* the sender is white-listed */
};

static const char *petrel_milter_conninfo;
static pthread_key_t petrel_milter_db_key;

static void petrel_milter_db_free(void *ptr)
{
	struct petrel_milter_db *d = ptr;

	admin_db_close(&d->db);
	settings_cache_free(&d->settings);
	free(d);
}

/* Forget the thread's connection after an error: the next call reconnects. */
static void petrel_milter_db_failed(struct petrel_milter_db *d, const char *what,
				    const char *error)
{
	log_warning("milter", NULL, "event=db_failed step=%s error=\"%s\" action=continue", what,
		    error);
	admin_db_close(&d->db);
}

/* The thread's connection with fresh settings, or NULL (logged). */
static struct petrel_milter_db *petrel_milter_db(void)
{
	struct petrel_milter_db *d = pthread_getspecific(petrel_milter_db_key);
	const char *error;
	time_t now = time(NULL);

	if (d == NULL) {
		d = xcalloc(1, sizeof(*d));
		d->settings = settings_cache_new();
		pthread_setspecific(petrel_milter_db_key, d);
	}
	if (d->db == NULL) {
		if (admin_db_connect(petrel_milter_conninfo, &d->db, &error) < 0) {
			log_warning("milter", NULL, "event=db_connect_failed error=\"%s\"", error);
			return NULL;
		}
		d->loaded = 0;
	}
	if (now - d->loaded >= PETREL_MILTER_SETTINGS_TTL) {
		if (admin_milter_settings_load(d->db, d->settings, &error) < 0) {
			petrel_milter_db_failed(d, "settings", error);
			return NULL;
		}
		d->loaded = now;
	}
	return d;
}

static struct petrel_milter_conn *petrel_milter_conn(SMFICTX *ctx)
{
	struct petrel_milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		smfi_setpriv(ctx, c);
	}
	return c;
}

static sfsistat petrel_milter_refuse(SMFICTX *ctx, const char *code, const char *enhanced,
				     const char *text)
{
	smfi_setreply(ctx, (char *)code, (char *)enhanced, (char *)text);
	return code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

static sfsistat petrel_milter_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *addr)
{
	struct petrel_milter_conn *c = petrel_milter_conn(ctx);
	struct petrel_milter_db *d;
	char reason[256];
	bool white;
	int ret;
	const char *error;

	if (addr == NULL || (addr->sa_family == AF_INET &&
			     inet_ntop(AF_INET, &((struct sockaddr_in *)addr)->sin_addr, c->ip,
				       sizeof(c->ip)) == NULL) ||
	    (addr->sa_family == AF_INET6 &&
	     inet_ntop(AF_INET6, &((struct sockaddr_in6 *)addr)->sin6_addr, c->ip,
		       sizeof(c->ip)) == NULL) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return SMFIS_CONTINUE;   /* a local client: nothing to check */
	if ((d = petrel_milter_db()) == NULL)
		return SMFIS_CONTINUE;
	ret = admin_milter_ban_check(d->db, c->ip, reason, sizeof(reason), &error);
	if (ret > 0) {
		log_info("milter", NULL, "event=refused ip=%s reason=\"banned: %s\"", c->ip, reason);
		return petrel_milter_refuse(ctx, "554", "5.7.1", "Access denied: client banned");
	}
	if (ret == 0)
		ret = admin_milter_list_lookup(d->db, c->ip, NULL, &white, reason, sizeof(reason),
					       &error);
	if (ret < 0) {
		petrel_milter_db_failed(d, "connect", error);
		return SMFIS_CONTINUE;
	}
	if (ret > 0 && white)
		return SMFIS_ACCEPT;
	if (ret > 0) {
		log_info("milter", NULL, "event=refused ip=%s reason=\"black list: %s\"", c->ip,
			 reason);
		return petrel_milter_refuse(ctx, "554", "5.7.1",
					    "Access denied: client address blacklisted");
	}
	return SMFIS_CONTINUE;
}

/* "<a@b>" (as the MTA passes it) -> "a@b"; "<>" -> "". */
static void petrel_milter_strip_address(const char *arg, char *out, size_t size)
{
	size_t len = strlen(arg);

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
		snprintf(out, size, "%.*s", (int)(len - 2), arg + 1);
	else
		snprintf(out, size, "%s", arg);
}

static sfsistat petrel_milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct petrel_milter_conn *c = petrel_milter_conn(ctx);
	struct petrel_milter_db *d;
	char what[256];
	bool white;
	int ret;
	const char *error;

	petrel_milter_strip_address(argv[0], c->sender, sizeof(c->sender));
	c->greylist_skip = false;
	if (c->ip[0] == '\0' || c->sender[0] == '\0' || (d = petrel_milter_db()) == NULL)
		return SMFIS_CONTINUE;
	ret = admin_milter_list_lookup(d->db, c->ip, c->sender, &white, what, sizeof(what),
				       &error);
	if (ret < 0) {
		petrel_milter_db_failed(d, "mail", error);
		return SMFIS_CONTINUE;
	}
	if (ret > 0 && white) {
		c->greylist_skip = true;
		return SMFIS_CONTINUE;
	}
	if (ret > 0) {
		log_info("milter", NULL, "event=refused ip=%s sender=<%s> reason=\"black list: %s\"",
			 c->ip, c->sender, what);
		return petrel_milter_refuse(ctx, "550", "5.7.1", "Sender address blacklisted");
	}
	return SMFIS_CONTINUE;
}

/* The greylist parameters from the settings of the recipient's domain. */
static void petrel_milter_greylist_query(const struct settings_cache *set, long long domain,
					 struct admin_milter_greylist *q)
{
	q->v4_prefix = (int)settings_get_number(set, "greylist_ipv4_prefix", domain, 0);
	q->v6_prefix = (int)settings_get_number(set, "greylist_ipv6_prefix", domain, 0);
	q->delay = settings_get_number(set, "greylist_delay", domain, 0);
	q->window = settings_get_number(set, "greylist_retry_window", domain, 0);
	q->lifetime = settings_get_number(set, "greylist_lifetime", domain, 0);
	q->auto_whitelist = (int)settings_get_number(set, "greylist_auto_whitelist", domain, 0);
}

/* Whether rcpt (lower case) is greylisted at all: greylist_enable of its
   domain, and the sender's domain not ignored. -1 on a database error. */
static int petrel_milter_greylist_applies(struct petrel_milter_db *d, const char *rcpt,
					  const char *sender, long long *domain_r)
{
	const char *at = strrchr(rcpt, '@'), *error;

	*domain_r = at != NULL ? admin_milter_domain_id(d->db, at + 1, &error) : 0;
	if (*domain_r < 0) {
		petrel_milter_db_failed(d, "domain", error);
		return -1;
	}
	return settings_get_bool(d->settings, "greylist_enable", *domain_r, 0) &&
		!greylist_sender_ignored(settings_get(d->settings, "greylist_ignore_sender_domains",
						      *domain_r, 0), sender);
}

static sfsistat petrel_milter_envrcpt(SMFICTX *ctx, char **argv)
{
	struct petrel_milter_conn *c = petrel_milter_conn(ctx);
	char arg[PETREL_MILTER_ADDRESS_MAX + 1], rcpt[PETREL_MILTER_ADDRESS_MAX + 1];
	char sender[PETREL_MILTER_ADDRESS_MAX + 1];
	char verdict_text[64], reply[128];
	struct admin_milter_greylist q = { .ip = c->ip, .sender = sender, .recipient = rcpt };
	struct petrel_milter_db *d;
	enum greylist_verdict verdict;
	unsigned int wait;
	long long domain;
	const char *error;

	petrel_milter_strip_address(argv[0], arg, sizeof(arg));
	if (c->ip[0] == '\0' || c->greylist_skip ||
	    greylist_address_key(c->sender, sender, sizeof(sender)) == NULL ||
	    greylist_address_key(arg, rcpt, sizeof(rcpt)) == NULL ||
	    (d = petrel_milter_db()) == NULL ||
	    petrel_milter_greylist_applies(d, rcpt, c->sender, &domain) <= 0)
		return SMFIS_CONTINUE;
	petrel_milter_greylist_query(d->settings, domain, &q);
	if (admin_milter_greylist_check(d->db, &q, verdict_text, sizeof(verdict_text),
					&error) < 0) {
		petrel_milter_db_failed(d, "greylist", error);
		return SMFIS_CONTINUE;
	}
	if (greylist_verdict_parse(verdict_text, &verdict, &wait) < 0 ||
	    greylist_verdict_passes(verdict))
		return SMFIS_CONTINUE;
	log_info("milter", NULL, "event=greylisted ip=%s sender=<%s> rcpt=<%s> verdict=%s",
		 c->ip, c->sender, rcpt, verdict_text);
	snprintf(reply, sizeof(reply), "Greylisted, try again in %u seconds", wait);
	return petrel_milter_refuse(ctx, "451", "4.7.1", reply);
}

static sfsistat petrel_milter_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static int petrel_milter_usage(void)
{
	fprintf(stderr, "usage: petrel-milter --config FILE --socket "
		"inet:PORT@HOST|inet6:PORT@HOST|unix:/path\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "petrel-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_connect = petrel_milter_connect,
		.xxfi_envfrom = petrel_milter_envfrom,
		.xxfi_envrcpt = petrel_milter_envrcpt,
		.xxfi_close = petrel_milter_close,
	};
	const char *config_path = NULL, *socket = NULL, *error;
	struct petrel_config *config;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			socket = argv[++i];
		else
			return petrel_milter_usage();
	}
	if (config_path == NULL || socket == NULL)
		return petrel_milter_usage();
	log_set_role("petrel-milter");
	if (config_load(config_path, &config, &error) < 0) {
		fprintf(stderr, "petrel-milter: %s\n", error);
		return 1;
	}
	log_set_level((enum log_level)config->log_level);
	petrel_milter_conninfo = config->db_conninfo;
	if (pthread_key_create(&petrel_milter_db_key, petrel_milter_db_free) != 0 ||
	    smfi_setconn((char *)socket) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "petrel-milter: cannot listen on %s\n", socket);
		config_free(&config);
		return 1;
	}
	log_info("milter", NULL, "event=started socket=%s", socket);
	ret = smfi_main() == MI_SUCCESS ? 0 : 1;
	config_free(&config);
	return ret;
}
