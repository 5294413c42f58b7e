/*
 * imap-cmd-list.c — LIST (RFC 9051 6.3.9) with LIST-EXTENDED (RFC 5258:
 * selection and return options, pattern lists), LIST-STATUS (RFC 5819),
 * SPECIAL-USE (RFC 6154) and CHILDREN (RFC 3348) attributes; LSUB
 * (RFC 3501 6.3.9) and NAMESPACE (RFC 2342).
 *
 * One query reads all the account's mailboxes sorted by name; patterns
 * are matched here (lib-mail/imap-list-match). Every mailbox's parents
 * exist (CREATE makes them) and subscriptions live on the mailbox rows,
 * so there are no \NonExistent or \Noselect mailboxes except LSUB's
 * unsubscribed parents.
 */
#include "imap-session-private.h"

#include "imap-list-match.h"
#include "imap-utf7.h"
#include "store-imap-mailbox.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Selection options. */
#define LIST_SEL_SUBSCRIBED   0x01
#define LIST_SEL_RECURSIVE    0x02
#define LIST_SEL_SPECIAL_USE  0x04
/* Return options. */
#define LIST_RET_SUBSCRIBED   0x01
#define LIST_RET_STATUS       0x02

struct imap_list_call {
	struct session_ticket *ticket;
	bool lsub;
	unsigned int select, ret, status_items;
	char **patterns;
	unsigned int pattern_count;
};

/* What LIST knows about each mailbox beyond its row. */
struct imap_list_box {
	bool has_children;
	bool has_subscribed_child;
	bool lsub_parent;            /* LSUB: stands for subscribed children */
};

static void imap_list_call_free(struct imap_list_call *call)
{
	for (unsigned int i = 0; i < call->pattern_count; i++)
		free(call->patterns[i]);
	free(call->patterns);
	free(call);
}

/* A reference or pattern argument in UTF-8 (modified UTF-7 unless
   UTF8=ACCEPT; a pattern that is not valid UTF-7 is taken as it is and
   will simply not match). */
static bool imap_list_text_arg(const struct imap_session *s, const struct imap_arg *arg,
			       char **text_r)
{
	struct strbuf out = STRBUF_INIT;
	const char *raw;

	if (!imap_arg_get_astring(arg, &raw))
		return false;
	if (s->utf8_enabled || imap_utf7_to_utf8(raw, &out) < 0) {
		strbuf_truncate(&out, 0);
		strbuf_append(&out, raw);
	}
	*text_r = strbuf_steal(&out);
	return true;
}

static bool imap_list_add_pattern(const struct imap_session *s, struct imap_list_call *call,
				  const char *reference, const struct imap_arg *arg)
{
	char *pattern;

	if (!imap_list_text_arg(s, arg, &pattern))
		return false;
	call->patterns = xrealloc(call->patterns, sizeof(char *) * (call->pattern_count + 1));
	/* an empty pattern asks for the delimiter, whatever the reference */
	call->patterns[call->pattern_count++] = pattern[0] == '\0' ? xstrdup("") :
		imap_list_pattern_build(reference, pattern);
	free(pattern);
	return true;
}

static bool imap_list_parse_selection(struct imap_list_call *call, const struct imap_arg *arg)
{
	const struct imap_arg *opts;
	unsigned int count;

	if (!imap_arg_get_list(arg, &opts, &count))
		return false;
	for (unsigned int i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&opts[i], "SUBSCRIBED"))
			call->select |= LIST_SEL_SUBSCRIBED;
		else if (imap_arg_atom_equals(&opts[i], "RECURSIVEMATCH"))
			call->select |= LIST_SEL_RECURSIVE;
		else if (imap_arg_atom_equals(&opts[i], "SPECIAL-USE"))
			call->select |= LIST_SEL_SPECIAL_USE;
		else if (!imap_arg_atom_equals(&opts[i], "REMOTE"))
			return false;   /* REMOTE: there are no remote mailboxes */
	}
	/* RECURSIVEMATCH needs another option to recurse on (RFC 5258 3.1) */
	return (call->select & LIST_SEL_RECURSIVE) == 0 ||
	       (call->select & ~LIST_SEL_RECURSIVE) != 0;
}

/* RETURN (...): false after answering BAD. */
static bool imap_list_parse_return(struct imap_session *s, struct imap_list_call *call,
				   const struct imap_arg *arg)
{
	const struct imap_arg *opts;
	unsigned int count;

	if (!imap_arg_get_list(arg, &opts, &count)) {
		imap_cmd_finish(s, "BAD", "RETURN needs a list of options");
		return false;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&opts[i], "SUBSCRIBED")) {
			call->ret |= LIST_RET_SUBSCRIBED;
		} else if (imap_arg_atom_equals(&opts[i], "STATUS") && i + 1 < count) {
			if (!imap_status_items_parse(s, &opts[++i], &call->status_items))
				return false;
			call->ret |= LIST_RET_STATUS;
		} else if (!imap_arg_atom_equals(&opts[i], "CHILDREN") &&
			   !imap_arg_atom_equals(&opts[i], "SPECIAL-USE")) {
			/* CHILDREN and SPECIAL-USE attributes are always sent */
			imap_cmd_finish(s, "BAD", "Unknown LIST return option");
			return false;
		}
	}
	return true;
}

/* The arguments of LIST: [(selection)] reference (pattern | (patterns))
   [RETURN (options)]. False after answering BAD. */
static bool imap_list_parse(struct imap_session *s, const struct imap_command *cmd,
			    struct imap_list_call *call)
{
	const struct imap_arg *args = cmd->args, *list;
	unsigned int count = cmd->arg_count, n;
	char *reference;
	bool ok = true;

	if (!call->lsub && count > 0 && args[0].type == IMAP_ARG_LIST) {
		if (!imap_list_parse_selection(call, &args[0])) {
			imap_cmd_finish(s, "BAD", "Invalid LIST selection options");
			return false;
		}
		args++;
		count--;
	}
	if (count < 2 || (count != 2 && (call->lsub || count != 4 ||
					 !imap_arg_atom_equals(&args[2], "RETURN"))) ||
	    !imap_list_text_arg(s, &args[0], &reference)) {
		imap_cmd_finish(s, "BAD", "%s needs a reference and a mailbox pattern", cmd->name);
		return false;
	}
	if (!call->lsub && imap_arg_get_list(&args[1], &list, &n) && n > 0) {
		for (unsigned int i = 0; ok && i < n; i++)
			ok = imap_list_add_pattern(s, call, reference, &list[i]);
	} else {
		ok = imap_list_add_pattern(s, call, reference, &args[1]);
	}
	free(reference);
	if (!ok) {
		imap_cmd_finish(s, "BAD", "Invalid mailbox pattern");
		return false;
	}
	return count != 4 || imap_list_parse_return(s, call, &args[3]);
}

static int imap_list_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct store_imap_mailbox *)elem)->name);
}

/* Children and subscribed descendants: each name marks its parent, each
   subscribed one all its ancestors (boxes are sorted by byte order). */
static void imap_list_family(const struct store_imap_mailbox *boxes, unsigned int count,
			     struct imap_list_box *info)
{
	for (unsigned int i = 0; i < count; i++) {
		char *name = xstrdup(boxes[i].name);
		char *slash;
		bool first = true;

		while ((slash = strrchr(name, '/')) != NULL) {
			*slash = '\0';
			const struct store_imap_mailbox *parent =
				bsearch(name, boxes, count, sizeof(*boxes), imap_list_name_cmp);

			if (parent != NULL) {
				info[parent - boxes].has_children |= first;
				info[parent - boxes].has_subscribed_child |= boxes[i].subscribed;
			}
			if (!boxes[i].subscribed)
				break;
			first = false;
		}
		free(name);
	}
}

static bool imap_list_matches(const struct imap_list_call *call, const char *name)
{
	for (unsigned int i = 0; i < call->pattern_count; i++) {
		if (imap_list_match(call->patterns[i], name))
			return true;
	}
	return false;
}

/* LSUB: a subscribed mailbox the pattern does not reach ("%" for
   "foo/bar") is stood for by its nearest matching parent, which is
   listed \Noselect unless subscribed itself (RFC 3501 6.3.9). */
static void imap_list_lsub_parents(const struct imap_list_call *call,
				   const struct store_imap_mailbox *boxes, unsigned int count,
				   struct imap_list_box *info)
{
	for (unsigned int i = 0; i < count; i++) {
		char *name, *slash;

		if (!boxes[i].subscribed || imap_list_matches(call, boxes[i].name))
			continue;
		name = xstrdup(boxes[i].name);
		while ((slash = strrchr(name, '/')) != NULL) {
			*slash = '\0';
			if (!imap_list_matches(call, name))
				continue;
			const struct store_imap_mailbox *parent =
				bsearch(name, boxes, count, sizeof(*boxes), imap_list_name_cmp);

			if (parent != NULL)
				info[parent - boxes].lsub_parent = true;
			break;
		}
		free(name);
	}
}

static void imap_list_send_one(struct imap_session *s, const struct imap_list_call *call,
			       const struct store_imap_mailbox *box,
			       const struct imap_list_box *info)
{
	bool selected = ((call->select & LIST_SEL_SUBSCRIBED) == 0 || box->subscribed) &&
			((call->select & LIST_SEL_SPECIAL_USE) == 0 || box->special_use[0] != '\0');
	bool childinfo = (call->select & LIST_SEL_RECURSIVE) != 0 &&
			 (call->select & LIST_SEL_SUBSCRIBED) != 0 && info->has_subscribed_child;
	bool show_subscribed = !call->lsub && ((call->select & LIST_SEL_SUBSCRIBED) != 0 ||
					       (call->ret & LIST_RET_SUBSCRIBED) != 0);
	struct strbuf line = STRBUF_INIT;

	/* LSUB: an unsubscribed parent of subscribed mailboxes is \Noselect */
	if (call->lsub && !box->subscribed && !info->lsub_parent)
		return;
	if (!call->lsub && !selected && !childinfo)
		return;
	strbuf_printf(&line, "* %s (%s", call->lsub ? "LSUB" : "LIST",
		      info->has_children ? "\\HasChildren" : "\\HasNoChildren");
	if (call->lsub && !box->subscribed)
		strbuf_append(&line, " \\Noselect");
	if (show_subscribed && box->subscribed)
		strbuf_append(&line, " \\Subscribed");
	if (box->special_use[0] != '\0')
		strbuf_printf(&line, " %s", box->special_use);
	strbuf_append(&line, ") \"/\" ");
	imap_mailbox_append(s, &line, box->name);
	if (childinfo)
		strbuf_append(&line, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
	if ((call->ret & LIST_RET_STATUS) != 0 && selected)
		imap_status_send(s, box, call->status_items);
}

static void imap_list_reply(void *ctx, const char *error,
			    const struct store_imap_mailbox *boxes, unsigned int count)
{
	struct imap_list_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	struct imap_list_box *info;

	if (s == NULL || error != NULL) {
		if (s != NULL)
			imap_cmd_finish_store_error(s, error, call->lsub ? "Lsub" : "List");
		imap_list_call_free(call);
		return;
	}
	info = xcalloc(count + 1, sizeof(*info));
	imap_list_family(boxes, count, info);
	if (call->lsub)
		imap_list_lsub_parents(call, boxes, count, info);
	for (unsigned int i = 0; i < count; i++) {
		if (imap_list_matches(call, boxes[i].name))
			imap_list_send_one(s, call, &boxes[i], &info[i]);
	}
	free(info);
	imap_cmd_finish(s, "OK", "%s completed", call->lsub ? "Lsub" : "List");
	imap_list_call_free(call);
}

static void imap_list_run(struct imap_session *s, const struct imap_command *cmd, bool lsub)
{
	struct imap_list_call *call = xcalloc(1, sizeof(*call));

	call->lsub = lsub;
	if (!imap_list_parse(s, cmd, call)) {
		imap_list_call_free(call);
		return;
	}
	/* LIST "" "": the hierarchy delimiter and the root (RFC 9051 6.3.9) */
	if (call->pattern_count == 1 && call->patterns[0][0] == '\0') {
		imap_send(s, "* %s (\\Noselect) \"/\" \"\"", lsub ? "LSUB" : "LIST");
		imap_cmd_finish(s, "OK", "%s completed", lsub ? "Lsub" : "List");
		imap_list_call_free(call);
		return;
	}
	call->ticket = session_ticket_new(&s->ws);
	store_imap_mailboxes(s->worker->pool, s->account_id, NULL,
			     imap_status_counts(call->status_items), imap_list_reply, call);
}

void imap_cmd_list(struct imap_session *s, const struct imap_command *cmd)
{
	imap_list_run(s, cmd, false);
}

void imap_cmd_lsub(struct imap_session *s, const struct imap_command *cmd)
{
	imap_list_run(s, cmd, true);
}

void imap_cmd_namespace(struct imap_session *s, const struct imap_command *cmd)
{
	(void)cmd;
	/* one personal namespace, no others users' or shared ones */
	imap_send(s, "* NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_cmd_finish(s, "OK", "Namespace completed");
}
