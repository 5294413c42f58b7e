/*
 * pop3-parser.c — POP3 command lines (see pop3-parser.h). A table gives
 * each verb its argument counts and which arguments are numbers; the
 * parser splits the line once and checks it against its row.
 */
#include "pop3-parser.h"

#include "utf8.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define POP3_ARG_MSGNUM 0x01   /* argv[0] is a message number */
#define POP3_ARG_LINES  0x02   /* argv[1] is a line count */
#define POP3_REST_ARG   0x04   /* the rest of the line is one argument */
#define POP3_LONG_LINE  0x08   /* long_line_max applies */

struct pop3_verb_def {
	const char *name;
	enum pop3_verb verb;
	unsigned int min_args, max_args;
	unsigned int flags;
};

static const struct pop3_verb_def pop3_verbs[] = {
	{ "USER", POP3_VERB_USER, 1, 1, 0 },
	{ "PASS", POP3_VERB_PASS, 1, 1, POP3_REST_ARG | POP3_LONG_LINE },
	{ "STAT", POP3_VERB_STAT, 0, 0, 0 },
	{ "LIST", POP3_VERB_LIST, 0, 1, POP3_ARG_MSGNUM },
	{ "UIDL", POP3_VERB_UIDL, 0, 1, POP3_ARG_MSGNUM },
	{ "RETR", POP3_VERB_RETR, 1, 1, POP3_ARG_MSGNUM },
	{ "TOP", POP3_VERB_TOP, 2, 2, POP3_ARG_MSGNUM | POP3_ARG_LINES },
	{ "DELE", POP3_VERB_DELE, 1, 1, POP3_ARG_MSGNUM },
	{ "RSET", POP3_VERB_RSET, 0, 0, 0 },
	{ "NOOP", POP3_VERB_NOOP, 0, 0, 0 },
	{ "QUIT", POP3_VERB_QUIT, 0, 0, 0 },
	{ "CAPA", POP3_VERB_CAPA, 0, 0, 0 },
	{ "STLS", POP3_VERB_STLS, 0, 0, 0 },
	{ "AUTH", POP3_VERB_AUTH, 0, 2, POP3_LONG_LINE },
	{ "UTF8", POP3_VERB_UTF8, 0, 0, 0 },
};

static const struct pop3_verb_def *pop3_verb_lookup(const char *keyword, size_t len)
{
	for (size_t i = 0; i < sizeof(pop3_verbs) / sizeof(pop3_verbs[0]); i++) {
		if (strlen(pop3_verbs[i].name) == len &&
		    strncasecmp(pop3_verbs[i].name, keyword, len) == 0)
			return &pop3_verbs[i];
	}
	return NULL;
}

const char *pop3_verb_name(enum pop3_verb verb)
{
	for (size_t i = 0; i < sizeof(pop3_verbs) / sizeof(pop3_verbs[0]); i++) {
		if (pop3_verbs[i].verb == verb)
			return pop3_verbs[i].name;
	}
	return "UNKNOWN";
}

/* A decimal number: digits only, at least one. Values above clamp are
   clamped to it. Returns false when str is not a number. */
static bool pop3_parse_number(const char *str, uint64_t clamp, uint64_t *value_r)
{
	uint64_t value = 0;

	if (*str == '\0')
		return false;
	for (; *str != '\0'; str++) {
		if (*str < '0' || *str > '9')
			return false;
		value = value * 10 + (uint64_t)(*str - '0');
		if (value > clamp)
			value = clamp;
	}
	*value_r = value;
	return true;
}

static bool pop3_line_chars_valid(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return utf8_is_valid((const unsigned char *)line, len);
}

/* Split args (after the keyword and its separator) into cmd->argv. */
static int pop3_split_args(char *args, const struct pop3_verb_def *def,
			   struct pop3_command *cmd, const char **error_r)
{
	char *p = args;

	if ((def->flags & POP3_REST_ARG) != 0) {
		if (*p != '\0')
			cmd->argv[cmd->argc++] = p;
		return 0;
	}
	for (;;) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			return 0;
		if (cmd->argc == def->max_args) {
			*error_r = "Too many arguments";
			return -1;
		}
		cmd->argv[cmd->argc++] = p;
		while (*p != ' ' && *p != '\0')
			p++;
	}
}

static int pop3_check_numbers(const struct pop3_verb_def *def, struct pop3_command *cmd,
			      const char **error_r)
{
	uint64_t value;

	if ((def->flags & POP3_ARG_MSGNUM) != 0 && cmd->argc >= 1) {
		if (!pop3_parse_number(cmd->argv[0], (uint64_t)POP3_MSGNUM_MAX + 1, &value) ||
		    value == 0 || value > POP3_MSGNUM_MAX) {
			*error_r = "Invalid message number";
			return -1;
		}
		cmd->msgnum = (uint32_t)value;
	}
	if ((def->flags & POP3_ARG_LINES) != 0 && cmd->argc >= 2) {
		if (!pop3_parse_number(cmd->argv[1], UINT32_MAX, &value)) {
			*error_r = "Invalid line count";
			return -1;
		}
		cmd->top_lines = (uint32_t)value;
	}
	return 0;
}

int pop3_command_parse(char *line, size_t len, size_t long_line_max,
		       struct pop3_command *cmd_r, const char **error_r)
{
	const struct pop3_verb_def *def;
	size_t keyword_len;
	char *args;

	memset(cmd_r, 0, sizeof(*cmd_r));
	line[len] = '\0';
	if (long_line_max == 0)
		long_line_max = POP3_LONG_LINE_MAX;
	keyword_len = strcspn(line, " ");
	def = pop3_verb_lookup(line, keyword_len);
	if (def != NULL)
		cmd_r->verb = def->verb;
	if (len > ((def != NULL && (def->flags & POP3_LONG_LINE) != 0) ?
		   long_line_max : POP3_LINE_MAX)) {
		*error_r = "Command line too long";
		return -1;
	}
	if (!pop3_line_chars_valid(line, len)) {
		*error_r = "Invalid characters in command";
		return -1;
	}
	if (def == NULL) {
		*error_r = "Unknown command";
		return -1;
	}
	args = line + keyword_len;
	if (*args == ' ')
		*args++ = '\0';
	if (pop3_split_args(args, def, cmd_r, error_r) < 0)
		return -1;
	if (cmd_r->argc < def->min_args) {
		*error_r = "Missing argument";
		return -1;
	}
	return pop3_check_numbers(def, cmd_r, error_r);
}
