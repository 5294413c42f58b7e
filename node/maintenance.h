/*
 * maintenance.h — the periodic background jobs a node schedules (moving
 * new search text into the full-text index, autoexpunge of Trash/Junk).
 * Only worker 0 of each node runs them, and the store's advisory locks
 * make each run a singleton across the cluster.
 */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

struct worker;
struct maintenance;

struct maintenance *maintenance_new(struct worker *worker);
void maintenance_free(struct maintenance **maintenance);

#endif
