/*
 * auth-verify.h — password hash verification off the event loop.
 *
 * Checking a yescrypt or bcrypt hash costs milliseconds of CPU by design;
 * done in the loop it would stall every session of the worker. A worker
 * hands each check to a small pool of helper threads and gets the answer
 * back in its loop through an ev_async.
 */
#ifndef AUTH_VERIFY_H
#define AUTH_VERIFY_H

#include <ev.h>
#include <stdbool.h>

struct auth_verify;

/* Called in the loop with the outcome of one check. */
typedef void auth_verify_callback_t(void *ctx, bool matched);

struct auth_verify *auth_verify_new(struct ev_loop *loop, unsigned int threads);
/* Stops the threads; checks still queued are dropped without a callback. */
void auth_verify_free(struct auth_verify **verify);

/* Check password against stored (a "{SCHEME}..." hash); both are copied
   (the password copy is wiped after use). */
void auth_verify_submit(struct auth_verify *verify, const char *password, const char *stored,
			auth_verify_callback_t *callback, void *ctx);

#endif
