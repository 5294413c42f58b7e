/*
 * outbound-runner.h — the delivery runner every worker runs: it claims
 * batches of due outbound recipients from the PostgreSQL queue (one
 * destination domain per batch), delivers them with the SMTP client over
 * as few connections as the limits allow, and records every recipient's
 * result in one statement per batch.
 *
 * Limits are per node and shared among its workers (each takes
 * ceil(limit / workers), at least 1): outbound_concurrency connections in
 * all, outbound_domain_concurrency connections and outbound_domain_rate
 * messages per minute per destination domain (overrides in
 * outbound_domain_limits). A domain at its limit is skipped by the claim,
 * so it cannot starve the others.
 */
#ifndef OUTBOUND_RUNNER_H
#define OUTBOUND_RUNNER_H

#include <stdbool.h>

struct worker;
struct dns_resolver;
struct outbound_runner;

#define OUTBOUND_RUNNER_CHANNEL "petrel_queue"

/* Claims nothing before outbound_runner_settings_loaded. dns stays the
   worker's. */
struct outbound_runner *outbound_runner_new(struct worker *worker, struct dns_resolver *dns);
/* Aborts connections in flight; their claims come back after the lease. */
void outbound_runner_free(struct outbound_runner **runner);

/* The worker's settings are loaded (or reloaded): start claiming, with
   the limits and routes they give. */
void outbound_runner_settings_loaded(struct outbound_runner *runner);

/* Recipients may have become due (NOTIFY petrel_queue, or the LISTEN
   connection came back and may have missed some): claim if there is room. */
void outbound_runner_wake(struct outbound_runner *runner);

/* SIGTERM: claim nothing more, let connections in flight finish their
   current message, give back what was not attempted. The worker is told
   (worker_check_drained) once nothing is held any more. */
void outbound_runner_drain(struct outbound_runner *runner);
/* True when no claim is held or in flight (the worker may exit). */
bool outbound_runner_idle(const struct outbound_runner *runner);

#endif
