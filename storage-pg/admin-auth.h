/*
 * admin-auth.h — the web admin's administrators and their tokens
 * (schema/014_admin.sql), shared by petrelctl's `admin` verbs and the API
 * threads of node/admin-api*.c.
 *
 * Tokens are 32 random bytes in base64url (43 characters); only their
 * SHA-256 is stored, and checking one is a single primary-key lookup. An
 * access token and its refresh token share a pair id: refreshing or
 * logging out revokes the pair.
 */
#ifndef ADMIN_AUTH_H
#define ADMIN_AUTH_H

#include "admin-db.h"

#include <stdbool.h>
#include <stdint.h>

#define ADMIN_TOKEN_SIZE 44   /* 43 base64url characters and a NUL */

/* An administrator as loaded; every string is owned (admin_identity_free). */
struct admin_identity {
	int64_t id;
	char *login;
	bool superadmin;
	char **domains;           /* lower case, sorted */
	unsigned int domain_count;
	char *created_at;         /* ISO 8601 UTC */
};

void admin_identity_free(struct admin_identity *who);

struct admin_token_pair {
	char access[ADMIN_TOKEN_SIZE];
	char refresh[ADMIN_TOKEN_SIZE];
};

/* ---- administrators ---- */

/* Add an administrator; a domain admin needs at least one domain, each of
   which must exist ("admin LOGIN already exists" is a conflict). */
int admin_admin_add(struct admin_db *db, const char *login, const char *password,
		    bool superadmin, const char *const *domains, unsigned int domain_count,
		    const char **error_r);
/* Delete one (its tokens go along); the last superadmin cannot go. */
int admin_admin_del(struct admin_db *db, const char *login, const char **error_r);
int admin_admin_passwd(struct admin_db *db, const char *login, const char *password,
		       const char **error_r);
/* Change the role (superadmin NULL: keep) and/or the domains (domains
   NULL: keep). Refuses to demote the last superadmin. */
int admin_admin_update(struct admin_db *db, const char *login, const bool *superadmin,
		       const char *const *domains, unsigned int domain_count,
		       const char **error_r);
/* One administrator by login; "no such admin LOGIN" (not found). */
int admin_admin_get(struct admin_db *db, const char *login, struct admin_identity *who_r,
		    const char **error_r);

typedef void admin_admin_cb(const struct admin_identity *who, void *context);
/* A page of administrators by login (limit 0: all), those whose login
   contains search when not NULL; *total_r counts every match. */
int admin_admin_list(struct admin_db *db, const char *search, bool descending,
		     unsigned long long offset, unsigned int limit, admin_admin_cb *cb,
		     void *context, long long *total_r, const char **error_r);

/* ---- logins and tokens ---- */

/* Check a login's password. Returns 1 with *who_r filled, 0 when the
   login is unknown or the password wrong, -1 on error. */
int admin_auth_password(struct admin_db *db, const char *login, const char *password,
			struct admin_identity *who_r, const char **error_r);

/* The shared ban machinery (petrel_auth_failure, protocol "admin"). */
struct admin_auth_failure {
	const char *node_id;
	const char *client_ip;
	const char *login;
	const char *reason;
	long long ban_failures, ban_window, ban_duration;
};
/* Record a failed login; returns 1 when it banned the address, 0, -1. */
int admin_auth_failure(struct admin_db *db, const struct admin_auth_failure *failure,
		       const char **error_r);
/* Whether ip is banned now: 1, 0, or -1. */
int admin_auth_banned(struct admin_db *db, const char *ip, const char **error_r);

/* Issue a new access/refresh pair for an administrator (expired tokens of
   everyone are cleaned on the way). */
int admin_auth_issue(struct admin_db *db, int64_t admin_id, long long access_ttl,
		     long long refresh_ttl, struct admin_token_pair *pair_r, const char **error_r);
/* The administrator of a valid access token: 1, 0 (unknown or expired), -1. */
int admin_auth_verify(struct admin_db *db, const char *access_token,
		      struct admin_identity *who_r, const char **error_r);
/* Trade a refresh token for a new pair, revoking the old pair: 1, 0, -1. */
int admin_auth_refresh(struct admin_db *db, const char *refresh_token, long long access_ttl,
		       long long refresh_ttl, struct admin_token_pair *pair_r,
		       struct admin_identity *who_r, const char **error_r);
/* Revoke an access token and the refresh token of its pair. */
int admin_auth_logout(struct admin_db *db, const char *access_token, const char **error_r);

/* ---- the first superadmin ---- */

/* A one-time setup token valid ttl seconds; refused (conflict) once a
   superadmin exists. */
int admin_setup_new(struct admin_db *db, long long ttl, char token_r[ADMIN_TOKEN_SIZE],
		    const char **error_r);
/* Whether token is a valid setup token: 1, 0, -1. */
int admin_setup_check(struct admin_db *db, const char *token, const char **error_r);
/* Consume the token and create the first superadmin: 1 with *who_r, 0
   when the token is not valid (or a superadmin appeared meanwhile), -1. */
int admin_setup_use(struct admin_db *db, const char *token, const char *login,
		    const char *password, struct admin_identity *who_r, const char **error_r);

#endif
