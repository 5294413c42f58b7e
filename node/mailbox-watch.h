/*
 * mailbox-watch.h — which sessions of this worker have which mailbox
 * selected, so a change announced by PostgreSQL reaches them.
 *
 * Every change to a mailbox (delivery, APPEND, STORE, EXPUNGE, COPY, MOVE,
 * DELETE), made by any node, makes the database NOTIFY petrel_mailbox with
 * "account_id mailbox_id". The worker's LISTEN connection hands the id to
 * mailbox_watch_notify(), which tells each watcher of that mailbox. A
 * watcher only notes the change and starts asynchronous work: it must not
 * add or remove watchers from inside the callback.
 */
#ifndef MAILBOX_WATCH_H
#define MAILBOX_WATCH_H

#include <stdint.h>

#define MAILBOX_WATCH_CHANNEL "petrel_mailbox"

struct mailbox_watch;
struct mailbox_watcher;

typedef void mailbox_changed_callback_t(struct mailbox_watcher *watcher);

struct mailbox_watcher {
	struct mailbox_watcher *prev, *next;   /* private */
	int64_t mailbox_id;
	mailbox_changed_callback_t *changed;
};

struct mailbox_watch *mailbox_watch_new(void);
void mailbox_watch_free(struct mailbox_watch **watch);

/* Start/stop telling watcher about its mailbox_id. */
void mailbox_watch_add(struct mailbox_watch *watch, struct mailbox_watcher *watcher);
void mailbox_watch_remove(struct mailbox_watch *watch, struct mailbox_watcher *watcher);

/* A NOTIFY payload "account_id mailbox_id" arrived. */
void mailbox_watch_notify(struct mailbox_watch *watch, const char *payload);
/* Changes may have been missed (the LISTEN connection was re-established). */
void mailbox_watch_notify_all(struct mailbox_watch *watch);

#endif
