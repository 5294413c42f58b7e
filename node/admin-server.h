/*
 * admin-server.h — the admin listener (port 9999): an HTTP session whose
 * handler serves /health, /ready, /metrics, the JSON API under /api/v1
 * (node/admin-api.h) and the web UI's static files, with security headers
 * on every answer.
 */
#ifndef ADMIN_SERVER_H
#define ADMIN_SERVER_H

#include "worker.h"

void admin_server_session_new(struct worker *worker, int fd, const char *ip);

#endif
