/*
 * imap-thread.c — RFC 5256 threading (see imap-thread.h).
 *
 * Containers live in one array and refer to each other by index, so the
 * array can grow while links are held. Message-IDs are not hashed: every
 * msg-id occurrence (own ids and references) is collected, sorted once,
 * and each distinct id gets one container. The tree is walked only with
 * explicit stacks: pruning and sorting run over the reverse pre-order
 * (every node after all its descendants), printing keeps a stack of the
 * nested groups it is inside.
 */
#include "imap-thread.h"

#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define THREAD_NONE UINT32_MAX
/* Loop checks may walk this many parent links in total, plus
   THREAD_LOOP_BUDGET_PER_NODE per container. */
#define THREAD_LOOP_BUDGET_BASE 1000000
#define THREAD_LOOP_BUDGET_PER_NODE 64
/* Keep container indexes below THREAD_NONE whatever the input: at most
   3 * messages + references + 1 containers exist. */
#define THREAD_MAX_MESSAGES (UINT32_MAX / 8)
#define THREAD_MAX_REFS_TOTAL (UINT32_MAX / 4)

struct thread_vec {
	uint32_t *v;
	size_t count, size;
};

struct thread_node {
	uint32_t parent, first_child, last_child, prev, next;
	uint32_t child_count;
	uint32_t msg;     /* index into msgs; THREAD_NONE for a dummy */
	uint32_t key;     /* message ordering this node: msg, or for a dummy
	                     its first child's key */
};

struct thread_ctx {
	const struct imap_thread_message *msgs;
	uint32_t count;
	struct thread_node *nodes;
	uint32_t node_count, node_size;
	uint32_t root;                /* virtual parent of all threads */
	uint64_t loop_budget;
};

/* Message-IDs collected from the headers: own[i] is the offset of message
   i's own id in ids (SIZE_MAX: none), refs[ref_start[i]..+ref_count[i])
   the offsets of its references. */
struct thread_ids {
	struct strbuf ids;            /* NUL-separated */
	size_t *own;
	size_t *refs;
	size_t ref_total, ref_size;
	uint32_t *ref_start, *ref_count;
};

struct thread_id_entry {
	const char *id;
	uint32_t slot;                /* < count: own id of that message;
	                                 else reference slot - count */
};

struct thread_sort_entry {
	time_t date;
	uint32_t id;
	uint32_t node;
};

static void vec_push(struct thread_vec *vec, uint32_t value)
{
	if (vec->count == vec->size) {
		vec->size = vec->size < 64 ? 64 : vec->size * 2;
		vec->v = xrealloc(vec->v, vec->size * sizeof(*vec->v));
	}
	vec->v[vec->count++] = value;
}

/* ---- msg-id parsing ---- */

/* At '(': the position after the (nested) comment, or the end. */
static const char *msgid_skip_comment(const char *p)
{
	unsigned int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

/* At '"': the position after the quoted string, or the end. */
static const char *msgid_skip_quoted(const char *p)
{
	for (p++; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return p;
}

static bool msgid_is_valid(const char *id, size_t len, bool ctl)
{
	const char *at = memrchr(id, '@', len);

	return !ctl && len <= IMAP_THREAD_MSGID_MAX && at != NULL && at != id &&
		at != id + len - 1;
}

/* After '<': append the id up to '>' to dest, without whitespace and
   comments; a new '<' starts over. Returns the position after '>' (or the
   end); *valid_r tells whether a complete, valid id was appended. */
static const char *msgid_read(const char *p, struct strbuf *dest, bool *valid_r)
{
	size_t start = dest->len;
	bool ctl = false;
	const char *q;

	*valid_r = false;
	while (*p != '>') {
		if (*p == '\0')
			return p;
		if (*p == '<') {
			strbuf_truncate(dest, start);
			ctl = false;
			p++;
		} else if (*p == '(') {
			p = msgid_skip_comment(p);
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else {
			q = *p == '"' ? msgid_skip_quoted(p) : p + 1;
			strbuf_append_n(dest, p, (size_t)(q - p));
			for (; p < q; p++)
				ctl = ctl || (unsigned char)*p < 0x20 || *p == 0x7f;
		}
	}
	*valid_r = dest->len > start &&
		msgid_is_valid(dest->data + start, dest->len - start, ctl);
	return p + 1;
}

/* Append the next valid msg-id in *pp to dest, NUL-terminated, and advance
   *pp past it. Returns false when none is left. */
static bool msgid_next(const char **pp, struct strbuf *dest)
{
	const char *p = *pp;
	size_t start = dest->len;
	bool valid;

	while (*p != '\0') {
		if (*p == '(') {
			p = msgid_skip_comment(p);
		} else if (*p == '"') {
			p = msgid_skip_quoted(p);
		} else if (*p == '<') {
			p = msgid_read(p + 1, dest, &valid);
			if (valid) {
				strbuf_append_n(dest, "", 1);
				*pp = p;
				return true;
			}
			strbuf_truncate(dest, start);
		} else {
			p++;
		}
	}
	*pp = p;
	return false;
}

/* ---- containers ---- */

static uint32_t node_new(struct thread_ctx *ctx, uint32_t msg)
{
	struct thread_node *node;

	if (ctx->node_count == ctx->node_size) {
		ctx->node_size = ctx->node_size < 64 ? 64 : ctx->node_size * 2;
		ctx->nodes = xrealloc(ctx->nodes, ctx->node_size * sizeof(*ctx->nodes));
	}
	node = &ctx->nodes[ctx->node_count];
	node->parent = node->first_child = node->last_child = THREAD_NONE;
	node->prev = node->next = THREAD_NONE;
	node->child_count = 0;
	node->msg = node->key = msg;
	return ctx->node_count++;
}

static void node_unlink(struct thread_ctx *ctx, uint32_t n)
{
	struct thread_node *node = &ctx->nodes[n], *parent;

	if (node->parent == THREAD_NONE)
		return;
	parent = &ctx->nodes[node->parent];
	if (node->prev != THREAD_NONE)
		ctx->nodes[node->prev].next = node->next;
	else
		parent->first_child = node->next;
	if (node->next != THREAD_NONE)
		ctx->nodes[node->next].prev = node->prev;
	else
		parent->last_child = node->prev;
	parent->child_count--;
	node->parent = node->prev = node->next = THREAD_NONE;
}

/* Make n (which has no parent) the last child of parent. */
static void node_append(struct thread_ctx *ctx, uint32_t parent, uint32_t n)
{
	struct thread_node *p = &ctx->nodes[parent], *node = &ctx->nodes[n];

	assert(node->parent == THREAD_NONE && parent != n);
	node->parent = parent;
	node->prev = p->last_child;
	if (p->last_child != THREAD_NONE)
		ctx->nodes[p->last_child].next = n;
	else
		p->first_child = n;
	p->last_child = n;
	p->child_count++;
}

static void node_move_children(struct thread_ctx *ctx, uint32_t from, uint32_t to)
{
	uint32_t c;

	while ((c = ctx->nodes[from].first_child) != THREAD_NONE) {
		node_unlink(ctx, c);
		node_append(ctx, to, c);
	}
}

static bool node_is_dummy(const struct thread_ctx *ctx, uint32_t n)
{
	return ctx->nodes[n].msg == THREAD_NONE;
}

/* ---- step 1: Message-IDs to containers ---- */

static void thread_ids_push_ref(struct thread_ids *ids, size_t offset)
{
	if (ids->ref_total == ids->ref_size) {
		ids->ref_size = ids->ref_size < 64 ? 64 : ids->ref_size * 2;
		ids->refs = xrealloc(ids->refs, ids->ref_size * sizeof(*ids->refs));
	}
	ids->refs[ids->ref_total++] = offset;
}

/* Message i's references: those of References, the last
   IMAP_THREAD_MAX_REFERENCES of them (nearest the message), or else the
   first valid one of In-Reply-To. */
static void thread_ids_collect_refs(struct thread_ids *ids, uint32_t i,
				    const struct imap_thread_message *msg)
{
	const char *p = msg->references;
	size_t start = ids->ref_total, offset = ids->ids.len;

	while (p != NULL && ids->ref_total < THREAD_MAX_REFS_TOTAL &&
	       msgid_next(&p, &ids->ids)) {
		thread_ids_push_ref(ids, offset);
		offset = ids->ids.len;
	}
	if (ids->ref_total - start > IMAP_THREAD_MAX_REFERENCES) {
		memmove(ids->refs + start,
			ids->refs + ids->ref_total - IMAP_THREAD_MAX_REFERENCES,
			IMAP_THREAD_MAX_REFERENCES * sizeof(*ids->refs));
		ids->ref_total = start + IMAP_THREAD_MAX_REFERENCES;
	}
	p = msg->in_reply_to;
	if (ids->ref_total == start && p != NULL && ids->ref_total < THREAD_MAX_REFS_TOTAL &&
	    msgid_next(&p, &ids->ids))
		thread_ids_push_ref(ids, offset);
	ids->ref_start[i] = (uint32_t)start;
	ids->ref_count[i] = (uint32_t)(ids->ref_total - start);
}

static void thread_ids_collect(struct thread_ids *ids, const struct imap_thread_message *msgs,
			       uint32_t count)
{
	memset(ids, 0, sizeof(*ids));
	ids->own = xmalloc((count + 1) * sizeof(*ids->own));
	ids->ref_start = xmalloc((count + 1) * sizeof(*ids->ref_start));
	ids->ref_count = xmalloc((count + 1) * sizeof(*ids->ref_count));
	for (uint32_t i = 0; i < count; i++) {
		const char *p = msgs[i].message_id;
		size_t offset = ids->ids.len;

		ids->own[i] = p != NULL && msgid_next(&p, &ids->ids) ? offset : SIZE_MAX;
		thread_ids_collect_refs(ids, i, &msgs[i]);
	}
}

static void thread_ids_free(struct thread_ids *ids)
{
	strbuf_free(&ids->ids);
	free(ids->own);
	free(ids->refs);
	free(ids->ref_start);
	free(ids->ref_count);
}

static int thread_id_entry_cmp(const void *a, const void *b)
{
	const struct thread_id_entry *ea = a, *eb = b;
	int ret = strcmp(ea->id, eb->id);

	if (ret != 0)
		return ret;
	return ea->slot < eb->slot ? -1 : ea->slot > eb->slot;
}

/* One container per distinct id: slot_node[slot] is the container of
   each own id and reference (THREAD_NONE for a message without id). */
static uint32_t *thread_ids_containers(struct thread_ctx *ctx, const struct thread_ids *ids)
{
	size_t slots = ctx->count + ids->ref_total, n = 0;
	struct thread_id_entry *entries = xmalloc((slots + 1) * sizeof(*entries));
	uint32_t *slot_node = xmalloc((slots + 1) * sizeof(*slot_node));

	for (uint32_t i = 0; i < ctx->count; i++) {
		slot_node[i] = THREAD_NONE;
		if (ids->own[i] != SIZE_MAX) {
			entries[n].id = ids->ids.data + ids->own[i];
			entries[n++].slot = i;
		}
	}
	for (size_t r = 0; r < ids->ref_total; r++) {
		entries[n].id = ids->ids.data + ids->refs[r];
		entries[n++].slot = (uint32_t)(ctx->count + r);
	}
	qsort(entries, n, sizeof(*entries), thread_id_entry_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(entries[i - 1].id, entries[i].id) != 0)
			node_new(ctx, THREAD_NONE);
		slot_node[entries[i].slot] = ctx->node_count - 1;
	}
	free(entries);
	return slot_node;
}

/* Whether making parent the parent of child would create a loop: parent
   is child or one of its descendants. Refuses (true) once the budget of
   parent-link steps is spent. */
static bool thread_would_loop(struct thread_ctx *ctx, uint32_t parent, uint32_t child)
{
	if (parent == child)
		return true;
	if (ctx->nodes[child].child_count == 0)
		return false;
	for (uint32_t n = parent; n != THREAD_NONE; n = ctx->nodes[n].parent) {
		if (n == child || ctx->loop_budget == 0)
			return true;
		ctx->loop_budget--;
	}
	return false;
}

/* Step 1.A: link consecutive references, never changing a parent. */
static void thread_link_refs(struct thread_ctx *ctx, const uint32_t *refs, uint32_t count)
{
	for (uint32_t j = 1; j < count; j++) {
		uint32_t parent = refs[j - 1], child = refs[j];

		if (ctx->nodes[child].parent == THREAD_NONE &&
		    !thread_would_loop(ctx, parent, child))
			node_append(ctx, parent, child);
	}
}

/* Step 1.B: the last reference (or none) becomes the message's parent,
   replacing a parent guessed from another message's References. */
static void thread_link_message(struct thread_ctx *ctx, uint32_t n, uint32_t parent)
{
	if (ctx->nodes[n].parent == parent)
		return;
	if (parent != THREAD_NONE && thread_would_loop(ctx, parent, n))
		return;
	node_unlink(ctx, n);
	if (parent != THREAD_NONE)
		node_append(ctx, parent, n);
}

static void thread_step1(struct thread_ctx *ctx)
{
	struct thread_ids ids;
	uint32_t *slot_node, *refs;

	thread_ids_collect(&ids, ctx->msgs, ctx->count);
	slot_node = thread_ids_containers(ctx, &ids);
	for (uint32_t i = 0; i < ctx->count; i++) {
		uint32_t n = slot_node[i];

		/* a missing or duplicate Message-ID gets a unique container */
		if (n == THREAD_NONE || !node_is_dummy(ctx, n))
			n = node_new(ctx, i);
		ctx->nodes[n].msg = ctx->nodes[n].key = i;
		slot_node[i] = n;
	}
	ctx->loop_budget = THREAD_LOOP_BUDGET_BASE +
		(uint64_t)ctx->node_count * THREAD_LOOP_BUDGET_PER_NODE;
	for (uint32_t i = 0; i < ctx->count; i++) {
		refs = slot_node + ctx->count + ids.ref_start[i];
		thread_link_refs(ctx, refs, ids.ref_count[i]);
		thread_link_message(ctx, slot_node[i], ids.ref_count[i] == 0 ? THREAD_NONE :
				    refs[ids.ref_count[i] - 1]);
	}
	free(slot_node);
	thread_ids_free(&ids);
}

/* ---- steps 2, 4 and 6: root set, pruning, sorting ---- */

/* Step 2: every container without a parent goes under the virtual root. */
static void thread_gather_roots(struct thread_ctx *ctx)
{
	uint32_t count = ctx->node_count;

	ctx->root = node_new(ctx, THREAD_NONE);
	for (uint32_t n = 0; n < count; n++) {
		if (ctx->nodes[n].parent == THREAD_NONE)
			node_append(ctx, ctx->root, n);
	}
}

/* Every container under the root, each before its descendants. */
static void thread_preorder(const struct thread_ctx *ctx, struct thread_vec *order)
{
	struct thread_vec stack = { NULL, 0, 0 };

	order->count = 0;
	vec_push(&stack, ctx->root);
	while (stack.count > 0) {
		uint32_t n = stack.v[--stack.count];

		vec_push(order, n);
		for (uint32_t c = ctx->nodes[n].first_child; c != THREAD_NONE; c = ctx->nodes[c].next)
			vec_push(&stack, c);
	}
	free(stack.v);
}

/* Step 4 for n's children, whose own children are pruned already: a
   dummy without children goes; a dummy with children is replaced by
   them, except that at the root only a single child is promoted. */
static void thread_prune_children(struct thread_ctx *ctx, uint32_t n)
{
	uint32_t c = ctx->nodes[n].first_child, next;

	while (c != THREAD_NONE) {
		next = ctx->nodes[c].next;
		if (node_is_dummy(ctx, c) && (n != ctx->root || ctx->nodes[c].child_count <= 1)) {
			node_move_children(ctx, c, n);
			node_unlink(ctx, c);
		}
		c = next;
	}
}

static int thread_sort_entry_cmp(const void *a, const void *b)
{
	const struct thread_sort_entry *ea = a, *eb = b;

	if (ea->date != eb->date)
		return ea->date < eb->date ? -1 : 1;
	if (ea->id != eb->id)
		return ea->id < eb->id ? -1 : 1;
	return ea->node < eb->node ? -1 : ea->node > eb->node;
}

/* Step 6 for n's children (whose keys are final); then n's key. */
static void thread_sort_children(struct thread_ctx *ctx, uint32_t n,
				 struct thread_sort_entry *tmp)
{
	struct thread_node *node = &ctx->nodes[n];
	uint32_t k = 0, prev = THREAD_NONE;

	for (uint32_t c = node->first_child; c != THREAD_NONE; c = ctx->nodes[c].next) {
		uint32_t key = ctx->nodes[c].key;

		tmp[k].date = key == THREAD_NONE ? 0 : ctx->msgs[key].date;
		tmp[k].id = key == THREAD_NONE ? 0 : ctx->msgs[key].id;
		tmp[k++].node = c;
	}
	if (k > 1)
		qsort(tmp, k, sizeof(*tmp), thread_sort_entry_cmp);
	for (uint32_t i = 0; i < k; i++) {
		uint32_t c = tmp[i].node;

		ctx->nodes[c].prev = prev;
		ctx->nodes[c].next = THREAD_NONE;
		if (prev != THREAD_NONE)
			ctx->nodes[prev].next = c;
		else
			node->first_child = c;
		prev = c;
	}
	node->last_child = prev;
	if (node->msg == THREAD_NONE)
		node->key = k == 0 ? THREAD_NONE : ctx->nodes[node->first_child].key;
}

/* Children before parents: prune (step 4) and/or sort (step 6). */
static void thread_bottom_up(struct thread_ctx *ctx, bool prune)
{
	struct thread_vec order = { NULL, 0, 0 };
	struct thread_sort_entry *tmp;

	thread_preorder(ctx, &order);
	tmp = xmalloc(order.count * sizeof(*tmp));
	for (size_t i = order.count; i-- > 0;) {
		if (prune)
			thread_prune_children(ctx, order.v[i]);
		thread_sort_children(ctx, order.v[i], tmp);
	}
	free(tmp);
	free(order.v);
}

/* ---- step 5: merging threads by subject ---- */

struct thread_subject_entry {
	const char *subject;
	uint32_t pos;
	uint32_t node;
};

static int thread_subject_entry_cmp(const void *a, const void *b)
{
	const struct thread_subject_entry *ea = a, *eb = b;
	int ret = strcasecmp(ea->subject, eb->subject);

	if (ret != 0)
		return ret;
	return ea->pos < eb->pos ? -1 : ea->pos > eb->pos;
}

/* The thread subject: the message's, or a dummy's first child's. */
static const char *thread_subject(const struct thread_ctx *ctx, uint32_t n)
{
	uint32_t key = ctx->nodes[n].key;
	const char *subject = key == THREAD_NONE ? NULL : ctx->msgs[key].base_subject;

	return subject == NULL ? "" : subject;
}

static bool node_is_reply(const struct thread_ctx *ctx, uint32_t n)
{
	return !node_is_dummy(ctx, n) && ctx->msgs[ctx->nodes[n].msg].is_reply_or_fwd;
}

/* Step 5.C: merge root cur into table, the subject table's entry;
   returns the new entry. */
static uint32_t thread_merge(struct thread_ctx *ctx, uint32_t table, uint32_t cur)
{
	uint32_t dummy;

	if (node_is_dummy(ctx, table) && node_is_dummy(ctx, cur)) {
		node_move_children(ctx, cur, table);
		node_unlink(ctx, cur);
		return table;
	}
	if (node_is_dummy(ctx, table) || (node_is_reply(ctx, cur) && !node_is_reply(ctx, table))) {
		node_unlink(ctx, cur);
		node_append(ctx, table, cur);
		return table;
	}
	dummy = node_new(ctx, THREAD_NONE);
	node_unlink(ctx, table);
	node_unlink(ctx, cur);
	node_append(ctx, ctx->root, dummy);
	node_append(ctx, dummy, table);
	node_append(ctx, dummy, cur);
	return dummy;
}

/* Step 5.B for the roots with one subject: the entry the others merge
   into, preferring a dummy, then a message that is no reply. */
static uint32_t thread_subject_table(const struct thread_ctx *ctx,
				     const struct thread_subject_entry *group, size_t count)
{
	uint32_t table = group[0].node;

	for (size_t i = 1; i < count; i++) {
		uint32_t cur = group[i].node;

		if (!node_is_dummy(ctx, table) &&
		    (node_is_dummy(ctx, cur) || (node_is_reply(ctx, table) && !node_is_reply(ctx, cur))))
			table = cur;
	}
	return table;
}

/* Step 5: roots are taken in their (sorted) order; threads with an empty
   subject stay as they are. */
static void thread_group_subjects(struct thread_ctx *ctx)
{
	struct thread_subject_entry *entries;
	uint32_t k = 0, table;
	size_t i, j;

	entries = xmalloc((ctx->nodes[ctx->root].child_count + 1) * sizeof(*entries));
	for (uint32_t c = ctx->nodes[ctx->root].first_child; c != THREAD_NONE;
	     c = ctx->nodes[c].next) {
		if (*thread_subject(ctx, c) == '\0')
			continue;
		entries[k].subject = thread_subject(ctx, c);
		entries[k].pos = k;
		entries[k++].node = c;
	}
	qsort(entries, k, sizeof(*entries), thread_subject_entry_cmp);
	for (i = 0; i < k; i = j) {
		for (j = i + 1; j < k && strcasecmp(entries[i].subject, entries[j].subject) == 0; j++)
			;
		table = thread_subject_table(ctx, entries + i, j - i);
		for (size_t m = i; m < j; m++) {
			if (entries[m].node != table)
				table = thread_merge(ctx, table, entries[m].node);
		}
	}
	free(entries);
}

/* ---- the algorithms ---- */

static void thread_references(struct thread_ctx *ctx)
{
	thread_step1(ctx);
	thread_gather_roots(ctx);
	thread_bottom_up(ctx, true);     /* step 4, and sorted for step 5 */
	thread_group_subjects(ctx);
	thread_bottom_up(ctx, false);    /* step 6 */
}

struct thread_ordered_entry {
	const char *subject;
	time_t date;
	uint32_t id;
	uint32_t msg;
};

static int thread_ordered_entry_cmp(const void *a, const void *b)
{
	const struct thread_ordered_entry *ea = a, *eb = b;
	int ret = strcasecmp(ea->subject, eb->subject);

	if (ret != 0)
		return ret;
	if (ea->date != eb->date)
		return ea->date < eb->date ? -1 : 1;
	if (ea->id != eb->id)
		return ea->id < eb->id ? -1 : 1;
	return ea->msg < eb->msg ? -1 : ea->msg > eb->msg;
}

/* RFC 5256 2.1: sort by (base subject, date); each run of one subject is
   a thread whose first message is the parent of the rest. Message i is
   container i. */
static void thread_orderedsubject(struct thread_ctx *ctx)
{
	struct thread_ordered_entry *entries = xmalloc(ctx->count * sizeof(*entries));
	uint32_t i, j;

	for (i = 0; i < ctx->count; i++) {
		node_new(ctx, i);
		entries[i].subject = ctx->msgs[i].base_subject == NULL ? "" :
			ctx->msgs[i].base_subject;
		entries[i].date = ctx->msgs[i].date;
		entries[i].id = ctx->msgs[i].id;
		entries[i].msg = i;
	}
	ctx->root = node_new(ctx, THREAD_NONE);
	qsort(entries, ctx->count, sizeof(*entries), thread_ordered_entry_cmp);
	for (i = 0; i < ctx->count; i = j) {
		node_append(ctx, ctx->root, entries[i].msg);
		for (j = i + 1; j < ctx->count &&
		     strcasecmp(entries[i].subject, entries[j].subject) == 0; j++)
			node_append(ctx, entries[i].msg, entries[j].msg);
	}
	free(entries);
	thread_bottom_up(ctx, false);
}

/* ---- output ---- */

/* Close groups after a thread-list's last message until one has a next
   sibling; returns that sibling, or THREAD_NONE when the thread is done. */
static uint32_t thread_print_close(const struct thread_ctx *ctx, struct thread_vec *stack,
				   struct strbuf *out)
{
	for (;;) {
		uint32_t group = stack->v[--stack->count];

		strbuf_append_c(out, ')');
		if (stack->count == 0)
			return THREAD_NONE;
		if (ctx->nodes[group].next != THREAD_NONE)
			return ctx->nodes[group].next;
	}
}

/* One thread-list (RFC 5256 section 4): a node with one child continues
   the list, a node with more opens a group per child. stack holds the
   first node of each group we are inside. */
static void thread_print(const struct thread_ctx *ctx, uint32_t top, struct thread_vec *stack,
			 struct strbuf *out)
{
	uint32_t cur = top;
	bool members = false;     /* the current list has printed something */

	stack->count = 0;
	vec_push(stack, top);
	strbuf_append_c(out, '(');
	while (cur != THREAD_NONE) {
		const struct thread_node *node = &ctx->nodes[cur];

		if (node->msg != THREAD_NONE) {
			strbuf_printf(out, members ? " %u" : "%u",
				      (unsigned int)ctx->msgs[node->msg].id);
			members = true;
		}
		if (node->child_count == 1) {
			cur = node->first_child;
			continue;
		}
		if (node->child_count > 1) {
			cur = node->first_child;
			strbuf_append(out, members ? " (" : "(");
		} else if ((cur = thread_print_close(ctx, stack, out)) != THREAD_NONE) {
			strbuf_append_c(out, '(');
		}
		if (cur != THREAD_NONE)
			vec_push(stack, cur);
		members = false;
	}
}

void imap_thread_build(enum imap_thread_algorithm alg,
		       const struct imap_thread_message *msgs, unsigned int count,
		       struct strbuf *out)
{
	struct thread_ctx ctx;
	struct thread_vec stack = { NULL, 0, 0 };

	if (count == 0)
		return;
	assert(count <= THREAD_MAX_MESSAGES);
	memset(&ctx, 0, sizeof(ctx));
	ctx.msgs = msgs;
	ctx.count = count;
	if (alg == IMAP_THREAD_REFERENCES)
		thread_references(&ctx);
	else
		thread_orderedsubject(&ctx);
	for (uint32_t c = ctx.nodes[ctx.root].first_child; c != THREAD_NONE;
	     c = ctx.nodes[c].next) {
		if (!node_is_dummy(&ctx, c) || ctx.nodes[c].child_count > 0)
			thread_print(&ctx, c, &stack, out);
	}
	free(stack.v);
	free(ctx.nodes);
}

static const char *const thread_algorithm_names[] = {
	[IMAP_THREAD_ORDEREDSUBJECT] = "ORDEREDSUBJECT",
	[IMAP_THREAD_REFERENCES] = "REFERENCES",
};

int imap_thread_algorithm_parse(const char *name, enum imap_thread_algorithm *alg_r,
				const char **error_r)
{
	for (size_t i = 0; i < sizeof(thread_algorithm_names) / sizeof(thread_algorithm_names[0]);
	     i++) {
		if (strcasecmp(name, thread_algorithm_names[i]) == 0) {
			*alg_r = (enum imap_thread_algorithm)i;
			return 0;
		}
	}
	*error_r = "Unsupported threading algorithm";
	return -1;
}

const char *imap_thread_algorithm_name(enum imap_thread_algorithm alg)
{
	return thread_algorithm_names[alg];
}
