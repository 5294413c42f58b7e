/*
 * mime-header.h — the Content-* fields of one MIME part header (RFC 2045,
 * RFC 2183 Content-Disposition, RFC 3282 Content-Language, RFC 2557
 * Content-Location, RFC 1864 Content-MD5), first occurrence of each.
 *
 * A Content-Type without a type/subtype is treated as absent (RFC 2045
 * 5.2 defaults apply). Content-* fields count without MIME-Version, as in
 * most mail readers.
 */
#ifndef MIME_HEADER_H
#define MIME_HEADER_H

#include "mime-param.h"

#include <stddef.h>

struct mime_header {
	size_t header_size;          /* header block incl. the empty line */
	char *type, *subtype;        /* NULL when there was no usable Content-Type */
	struct mime_params params;
	char *encoding;              /* Content-Transfer-Encoding token, NULL if none/invalid */
	char *id, *description, *md5, *location;   /* unfolded, NULL when absent */
	char *disposition;           /* NULL when absent or invalid */
	struct mime_params disposition_params;
	char **languages;
	size_t language_count;
};

void mime_header_parse(const unsigned char *data, size_t size, struct mime_header *hdr_r);
void mime_header_free(struct mime_header *hdr);

#endif
