/*
 * mailbox-watch.c — per-worker index from mailbox id to the sessions that
 * have it selected (see mailbox-watch.h): an idmap of doubly linked lists.
 */
#include "mailbox-watch.h"

#include "idmap.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

struct mailbox_watch {
	struct idmap *heads;    /* mailbox id -> first watcher */
};

struct mailbox_watch *mailbox_watch_new(void)
{
	struct mailbox_watch *watch = xcalloc(1, sizeof(*watch));

	watch->heads = idmap_new();
	return watch;
}

void mailbox_watch_free(struct mailbox_watch **watchp)
{
	struct mailbox_watch *watch = *watchp;

	if (watch == NULL)
		return;
	*watchp = NULL;
	idmap_free(&watch->heads);
	free(watch);
}

void mailbox_watch_add(struct mailbox_watch *watch, struct mailbox_watcher *w)
{
	struct mailbox_watcher *head = idmap_get(watch->heads, (uint64_t)w->mailbox_id);

	w->prev = NULL;
	w->next = head;
	if (head != NULL) {
		head->prev = w;
		idmap_remove(watch->heads, (uint64_t)w->mailbox_id);
	}
	idmap_put(watch->heads, (uint64_t)w->mailbox_id, w);
}

void mailbox_watch_remove(struct mailbox_watch *watch, struct mailbox_watcher *w)
{
	if (w->prev != NULL) {
		w->prev->next = w->next;
	} else {
		idmap_remove(watch->heads, (uint64_t)w->mailbox_id);
		if (w->next != NULL)
			idmap_put(watch->heads, (uint64_t)w->mailbox_id, w->next);
	}
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void mailbox_watch_tell(struct mailbox_watcher *w)
{
	for (; w != NULL; w = w->next)
		w->changed(w);
}

void mailbox_watch_notify(struct mailbox_watch *watch, const char *payload)
{
	int64_t account_id, mailbox_id;

	if (payload == NULL || sscanf(payload, "%" SCNd64 " %" SCNd64, &account_id, &mailbox_id) != 2)
		return;
	mailbox_watch_tell(idmap_get(watch->heads, (uint64_t)mailbox_id));
}

static void mailbox_watch_tell_all(uint64_t id, void *value, void *ctx)
{
	mailbox_watch_tell(value);
}

void mailbox_watch_notify_all(struct mailbox_watch *watch)
{
	idmap_foreach(watch->heads, mailbox_watch_tell_all, NULL);
}
