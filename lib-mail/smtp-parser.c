/*
 * smtp-parser.c — SMTP/LMTP command lines (see smtp-parser.h): the byte
 * checks that come first, verb recognition, the MAIL FROM / RCPT TO path
 * with its ESMTP parameters (RFC 5321 4.1.2), and BDAT chunk sizes
 * (RFC 3030). Address validation proper lives in smtp-address.c.
 */
#include "smtp-parser.h"

#include "utf8.h"

#include <string.h>
#include <strings.h>

#define SMTP_ERR_INVALID_CHARS "500 5.5.2 Invalid characters in command"
#define SMTP_ERR_PARAMS "501 5.5.4 Syntax error in parameters"
#define SMTP_ERR_TOO_MANY_PARAMS "501 5.5.4 Too many parameters"

enum smtp_arg_rule {
	SMTP_ARG_ANY,
	SMTP_ARG_NONE,
	SMTP_ARG_REQUIRED,
};

struct smtp_verb_def {
	const char *name;
	enum smtp_verb verb;
	enum smtp_arg_rule arg;
	const char *syntax;   /* reply when the argument rule is broken */
};

static const struct smtp_verb_def smtp_verbs[] = {
	{ "HELO", SMTP_VERB_HELO, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: HELO hostname" },
	{ "EHLO", SMTP_VERB_EHLO, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: EHLO hostname" },
	{ "LHLO", SMTP_VERB_LHLO, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: LHLO hostname" },
	{ "MAIL", SMTP_VERB_MAIL, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: MAIL FROM:<address>" },
	{ "RCPT", SMTP_VERB_RCPT, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: RCPT TO:<address>" },
	{ "DATA", SMTP_VERB_DATA, SMTP_ARG_NONE, "501 5.5.4 Syntax: DATA" },
	{ "BDAT", SMTP_VERB_BDAT, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: BDAT chunk-size [LAST]" },
	{ "RSET", SMTP_VERB_RSET, SMTP_ARG_NONE, "501 5.5.4 Syntax: RSET" },
	{ "NOOP", SMTP_VERB_NOOP, SMTP_ARG_ANY, NULL },
	{ "VRFY", SMTP_VERB_VRFY, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: VRFY address" },
	{ "EXPN", SMTP_VERB_EXPN, SMTP_ARG_REQUIRED, "501 5.5.4 Syntax: EXPN mailing-list" },
	{ "HELP", SMTP_VERB_HELP, SMTP_ARG_ANY, NULL },
	{ "QUIT", SMTP_VERB_QUIT, SMTP_ARG_NONE, "501 5.5.4 Syntax: QUIT" },
	{ "STARTTLS", SMTP_VERB_STARTTLS, SMTP_ARG_NONE, "501 5.5.4 Syntax: STARTTLS" },
	{ "AUTH", SMTP_VERB_AUTH, SMTP_ARG_REQUIRED,
	  "501 5.5.4 Syntax: AUTH mechanism [initial-response]" },
};

static inline bool smtp_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool smtp_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Reject NUL and other controls (TAB is allowed as a separator) and
   anything that is not valid UTF-8. */
static bool smtp_line_chars_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F)
				return false;
			i++;
			continue;
		}
		n = utf8_char_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static const struct smtp_verb_def *smtp_verb_find(const char *name)
{
	for (size_t i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++) {
		if (strcasecmp(name, smtp_verbs[i].name) == 0)
			return &smtp_verbs[i];
	}
	return NULL;
}

/* The '>' that closes a path starting at p (just after '<'), skipping
   quoted strings with their backslash escapes; NULL when there is none. */
static char *smtp_path_find_end(char *p)
{
	bool quoted = false;

	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\') {
			if (p[1] == '\0')
				return NULL;
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && *p == '>') {
			return p;
		}
	}
	return NULL;
}

/* Skip an RFC 5321 source route "@a,@b:" at the start of path; NULL when it
   is malformed. The route is obsolete and ignored (RFC 5321 C). */
static char *smtp_path_skip_route(char *path)
{
	char *p = path;

	for (;;) {
		if (*p != '@')
			return NULL;
		p++;
		if (!smtp_is_alnum(*p) && *p != '[')
			return NULL;
		while (*p != '\0' && *p != ',' && *p != ':' && *p != '>' &&
		       !smtp_is_wsp(*p) && *p != '"')
			p++;
		if (*p == ':')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

/* esmtp-param = esmtp-keyword ["=" esmtp-value], separated by spaces;
   RFC 6531 lets the value carry UTF-8. */
static int smtp_params_parse(struct smtp_command *cmd, char *p, const char **error_r)
{
	struct smtp_param *param;

	for (;;) {
		while (smtp_is_wsp(*p))
			p++;
		if (*p == '\0')
			return 0;
		if (cmd->param_count == SMTP_MAX_PARAMS) {
			*error_r = SMTP_ERR_TOO_MANY_PARAMS;
			return -1;
		}
		if (!smtp_is_alnum(*p)) {
			*error_r = SMTP_ERR_PARAMS;
			return -1;
		}
		param = &cmd->params[cmd->param_count++];
		param->keyword = p;
		param->value = NULL;
		while (smtp_is_alnum(*p) || *p == '-') {
			if (*p >= 'a' && *p <= 'z')
				*p -= 'a' - 'A';
			p++;
		}
		if (*p == '=') {
			*p++ = '\0';
			param->value = p;
			while (*p != '\0' && !smtp_is_wsp(*p)) {
				if (*p == '=') {
					*error_r = SMTP_ERR_PARAMS;
					return -1;
				}
				p++;
			}
			if (p == param->value) {
				*error_r = SMTP_ERR_PARAMS;
				return -1;
			}
		}
		if (*p != '\0' && !smtp_is_wsp(*p)) {
			*error_r = SMTP_ERR_PARAMS;
			return -1;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* "FROM:<path> params" / "TO:<path> params"; one space after the colon is
   a common client quirk and accepted, the angle brackets are not optional. */
static int smtp_path_cmd_parse(struct smtp_command *cmd, const char *prefix,
			       const char *syntax, const char **error_r)
{
	size_t prefix_len = strlen(prefix);
	char *p = cmd->arg, *end, *path;

	if (strncasecmp(p, prefix, prefix_len) != 0) {
		*error_r = syntax;
		return -1;
	}
	p += prefix_len;
	while (*p == ' ')
		p++;
	if (*p != '<' || (end = smtp_path_find_end(p + 1)) == NULL ||
	    (end[1] != '\0' && !smtp_is_wsp(end[1]))) {
		*error_r = syntax;
		return -1;
	}
	*end = '\0';
	path = p + 1;
	if (*path == '@' && ((path = smtp_path_skip_route(path)) == NULL || *path == '\0')) {
		*error_r = syntax;
		return -1;
	}
	cmd->path = path;
	/* arg keeps "FROM:" / "TO:" */
	cmd->arg[prefix_len] = '\0';
	return smtp_params_parse(cmd, end + 1, error_r);
}

/* "BDAT" SP chunk-size [SP "LAST"], chunk-size = 1*DIGIT */
static int smtp_bdat_parse(struct smtp_command *cmd, const char *syntax, const char **error_r)
{
	const char *p = cmd->arg;
	uint64_t size = 0, digit;

	if (*p < '0' || *p > '9') {
		*error_r = syntax;
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		digit = (uint64_t)(*p - '0');
		if (size > (SMTP_BDAT_SIZE_MAX - digit) / 10) {
			*error_r = syntax;
			return -1;
		}
		size = size * 10 + digit;
	}
	if (smtp_is_wsp(*p)) {
		while (smtp_is_wsp(*p))
			p++;
		if (strcasecmp(p, "LAST") != 0) {
			*error_r = syntax;
			return -1;
		}
		cmd->bdat_last = true;
	} else if (*p != '\0') {
		*error_r = syntax;
		return -1;
	}
	cmd->bdat_size = size;
	return 0;
}

int smtp_command_parse(char *line, size_t len, struct smtp_command *cmd_r,
		       const char **error_r)
{
	const struct smtp_verb_def *def;
	size_t verb_end, arg_start, arg_end;

	memset(cmd_r, 0, sizeof(*cmd_r));
	if (!smtp_line_chars_valid((const unsigned char *)line, len)) {
		*error_r = SMTP_ERR_INVALID_CHARS;
		return -1;
	}
	line[len] = '\0';
	for (verb_end = 0; verb_end < len && !smtp_is_wsp(line[verb_end]); verb_end++)
		;
	for (arg_start = verb_end; arg_start < len && smtp_is_wsp(line[arg_start]); arg_start++)
		;
	for (arg_end = len; arg_end > arg_start && smtp_is_wsp(line[arg_end - 1]); arg_end--)
		;
	line[arg_end] = '\0';
	line[verb_end] = '\0';
	cmd_r->arg = line + arg_start;

	def = smtp_verb_find(line);
	if (def == NULL) {
		cmd_r->verb = SMTP_VERB_UNKNOWN;
		return 0;
	}
	cmd_r->verb = def->verb;
	if ((def->arg == SMTP_ARG_NONE && *cmd_r->arg != '\0') ||
	    (def->arg == SMTP_ARG_REQUIRED && *cmd_r->arg == '\0')) {
		*error_r = def->syntax;
		return -1;
	}
	switch (def->verb) {
	case SMTP_VERB_MAIL:
		return smtp_path_cmd_parse(cmd_r, "FROM:", def->syntax, error_r);
	case SMTP_VERB_RCPT:
		return smtp_path_cmd_parse(cmd_r, "TO:", def->syntax, error_r);
	case SMTP_VERB_BDAT:
		return smtp_bdat_parse(cmd_r, def->syntax, error_r);
	default:
		return 0;
	}
}

bool smtp_command_param(const struct smtp_command *cmd, const char *keyword,
			const char **value_r)
{
	for (unsigned int i = 0; i < cmd->param_count; i++) {
		if (strcasecmp(cmd->params[i].keyword, keyword) == 0) {
			*value_r = cmd->params[i].value;
			return true;
		}
	}
	*value_r = NULL;
	return false;
}
