/*
 * http-url.h — URL pieces of HTTP requests: percent-decoding, and the
 * decoded, normalised path a static file server may safely map onto a
 * folder. Pure, unit-tested.
 */
#ifndef HTTP_URL_H
#define HTTP_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Percent-decode len bytes of s ('+' as a space when plus_space, for
   query strings). NULL for a bad escape or an encoded NUL. */
char *http_url_decode(const char *s, size_t len, bool plus_space);

/* The path of a request for static files: decoded, "." segments and
   empty segments dropped, always starting with '/' (a trailing '/' kept).
   NULL when the path could leave its folder or name something odd: a
   ".." segment, an encoded '/' or '\', a NUL, a bad escape, or a
   path not starting with '/'. */
char *http_url_static_path(const char *raw_path);

#endif
