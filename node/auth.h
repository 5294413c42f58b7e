/*
 * auth.h — logging in to an account, shared by IMAP, POP3 (and SMTP AUTH
 * and the admin API later).
 *
 * One call takes a login name and password and answers, asynchronously,
 * which account it is. Behind it: master users ("user*master" with the
 * password of an account flagged master; separator from the setting
 * master_user_separator), blocked accounts refused, the password hash
 * checked on a helper thread (auth-verify.h), verified logins remembered
 * for auth_cache_ttl (emptied on any change to the directory tables), and
 * every failure recorded in auth_failures and answered only after
 * auth_failure_delay.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stdint.h>

struct worker;
struct auth;

enum auth_status {
	AUTH_OK,
	AUTH_FAILED,        /* wrong name or password, blocked: say nothing more */
	AUTH_TEMPFAIL,      /* the database did not answer */
};

struct auth_result {
	enum auth_status status;
	int64_t account_id;
	int64_t domain_id;
	const char *address;        /* canonical, valid during the callback */
};

/* Always called from the loop, never from inside auth_login(). */
typedef void auth_callback_t(void *ctx, const struct auth_result *result);

struct auth_login_request {
	const char *protocol;       /* "imap", "pop3", ... for the failure record */
	const char *client_ip;
	const char *username;
	const char *password;
};

struct auth *auth_new(struct worker *worker);
void auth_free(struct auth **auth);
/* Forget verified logins (accounts changed somewhere in the cluster). */
void auth_cache_clear(struct auth *auth);

void auth_login(struct auth *auth, const struct auth_login_request *request,
		auth_callback_t *callback, void *ctx);

/* Whether a session may receive a password now (IMAP LOGIN/AUTHENTICATE,
   POP3 USER/PASS/AUTH): over TLS, from a loopback client when the setting
   auth_cleartext_loopback allows it, or anywhere with auth_allow_cleartext. */
bool auth_cleartext_allowed(const struct worker *worker, bool tls, const char *client_ip);

#endif
