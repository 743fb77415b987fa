/* server: the serving side's set-up, its loads of the content, its end. */
#include "daemon/server.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/content.h"
#include "serve/log.h"
#include "serve/worker.h"

void
server_init(struct server *srv, struct config *cfg,
    int (*reread)(struct config *out, struct diags *d))
{
	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	srv->reread = reread;
	srv->gemini_port = cfg->gemini_port;
	srv->gopher_port = cfg->gopher_port;
	srv->done_fd = srv->ready_fd = -1;
	atomic_init(&srv->abandon, 0);
}

struct snapshot *
server_load(struct server *srv, struct diags *d)
{
	const struct config *cfg = srv->cfg;
	struct render_opts o = {cfg->host, srv->gemini_port};
	struct gopher_opts go;
	struct snapshot *snap;

	snapshot_gopher_opts(cfg, srv->gopher_port, &go);
	snap = content_load(cfg->root, &o, &go, cfg->max_content_bytes,
	    &srv->abandon, d);
	if (snap && snapshot_serve(snap, cfg, srv->gemini_port,
	    srv->gopher_port) == -1) {
		diags_add(d, cfg->root, 0, 0, "out of memory");
		snapshot_unref(snap);
		return NULL;
	}
	return snap;
}

void
server_free(struct server *srv)
{
	struct event *evs[] = {srv->sig_ev, srv->ready, srv->done};

	for (size_t i = 0; i < srv->nworkers; i++)
		worker_free(&srv->workers[i]);
	free(srv->workers);
	srv->workers = NULL;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (srv->done_fd > 0)
		close(srv->done_fd);
	if (srv->ready_fd > 0)
		close(srv->ready_fd);
	state_free(&srv->st);
	if (srv->base)
		event_base_free(srv->base);
	log_flush();
}
