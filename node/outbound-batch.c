/*
 * outbound-batch.c — delivering one claimed batch (see outbound-private.h):
 * load the messages' bytes in one query, split the messages by route
 * (outbound_transport for the destination, the sender domain's
 * outbound_smarthost, else MX), look each route up in DNS and feed its
 * messages to SMTP connections, at most outbound_messages_per_connection
 * each, opening more while the limits allow. Every recipient ends with a
 * result; a route that cannot be reached gives all its recipients the
 * same one.
 */
#include "outbound-private.h"

#include "log.h"
#include "pgq-content.h"
#include "pgq-route.h"
#include "settings.h"
#include "worker.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOUND_TEXT_MAX 400

static void outbound_group_next_conn(struct outbound_group *group);

static const struct settings_cache *outbound_settings(const struct outbound_batch *batch)
{
	return batch->runner->worker->settings;
}

/* Reply texts go to logs and into a text[] parameter: printable ASCII
   only (a remote server may send any bytes), bounded. */
static char *outbound_clean_text(const char *text)
{
	size_t len = strnlen(text, OUTBOUND_TEXT_MAX);
	char *out = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
	}
	out[len] = '\0';
	return out;
}

static void outbound_set_result(struct outbound_batch *batch, unsigned int index, int code,
				const char *text)
{
	struct pgq_lease_result *r = &batch->results[index];

	if (r->code != 0)
		return;   /* one result per recipient: the first one stands */
	r->code = code;
	r->state = code >= 200 && code < 300 ? PGQ_STATE_SENT :
		   code >= 500 && code < 600 ? PGQ_STATE_FAILED : PGQ_STATE_DEFERRED;
	r->text = outbound_clean_text(text);
}

/* Every not yet handed-out message of the group gets this result. */
static void outbound_group_fail_rest(struct outbound_group *group, int code, const char *text)
{
	struct outbound_batch *batch = group->batch;

	for (; group->next_msg < group->msg_count; group->next_msg++) {
		const struct outbound_msg *msg = &batch->msgs[group->msgs[group->next_msg]];

		for (unsigned int i = 0; i < msg->m.rcpt_count; i++)
			outbound_set_result(batch, msg->first + i, code, text);
	}
}

static void outbound_batch_check_finished(struct outbound_batch *batch)
{
	if (batch->loading || batch->recording)
		return;
	for (unsigned int i = 0; i < batch->group_count; i++) {
		if (!batch->groups[i].finished)
			return;
	}
	outbound_batch_finished(batch);
}

static void outbound_group_finish(struct outbound_group *group)
{
	group->finished = true;
	outbound_batch_check_finished(group->batch);
}

/* ---- SMTP connections ---- */

static const struct smtp_client_message *outbound_conn_next(void *ctx)
{
	struct outbound_conn *conn = ctx;
	struct outbound_group *group = conn->group;
	struct outbound_batch *batch = group->batch;
	long long per_conn = settings_get_number(outbound_settings(batch),
						 "outbound_messages_per_connection", 0, 0);
	struct outbound_msg *msg;

	if (conn->handed >= per_conn || !outbound_may_send(batch->runner, batch->domain))
		return NULL;
	do {
		if (group->next_msg >= group->msg_count)
			return NULL;
		msg = &batch->msgs[group->msgs[group->next_msg++]];
		/* its content row vanished (deleted by an operator meanwhile) */
		for (unsigned int i = 0; msg->m.data == NULL && i < msg->m.rcpt_count; i++)
			outbound_set_result(batch, msg->first + i, 451,
					    "4.3.0 queued message not readable");
	} while (msg->m.data == NULL);
	msg->handed_out = true;
	conn->handed++;
	outbound_count_message(batch->runner, batch->domain);
	return &msg->m;
}

static void outbound_conn_result(void *ctx, const struct smtp_client_message *m,
				 unsigned int rcpt, int code, const char *text)
{
	struct outbound_conn *conn = ctx;
	const struct outbound_msg *msg = m->owner;

	outbound_set_result(conn->group->batch, msg->first + rcpt, code, text);
}

static void outbound_conn_done(void *ctx, const char *error)
{
	struct outbound_conn *conn = ctx, **p;
	struct outbound_group *group = conn->group;
	struct outbound_batch *batch = group->batch;

	for (p = &group->conns; *p != conn; p = &(*p)->next)
		;
	*p = conn->next;
	batch->clients--;
	if (error != NULL)
		log_info("outbound", NULL, "event=connection_ended domain=%s relay=%s error=\"%s\"",
			 batch->domain, group->relay, error);
	if (conn->handed == 0 && group->next_msg < group->msg_count &&
	    outbound_may_send(batch->runner, batch->domain)) {
		/* no message got through: no host could be used; the rest
		   would fail the same way */
		char text[600];

		snprintf(text, sizeof(text), "4.4.1 %s", error != NULL ? error :
			 "the connection ended before any message");
		outbound_group_fail_rest(group, 451, text);
	}
	free(conn);
	outbound_group_next_conn(group);
}

static void outbound_group_start_conn(struct outbound_group *group)
{
	static const struct smtp_client_callbacks callbacks = {
		.next = outbound_conn_next,
		.result = outbound_conn_result,
		.done = outbound_conn_done,
	};
	struct outbound_conn *conn = xcalloc(1, sizeof(*conn));

	conn->group = group;
	conn->next = group->conns;
	group->conns = conn;
	group->batch->clients++;
	conn->client = smtp_client_start(group->batch->runner->worker->loop, group->hosts,
					 group->host_count, &group->params, &callbacks, conn);
}

/* Open connections for the messages not handed out yet: the first one
   always (the batch's reserved slot), more while the limits allow and
   each would get messages. With nothing left and no connection open, the
   group is finished. */
static void outbound_group_next_conn(struct outbound_group *group)
{
	struct outbound_batch *batch = group->batch;
	long long per_conn = settings_get_number(outbound_settings(batch),
						 "outbound_messages_per_connection", 0, 0);
	unsigned int open = 0;

	for (const struct outbound_conn *c = group->conns; c != NULL; c = c->next)
		open++;
	if (group->next_msg >= group->msg_count ||
	    !outbound_may_send(batch->runner, batch->domain)) {
		/* what is left unsent is given back (outbound_batch_finished) */
		if (open == 0)
			outbound_group_finish(group);
		return;
	}
	/* messages not yet promised to an open connection */
	long long waiting = (long long)(group->msg_count - group->next_msg);

	for (const struct outbound_conn *c = group->conns; c != NULL; c = c->next)
		waiting -= per_conn - (long long)c->handed;
	while ((open == 0 || (waiting > 0 && outbound_may_connect(batch->runner, batch)))) {
		outbound_group_start_conn(group);
		open++;
		waiting -= per_conn;
	}
}

/* ---- routes and DNS ---- */

static void outbound_copy_hosts(struct outbound_group *group, const struct dns_mail_host *hosts,
				unsigned int count)
{
	group->hosts = xcalloc(count + 1, sizeof(*group->hosts));
	group->host_count = count;
	for (unsigned int i = 0; i < count; i++) {
		struct sockaddr_storage *addrs = xcalloc(hosts[i].addr_count + 1, sizeof(*addrs));

		memcpy(addrs, hosts[i].addrs, hosts[i].addr_count * sizeof(*addrs));
		group->hosts[i] = (struct dns_mail_host) {
			.name = xstrdup(hosts[i].name),
			.preference = hosts[i].preference,
			.addrs = addrs,
			.addr_count = hosts[i].addr_count,
		};
	}
}

static void outbound_dns_done(void *ctx, enum dns_result result, const char *error,
			      const struct dns_mail_host *hosts, unsigned int count)
{
	struct outbound_group *group = ctx;
	const char *domain = group->batch->domain;
	char text[700];

	group->query = NULL;
	switch (result) {
	case DNS_OK:
		outbound_copy_hosts(group, hosts, count);
		outbound_group_next_conn(group);
		return;
	case DNS_NULL_MX:
		snprintf(text, sizeof(text), "5.1.10 Domain %s does not accept mail (null MX)",
			 domain);
		outbound_group_fail_rest(group, 556, text);
		break;
	case DNS_NOT_FOUND:
		snprintf(text, sizeof(text), "5.4.4 Host or domain name not found: %s (%s)",
			 group->relay, error != NULL ? error : "no such domain");
		outbound_group_fail_rest(group, 550, text);
		break;
	case DNS_TEMPORARY:
		snprintf(text, sizeof(text), "4.4.3 DNS lookup of %s failed: %s", group->relay,
			 error != NULL ? error : "temporary failure");
		outbound_group_fail_rest(group, 451, text);
		break;
	}
	outbound_group_finish(group);
}

/* outbound_tls, or "encrypt" for outbound_tls_required_domains; a
   malformed setting is logged and read as the stricter choice. */
static enum smtp_client_tls outbound_tls_policy(const struct outbound_batch *batch)
{
	const struct settings_cache *s = outbound_settings(batch);
	enum pgq_tls_policy policy = PGQ_TLS_MAY;
	const char *error;
	int listed = pgq_domain_listed(settings_get(s, "outbound_tls_required_domains", 0, 0),
				       batch->domain, &error);

	if (listed < 0)
		log_warning("outbound", NULL, "event=bad_setting "
			    "name=outbound_tls_required_domains error=\"%s\"", error);
	if (pgq_tls_policy_parse(settings_get(s, "outbound_tls", 0, 0), &policy, &error) < 0)
		log_warning("outbound", NULL, "event=bad_setting name=outbound_tls error=\"%s\"",
			    error);
	if (listed > 0)
		return SMTP_CLIENT_TLS_ENCRYPT;
	return policy == PGQ_TLS_NONE ? SMTP_CLIENT_TLS_NONE :
	       policy == PGQ_TLS_ENCRYPT ? SMTP_CLIENT_TLS_ENCRYPT : SMTP_CLIENT_TLS_MAY;
}

static void outbound_group_params(struct outbound_group *group, const struct pgq_route *route)
{
	struct outbound_batch *batch = group->batch;
	const struct settings_cache *s = outbound_settings(batch);
	const char *ehlo = settings_get(s, "outbound_ehlo_name", 0, 0);

	/* owned copies: the client keeps pointers, and a settings reload
	   frees the cached values */
	group->ehlo_name = xstrdup(ehlo[0] != '\0' ? ehlo : worker_hostname(batch->runner->worker));
	if (route != NULL && route->has_auth) {
		group->auth_user = xstrdup(route->user);
		group->auth_password = xstrdup(route->password);
	}
	group->params = (struct smtp_client_params) {
		.ehlo_name = group->ehlo_name,
		.port = route != NULL && route->port != 0 ? route->port :
			(unsigned int)settings_get_number(s, "outbound_port", 0, 0),
		.tls = batch->runner->tls_ctx != NULL ? outbound_tls_policy(batch) :
		       SMTP_CLIENT_TLS_NONE,
		.tls_ctx = batch->runner->tls_ctx,
		.auth_user = group->auth_user,
		.auth_password = group->auth_password,
		.connect_timeout = settings_get_number(s, "outbound_connect_timeout", 0, 0),
		.helo_timeout = settings_get_number(s, "outbound_helo_timeout", 0, 0),
		.command_timeout = settings_get_number(s, "outbound_command_timeout", 0, 0),
		.data_timeout = settings_get_number(s, "outbound_data_timeout", 0, 0),
		.max_reply_size = (size_t)settings_get_number(s, "outbound_max_reply_size", 0, 0),
	};
}

/* The route of a message: its key (messages with equal keys share
   connections) and, for a fixed next hop, the host. Malformed settings
   are logged and ignored (delivery by MX), as a typo must not stop mail. */
static bool outbound_msg_route(const struct outbound_batch *batch, const struct outbound_msg *msg,
			       struct pgq_route *route, char *key, size_t key_size)
{
	const struct settings_cache *s = outbound_settings(batch);
	const char *error;
	int ret;

	ret = pgq_route_transport(settings_get(s, "outbound_transport", 0, 0), batch->domain,
				  route, &error);
	if (ret < 0)
		log_warning("outbound", NULL, "event=bad_setting name=outbound_transport error=\"%s\"",
			    error);
	if (ret > 0) {
		snprintf(key, key_size, "transport:%s:%u", route->host, route->port);
		return true;
	}
	ret = pgq_route_smarthost(settings_get(s, "outbound_smarthost", msg->sender_domain_id, 0),
				  route, &error);
	if (ret < 0)
		log_warning("outbound", NULL, "event=bad_setting name=outbound_smarthost error=\"%s\"",
			    error);
	if (ret > 0) {
		snprintf(key, key_size, "smarthost:%s:%s@%s:%u", route->user, route->password,
			 route->host, route->port);
		return true;
	}
	snprintf(key, key_size, "mx:");
	return false;
}

static void outbound_group_lookup(struct outbound_group *group, const struct pgq_route *route)
{
	struct outbound_batch *batch = group->batch;

	outbound_group_params(group, route);
	if (route != NULL) {
		snprintf(group->relay, sizeof(group->relay), "%s", route->host);
		group->query = dns_lookup_host(batch->runner->dns, route->host, outbound_dns_done,
					       group);
	} else {
		snprintf(group->relay, sizeof(group->relay), "%s", batch->domain);
		group->query = dns_lookup_mail_hosts(batch->runner->dns, batch->domain,
						     outbound_dns_done, group);
	}
}

/* Split the messages into route groups (messages with the same route
   share connections). */
static void outbound_batch_route(struct outbound_batch *batch)
{
	batch->groups = xcalloc(batch->msg_count, sizeof(*batch->groups));
	for (unsigned int i = 0; i < batch->msg_count; i++) {
		struct outbound_msg *msg = &batch->msgs[i];
		struct pgq_route route = { 0 };
		char key[sizeof(batch->groups->route)];
		struct outbound_group *g = NULL;
		bool fixed = outbound_msg_route(batch, msg, &route, key, sizeof(key));

		for (unsigned int k = 0; k < batch->group_count && g == NULL; k++) {
			if (strcmp(batch->groups[k].route, key) == 0)
				g = &batch->groups[k];
		}
		if (g == NULL) {
			g = &batch->groups[batch->group_count++];
			g->batch = batch;
			snprintf(g->route, sizeof(g->route), "%s", key);
			g->msgs = xcalloc(batch->msg_count, sizeof(*g->msgs));
			g->next_hop = route;
			g->fixed = fixed;
		}
		g->msgs[g->msg_count++] = i;
		msg->group = g;
	}
}

/* ---- contents ---- */

static bool outbound_has_8bit(const unsigned char *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data[i] >= 0x80)
			return true;
	}
	return false;
}

/* SMTPUTF8 is needed for UTF-8 in the envelope or in the header section
   (RFC 6531/6532); 8-bit bytes only in the body are 8BITMIME's. */
static void outbound_msg_set_content(struct outbound_msg *msg, const unsigned char *raw,
				     size_t size)
{
	const unsigned char *end = NULL;
	bool utf8 = outbound_has_8bit((const unsigned char *)msg->m.sender, strlen(msg->m.sender));

	for (size_t i = 0; i + 3 < size && end == NULL; i++) {
		if (memcmp(raw + i, "\r\n\r\n", 4) == 0)
			end = raw + i;
	}
	for (unsigned int i = 0; i < msg->m.rcpt_count && !utf8; i++)
		utf8 = outbound_has_8bit((const unsigned char *)msg->m.rcpts[i],
					 strlen(msg->m.rcpts[i]));
	msg->m.data = memcpy(xmalloc(size + 1), raw, size);
	msg->m.size = size;
	msg->m.eightbit = outbound_has_8bit(raw, size);
	msg->m.smtputf8 = utf8 || outbound_has_8bit(raw, end != NULL ? (size_t)(end - raw) : size);
}

static void outbound_contents_loaded(void *ctx, const char *error,
				     const struct pgq_content *contents, unsigned int count)
{
	struct outbound_batch *batch = ctx;

	batch->loading = false;
	for (unsigned int i = 0; i < batch->msg_count; i++) {
		struct outbound_msg *msg = &batch->msgs[i];

		for (unsigned int k = 0; k < count && msg->m.data == NULL; k++) {
			if (contents[k].id == msg->content_id)
				outbound_msg_set_content(msg, contents[k].raw, contents[k].size);
		}
	}
	if (error != NULL)
		log_warning("outbound", NULL, "event=content_load_failed domain=%s error=\"%s\"",
			    batch->domain, error);
	outbound_batch_route(batch);
	for (unsigned int k = 0; k < batch->group_count; k++) {
		struct outbound_group *g = &batch->groups[k];

		if (error == NULL && !batch->runner->draining) {
			outbound_group_lookup(g, g->fixed ? &g->next_hop : NULL);
			continue;
		}
		/* cannot send (database trouble: a temporary result) or must
		   not (drain: no result, the recipients are given back) */
		if (!batch->runner->draining)
			outbound_group_fail_rest(g, 451, "4.3.0 queued message not readable");
		g->finished = true;
	}
	outbound_batch_check_finished(batch);
}

/* ---- the batch ---- */

struct outbound_batch *outbound_batch_new(struct outbound_runner *runner,
					  const struct pgq_claimed *rcpts, unsigned int count)
{
	struct outbound_batch *batch = xcalloc(1, sizeof(*batch));
	int64_t *content_ids = xcalloc(count, sizeof(*content_ids));
	unsigned int ncontents = 0;

	batch->runner = runner;
	batch->domain = xstrdup(rcpts[0].r.domain);
	batch->results = xcalloc(count, sizeof(*batch->results));
	batch->rcpt_msg = xcalloc(count, sizeof(*batch->rcpt_msg));
	batch->msgs = xcalloc(count, sizeof(*batch->msgs));
	batch->rcpt_count = count;
	for (unsigned int i = 0; i < count; i++) {
		const struct pgq_recipient *r = &rcpts[i].r;
		struct outbound_msg *msg = &batch->msgs[batch->msg_count - 1];

		if (i == 0 || strcmp(msg->queue_id, r->queue_id) != 0) {
			msg = &batch->msgs[batch->msg_count++];
			msg->queue_id = xstrdup(r->queue_id);
			msg->content_id = r->content_id;
			msg->sender_domain_id = rcpts[i].sender_domain_id;
			msg->first = i;
			msg->m.sender = xstrdup(r->sender);
			msg->m.rcpts = xcalloc(count - i, sizeof(char *));
			msg->m.owner = msg;
			content_ids[ncontents++] = r->content_id;
		}
		((const char **)msg->m.rcpts)[msg->m.rcpt_count++] = xstrdup(r->recipient);
		batch->results[i].id = r->id;
		batch->rcpt_msg[i] = batch->msg_count - 1;
	}
	batch->loading = true;
	pgq_content_load(runner->worker->pool, content_ids, ncontents, outbound_contents_loaded,
			 batch);
	free(content_ids);
	return batch;
}

void outbound_batch_drain(struct outbound_batch *batch)
{
	for (unsigned int k = 0; k < batch->group_count; k++) {
		struct outbound_group *g = &batch->groups[k];

		if (g->query != NULL) {
			dns_query_cancel(g->query);
			g->query = NULL;
			outbound_group_finish(g);
		}
	}
}

unsigned int outbound_batch_ids(const struct outbound_batch *batch, int64_t *ids)
{
	for (unsigned int i = 0; i < batch->rcpt_count; i++)
		ids[i] = batch->results[i].id;
	return batch->rcpt_count;
}

void outbound_batch_free(struct outbound_batch *batch)
{
	for (unsigned int k = 0; k < batch->group_count; k++) {
		struct outbound_group *g = &batch->groups[k];

		if (g->query != NULL)
			dns_query_cancel(g->query);
		while (g->conns != NULL) {
			struct outbound_conn *conn = g->conns;

			g->conns = conn->next;
			smtp_client_abort(&conn->client);
			free(conn);
		}
		for (unsigned int i = 0; i < g->host_count; i++) {
			free((char *)g->hosts[i].name);
			free((void *)g->hosts[i].addrs);
		}
		free(g->hosts);
		free(g->msgs);
		free(g->ehlo_name);
		free(g->auth_user);
		free(g->auth_password);
	}
	for (unsigned int i = 0; i < batch->msg_count; i++) {
		struct outbound_msg *msg = &batch->msgs[i];

		for (unsigned int r = 0; r < msg->m.rcpt_count; r++)
			free((char *)msg->m.rcpts[r]);
		free((void *)msg->m.rcpts);
		free((char *)msg->m.sender);
		free((void *)msg->m.data);
		free(msg->queue_id);
	}
	for (unsigned int i = 0; i < batch->rcpt_count; i++)
		free((char *)batch->results[i].text);
	free(batch->groups);
	free(batch->msgs);
	free(batch->results);
	free(batch->rcpt_msg);
	free(batch->domain);
	free(batch);
}
