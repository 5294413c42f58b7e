/*
 * auth.c — the login flow (see auth.h): cache, account lookup, password
 * check off the loop, failure record and delay.
 *
 * The cache stores, per login name, an HMAC-SHA-256 (per-worker random
 * key) of the password that succeeded, never the password itself; a later
 * login with the same name and password skips the database and the hash.
 */
#include "auth.h"

#include "auth-verify.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "settings.h"
#include "store-auth.h"
#include "strbuf.h"
#include "strcache.h"
#include "utf8.h"
#include "worker.h"
#include "xalloc.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_VERIFY_THREADS 1
/* Longest login name or password considered at all. */
#define AUTH_FIELD_MAX 1024

struct auth {
	struct worker *worker;
	struct auth_verify *verify;
	struct strcache *cache;
	unsigned char cache_key[32];
};

struct auth_cached {
	unsigned char digest[SHA256_DIGEST_LENGTH];
	int64_t account_id;
	int64_t domain_id;
	char *address;
};

struct auth_job {
	struct auth *auth;
	auth_callback_t *callback;
	void *ctx;
	char *protocol, *client_ip, *username, *password;
	char *login;                /* the account logging in (lower-cased) */
	char *master;               /* the master user whose password is given, or NULL */
	struct auth_result result;
	char *address;
	const char *failure;        /* reason recorded in auth_failures */
	ev_timer answer;
};

static void auth_cached_free(void *value)
{
	struct auth_cached *c = value;

	free(c->address);
	free(c);
}

struct auth *auth_new(struct worker *worker)
{
	struct auth *auth = xcalloc(1, sizeof(*auth));

	auth->worker = worker;
	auth->verify = auth_verify_new(worker->loop, AUTH_VERIFY_THREADS);
	auth->cache = strcache_new(auth_cached_free);
	if (RAND_bytes(auth->cache_key, sizeof(auth->cache_key)) != 1)
		abort();
	return auth;
}

void auth_free(struct auth **authp)
{
	struct auth *auth = *authp;

	if (auth == NULL)
		return;
	*authp = NULL;
	auth_verify_free(&auth->verify);
	strcache_free(&auth->cache);
	free(auth);
}

void auth_cache_clear(struct auth *auth)
{
	strcache_clear(auth->cache);
}

static void auth_digest(const struct auth *auth, const char *password,
			unsigned char digest[SHA256_DIGEST_LENGTH])
{
	unsigned int len = SHA256_DIGEST_LENGTH;

	HMAC(EVP_sha256(), auth->cache_key, sizeof(auth->cache_key),
	     (const unsigned char *)password, strlen(password), digest, &len);
}

static char *auth_lower(const char *s)
{
	char *copy = xstrdup(s);

	for (char *p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

static void auth_job_free(struct auth_job *job)
{
	explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job->protocol);
	free(job->client_ip);
	free(job->username);
	free(job->login);
	free(job->master);
	free(job->address);
	free(job);
}

static void auth_answer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct auth_job *job = t->data;

	job->result.address = job->address;
	job->callback(job->ctx, &job->result);
	auth_job_free(job);
}

/* Answer from the loop: at once on success, after auth_failure_delay on a
   failure (slowing down password guessing without blocking anything). */
static void auth_finish(struct auth_job *job, enum auth_status status)
{
	struct worker *w = job->auth->worker;
	double delay = 0;

	job->result.status = status;
	if (status == AUTH_FAILED) {
		struct store_auth_failure f = {
			.node_id = w->config->node_id,
			.protocol = job->protocol,
			.client_ip = job->client_ip,
			.username = job->username,
			.reason = job->failure,
			.ban_failures = settings_get_number(w->settings, "ban_failures", 0, 0),
			.ban_window = settings_get_number(w->settings, "ban_window", 0, 0),
			.ban_duration = settings_get_number(w->settings, "ban_duration", 0, 0),
		};

		log_info("auth", NULL, "event=login_failed protocol=%s ip=%s user=\"%s\" reason=%s",
			 job->protocol, job->client_ip, job->username, job->failure);
		store_auth_record_failure(w->pool, &f);
		metrics_count_auth_failure(w, job->protocol);
		delay = (double)settings_get_number(w->settings, "auth_failure_delay", 0, 0);
	}
	ev_timer_init(&job->answer, auth_answer_cb, delay, 0);
	job->answer.data = job;
	ev_timer_start(w->loop, &job->answer);
}

static void auth_fail(struct auth_job *job, const char *reason)
{
	job->failure = reason;
	auth_finish(job, AUTH_FAILED);
}

static void auth_verified(void *ctx, bool matched)
{
	struct auth_job *job = ctx;
	struct auth *auth = job->auth;
	struct worker *w = auth->worker;

	if (!matched) {
		auth_fail(job, job->master != NULL ? "master" : "password");
		return;
	}
	long long size = settings_get_number(w->settings, "auth_cache_size", 0, 0);

	if (size > 0) {
		struct auth_cached *c = xcalloc(1, sizeof(*c));
		char *key = xasprintf("%s\n%s", job->login, job->master != NULL ? job->master : "");

		auth_digest(auth, job->password, c->digest);
		c->account_id = job->result.account_id;
		c->domain_id = job->result.domain_id;
		c->address = xstrdup(job->address);
		strcache_put(auth->cache, key, c, ev_now(w->loop), (unsigned int)size);
		free(key);
	}
	auth_finish(job, AUTH_OK);
}

static void auth_looked_up(void *ctx, const char *error,
			   const struct store_auth_account *const *accounts)
{
	struct auth_job *job = ctx;
	const struct store_auth_account *user = accounts[0];
	const struct store_auth_account *checker = job->master != NULL ? accounts[1] : user;

	if (error != NULL) {
		log_warning("auth", NULL, "event=lookup_failed user=\"%s\" error=\"%s\"",
			    job->username, error);
		auth_finish(job, AUTH_TEMPFAIL);
		return;
	}
	if (user == NULL || checker == NULL) {
		auth_fail(job, "unknown-user");
		return;
	}
	if (user->blocked || checker->blocked) {
		auth_fail(job, "blocked");
		return;
	}
	if (job->master != NULL && !checker->is_master) {
		auth_fail(job, "master");
		return;
	}
	job->result.account_id = user->id;
	job->result.domain_id = user->domain_id;
	job->address = xstrdup(user->address);
	auth_verify_submit(job->auth->verify, job->password, checker->password_hash,
			   auth_verified, job);
}

/* A cached success for this name and password: answer without PostgreSQL. */
static bool auth_try_cache(struct auth_job *job)
{
	struct auth *auth = job->auth;
	struct worker *w = auth->worker;
	double ttl = (double)settings_get_number(w->settings, "auth_cache_ttl", 0, 0);
	char *key = xasprintf("%s\n%s", job->login, job->master != NULL ? job->master : "");
	struct auth_cached *c = ttl > 0 ? strcache_get(auth->cache, key, ev_now(w->loop), ttl) : NULL;
	unsigned char digest[SHA256_DIGEST_LENGTH];

	free(key);
	if (c == NULL)
		return false;
	auth_digest(auth, job->password, digest);
	if (CRYPTO_memcmp(digest, c->digest, sizeof(digest)) != 0)
		return false;
	job->result.account_id = c->account_id;
	job->result.domain_id = c->domain_id;
	job->address = xstrdup(c->address);
	auth_finish(job, AUTH_OK);
	return true;
}

/* Split "user*master" when master users are enabled. */
static void auth_split_master(struct auth_job *job)
{
	struct worker *w = job->auth->worker;
	const char *sep = settings_get(w->settings, "master_user_separator", 0, 0);
	const char *at = sep != NULL && sep[0] != '\0' ? strstr(job->login, sep) : NULL;

	if (at == NULL || at == job->login || at[strlen(sep)] == '\0')
		return;
	job->master = xstrdup(at + strlen(sep));
	job->login[at - job->login] = '\0';
}

bool auth_cleartext_allowed(const struct worker *worker, bool tls, const char *client_ip)
{
	struct settings_cache *settings = worker->settings;

	return tls || settings_get_bool(settings, "auth_allow_cleartext", 0, 0) ||
	       (net_ip_is_loopback(client_ip) &&
		settings_get_bool(settings, "auth_cleartext_loopback", 0, 0));
}

void auth_login(struct auth *auth, const struct auth_login_request *request,
		auth_callback_t *callback, void *ctx)
{
	struct auth_job *job = xcalloc(1, sizeof(*job));
	struct strbuf name = STRBUF_INIT;

	job->auth = auth;
	job->callback = callback;
	job->ctx = ctx;
	job->protocol = xstrdup(request->protocol);
	job->client_ip = xstrdup(request->client_ip);
	job->password = xstrndup(request->password, strnlen(request->password, AUTH_FIELD_MAX));
	/* the name goes into SQL and logs: valid UTF-8, bounded */
	utf8_append_sanitized(&name, (const unsigned char *)request->username,
			      strnlen(request->username, AUTH_FIELD_MAX));
	job->username = strbuf_steal(&name);
	job->login = auth_lower(job->username);
	auth_split_master(job);
	if (job->login[0] == '\0' || job->password[0] == '\0') {
		auth_fail(job, "unknown-user");
		return;
	}
	if (auth_try_cache(job))
		return;

	const char *addresses[2] = { job->login, job->master };

	store_auth_lookup(auth->worker->pool, addresses, job->master != NULL ? 2 : 1,
			  auth_looked_up, job);
}
