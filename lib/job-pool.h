/*
 * job-pool.h — a small pool of threads serving one libev loop.
 *
 * Work that blocks (a password hash, a synchronous PostgreSQL call) runs in
 * a thread; its completion runs back in the loop through an ev_async, so
 * loop code never waits and never shares data with a running job. Each
 * thread may keep its own state (a database connection) made by an init
 * hook in that thread. Threads start with the first job. The queue is
 * bounded so a flood of requests is refused instead of piling up.
 */
#ifndef JOB_POOL_H
#define JOB_POOL_H

#include <ev.h>
#include <stdbool.h>

struct job_pool;

struct job_pool_ops {
	/* In a thread: the work. thread_state is what the pool's init hook
	   made for this thread (NULL without hooks). */
	void (*run)(void *job, void *thread_state);
	/* In the loop, once run returned: deliver the result, free the job. */
	void (*done)(void *job);
	/* In the loop, when the pool is freed before done could run: free
	   the job without answering. */
	void (*discard)(void *job);
};

struct job_pool_hooks {
	void *(*thread_init)(void *context);            /* in the new thread */
	void (*thread_cleanup)(void *thread_state, void *context);
	void *context;
};

/* threads is clamped to 1..JOB_POOL_MAX_THREADS; max_pending 0 means no
   limit; hooks may be NULL. */
#define JOB_POOL_MAX_THREADS 64
struct job_pool *job_pool_new(struct ev_loop *loop, unsigned int threads,
			      unsigned int max_pending, const struct job_pool_hooks *hooks);
/* Wait for the jobs being run, then discard every job not yet done. */
void job_pool_free(struct job_pool **pool);

/* Queue a job. Returns 0, or -1 when max_pending jobs are already queued
   or running (nothing is called then; the caller still owns job). */
int job_pool_submit(struct job_pool *pool, const struct job_pool_ops *ops, void *job);
/* Jobs submitted whose done has not run yet. */
unsigned int job_pool_pending(const struct job_pool *pool);

#endif
