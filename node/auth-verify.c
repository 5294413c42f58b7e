/*
 * auth-verify.c — password_verify() on the worker's job pool (see
 * auth-verify.h): the check runs in a pool thread, the callback in the
 * loop. Threads start with the first check, so a worker that never sees a
 * login never creates one.
 */
#include "auth-verify.h"

#include "job-pool.h"
#include "password.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct auth_verify_job {
	char *password;
	char *stored;
	bool matched;
	auth_verify_callback_t *callback;
	void *ctx;
};

struct auth_verify {
	struct job_pool *pool;
};

static void auth_verify_job_discard(void *arg)
{
	struct auth_verify_job *job = arg;

	explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job->stored);
	free(job);
}

static void auth_verify_job_run(void *arg, void *thread_state)
{
	struct auth_verify_job *job = arg;
	const char *error;

	(void)thread_state;
	job->matched = password_verify(job->password, job->stored, &error) == 1;
}

static void auth_verify_job_done(void *arg)
{
	struct auth_verify_job *job = arg;

	job->callback(job->ctx, job->matched);
	auth_verify_job_discard(job);
}

static const struct job_pool_ops auth_verify_job_ops = {
	.run = auth_verify_job_run,
	.done = auth_verify_job_done,
	.discard = auth_verify_job_discard,
};

struct auth_verify *auth_verify_new(struct ev_loop *loop, unsigned int threads)
{
	struct auth_verify *v = xcalloc(1, sizeof(*v));

	v->pool = job_pool_new(loop, threads, 0, NULL);
	return v;
}

void auth_verify_free(struct auth_verify **verifyp)
{
	struct auth_verify *v = *verifyp;

	if (v == NULL)
		return;
	*verifyp = NULL;
	job_pool_free(&v->pool);
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
	/* an unbounded pool never refuses */
	job_pool_submit(v->pool, &auth_verify_job_ops, job);
}
