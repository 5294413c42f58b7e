/*
 * auth-verify.c — a pool of helper threads that run password_verify() (see
 * auth-verify.h). Threads start with the first check, so a worker that
 * never sees a login never creates one.
 *
 * Jobs go through two mutex-protected lists: pending (loop -> threads,
 * signalled by a condition variable) and done (threads -> loop, signalled
 * by ev_async_send, which is safe from any thread).
 */
#include "auth-verify.h"

#include "password.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_VERIFY_MAX_THREADS 16

struct auth_verify_job {
	struct auth_verify_job *next;
	char *password;
	char *stored;
	bool matched;
	auth_verify_callback_t *callback;
	void *ctx;
};

struct auth_verify {
	struct ev_loop *loop;
	ev_async done_async;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct auth_verify_job *pending, **pending_tail;
	struct auth_verify_job *done, **done_tail;
	pthread_t threads[AUTH_VERIFY_MAX_THREADS];
	unsigned int thread_count, threads_started;
	bool stopping;
};

static void auth_verify_job_free(struct auth_verify_job *job)
{
	explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job->stored);
	free(job);
}

static void *auth_verify_thread(void *arg)
{
	struct auth_verify *v = arg;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		while (v->pending == NULL && !v->stopping)
			pthread_cond_wait(&v->wake, &v->lock);
		if (v->stopping)
			break;
		struct auth_verify_job *job = v->pending;

		v->pending = job->next;
		if (v->pending == NULL)
			v->pending_tail = &v->pending;
		pthread_mutex_unlock(&v->lock);

		const char *error;

		job->matched = password_verify(job->password, job->stored, &error) == 1;
		pthread_mutex_lock(&v->lock);
		job->next = NULL;
		*v->done_tail = job;
		v->done_tail = &job->next;
		ev_async_send(v->loop, &v->done_async);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static void auth_verify_done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct auth_verify *v = w->data;
	struct auth_verify_job *jobs;

	pthread_mutex_lock(&v->lock);
	jobs = v->done;
	v->done = NULL;
	v->done_tail = &v->done;
	pthread_mutex_unlock(&v->lock);
	while (jobs != NULL) {
		struct auth_verify_job *job = jobs;

		jobs = job->next;
		job->callback(job->ctx, job->matched);
		auth_verify_job_free(job);
	}
}

struct auth_verify *auth_verify_new(struct ev_loop *loop, unsigned int threads)
{
	struct auth_verify *v = xcalloc(1, sizeof(*v));

	v->loop = loop;
	v->thread_count = threads == 0 ? 1 : threads > AUTH_VERIFY_MAX_THREADS ?
		AUTH_VERIFY_MAX_THREADS : threads;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->wake, NULL);
	v->pending_tail = &v->pending;
	v->done_tail = &v->done;
	ev_async_init(&v->done_async, auth_verify_done_cb);
	v->done_async.data = v;
	ev_async_start(loop, &v->done_async);
	return v;
}

static void auth_verify_drop(struct auth_verify_job *jobs)
{
	while (jobs != NULL) {
		struct auth_verify_job *next = jobs->next;

		auth_verify_job_free(jobs);
		jobs = next;
	}
}

void auth_verify_free(struct auth_verify **verifyp)
{
	struct auth_verify *v = *verifyp;

	if (v == NULL)
		return;
	*verifyp = NULL;
	pthread_mutex_lock(&v->lock);
	v->stopping = true;
	pthread_cond_broadcast(&v->wake);
	pthread_mutex_unlock(&v->lock);
	for (unsigned int i = 0; i < v->threads_started; i++)
		pthread_join(v->threads[i], NULL);
	ev_async_stop(v->loop, &v->done_async);
	auth_verify_drop(v->pending);
	auth_verify_drop(v->done);
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

void auth_verify_submit(struct auth_verify *v, const char *password, const char *stored,
			auth_verify_callback_t *callback, void *ctx)
{
	struct auth_verify_job *job = xcalloc(1, sizeof(*job));

	job->password = xstrdup(password);
	job->stored = xstrdup(stored);
	job->callback = callback;
	job->ctx = ctx;
	while (v->threads_started < v->thread_count) {
		if (pthread_create(&v->threads[v->threads_started], NULL, auth_verify_thread, v) != 0)
			break;
		v->threads_started++;
	}
	if (v->threads_started == 0) {
		/* no thread at all: answer in the loop rather than never */
		const char *error;

		job->matched = password_verify(job->password, job->stored, &error) == 1;
		pthread_mutex_lock(&v->lock);
		*v->done_tail = job;
		v->done_tail = &job->next;
		pthread_mutex_unlock(&v->lock);
		ev_async_send(v->loop, &v->done_async);
		return;
	}
	pthread_mutex_lock(&v->lock);
	*v->pending_tail = job;
	v->pending_tail = &job->next;
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
}
