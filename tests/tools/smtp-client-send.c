/*
 * smtp-client-send.c — a test tool that sends one message file (N times)
 * through the outbound SMTP client (node/smtp-client.c) in a libev loop,
 * so the client can be tested against real servers before the queue
 * runner drives it.
 *
 *   smtp-client-send --host 127.0.0.2 [--host NAME=IP,IP ...] --port P
 *       --from S --to R [--to R ...] --file F [--count N]
 *       [--tls none|may|encrypt] [--auth user:pass] [--eightbit] [--smtputf8]
 *       [--timeouts connect,helo,command,data] [--max-reply BYTES]
 *
 * Output: "rcpt <message> <address> <code> <text>" per result, then
 * "done ok" or "done error <reason>" and "maxrss <KiB>". Exit status 0
 * unless the arguments or the file are bad.
 */
#include "smtp-client.h"

#include "tls.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define SEND_MAX_HOSTS 8
#define SEND_MAX_RCPTS 64

struct send_state {
	struct smtp_client_message msg;
	struct smtp_client_message *copies;
	unsigned int count, handed;
	unsigned int results;
};

static const struct smtp_client_message *send_next(void *ctx)
{
	struct send_state *st = ctx;

	if (st->handed == st->count)
		return NULL;
	st->copies[st->handed] = st->msg;
	st->copies[st->handed].owner = (void *)(size_t)st->handed;
	return &st->copies[st->handed++];
}

static void send_result(void *ctx, const struct smtp_client_message *msg, unsigned int rcpt,
			int code, const char *text)
{
	struct send_state *st = ctx;

	st->results++;
	printf("rcpt %zu %s %d %s\n", (size_t)msg->owner, msg->rcpts[rcpt], code, text);
}

static void send_done(void *ctx, const char *error)
{
	struct send_state *st = ctx;

	if (error == NULL)
		printf("done ok\n");
	else
		printf("done error %s\n", error);
	printf("results %u of %u\n", st->results, st->handed * st->msg.rcpt_count);
}

static unsigned char *send_read_file(const char *path, size_t *size_r)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, alloc = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (alloc - len < 65536) {
			alloc = alloc * 2 + 65536;
			data = xrealloc(data, alloc);
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*size_r = len;
	return data;
}

/* "127.0.0.2" or "mx.example=127.0.0.2,::1" */
static void send_parse_host(const char *arg, struct dns_mail_host *host,
			    struct sockaddr_storage *addrs)
{
	char *copy = xstrdup(arg), *eq = strchr(copy, '='), *list, *ip, *save;

	host->name = xstrdup(eq != NULL ? (*eq = '\0', copy) : arg);
	list = eq != NULL ? eq + 1 : copy;
	host->addrs = addrs;
	host->addr_count = 0;
	for (ip = strtok_r(list, ",", &save); ip != NULL && host->addr_count < DNS_MAX_HOST_ADDRS;
	     ip = strtok_r(NULL, ",", &save)) {
		struct sockaddr_storage *a = &addrs[host->addr_count];

		memset(a, 0, sizeof(*a));
		if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)a)->sin_addr) == 1) {
			a->ss_family = AF_INET;
			host->addr_count++;
		} else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)a)->sin6_addr) == 1) {
			a->ss_family = AF_INET6;
			host->addr_count++;
		}
	}
	free(copy);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "host", required_argument, NULL, 'h' }, { "port", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'F' }, { "count", required_argument, NULL, 'n' },
		{ "tls", required_argument, NULL, 's' }, { "auth", required_argument, NULL, 'a' },
		{ "eightbit", no_argument, NULL, '8' }, { "smtputf8", no_argument, NULL, 'u' },
		{ "timeouts", required_argument, NULL, 'T' },
		{ "max-reply", required_argument, NULL, 'm' }, { NULL, 0, NULL, 0 },
	};
	static struct sockaddr_storage addrs[SEND_MAX_HOSTS][DNS_MAX_HOST_ADDRS];
	struct dns_mail_host hosts[SEND_MAX_HOSTS];
	const char *rcpts[SEND_MAX_RCPTS], *file = NULL;
	unsigned int host_count = 0;
	struct smtp_client_params params = {
		.ehlo_name = "client.petrel.test", .port = 25, .tls = SMTP_CLIENT_TLS_NONE,
		.connect_timeout = 10, .helo_timeout = 30, .command_timeout = 30,
		.data_timeout = 60, .max_reply_size = 65536,
	};
	static const struct smtp_client_callbacks callbacks = {
		.next = send_next, .result = send_result, .done = send_done,
	};
	struct send_state st = { .msg = { .sender = "", .rcpts = rcpts }, .count = 1 };
	struct ev_loop *loop = ev_default_loop(0);
	const char *error;
	struct rusage ru;
	char *colon;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			if (host_count < SEND_MAX_HOSTS) {
				send_parse_host(optarg, &hosts[host_count], addrs[host_count]);
				host_count++;
			}
			break;
		case 'p': params.port = atoi(optarg); break;
		case 'f': st.msg.sender = optarg; break;
		case 't':
			if (st.msg.rcpt_count < SEND_MAX_RCPTS)
				rcpts[st.msg.rcpt_count++] = optarg;
			break;
		case 'F': file = optarg; break;
		case 'n': st.count = atoi(optarg); break;
		case 's':
			params.tls = strcmp(optarg, "encrypt") == 0 ? SMTP_CLIENT_TLS_ENCRYPT :
				     strcmp(optarg, "may") == 0 ? SMTP_CLIENT_TLS_MAY :
				     SMTP_CLIENT_TLS_NONE;
			break;
		case 'a':
			colon = strchr(optarg, ':');
			if (colon == NULL)
				return 2;
			*colon = '\0';
			params.auth_user = optarg;
			params.auth_password = colon + 1;
			break;
		case '8': st.msg.eightbit = true; break;
		case 'u': st.msg.smtputf8 = true; break;
		case 'T':
			sscanf(optarg, "%lf,%lf,%lf,%lf", &params.connect_timeout,
			       &params.helo_timeout, &params.command_timeout, &params.data_timeout);
			break;
		case 'm': params.max_reply_size = strtoul(optarg, NULL, 10); break;
		default:
			return 2;
		}
	}
	if (file == NULL || st.msg.rcpt_count == 0 ||
	    (st.msg.data = send_read_file(file, &st.msg.size)) == NULL) {
		fprintf(stderr, "usage: see the comment in smtp-client-send.c\n");
		return 2;
	}
	if (params.tls != SMTP_CLIENT_TLS_NONE &&
	    (params.tls_ctx = tls_client_ctx_new(&error)) == NULL) {
		fprintf(stderr, "tls: %s\n", error);
		return 2;
	}
	st.copies = xcalloc(st.count + 1, sizeof(*st.copies));
	smtp_client_start(loop, hosts, host_count, &params, &callbacks, &st);
	ev_run(loop, 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss %ld\n", ru.ru_maxrss);
	if (params.tls_ctx != NULL)
		SSL_CTX_free(params.tls_ctx);
	for (unsigned int i = 0; i < host_count; i++)
		free((char *)hosts[i].name);
	free(st.copies);
	free((void *)st.msg.data);
	return 0;
}
