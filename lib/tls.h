/*
 * tls.h — OpenSSL server contexts for implicit-TLS listeners and STARTTLS,
 * and the client context the outbound SMTP client uses for STARTTLS.
 *
 * A context is built from the certificate chain and key named in the
 * bootstrap file; SIGHUP builds a new one and new handshakes use it, while
 * connections already encrypted keep their reference to the old one.
 */
#ifndef TLS_H
#define TLS_H

#include <openssl/ssl.h>

/* TLS 1.2 or newer, server preference for ciphers, no compression, no
   renegotiation. Returns NULL with *error_r set (static) on failure. */
SSL_CTX *tls_server_ctx_new(const char *cert_path, const char *key_path, const char **error_r);
/* TLS 1.2 or newer, no certificate verification: opportunistic STARTTLS
   between MTAs (RFC 7435) encrypts against passive listeners only, since
   MX hosts' certificates rarely match their names and refusing them would
   fall back to plaintext anyway. Returns NULL with *error_r (static). */
SSL_CTX *tls_client_ctx_new(const char **error_r);
/* The first OpenSSL error queued, as text (clears the queue). */
const char *tls_last_error(void);

#endif
