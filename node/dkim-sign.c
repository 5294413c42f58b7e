/*
 * dkim-sign.c — a worker's DKIM signer (see dkim-sign.h): the From: domain
 * picks the keys, a per-worker cache of them filled asynchronously from
 * PostgreSQL, and deferred callbacks.
 *
 * With the keys cached a message is signed at once (the caller's bytes are
 * read during the call, never later) and only the callback waits for the
 * next loop iteration. On a miss the message is copied and waits, with
 * every other message for that domain, for one key lookup. A lookup that
 * was started before a clear still serves its waiting messages but is not
 * cached, so a deleted key is not remembered.
 */
#include "dkim-sign.h"

#include "dkim-sign-core.h"
#include "log.h"
#include "settings.h"
#include "store-dkim.h"
#include "strcache.h"
#include "worker.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DKIM_SIGNER_CACHE_TTL 300.0
#define DKIM_SIGNER_CACHE_MAX 1024

/* A domain's keys as cached. */
struct dkim_domain {
	int64_t domain_id;          /* 0: not a local domain */
	unsigned int count;
	struct dkim_sign_key keys[STORE_DKIM_MAX_KEYS];
};

struct dkim_job {
	struct dkim_job *next;
	dkim_sign_callback_t *cb;
	void *ctx;
	unsigned char *msg;         /* copy, while waiting for keys */
	size_t len;
	char *headers;              /* the result */
	char *error;
};

/* One key lookup in flight and the messages waiting for it. */
struct dkim_lookup {
	struct dkim_lookup *next;
	struct dkim_signer *signer; /* NULL once the signer is gone */
	char *domain;
	unsigned int generation;
	struct dkim_job *jobs;
};

struct dkim_signer {
	struct worker *worker;
	DKIM_LIB *lib;              /* NULL: libopendkim failed to start */
	struct strcache *cache;     /* domain -> struct dkim_domain */
	unsigned int generation;    /* bumped by every clear */
	struct dkim_lookup *lookups;
	struct dkim_job *done, **done_tail;
	ev_timer done_timer;
};

static void dkim_domain_free(void *value)
{
	struct dkim_domain *d = value;

	for (unsigned int i = 0; i < d->count; i++) {
		free((char *)d->keys[i].selector);
		free((char *)d->keys[i].algorithm);
		free((char *)d->keys[i].private_key);
	}
	free(d);
}

static struct dkim_job *dkim_job_take(struct dkim_job **list)
{
	struct dkim_job *job = *list;

	*list = NULL;
	return job;
}

/* Hand the finished job to the loop: its callback runs from the timer. */
static void dkim_job_finish(struct dkim_signer *signer, struct dkim_job *job)
{
	free(job->msg);
	job->msg = NULL;
	job->next = NULL;
	*signer->done_tail = job;
	signer->done_tail = &job->next;
	if (!ev_is_active(&signer->done_timer)) {
		ev_timer_set(&signer->done_timer, 0, 0);
		ev_timer_start(signer->worker->loop, &signer->done_timer);
	}
}

/* Call back every job of the list (in order) and free them. */
static void dkim_jobs_call(struct dkim_job *job, const char *error)
{
	while (job != NULL) {
		struct dkim_job *next = job->next;

		job->cb(job->ctx, job->headers, error != NULL ? error : job->error);
		free(job->msg);
		free(job->error);
		free(job);
		job = next;
	}
}

static void dkim_signer_done_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct dkim_signer *signer = t->data;
	struct dkim_job *jobs = dkim_job_take(&signer->done);

	/* callbacks may sign again: they start a fresh list */
	signer->done_tail = &signer->done;
	dkim_jobs_call(jobs, NULL);
}

/* Sign with the domain's keys, as its dkim_sign setting says. */
static void dkim_signer_run(struct dkim_signer *signer, struct dkim_job *job,
			    const char *domain, const struct dkim_domain *keys,
			    const unsigned char *msg, size_t len)
{
	struct strbuf headers = STRBUF_INIT;
	char error[512];

	if (keys->domain_id == 0 || keys->count == 0 ||
	    !settings_get_bool(signer->worker->settings, "dkim_sign", keys->domain_id, 0))
		return;
	if (dkim_sign_core_sign(signer->lib, domain, keys->keys, keys->count, msg, len,
				&headers, error, sizeof(error)) < 0) {
		log_warning("dkim", NULL, "event=sign_failed domain=%s error=\"%s\"", domain, error);
		job->error = xasprintf("DKIM signing failed: %s", error);
	}
	job->headers = headers.len > 0 ? strbuf_steal(&headers) : NULL;
	strbuf_free(&headers);
	log_debug("dkim", NULL, "event=signed domain=%s keys=%u", domain, keys->count);
}

static struct dkim_domain *dkim_domain_new(int64_t domain_id, const struct store_dkim_key *keys,
					   unsigned int count)
{
	struct dkim_domain *d = xcalloc(1, sizeof(*d));

	d->domain_id = domain_id;
	d->count = count;
	for (unsigned int i = 0; i < count; i++) {
		d->keys[i].selector = xstrdup(keys[i].selector);
		d->keys[i].algorithm = xstrdup(keys[i].algorithm);
		d->keys[i].private_key = xstrdup(keys[i].private_key);
	}
	return d;
}

static void dkim_lookup_unlink(struct dkim_lookup *lookup)
{
	struct dkim_lookup **p = &lookup->signer->lookups;

	while (*p != lookup)
		p = &(*p)->next;
	*p = lookup->next;
}

static void dkim_lookup_reply(void *ctx, int64_t domain_id, const struct store_dkim_key *keys,
			      unsigned int count, const char *error)
{
	struct dkim_lookup *lookup = ctx;
	struct dkim_signer *signer = lookup->signer;
	struct dkim_domain *d = NULL;
	char *failure = NULL;

	if (signer == NULL)
		goto out;   /* its jobs were called back when the signer went */
	dkim_lookup_unlink(lookup);
	if (error != NULL) {
		log_warning("dkim", NULL, "event=key_lookup_failed domain=%s error=\"%s\"",
			    lookup->domain, error);
		failure = xasprintf("DKIM key lookup failed: %s", error);
	} else {
		d = dkim_domain_new(domain_id, keys, count);
	}
	for (struct dkim_job *job = dkim_job_take(&lookup->jobs), *next; job != NULL; job = next) {
		next = job->next;
		if (d != NULL)
			dkim_signer_run(signer, job, lookup->domain, d, job->msg, job->len);
		else
			job->error = xstrdup(failure);
		dkim_job_finish(signer, job);
	}
	if (d != NULL && lookup->generation == signer->generation)
		strcache_put(signer->cache, lookup->domain, d, ev_now(signer->worker->loop),
			     DKIM_SIGNER_CACHE_MAX);
	else if (d != NULL)
		dkim_domain_free(d);
	free(failure);
out:
	free(lookup->domain);
	free(lookup);
}

/* Park a copy of the message until the domain's keys arrive, sharing a
   lookup already in flight for the domain. */
static void dkim_signer_wait(struct dkim_signer *signer, struct dkim_job *job,
			     const char *domain, const unsigned char *msg, size_t len)
{
	struct dkim_lookup *lookup;

	for (lookup = signer->lookups; lookup != NULL; lookup = lookup->next) {
		if (strcmp(lookup->domain, domain) == 0 && lookup->generation == signer->generation)
			break;
	}
	if (lookup == NULL) {
		lookup = xcalloc(1, sizeof(*lookup));
		lookup->signer = signer;
		lookup->domain = xstrdup(domain);
		lookup->generation = signer->generation;
		lookup->next = signer->lookups;
		signer->lookups = lookup;
		store_dkim_lookup(signer->worker->pool, domain, dkim_lookup_reply, lookup);
	}
	job->msg = xmalloc(len > 0 ? len : 1);
	memcpy(job->msg, msg, len);
	job->len = len;
	job->next = lookup->jobs;
	lookup->jobs = job;
}

void dkim_signer_sign(struct dkim_signer *signer, const unsigned char *msg, size_t len,
		      dkim_sign_callback_t *cb, void *ctx)
{
	struct dkim_job *job = xcalloc(1, sizeof(*job));
	struct dkim_domain *keys;
	char *domain;

	job->cb = cb;
	job->ctx = ctx;
	if (signer->lib == NULL) {
		job->error = xstrdup("DKIM signing unavailable (libopendkim failed to start)");
		dkim_job_finish(signer, job);
		return;
	}
	domain = dkim_sign_core_from_domain(msg, len);
	if (domain == NULL) {
		dkim_job_finish(signer, job);   /* no single From: domain: nothing to sign */
		return;
	}
	keys = strcache_get(signer->cache, domain, ev_now(signer->worker->loop),
			    DKIM_SIGNER_CACHE_TTL);
	if (keys != NULL) {
		dkim_signer_run(signer, job, domain, keys, msg, len);
		dkim_job_finish(signer, job);
	} else {
		dkim_signer_wait(signer, job, domain, msg, len);
	}
	free(domain);
}

void dkim_signer_clear(struct dkim_signer *signer)
{
	strcache_clear(signer->cache);
	signer->generation++;
}

struct dkim_signer *dkim_signer_new(struct worker *worker)
{
	struct dkim_signer *signer = xcalloc(1, sizeof(*signer));

	signer->worker = worker;
	signer->lib = dkim_sign_core_lib_new();
	if (signer->lib == NULL)
		log_error("dkim", NULL, "event=init_failed error=\"libopendkim did not start\"");
	signer->cache = strcache_new(dkim_domain_free);
	signer->done_tail = &signer->done;
	ev_init(&signer->done_timer, dkim_signer_done_cb);
	signer->done_timer.data = signer;
	return signer;
}

void dkim_signer_free(struct dkim_signer **signerp)
{
	struct dkim_signer *signer = *signerp;

	if (signer == NULL)
		return;
	*signerp = NULL;
	ev_timer_stop(signer->worker->loop, &signer->done_timer);
	dkim_jobs_call(dkim_job_take(&signer->done), NULL);
	/* lookups still in flight free themselves when the pool answers */
	for (struct dkim_lookup *lookup = signer->lookups; lookup != NULL; lookup = lookup->next) {
		lookup->signer = NULL;
		dkim_jobs_call(dkim_job_take(&lookup->jobs), "shutting down");
	}
	strcache_free(&signer->cache);
	if (signer->lib != NULL)
		dkim_close(signer->lib);
	free(signer);
}
