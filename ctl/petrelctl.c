/*
 * petrelctl.c — the operator CLI: command-line parsing, the command table
 * and dispatch.
 *
 *   petrelctl --config FILE [--json] NOUN VERB [ARGS...]
 *
 * Options may appear anywhere on the line. The config is the node's
 * bootstrap file, read for its [database] conninfo. Exit status: 0 done,
 * 1 the operation failed, 2 the command line is wrong; a failure prints
 * exactly one line "petrelctl: ..." on stderr.
 */
#include "ctl.h"

#include "config.h"
#include "ctl-output.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_DEFAULT_CONFIG "/etc/petrel/petrel.conf"

struct ctl_option_def {
	const char *name;
	bool has_value;
};

static const struct ctl_option_def ctl_option_defs[CTL_OPT_COUNT] = {
	[CTL_OPT_CONFIG] = { "config", true },
	[CTL_OPT_JSON] = { "json", false },
	[CTL_OPT_HELP] = { "help", false },
	[CTL_OPT_FORCE] = { "force", false },
	[CTL_OPT_PASSWORD_STDIN] = { "password-stdin", false },
	[CTL_OPT_QUOTA] = { "quota", true },
	[CTL_OPT_NAME] = { "name", true },
	[CTL_OPT_MASTER] = { "master", false },
	[CTL_OPT_DOMAIN] = { "domain", true },
	[CTL_OPT_ACCOUNT] = { "account", true },
	[CTL_OPT_STATE] = { "state", true },
	[CTL_OPT_ALL] = { "all", false },
	[CTL_OPT_SELECTOR] = { "selector", true },
	[CTL_OPT_ALGORITHM] = { "algorithm", true },
	[CTL_OPT_OLDER] = { "older", true },
	[CTL_OPT_COMMENT] = { "comment", true },
	[CTL_OPT_ROLE] = { "role", true },
	[CTL_OPT_URL] = { "url", true },
};

#define CTL_GLOBAL_OPTIONS (CTL_OPT(CTL_OPT_CONFIG) | CTL_OPT(CTL_OPT_JSON) | CTL_OPT(CTL_OPT_HELP))
#define CTL_SCOPE_OPTIONS (CTL_OPT(CTL_OPT_DOMAIN) | CTL_OPT(CTL_OPT_ACCOUNT))
#define CTL_ARGS_ANY -1

struct ctl_command {
	const char *noun, *verb, *synopsis;
	int min_args, max_args;
	unsigned int options, required;
	ctl_handler *handler;
};

static const struct ctl_command ctl_commands[] = {
	{ "db", "migrate", "", 0, 0, 0, 0, ctl_db_migrate },
	{ "db", "status", "", 0, 0, 0, 0, ctl_db_status },
	{ "admin", "add", "LOGIN [--role superadmin|domain] [--domain D[,D...]] --password-stdin",
	  1, 1, CTL_OPT(CTL_OPT_ROLE) | CTL_OPT(CTL_OPT_DOMAIN) | CTL_OPT(CTL_OPT_PASSWORD_STDIN),
	  CTL_OPT(CTL_OPT_PASSWORD_STDIN), ctl_admin_add },
	{ "admin", "del", "LOGIN", 1, 1, 0, 0, ctl_admin_del },
	{ "admin", "list", "", 0, 0, 0, 0, ctl_admin_list },
	{ "admin", "passwd", "LOGIN --password-stdin", 1, 1, CTL_OPT(CTL_OPT_PASSWORD_STDIN),
	  CTL_OPT(CTL_OPT_PASSWORD_STDIN), ctl_admin_passwd },
	{ "admin", "setup-link", "[--url BASE]", 0, 0, CTL_OPT(CTL_OPT_URL), 0,
	  ctl_admin_setup_link },
	{ "domain", "add", "NAME", 1, 1, 0, 0, ctl_domain_add },
	{ "domain", "del", "NAME [--force]", 1, 1, CTL_OPT(CTL_OPT_FORCE), 0, ctl_domain_del },
	{ "domain", "list", "", 0, 0, 0, 0, ctl_domain_list },
	{ "account", "add",
	  "ADDRESS --password-stdin [--quota SIZE] [--name \"Display Name\"] [--master]", 1, 1,
	  CTL_OPT(CTL_OPT_PASSWORD_STDIN) | CTL_OPT(CTL_OPT_QUOTA) | CTL_OPT(CTL_OPT_NAME) |
	  CTL_OPT(CTL_OPT_MASTER), CTL_OPT(CTL_OPT_PASSWORD_STDIN), ctl_account_add },
	{ "account", "del", "ADDRESS", 1, 1, 0, 0, ctl_account_del },
	{ "account", "list", "[DOMAIN]", 0, 1, 0, 0, ctl_account_list },
	{ "account", "passwd", "ADDRESS --password-stdin", 1, 1,
	  CTL_OPT(CTL_OPT_PASSWORD_STDIN), CTL_OPT(CTL_OPT_PASSWORD_STDIN), ctl_account_passwd },
	{ "account", "quota", "ADDRESS SIZE", 2, 2, 0, 0, ctl_account_quota },
	{ "account", "block", "ADDRESS", 1, 1, 0, 0, ctl_account_block },
	{ "account", "unblock", "ADDRESS", 1, 1, 0, 0, ctl_account_unblock },
	{ "alias", "add", "ADDRESS TARGET [TARGET...]", 2, CTL_ARGS_ANY, 0, 0, ctl_alias_add },
	{ "alias", "del", "ADDRESS [TARGET]", 1, 2, 0, 0, ctl_alias_del },
	{ "alias", "list", "[DOMAIN]", 0, 1, 0, 0, ctl_alias_list },
	{ "settings", "get", "NAME [--domain D | --account A]", 1, 1,
	  CTL_SCOPE_OPTIONS, 0, ctl_settings_get },
	{ "settings", "set", "NAME VALUE [--domain D | --account A]", 2, 2,
	  CTL_SCOPE_OPTIONS, 0, ctl_settings_set },
	{ "settings", "unset", "NAME [--domain D | --account A]", 1, 1,
	  CTL_SCOPE_OPTIONS, 0, ctl_settings_unset },
	{ "settings", "list", "[--domain D | --account A]", 0, 0,
	  CTL_SCOPE_OPTIONS, 0, ctl_settings_list },
	{ "nodes", "list", "", 0, 0, 0, 0, ctl_nodes_list },
	{ "queue", "list", "[--domain D] [--state S]", 0, 0,
	  CTL_OPT(CTL_OPT_DOMAIN) | CTL_OPT(CTL_OPT_STATE), 0, ctl_queue_list },
	{ "queue", "show", "QUEUE_ID", 1, 1, 0, 0, ctl_queue_show },
	{ "queue", "retry", "QUEUE_ID|--all", 0, 1, CTL_OPT(CTL_OPT_ALL), 0, ctl_queue_retry },
	{ "queue", "delete", "QUEUE_ID|--all", 0, 1, CTL_OPT(CTL_OPT_ALL), 0, ctl_queue_delete },
	{ "queue", "flush", "", 0, 0, 0, 0, ctl_queue_flush },
	{ "dkim", "generate", "DOMAIN [--selector S] [--algorithm rsa|ed25519]", 1, 1,
	  CTL_OPT(CTL_OPT_SELECTOR) | CTL_OPT(CTL_OPT_ALGORITHM), 0, ctl_dkim_generate },
	{ "dkim", "show", "DOMAIN", 1, 1, 0, 0, ctl_dkim_show },
	{ "dkim", "list", "[DOMAIN]", 0, 1, 0, 0, ctl_dkim_list },
	{ "dkim", "del", "DOMAIN SELECTOR", 2, 2, 0, 0, ctl_dkim_del },
	{ "rule", "add", "NAME STAGE ACTION [ARG] [if ATTR OP VALUE [and ...]] [priority=N] "
	  "[comment=TEXT] [disabled]", 3, CTL_ARGS_ANY, 0, 0, ctl_rule_add },
	{ "rule", "del", "NAME|ID", 1, 1, 0, 0, ctl_rule_del },
	{ "rule", "list", "", 0, 0, 0, 0, ctl_rule_list },
	{ "rule", "show", "NAME|ID", 1, 1, 0, 0, ctl_rule_show },
	{ "delivery-rule", "add", "NAME ACTION [ARG] [if FIELD OP VALUE [and ...]] [priority=N] "
	  "[comment=TEXT] [disabled]", 2, CTL_ARGS_ANY, 0, 0, ctl_delivery_rule_add },
	{ "delivery-rule", "del", "NAME|ID", 1, 1, 0, 0, ctl_delivery_rule_del },
	{ "delivery-rule", "list", "", 0, 0, 0, 0, ctl_delivery_rule_list },
	{ "greylist", "list", "", 0, 0, 0, 0, ctl_greylist_list },
	{ "greylist", "flush", "[--older DURATION]", 0, 0, CTL_OPT(CTL_OPT_OLDER), 0,
	  ctl_greylist_flush },
	{ "ban", "list", "", 0, 0, 0, 0, ctl_ban_list },
	{ "ban", "del", "IP", 1, 1, 0, 0, ctl_ban_del },
	{ "whitelist", "add", "ITEM [--comment TEXT]", 1, 1, CTL_OPT(CTL_OPT_COMMENT), 0,
	  ctl_whitelist_add },
	{ "whitelist", "del", "ITEM", 1, 1, 0, 0, ctl_whitelist_del },
	{ "whitelist", "list", "", 0, 0, 0, 0, ctl_whitelist_list },
	{ "blacklist", "add", "ITEM [--comment TEXT]", 1, 1, CTL_OPT(CTL_OPT_COMMENT), 0,
	  ctl_blacklist_add },
	{ "blacklist", "del", "ITEM", 1, 1, 0, 0, ctl_blacklist_del },
	{ "blacklist", "list", "", 0, 0, 0, 0, ctl_blacklist_list },
};

#define CTL_COMMAND_COUNT (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

enum ctl_exit ctl_done(struct ctl_context *ctx, int ret, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (ret < 0)
		return CTL_EXIT_ERROR;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ctl_print_message(ctx->json, "%s", text);
	return CTL_EXIT_OK;
}

enum ctl_exit ctl_table_done(struct ctl_context *ctx, struct ctl_table **table, int ret,
			     bool single)
{
	if (ret >= 0)
		ctl_table_print(*table, ctx->json, single);
	ctl_table_free(table);
	return ret < 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

/* "noun verb synopsis", as the usage shows it. */
static const char *ctl_command_text(const struct ctl_command *c)
{
	static char text[256];

	snprintf(text, sizeof(text), "%s %s%s%s", c->noun, c->verb,
		 c->synopsis[0] != '\0' ? " " : "", c->synopsis);
	return text;
}

static void ctl_usage(void)
{
	printf("Usage: petrelctl [--config FILE] [--json] NOUN VERB [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < CTL_COMMAND_COUNT; i++)
		printf("  %s\n", ctl_command_text(&ctl_commands[i]));
	printf("\nOptions (anywhere on the line):\n"
	       "  --config FILE  the node's bootstrap file (default: $PETREL_CONFIG,\n"
	       "                 else " CTL_DEFAULT_CONFIG ")\n"
	       "  --json         print JSON instead of tables\n"
	       "  --help         print this help\n"
	       "\n"
	       "ADDRESS is localpart@domain; the alias address @domain is the domain's catch-all.\n"
	       "SIZE is bytes or a number with a K, M or G suffix (500M); a quota of 0 or\n"
	       "\"unlimited\" means no limit. --password-stdin reads the first line of stdin.\n"
	       "queue list shows the newest 1000 messages (the totals count all); --domain is\n"
	       "the destination domain, --state one of queued, deferred, delivering, sent,\n"
	       "failed, expired. queue delete removes only waiting (queued, deferred) recipients.\n"
	       "dkim generate makes an RSA-2048 (default) or Ed25519 key, selector\n"
	       "petrel-YYYYMM-ALGORITHM unless --selector, and prints the DNS TXT record.\n"
	       "rule STAGE: connect, helo, mail, rcpt, headers, complete; ACTION: accept,\n"
	       "reject [\"5NN X.Y.Z text\"], tempfail [\"4NN ...\"], weight N, add_header\n"
	       "\"Name: value\", tag_subject TAG, discard, redirect ADDRESS; ATTR: client_ip,\n"
	       "client_name, helo, sender, recipient, size, subject, header:NAME, received_ip.\n"
	       "delivery-rule ACTION: move FOLDER, copy FOLDER, mark_read, flag, keyword KW,\n"
	       "reject [REPLY]; FIELD: subject, from, to, body, date, size, spam_score.\n"
	       "OP: matches, not_matches (PCRE2, caseless), contains, not_contains,\n"
	       "starts_with, greater, less (numbers; size takes K/M/G).\n"
	       "A white/blacklist ITEM is an IP or CIDR network, an address, a sender domain\n"
	       "(@example.com or example.com; .example.com for its subdomains) or a /regex/.\n");
}

/* Print the failure as the one line on stderr, whatever it contains. */
static void ctl_print_error(const char *error)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", error);
	ctl_text_sanitize(line);
	fprintf(stderr, "petrelctl: %s\n", line);
}

static int ctl_option_find(const char *name, size_t len)
{
	for (int i = 0; i < CTL_OPT_COUNT; i++) {
		if (strlen(ctl_option_defs[i].name) == len &&
		    strncmp(ctl_option_defs[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

/* Take argv[*i] (an option) and its value; -1 with *error_r on misuse. */
static int ctl_parse_option(struct ctl_context *ctx, int argc, char **argv, int *i,
			    const char **error_r)
{
	static char error[256];
	const char *arg = argv[*i];
	const char *name = arg + 2, *eq = strchr(name, '=');
	int id = -1;

	if (strcmp(arg, "-h") == 0)
		id = CTL_OPT_HELP;
	else if (arg[1] == '-')
		id = ctl_option_find(name, eq != NULL ? (size_t)(eq - name) : strlen(name));
	if (id < 0)
		snprintf(error, sizeof(error), "unknown option %.100s (see petrelctl --help)", arg);
	else if (ctx->given[id])
		snprintf(error, sizeof(error), "option --%s given twice", ctl_option_defs[id].name);
	else if (!ctl_option_defs[id].has_value && eq != NULL)
		snprintf(error, sizeof(error), "option --%s takes no value", ctl_option_defs[id].name);
	else if (ctl_option_defs[id].has_value && eq == NULL && *i + 1 >= argc)
		snprintf(error, sizeof(error), "option --%s needs a value", ctl_option_defs[id].name);
	else {
		ctx->given[id] = true;
		if (ctl_option_defs[id].has_value)
			ctx->value[id] = eq != NULL ? eq + 1 : argv[++*i];
		return 0;
	}
	*error_r = error;
	return -1;
}

/* Split argv into options (into ctx) and the words left in order, in place. */
static int ctl_parse_line(struct ctl_context *ctx, int argc, char **argv, char ***words_r,
			  int *word_count_r, const char **error_r)
{
	char **words = argv + 1;
	int count = 0;
	bool options_done = false;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1] != '\0' &&
			   !(arg[1] >= '0' && arg[1] <= '9')) {
			/* an option; "-" alone and negative numbers are words */
			if (ctl_parse_option(ctx, argc, argv, &i, error_r) < 0)
				return -1;
		} else {
			words[count++] = argv[i];
		}
	}
	*words_r = words;
	*word_count_r = count;
	return 0;
}

static const struct ctl_command *ctl_command_find(char **words, int count, const char **error_r)
{
	static char error[256];

	if (count == 0) {
		*error_r = "missing command (see petrelctl --help)";
		return NULL;
	}
	for (size_t i = 0; i < CTL_COMMAND_COUNT; i++) {
		if (count >= 2 && strcmp(ctl_commands[i].noun, words[0]) == 0 &&
		    strcmp(ctl_commands[i].verb, words[1]) == 0)
			return &ctl_commands[i];
	}
	snprintf(error, sizeof(error), "unknown command '%.60s%s%.60s' (see petrelctl --help)",
		 words[0], count >= 2 ? " " : "", count >= 2 ? words[1] : "");
	*error_r = error;
	return NULL;
}

/* Argument count and options against the command's synopsis. */
static int ctl_command_check(const struct ctl_command *c, const struct ctl_context *ctx,
			     const char **error_r)
{
	static char error[512];
	unsigned int allowed = c->options | CTL_GLOBAL_OPTIONS;

	if (ctx->arg_count < c->min_args ||
	    (c->max_args != CTL_ARGS_ANY && ctx->arg_count > c->max_args)) {
		snprintf(error, sizeof(error), "usage: petrelctl %s", ctl_command_text(c));
		*error_r = error;
		return -1;
	}
	for (int id = 0; id < CTL_OPT_COUNT; id++) {
		if (ctx->given[id] && (allowed & CTL_OPT(id)) == 0)
			snprintf(error, sizeof(error), "option --%s does not apply to '%s %s'",
				 ctl_option_defs[id].name, c->noun, c->verb);
		else if (!ctx->given[id] && (c->required & CTL_OPT(id)) != 0)
			snprintf(error, sizeof(error), "'%s %s' needs --%s", c->noun, c->verb,
				 ctl_option_defs[id].name);
		else
			continue;
		*error_r = error;
		return -1;
	}
	return 0;
}

/* Connect as the bootstrap file says and run the command. */
static enum ctl_exit ctl_run(struct ctl_context *ctx, const struct ctl_command *c)
{
	const char *path = ctx->value[CTL_OPT_CONFIG];
	struct petrel_config *config;
	enum ctl_exit status = CTL_EXIT_ERROR;

	if (path == NULL)
		path = getenv("PETREL_CONFIG");
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_CONFIG;
	if (config_load(path, &config, &ctx->error) < 0) {
		ctl_print_error(ctx->error);
		return CTL_EXIT_ERROR;
	}
	if (admin_db_connect(config->db_conninfo, &ctx->db, &ctx->error) == 0) {
		status = c->handler(ctx);
		/* The error may live in the connection: print it before closing. */
		if (status != CTL_EXIT_OK)
			ctl_print_error(ctx->error);
		admin_db_close(&ctx->db);
	} else {
		ctl_print_error(ctx->error);
	}
	config_free(&config);
	return status;
}

int main(int argc, char **argv)
{
	struct ctl_context ctx = { .error = NULL };
	const struct ctl_command *c;
	char **words;
	int count;

	log_set_role("petrelctl");
	if (ctl_parse_line(&ctx, argc, argv, &words, &count, &ctx.error) < 0) {
		ctl_print_error(ctx.error);
		return CTL_EXIT_USAGE;
	}
	if (ctx.given[CTL_OPT_HELP]) {
		ctl_usage();
		return CTL_EXIT_OK;
	}
	if ((c = ctl_command_find(words, count, &ctx.error)) == NULL) {
		ctl_print_error(ctx.error);
		return CTL_EXIT_USAGE;
	}
	ctx.json = ctx.given[CTL_OPT_JSON];
	ctx.args = words + 2;
	ctx.arg_count = count - 2;
	if (ctl_command_check(c, &ctx, &ctx.error) < 0) {
		ctl_print_error(ctx.error);
		return CTL_EXIT_USAGE;
	}
	return ctl_run(&ctx, c);
}
