/*
 * mime-boundary.c — multipart splitting (see mime-boundary.h). Lines are
 * found with memchr and a delimiter candidate is checked with one memcmp
 * that stops at the line's end (boundaries never contain LF), so a scan is
 * linear in the body size.
 */
#include "mime-boundary.h"

#include <string.h>

void mime_boundary_iter_init(struct mime_boundary_iter *iter, const unsigned char *data,
			     size_t size, const char *boundary)
{
	iter->data = data;
	iter->size = size;
	iter->boundary = boundary;
	iter->boundary_len = strlen(boundary);
	iter->next_start = 0;
	iter->started = false;
	iter->done = false;
}

/* Is the line at pos a delimiter? Sets *close_r and *next_r (the index
   after the line's LF, or size). */
static bool mime_boundary_line(const struct mime_boundary_iter *iter, size_t pos,
			       bool *close_r, size_t *next_r)
{
	const unsigned char *d = iter->data;
	size_t blen = iter->boundary_len, q;
	const unsigned char *lf;

	if (iter->size - pos < 2 + blen || d[pos] != '-' || d[pos + 1] != '-' ||
	    memcmp(d + pos + 2, iter->boundary, blen) != 0)
		return false;
	q = pos + 2 + blen;
	*close_r = iter->size - q >= 2 && d[q] == '-' && d[q + 1] == '-';
	lf = memchr(d + q, '\n', iter->size - q);
	*next_r = lf == NULL ? iter->size : (size_t)(lf - d) + 1;
	if (*close_r)
		return true;
	for (; q < *next_r; q++) {
		if (d[q] != ' ' && d[q] != '\t' && d[q] != '\r' && d[q] != '\n')
			return false;
	}
	return true;
}

/* The first delimiter line starting at or after pos. */
static bool mime_boundary_find(const struct mime_boundary_iter *iter, size_t pos,
			       size_t *line_r, bool *close_r, size_t *next_r)
{
	const unsigned char *lf;

	while (pos < iter->size) {
		if (pos > 0 && iter->data[pos - 1] != '\n') {
			lf = memchr(iter->data + pos, '\n', iter->size - pos);
			if (lf == NULL)
				return false;
			pos = (size_t)(lf - iter->data) + 1;
			continue;
		}
		if (mime_boundary_line(iter, pos, close_r, next_r)) {
			*line_r = pos;
			return true;
		}
		pos++;
	}
	return false;
}

/* A part ending where a delimiter line starts loses the line end before it. */
static size_t mime_boundary_part_end(const struct mime_boundary_iter *iter, size_t start,
				     size_t line)
{
	size_t end = line;

	if (end > start && iter->data[end - 1] == '\n')
		end--;
	if (end > start && iter->data[end - 1] == '\r')
		end--;
	return end;
}

/* Skip the preamble on first use. */
static bool mime_boundary_start(struct mime_boundary_iter *iter)
{
	size_t line, next;
	bool close;

	if (iter->done)
		return false;
	if (!iter->started) {
		iter->started = true;
		if (!mime_boundary_find(iter, 0, &line, &close, &next) || close) {
			iter->done = true;
			return false;
		}
		iter->next_start = next;
	}
	return true;
}

bool mime_boundary_iter_next(struct mime_boundary_iter *iter, size_t *start_r,
			     size_t *size_r)
{
	size_t start, line, next;
	bool close;

	if (!mime_boundary_start(iter))
		return false;
	start = iter->next_start;
	if (mime_boundary_find(iter, start, &line, &close, &next)) {
		*size_r = mime_boundary_part_end(iter, start, line) - start;
		if (close)
			iter->done = true;
		else
			iter->next_start = next;
	} else {
		*size_r = iter->size - start;
		iter->done = true;
	}
	*start_r = start;
	return true;
}

bool mime_boundary_iter_rest(struct mime_boundary_iter *iter, size_t *start_r,
			     size_t *size_r)
{
	size_t start, pos, line, next;
	bool close;

	if (!mime_boundary_start(iter))
		return false;
	start = pos = iter->next_start;
	*size_r = iter->size - start;
	while (mime_boundary_find(iter, pos, &line, &close, &next)) {
		if (close) {
			*size_r = mime_boundary_part_end(iter, start, line) - start;
			break;
		}
		pos = next;
	}
	iter->done = true;
	*start_r = start;
	return true;
}
