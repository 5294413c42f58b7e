/*
 * maintenance.c — schedules the cluster-wide clean-up jobs from one worker
 * of the node (see maintenance.h).
 *
 * Autoexpunge runs every autoexpunge_interval; a run removes at most
 * MAINTENANCE_AUTOEXPUNGE_BATCH messages in one short transaction and, when
 * it filled the batch, the next run follows at once, so a large backlog
 * drains in small steps without holding locks on many mailboxes for long.
 */
#include "maintenance.h"

#include "log.h"
#include "settings.h"
#include "store-maintenance.h"
#include "worker.h"
#include "xalloc.h"

#include <ev.h>
#include <stdlib.h>

#define MAINTENANCE_AUTOEXPUNGE_BATCH 1000
/* First run soon after start, not at once: let the node settle. */
#define MAINTENANCE_FIRST_DELAY 5.0

struct maintenance {
	struct worker *worker;
	ev_timer autoexpunge_timer;
	bool running;
	bool freed;               /* freed while a run was in flight */
};

static void maintenance_schedule(struct maintenance *m, double after)
{
	ev_timer_stop(m->worker->loop, &m->autoexpunge_timer);
	ev_timer_set(&m->autoexpunge_timer, after, 0);
	ev_timer_start(m->worker->loop, &m->autoexpunge_timer);
}

static void maintenance_autoexpunge_done(void *ctx, const char *error, int64_t removed)
{
	struct maintenance *m = ctx;
	double interval;

	if (m->freed) {
		free(m);
		return;
	}
	m->running = false;
	interval = (double)settings_get_number(m->worker->settings, "autoexpunge_interval", 0, 0);
	if (error != NULL) {
		log_warning("maintenance", NULL, "event=autoexpunge_failed error=\"%s\"", error);
	} else if (removed > 0) {
		log_info("maintenance", NULL, "event=autoexpunge removed=%lld", (long long)removed);
		if (removed >= MAINTENANCE_AUTOEXPUNGE_BATCH)
			interval = 0.1;   /* more to do */
	}
	maintenance_schedule(m, interval);
}

static void maintenance_autoexpunge_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct maintenance *m = w->data;

	(void)loop;
	(void)revents;
	m->running = true;
	store_autoexpunge(m->worker->pool,
			  (int)settings_get_number(m->worker->settings, "autoexpunge_days", 0, 0),
			  MAINTENANCE_AUTOEXPUNGE_BATCH, maintenance_autoexpunge_done, m);
}

struct maintenance *maintenance_new(struct worker *worker)
{
	struct maintenance *m = xcalloc(1, sizeof(*m));

	m->worker = worker;
	ev_init(&m->autoexpunge_timer, maintenance_autoexpunge_timer);
	m->autoexpunge_timer.data = m;
	maintenance_schedule(m, MAINTENANCE_FIRST_DELAY);
	return m;
}

void maintenance_free(struct maintenance **mp)
{
	struct maintenance *m = *mp;

	if (m == NULL)
		return;
	*mp = NULL;
	ev_timer_stop(m->worker->loop, &m->autoexpunge_timer);
	if (m->running)
		m->freed = true;   /* the reply frees it */
	else
		free(m);
}
