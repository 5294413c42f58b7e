/*
 * admin-api-auth.c — logging in to the API: POST /auth (password), POST
 * /auth/refresh, POST /auth/logout, the first superadmin's setup link
 * (GET/POST /setup) and GET /me. Failed logins feed the cluster's shared
 * bans (protocol "admin"), so an address guessing admin passwords is
 * refused by SMTP and IMAP too.
 */
#include "admin-api-private.h"

#include "admin-auth.h"
#include "log.h"

#include <string.h>

json_t *admin_api_admin_json(const char *login, bool superadmin, const char *const *domains,
			     unsigned int domain_count)
{
	json_t *list = json_array();

	for (unsigned int i = 0; i < domain_count; i++)
		json_array_append_new(list, json_string(domains[i]));
	return json_pack("{s:s, s:s, s:o}", "login", login, "role",
			 superadmin ? "superadmin" : "domain", "domains", list);
}

/* The string members named by keys, all required; false with 422 naming
   the first one missing or mistyped. */
static bool admin_api_auth_strings(struct admin_call *call, const char *const *keys,
				   const char **values_r)
{
	bool bad = false;

	if (!admin_call_body_object(call))
		return false;
	for (unsigned int i = 0; keys[i] != NULL; i++) {
		values_r[i] = admin_json_string(call, call->body, keys[i], &bad);
		if (bad)
			return false;
		if (values_r[i] == NULL || values_r[i][0] == '\0') {
			admin_call_error(call, 422, "invalid", keys[i], "%s is required", keys[i]);
			return false;
		}
	}
	return true;
}

/* Answer with a token pair for who. */
static void admin_api_pair_answer(struct admin_call *call, const struct admin_identity *who,
				  struct admin_token_pair *pair)
{
	call->result = json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}",
				 "access_token", pair->access, "refresh_token", pair->refresh,
				 "token_type", "Bearer",
				 "expires_in", (json_int_t)call->priv->access_ttl,
				 "refresh_expires_in", (json_int_t)call->priv->refresh_ttl,
				 "admin", admin_api_admin_json(who->login, who->superadmin,
							       (const char *const *)who->domains,
							       who->domain_count));
	explicit_bzero(pair, sizeof(*pair));
}

/* Issue a token pair for who and answer with it. */
static void admin_api_issue_answer(struct admin_call *call, const struct admin_identity *who)
{
	struct admin_token_pair pair;
	const char *error;

	if (admin_auth_issue(call->db, who->id, call->priv->access_ttl, call->priv->refresh_ttl,
			     &pair, &error) < 0)
		admin_call_db_error(call, error, NULL);
	else
		admin_api_pair_answer(call, who, &pair);
}

/* A wrong login or password: count it towards a ban, answer 401. */
static void admin_api_auth_failed(struct admin_call *call, const char *login)
{
	const struct admin_auth_failure failure = {
		.node_id = call->priv->node_id, .client_ip = call->client_ip, .login = login,
		.reason = "wrong login or password",
		.ban_failures = call->priv->ban_failures, .ban_window = call->priv->ban_window,
		.ban_duration = call->priv->ban_duration,
	};
	const char *error;
	int banned = admin_auth_failure(call->db, &failure, &error);

	if (banned < 0)
		log_warning("admin", NULL, "event=failure_record_failed error=\"%s\"", error);
	else if (banned > 0)
		log_info("admin", NULL, "event=banned ip=%s", call->client_ip);
	log_info("admin", NULL, "event=login_failed ip=%s login=\"%s\"", call->client_ip, login);
	admin_call_error(call, 401, "invalid_credentials", NULL, "wrong login or password");
}

static void admin_api_auth_login(struct admin_call *call)
{
	static const char *const keys[] = { "login", "password", NULL };
	const char *values[2], *error;
	struct admin_identity who;
	int ret;

	if (!admin_api_auth_strings(call, keys, values))
		return;
	ret = admin_auth_banned(call->db, call->client_ip, &error);
	if (ret > 0) {
		admin_call_error(call, 403, "banned", NULL,
				 "too many failed logins from this address; try again later");
		return;
	}
	if (ret == 0)
		ret = admin_auth_password(call->db, values[0], values[1], &who, &error);
	if (ret < 0) {
		admin_call_db_error(call, error, NULL);
	} else if (ret == 0) {
		admin_api_auth_failed(call, values[0]);
	} else {
		log_info("admin", NULL, "event=login ip=%s login=\"%s\"", call->client_ip, who.login);
		admin_api_issue_answer(call, &who);
		admin_identity_free(&who);
	}
}

static void admin_api_auth_refresh(struct admin_call *call)
{
	static const char *const keys[] = { "refresh_token", NULL };
	const char *token, *error;
	struct admin_token_pair pair;
	struct admin_identity who;
	int ret;

	if (!admin_api_auth_strings(call, keys, &token))
		return;
	ret = admin_auth_refresh(call->db, token, call->priv->access_ttl, call->priv->refresh_ttl,
				 &pair, &who, &error);
	if (ret < 0) {
		admin_call_db_error(call, error, NULL);
	} else if (ret == 0) {
		admin_call_error(call, 401, "invalid_token", "refresh_token",
				 "the refresh token is invalid, expired or already used");
	} else {
		admin_api_pair_answer(call, &who, &pair);
		admin_identity_free(&who);
	}
}

static void admin_api_auth_logout(struct admin_call *call)
{
	const char *error;

	if (admin_auth_logout(call->db, call->priv->bearer, &error) < 0)
		admin_call_db_error(call, error, NULL);
}

static void admin_api_setup_get(struct admin_call *call)
{
	const char *token = admin_call_query(call, "token"), *error;
	int ret = token == NULL ? 0 : admin_setup_check(call->db, token, &error);

	if (ret < 0)
		admin_call_db_error(call, error, NULL);
	else if (ret == 0)
		admin_call_error(call, 404, "not_found", "token",
				 "the setup link is invalid, expired or already used");
	else
		call->result = json_pack("{s:b}", "valid", 1);
}

static void admin_api_setup_post(struct admin_call *call)
{
	static const char *const keys[] = { "token", "login", "password", NULL };
	const char *values[3], *error;
	struct admin_identity who;
	int ret;

	if (!admin_api_auth_strings(call, keys, values))
		return;
	ret = admin_setup_use(call->db, values[0], values[1], values[2], &who, &error);
	if (ret < 0) {
		admin_call_db_error(call, error, "login");
	} else if (ret == 0) {
		admin_call_error(call, 404, "not_found", "token",
				 "the setup link is invalid, expired or already used");
	} else {
		log_info("admin", NULL, "event=setup ip=%s login=\"%s\"", call->client_ip, who.login);
		admin_api_issue_answer(call, &who);
		admin_identity_free(&who);
	}
}

static void admin_api_me(struct admin_call *call)
{
	call->result = admin_api_admin_json(call->who->login, call->who->superadmin,
					    call->who->domains, call->who->domain_count);
}

ADMIN_ROUTES(admin_api_auth_routes,
	{ "POST", "/auth", ADMIN_ROLE_PUBLIC, admin_api_auth_login },
	{ "POST", "/auth/refresh", ADMIN_ROLE_PUBLIC, admin_api_auth_refresh },
	{ "POST", "/auth/logout", ADMIN_ROLE_DOMAIN, admin_api_auth_logout },
	{ "GET", "/setup", ADMIN_ROLE_PUBLIC, admin_api_setup_get },
	{ "POST", "/setup", ADMIN_ROLE_PUBLIC, admin_api_setup_post },
	{ "GET", "/me", ADMIN_ROLE_DOMAIN, admin_api_me },
)
