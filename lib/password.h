/*
 * password.h — Dovecot-compatible password hashes on top of libxcrypt.
 *
 * Stored hashes carry a Dovecot scheme prefix followed by a crypt(3) string:
 * new hashes are "{CRYPT}$y$..." (yescrypt, libxcrypt's default cost).
 * Verification also accepts {SHA512-CRYPT} ($6$), {SHA256-CRYPT} ($5$),
 * {BLF-CRYPT} ($2a$/$2b$/$2y$), a bare crypt string without prefix, and
 * {PLAIN} for imported accounts (never produced here). Scheme names are
 * case-insensitive, as in Dovecot.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

/* Hash password for storage with a fresh random salt. Returns 0 with
   *hash_r allocated (the caller frees it), or -1 with *error_r a static
   sentence (password too long, no randomness, hashing failed). */
int password_hash(const char *password, char **hash_r, const char **error_r);

/* Check password against a stored hash, comparing in constant time.
   Returns 1 on a match, 0 on a mismatch, -1 when the scheme is unsupported
   or the hash is corrupt, with *error_r a static sentence. */
int password_verify(const char *password, const char *stored, const char **error_r);

#endif
