/* spawn.h: start the runner on one case, alone, and see from outside how it ended.
 *
 * The judge never runs a student's code in its own process. spawn_run forks,
 * sets the limits in the child, becomes the grading user when asked (the
 * judge is then root), and execs the runner, inside bubblewrap when the
 * sandbox is SANDBOX_BWRAP:
 *
 *   bwrap --unshare-all (user, pid, net, ipc, uts, cgroup namespaces)
 *         --ro-bind /usr, /lib* links, a new /proc and /dev,
 *         --size-capped private tmpfs /tmp and /dev/shm,
 *         --ro-bind RUNNER /runner, nothing else of the machine,
 *         --die-with-parent --new-session  /runner
 *
 * The parent feeds the case on stdin, reads stdout (capped: one byte more
 * ends the run as a flood) and stderr (capped, the rest discarded), enforces
 * the wall clock, and reports exit status, signal, timeout, flood and CPU
 * time from wait4: nothing of the verdict is taken from the runner's text
 * (under bubblewrap, whose status is 128 + N when the runner was killed by
 * signal N, that status is read as the signal).
 * When the run ends, everything it started ends too: the pid namespace
 * (bwrap), its process group, and, as the grading user, every process of
 * that user (kill(-1) from a child that has become it).
 */
#ifndef GRADER_SPAWN_H
#define GRADER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum { SANDBOX_NONE, SANDBOX_RLIMIT, SANDBOX_BWRAP } SandboxKind;

typedef struct {
    SandboxKind kind;
    bool as_user;          /* setuid/setgid to uid/gid in the child (the judge is root) */
    uid_t uid;
    gid_t gid;
    const char *bwrap;     /* the bwrap program, for SANDBOX_BWRAP */
} Sandbox;

typedef struct {
    double wall_seconds;   /* the whole run, then SIGKILL */
    double cpu_seconds;    /* RLIMIT_CPU (0: none) */
    long mem_mib;          /* RLIMIT_AS per process (0: none, e.g. AddressSanitizer) */
    int nproc;             /* RLIMIT_NPROC for the grading user (0: none) */
    long tmp_mib;          /* size of the private /tmp and /dev/shm (bwrap) */
    size_t out_cap;        /* stdout bytes kept; more is a flood */
    size_t err_cap;        /* stderr bytes kept; more is a flood too */
} SpawnLimits;

typedef struct {
    bool exited;           /* exit_status valid */
    int exit_status;
    int signal;            /* > 0: killed by this signal (not ours) */
    bool timed_out;        /* we killed it at wall_seconds */
    bool flooded;          /* we killed it at out_cap or err_cap */
    bool start_failed;     /* fork, pipe or exec failed: a judge error */
    double wall, cpu;      /* seconds */
    char *out;             /* stdout, NUL-terminated, out_len bytes */
    size_t out_len;
    char *err;             /* stderr (capped), NUL-terminated */
    size_t err_len;
} SpawnResult;

/* Runs program (an absolute path) with envp (NULL-terminated) on input.
 * Returns 0 when the process was started and reaped (see res), -1 when it
 * could not be started (res->start_failed, reason in res->err). */
int spawn_run(const Sandbox *sb, const SpawnLimits *lim, const char *program,
              char *const envp[], const char *input, size_t input_len, SpawnResult *res);
void spawn_result_free(SpawnResult *res);

/* Reaps what earlier runs left to this process (a subreaper once
 * spawn_run ran in it): the judge calls it after every test process. */
void spawn_reap_orphans(void);

/* Whether this sandbox works here: runs /bin/true (or the bwrap equivalent)
 * once. Fills why with a one-line reason when it does not. */
bool sandbox_works(const Sandbox *sb, char *why, size_t size);

/* "bwrap (user, pid, net, ipc, mount namespaces) as uid 1234", for logs. */
void sandbox_describe(const Sandbox *sb, char *buf, size_t size);

#endif
