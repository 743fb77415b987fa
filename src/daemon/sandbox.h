/*
 * sandbox: what the serving process may no longer do. Called once the
 * ports are bound and the certificate, key and content are read:
 * privileges are dropped (user, group, chroot, capabilities), then on
 * Linux the process locks itself in with Landlock (files) and seccomp
 * (system calls).
 */
#ifndef CAPSULED_SANDBOX_H
#define CAPSULED_SANDBOX_H

#include "model/config.h"
#include "base/diag.h"

/*
 * As root: chroot into the content root if asked, then become user and
 * group; refuses to go on as root unless allow_root. As anyone: drops
 * every capability (CAP_NET_BIND_SERVICE has done its job) and sets
 * no_new_privs. Returns 0, or -1 with the reason in d.
 */
int sandbox_drop(struct config *cfg, struct diags *d);

/*
 * --check run as root with a user set: becomes that user for good (no
 * chroot, capabilities untouched), so that the content is read with the
 * rights the server will read it with. Nothing to do otherwise.
 */
int sandbox_check_as_user(const struct config *cfg, struct diags *d);

/*
 * Landlock: reading only under the content root and the cert dir, and
 * the config file (read again on SIGHUP), writing only in the log file's
 * directory (log_path absolute), or only the log file when that
 * directory also holds the content, the certificates or the
 * configuration, or is "/". seccomp: no exec, fork,
 * ptrace, new socket, connect, bind, listen, mount, setuid... Where the
 * kernel lacks one of them, a warning says so and the rest still holds.
 * log_path is NULL when the log is not a file, config_file when there is
 * none. Returns 0 or -1.
 */
int sandbox_enter(const struct config *cfg, const char *log_path,
    const char *config_file, struct diags *d);

/*
 * Tries what the sandbox forbids (exec, a new socket, writing a file in
 * the content tree, outside what the log was given (log_path, as given
 * to sandbox_enter), in /tmp and /etc, reading /etc/passwd) and prints
 * each result; returns the number of actions that were NOT refused.
 */
int sandbox_selftest(const struct config *cfg, const char *log_path);

#endif
