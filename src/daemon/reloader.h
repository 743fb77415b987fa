/*
 * reloader: one job (the server's load of its content) run on a thread
 * of its own whenever it is asked for, one run at a time.
 *
 * Requests that arrive while a run is under way are merged into a single
 * next run: a burst of a hundred SIGHUPs, or of changes a tree watch
 * sees, costs the run in progress and one more, not a hundred. The
 * thread that asks never waits for a run (the control loop must stay
 * free to act on SIGTERM); the job itself checks whatever flag tells it
 * to give up.
 */
#ifndef CAPSULED_RELOADER_H
#define CAPSULED_RELOADER_H

/*
 * One run. why: the reason of the first request it serves; merged: how
 * many requests it serves (1 when it was asked once).
 */
typedef void reloader_fn(void *arg, const char *why, unsigned merged);

struct reloader;

/*
 * Starts the thread, with every signal blocked (they are the control
 * thread's). Returns NULL when it cannot.
 */
struct reloader *reloader_start(reloader_fn *fn, void *arg);

/* Asks for a run (any thread, never in a signal handler). */
void reloader_want(struct reloader *r, const char *why);

/*
 * Ends the thread once its run in progress, if any, has returned, waiting
 * at most ms milliseconds. Returns 0 and frees r when the thread has
 * ended; -1 at the deadline, when the thread is detached and r left as it
 * is (the caller then exits the process without freeing what the run
 * uses).
 * Requests not yet begun are dropped.
 */
int reloader_stop(struct reloader *r, int ms);

#endif
