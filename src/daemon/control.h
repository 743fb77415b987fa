/*
 * control: the control thread, once the ports are bound and the sandbox
 * is closed. The content is loaded on a thread of its own (the loader);
 * the control loop acts on signals at once whatever a load is doing.
 */
#ifndef CAPSULED_CONTROL_H
#define CAPSULED_CONTROL_H

#include "daemon/server.h"

/*
 * Loads the content (as the serving user, inside the sandbox), starts the
 * workers once there is something to serve, and serves until SIGTERM or
 * SIGINT: returns 0 then (also when the stop came during the first load),
 * -1 when there was nothing to serve or a worker could not start.
 */
int control_run(struct server *srv);

/*
 * A reload is wanted, for this reason (logged with it): SIGHUP asks here,
 * and so will the tree watch (issue 15: inotify) when the content
 * changes. Returns at once; the reload runs on the loader thread, and
 * requests made while one runs are merged into a single next reload.
 * Any thread, but not a signal handler (it takes a lock); ignored once
 * the server is stopping.
 */
void control_want_reload(struct server *srv, const char *why);

#endif
