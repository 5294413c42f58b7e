/*
 * pgq-dsn.h — building a delivery status notification (RFC 3464
 * multipart/report, RFC 3462/6522) for the sender of a queued message:
 * failure (5xx, or temporary failures past the queue lifetime) and delay
 * warnings.
 *
 * Pure: the caller gives what the queue knows (pgq-notice.h), the result
 * is the message bytes with CRLF line ends, ready to store or queue with
 * the null envelope sender. Text from remote servers and the original
 * headers are made safe to embed: no control characters in header values,
 * lines folded below 998 octets, original headers bounded to
 * PGQ_DSN_MAX_HEADERS bytes. Addresses or reply texts that are not ASCII
 * make a RFC 6533 report (message/global-delivery-status,
 * message/global-headers).
 */
#ifndef PGQ_DSN_H
#define PGQ_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define PGQ_DSN_MAX_HEADERS 65536

enum pgq_dsn_action {
	PGQ_DSN_FAILED,     /* "failed": 5xx, or expired */
	PGQ_DSN_DELAYED,    /* "delayed": still being retried */
};

struct pgq_dsn_recipient {
	const char *address;
	enum pgq_dsn_action action;
	bool expired;          /* failed because the queue lifetime ran out */
	int code;              /* SMTP reply code of the last attempt, 0 = none */
	const char *reply;     /* its text, possibly "5.1.1 ..." or "550 5.1.1 ..." */
	int attempts;          /* finished attempts */
	time_t last_attempt;   /* when the last one ended (attempts > 0) */
};

struct pgq_dsn {
	const char *hostname;       /* Reporting-MTA and MAILER-DAEMON@ */
	const char *queue_id;       /* of the original message */
	const char *dsn_id;         /* unique id of this DSN (its own queue id) */
	const char *sender;         /* the original envelope sender: To: */
	time_t arrival;             /* when the original was queued */
	time_t retry_until;         /* when the queue gives up (delayed) */
	time_t now;
	const unsigned char *headers;  /* original header block, any bytes */
	size_t headers_size;
	const struct pgq_dsn_recipient *rcpts;
	unsigned int rcpt_count;    /* >= 1 */
};

/* The DSN's bytes (allocated, NUL-terminated; *size_r without the NUL).
   Subject and wording follow the first failed recipient if there is one
   (a failure report), else it is a delay warning. */
char *pgq_dsn_build(const struct pgq_dsn *dsn, size_t *size_r);

/* The RFC 3463 status of a recipient ("5.1.1"): the enhanced code at the
   start of its reply (after the basic code, if repeated there) when its
   class agrees with the action, else 5.0.0 / 4.0.0; 4.4.7 for expiry. buf
   has room for 16 bytes. */
const char *pgq_dsn_status(const struct pgq_dsn_recipient *rcpt, char buf[16]);

#endif
