/*
 * admin-account.h — mail accounts: creation, deletion, password, quota,
 * blocking, and a listing with mailbox usage.
 *
 * Addresses are lower-cased and validated; the domain must exist. Passwords
 * are hashed here with password_hash() ({CRYPT}$y$ yescrypt).
 */
#ifndef ADMIN_ACCOUNT_H
#define ADMIN_ACCOUNT_H

#include "admin-db.h"

#include <stdbool.h>

struct admin_account_new {
	const char *address;
	const char *password;        /* plain text; hashed before it is stored */
	const char *display_name;    /* NULL or "" for none */
	long long quota_bytes;       /* 0 = unlimited */
	bool is_master;              /* may log in as any user (Dovecot master user) */
};

struct admin_account {
	const char *address;
	const char *display_name;
	const char *status;          /* "active" or "blocked" */
	long long quota_bytes;       /* 0 = unlimited */
	long long used_bytes;        /* sum of its mailboxes' counters */
	long long messages;
	bool is_master;
	const char *created_at;      /* ISO 8601 UTC */
};

typedef void admin_account_cb(const struct admin_account *account, void *context);

/* "account ADDRESS already exists", "no such domain D", validation errors. */
int admin_account_add(struct admin_db *db, const struct admin_account_new *account,
		      const char **error_r);
/* Delete the account with its mailboxes, messages and settings. */
int admin_account_del(struct admin_db *db, const char *address, const char **error_r);
int admin_account_set_password(struct admin_db *db, const char *address,
			       const char *password, const char **error_r);
int admin_account_set_quota(struct admin_db *db, const char *address, long long quota_bytes,
			    const char **error_r);
int admin_account_set_blocked(struct admin_db *db, const char *address, bool blocked,
			      const char **error_r);
/* Accounts of one domain (NULL = all), by domain then local part; pointers
   are valid during the callback only. */
int admin_account_list(struct admin_db *db, const char *domain, admin_account_cb *cb,
		       void *context, const char **error_r);

#endif
