/*
 * net.c — socket helpers (see net.h).
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int net_parse_address(const char *text, struct sockaddr_storage *addr_r, socklen_t *len_r,
		      const char **error_r)
{
	static char error[256];
	char host[128];
	const char *colon, *port_str;
	char *end;
	long port;

	memset(addr_r, 0, sizeof(*addr_r));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			goto bad;
		memcpy(host, text + 1, close - text - 1);
		host[close - text - 1] = '\0';
		port_str = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
			goto bad;
		memcpy(host, text, colon - text);
		host[colon - text] = '\0';
		port_str = colon + 1;
	}
	port = strtol(port_str, &end, 10);
	if (*port_str == '\0' || *end != '\0' || port < 0 || port > 65535)
		goto bad;

	struct sockaddr_in *sin = (struct sockaddr_in *)addr_r;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr_r;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len_r = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len_r = sizeof(*sin6);
		return 0;
	}
bad:
	snprintf(error, sizeof(error),
		 "invalid listen address '%s' (expected IP:port or [IPv6]:port)", text);
	*error_r = error;
	return -1;
}

int net_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int net_listen(const struct sockaddr_storage *addr, socklen_t len, bool reuseport,
	       const char **error_r)
{
	static char error[256];
	int fd, one = 1;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, 1024) < 0)
		goto fail;
	return fd;
fail:
	snprintf(error, sizeof(error), "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	*error_r = error;
	return -1;
}

const char *net_ip_string(const struct sockaddr_storage *addr, char *buf, size_t size)
{
	if (addr->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, buf, size);
	} else if (addr->ss_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)addr)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6))
			inet_ntop(AF_INET, &a6->s6_addr[12], buf, size);
		else
			inet_ntop(AF_INET6, a6, buf, size);
	} else {
		snprintf(buf, size, "unknown");
	}
	return buf;
}

bool net_ip_is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	       strncmp(ip, "::ffff:127.", 11) == 0;
}

int net_connect_start(const struct sockaddr_storage *addr, socklen_t len, const char **error_r)
{
	static char error[256];
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && (connect(fd, (const struct sockaddr *)addr, len) == 0 ||
			errno == EINPROGRESS))
		return fd;
	snprintf(error, sizeof(error), "connect: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	*error_r = error;
	return -1;
}
