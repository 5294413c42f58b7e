/*
 * netlist.c — matching an address against a list of networks (see
 * netlist.h). The list is parsed on every call: lists are short, and a
 * setting changed on another node is then effective at once without a
 * cache to invalidate.
 */
#include "netlist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETLIST_ITEM_MAX 64

/* An address as 16 bytes; IPv4 as IPv4-mapped IPv6, so one comparison
   covers both families. */
struct netlist_addr {
	unsigned char bytes[16];
	bool v4;
};

static bool netlist_parse_addr(const char *text, struct netlist_addr *addr)
{
	struct in_addr v4;

	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, &v4) == 1) {
		addr->bytes[10] = addr->bytes[11] = 0xff;
		memcpy(addr->bytes + 12, &v4, 4);
		addr->v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, text, addr->bytes) != 1)
		return false;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	addr->v4 = memcmp(addr->bytes, mapped, sizeof(mapped)) == 0;
	return true;
}

static bool netlist_prefix_equal(const struct netlist_addr *a, const struct netlist_addr *b,
				 unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(a->bytes, b->bytes, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	return (a->bytes[whole] & mask) == (b->bytes[whole] & mask);
}

/* One list item ("net" or "net/bits"): 1 match, 0 no match, -1 malformed. */
static int netlist_item_matches(char *item, const struct netlist_addr *ip)
{
	struct netlist_addr net;
	char *slash = strchr(item, '/');
	long bits = -1;

	if (slash != NULL) {
		char *end;

		*slash = '\0';
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0')
			return -1;
	}
	if (!netlist_parse_addr(item, &net))
		return -1;
	if (bits < 0)
		bits = 128;
	else if (net.v4)
		bits += 96;
	if (bits > 128 || (net.v4 && bits < 96))
		return -1;
	return netlist_prefix_equal(&net, ip, (unsigned int)bits) ? 1 : 0;
}

int netlist_contains(const char *list, const char *ip, const char **error_r)
{
	static char error[NETLIST_ITEM_MAX + 64];
	struct netlist_addr addr;
	bool have_addr = ip != NULL && netlist_parse_addr(ip, &addr);
	int found = 0;

	for (const char *p = list != NULL ? list : ""; *p != '\0';) {
		char item[NETLIST_ITEM_MAX + 1];
		size_t len = strcspn(p, ", \t");

		if (len == 0) {
			p++;
			continue;
		}
		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		int ret = len > NETLIST_ITEM_MAX ? -1
			: netlist_item_matches(item, have_addr ? &addr : &(struct netlist_addr){ 0 });

		if (ret < 0) {
			snprintf(error, sizeof(error), "'%.*s' is not an address or network",
				 (int)(len > NETLIST_ITEM_MAX ? NETLIST_ITEM_MAX : len), p);
			*error_r = error;
			return -1;
		}
		if (ret > 0 && have_addr)
			found = 1;
		p += len;
	}
	return found;
}
