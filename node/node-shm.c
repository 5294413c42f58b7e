/*
 * node-shm.c — cross-worker counters in shared memory (see node-shm.h).
 */
#include "node-shm.h"

#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NODE_SHM_IP_BUCKETS 16384

struct node_shm_worker {
	uint32_t ip_count[NODE_SHM_IP_BUCKETS];
	uint32_t sessions[LISTENER_COUNT];
	struct metrics_slice metrics;    /* totals: kept when the worker dies */
};

struct node_shm {
	unsigned int workers;
	struct node_shm_worker slot[];
};

struct node_shm *node_shm_create(unsigned int workers)
{
	size_t size = sizeof(struct node_shm) + workers * sizeof(struct node_shm_worker);
	struct node_shm *shm = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shm == MAP_FAILED) {
		perror("mmap shared counters");
		exit(1);
	}
	shm->workers = workers;
	return shm;
}

void node_shm_reset_worker(struct node_shm *shm, unsigned int worker)
{
	memset(shm->slot[worker].ip_count, 0, sizeof(shm->slot[worker].ip_count));
	memset(shm->slot[worker].sessions, 0, sizeof(shm->slot[worker].sessions));
}

uint32_t node_shm_ip_bucket(const char *ip)
{
	uint32_t h = 2166136261u;

	for (const char *p = ip; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % NODE_SHM_IP_BUCKETS;
}

uint32_t node_shm_ip_count(const struct node_shm *shm, uint32_t bucket)
{
	uint32_t total = 0;

	for (unsigned int i = 0; i < shm->workers; i++)
		total += __atomic_load_n(&shm->slot[i].ip_count[bucket], __ATOMIC_RELAXED);
	return total;
}

void node_shm_ip_add(struct node_shm *shm, unsigned int worker, uint32_t bucket, int delta)
{
	__atomic_add_fetch(&shm->slot[worker].ip_count[bucket], delta, __ATOMIC_RELAXED);
}

void node_shm_sessions_add(struct node_shm *shm, unsigned int worker,
			   enum listener_kind kind, int delta)
{
	__atomic_add_fetch(&shm->slot[worker].sessions[kind], delta, __ATOMIC_RELAXED);
}

uint32_t node_shm_sessions(const struct node_shm *shm, enum listener_kind kind)
{
	uint32_t total = 0;

	for (unsigned int i = 0; i < shm->workers; i++)
		total += __atomic_load_n(&shm->slot[i].sessions[kind], __ATOMIC_RELAXED);
	return total;
}

struct metrics_slice *node_shm_metrics(struct node_shm *shm, unsigned int worker)
{
	return &shm->slot[worker].metrics;
}

unsigned int node_shm_workers(const struct node_shm *shm)
{
	return shm->workers;
}

const struct metrics_slice *node_shm_metrics_of(const struct node_shm *shm, unsigned int worker)
{
	return &shm->slot[worker].metrics;
}
