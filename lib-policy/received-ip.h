/*
 * received-ip.h — the IP addresses a message's Received: header fields
 * name, for SMTP rules on "received_ip" (a spammer relaying through a
 * listed network, whatever the last hop).
 *
 * Addresses are taken from square brackets, the form MTAs write the
 * connecting client in ("from mx.example ([192.0.2.7])", "[IPv6:2001:db8::1]");
 * only text that parses as an address counts. Pure: no I/O.
 */
#ifndef RECEIVED_IP_H
#define RECEIVED_IP_H

#include <stddef.h>

/* The distinct addresses of every Received: field in the header block
   (top to bottom), as NUL-terminated strings in *ips_r (free with
   received_ips_free()); returns how many. */
unsigned int received_ips_extract(const unsigned char *header, size_t size, char ***ips_r);
void received_ips_free(char ***ips, unsigned int count);

#endif
