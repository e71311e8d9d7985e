/* spawn.c: the runner, alone, limited, watched from outside (see spawn.h). */
#define _GNU_SOURCE

#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit r = {value, value};
    setrlimit(resource, &r);
}

/* Becomes the grading user, for good (no supplementary groups, no way back). */
static int become_user(const Sandbox *sb)
{
    if (!sb->as_user)
        return 0;
    if (setgroups(0, NULL) != 0 || setresgid(sb->gid, sb->gid, sb->gid) != 0 ||
        setresuid(sb->uid, sb->uid, sb->uid) != 0)
        return -1;
    return 0;
}

enum { MAX_ARGS = 48 };

/* The bwrap command line for program; argv must hold MAX_ARGS. */
static void bwrap_argv(const Sandbox *sb, const SpawnLimits *lim, const char *program,
                       const char *argv[], char *size_buf, size_t size_buf_len)
{
    int n = 0;
    snprintf(size_buf, size_buf_len, "%ld", (lim->tmp_mib > 0 ? lim->tmp_mib : 16) * 1048576L);
    const char *fixed[] = {sb->bwrap,
                           "--unshare-all", "--die-with-parent", "--new-session",
                           "--ro-bind", "/usr", "/usr",
                           "--symlink", "usr/lib", "/lib",
                           "--symlink", "usr/lib64", "/lib64",
                           "--symlink", "usr/bin", "/bin",
                           "--proc", "/proc", "--dev", "/dev",
                           "--size", size_buf, "--tmpfs", "/tmp",
                           "--size", size_buf, "--tmpfs", "/dev/shm",
                           /* --dev's own tmpfs has no size: closed, or /dev
                            * would be a disk without a cap */
                           "--remount-ro", "/dev",
                           "--ro-bind", program, "/runner",
                           "--chdir", "/tmp",
                           "--remount-ro", "/",
                           "/runner", NULL};
    for (int i = 0; fixed[i] && n < MAX_ARGS - 1; i++)
        argv[n++] = fixed[i];
    argv[n] = NULL;
}

static _Noreturn void child(const Sandbox *sb, const SpawnLimits *lim, const char *program,
                            char *const envp[], int in_fd, int out_fd, int err_fd, int report_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    /* Nothing of the judge's open files reaches the runner. */
    for (int fd = 3; fd < 1024; fd++)
        if (fd != report_fd)
            close(fd);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, 16u << 20);
    set_limit(RLIMIT_NOFILE, 64);
    if (lim->cpu_seconds > 0)
        set_limit(RLIMIT_CPU, (rlim_t)(lim->cpu_seconds + 0.999));
    if (lim->mem_mib > 0)
        set_limit(RLIMIT_AS, (rlim_t)lim->mem_mib << 20);
    if (become_user(sb) != 0) {
        dprintf(report_fd, "cannot become uid %u", (unsigned)sb->uid);
        _exit(127);
    }
    /* After the uid change: it counts that user's processes (root ignores it). */
    if (lim->nproc > 0)
        set_limit(RLIMIT_NPROC, (rlim_t)lim->nproc);
    if (sb->kind == SANDBOX_BWRAP) {
        const char *argv[MAX_ARGS];
        char size_buf[32];
        bwrap_argv(sb, lim, program, argv, size_buf, sizeof size_buf);
        execve(sb->bwrap, (char *const *)argv, envp);
    } else {
        char *const argv[] = {(char *)program, NULL};
        execve(program, argv, envp);
    }
    dprintf(report_fd, "cannot start %s: %s", sb->kind == SANDBOX_BWRAP ? sb->bwrap : program,
            strerror(errno));
    _exit(127);
}

/* Whether any process runs as uid (a /proc entry is owned by its process's uid). */
static bool user_has_processes(uid_t uid)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return false;
    bool found = false;
    for (struct dirent *d; !found && (d = readdir(proc));) {
        struct stat st;
        if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
            fstatat(dirfd(proc), d->d_name, &st, 0) == 0 && st.st_uid == uid)
            found = true;
    }
    closedir(proc);
    return found;
}

/* Ends every process of the grading user (detached ones included): a child
 * that has become that user sends SIGKILL to everything it may signal. */
static void kill_user_processes(const Sandbox *sb)
{
    if (!sb->as_user)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        if (become_user(sb) == 0)
            kill(-1, SIGKILL);   /* every process of the user but this one */
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* Orphans of the run (bwrap's own init, say) are re-parented to us
     * (spawn_run made this process a subreaper): reap them as they die,
     * since even as zombies they count against the next run's process
     * limit. */
    for (int i = 0; i < 1000; i++) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            continue;
        if (!user_has_processes(sb->uid))
            break;
        usleep(1000);
    }
}

void spawn_reap_orphans(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
}

typedef struct {
    char *buf;
    size_t len, cap, limit;
    bool over;
} Buffer;

static void buffer_add(Buffer *b, const char *data, size_t n)
{
    if (b->len + n > b->limit) {
        b->over = true;
        n = b->limit - b->len;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->buf, cap);
        if (!grown) {
            b->over = true;
            return;
        }
        b->buf = grown;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static bool pipe_pair(int fds[2])
{
    return pipe2(fds, O_CLOEXEC) == 0;
}

int spawn_run(const Sandbox *sb, const SpawnLimits *lim, const char *program,
              char *const envp[], const char *input, size_t input_len, SpawnResult *res)
{
    memset(res, 0, sizeof *res);
    /* Whatever the run leaves behind becomes our child, not init's, so it
     * can be reaped and killed here (kill_user_processes). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int in[2], out[2], err[2], report[2];
    Buffer ob = {.limit = lim->out_cap}, eb = {.limit = lim->err_cap}, rb = {.limit = 512};
    if (!pipe_pair(in) || !pipe_pair(out) || !pipe_pair(err) || !pipe_pair(report)) {
        res->start_failed = true;
        buffer_add(&eb, "cannot create pipes", 19);
        res->err = eb.buf;
        return -1;
    }
    double start = now();
    pid_t pid = fork();
    if (pid == 0)
        child(sb, lim, program, envp, in[0], out[1], err[1], report[1]);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    close(report[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        close(report[0]);
        res->start_failed = true;
        buffer_add(&eb, "cannot fork", 11);
        res->err = eb.buf;
        return -1;
    }
    setpgid(pid, pid);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    size_t written = 0;
    int in_fd = in[1], fds_open = 3;
    int fd_of[3] = {out[0], err[0], report[0]};
    Buffer *buf_of[3] = {&ob, &eb, &rb};
    bool reaped = false;
    int status = 0;
    struct rusage usage = {0};
    double exited_at = 0;
    signal(SIGPIPE, SIG_IGN);
    while (fds_open > 0 || in_fd >= 0 || !reaped) {
        double left = start + lim->wall_seconds - now();
        if (left <= 0 && !reaped) {
            res->timed_out = true;
            break;
        }
        if (reaped && now() - exited_at > 0.2)
            break;   /* a descendant still holds the pipes: stop reading */
        struct pollfd p[4];
        int np = 0;
        for (int k = 0; k < 3; k++)
            if (fd_of[k] >= 0)
                p[np++] = (struct pollfd){fd_of[k], POLLIN, 0};
        if (in_fd >= 0)
            p[np++] = (struct pollfd){in_fd, POLLOUT, 0};
        int wait_ms = reaped ? 20 : (int)(left * 1000 < 20 ? left * 1000 + 1 : 20);
        if (np > 0)
            poll(p, (nfds_t)np, wait_ms);
        else
            usleep(1000);
        for (int i = 0; i < np; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == in_fd) {
                ssize_t w = write(in_fd, input + written, input_len - written);
                if (w > 0)
                    written += (size_t)w;
                if ((w < 0 && errno != EAGAIN) || written == input_len) {
                    close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            for (int k = 0; k < 3; k++) {
                if (p[i].fd != fd_of[k])
                    continue;
                char chunk[65536];
                ssize_t r = read(fd_of[k], chunk, sizeof chunk);
                if (r > 0) {
                    buffer_add(buf_of[k], chunk, (size_t)r);
                } else if (r == 0 || errno != EINTR) {
                    close(fd_of[k]);
                    fd_of[k] = -1;
                    fds_open--;
                }
            }
        }
        if (ob.over || eb.over) {   /* either stream: a flood costs the judge either way */
            res->flooded = true;
            break;
        }
        if (!reaped && wait4(pid, &status, WNOHANG, &usage) == pid) {
            reaped = true;
            exited_at = now();
            if (in_fd >= 0) {
                close(in_fd);
                in_fd = -1;
            }
        }
    }
    /* Whatever is left of it ends now. */
    kill(-pid, SIGKILL);
    if (!reaped) {
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
    }
    kill_user_processes(sb);
    if (in_fd >= 0)
        close(in_fd);
    for (int k = 0; k < 3; k++)
        if (fd_of[k] >= 0)
            close(fd_of[k]);
    res->wall = now() - start;
    res->cpu = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
               (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
    if (!res->timed_out && !res->flooded) {
        if (WIFEXITED(status)) {
            res->exited = true;
            res->exit_status = WEXITSTATUS(status);
            /* bwrap passes on the runner's end as its own exit status: 128 +
             * the signal that killed it (an exit(139) looks the same, and
             * only costs its author). */
            if (sb->kind == SANDBOX_BWRAP && res->exit_status > 128 && res->exit_status <= 128 + 64) {
                res->exited = false;
                res->signal = res->exit_status - 128;
            }
        } else if (WIFSIGNALED(status)) {
            res->signal = WTERMSIG(status);
        }
    }
    if (!ob.buf)
        buffer_add(&ob, "", 0);
    if (!eb.buf)
        buffer_add(&eb, "", 0);
    res->out = ob.buf;
    res->out_len = ob.len;
    if (rb.len > 0 && res->exited && res->exit_status == 127) {
        /* The child could not exec: the sandbox, not the submission, failed. */
        res->start_failed = true;
        free(eb.buf);
        res->err = rb.buf;
        res->err_len = rb.len;
        return -1;
    }
    free(rb.buf);
    res->err = eb.buf;
    res->err_len = eb.len;
    return 0;
}

void spawn_result_free(SpawnResult *res)
{
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

bool sandbox_works(const Sandbox *sb, char *why, size_t size)
{
    static char *const env[] = {"PATH=/usr/bin:/bin", NULL};
    SpawnLimits lim = {.wall_seconds = 10, .out_cap = 4096, .err_cap = 4096, .tmp_mib = 1};
    SpawnResult r;
    int status = spawn_run(sb, &lim, "/bin/true", env, "", 0, &r);
    bool ok = status == 0 && r.exited && r.exit_status == 0;
    if (!ok)
        snprintf(why, size, "%.*s", (int)strcspn(r.err ? r.err : "", "\n"),
                 r.err && *r.err ? r.err : "it did not start");
    spawn_result_free(&r);
    return ok;
}

void sandbox_describe(const Sandbox *sb, char *buf, size_t size)
{
    char who[64] = "";
    if (sb->as_user)
        snprintf(who, sizeof who, " as uid %u", (unsigned)sb->uid);
    switch (sb->kind) {
    case SANDBOX_BWRAP:
        snprintf(buf, size, "bubblewrap (new user, pid, net, ipc, mount namespaces)%s", who);
        break;
    case SANDBOX_RLIMIT:
        snprintf(buf, size, "rlimits only (no namespaces: bubblewrap is unavailable here)%s", who);
        break;
    default:
        snprintf(buf, size, "none (your own machine: the runner runs as you)");
        break;
    }
}
