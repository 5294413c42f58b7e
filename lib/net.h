/*
 * net.h — socket helpers: parse "host:port" listener addresses, open
 * listening sockets, render peer addresses.
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <sys/socket.h>

/* "0.0.0.0:25", "127.0.0.1:2525", "[::]:25", "[::1]:2525". Returns -1 with
   *error_r set on a bad address. */
int net_parse_address(const char *text, struct sockaddr_storage *addr_r, socklen_t *len_r,
		      const char **error_r);
/* A non-blocking, close-on-exec listening socket; reuseport lets every
   worker own one socket per listener so the kernel spreads connections. */
int net_listen(const struct sockaddr_storage *addr, socklen_t len, bool reuseport,
	       const char **error_r);
/* The numeric IP of an address ("192.0.2.1", "2001:db8::1"; v4-mapped v6
   addresses as plain v4). buf must hold 46 bytes. */
const char *net_ip_string(const struct sockaddr_storage *addr, char *buf, size_t size);
int net_set_nonblock(int fd);
/* A non-blocking, close-on-exec socket with connect() to addr started (or
   already done); the caller waits for writability and reads SO_ERROR.
   Returns -1 with *error_r (static) when the connect fails at once. */
int net_connect_start(const struct sockaddr_storage *addr, socklen_t len, const char **error_r);
/* Whether a textual client address (as net_ip_string() writes it) is a
   loopback address: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
bool net_ip_is_loopback(const char *ip);

#endif
