/*
 * store-auth.c — account lookup for logins and the failed-login record
 * (see store-auth.h).
 */
#include "store-auth.h"

#include "log.h"
#include "store-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define STORE_AUTH_MAX_ADDRESSES 2

struct store_auth_call {
	store_auth_callback_t *callback;
	void *ctx;
};

static void store_auth_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_auth_call *call = ctx;
	const char *error = store_reply_error(reply);
	struct store_auth_account found[STORE_AUTH_MAX_ADDRESSES];
	const struct store_auth_account *accounts[STORE_AUTH_MAX_ADDRESSES] = { NULL };

	for (unsigned int i = 0; error == NULL && i < reply->count; i++) {
		const PGresult *res = reply->results[i];

		if (PQntuples(res) == 0)
			continue;
		found[i] = (struct store_auth_account){
			.id = store_get_int64(res, 0, 0),
			.domain_id = store_get_int64(res, 0, 1),
			.address = store_get_text(res, 0, 2),
			.password_hash = store_get_text(res, 0, 3),
			.blocked = strcmp(store_get_text(res, 0, 4), "blocked") == 0,
			.is_master = store_get_bool(res, 0, 5),
		};
		accounts[i] = &found[i];
	}
	call->callback(call->ctx, error, accounts);
	free(call);
}

void store_auth_lookup(struct pg_pool *pool, const char *const *addresses, unsigned int count,
		       store_auth_callback_t *callback, void *ctx)
{
	struct store_auth_call *call = xmalloc(sizeof(*call));
	struct pg_request *req = pg_request_new(store_auth_reply, call);

	call->callback = callback;
	call->ctx = ctx;
	if (count > STORE_AUTH_MAX_ADDRESSES)
		count = STORE_AUTH_MAX_ADDRESSES;
	for (unsigned int i = 0; i < count; i++) {
		const char *at = strrchr(addresses[i], '@');

		pg_request_add(req, "SELECT a.id, a.domain_id, a.localpart || '@' || d.name, "
			       "a.password_hash, a.status, a.is_master "
			       "FROM accounts a JOIN domains d ON d.id = a.domain_id "
			       "WHERE d.name = lower($1) AND a.localpart = lower($2)");
		pg_request_param_text(req, at != NULL ? at + 1 : "");
		if (at != NULL)
			pg_request_param_textf(req, "%.*s", (int)(at - addresses[i]), addresses[i]);
		else
			pg_request_param_text(req, addresses[i]);
	}
	pg_pool_submit(pool, req);
}

static void store_auth_failure_reply(void *ctx, const struct pg_reply *reply)
{
	char *ip = ctx;
	const char *error = store_reply_error(reply);

	if (error != NULL)
		log_warning("auth", NULL, "event=failure_record_failed error=\"%s\"", error);
	else if (store_get_bool(reply->results[0], 0, 0))
		log_info("auth", NULL, "event=banned ip=%s", ip);
	free(ip);
}

void store_auth_record_failure(struct pg_pool *pool, const struct store_auth_failure *f)
{
	struct pg_request *req = pg_request_new(store_auth_failure_reply, xstrdup(f->client_ip));

	pg_request_add(req, "SELECT petrel_auth_failure($1, $2, $3::inet, $4, $5, $6::int, "
		       "$7::int, $8::int)");
	pg_request_param_text(req, f->node_id);
	pg_request_param_text(req, f->protocol);
	if (f->client_ip[0] != '\0')
		pg_request_param_text(req, f->client_ip);
	else
		pg_request_param_null(req);
	pg_request_param_text(req, f->username);
	pg_request_param_text(req, f->reason);
	pg_request_param_textf(req, "%lld", f->ban_failures);
	pg_request_param_textf(req, "%lld", f->ban_window);
	pg_request_param_textf(req, "%lld", f->ban_duration);
	pg_pool_submit(pool, req);
}
