/*
 * job-pool.c — threads that run blocking jobs for one libev loop (see
 * job-pool.h).
 *
 * Jobs go through two mutex-protected lists: queued (loop -> threads,
 * signalled by a condition variable) and finished (threads -> loop,
 * signalled by ev_async_send, which is safe from any thread).
 */
#include "job-pool.h"

#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>

struct job_pool_entry {
	struct job_pool_entry *next;
	const struct job_pool_ops *ops;
	void *job;
};

struct job_pool_list {
	struct job_pool_entry *head, **tail;
};

struct job_pool {
	struct ev_loop *loop;
	ev_async finished_async;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job_pool_list queued, finished;
	struct job_pool_hooks hooks;
	pthread_t threads[JOB_POOL_MAX_THREADS];
	unsigned int thread_count, threads_started;
	unsigned int max_pending, pending;   /* pending: loop only */
	bool stopping;
};

static void job_pool_list_init(struct job_pool_list *list)
{
	list->head = NULL;
	list->tail = &list->head;
}

static void job_pool_list_push(struct job_pool_list *list, struct job_pool_entry *entry)
{
	entry->next = NULL;
	*list->tail = entry;
	list->tail = &entry->next;
}

static struct job_pool_entry *job_pool_list_take_all(struct job_pool_list *list)
{
	struct job_pool_entry *head = list->head;

	job_pool_list_init(list);
	return head;
}

static void job_pool_finish(struct job_pool *pool, struct job_pool_entry *entry)
{
	pthread_mutex_lock(&pool->lock);
	job_pool_list_push(&pool->finished, entry);
	pthread_mutex_unlock(&pool->lock);
	ev_async_send(pool->loop, &pool->finished_async);
}

static void *job_pool_thread(void *arg)
{
	struct job_pool *pool = arg;
	void *state = pool->hooks.thread_init != NULL ?
		pool->hooks.thread_init(pool->hooks.context) : NULL;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (pool->queued.head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->stopping)
			break;
		struct job_pool_entry *entry = pool->queued.head;

		pool->queued.head = entry->next;
		if (pool->queued.head == NULL)
			pool->queued.tail = &pool->queued.head;
		pthread_mutex_unlock(&pool->lock);
		entry->ops->run(entry->job, state);
		job_pool_finish(pool, entry);
		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	if (pool->hooks.thread_cleanup != NULL)
		pool->hooks.thread_cleanup(state, pool->hooks.context);
	return NULL;
}

static void job_pool_finished_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct job_pool *pool = w->data;
	struct job_pool_entry *entries;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&pool->lock);
	entries = job_pool_list_take_all(&pool->finished);
	pthread_mutex_unlock(&pool->lock);
	while (entries != NULL) {
		struct job_pool_entry *entry = entries;

		entries = entry->next;
		pool->pending--;
		entry->ops->done(entry->job);
		free(entry);
	}
}

struct job_pool *job_pool_new(struct ev_loop *loop, unsigned int threads,
			      unsigned int max_pending, const struct job_pool_hooks *hooks)
{
	struct job_pool *pool = xcalloc(1, sizeof(*pool));

	pool->loop = loop;
	pool->thread_count = threads == 0 ? 1 : threads > JOB_POOL_MAX_THREADS ?
		JOB_POOL_MAX_THREADS : threads;
	pool->max_pending = max_pending;
	if (hooks != NULL)
		pool->hooks = *hooks;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	job_pool_list_init(&pool->queued);
	job_pool_list_init(&pool->finished);
	ev_async_init(&pool->finished_async, job_pool_finished_cb);
	pool->finished_async.data = pool;
	ev_async_start(loop, &pool->finished_async);
	return pool;
}

static void job_pool_discard(struct job_pool_entry *entries)
{
	while (entries != NULL) {
		struct job_pool_entry *next = entries->next;

		entries->ops->discard(entries->job);
		free(entries);
		entries = next;
	}
}

void job_pool_free(struct job_pool **poolp)
{
	struct job_pool *pool = *poolp;

	if (pool == NULL)
		return;
	*poolp = NULL;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned int i = 0; i < pool->threads_started; i++)
		pthread_join(pool->threads[i], NULL);
	ev_async_stop(pool->loop, &pool->finished_async);
	job_pool_discard(pool->queued.head);
	job_pool_discard(pool->finished.head);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

int job_pool_submit(struct job_pool *pool, const struct job_pool_ops *ops, void *job)
{
	struct job_pool_entry *entry;

	if (pool->max_pending != 0 && pool->pending >= pool->max_pending)
		return -1;
	entry = xcalloc(1, sizeof(*entry));
	entry->ops = ops;
	entry->job = job;
	pool->pending++;
	while (pool->threads_started < pool->thread_count) {
		if (pthread_create(&pool->threads[pool->threads_started], NULL, job_pool_thread,
				   pool) != 0)
			break;
		pool->threads_started++;
	}
	if (pool->threads_started == 0) {
		/* no thread at all: run it in the loop rather than never */
		void *state = pool->hooks.thread_init != NULL ?
			pool->hooks.thread_init(pool->hooks.context) : NULL;

		ops->run(job, state);
		if (pool->hooks.thread_cleanup != NULL)
			pool->hooks.thread_cleanup(state, pool->hooks.context);
		job_pool_finish(pool, entry);
		return 0;
	}
	pthread_mutex_lock(&pool->lock);
	job_pool_list_push(&pool->queued, entry);
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

unsigned int job_pool_pending(const struct job_pool *pool)
{
	return pool->pending;
}
