/*
 * netlist.h — "is this client address in that list of networks?" for
 * settings such as trusted_networks (Postfix mynetworks): a comma- or
 * blank-separated list of IPv4/IPv6 addresses and CIDR networks
 * ("127.0.0.0/8, 192.0.2.10, 2001:db8::/32"). Pure: no I/O, unit-tested in
 * test-netlist.c.
 */
#ifndef NETLIST_H
#define NETLIST_H

/* 1 when ip (an address in text form) is inside one of the networks of
   list, 0 when not (or ip is not an address), -1 when list has an item
   that is not an address or network; *error_r is then a sentence naming it
   (static storage, valid until the next call). An IPv4-mapped IPv6 address
   (::ffff:192.0.2.1) matches IPv4 networks. */
int netlist_contains(const char *list, const char *ip, const char **error_r);

#endif
