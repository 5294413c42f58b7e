/*
 * node-shm.h — counters the worker processes of one node share through an
 * anonymous shared mapping made by the master before it forks.
 *
 * Per-IP connection counts (the per-IP limit holds for the node, not per
 * worker) and open sessions per listener (reported in the nodes table).
 * Each worker writes only its own slice; readers sum the slices. When a
 * worker dies the master zeroes its slice, so a crash never leaks counts.
 * The node's metrics counters (metrics.h) live here too; they are totals
 * and survive the worker. IPs are hashed into buckets: two addresses sharing a bucket share a
 * count, which errs on the strict side and is rare with 16,384 buckets.
 */
#ifndef NODE_SHM_H
#define NODE_SHM_H

#include "config.h"

#include <stdint.h>

struct node_shm;
struct metrics_slice;

struct node_shm *node_shm_create(unsigned int workers);
/* Master: forget everything the (dead) worker had counted. */
void node_shm_reset_worker(struct node_shm *shm, unsigned int worker);

uint32_t node_shm_ip_bucket(const char *ip);
/* Connections open from the bucket's IP(s) on the whole node. */
uint32_t node_shm_ip_count(const struct node_shm *shm, uint32_t bucket);
void node_shm_ip_add(struct node_shm *shm, unsigned int worker, uint32_t bucket, int delta);

void node_shm_sessions_add(struct node_shm *shm, unsigned int worker,
			   enum listener_kind kind, int delta);
uint32_t node_shm_sessions(const struct node_shm *shm, enum listener_kind kind);

/* The worker's metrics slice (it alone writes it). */
struct metrics_slice *node_shm_metrics(struct node_shm *shm, unsigned int worker);
/* Every slice, for summing. */
unsigned int node_shm_workers(const struct node_shm *shm);
const struct metrics_slice *node_shm_metrics_of(const struct node_shm *shm, unsigned int worker);

#endif
