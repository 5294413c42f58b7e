/*
 * smtp-filing.c — where the local copies of a message go when the policy
 * says so (see smtp_filing_run): "move" replaces each target's INBOX by
 * the folder of that name in the same account, "copy" adds a copy in
 * one. Each folder is one lookup for all target accounts. An account
 * without such a folder keeps its copy where it was: filing never loses
 * mail.
 */
#include "smtp-session-private.h"

#include "log.h"
#include "store-policy-folder.h"
#include "store-rcpt.h"
#include "xalloc.h"

#include <stdlib.h>

struct smtp_filing {
	struct session_ticket *ticket;
	void (*done)(struct smtp_session *s);
	unsigned int targets;        /* the targets before any copy was added */
	unsigned int step;           /* 0: the move folder, then copies[step - 1] */
};

static void smtp_filing_next(struct smtp_session *s, struct smtp_filing *f);

static const char *smtp_filing_folder(const struct smtp_transaction *tx, unsigned int step)
{
	if (step == 0)
		return tx->policy.folder;
	return step <= tx->policy.copy_count ? tx->policy.copies[step - 1] : NULL;
}

static void smtp_filing_found(void *ctx, const int64_t *mailbox_ids, const char *error)
{
	struct smtp_filing *f = ctx;
	struct smtp_session *s = smtp_session_from_ticket(f->ticket);
	struct smtp_transaction *tx;

	if (s == NULL) {
		free(f);
		return;
	}
	tx = s->tx;
	if (error != NULL)
		log_warning("smtp", s->ws.id_str, "event=folder_lookup_failed queue_id=%s "
			    "folder=\"%s\" error=\"%s\"", tx->queue_id,
			    smtp_filing_folder(tx, f->step), error);
	for (unsigned int i = 0; error == NULL && i < f->targets; i++) {
		struct store_rcpt_target copy = {
			.kind = STORE_RCPT_ACCOUNT, .account_id = tx->account_ids[i],
			.mailbox_id = mailbox_ids[i],
		};

		if (mailbox_ids[i] == 0)
			continue;
		if (f->step == 0)
			tx->mailbox_ids[i] = mailbox_ids[i];
		else
			smtp_rcpt_add_target(tx, &copy);
	}
	f->step++;
	smtp_filing_next(s, f);
}

static void smtp_filing_next(struct smtp_session *s, struct smtp_filing *f)
{
	struct smtp_transaction *tx = s->tx;

	while (f->step <= tx->policy.copy_count && smtp_filing_folder(tx, f->step) == NULL)
		f->step++;
	if (f->step > tx->policy.copy_count || f->targets == 0) {
		void (*done)(struct smtp_session *s) = f->done;

		free(f);
		done(s);
		return;
	}
	f->ticket = session_ticket_new(&s->ws);
	store_policy_folder_find(s->worker->pool, tx->account_ids, f->targets,
				 smtp_filing_folder(tx, f->step), smtp_filing_found, f);
}

void smtp_filing_run(struct smtp_session *s, void (*done)(struct smtp_session *s))
{
	struct smtp_filing *f = xcalloc(1, sizeof(*f));

	f->done = done;
	f->targets = s->tx->target_count;
	smtp_filing_next(s, f);
}
