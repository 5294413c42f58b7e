/*
 * imap-search.c — SEARCH/SORT/THREAD arguments into a key tree (see
 * imap-search.h). A recursive-descent parser over the imap-parser tree;
 * every step that nests (NOT, OR, a parenthesised list) passes a depth
 * that is checked against the limit before going deeper, and every node
 * is counted, so hostile input costs a bounded amount of work.
 */
#include "imap-search.h"

#include "imap-date.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum search_arg_kind {
	ARG_NONE,
	ARG_STRING,     /* one astring into value */
	ARG_HEADER,     /* field name and astring */
	ARG_DATE,
	ARG_NUMBER,     /* number64 */
	ARG_NZNUMBER,   /* nz-number (32 bits) */
	ARG_SEQSET,     /* "UID" set */
	ARG_MODSEQ,     /* [entry-name entry-type] mod-sequence-valzer */
	ARG_NOT,
	ARG_OR,
};

struct search_key_def {
	const char *name;
	enum imap_search_key_type type;
	enum search_arg_kind arg;
};

static const struct search_key_def search_key_defs[] = {
	{ "ALL", IMAP_SEARCH_ALL, ARG_NONE },
	{ "ANSWERED", IMAP_SEARCH_ANSWERED, ARG_NONE },
	{ "BCC", IMAP_SEARCH_BCC, ARG_STRING },
	{ "BEFORE", IMAP_SEARCH_BEFORE, ARG_DATE },
	{ "BODY", IMAP_SEARCH_BODY, ARG_STRING },
	{ "CC", IMAP_SEARCH_CC, ARG_STRING },
	{ "DELETED", IMAP_SEARCH_DELETED, ARG_NONE },
	{ "DRAFT", IMAP_SEARCH_DRAFT, ARG_NONE },
	{ "FLAGGED", IMAP_SEARCH_FLAGGED, ARG_NONE },
	{ "FROM", IMAP_SEARCH_FROM, ARG_STRING },
	{ "HEADER", IMAP_SEARCH_HEADER, ARG_HEADER },
	{ "KEYWORD", IMAP_SEARCH_KEYWORD, ARG_STRING },
	{ "LARGER", IMAP_SEARCH_LARGER, ARG_NUMBER },
	{ "MODSEQ", IMAP_SEARCH_MODSEQ, ARG_MODSEQ },
	{ "NEW", IMAP_SEARCH_NEW, ARG_NONE },
	{ "NOT", IMAP_SEARCH_NOT, ARG_NOT },
	{ "OLD", IMAP_SEARCH_OLD, ARG_NONE },
	{ "OLDER", IMAP_SEARCH_OLDER, ARG_NZNUMBER },
	{ "ON", IMAP_SEARCH_ON, ARG_DATE },
	{ "OR", IMAP_SEARCH_OR, ARG_OR },
	{ "RECENT", IMAP_SEARCH_RECENT, ARG_NONE },
	{ "SEEN", IMAP_SEARCH_SEEN, ARG_NONE },
	{ "SENTBEFORE", IMAP_SEARCH_SENTBEFORE, ARG_DATE },
	{ "SENTON", IMAP_SEARCH_SENTON, ARG_DATE },
	{ "SENTSINCE", IMAP_SEARCH_SENTSINCE, ARG_DATE },
	{ "SINCE", IMAP_SEARCH_SINCE, ARG_DATE },
	{ "SMALLER", IMAP_SEARCH_SMALLER, ARG_NUMBER },
	{ "SUBJECT", IMAP_SEARCH_SUBJECT, ARG_STRING },
	{ "TEXT", IMAP_SEARCH_TEXT, ARG_STRING },
	{ "TO", IMAP_SEARCH_TO, ARG_STRING },
	{ "UID", IMAP_SEARCH_SEQSET, ARG_SEQSET },
	{ "UNANSWERED", IMAP_SEARCH_UNANSWERED, ARG_NONE },
	{ "UNDELETED", IMAP_SEARCH_UNDELETED, ARG_NONE },
	{ "UNDRAFT", IMAP_SEARCH_UNDRAFT, ARG_NONE },
	{ "UNFLAGGED", IMAP_SEARCH_UNFLAGGED, ARG_NONE },
	{ "UNKEYWORD", IMAP_SEARCH_UNKEYWORD, ARG_STRING },
	{ "UNSEEN", IMAP_SEARCH_UNSEEN, ARG_NONE },
	{ "YOUNGER", IMAP_SEARCH_YOUNGER, ARG_NZNUMBER },
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const sort_key_names[] = {
	[IMAP_SORT_ARRIVAL] = "ARRIVAL", [IMAP_SORT_CC] = "CC",
	[IMAP_SORT_DATE] = "DATE", [IMAP_SORT_FROM] = "FROM",
	[IMAP_SORT_SIZE] = "SIZE", [IMAP_SORT_SUBJECT] = "SUBJECT",
	[IMAP_SORT_TO] = "TO",
};

/* One parse: the limits in force and the node count so far. */
struct search_parser {
	unsigned int max_depth, max_keys, max_ranges;
	unsigned int keys;
	struct imap_search *search;
	const char *error;
};

/* The operands of the key being parsed: args[*pos..count). */
struct search_args {
	const struct imap_arg *args;
	unsigned int count;
	unsigned int pos;
};

static int search_parse_key(struct search_parser *p, struct search_args *a,
			    unsigned int depth, struct imap_search_key *key);

static int search_fail(struct search_parser *p, const char *error)
{
	p->error = error;
	return -1;
}

static const struct search_key_def *search_key_def_find(const char *name)
{
	for (unsigned int i = 0; i < N_ELEMENTS(search_key_defs); i++) {
		if (strcasecmp(search_key_defs[i].name, name) == 0)
			return &search_key_defs[i];
	}
	return NULL;
}

/* The next operand, or NULL (error set) when the key has none left. */
static const struct imap_arg *search_next(struct search_parser *p, struct search_args *a)
{
	if (a->pos >= a->count) {
		p->error = "Missing argument to search key";
		return NULL;
	}
	return &a->args[a->pos++];
}

static int search_get_string(struct search_parser *p, struct search_args *a, char **str_r)
{
	const struct imap_arg *arg = search_next(p, a);
	const char *str;

	if (arg == NULL)
		return -1;
	if (!imap_arg_get_astring(arg, &str))
		return search_fail(p, "Search key needs a string argument");
	if (strlen(str) != arg->len || !utf8_is_valid((const unsigned char *)str, arg->len))
		return search_fail(p, "Search string is not valid UTF-8");
	*str_r = xstrdup(str);
	return 0;
}

/* Digits only, value <= max. */
static int search_get_number(struct search_parser *p, struct search_args *a,
			     uint64_t min, uint64_t max, int64_t *number_r)
{
	const struct imap_arg *arg = search_next(p, a);
	const char *str;
	uint64_t n = 0;

	if (arg == NULL)
		return -1;
	if (!imap_arg_get_atom(arg, &str) || *str == '\0')
		return search_fail(p, "Search key needs a number");
	for (; *str != '\0'; str++) {
		if (*str < '0' || *str > '9')
			return search_fail(p, "Search key needs a number");
		n = n * 10 + (uint64_t)(*str - '0');
		if (n > max)
			return search_fail(p, "Number out of range in search key");
	}
	if (n < min)
		return search_fail(p, "Number out of range in search key");
	*number_r = (int64_t)n;
	return 0;
}

static int search_get_date(struct search_parser *p, struct search_args *a, time_t *date_r)
{
	const struct imap_arg *arg = search_next(p, a);
	const char *str;

	if (arg == NULL)
		return -1;
	if (!imap_arg_get_astring(arg, &str) || !imap_date_parse(str, date_r))
		return search_fail(p, "Invalid date in search key");
	return 0;
}

static int search_get_seqset(struct search_parser *p, const char *str,
			     struct imap_search_key *key)
{
	const char *error;

	key->type = IMAP_SEARCH_SEQSET;
	if (imap_seqset_parse(str, p->max_ranges, &key->set, &error) < 0)
		return search_fail(p, error);
	if (key->set.searchres)
		p->search->uses_searchres = true;
	return 0;
}

/* MODSEQ [entry-name entry-type] mod-sequence-valzer (RFC 7162 3.1.5). */
static int search_get_modseq(struct search_parser *p, struct search_args *a,
			     struct imap_search_key *key)
{
	const struct imap_arg *arg;
	const char *type;

	p->search->uses_modseq = true;
	if (a->pos < a->count && a->args[a->pos].type != IMAP_ARG_ATOM) {
		if (search_get_string(p, a, &key->value) < 0)
			return -1;
		if ((arg = search_next(p, a)) == NULL)
			return -1;
		if (!imap_arg_get_atom(arg, &type) ||
		    (strcasecmp(type, "priv") != 0 && strcasecmp(type, "shared") != 0 &&
		     strcasecmp(type, "all") != 0))
			return search_fail(p, "Invalid MODSEQ entry type");
		key->value2 = xstrdup(type);
		for (char *s = key->value2; *s != '\0'; s++)
			*s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	}
	return search_get_number(p, a, 0, INT64_MAX, &key->number);
}

/* Count one more node against the limit. */
static int search_count_key(struct search_parser *p)
{
	if (++p->keys > p->max_keys)
		return search_fail(p, "Too many search keys");
	return 0;
}

static int search_parse_children(struct search_parser *p, struct search_args *a,
				 unsigned int depth, struct imap_search_key *key,
				 unsigned int n)
{
	if (depth + 1 > p->max_depth)
		return search_fail(p, "Search keys nested too deeply");
	key->children = xcalloc(n, sizeof(*key->children));
	for (unsigned int i = 0; i < n; i++) {
		if (a->pos >= a->count)
			return search_fail(p, "Missing argument to search key");
		key->child_count = i + 1;
		if (search_parse_key(p, a, depth + 1, &key->children[i]) < 0)
			return -1;
	}
	return 0;
}

/* The operands of a named key. */
static int search_parse_operands(struct search_parser *p, struct search_args *a,
				 unsigned int depth, const struct search_key_def *def,
				 struct imap_search_key *key)
{
	const struct imap_arg *arg;
	const char *str;

	switch (def->arg) {
	case ARG_NONE:
		return 0;
	case ARG_STRING:
		return search_get_string(p, a, &key->value);
	case ARG_HEADER:
		if (search_get_string(p, a, &key->value) < 0)
			return -1;
		return search_get_string(p, a, &key->value2);
	case ARG_DATE:
		return search_get_date(p, a, &key->date);
	case ARG_NUMBER:
		return search_get_number(p, a, 0, INT64_MAX, &key->number);
	case ARG_NZNUMBER:
		return search_get_number(p, a, 1, UINT32_MAX, &key->number);
	case ARG_SEQSET:
		if ((arg = search_next(p, a)) == NULL)
			return -1;
		if (!imap_arg_get_atom(arg, &str))
			return search_fail(p, "UID needs a sequence set");
		key->uid = true;
		return search_get_seqset(p, str, key);
	case ARG_MODSEQ:
		return search_get_modseq(p, a, key);
	case ARG_NOT:
		return search_parse_children(p, a, depth, key, 1);
	case ARG_OR:
		return search_parse_children(p, a, depth, key, 2);
	}
	return search_fail(p, "Unknown search key");
}

/* The keys of args[0..count) (at least one) into key: the key itself when
   there is one, else an AND node. */
static int search_parse_list(struct search_parser *p, const struct imap_arg *args,
			     unsigned int count, unsigned int depth,
			     struct imap_search_key *key)
{
	struct search_args a = { args, count, 0 };

	if (count == 0)
		return search_fail(p, "Missing search keys");
	if (search_parse_key(p, &a, depth, key) < 0)
		return -1;
	if (a.pos == count)
		return 0;

	/* Several keys: move the first into a new AND node. */
	struct imap_search_key first = *key;

	memset(key, 0, sizeof(*key));
	key->type = IMAP_SEARCH_AND;
	key->children = xcalloc(count - a.pos + 1, sizeof(*key->children));
	key->children[0] = first;
	key->child_count = 1;
	if (search_count_key(p) < 0)
		return -1;
	while (a.pos < count) {
		if (search_parse_key(p, &a, depth, &key->children[key->child_count++]) < 0)
			return -1;
	}
	return 0;
}

static int search_parse_key(struct search_parser *p, struct search_args *a,
			    unsigned int depth, struct imap_search_key *key)
{
	const struct imap_arg *arg = &a->args[a->pos++];
	const struct search_key_def *def;
	const char *name;

	if (search_count_key(p) < 0)
		return -1;
	if (arg->type == IMAP_ARG_LIST) {
		if (depth + 1 > p->max_depth)
			return search_fail(p, "Search keys nested too deeply");
		return search_parse_list(p, arg->list, arg->list_count, depth + 1, key);
	}
	if (!imap_arg_get_atom(arg, &name))
		return search_fail(p, "Unknown search key");
	if ((name[0] >= '0' && name[0] <= '9') || name[0] == '*' || name[0] == '$')
		return search_get_seqset(p, name, key);
	if ((def = search_key_def_find(name)) == NULL)
		return search_fail(p, "Unknown search key");
	key->type = def->type;
	return search_parse_operands(p, a, depth, def, key);
}

/* RETURN (opts): RFC 4731 / RFC 9051. */
static int search_parse_return(struct search_parser *p, struct search_args *a)
{
	static const struct { const char *name; unsigned int bit; } opts[] = {
		{ "MIN", IMAP_SEARCH_RETURN_MIN }, { "MAX", IMAP_SEARCH_RETURN_MAX },
		{ "ALL", IMAP_SEARCH_RETURN_ALL }, { "COUNT", IMAP_SEARCH_RETURN_COUNT },
		{ "SAVE", IMAP_SEARCH_RETURN_SAVE },
	};
	const struct imap_arg *list;
	unsigned int n;

	if (a->pos >= a->count || !imap_arg_atom_equals(&a->args[a->pos], "RETURN"))
		return 0;
	a->pos++;
	if (a->pos >= a->count || !imap_arg_get_list(&a->args[a->pos], &list, &n))
		return search_fail(p, "RETURN needs a list of options");
	a->pos++;
	p->search->has_return = true;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int j;

		for (j = 0; j < N_ELEMENTS(opts); j++) {
			if (imap_arg_atom_equals(&list[i], opts[j].name))
				break;
		}
		if (j == N_ELEMENTS(opts))
			return search_fail(p, "Unknown RETURN option");
		p->search->return_options |= opts[j].bit;
	}
	if (n == 0)
		p->search->return_options = IMAP_SEARCH_RETURN_ALL;
	return 0;
}

/* A charset name; IMAP_SEARCH_ERROR_BADCHARSET when it is not one we do. */
static int search_parse_charset_name(struct search_parser *p, struct search_args *a)
{
	const char *name;

	if (a->pos >= a->count || !imap_arg_get_astring(&a->args[a->pos], &name))
		return search_fail(p, "Missing charset");
	a->pos++;
	if (strcasecmp(name, "UTF-8") == 0)
		p->search->charset = "UTF-8";
	else if (strcasecmp(name, "US-ASCII") == 0)
		p->search->charset = "US-ASCII";
	else {
		p->error = "Unsupported charset";
		return IMAP_SEARCH_ERROR_BADCHARSET;
	}
	return 0;
}

static int search_parse_sort_criteria(struct search_parser *p, struct search_args *a)
{
	const struct imap_arg *list;
	unsigned int n;
	bool reverse = false;

	if (a->pos >= a->count || !imap_arg_get_list(&a->args[a->pos], &list, &n) || n == 0)
		return search_fail(p, "SORT needs a list of sort criteria");
	a->pos++;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k;

		if (imap_arg_atom_equals(&list[i], "REVERSE") && !reverse) {
			reverse = true;
			continue;
		}
		for (k = 0; k < N_ELEMENTS(sort_key_names); k++) {
			if (imap_arg_atom_equals(&list[i], sort_key_names[k]))
				break;
		}
		if (k == N_ELEMENTS(sort_key_names))
			return search_fail(p, "Unknown sort criterion");
		if (p->search->sort_count == IMAP_SORT_MAX_CRITERIA)
			return search_fail(p, "Too many sort criteria");
		p->search->sort[p->search->sort_count].key = (enum imap_sort_key)k;
		p->search->sort[p->search->sort_count++].reverse = reverse;
		reverse = false;
	}
	if (reverse)
		return search_fail(p, "REVERSE needs a sort criterion");
	return 0;
}

static int search_parse_thread_algorithm(struct search_parser *p, struct search_args *a)
{
	const char *name;

	if (a->pos >= a->count || !imap_arg_get_atom(&a->args[a->pos], &name))
		return search_fail(p, "THREAD needs an algorithm");
	a->pos++;
	p->search->thread_algorithm = xstrdup(name);
	for (char *s = p->search->thread_algorithm; *s != '\0'; s++)
		*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	return 0;
}

enum search_command { SEARCH_CMD_SEARCH, SEARCH_CMD_SORT, SEARCH_CMD_THREAD };

static int search_parse_prefix(struct search_parser *p, struct search_args *a,
			       enum search_command cmd)
{
	int ret;

	if (cmd == SEARCH_CMD_THREAD) {
		if (search_parse_thread_algorithm(p, a) < 0)
			return -1;
		return search_parse_charset_name(p, a);
	}
	if (search_parse_return(p, a) < 0)
		return -1;
	if (cmd == SEARCH_CMD_SORT) {
		if (search_parse_sort_criteria(p, a) < 0)
			return -1;
		return search_parse_charset_name(p, a);
	}
	if (a->pos < a->count && imap_arg_atom_equals(&a->args[a->pos], "CHARSET")) {
		a->pos++;
		if ((ret = search_parse_charset_name(p, a)) != 0)
			return ret;
	}
	return 0;
}

static int search_parse_command(const struct imap_arg *args, unsigned int count,
				const struct imap_search_limits *limits,
				enum search_command cmd, struct imap_search **search_r,
				const char **error_r)
{
	struct search_parser p;
	struct search_args a = { args, count, 0 };
	int ret;

	memset(&p, 0, sizeof(p));
	p.max_depth = limits != NULL && limits->max_depth != 0 ?
		limits->max_depth : IMAP_SEARCH_DEFAULT_MAX_DEPTH;
	p.max_keys = limits != NULL && limits->max_keys != 0 ?
		limits->max_keys : IMAP_SEARCH_DEFAULT_MAX_KEYS;
	p.max_ranges = limits != NULL ? limits->max_seqset_ranges : 0;
	p.search = xcalloc(1, sizeof(*p.search));
	p.search->root = xcalloc(1, sizeof(*p.search->root));

	ret = search_parse_prefix(&p, &a, cmd);
	if (ret == 0 &&
	    search_parse_list(&p, args + a.pos, count - a.pos, 1, p.search->root) < 0)
		ret = IMAP_SEARCH_ERROR_BAD;
	if (ret != 0) {
		imap_search_free(&p.search);
		*error_r = p.error;
		*search_r = NULL;
		return ret < 0 && ret != IMAP_SEARCH_ERROR_BADCHARSET ?
			IMAP_SEARCH_ERROR_BAD : ret;
	}
	*search_r = p.search;
	return 0;
}

int imap_search_parse(const struct imap_arg *args, unsigned int count,
		      const struct imap_search_limits *limits,
		      struct imap_search **search_r, const char **error_r)
{
	return search_parse_command(args, count, limits, SEARCH_CMD_SEARCH, search_r, error_r);
}

int imap_sort_parse(const struct imap_arg *args, unsigned int count,
		    const struct imap_search_limits *limits,
		    struct imap_search **search_r, const char **error_r)
{
	return search_parse_command(args, count, limits, SEARCH_CMD_SORT, search_r, error_r);
}

int imap_thread_parse(const struct imap_arg *args, unsigned int count,
		      const struct imap_search_limits *limits,
		      struct imap_search **search_r, const char **error_r)
{
	return search_parse_command(args, count, limits, SEARCH_CMD_THREAD, search_r, error_r);
}

static void search_key_free(struct imap_search_key *key)
{
	for (unsigned int i = 0; i < key->child_count; i++)
		search_key_free(&key->children[i]);
	free(key->children);
	free(key->value);
	free(key->value2);
	imap_seqset_free(&key->set);
	imap_seqset_free(&key->resolved_uids);
}

void imap_search_free(struct imap_search **search)
{
	if (*search == NULL)
		return;
	if ((*search)->root != NULL) {
		search_key_free((*search)->root);
		free((*search)->root);
	}
	free((*search)->thread_algorithm);
	free(*search);
	*search = NULL;
}

int imap_search_foreach_set(struct imap_search_key *key,
			    imap_search_set_callback_t *callback, void *ctx,
			    const char **error_r)
{
	int ret;

	if (key->type == IMAP_SEARCH_SEQSET)
		return callback(ctx, key, error_r);
	for (unsigned int i = 0; i < key->child_count; i++) {
		if ((ret = imap_search_foreach_set(&key->children[i], callback, ctx,
						   error_r)) != 0)
			return ret;
	}
	return 0;
}

/* Key names by type, for the printer. */
static const char *search_key_name(enum imap_search_key_type type)
{
	for (unsigned int i = 0; i < N_ELEMENTS(search_key_defs); i++) {
		if (search_key_defs[i].type == type)
			return search_key_defs[i].name;
	}
	return "?";
}

static void search_append_quoted(struct strbuf *out, const char *str)
{
	strbuf_append_c(out, '"');
	for (; *str != '\0'; str++) {
		if (*str == '"' || *str == '\\')
			strbuf_append_c(out, '\\');
		strbuf_append_c(out, *str);
	}
	strbuf_append_c(out, '"');
}

static void search_append_seqset(struct strbuf *out, const struct imap_search_key *key)
{
	const struct imap_seqset *set = &key->set;

	strbuf_append(out, key->uid ? "(UID " : "(SEQ ");
	if (set->searchres)
		strbuf_append_c(out, '$');
	imap_seqset_append(out, set);
	if (set->has_star) {
		if (set->count > 0)
			strbuf_append_c(out, ',');
		if (set->star_bounded)
			strbuf_printf(out, "%u:*", set->star_low);
		else
			strbuf_append_c(out, '*');
	}
	if (key->resolved) {
		strbuf_append(out, " =");
		imap_seqset_append(out, &key->resolved_uids);
	}
	strbuf_append_c(out, ')');
}

static void search_append_date(struct strbuf *out, time_t date)
{
	char buf[IMAP_DATE_TIME_BUFSIZE];

	/* "dd-Mon-yyyy HH:MM:SS +0000": keep the day part. */
	imap_date_time_format(date, buf);
	buf[11] = '\0';
	strbuf_append(out, buf);
}

void imap_search_key_append(struct strbuf *out, const struct imap_search_key *key)
{
	const char *name = search_key_name(key->type);

	switch (key->type) {
	case IMAP_SEARCH_AND:
		strbuf_append(out, "(AND");
		for (unsigned int i = 0; i < key->child_count; i++) {
			strbuf_append_c(out, ' ');
			imap_search_key_append(out, &key->children[i]);
		}
		strbuf_append_c(out, ')');
		return;
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_NOT:
		strbuf_printf(out, "(%s", name);
		for (unsigned int i = 0; i < key->child_count; i++) {
			strbuf_append_c(out, ' ');
			imap_search_key_append(out, &key->children[i]);
		}
		strbuf_append_c(out, ')');
		return;
	case IMAP_SEARCH_SEQSET:
		search_append_seqset(out, key);
		return;
	case IMAP_SEARCH_BEFORE: case IMAP_SEARCH_ON: case IMAP_SEARCH_SINCE:
	case IMAP_SEARCH_SENTBEFORE: case IMAP_SEARCH_SENTON: case IMAP_SEARCH_SENTSINCE:
		strbuf_printf(out, "(%s ", name);
		search_append_date(out, key->date);
		strbuf_append_c(out, ')');
		return;
	case IMAP_SEARCH_LARGER: case IMAP_SEARCH_SMALLER: case IMAP_SEARCH_MODSEQ:
	case IMAP_SEARCH_OLDER: case IMAP_SEARCH_YOUNGER:
		strbuf_printf(out, "(%s", name);
		if (key->value != NULL) {
			strbuf_append_c(out, ' ');
			search_append_quoted(out, key->value);
			strbuf_printf(out, " %s", key->value2);
		}
		strbuf_printf(out, " %lld)", (long long)key->number);
		return;
	default:
		break;
	}
	if (key->value == NULL) {
		strbuf_append(out, name);
		return;
	}
	strbuf_printf(out, "(%s ", name);
	search_append_quoted(out, key->value);
	if (key->value2 != NULL) {
		strbuf_append_c(out, ' ');
		search_append_quoted(out, key->value2);
	}
	strbuf_append_c(out, ')');
}

void imap_sort_criteria_append(struct strbuf *out, const struct imap_sort_criterion *sort,
			       unsigned int count)
{
	strbuf_append_c(out, '(');
	for (unsigned int i = 0; i < count; i++) {
		if (i > 0)
			strbuf_append_c(out, ' ');
		if (sort[i].reverse)
			strbuf_append(out, "REVERSE ");
		strbuf_append(out, sort_key_names[sort[i].key]);
	}
	strbuf_append_c(out, ')');
}
