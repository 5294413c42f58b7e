/*
 * maintenance.h — the periodic clean-up jobs a node schedules (today:
 * autoexpunge of Trash/Junk). Only worker 0 of each node runs them, and
 * the store's advisory lock makes each run a singleton across the cluster.
 */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

struct worker;
struct maintenance;

struct maintenance *maintenance_new(struct worker *worker);
void maintenance_free(struct maintenance **maintenance);

#endif
