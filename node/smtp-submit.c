/*
 * smtp-submit.c — what a message from a submission client (one that
 * authenticated, or is in trusted_networks) gets before it is stored:
 * the Message-ID and Date header fields it lacks (RFC 6409 8.2, 8.3 — mail
 * user agents and scripts often leave them out, and receivers penalise
 * mail without them), and then its DKIM signatures (node/dkim-sign.h). Both
 * go right after our Received: field, in front of the client's header.
 */
#include "smtp-session-private.h"

#include "rfc822-header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct smtp_submit_missing {
	bool message_id;
	bool date;
};

static struct smtp_submit_missing smtp_submit_scan(const unsigned char *data, size_t size)
{
	struct smtp_submit_missing missing = { true, true };
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		if (rfc822_header_name_is(&field, "Message-ID"))
			missing.message_id = false;
		else if (rfc822_header_name_is(&field, "Date"))
			missing.date = false;
	}
	return missing;
}

void smtp_submit_insert_header(struct smtp_session *s, const char *fields)
{
	struct smtp_transaction *tx = s->tx;
	const unsigned char *data = buffer_data(&tx->body);
	size_t size = buffer_len(&tx->body);
	struct buffer fixed = { 0 };

	buffer_append(&fixed, data, tx->header_start);
	buffer_append_str(&fixed, fields);
	buffer_append(&fixed, data + tx->header_start, size - tx->header_start);
	buffer_clear(&tx->body);
	free(tx->body.data);
	tx->body = fixed;
	tx->body_size = buffer_len(&fixed);
}

void smtp_submit_add_missing_headers(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;
	struct smtp_submit_missing missing;
	char fields[600], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int len = 0;

	missing = smtp_submit_scan(buffer_data(&tx->body) + tx->header_start,
				   buffer_len(&tx->body) - tx->header_start);
	fields[0] = '\0';
	if (missing.message_id)
		len = snprintf(fields, sizeof(fields), "Message-ID: <%s.%lld@%s>\r\n",
			       tx->queue_id, (long long)now, smtp_hostname(s));
	if (missing.date) {
		localtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
		snprintf(fields + len, sizeof(fields) - (size_t)len, "Date: %s\r\n", date);
	}
	if (fields[0] != '\0')
		smtp_submit_insert_header(s, fields);
}
