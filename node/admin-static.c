/*
 * admin-static.c — static files for the admin listener (see
 * admin-static.h).
 *
 * Two fences keep requests inside the folder: the request path is decoded
 * and normalised first (http_url_static_path refuses "..", encoded
 * separators and NUL in any spelling), and the file's realpath() must
 * still lie inside the folder's, so a symlink cannot lead out either.
 * Files are local and bounded in size; small ones are read whole, larger
 * ones streamed in batches as the client reads, so the loop waits at most
 * for one short read.
 */
#include "admin-static.h"

#include "http-url.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ADMIN_STATIC_MAX_SIZE (8 * 1024 * 1024)
/* larger files are streamed in batches of this size */
#define ADMIN_STATIC_BATCH (64 * 1024)

static const struct {
	const char *ext;
	const char *type;
} admin_static_types[] = {
	{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
	{ ".ico", "image/x-icon" }, { ".jpg", "image/jpeg" }, { ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" }, { ".map", "application/json" },
};

static const char *admin_static_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t count = sizeof(admin_static_types) / sizeof(admin_static_types[0]);

	for (size_t i = 0; dot != NULL && i < count; i++) {
		if (strcmp(dot, admin_static_types[i].ext) == 0)
			return admin_static_types[i].type;
	}
	return "application/octet-stream";
}

/* The real path of www + rel when it is a regular file inside root, else
   NULL (errno ENOENT when it does not exist or is no file). */
static char *admin_static_resolve(const char *root, const char *rel)
{
	struct strbuf full = STRBUF_INIT;
	char *real;
	struct stat st;
	size_t root_len = strlen(root);

	strbuf_printf(&full, "%s%s", root, rel);
	real = realpath(full.data, NULL);
	strbuf_free(&full);
	if (real == NULL)
		return NULL;
	if (strncmp(real, root, root_len) != 0 || real[root_len] != '/' ||
	    stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		errno = strncmp(real, root, root_len) == 0 ? ENOENT : EACCES;
		free(real);
		return NULL;
	}
	return real;
}

/* Open a file of at most ADMIN_STATIC_MAX_SIZE bytes: its fd, or -1. */
static int admin_static_open(const char *path, size_t *size_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size > ADMIN_STATIC_MAX_SIZE) {
		close(fd);
		return -1;
	}
	*size_r = (size_t)st.st_size;
	return fd;
}

/* A file too big for one answer, sent in batches as the client reads. */
struct admin_static_stream {
	struct http_session *session;
	int fd;
};

static void admin_static_stream_free(void *ctx)
{
	struct admin_static_stream *st = ctx;

	close(st->fd);
	free(st);
}

static void admin_static_pump(void *ctx)
{
	struct admin_static_stream *st = ctx;
	char buf[ADMIN_STATIC_BATCH];
	ssize_t n;

	do {
		n = read(st->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0)   /* a local file: not expected; the answer ends short */
				log_warning("admin", NULL, "event=static_read_failed error=\"%s\"",
					    strerror(errno));
			http_session_reply_end(st->session);
			admin_static_stream_free(st);
			return;
		}
		http_session_reply_chunk(st->session, buf, (size_t)n);
	} while (!http_session_when_writable(st->session, admin_static_pump,
					     admin_static_stream_free, st));
}

/* Answer with the file: whole when small, else streamed. */
static void admin_static_send(struct http_session *s, const char *file)
{
	size_t size;
	int fd = admin_static_open(file, &size);
	struct admin_static_stream *st;
	char *body;

	if (fd < 0) {
		log_warning("admin", NULL, "event=static_open_failed file=%s", file);
		http_session_reply_error(s, 500, "internal", "The file could not be read");
		return;
	}
	if (size > ADMIN_STATIC_BATCH) {
		st = xmalloc(sizeof(*st));
		st->session = s;
		st->fd = fd;
		http_session_reply_start(s, 200, admin_static_type(file), NULL);
		admin_static_pump(st);
		return;
	}
	body = xmalloc(size + 1);
	if (read(fd, body, size + 1) == (ssize_t)size)
		http_session_reply(s, 200, admin_static_type(file), NULL, body, size);
	else
		http_session_reply_error(s, 500, "internal", "The file could not be read");
	free(body);
	close(fd);
}

/* Which file answers path: itself, or index.html for "/", directories and
   extension-less routes of the UI. */
static char *admin_static_find(const char *root, const char *path)
{
	const char *last = strrchr(path, '/') + 1;
	bool route = strchr(last, '.') == NULL;
	char *real = last[0] != '\0' ? admin_static_resolve(root, path) : NULL;

	if (real == NULL && (last[0] == '\0' || (route && errno == ENOENT)))
		real = admin_static_resolve(root, "/index.html");
	return real;
}

void admin_static_serve(struct http_session *s, const char *www, const char *raw_path)
{
	char *path = http_url_static_path(raw_path);
	char *root = realpath(www, NULL);
	char *file = NULL;

	if (path != NULL && root != NULL)
		file = admin_static_find(root, path);
	if (root == NULL)
		log_warning("admin", NULL, "event=www_missing dir=%s error=\"%s\"", www,
			    strerror(errno));
	if (file == NULL)
		http_session_reply_error(s, 404, "not_found", "No such file");
	else
		admin_static_send(s, file);
	free(file);
	free(root);
	free(path);
}
