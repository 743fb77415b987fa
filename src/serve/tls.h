/*
 * tls: the server's SSL_CTX and its certificate.
 *
 * Gemini clients trust a capsule's certificate on first use, so it must
 * live long and never change by accident: when DIR/HOST.crt and
 * DIR/HOST.key do not exist, one is made (ECDSA P-256, the host in
 * subjectAltName, valid for a century, the key file mode 0600) and kept.
 */
#ifndef CAPSULED_TLS_H
#define CAPSULED_TLS_H

#include <openssl/ssl.h>

#include "base/diag.h"

/*
 * Loads (or first creates) the certificate of host in cert_dir and returns
 * a context for TLS 1.2 and 1.3 only. Each of the naliases other names
 * gets its own certificate the same way, chosen by SNI; the context owns
 * them (they live as long as it and every connection made from it). NULL,
 * with the reasons in d, on error.
 */
SSL_CTX *tls_server_ctx(const char *cert_dir, const char *host,
    char *const *aliases, size_t naliases, struct diags *d);

/*
 * For --check: the certificate and key of host and of each alias load,
 * match, and are valid now; nothing is created (missing pairs are made on
 * the first start). Returns 0 when clean, problems in d.
 */
int tls_check(const char *cert_dir, const char *host, char *const *aliases,
    size_t naliases, struct diags *d);

#endif
