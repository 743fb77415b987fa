/* tls: certificate generation and the server context. */
#include "serve/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "serve/tickets.h"

#define CERT_DAYS (100 * 365)

static void
ssl_diag(struct diags *d, const char *file, const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256];

	ERR_error_string_n(e, msg, sizeof(msg));
	diags_add(d, file, 0, 0, "%s: %s", what, e ? msg : "failed");
	ERR_clear_error();
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static int
is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* Writes pem to path through a temporary file, so no half file remains. */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert,
    struct diags *d)
{
	char tmp[4096];
	FILE *f;
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1) {
		diags_add(d, tmp, 0, 0, "cannot create: %s", strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : PEM_write_X509(f, cert);
	if (fclose(f) != 0 || !ok || rename(tmp, path) == -1) {
		diags_add(d, path, 0, 0, "cannot write");
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
make_cert(const char *host, const char *crt, const char *key,
    struct diags *d)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	char san[300];
	int rc = -1;

	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL) {
		ssl_diag(d, crt, "cannot make a key");
		goto done;
	}
	X509_set_version(x, 2);
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* a positive serial */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	/* A day back, so a client whose clock is a little slow accepts it. */
	if (X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) == NULL)
		goto fail;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		(const unsigned char *)host, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, pkey))
		goto fail;
	snprintf(san, sizeof(san), "%s:%s", is_ip(host) ? "IP" : "DNS", host);
	if (add_ext(x, NID_subject_alt_name, san) == -1 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") == -1)
		goto fail;
	if (!X509_sign(x, pkey, EVP_sha256()))
		goto fail;
	if (write_pem(key, 0600, pkey, NULL, d) == -1 ||
	    write_pem(crt, 0644, NULL, x, d) == -1)
		goto done;
	rc = 0;
	goto done;
fail:
	ssl_diag(d, crt, "cannot make a certificate");
done:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

static SSL_CTX *
host_ctx(const char *cert_dir, const char *host, struct diags *d)
{
	char crt[4096], key[4096];
	SSL_CTX *ctx;
	struct stat st;
	X509 *x;

	snprintf(crt, sizeof(crt), "%s/%s.crt", cert_dir, host);
	snprintf(key, sizeof(key), "%s/%s.key", cert_dir, host);
	if (stat(crt, &st) == -1 && errno == ENOENT &&
	    stat(key, &st) == -1 && errno == ENOENT) {
		if (mkdir(cert_dir, 0755) == -1 && errno != EEXIST) {
			diags_add(d, cert_dir, 0, 0, "cannot create: %s",
			    strerror(errno));
			return NULL;
		}
		if (make_cert(host, crt, key, d) == -1)
			return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_diag(d, crt, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Idle connections keep no 34 KB of buffers each. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/*
	 * One TLS 1.3 ticket per handshake, not OpenSSL's two: a Gemini
	 * client resumes one connection at a time, and each ticket costs an
	 * encryption and a write (bench/: 505 -> 475 us per full handshake).
	 */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"capsuled",
	    8);
	/*
	 * A record's header and body in one read(2), not two (gemini.c
	 * reads the socket through OpenSSL, and asks for one line only).
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	/*
	 * AES-128 with SHA-256 first: as strong as a client needs, and the
	 * handshake's key schedule is HMAC-SHA-256, which CPUs with SHA
	 * extensions run about twice as fast as the SHA-384 of OpenSSL's
	 * default first choice (bench/: a tenth of a full handshake).
	 */
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:"
	    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384");
	SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
	    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
	    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
	    "ECDHE-RSA-AES256-GCM-SHA384");
	/*
	 * Resumption is by ticket only (TLS 1.3 and 1.2 alike): no session
	 * cache to fill at every handshake and to sweep, shared by no lock
	 * among the workers.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (tickets_use(ctx) == -1) {
		ssl_diag(d, crt, "cannot set up session tickets");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1) {
		ssl_diag(d, crt, "cannot load certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_diag(d, key, "cannot load key");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_diag(d, key, "key does not match the certificate");
		goto fail;
	}
	/* Clients refuse an expired certificate: say so at start, not later. */
	if ((x = SSL_CTX_get0_certificate(ctx)) != NULL) {
		if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
			diags_add(d, crt, 0, 0, "the certificate has expired");
			goto fail;
		}
		if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
			diags_add(d, crt, 0, 0, "the certificate is not valid "
			    "yet");
			goto fail;
		}
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The other names' contexts, kept in the main context's ex_data. */
struct sni {
	size_t n;
	char **names;
	SSL_CTX **ctx;
};

static int sni_index = -1;

static void
sni_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct sni *s = ptr;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		SSL_CTX_free(s->ctx[i]);
	}
	free(s->names);
	free(s->ctx);
	free(s);
}

/* The client named one of the other hosts: its certificate, then. */
static int
on_servername(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	struct sni *s = arg;

	if (name == NULL)
		return SSL_TLSEXT_ERR_OK;
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(name, s->names[i]) == 0) {
			SSL_set_SSL_CTX(ssl, s->ctx[i]);
			break;
		}
	return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *
tls_server_ctx(const char *cert_dir, const char *host, char *const *aliases,
    size_t naliases, struct diags *d)
{
	SSL_CTX *ctx;
	struct sni *s;

	if ((ctx = host_ctx(cert_dir, host, d)) == NULL)
		return NULL;
	if (naliases == 0)
		return ctx;
	if (sni_index == -1)
		sni_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
		    sni_free);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->names = calloc(naliases, sizeof(*s->names))) == NULL ||
	    (s->ctx = calloc(naliases, sizeof(*s->ctx))) == NULL) {
		if (s)
			free(s->names);
		free(s);
		SSL_CTX_free(ctx);
		diags_add(d, cert_dir, 0, 0, "out of memory");
		return NULL;
	}
	/* Owned by ctx from here: freed with it, even on failure below. */
	SSL_CTX_set_ex_data(ctx, sni_index, s);
	for (size_t i = 0; i < naliases; i++) {
		if ((s->ctx[s->n] = host_ctx(cert_dir, aliases[i], d)) == NULL ||
		    (s->names[s->n] = strdup(aliases[i])) == NULL) {
			SSL_CTX_free(s->ctx[s->n]);
			SSL_CTX_free(ctx);
			return NULL;
		}
		s->n++;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
	SSL_CTX_set_tlsext_servername_arg(ctx, s);
	return ctx;
}

static int
check_one(const char *cert_dir, const char *host, struct diags *d)
{
	char crt[4096], key[4096];
	SSL_CTX *ctx;
	int has_crt, has_key;

	snprintf(crt, sizeof(crt), "%s/%s.crt", cert_dir, host);
	snprintf(key, sizeof(key), "%s/%s.key", cert_dir, host);
	has_crt = access(crt, F_OK) == 0;
	has_key = access(key, F_OK) == 0;
	if (!has_crt && !has_key)
		return 0; /* made on the first start */
	if ((ctx = host_ctx(cert_dir, host, d)) == NULL)
		return -1;
	SSL_CTX_free(ctx);
	return 0;
}

int
tls_check(const char *cert_dir, const char *host, char *const *aliases,
    size_t naliases, struct diags *d)
{
	int rc = check_one(cert_dir, host, d);

	for (size_t i = 0; i < naliases; i++)
		if (check_one(cert_dir, aliases[i], d) == -1)
			rc = -1;
	return rc;
}
