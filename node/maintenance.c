/*
 * maintenance.c — schedules the cluster-wide clean-up jobs from one worker
 * of the node (see maintenance.h).
 *
 * Autoexpunge runs every autoexpunge_interval; a run removes at most
 * MAINTENANCE_AUTOEXPUNGE_BATCH messages in one short transaction and, when
 * it filled the batch, the next run follows at once, so a large backlog
 * drains in small steps without holding locks on many mailboxes for long.
 *
 * Search indexing runs every MAINTENANCE_SEARCH_INTERVAL the same way: it
 * moves the search text of newly stored messages into the word index in
 * bulk, and SEARCH reads the rows still waiting too, so the interval only
 * bounds how many rows a SEARCH must check without the index.
 *
 * Delivery status notifications of the outbound queue run here too
 * (outbound-bounce.c), on their own timer.
 *
 * The greylist clean-up (expired triplets and networks, long-ended bans)
 * runs every greylist_cleanup_interval.
 */
#include "maintenance.h"

#include "log.h"
#include "outbound-bounce.h"
#include "settings.h"
#include "store-maintenance.h"
#include "worker.h"
#include "xalloc.h"

#include <ev.h>
#include <stdlib.h>

#define MAINTENANCE_AUTOEXPUNGE_BATCH 1000
#define MAINTENANCE_SEARCH_BATCH 5000
#define MAINTENANCE_SEARCH_INTERVAL 1.0
/* First run soon after start, not at once: let the node settle. */
#define MAINTENANCE_FIRST_DELAY 5.0

struct maintenance {
	struct worker *worker;
	ev_timer autoexpunge_timer;
	ev_timer search_timer;
	ev_timer greylist_timer;
	struct outbound_bounce *bounce;
	unsigned int running;     /* jobs in flight */
	bool freed;               /* freed while a job was in flight */
};

static void maintenance_schedule(struct maintenance *m, ev_timer *timer, double after)
{
	ev_timer_stop(m->worker->loop, timer);
	ev_timer_set(timer, after, 0);
	ev_timer_start(m->worker->loop, timer);
}

/* A job's reply arrived: false when m was freed meanwhile (and is gone
   once no job is in flight). */
static bool maintenance_job_done(struct maintenance *m)
{
	m->running--;
	if (!m->freed)
		return true;
	if (m->running == 0)
		free(m);
	return false;
}

static void maintenance_autoexpunge_done(void *ctx, const char *error, int64_t removed)
{
	struct maintenance *m = ctx;
	double interval;

	if (!maintenance_job_done(m))
		return;
	interval = (double)settings_get_number(m->worker->settings, "autoexpunge_interval", 0, 0);
	if (error != NULL) {
		log_warning("maintenance", NULL, "event=autoexpunge_failed error=\"%s\"", error);
	} else if (removed > 0) {
		log_info("maintenance", NULL, "event=autoexpunge removed=%lld", (long long)removed);
		if (removed >= MAINTENANCE_AUTOEXPUNGE_BATCH)
			interval = 0.1;   /* more to do */
	}
	maintenance_schedule(m, &m->autoexpunge_timer, interval);
}

static void maintenance_autoexpunge_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct maintenance *m = w->data;

	(void)loop;
	(void)revents;
	m->running++;
	store_autoexpunge(m->worker->pool,
			  (int)settings_get_number(m->worker->settings, "autoexpunge_days", 0, 0),
			  MAINTENANCE_AUTOEXPUNGE_BATCH, maintenance_autoexpunge_done, m);
}

static void maintenance_search_done(void *ctx, const char *error, int64_t moved)
{
	struct maintenance *m = ctx;
	double interval = MAINTENANCE_SEARCH_INTERVAL;

	if (!maintenance_job_done(m))
		return;
	if (error != NULL)
		log_warning("maintenance", NULL, "event=search_index_failed error=\"%s\"", error);
	else if (moved >= MAINTENANCE_SEARCH_BATCH)
		interval = 0;   /* more to do */
	maintenance_schedule(m, &m->search_timer, interval);
}

static void maintenance_search_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct maintenance *m = w->data;

	(void)loop;
	(void)revents;
	m->running++;
	store_search_index(m->worker->pool, MAINTENANCE_SEARCH_BATCH, maintenance_search_done, m);
}

static void maintenance_greylist_done(void *ctx, const char *error, int64_t removed)
{
	struct maintenance *m = ctx;

	if (!maintenance_job_done(m))
		return;
	if (error != NULL)
		log_warning("maintenance", NULL, "event=greylist_cleanup_failed error=\"%s\"", error);
	else if (removed > 0)
		log_info("maintenance", NULL, "event=greylist_cleanup removed=%lld", (long long)removed);
	maintenance_schedule(m, &m->greylist_timer,
			     (double)settings_get_number(m->worker->settings,
							 "greylist_cleanup_interval", 0, 0));
}

static void maintenance_greylist_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct maintenance *m = w->data;

	(void)loop;
	(void)revents;
	m->running++;
	store_greylist_cleanup(m->worker->pool, maintenance_greylist_done, m);
}

struct maintenance *maintenance_new(struct worker *worker)
{
	struct maintenance *m = xcalloc(1, sizeof(*m));

	m->worker = worker;
	ev_init(&m->autoexpunge_timer, maintenance_autoexpunge_timer);
	m->autoexpunge_timer.data = m;
	maintenance_schedule(m, &m->autoexpunge_timer, MAINTENANCE_FIRST_DELAY);
	ev_init(&m->search_timer, maintenance_search_timer);
	m->search_timer.data = m;
	maintenance_schedule(m, &m->search_timer, MAINTENANCE_SEARCH_INTERVAL);
	ev_init(&m->greylist_timer, maintenance_greylist_timer);
	m->greylist_timer.data = m;
	maintenance_schedule(m, &m->greylist_timer, MAINTENANCE_FIRST_DELAY);
	m->bounce = outbound_bounce_new(worker);
	return m;
}

void maintenance_free(struct maintenance **mp)
{
	struct maintenance *m = *mp;

	if (m == NULL)
		return;
	*mp = NULL;
	ev_timer_stop(m->worker->loop, &m->autoexpunge_timer);
	ev_timer_stop(m->worker->loop, &m->search_timer);
	ev_timer_stop(m->worker->loop, &m->greylist_timer);
	outbound_bounce_free(&m->bounce);
	if (m->running > 0)
		m->freed = true;   /* the reply frees it */
	else
		free(m);
}
