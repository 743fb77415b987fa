/*
 * floor_tls: the minimal single-threaded libevent + OpenSSL Gemini server,
 * the TLS yardstick of bench/run.sh. Every request line gets the same page
 * from memory (a "20 text/gemini" header, then the file given), then
 * close_notify and close. Nothing is parsed, logged or timed out: it is
 * what a server built the obvious way on these libraries costs.
 *
 * The certificate is an ECDSA P-256 key made at start (self-signed, for
 * localhost), or read from -c CERT -k KEY. OpenSSL's defaults are kept
 * (two TLS 1.3 tickets per handshake, the internal session cache for TLS
 * 1.2) unless told otherwise, so the knobs below can be measured one by
 * one against the same yardstick:
 *
 *   floor_tls -p PORT -f PAGE [-a 127.0.0.1] [-c CERT -k KEY]
 *             [-t TICKETS] [-d] [-R] [-A]
 *
 *   -t N   SSL_CTX_set_num_tickets(ctx, N) (OpenSSL's default: 2)
 *   -d     TCP_DEFER_ACCEPT on the listener
 *   -R     SSL_MODE_RELEASE_BUFFERS
 *   -A     SSL_CTX_set_read_ahead(ctx, 1): a record in one read, not two
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static char *page;
static size_t pagelen;
static SSL_CTX *ctx;
static struct event_base *base;

static void
load(const char *path)
{
	static const char head[] = "20 text/gemini; lang=en\r\n";
	struct stat st;
	size_t hl = sizeof(head) - 1;
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(path);
		exit(1);
	}
	pagelen = hl + (size_t)st.st_size;
	if ((page = malloc(pagelen)) == NULL ||
	    read(fd, page + hl, (size_t)st.st_size) != st.st_size) {
		perror(path);
		exit(1);
	}
	memcpy(page, head, hl);
	close(fd);
}

static void
make_cert(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	if (key == NULL || x == NULL) {
		fprintf(stderr, "floor_tls: cannot make a key\n");
		exit(1);
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	if (!X509_sign(x, key, EVP_sha256()) ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
on_written(struct bufferevent *bev, void *arg)
{
	SSL *ssl;

	if (arg == NULL ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	/* The page is out: close_notify, then close. */
	ssl = bufferevent_openssl_get_ssl(bev);
	SSL_shutdown(ssl);
	ERR_clear_error();
	bufferevent_free(bev);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;

	p = evbuffer_search(in, "\n", 1, NULL);
	if (p.pos < 0) {
		if (evbuffer_get_length(in) > 1026)
			bufferevent_free(bev);
		return;
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(bev, EV_READ);
	/* By reference: the page lives as long as the process. */
	evbuffer_add_reference(bufferevent_get_output(bev), page, pagelen,
	    NULL, NULL);
	bufferevent_setcb(bev, NULL, on_written, NULL, bev);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		ERR_clear_error();
		bufferevent_free(bev);
	}
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;

	if (ssl == NULL) {
		close(fd);
		return;
	}
	bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
	bufferevent_enable(bev, EV_READ);
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor_tls -p PORT -f PAGE [-a ADDR] "
	    "[-c CERT -k KEY] [-t TICKETS] [-d] [-R] [-A]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *file = NULL, *crt = NULL, *key = NULL;
	int port = 0, tickets = -1, defer = 0, release = 0, ahead = 0, c;
	struct sockaddr_in sin;
	struct evconnlistener *l;

	while ((c = getopt(argc, argv, "a:p:f:c:k:t:dRA")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'c': crt = optarg; break;
		case 'k': key = optarg; break;
		case 't': tickets = atoi(optarg); break;
		case 'd': defer = 1; break;
		case 'R': release = 1; break;
		case 'A': ahead = 1; break;
		default: usage();
		}
	}
	if (file == NULL || port <= 0 || (crt == NULL) != (key == NULL))
		usage();
	load(file);
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"floor", 5);
	if (tickets >= 0)
		SSL_CTX_set_num_tickets(ctx, (size_t)tickets);
	if (release)
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (ahead)
		SSL_CTX_set_read_ahead(ctx, 1);
	if (crt) {
		if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) !=
			1) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
	} else
		make_cert();

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		usage();
	base = event_base_new();
	l = evconnlistener_new_bind(base, on_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL) {
		perror("floor_tls: listen");
		return 1;
	}
	if (defer) {
		int secs = 10;
		setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP,
		    TCP_DEFER_ACCEPT, &secs, sizeof(secs));
	}
	event_base_dispatch(base);
	return 0;
}
