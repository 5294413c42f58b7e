/*
 * received-ip.c — addresses in Received: fields (see received-ip.h).
 */
#include "received-ip.h"

#include "rfc822-header.h"
#include "strbuf.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest text between brackets that can be an address ("IPv6:" + 45). */
#define RECEIVED_IP_MAX 52

static bool received_ip_valid(const char *text)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1;
}

static void received_ip_add(char ***ips, unsigned int *count, const char *ip)
{
	for (unsigned int i = 0; i < *count; i++) {
		if (strcasecmp((*ips)[i], ip) == 0)
			return;
	}
	*ips = xrealloc(*ips, (*count + 1) * sizeof(**ips));
	(*ips)[(*count)++] = xstrdup(ip);
}

/* Every bracketed address of one unfolded field value. */
static void received_ips_scan(const char *value, char ***ips, unsigned int *count)
{
	const char *open, *close;
	char text[RECEIVED_IP_MAX + 1];

	for (; (open = strchr(value, '[')) != NULL; value = close + 1) {
		size_t len;
		const char *start = open + 1;

		if ((close = strchr(start, ']')) == NULL)
			return;
		if (strncasecmp(start, "IPv6:", 5) == 0)
			start += 5;
		len = (size_t)(close - start);
		if (len == 0 || len > RECEIVED_IP_MAX)
			continue;
		memcpy(text, start, len);
		text[len] = '\0';
		if (received_ip_valid(text))
			received_ip_add(ips, count, text);
	}
}

unsigned int received_ips_extract(const unsigned char *header, size_t size, char ***ips_r)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf value = STRBUF_INIT;
	unsigned int count = 0;

	*ips_r = NULL;
	rfc822_header_iter_init(&iter, header, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		if (!rfc822_header_name_is(&field, "Received"))
			continue;
		strbuf_truncate(&value, 0);
		rfc822_header_unfold(field.value, field.value_len, &value);
		received_ips_scan(strbuf_cstr(&value), ips_r, &count);
	}
	strbuf_free(&value);
	return count;
}

void received_ips_free(char ***ips, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		free((*ips)[i]);
	free(*ips);
	*ips = NULL;
}
