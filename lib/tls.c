/*
 * tls.c — OpenSSL server and client contexts (see tls.h).
 */
#include "tls.h"

#include <openssl/err.h>
#include <stdio.h>

const char *tls_last_error(void)
{
	static char text[256];
	unsigned long err = ERR_get_error();

	if (err == 0)
		return "unknown TLS error";
	ERR_error_string_n(err, text, sizeof(text));
	ERR_clear_error();
	return text;
}

SSL_CTX *tls_server_ctx_new(const char *cert_path, const char *key_path, const char **error_r)
{
	static char error[512];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		snprintf(error, sizeof(error), "SSL_CTX_new: %s", tls_last_error());
		*error_r = error;
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_RENEGOTIATION);
	/* Partial writes and moving buffers: the connection layer retries with
	   whatever its output buffer holds by then. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		snprintf(error, sizeof(error), "%s: %s", cert_path, tls_last_error());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		snprintf(error, sizeof(error), "%s: %s", key_path, tls_last_error());
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(error, sizeof(error), "%s does not match %s", key_path, cert_path);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	*error_r = error;
	return NULL;
}

SSL_CTX *tls_client_ctx_new(const char **error_r)
{
	static char error[512];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		snprintf(error, sizeof(error), "SSL_CTX_new: %s", tls_last_error());
		*error_r = error;
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	/* see tls.h: opportunistic encryption, the peer is not authenticated */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}
