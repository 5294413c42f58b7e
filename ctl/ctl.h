/*
 * ctl.h — what petrelctl's command handlers share: the parsed command line,
 * the database connection and the handler signature.
 *
 * petrelctl.c parses the line, finds the command in its table and calls the
 * handler; one file per noun (ctl-db.c, ctl-domain.c, ...) holds the
 * handlers, which call the admin-*.h operations and print with
 * ctl-output.h. A handler returns the exit status and, on failure, leaves
 * one sentence in ctx->error.
 */
#ifndef CTL_H
#define CTL_H

#include "admin-db.h"

#include <stdbool.h>

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,    /* the operation failed */
	CTL_EXIT_USAGE = 2,    /* the command line is wrong */
};

enum ctl_option_id {
	CTL_OPT_CONFIG,
	CTL_OPT_JSON,
	CTL_OPT_HELP,
	CTL_OPT_FORCE,
	CTL_OPT_PASSWORD_STDIN,
	CTL_OPT_QUOTA,
	CTL_OPT_NAME,
	CTL_OPT_MASTER,
	CTL_OPT_DOMAIN,
	CTL_OPT_ACCOUNT,
	CTL_OPT_STATE,
	CTL_OPT_ALL,
	CTL_OPT_SELECTOR,
	CTL_OPT_ALGORITHM,
	CTL_OPT_OLDER,
	CTL_OPT_COMMENT,
	CTL_OPT_ROLE,
	CTL_OPT_URL,
	CTL_OPT_COUNT
};

#define CTL_OPT(id) (1u << (id))

struct ctl_context {
	struct admin_db *db;
	bool json;
	bool given[CTL_OPT_COUNT];
	const char *value[CTL_OPT_COUNT];   /* for options taking a value */
	char **args;                        /* the arguments after NOUN VERB */
	int arg_count;
	const char *error;
};

typedef enum ctl_exit ctl_handler(struct ctl_context *ctx);

struct ctl_table;

/* End a handler after an admin operation that returned ret: on success
   print the confirmation, and return the exit status. */
enum ctl_exit ctl_done(struct ctl_context *ctx, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* End a listing handler: print the table the operation filled (an object
   instead of an array when single) unless it failed (ret < 0), free it,
   and return the exit status. */
enum ctl_exit ctl_table_done(struct ctl_context *ctx, struct ctl_table **table, int ret,
			     bool single);

/* --password-stdin: the first line of stdin without its line end (""
   when there is none); free it with ctl_password_free() (ctl-account.c). */
char *ctl_password_read(void);
void ctl_password_free(char *password);

ctl_handler ctl_db_migrate, ctl_db_status;
ctl_handler ctl_admin_add, ctl_admin_del, ctl_admin_list, ctl_admin_passwd, ctl_admin_setup_link;
ctl_handler ctl_domain_add, ctl_domain_del, ctl_domain_list;
ctl_handler ctl_account_add, ctl_account_del, ctl_account_list, ctl_account_passwd,
	ctl_account_quota, ctl_account_block, ctl_account_unblock;
ctl_handler ctl_alias_add, ctl_alias_del, ctl_alias_list;
ctl_handler ctl_settings_get, ctl_settings_set, ctl_settings_unset, ctl_settings_list;
ctl_handler ctl_nodes_list;
ctl_handler ctl_queue_list, ctl_queue_show, ctl_queue_retry, ctl_queue_delete, ctl_queue_flush;
ctl_handler ctl_dkim_generate, ctl_dkim_show, ctl_dkim_list, ctl_dkim_del;
ctl_handler ctl_rule_add, ctl_rule_del, ctl_rule_list, ctl_rule_show, ctl_delivery_rule_add,
	ctl_delivery_rule_del, ctl_delivery_rule_list;
ctl_handler ctl_greylist_list, ctl_greylist_flush, ctl_ban_list, ctl_ban_del;
ctl_handler ctl_whitelist_add, ctl_whitelist_del, ctl_whitelist_list, ctl_blacklist_add,
	ctl_blacklist_del, ctl_blacklist_list;

#endif
