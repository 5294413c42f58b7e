/*
 * admin-account.h — mail accounts: creation, deletion, password, quota,
 * blocking, and a listing with mailbox usage.
 *
 * Addresses are lower-cased and validated; the domain must exist. Passwords
 * are hashed here with password_hash() ({CRYPT}$y$ yescrypt).
 */
#ifndef ADMIN_ACCOUNT_H
#define ADMIN_ACCOUNT_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>
#include <stddef.h>

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
	const char *const *aliases;  /* addresses of the aliases that target it */
	size_t alias_count;
};

/* A page of accounts: filters, order and window, all applied in SQL. */
struct admin_account_query {
	const char *domain;          /* NULL = every domain */
	/* NULL = no restriction; else only these domains (a domain admin's) */
	const char *const *domains;
	unsigned int domain_count;
	struct admin_paging paging;  /* search: the address or display name;
				   sorts: address (default), display_name,
				   used_bytes, created_at, quota_bytes */
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
int admin_account_set_display_name(struct admin_db *db, const char *address,
				   const char *display_name, const char **error_r);
int admin_account_set_master(struct admin_db *db, const char *address, bool is_master,
			     const char **error_r);
/* Accounts of one domain (NULL = all), by domain then local part; pointers
   are valid during the callback only. */
int admin_account_list(struct admin_db *db, const char *domain, admin_account_cb *cb,
		       void *context, const char **error_r);
/* One page of accounts; *total_r counts every match of the filters.
   "unknown sort field F", "no such domain D". */
int admin_account_page(struct admin_db *db, const struct admin_account_query *query,
		       admin_account_cb *cb, void *context, long long *total_r,
		       const char **error_r);
/* One account ("no such account A"). */
int admin_account_get(struct admin_db *db, const char *address, admin_account_cb *cb,
		      void *context, const char **error_r);

#endif
