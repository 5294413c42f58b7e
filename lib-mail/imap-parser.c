/*
 * imap-parser.c — incremental IMAP command parser (see imap-parser.h).
 *
 * A byte-at-a-time state machine (literal data is copied in blocks). The
 * tree is built in place: each open list is on a stack and only the list on
 * top grows, so pointers to the lists below it stay valid. After an error
 * the parser enters STATE_SKIP, which discards the rest of the bad command:
 * first any announced non-synchronizing literal bytes, then up to the end
 * of the line, treating a "{n+}" just before a line end as more bytes to
 * skip.
 */
#include "imap-parser.h"

#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum parser_state {
	STATE_TAG,
	STATE_NAME,
	STATE_ARG_START,     /* between arguments */
	STATE_AFTER_ARG,     /* after a string, literal or ')' */
	STATE_ATOM,
	STATE_QUOTED,
	STATE_QUOTED_ESCAPE,
	STATE_LITERAL_SIZE,  /* after '{' */
	STATE_LITERAL_CLOSE, /* after '+', expecting '}' */
	STATE_LITERAL_EOL,   /* after '}', expecting CRLF */
	STATE_LITERAL_LF,    /* after "}\r" */
	STATE_LITERAL_DATA,
	STATE_EOL_LF,        /* after the final CR */
	STATE_DONE,
	STATE_SKIP,
};

/* Internal return codes besides 1 / -1 / -2. */
#define RET_CONTINUE 0
#define RET_STOP 3          /* a literal was announced: return 0 to the caller */

#define LITERAL_DIGITS_MAX 20

struct imap_parser {
	struct imap_parser_limits limits;
	imap_parser_name_callback_t *name_callback;
	void *name_context;

	enum parser_state state;
	struct imap_command command;
	struct strbuf tag, name, token;
	struct imap_arg root;          /* LIST of the arguments */
	struct imap_arg **stack;       /* open lists; stack[0] = &root */
	unsigned int depth, stack_alloc;
	size_t line_len;
	unsigned int arg_count;
	uint64_t literal_limit;

	/* current atom */
	unsigned int bracket_depth;
	bool bracket_quoted, bracket_escape;
	/* current literal */
	uint64_t literal_size, literal_left;
	bool literal_sync, literal8, literal_pending;
	unsigned int literal_digits;

	/* skipping a bad command */
	uint64_t skip_left;
	unsigned int skip_lit;         /* 0 none, 1 '{' digits, 2 '+', 3 '}', 4 "}\r" */
	uint64_t skip_lit_size;
	bool skip_lit_plus;

	/* the last error */
	enum imap_parser_error error;
	const char *error_text;
	char *error_tag;
};

static void arg_free(struct imap_arg *arg)
{
	for (unsigned int i = 0; i < arg->list_count; i++)
		arg_free(&arg->list[i]);
	free(arg->list);
	free(arg->str);
	memset(arg, 0, sizeof(*arg));
}

/* Start a new command: free the previous tree and per-command state. */
static void parser_begin(struct imap_parser *p)
{
	arg_free(&p->root);
	p->root.type = IMAP_ARG_LIST;
	p->stack[0] = &p->root;
	p->depth = 0;
	strbuf_truncate(&p->tag, 0);
	strbuf_truncate(&p->name, 0);
	strbuf_free(&p->token);
	p->line_len = 0;
	p->arg_count = 0;
	p->literal_limit = p->limits.max_literal_size;
	p->bracket_depth = 0;
	p->literal_pending = false;
	p->skip_left = 0;
	p->skip_lit = 0;
	p->state = STATE_TAG;
	memset(&p->command, 0, sizeof(p->command));
}

struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	if (limits != NULL)
		p->limits = *limits;
	if (p->limits.max_line_length == 0)
		p->limits.max_line_length = IMAP_PARSER_DEFAULT_MAX_LINE;
	if (p->limits.max_literal_size == 0)
		p->limits.max_literal_size = IMAP_PARSER_DEFAULT_MAX_LITERAL;
	if (p->limits.max_depth == 0)
		p->limits.max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
	if (p->limits.max_args == 0)
		p->limits.max_args = IMAP_PARSER_DEFAULT_MAX_ARGS;
	p->stack_alloc = 8;
	p->stack = xcalloc(p->stack_alloc, sizeof(*p->stack));
	parser_begin(p);
	return p;
}

void imap_parser_free(struct imap_parser **parser)
{
	struct imap_parser *p = *parser;

	if (p == NULL)
		return;
	*parser = NULL;
	arg_free(&p->root);
	strbuf_free(&p->tag);
	strbuf_free(&p->name);
	strbuf_free(&p->token);
	free(p->stack);
	free(p->error_tag);
	free(p);
}

void imap_parser_reset(struct imap_parser *p)
{
	parser_begin(p);
	p->error = IMAP_PARSER_ERROR_NONE;
}

void imap_parser_set_name_callback(struct imap_parser *p,
				   imap_parser_name_callback_t *callback, void *context)
{
	p->name_callback = callback;
	p->name_context = context;
}

void imap_parser_set_literal_limit(struct imap_parser *p, uint64_t max_size)
{
	p->literal_limit = max_size;
}

static int parser_fail(struct imap_parser *p, enum imap_parser_error error,
		       const char *text)
{
	p->error = error;
	p->error_text = text;
	free(p->error_tag);
	p->error_tag = NULL;
	if (p->state != STATE_TAG)
		p->error_tag = xstrdup(strbuf_cstr(&p->tag));
	return error == IMAP_PARSER_ERROR_SYNTAX ? -1 : -2;
}

/* Append a new argument of the given type to the innermost open list. */
static struct imap_arg *parser_add_arg(struct imap_parser *p, enum imap_arg_type type,
				       int *ret_r)
{
	struct imap_arg *list = p->stack[p->depth], *arg;

	if (++p->arg_count > p->limits.max_args) {
		*ret_r = parser_fail(p, IMAP_PARSER_ERROR_TOO_MANY_ARGS, "Too many arguments");
		return NULL;
	}
	if (list->list_count == list->list_alloc) {
		list->list_alloc = list->list_alloc == 0 ? 4 : list->list_alloc * 2;
		list->list = xrealloc(list->list, list->list_alloc * sizeof(*list->list));
	}
	arg = &list->list[list->list_count++];
	memset(arg, 0, sizeof(*arg));
	arg->type = type;
	*ret_r = RET_CONTINUE;
	return arg;
}

/* Turn the token buffer into an argument. */
static int parser_add_token(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_arg *arg;
	int ret;

	if (type == IMAP_ARG_ATOM && p->token.len == 3 &&
	    strncasecmp(strbuf_cstr(&p->token), "NIL", 3) == 0)
		type = IMAP_ARG_NIL;
	arg = parser_add_arg(p, type, &ret);
	if (arg == NULL)
		return ret;
	arg->literal8 = type == IMAP_ARG_LITERAL && p->literal8;
	arg->len = p->token.len;
	arg->str = strbuf_steal(&p->token);
	return RET_CONTINUE;
}

static int parser_open_list(struct imap_parser *p)
{
	struct imap_arg *arg;
	int ret;

	if (p->depth + 1 > p->limits.max_depth)
		return parser_fail(p, IMAP_PARSER_ERROR_TOO_DEEP, "Too deeply nested parentheses");
	arg = parser_add_arg(p, IMAP_ARG_LIST, &ret);
	if (arg == NULL)
		return ret;
	if (p->depth + 1 >= p->stack_alloc) {
		p->stack_alloc *= 2;
		p->stack = xrealloc(p->stack, p->stack_alloc * sizeof(*p->stack));
	}
	p->stack[++p->depth] = arg;
	p->state = STATE_ARG_START;
	return RET_CONTINUE;
}

static int parser_close_list(struct imap_parser *p)
{
	if (p->depth == 0)
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Unexpected ')'");
	p->depth--;
	p->state = STATE_AFTER_ARG;
	return RET_CONTINUE;
}

/* The line ended (the LF was read). */
static int parser_end_line(struct imap_parser *p)
{
	if (p->depth > 0)
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Missing ')'");
	p->command.tag = strbuf_cstr(&p->tag);
	p->command.name = strbuf_cstr(&p->name);
	p->command.args = p->root.list;
	p->command.arg_count = p->root.list_count;
	p->state = STATE_DONE;
	return 1;
}

/* CR or LF where a line may end. */
static int parser_eol_byte(struct imap_parser *p, unsigned char c)
{
	if (c == '\r') {
		p->state = STATE_EOL_LF;
		return RET_CONTINUE;
	}
	return parser_end_line(p);
}

/* A tag is 1*<ASTRING-CHAR except "+">. */
static bool is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("(){\"", c) == NULL;
}

static bool is_tag_char(unsigned char c)
{
	return c < 0x80 && is_atom_char(c) && strchr("%*\\+", c) == NULL;
}

static int parser_tag_byte(struct imap_parser *p, unsigned char c)
{
	if (c == ' ' && p->tag.len > 0) {
		p->state = STATE_NAME;
		return RET_CONTINUE;
	}
	if (c == '\r' || c == '\n' || c == ' ') {
		if (p->tag.len == 0)
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Empty command line");
		p->state = STATE_NAME;   /* the tag is known */
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Missing command name");
	}
	if (!is_tag_char(c))
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid characters in tag");
	strbuf_append_c(&p->tag, (char)c);
	return RET_CONTINUE;
}

static int parser_name_byte(struct imap_parser *p, unsigned char c)
{
	if (c == ' ' || c == '\r' || c == '\n') {
		if (p->name.len == 0)
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Missing command name");
		if (p->name_callback != NULL)
			p->name_callback(p, strbuf_cstr(&p->name), p->name_context);
		if (c == ' ') {
			p->state = STATE_ARG_START;
			return RET_CONTINUE;
		}
		return parser_eol_byte(p, c);
	}
	if (c >= 0x80 || !is_atom_char(c) || strchr("%*[]\\", c) != NULL)
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid characters in command name");
	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	strbuf_append_c(&p->name, (char)c);
	return RET_CONTINUE;
}

static void parser_start_literal(struct imap_parser *p, bool literal8)
{
	p->literal8 = literal8;
	p->literal_size = 0;
	p->literal_digits = 0;
	p->literal_sync = true;
	p->state = STATE_LITERAL_SIZE;
}

static int parser_arg_start_byte(struct imap_parser *p, unsigned char c)
{
	switch (c) {
	case ' ':
		return RET_CONTINUE;
	case '\r':
	case '\n':
		return parser_eol_byte(p, c);
	case '(':
		return parser_open_list(p);
	case ')':
		return parser_close_list(p);
	case '"':
		p->state = STATE_QUOTED;
		return RET_CONTINUE;
	case '{':
		parser_start_literal(p, false);
		return RET_CONTINUE;
	default:
		if (!is_atom_char(c))
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid characters in atom");
		p->bracket_depth = 0;
		p->state = STATE_ATOM;
		p->bracket_quoted = p->bracket_escape = false;
		if (c == '[')
			p->bracket_depth = 1;
		strbuf_append_c(&p->token, (char)c);
		return RET_CONTINUE;
	}
}

static int parser_after_arg_byte(struct imap_parser *p, unsigned char c)
{
	switch (c) {
	case ' ':
		p->state = STATE_ARG_START;
		return RET_CONTINUE;
	case '\r':
	case '\n':
		return parser_eol_byte(p, c);
	case ')':
		return parser_close_list(p);
	default:
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX,
				   "Missing space after string, literal or list");
	}
}

/* Inside [...] of an atom: anything but CR, LF and NUL, quoted strings
   hide brackets. */
static int parser_bracket_byte(struct imap_parser *p, unsigned char c)
{
	if (c == '\r' || c == '\n' || c == '\0')
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Missing ']'");
	strbuf_append_c(&p->token, (char)c);
	if (p->bracket_quoted) {
		if (p->bracket_escape)
			p->bracket_escape = false;
		else if (c == '\\')
			p->bracket_escape = true;
		else if (c == '"')
			p->bracket_quoted = false;
	} else if (c == '"') {
		p->bracket_quoted = true;
	} else if (c == '[') {
		p->bracket_depth++;
	} else if (c == ']') {
		p->bracket_depth--;
	}
	return RET_CONTINUE;
}

static int parser_end_atom(struct imap_parser *p)
{
	if (!utf8_is_valid((const unsigned char *)strbuf_cstr(&p->token), p->token.len))
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid UTF-8 in atom");
	return parser_add_token(p, IMAP_ARG_ATOM);
}

static int parser_atom_byte(struct imap_parser *p, unsigned char c)
{
	int ret;

	if (p->bracket_depth > 0)
		return parser_bracket_byte(p, c);
	switch (c) {
	case ' ':
	case '\r':
	case '\n':
	case ')':
		if ((ret = parser_end_atom(p)) != RET_CONTINUE)
			return ret;
		if (c == ')')
			return parser_close_list(p);
		p->state = STATE_ARG_START;
		return c == ' ' ? RET_CONTINUE : parser_eol_byte(p, c);
	case '{':
		if (p->token.len == 1 && p->token.data[0] == '~') {
			strbuf_truncate(&p->token, 0);
			parser_start_literal(p, true);
			return RET_CONTINUE;
		}
		break;
	case '[':
		p->bracket_depth = 1;
		p->bracket_quoted = p->bracket_escape = false;
		break;
	default:
		break;
	}
	if (!is_atom_char(c))
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid characters in atom");
	strbuf_append_c(&p->token, (char)c);
	return RET_CONTINUE;
}

static int parser_quoted_byte(struct imap_parser *p, unsigned char c)
{
	if (c == '\r' || c == '\n' || c == '\0')
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX,
				   "CR, LF or NUL in quoted string");
	if (p->state == STATE_QUOTED_ESCAPE) {
		if (c != '\\' && c != '"')
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX,
					   "Invalid escape in quoted string");
		strbuf_append_c(&p->token, (char)c);
		p->state = STATE_QUOTED;
		return RET_CONTINUE;
	}
	if (c == '\\') {
		p->state = STATE_QUOTED_ESCAPE;
		return RET_CONTINUE;
	}
	if (c != '"') {
		strbuf_append_c(&p->token, (char)c);
		return RET_CONTINUE;
	}
	if (!utf8_is_valid((const unsigned char *)strbuf_cstr(&p->token), p->token.len))
		return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid UTF-8 in quoted string");
	p->state = STATE_AFTER_ARG;
	return parser_add_token(p, IMAP_ARG_STRING);
}

/* "}\r\n" of a literal header was read. */
static int parser_literal_announced(struct imap_parser *p)
{
	int ret;

	if (p->literal_size > p->literal_limit) {
		ret = parser_fail(p, IMAP_PARSER_ERROR_LITERAL_TOO_BIG, "Literal too big");
		if (!p->literal_sync)
			p->skip_left = p->literal_size;
		return ret;
	}
	p->literal_pending = true;
	p->literal_left = p->literal_size;
	strbuf_truncate(&p->token, 0);
	if (p->literal_size == 0) {
		p->state = STATE_AFTER_ARG;
		ret = parser_add_token(p, IMAP_ARG_LITERAL);
		if (ret != RET_CONTINUE)
			return ret;
	} else {
		p->state = STATE_LITERAL_DATA;
	}
	return RET_STOP;
}

static int parser_literal_header_byte(struct imap_parser *p, unsigned char c)
{
	switch (p->state) {
	case STATE_LITERAL_SIZE:
		if (c >= '0' && c <= '9') {
			if (++p->literal_digits > LITERAL_DIGITS_MAX ||
			    p->literal_size > (UINT64_MAX - 9) / 10)
				return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid literal size");
			p->literal_size = p->literal_size * 10 + (c - '0');
			return RET_CONTINUE;
		}
		if (p->literal_digits == 0 || (c != '+' && c != '}'))
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid literal size");
		p->literal_sync = c == '}';
		p->state = c == '+' ? STATE_LITERAL_CLOSE : STATE_LITERAL_EOL;
		return RET_CONTINUE;
	case STATE_LITERAL_CLOSE:
		if (c != '}')
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "Invalid literal size");
		p->state = STATE_LITERAL_EOL;
		return RET_CONTINUE;
	case STATE_LITERAL_EOL:
		if (c == '\r') {
			p->state = STATE_LITERAL_LF;
			return RET_CONTINUE;
		}
		/* fall through */
	default:
		if (c != '\n')
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX,
					   "Missing CRLF after literal size");
		return parser_literal_announced(p);
	}
}

/* Copy literal bytes; returns how many were used, *ret_r as parser_byte. */
static size_t parser_literal_data(struct imap_parser *p, const unsigned char *data,
				  size_t len, int *ret_r)
{
	size_t n = len < p->literal_left ? len : (size_t)p->literal_left;
	const unsigned char *nul = p->literal8 ? NULL : memchr(data, '\0', n);

	*ret_r = RET_CONTINUE;
	if (nul != NULL) {
		n = (size_t)(nul - data) + 1;
		p->literal_left -= n;
		*ret_r = parser_fail(p, IMAP_PARSER_ERROR_SYNTAX,
				     "NUL in literal (use literal8)");
		p->skip_left = p->literal_left;
		return n;
	}
	strbuf_append_n(&p->token, data, n);
	p->literal_left -= n;
	if (p->literal_left == 0) {
		p->state = STATE_AFTER_ARG;
		*ret_r = parser_add_token(p, IMAP_ARG_LITERAL);
	}
	return n;
}

/* STATE_SKIP after skip_left is used up: scan to the end of the line,
   noticing a "{n+}" or "{n}" right before it. */
static int parser_skip_byte(struct imap_parser *p, unsigned char c)
{
	if (c == '\n') {
		if (p->skip_lit == 3 || p->skip_lit == 4) {
			p->skip_left = p->skip_lit_size;
			p->skip_lit = 0;
			if (p->skip_left > 0 && p->skip_lit_plus)
				return RET_CONTINUE;
		}
		parser_begin(p);
		return RET_CONTINUE;
	}
	if (c == '{') {
		p->skip_lit = 1;
		p->skip_lit_size = 0;
		p->skip_lit_plus = false;
	} else if (p->skip_lit == 1 && c >= '0' && c <= '9') {
		if (p->skip_lit_size <= (UINT64_MAX - 9) / 10)
			p->skip_lit_size = p->skip_lit_size * 10 + (c - '0');
	} else if (p->skip_lit == 1 && c == '+') {
		p->skip_lit = 2;
		p->skip_lit_plus = true;
	} else if ((p->skip_lit == 1 || p->skip_lit == 2) && c == '}') {
		p->skip_lit = 3;
	} else if (p->skip_lit == 3 && c == '\r') {
		p->skip_lit = 4;
	} else {
		p->skip_lit = 0;
	}
	return RET_CONTINUE;
}

static int parser_byte(struct imap_parser *p, unsigned char c)
{
	/* The LF itself never makes a line too long, so that a literal
	   announcement is always seen whole. */
	if (p->state != STATE_SKIP && c != '\n' &&
	    ++p->line_len > p->limits.max_line_length)
		return parser_fail(p, IMAP_PARSER_ERROR_LINE_TOO_LONG, "Command line too long");
	switch (p->state) {
	case STATE_TAG:
		return parser_tag_byte(p, c);
	case STATE_NAME:
		return parser_name_byte(p, c);
	case STATE_ARG_START:
		return parser_arg_start_byte(p, c);
	case STATE_AFTER_ARG:
		return parser_after_arg_byte(p, c);
	case STATE_ATOM:
		return parser_atom_byte(p, c);
	case STATE_QUOTED:
	case STATE_QUOTED_ESCAPE:
		return parser_quoted_byte(p, c);
	case STATE_LITERAL_SIZE:
	case STATE_LITERAL_CLOSE:
	case STATE_LITERAL_EOL:
	case STATE_LITERAL_LF:
		return parser_literal_header_byte(p, c);
	case STATE_EOL_LF:
		if (c != '\n')
			return parser_fail(p, IMAP_PARSER_ERROR_SYNTAX, "CR without LF");
		return parser_end_line(p);
	case STATE_SKIP:
		return parser_skip_byte(p, c);
	case STATE_LITERAL_DATA:
	case STATE_DONE:
		break;
	}
	abort();
}

/* The line got too long at byte c, maybe inside a literal announcement:
   skip the rest, including the literal's bytes if it is "{n+}". */
static void parser_skip_long_line(struct imap_parser *p, unsigned char c)
{
	enum parser_state state = p->state;
	uint64_t size = p->literal_size;
	bool sync = p->literal_sync;

	parser_begin(p);
	p->state = STATE_SKIP;
	p->skip_lit = state == STATE_LITERAL_SIZE ? 1 : state == STATE_LITERAL_CLOSE ? 2 :
		state == STATE_LITERAL_EOL ? 3 : state == STATE_LITERAL_LF ? 4 : 0;
	p->skip_lit_size = size;
	p->skip_lit_plus = !sync;
	(void)parser_skip_byte(p, c);
}

/* After an error at byte c: drop the command and skip what remains of it. */
static void parser_after_error(struct imap_parser *p, unsigned char c, bool in_literal)
{
	uint64_t skip_left = p->skip_left;

	if (p->error == IMAP_PARSER_ERROR_LINE_TOO_LONG) {
		parser_skip_long_line(p, c);
		return;
	}
	parser_begin(p);
	if (in_literal || c != '\n' || skip_left > 0) {
		p->state = STATE_SKIP;
		p->skip_left = skip_left;
	}
}

int imap_parser_feed(struct imap_parser *p, const unsigned char *data,
		     size_t len, size_t *consumed_r)
{
	size_t i = 0;
	int ret = RET_CONTINUE;
	bool in_literal = false;

	if (p->state == STATE_DONE)
		parser_begin(p);
	p->literal_pending = false;
	p->error = IMAP_PARSER_ERROR_NONE;
	while (i < len && ret == RET_CONTINUE) {
		in_literal = false;
		if (p->state == STATE_LITERAL_DATA) {
			in_literal = true;
			i += parser_literal_data(p, data + i, len - i, &ret);
		} else if (p->state == STATE_SKIP && p->skip_left > 0) {
			size_t n = len - i < p->skip_left ? len - i : (size_t)p->skip_left;

			p->skip_left -= n;
			i += n;
		} else {
			ret = parser_byte(p, data[i++]);
		}
	}
	if (ret < 0)
		parser_after_error(p, data[i - 1], in_literal);
	*consumed_r = i;
	return ret == RET_STOP ? 0 : ret;
}

const struct imap_command *imap_parser_command(const struct imap_parser *p)
{
	return p->state == STATE_DONE ? &p->command : NULL;
}

const char *imap_parser_command_name(const struct imap_parser *p)
{
	switch (p->state) {
	case STATE_TAG:
	case STATE_NAME:
	case STATE_SKIP:
		return NULL;
	default:
		return strbuf_cstr(&p->name);
	}
}

bool imap_parser_literal_pending(const struct imap_parser *p,
				 uint64_t *size_r, bool *sync_r)
{
	if (!p->literal_pending)
		return false;
	*size_r = p->literal_size;
	*sync_r = p->literal_sync;
	return true;
}

void imap_parser_literal_refuse(struct imap_parser *p)
{
	bool sync = p->literal_sync;
	uint64_t size = p->literal_size;

	if (!p->literal_pending)
		return;
	parser_begin(p);
	if (!sync) {
		p->state = STATE_SKIP;
		p->skip_left = size;
	}
}

const char *imap_parser_error_text(const struct imap_parser *p,
				   enum imap_parser_error *error_r, const char **tag_r)
{
	if (error_r != NULL)
		*error_r = p->error;
	if (tag_r != NULL)
		*tag_r = p->error == IMAP_PARSER_ERROR_NONE ? NULL : p->error_tag;
	return p->error == IMAP_PARSER_ERROR_NONE ? NULL : p->error_text;
}

bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type != IMAP_ARG_ATOM)
		return false;
	*str_r = arg->str;
	return true;
}

bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type == IMAP_ARG_LIST || arg->literal8)
		return false;
	*str_r = arg->str;
	return true;
}

bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		return true;
	}
	if ((arg->type != IMAP_ARG_STRING && arg->type != IMAP_ARG_LITERAL) ||
	    arg->literal8)
		return false;
	*str_r = arg->str;
	return true;
}

bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **list_r,
		       unsigned int *count_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*list_r = arg->list;
	*count_r = arg->list_count;
	return true;
}

bool imap_arg_atom_equals(const struct imap_arg *arg, const char *str)
{
	return arg->type == IMAP_ARG_ATOM && strcasecmp(arg->str, str) == 0;
}

/* Parse 1*DIGIT into *n_r (no overflow); returns the end or NULL. */
static const char *parse_number(const char *s, uint64_t *n_r)
{
	uint64_t n = 0;
	const char *start = s;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return NULL;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*n_r = n;
	return s == start ? NULL : s;
}

int imap_arg_fetch_att_split(const char *atom, char *buf, size_t buf_size,
			     const char **name_r, const char **section_r,
			     bool *has_partial_r, uint64_t *offset_r, uint64_t *count_r)
{
	const char *open = strchr(atom, '['), *close, *end;
	size_t name_len = open != NULL ? (size_t)(open - atom) : strlen(atom);

	*section_r = NULL;
	*has_partial_r = false;
	*offset_r = *count_r = 0;
	if (buf_size < strlen(atom) + 2 || name_len == 0)
		return -1;
	memcpy(buf, atom, name_len);
	buf[name_len] = '\0';
	*name_r = buf;
	if (open == NULL)
		return strpbrk(atom, "]<>") == NULL ? 0 : -1;
	close = strrchr(open, ']');
	if (close == NULL)
		return -1;
	memcpy(buf + name_len + 1, open + 1, (size_t)(close - open - 1));
	buf[name_len + 1 + (close - open - 1)] = '\0';
	*section_r = buf + name_len + 1;
	end = close + 1;
	if (*end == '\0')
		return 0;
	if (*end != '<' || (end = parse_number(end + 1, offset_r)) == NULL)
		return -1;
	if (*end != '.' || (end = parse_number(end + 1, count_r)) == NULL)
		return -1;
	*has_partial_r = true;
	return strcmp(end, ">") == 0 && *count_r > 0 ? 0 : -1;
}
