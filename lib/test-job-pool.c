/*
 * test-job-pool.c — the job pool: jobs run in threads with per-thread
 * state, completions in the loop, the bound refuses, free discards.
 */
#include "job-pool.h"

#include "test-common.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct test_job {
	int input, output;
	void *state_seen;
	pthread_t thread;
	int *done_count, *discard_count;
};

static int test_inits, test_cleanups;
static pthread_mutex_t test_lock = PTHREAD_MUTEX_INITIALIZER;

static void *test_thread_init(void *context)
{
	pthread_mutex_lock(&test_lock);
	test_inits++;
	pthread_mutex_unlock(&test_lock);
	return context;
}

static void test_thread_cleanup(void *state, void *context)
{
	test_assert(state == context);
	pthread_mutex_lock(&test_lock);
	test_cleanups++;
	pthread_mutex_unlock(&test_lock);
}

static void test_job_run(void *arg, void *state)
{
	struct test_job *job = arg;

	job->output = job->input * 2;
	job->state_seen = state;
	job->thread = pthread_self();
}

static void test_done(void *arg)
{
	struct test_job *job = arg;

	(*job->done_count)++;
}

static void test_discard(void *arg)
{
	struct test_job *job = arg;

	(*job->discard_count)++;
}

static const struct job_pool_ops test_ops = { test_job_run, test_done, test_discard };

static void test_runs_in_threads(void)
{
	struct ev_loop *loop = ev_loop_new(0);
	static int marker;
	struct job_pool_hooks hooks = { test_thread_init, test_thread_cleanup, &marker };
	struct job_pool *pool = job_pool_new(loop, 3, 4, &hooks);
	struct test_job jobs[5] = { 0 };
	int done = 0, discarded = 0;

	for (int i = 0; i < 5; i++) {
		jobs[i].input = i;
		jobs[i].done_count = &done;
		jobs[i].discard_count = &discarded;
	}
	for (int i = 0; i < 4; i++)
		test_assert_int(job_pool_submit(pool, &test_ops, &jobs[i]), 0);
	/* the bound counts jobs not yet done */
	test_assert(job_pool_pending(pool) == 4);
	test_assert(job_pool_submit(pool, &test_ops, &jobs[4]) == -1);
	while (done < 4)
		ev_run(loop, EVRUN_ONCE);
	for (int i = 0; i < 4; i++) {
		test_assert(jobs[i].output == 2 * i);
		test_assert(jobs[i].state_seen == &marker);
		test_assert(!pthread_equal(jobs[i].thread, pthread_self()));
	}
	test_assert(job_pool_pending(pool) == 0);
	test_assert(job_pool_submit(pool, &test_ops, &jobs[4]) == 0);
	job_pool_free(&pool);
	test_assert(pool == NULL);
	/* freed before the loop saw it finish: discarded, never done */
	test_assert(done == 4 && discarded == 1);
	test_assert(test_inits == 3 && test_cleanups == 3);
	ev_loop_destroy(loop);
}

static void test_unused_pool(void)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct job_pool *pool = job_pool_new(loop, 2, 0, NULL);

	test_inits = 0;
	job_pool_free(&pool);
	test_assert(test_inits == 0);
	ev_loop_destroy(loop);
}

int main(void)
{
	test_run("runs_in_threads", test_runs_in_threads);
	test_run("unused_pool", test_unused_pool);
	return test_end();
}
