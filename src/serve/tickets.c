/* tickets: rotating session ticket keys, shared by every context. */
#include "serve/tickets.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

struct key {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
	time_t made;
};

static struct {
	pthread_mutex_t lock;
	struct key now, before; /* before.made == 0: none */
	EVP_CIPHER *cipher;     /* fetched once, not per ticket */
} keys = {PTHREAD_MUTEX_INITIALIZER, {{0}, {0}, {0}, 0}, {{0}, {0}, {0}, 0},
	NULL};

static int
make_key(struct key *k, time_t now)
{
	if (RAND_priv_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_priv_bytes(k->aes, sizeof(k->aes)) != 1 ||
	    RAND_priv_bytes(k->hmac, sizeof(k->hmac)) != 1)
		return -1;
	k->made = now;
	return 0;
}

/* The key to seal with now, rotated when due (under the lock). */
static int
current(struct key *out)
{
	time_t now = time(NULL);
	int rc = 0;

	pthread_mutex_lock(&keys.lock);
	if (keys.now.made == 0 || now - keys.now.made >= TICKETS_ROTATE_S) {
		struct key fresh;

		if (make_key(&fresh, now) == 0) {
			keys.before = keys.now;
			keys.now = fresh;
			OPENSSL_cleanse(&fresh, sizeof(fresh));
		} else if (keys.now.made == 0)
			rc = -1;
	}
	*out = keys.now;
	pthread_mutex_unlock(&keys.lock);
	return rc;
}

/* The key a ticket names: 1 the current, 2 the one before, 0 none. */
static int
find(const unsigned char name[16], struct key *out)
{
	time_t now = time(NULL);
	int which = 0;

	pthread_mutex_lock(&keys.lock);
	if (keys.now.made != 0 && memcmp(name, keys.now.name, 16) == 0 &&
	    now - keys.now.made < 2 * TICKETS_ROTATE_S) {
		*out = keys.now;
		which = 1;
	} else if (keys.before.made != 0 &&
	    memcmp(name, keys.before.name, 16) == 0 &&
	    now - keys.before.made < 2 * TICKETS_ROTATE_S) {
		*out = keys.before;
		which = 2;
	}
	pthread_mutex_unlock(&keys.lock);
	return which;
}

static int
set_mac(EVP_MAC_CTX *hctx, unsigned char *hmac)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, hmac, 32),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	return EVP_MAC_CTX_set_params(hctx, params) == 1 ? 0 : -1;
}

/*
 * OpenSSL's ticket callback: enc 1 seals a new ticket (1: done, -1:
 * error), enc 0 opens one (0: unknown key, a full handshake; 1: good;
 * 2: good, and send a new ticket). TLS 1.3 always gets 2: with 1
 * OpenSSL sends no ticket on a resumed connection, and a client that
 * uses each ticket once (as RFC 8446 asks, and OpenSSL's client does)
 * is left without one, so every other connection was a full handshake
 * (bench/). TLS 1.2 keeps its ticket until the key is the old one: a
 * renewed 1.2 ticket halved OpenSSL clients' resumptions the same way.
 */
static int
ticket_key(SSL *s, unsigned char name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct key k;
	int which, rc = -1;

	if (enc) {
		if (current(&k) == -1 ||
		    RAND_bytes(iv, EVP_CIPHER_get_iv_length(keys.cipher)) != 1)
			goto done;
		memcpy(name, k.name, 16);
		if (EVP_EncryptInit_ex(cctx, keys.cipher, NULL, k.aes, iv) != 1 ||
		    set_mac(hctx, k.hmac) == -1)
			goto done;
		rc = 1;
	} else {
		if ((which = find(name, &k)) == 0) {
			rc = 0;
			goto done;
		}
		if (EVP_DecryptInit_ex(cctx, keys.cipher, NULL, k.aes, iv) != 1 ||
		    set_mac(hctx, k.hmac) == -1)
			goto done;
		rc = which == 2 || SSL_version(s) >= TLS1_3_VERSION ? 2 : 1;
	}
done:
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void
fetch_cipher(void)
{
	keys.cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
}

int
tickets_use(SSL_CTX *ctx)
{
	pthread_once(&fetched, fetch_cipher);
	if (keys.cipher == NULL)
		return -1;
	return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key) == 1
	    ? 0 : -1;
}
