/*
 * smtp-redirect.c — a policy "redirect": the message goes to the
 * redirect addresses instead of its envelope recipients. Each address is
 * resolved like a RCPT (aliases, sub-addresses, remote domains) one after
 * the other; an address that resolves to nobody is logged and skipped, so
 * a mistyped rule target cannot lose the whole message silently — when no
 * address is left, the original recipients keep it.
 */
#include "smtp-session-private.h"

#include "log.h"
#include "settings.h"
#include "store-rcpt.h"
#include "xalloc.h"

#include <stdlib.h>

struct smtp_redirect {
	struct session_ticket *ticket;
	void (*done)(struct smtp_session *s);
	unsigned int next;                  /* redirect address being resolved */
	struct smtp_transaction *found;     /* targets gathered so far */
};

static void smtp_redirect_next(struct smtp_session *s, struct smtp_redirect *r);

static void smtp_redirect_finish(struct smtp_session *s, struct smtp_redirect *r)
{
	struct smtp_transaction *tx = s->tx, *found = r->found;

	if (found->target_count + found->remote_count == 0) {
		log_warning("smtp", s->ws.id_str, "event=redirect_unresolved queue_id=%s "
			    "action=kept_recipients", tx->queue_id);
	} else {
		/* swap the target lists; found takes the old ones to be freed */
		struct smtp_transaction old = *tx;

		tx->account_ids = found->account_ids;
		tx->mailbox_ids = found->mailbox_ids;
		tx->target_count = found->target_count;
		tx->target_alloc = found->target_alloc;
		tx->remote_rcpts = found->remote_rcpts;
		tx->remote_count = found->remote_count;
		found->account_ids = old.account_ids;
		found->mailbox_ids = old.mailbox_ids;
		found->remote_rcpts = old.remote_rcpts;
		found->remote_count = old.remote_count;
		log_info("smtp", s->ws.id_str, "event=redirected queue_id=%s mailboxes=%u queued=%u",
			 tx->queue_id, tx->target_count, tx->remote_count);
	}
	smtp_transaction_free(&r->found);
	r->done(s);
	free(r);
}

static void smtp_redirect_resolved(void *ctx, const struct store_rcpt_target *targets,
				   unsigned int count, const char *error)
{
	struct smtp_redirect *r = ctx;
	struct smtp_session *s = smtp_session_from_ticket(r->ticket);
	const char *address;

	if (s == NULL) {
		smtp_transaction_free(&r->found);
		free(r);
		return;
	}
	address = s->tx->policy.redirects[r->next];
	for (unsigned int i = 0; error == NULL && i < count; i++) {
		if (targets[i].kind == STORE_RCPT_ACCOUNT)
			smtp_rcpt_add_target(r->found, &targets[i]);
		else if (targets[i].kind == STORE_RCPT_REMOTE)
			smtp_rcpt_add_remote(r->found, targets[i].address);
		else if (targets[i].kind == STORE_RCPT_NODOMAIN)
			smtp_rcpt_add_remote(r->found, address);
		else
			log_warning("smtp", s->ws.id_str, "event=redirect_unknown to=<%s>", address);
	}
	if (error != NULL)
		log_warning("smtp", s->ws.id_str, "event=redirect_lookup_failed to=<%s> error=\"%s\"",
			    address, error);
	r->next++;
	smtp_redirect_next(s, r);
}

static void smtp_redirect_next(struct smtp_session *s, struct smtp_redirect *r)
{
	const struct settings_cache *settings = s->worker->settings;

	if (r->next == s->tx->policy.redirect_count) {
		smtp_redirect_finish(s, r);
		return;
	}
	r->ticket = session_ticket_new(&s->ws);
	store_rcpt_resolve(s->worker->pool, s->tx->policy.redirects[r->next],
			   settings_get(settings, "recipient_delimiter", 0, 0),
			   (int)settings_get_number(settings, "alias_max_depth", 0, 0),
			   smtp_redirect_resolved, r);
}

void smtp_redirect_resolve(struct smtp_session *s, void (*done)(struct smtp_session *s))
{
	struct smtp_redirect *r = xcalloc(1, sizeof(*r));

	r->done = done;
	r->found = xcalloc(1, sizeof(*r->found));
	smtp_redirect_next(s, r);
}
