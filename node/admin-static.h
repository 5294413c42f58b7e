/*
 * admin-static.h — the web admin's static files (the single-page UI) from
 * the www folder, for GET and HEAD on the admin listener.
 */
#ifndef ADMIN_STATIC_H
#define ADMIN_STATIC_H

#include "http-session.h"

/* Answer the request for raw_path (as received, not decoded) from folder
   www: the file, index.html for "/" and for unknown paths without a dot
   (routes of the single-page UI), 404 for anything else or anything that
   would resolve outside www. */
void admin_static_serve(struct http_session *s, const char *www, const char *raw_path);

#endif
