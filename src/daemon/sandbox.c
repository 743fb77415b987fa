/* sandbox: privilege drop, Landlock and seccomp. */
#include "daemon/sandbox.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "serve/log.h"
#include "base/path.h"
#include "base/sanitized.h"

/* Debian 12's headers stop at Landlock ABI 2; the kernel may know more. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

static int
drop_capabilities(struct diags *d)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data) == -1) {
		diags_add(d, "sandbox", 0, 0, "capset: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The serving user's ids; the group, when set, overrides the user's own. */
static int
serving_ids(const struct config *cfg, uid_t *uid, gid_t *gid,
    struct diags *d)
{
	struct passwd *pw;
	struct group *gr;

	if ((pw = getpwnam(cfg->user)) == NULL) {
		diags_add(d, "sandbox", 0, 0, "no user \"%s\"", cfg->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg->group) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			diags_add(d, "sandbox", 0, 0, "no group \"%s\"",
			    cfg->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	if (*uid == 0 && !cfg->allow_root) {
		diags_add(d, "sandbox", 0, 0, "user \"%s\" is root", cfg->user);
		return -1;
	}
	return 0;
}

/* For good: no supplementary group, and no way back to root. */
static int
become(const char *user, uid_t uid, gid_t gid, struct diags *d)
{
	/* Groups first: after setuid there is no right to change them. */
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1) {
		diags_add(d, "sandbox", 0, 0, "cannot become %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (uid != 0 && setuid(0) != -1) {
		diags_add(d, "sandbox", 0, 0, "could become root again");
		return -1;
	}
	return 0;
}

int
sandbox_check_as_user(const struct config *cfg, struct diags *d)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0 || cfg->user == NULL)
		return 0;
	return serving_ids(cfg, &uid, &gid, d) == 0 &&
	    become(cfg->user, uid, gid, d) == 0 ? 0 : -1;
}

int
sandbox_drop(struct config *cfg, struct diags *d)
{
	uid_t uid;
	gid_t gid;
	char err[80];

	if (geteuid() == 0) {
		if (cfg->user == NULL) {
			if (!cfg->allow_root) {
				diags_add(d, "sandbox", 0, 0, "refusing to serve "
				    "as root: set user (or allow_root: true)");
				return -1;
			}
			log_warn("serving as root (allow_root)");
			return drop_capabilities(d) == 0 &&
			    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -1;
		}
		if (serving_ids(cfg, &uid, &gid, d) == -1)
			return -1;
		if (cfg->chroot) {
			if (chroot(cfg->root) == -1 || chdir("/") == -1) {
				diags_add(d, cfg->root, 0, 0, "chroot: %s",
				    strerror(errno));
				return -1;
			}
			/* Reloads read the tree from its new place. */
			config_set(cfg, "root", "/", err, sizeof(err));
		}
		if (become(cfg->user, uid, gid, d) == -1)
			return -1;
		log_info("serving as %s (uid %d, gid %d)%s", cfg->user,
		    (int)uid, (int)gid, cfg->chroot ? ", chrooted" : "");
	} else if (cfg->chroot) {
		diags_add(d, "sandbox", 0, 0, "chroot needs root");
		return -1;
	}
	if (drop_capabilities(d) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		diags_add(d, "sandbox", 0, 0, "no_new_privs: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Landlock rights of the ABI versions, so an old kernel is asked less. */
static __u64
fs_rights(int abi)
{
	__u64 r = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

static int
allow_path(int ruleset, const char *path, __u64 rights)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights};
	int rc;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	return rc;
}

/* What enter_landlock let the log write, for sandbox_selftest. */
static struct {
	char dir[PATH_MAX];  /* the log's directory (resolved), or "" */
	int whole_dir;       /* 1: the directory; 0: the log file alone */
} granted;

/*
 * Where the log may be written: its directory, so that logrotate's
 * "move it away, then SIGUSR1" can have a new log made there. Landlock
 * grants a directory with everything below it, though, so a directory
 * that also holds the content, the certificates or the configuration
 * (or "/", where a bare name started from systemd's working directory
 * puts the log) would let the server write those as well: then only the
 * log file itself is granted, and *holds says what made it so. log_path
 * is absolute (main resolves it). Returns 1 for the directory, 0 for the
 * file alone, -1 when its directory cannot be resolved.
 */
static int
log_grant(const struct config *cfg, const char *log_path,
    const char *config_file, char dir[PATH_MAX], const char **holds)
{
	const struct {
		const char *what, *path;
	} guarded[] = {
		{"the content", cfg->root},
		{"the certificates", cfg->cert_dir},
		{"the configuration", config_file},
	};
	char parent[PATH_MAX], other[PATH_MAX];

	if (path_dir(log_path, parent, sizeof(parent)) == -1 ||
	    realpath(parent, dir) == NULL)
		return -1;
	*holds = "everything";
	if (strcmp(dir, "/") == 0)
		return 0;
	for (size_t i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
		*holds = guarded[i].what;
		if (guarded[i].path != NULL &&
		    realpath(guarded[i].path, other) != NULL &&
		    path_under(dir, other))
			return 0;
	}
	*holds = NULL;
	return 1;
}

static int
allow_log(int rs, int abi, const struct config *cfg, const char *log_path,
    const char *config_file, struct diags *d)
{
	__u64 trunc = abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0;
	const char *holds;
	int g, rc;

	if ((g = log_grant(cfg, log_path, config_file, granted.dir,
	    &holds)) == -1) {
		diags_add(d, log_path, 0, 0, "cannot resolve the log's "
		    "directory: %s", strerror(errno));
		return -1;
	}
	granted.whole_dir = g;
	if (g == 1)
		rc = allow_path(rs, granted.dir, LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_REG | trunc);
	else {
		log_warn("sandbox: the log's directory %s also holds %s: only "
		    "%s itself may be written, so a log moved away (logrotate) "
		    "cannot be made anew; give the log a directory of its own",
		    granted.dir, holds, log_path);
		rc = allow_path(rs, log_path, LANDLOCK_ACCESS_FS_WRITE_FILE |
		    trunc);
	}
	if (rc == -1)
		diags_add(d, log_path, 0, 0, "landlock rule: %s",
		    strerror(errno));
	return rc;
}

static int
enter_landlock(const struct config *cfg, const char *log_path,
    const char *config_file, struct diags *d)
{
	struct landlock_ruleset_attr attr = {0};
	__u64 read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	int abi, rs;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		log_warn("sandbox: no Landlock in this kernel; files are "
		    "guarded by permissions alone");
		return 0;
	}
	attr.handled_access_fs = fs_rights(abi);
#ifdef LANDLOCK_ACCESS_NET_BIND_TCP
	/* ABI 4: no new TCP binds or connects either. */
	if (abi >= 4)
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
		    LANDLOCK_ACCESS_NET_CONNECT_TCP;
#endif
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs == -1) {
		diags_add(d, "sandbox", 0, 0, "landlock: %s", strerror(errno));
		return -1;
	}
	/* Inside a chroot the config, certificates and log are out of
	 * reach anyway: no rule names them (a reload keeps them as is). */
	if (cfg->chroot)
		config_file = log_path = NULL;
	/* The content is read only now, as the serving user: its absence
	 * is said in the words the load would use. */
	if (allow_path(rs, cfg->root, read) == -1) {
		diags_add(d, cfg->root, 0, 0, "cannot open content directory: "
		    "%s", strerror(errno));
		close(rs);
		return -1;
	}
	if ((!cfg->chroot && access(cfg->cert_dir, F_OK) == 0 &&
		allow_path(rs, cfg->cert_dir, read) == -1) ||
	    (config_file && allow_path(rs, config_file,
		LANDLOCK_ACCESS_FS_READ_FILE) == -1)) {
		diags_add(d, "sandbox", 0, 0, "landlock rule: %s",
		    strerror(errno));
		close(rs);
		return -1;
	}
#ifdef SANITIZED
	/* LeakSanitizer and ThreadSanitizer read /proc (tests only). */
	allow_path(rs, "/proc", read);
#endif
	if (log_path && allow_log(rs, abi, cfg, log_path, config_file,
	    d) == -1) {
		close(rs);
		return -1;
	}
	if (syscall(SYS_landlock_restrict_self, rs, 0) == -1) {
		diags_add(d, "sandbox", 0, 0, "landlock: %s", strerror(errno));
		close(rs);
		return -1;
	}
	close(rs);
	return 0;
}

/* System calls a Gemini and Gopher server never needs once serving. */
static const int denied[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect),
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(mount), SCMP_SYS(umount2),
	SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(setuid),
	SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
	SCMP_SYS(capset), SCMP_SYS(kexec_load), SCMP_SYS(init_module),
	SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(reboot),
	SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(bpf),
	SCMP_SYS(perf_event_open), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(unshare), SCMP_SYS(setns),
	SCMP_SYS(chmod), SCMP_SYS(fchmod), SCMP_SYS(fchmodat),
	SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(lchown), SCMP_SYS(fchownat),
	SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink),
	SCMP_SYS(symlinkat), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(rmdir), SCMP_SYS(mknod),
	SCMP_SYS(mknodat), SCMP_SYS(truncate), SCMP_SYS(personality),
	SCMP_SYS(userfaultfd), SCMP_SYS(io_uring_setup),
};

/*
 * A deny list rather than an allow list: libc, OpenSSL and libevent pick
 * their own system calls, and an allow list that misses one on some
 * distribution kills the server; the dangerous ones are few and known.
 */
static int
enter_seccomp(struct diags *d)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	if (ctx == NULL) {
		diags_add(d, "sandbox", 0, 0, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (denied[i] >= 0 && seccomp_rule_add(ctx,
		    SCMP_ACT_ERRNO(EPERM), denied[i], 0) < 0)
			rc = -1;
	/*
	 * The workers' threads start inside the sandbox (so they inherit
	 * Landlock, which binds only the thread that asks and its
	 * children): clone is allowed for threads, never for a process.
	 * clone3 passes its flags in memory, out of a filter's sight: it
	 * says ENOSYS, and glibc falls back to clone.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) < 0)
		rc = -1;
	if (rc == 0 && (rc = seccomp_load(ctx)) < 0)
		diags_add(d, "sandbox", 0, 0, "seccomp_load: %s",
		    strerror(-rc));
	else if (rc == -1)
		diags_add(d, "sandbox", 0, 0, "seccomp_rule_add failed");
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}

int
sandbox_enter(const struct config *cfg, const char *log_path,
    const char *config_file, struct diags *d)
{
	if (enter_landlock(cfg, log_path, config_file, d) == -1)
		return -1;
#ifdef SANITIZED
	/* LeakSanitizer stops the world at exit with clone and ptrace,
	 * which the filter forbids: sanitizer builds (tests only) go
	 * without it. */
	log_warn("sandbox: sanitizer build, no seccomp filter");
	return 0;
#else
	return enter_seccomp(d);
#endif
}

static int
tried(const char *what, int rc)
{
	int e = errno;

	printf("%s: %s\n", what, rc == -1 ? "refused" : "ALLOWED");
	if (rc == -1)
		printf("  (%s)\n", strerror(e));
	return rc == -1 ? 0 : 1;
}

/*
 * Creates dir/capsuled-sandbox-test for writing, unless it is a place the
 * log may write or was tried already; returns 1 if that was ALLOWED.
 */
static int
try_write(const char *dir, const char *why, char tried_dirs[][PATH_MAX],
    size_t *ntried)
{
	char file[PATH_MAX + 32], what[PATH_MAX + 96];
	int fd, bad;

	if (granted.whole_dir && granted.dir[0] &&
	    path_under(granted.dir, dir))
		return 0;
	for (size_t i = 0; i < *ntried; i++)
		if (strcmp(tried_dirs[i], dir) == 0)
			return 0;
	snprintf(tried_dirs[(*ntried)++], PATH_MAX, "%s", dir);
	snprintf(file, sizeof(file), "%s%scapsuled-sandbox-test", dir,
	    strcmp(dir, "/") == 0 ? "" : "/");
	snprintf(what, sizeof(what), "writing %s (%s)", file, why);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	bad = tried(what, fd);
	if (fd != -1) {
		close(fd);
		if (unlink(file) == -1)
			printf("  (left behind: remove %s)\n", file);
	}
	return bad;
}

int
sandbox_selftest(const struct config *cfg, const char *log_path)
{
	char *argv[] = {"/bin/true", NULL};
	char dirs[5][PATH_MAX], parent[PATH_MAX];
	size_t ndirs = 0;
	int bad = 0, fd;
	pid_t pid;

	bad += tried("exec /bin/true", execv(argv[0], argv));
	pid = fork();
	if (pid == 0)
		_exit(0);
	bad += tried("fork", pid == -1 ? -1 : 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	bad += tried("a new socket", fd);
	bad += try_write(cfg->root, "the content", dirs, &ndirs);
	if (log_path && granted.dir[0]) {
		/* Outside what the log was given: above its directory, or
		 * beside the log when only the file was given. */
		if (!granted.whole_dir)
			bad += try_write(granted.dir, "beside the log", dirs,
			    &ndirs);
		else if (path_dir(granted.dir, parent, sizeof(parent)) == 0)
			bad += try_write(parent, "outside the log's directory",
			    dirs, &ndirs);
	}
	bad += try_write("/tmp", "outside the log's directory", dirs, &ndirs);
	bad += try_write("/etc", "outside the log's directory", dirs, &ndirs);
	fd = open("/etc/passwd", O_RDONLY);
	bad += tried("reading /etc/passwd", fd);
	bad += tried("setuid(0)", setuid(0));
	return bad;
}
