/*
 * asexor-spawn: the worker's spawn helper. One long-lived, tiny process that starts every task
 * process with vfork + exec on Linux, posix_spawn elsewhere (no copy of anyone's page tables),
 * each in a process group of its own, with stdin on /dev/null and stdout/stderr on pipes.
 * It enforces timeouts, cancels, output caps and the kill policy (SIGTERM to the group and to the
 * task's processes that left it, SIGKILL after the grace period; docs/process-limits.md), streams
 * stdout lines, and reports each outcome.
 *
 * It speaks the framed binary protocol of docs/spawner-protocol.md with the worker on its
 * stdin (requests) and stdout (replies); worker/spawner/native-codec.ts is the other side.
 * Diagnostics go to stderr. When stdin reaches EOF (the worker is gone) or on SIGTERM, every task
 * group is terminated and the helper exits once they are gone: no orphans.
 *
 * Single-threaded: one poll() loop over stdin, stdout (when replies are waiting), a self-pipe
 * written by the SIGCHLD handler, and every task's pipes; its timeout is the nearest deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#include <sys/prctl.h>
#endif

extern char **environ;

/* ---- protocol (docs/spawner-protocol.md) -------------------------------------------------- */
#define PROTOCOL_VERSION 1
enum { REQ_RUN = 1, REQ_CANCEL = 2, REQ_SHUTDOWN = 3 };
enum { REP_READY = 1, REP_SPAWNED = 2, REP_LINES = 3, REP_DONE = 4 };
enum { K_EXITED = 1, K_SIGNALED = 2, K_TIMEOUT = 3, K_CANCELLED = 4, K_SPAWN_FAILED = 5, K_RUNNER_FAILED = 6 };
enum { RUN_STREAM_LINES = 1, RUN_HAS_CWD = 2 };
#define MAX_REQUEST (64u << 20)   /* a larger request frame is a protocol error */
#define MAX_LINE 16384            /* longer lines are cut; the captured stdout is unaffected */
#define READ_CHUNK 65536
#define OUT_HIGH_WATER (1u << 20) /* replies waiting above this pause line-streaming stdout */
#define ESCAPE_CHECK_MS 200       /* first process exited, group gone, pipes still open: then look for their holders */
#define DRAIN_MS 500              /* after SIGKILL, how long a process we could not find may hold a pipe */
#define COOKIE_ENV "ASEXOR_TASK_COOKIE=" /* marks every process of a task (worker/spawner/protocol.ts TASK_COOKIE_ENV) */
#define NEVER INT64_MAX

typedef struct { char *p; size_t len, cap; } buf_t;
/* A process we signalled: its pid and start time (so that a reused pid is never taken for it). */
typedef struct { pid_t pid; unsigned long long start; } proc_id_t;

typedef struct task {
  struct task *next;
  uint32_t id, grace_ms, cap;
  pid_t pgid;               /* the task's first process: its pid is also its group id */
  int fd[2];                /* stdout, stderr read ends; -1 once closed */
  bool reaped, stream, term_sent;
  int status;               /* wait status of the task's first process */
  int stop;                 /* 0, K_TIMEOUT or K_CANCELLED */
  int64_t started_us, deadline, kill_at, drain_at; /* monotonic ms; NEVER = none */
  buf_t out, err, line;     /* stdout head, stderr tail (up to 2 x cap, trimmed), partial line */
  bool out_trunc, err_trunc;
  char *cookie;             /* its COOKIE_ENV entry ("NAME=value"), or NULL */
  proc_id_t *known;         /* its processes found by the last scan */
  size_t nknown;
} task_t;

static task_t *tasks;
static buf_t inbuf, outbuf;
static int sigpipe_fds[2] = { -1, -1 };
static bool stdin_open = true, shutting_down;
static volatile sig_atomic_t got_sigterm;

/* ---- small utilities ------------------------------------------------------------------------- */
static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
static int64_t now_ms(void) { return now_us() / 1000; }

static void die(const char *what) {
  fprintf(stderr, "asexor-spawn: %s: %s\n", what, strerror(errno));
  exit(70);
}

static void buf_reserve(buf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) die("out of memory");
  b->p = p;
  b->cap = cap;
}
static void buf_put(buf_t *b, const void *data, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, data, n);
  b->len += n;
}
static void buf_free(buf_t *b) { free(b->p); b->p = NULL; b->len = b->cap = 0; }
static void put_u8(buf_t *b, uint8_t v) { buf_put(b, &v, 1); }
static void put_u32(buf_t *b, uint32_t v) {
  uint8_t le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  buf_put(b, le, 4);
}
static uint32_t get_u32(const char *p) {
  const uint8_t *u = (const uint8_t *)p;
  return u[0] | (u[1] << 8) | (u[2] << 16) | ((uint32_t)u[3] << 24);
}
static void set_u32(char *p, uint32_t v) {
  p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}

/* ---- replies ----------------------------------------------------------------------------------- */
/* Starts a reply frame; returns the offset of its length field, patched by reply_end. */
static size_t reply_begin(uint8_t type, uint32_t id) {
  size_t at = outbuf.len;
  put_u32(&outbuf, 0);
  put_u8(&outbuf, type);
  put_u32(&outbuf, id);
  return at;
}
static void reply_end(size_t at) { set_u32(outbuf.p + at, (uint32_t)(outbuf.len - at - 4)); }

static void reply_blob(const char *p, size_t n) {
  put_u32(&outbuf, (uint32_t)n);
  buf_put(&outbuf, p, n);
}

static void reply_done(uint32_t id, uint8_t kind, int32_t code, double duration_ms,
                       const buf_t *out, bool out_trunc, const buf_t *err, bool err_trunc, const char *message) {
  size_t at = reply_begin(REP_DONE, id);
  put_u8(&outbuf, kind);
  put_u8(&outbuf, (out_trunc ? 1 : 0) | (err_trunc ? 2 : 0));
  put_u32(&outbuf, (uint32_t)code);
  buf_put(&outbuf, &duration_ms, sizeof duration_ms); /* little-endian IEEE 754 on every target we build */
  if (message) {
    reply_blob("", 0);
    reply_blob(message, strlen(message));
  } else {
    reply_blob(out->p, out->len);
    reply_blob(err->p, err->len);
  }
  reply_end(at);
}

static void reply_failure(uint32_t id, uint8_t kind, int code, const char *message) {
  reply_done(id, kind, code, 0, NULL, false, NULL, false, message);
}

/* Writes as much of outbuf as the pipe takes now (stdout is non-blocking). */
static void flush_out(void) {
  size_t done = 0;
  while (done < outbuf.len) {
    ssize_t n = write(STDOUT_FILENO, outbuf.p + done, outbuf.len - done);
    if (n > 0) { done += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    outbuf.len = 0; /* EPIPE: the worker is gone; replies have nowhere to go */
    return;
  }
  memmove(outbuf.p, outbuf.p + done, outbuf.len - done);
  outbuf.len -= done;
}

/* ---- process groups and escaped processes ------------------------------------------------ */
static bool group_exists(pid_t pgid) {
  return pgid > 1 && (kill(-pgid, 0) == 0 || errno == EPERM);
}

#ifdef __linux__
/*
 * The task's processes outside its group (setsid, setpgid), found in /proc like
 * worker/spawner/process-tree.ts: a process belongs to the task when it is in its group, or was found
 * before (same pid and start time), or its environment holds the task's cookie, or its parent belongs
 * to the task. Only done when a task is being ended, never per spawn.
 */
typedef struct { pid_t pid, ppid, pgid; unsigned long long start; bool member; } proc_t;
static proc_t *procs;
static size_t nprocs, procs_cap;
static buf_t environ_buf;

static bool read_stat(pid_t pid, proc_t *p) {
  char path[64], text[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return false;
  text[n] = '\0';
  const char *rp = strrchr(text, ')'); /* the command name may hold spaces and parentheses */
  char state;
  int ppid, pgid;
  unsigned long long start;
  /* after ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
     cutime cstime priority nice num_threads itrealvalue starttime */
  if (!rp || sscanf(rp + 2, "%c %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                    &state, &ppid, &pgid, &start) != 4) return false;
  if (state == 'Z' || state == 'X') return false;
  *p = (proc_t){ .pid = pid, .ppid = ppid, .pgid = pgid, .start = start };
  return true;
}

/* Whether /proc/PID/environ holds the entry `cookie` ("NAME=value") exactly. */
static bool has_cookie(pid_t pid, const char *cookie) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false; /* gone, or not ours to read */
  environ_buf.len = 0;
  for (;;) {
    buf_reserve(&environ_buf, READ_CHUNK);
    ssize_t n = read(fd, environ_buf.p + environ_buf.len, environ_buf.cap - environ_buf.len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    environ_buf.len += (size_t)n;
  }
  close(fd);
  size_t want = strlen(cookie);
  for (size_t at = 0; at < environ_buf.len;) {
    const char *entry = environ_buf.p + at;
    const char *nul = memchr(entry, '\0', environ_buf.len - at);
    size_t len = nul ? (size_t)(nul - entry) : environ_buf.len - at;
    if (len == want && memcmp(entry, cookie, want) == 0) return true;
    at += len + 1;
  }
  return false;
}

static bool was_known(const task_t *t, const proc_t *p) {
  for (size_t i = 0; i < t->nknown; i++) if (t->known[i].pid == p->pid && t->known[i].start == p->start) return true;
  return false;
}

/* Scans /proc, sends `sig` to every process of the task outside its group and remembers them in t->known. */
static void signal_escaped(task_t *t, int sig) {
  DIR *dir = opendir("/proc");
  if (!dir) return;
  pid_t self = getpid();
  nprocs = 0;
  for (struct dirent *e; (e = readdir(dir));) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid < 2 || pid == self) continue;
    if (nprocs == procs_cap) {
      procs_cap = procs_cap ? procs_cap * 2 : 256;
      procs = realloc(procs, procs_cap * sizeof *procs);
      if (!procs) die("out of memory");
    }
    if (read_stat((pid_t)pid, &procs[nprocs])) nprocs++;
  }
  closedir(dir);
  for (size_t i = 0; i < nprocs; i++) {
    proc_t *p = &procs[i];
    p->member = p->pgid == t->pgid || was_known(t, p) || (t->cookie && has_cookie(p->pid, t->cookie));
  }
  for (bool added = true; added;) { /* descendants: a chain is found in as many passes as it is deep */
    added = false;
    for (size_t i = 0; i < nprocs; i++) {
      if (procs[i].member) continue;
      for (size_t j = 0; j < nprocs; j++) {
        if (procs[j].member && procs[j].pid == procs[i].ppid) { procs[i].member = added = true; break; }
      }
    }
  }
  /* The group itself was signalled with kill(-pgid): only the members outside it are signalled here. */
  size_t members = 0;
  for (size_t i = 0; i < nprocs; i++) members += procs[i].member = procs[i].member && procs[i].pgid != t->pgid;
  free(t->known);
  t->known = members ? malloc(members * sizeof *t->known) : NULL;
  if (members && !t->known) die("out of memory");
  t->nknown = 0;
  for (size_t i = 0; i < nprocs; i++) {
    if (!procs[i].member) continue;
    kill(procs[i].pid, sig);
    t->known[t->nknown++] = (proc_id_t){ .pid = procs[i].pid, .start = procs[i].start };
  }
}
#else
static void signal_escaped(task_t *t, int sig) { (void)t; (void)sig; } /* no /proc: the group only */
#endif

/* `sig` to the task: its group and, where /proc allows, its processes that left the group. */
static void signal_task(task_t *t, int sig) {
  if (group_exists(t->pgid)) kill(-t->pgid, sig);
  signal_escaped(t, sig);
}

/* SIGTERM the task now, SIGKILL it when the grace period is over (checked by on_timers). */
static void terminate_group(task_t *t) {
  if (t->term_sent) return;
  t->term_sent = true;
  t->drain_at = NEVER;
  signal_task(t, SIGTERM);
  t->kill_at = now_ms() + t->grace_ms;
}

/* ---- output capture ---------------------------------------------------------------------------- */
static void capture_head(task_t *t, const char *p, size_t n) {
  size_t room = t->cap > t->out.len ? t->cap - t->out.len : 0;
  if (n > room) { t->out_trunc = true; n = room; }
  if (n) buf_put(&t->out, p, n);
}

/* Keeps the last `cap` bytes; trims lazily so most reads are one memcpy. */
static void capture_tail(task_t *t, const char *p, size_t n) {
  if (t->cap == 0) { if (n) t->err_trunc = true; return; }
  if (n >= t->cap) {
    t->err_trunc = t->err_trunc || n > t->cap || t->err.len > 0;
    t->err.len = 0;
    buf_put(&t->err, p + n - t->cap, t->cap);
    return;
  }
  buf_put(&t->err, p, n);
  if (t->err.len > 2 * (size_t)t->cap) {
    size_t drop = t->err.len - t->cap;
    memmove(t->err.p, t->err.p + drop, t->cap);
    t->err.len = t->cap;
    t->err_trunc = true;
  }
}
static void tail_trim(task_t *t) {
  if (t->err.len <= t->cap) return;
  size_t drop = t->err.len - t->cap;
  memmove(t->err.p, t->err.p + drop, t->cap);
  t->err.len = t->cap;
  t->err_trunc = true;
}

/* Appends complete lines of this chunk to one LINES reply (lines joined by '\n'). */
static void stream_lines(task_t *t, const char *p, size_t n, bool at_eof) {
  size_t at = 0, count = 0;
  for (;;) {
    const char *nl = memchr(p, '\n', n);
    size_t part = nl ? (size_t)(nl - p) : n;
    size_t room = MAX_LINE > t->line.len ? MAX_LINE - t->line.len : 0;
    buf_put(&t->line, p, part < room ? part : room);
    if (!nl && !(at_eof && t->line.len > 0)) break;
    if (count++ == 0) at = reply_begin(REP_LINES, t->id);
    else put_u8(&outbuf, '\n');
    size_t len = t->line.len;
    if (len && t->line.p[len - 1] == '\r') len--;
    buf_put(&outbuf, t->line.p, len);
    t->line.len = 0;
    if (!nl) break;
    n -= part + 1;
    p = nl + 1;
  }
  if (count) reply_end(at);
}

/* ---- task lifecycle ----------------------------------------------------------------------------- */
static void close_fd(task_t *t, int which) {
  if (t->fd[which] < 0) return;
  close(t->fd[which]);
  t->fd[which] = -1;
  if (which == 0 && t->stream && !t->stop) stream_lines(t, "", 0, true); /* the last unterminated line */
}

static void finish(task_t *t) {
  double duration_ms = (double)(now_us() - t->started_us) / 1000.0;
  tail_trim(t);
  uint8_t kind;
  int32_t code;
  if (t->stop) { kind = (uint8_t)t->stop; code = 0; }
  else if (WIFSIGNALED(t->status)) { kind = K_SIGNALED; code = WTERMSIG(t->status); }
  else { kind = K_EXITED; code = WEXITSTATUS(t->status); }
  reply_done(t->id, kind, code, duration_ms, &t->out, t->out_trunc, &t->err, t->err_trunc, NULL);
  for (task_t **pp = &tasks; *pp; pp = &(*pp)->next) {
    if (*pp == t) { *pp = t->next; break; }
  }
  buf_free(&t->out); buf_free(&t->err); buf_free(&t->line);
  free(t->cookie);
  free(t->known);
  free(t);
}

static bool finished(const task_t *t) { return t->reaped && t->fd[0] < 0 && t->fd[1] < 0; }

static void stop_task(task_t *t, int why) {
  if (t->stop) return;
  /* Once the task's first process was reaped the task has ended (its outcome stays the exit): only what is
     left of it runs, ended now rather than after the escape check. */
  if (t->reaped) { terminate_group(t); return; }
  t->stop = why;
  t->deadline = NEVER;
  terminate_group(t);
}

static void on_reaped(task_t *t, int status) {
  t->reaped = true;
  t->status = status;
  t->deadline = NEVER;
  if (t->term_sent) return; /* being ended: on_timers finishes it */
  /* The task's first process is gone but its group lives on (a background grandchild): the task is over, so
     terminate the rest, or a grandchild holding stdout would keep the run open. */
  if (group_exists(t->pgid)) terminate_group(t);
  /* A process that left the group (setsid) may hold a pipe: if one is still open shortly, end the task's rest. */
  else t->drain_at = now_ms() + ESCAPE_CHECK_MS;
}

/* ---- spawning ---------------------------------------------------------------------------------- */
/* The value of NAME in a NULL-terminated environment, or NULL. */
static const char *env_get(char *const *envp, const char *name) {
  size_t n = strlen(name);
  for (; *envp; envp++) if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
  return NULL;
}

/* Resolves `file` on PATH like execvp: the first executable regular file; ENOENT/EACCES otherwise. */
static int resolve(const char *file, const char *path, char *out, size_t outsz) {
  if (strchr(file, '/')) {
    if (strlen(file) >= outsz) return ENAMETOOLONG;
    strcpy(out, file);
    return 0;
  }
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  int err = ENOENT;
  for (const char *dir = path;; ) {
    const char *end = strchr(dir, ':');
    size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
    if (dlen + 1 + strlen(file) < outsz) {
      if (dlen == 0) snprintf(out, outsz, "%s", file);
      else snprintf(out, outsz, "%.*s/%s", (int)dlen, dir, file);
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(out, X_OK) == 0) return 0;
        err = EACCES;
      }
    }
    if (!end) break;
    dir = end + 1;
  }
  return err;
}

typedef struct {
  uint32_t id, timeout_ms, grace_ms, cap, flags;
  const char *file, *cwd;
  char **argv;  /* argv[0] = file */
  char **envp;  /* the helper's environment with the request's additions */
} run_req_t;

/* Resolved programs by (name, PATH): most tasks run the same few programs, and a PATH of a dozen
   entries costs a dozen failed stat() calls per spawn. An entry that stops working is dropped. */
#define PATH_CACHE 32
typedef struct { char *file, *path, *resolved; } path_entry_t;
static path_entry_t path_cache[PATH_CACHE];
static unsigned path_cache_next;

static path_entry_t *cache_find(const char *file, const char *path) {
  for (unsigned i = 0; i < PATH_CACHE; i++) {
    path_entry_t *e = &path_cache[i];
    if (e->file && strcmp(e->file, file) == 0 && strcmp(e->path, path) == 0) return e;
  }
  return NULL;
}
static void cache_drop(path_entry_t *e) {
  free(e->file); free(e->path); free(e->resolved);
  e->file = e->path = e->resolved = NULL;
}
static void cache_put(const char *file, const char *path, const char *resolved) {
  path_entry_t *e = &path_cache[path_cache_next++ % PATH_CACHE];
  cache_drop(e);
  e->file = strdup(file);
  e->path = strdup(path);
  e->resolved = strdup(resolved);
  if (!e->file || !e->path || !e->resolved) die("out of memory");
}

#ifdef __linux__
/*
 * vfork + exec: the child borrows our memory and stack until it execs, so nothing is copied and,
 * unlike glibc's posix_spawn, no stack is mapped and unmapped per spawn (about 0.1 ms of our CPU
 * per task on the machines we measured; bench:spawn). The child only makes async-signal-safe
 * calls, reports a failure through `child_err` (shared memory) and _exits; we resume once it has
 * exec'ed or exited. All signals stay blocked until it has reset our handlers, so none of our
 * handlers ever runs in it.
 */
static int spawn_at(const char *program, const run_req_t *r, int out_w, int err_w, pid_t *pid_out) {
  static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE };
  sigset_t all, saved, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &all, &saved);
  volatile int child_err = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) sigaction(handled[i], &dfl, NULL);
    int null_fd;
    if (setpgid(0, 0) != 0 || (null_fd = open("/dev/null", O_RDONLY)) < 0) goto fail;
    if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0 || dup2(err_w, STDERR_FILENO) < 0) goto fail;
    if (null_fd > STDERR_FILENO) close(null_fd);
    if (r->cwd && chdir(r->cwd) != 0) goto fail;
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(program, r->argv, r->envp);
  fail:
    child_err = errno ? errno : EINVAL;
    _exit(127);
  }
  int err = pid < 0 ? errno : child_err;
  sigprocmask(SIG_SETMASK, &saved, NULL);
  if (pid > 0 && err) waitpid(pid, NULL, 0); /* it never became the task */
  if (!err) *pid_out = pid;
  return err;
}
#else
/* Elsewhere: posix_spawn with the same effect (own group, default signals, /dev/null, pipes, cwd). */
static int spawn_at(const char *program, const run_req_t *r, int out_w, int err_w, pid_t *pid) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err_w, STDERR_FILENO);
  if (r->cwd) posix_spawn_file_actions_addchdir_np(&fa, r->cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &all); /* the child starts with default dispositions */
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setpgroup(&at, 0);        /* its own process group: kill(-pgid) reaches grandchildren */
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  int err = posix_spawn(pid, program, &fa, &at, r->argv, r->envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return err;
}
#endif

/* Spawns the request; returns 0 and fills `t`, or an errno value. */
static int spawn_task(const run_req_t *r, task_t *t) {
  if (r->cwd) {
    struct stat st;
    if (stat(r->cwd, &st) != 0) return errno;
    if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  }
  const char *path = env_get(r->envp, "PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  bool lookup = strchr(r->file, '/') == NULL;
  path_entry_t *cached = lookup ? cache_find(r->file, path) : NULL;
  char resolved[PATH_MAX];
  int err = 0;
  if (!cached) {
    err = resolve(r->file, path, resolved, sizeof resolved);
    if (err) return err;
  }
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) != 0) return errno;
  if (pipe2(errp, O_CLOEXEC) != 0) { err = errno; close(out[0]); close(out[1]); return err; }
  pid_t pid;
  err = spawn_at(cached ? cached->resolved : resolved, r, out[1], errp[1], &pid);
  if (cached && (err == ENOENT || err == EACCES)) { /* moved or removed since: look it up again */
    cache_drop(cached);
    cached = NULL;
    err = resolve(r->file, path, resolved, sizeof resolved);
    if (!err) err = spawn_at(resolved, r, out[1], errp[1], &pid);
  }
  if (!err && lookup && !cached) cache_put(r->file, path, resolved);
  close(out[1]);
  close(errp[1]);
  if (err) { close(out[0]); close(errp[0]); return err; }
  /* The read ends stay blocking: they are read once per poll() wake-up, which cannot block. */
  t->pgid = pid;
  t->fd[0] = out[0];
  t->fd[1] = errp[0];
  return 0;
}

/* ---- requests ---------------------------------------------------------------------------------- */
static const char *take_str(const char **p, const char *end) {
  const char *s = *p;
  const char *nul = memchr(s, '\0', (size_t)(end - s));
  if (!nul) return NULL;
  *p = nul + 1;
  return s;
}

/* Builds envp: the helper's environment, each NAME=value of the request replacing or adding. */
static char **build_env(const char **adds, uint32_t n) {
  size_t base = 0;
  while (environ[base]) base++;
  char **envp = malloc((base + n + 1) * sizeof *envp);
  if (!envp) die("out of memory");
  memcpy(envp, environ, base * sizeof *envp);
  size_t len = base;
  for (uint32_t i = 0; i < n; i++) {
    const char *eq = strchr(adds[i], '=');
    size_t key = eq ? (size_t)(eq - adds[i]) + 1 : strlen(adds[i]);
    size_t j = 0;
    while (j < len && strncmp(envp[j], adds[i], key) != 0) j++;
    envp[j] = (char *)adds[i];
    if (j == len) len++;
  }
  envp[len] = NULL;
  return envp;
}

static void handle_run(uint32_t id, const char *p, const char *end) {
  if (shutting_down) { reply_failure(id, K_RUNNER_FAILED, 0, "the spawner is shutting down"); return; }
  if (end - p < 21) { reply_failure(id, K_SPAWN_FAILED, EINVAL, "truncated run request"); return; }
  run_req_t r = { .id = id, .timeout_ms = get_u32(p), .grace_ms = get_u32(p + 4), .cap = get_u32(p + 8), .flags = (uint8_t)p[12] };
  uint32_t argc = get_u32(p + 13), envc = get_u32(p + 17);
  p += 21;
  if (argc > (uint32_t)(end - p) || envc > (uint32_t)(end - p)) { reply_failure(id, K_SPAWN_FAILED, EINVAL, "malformed run request"); return; }
  const char **strs = calloc((size_t)argc + envc + 3, sizeof *strs);
  if (!strs) die("out of memory");
  bool ok = (r.file = take_str(&p, end)) != NULL && (r.cwd = take_str(&p, end)) != NULL;
  strs[0] = r.file;
  for (uint32_t i = 0; ok && i < argc + envc; i++) ok = (strs[i + 1] = take_str(&p, end)) != NULL;
  if (!ok || r.timeout_ms == 0 || r.file[0] == '\0') {
    reply_failure(id, K_SPAWN_FAILED, EINVAL, "malformed run request");
    free(strs);
    return;
  }
  if (!(r.flags & RUN_HAS_CWD)) r.cwd = NULL;
  char **argv = (char **)strs; /* argv = file, args..., then NULL where the env part starts */
  const char **adds = strs + 1 + argc;
  r.envp = envc ? build_env(adds, envc) : environ;
  const char *saved = strs[1 + argc];
  strs[1 + argc] = NULL;
  r.argv = argv;
  task_t *t = calloc(1, sizeof *t);
  if (!t) die("out of memory");
  int64_t started = now_us();
  int err = spawn_task(&r, t);
  strs[1 + argc] = saved;
  for (uint32_t i = 0; i < envc; i++) {
    if (strncmp(adds[i], COOKIE_ENV, strlen(COOKIE_ENV)) == 0 && !(t->cookie = strdup(adds[i]))) die("out of memory");
  }
  if (r.envp != environ) free(r.envp);
  free(strs);
  if (err) {
    free(t->cookie);
    free(t);
    reply_done(id, K_SPAWN_FAILED, err, (double)(now_us() - started) / 1000.0, NULL, false, NULL, false, strerror(err));
    return;
  }
  t->id = id;
  t->grace_ms = r.grace_ms;
  t->cap = r.cap;
  t->stream = r.flags & RUN_STREAM_LINES;
  t->started_us = started;
  t->deadline = now_ms() + r.timeout_ms;
  t->kill_at = t->drain_at = NEVER;
  t->next = tasks;
  tasks = t;
  size_t at = reply_begin(REP_SPAWNED, id);
  put_u32(&outbuf, (uint32_t)t->pgid);
  reply_end(at);
}

static task_t *find(uint32_t id) {
  for (task_t *t = tasks; t; t = t->next) if (t->id == id) return t;
  return NULL;
}

static void begin_shutdown(void) {
  shutting_down = true;
  for (task_t *t = tasks; t; t = t->next) stop_task(t, K_CANCELLED);
}

/* Parses every complete request frame in inbuf. A malformed frame is fatal: the worker restarts us. */
static void handle_requests(void) {
  size_t at = 0;
  while (inbuf.len - at >= 4) {
    uint32_t len = get_u32(inbuf.p + at);
    if (len < 5 || len > MAX_REQUEST) { fprintf(stderr, "asexor-spawn: bad request frame length %u\n", len); exit(65); }
    if (inbuf.len - at - 4 < len) break;
    const char *body = inbuf.p + at + 4;
    uint32_t id = get_u32(body + 1);
    switch ((uint8_t)body[0]) {
      case REQ_RUN: handle_run(id, body + 5, body + len); break;
      case REQ_CANCEL: { task_t *t = find(id); if (t) stop_task(t, K_CANCELLED); break; }
      case REQ_SHUTDOWN: begin_shutdown(); break;
      default: fprintf(stderr, "asexor-spawn: unknown request type %u\n", (uint8_t)body[0]); exit(65);
    }
    at += 4 + len;
  }
  memmove(inbuf.p, inbuf.p + at, inbuf.len - at);
  inbuf.len -= at;
}

static void read_requests(void) {
  buf_reserve(&inbuf, READ_CHUNK);
  ssize_t n = read(STDIN_FILENO, inbuf.p + inbuf.len, inbuf.cap - inbuf.len);
  if (n > 0) { inbuf.len += (size_t)n; handle_requests(); return; }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  stdin_open = false; /* EOF or error: the worker is gone */
  begin_shutdown();
}

/* ---- events --------------------------------------------------------------------------------- */
static void read_pipe(task_t *t, int which) {
  static char chunk[READ_CHUNK];
  ssize_t n = read(t->fd[which], chunk, sizeof chunk); /* poll() said readable: this does not block */
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) { close_fd(t, which); return; }
  if (which == 1) capture_tail(t, chunk, (size_t)n);
  else {
    capture_head(t, chunk, (size_t)n);
    if (t->stream && !t->stop) stream_lines(t, chunk, (size_t)n, false);
  }
}

static void on_sigchld(int sig) {
  int saved = errno;
  ssize_t ignored = write(sigpipe_fds[1], "c", 1);
  (void)ignored;
  errno = saved;
}
static void on_sigterm(int sig) { got_sigterm = 1; on_sigchld(sig); }

static void reap(void) {
  char drain[256];
  while (read(sigpipe_fds[0], drain, sizeof drain) > 0) {}
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (task_t *t = tasks; t; t = t->next) {
      if (t->pgid == pid && !t->reaped) { on_reaped(t, status); break; }
    }
    /* Anything else is an orphaned descendant we adopted as subreaper: reaped, nothing to report. */
  }
}

static void on_timers(int64_t now) {
  for (task_t *t = tasks; t; t = t->next) {
    if (t->deadline <= now) stop_task(t, K_TIMEOUT);
    if (t->kill_at <= now) {
      t->kill_at = NEVER;
      signal_task(t, SIGKILL); /* found again: also what was started during the grace period */
      t->drain_at = now + DRAIN_MS;
    }
    if (t->drain_at <= now) {
      t->drain_at = NEVER;
      if (!t->term_sent) { terminate_group(t); continue; } /* the escape check: pipes still open */
      /* Killed, and DRAIN_MS later still not finished: a process we could not find holds a pipe, or
         the first process cannot be reaped (uninterruptible). Stop waiting for either; a late reap is ignored. */
      close_fd(t, 0);
      close_fd(t, 1);
      t->reaped = true;
    }
  }
}

static int64_t next_deadline(void) {
  int64_t next = NEVER;
  for (task_t *t = tasks; t; t = t->next) {
    if (t->deadline < next) next = t->deadline;
    if (t->kill_at < next) next = t->kill_at;
    if (t->drain_at < next) next = t->drain_at;
  }
  return next;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN); /* terminal signals reach the whole foreground group; the worker decides */
  signal(SIGHUP, SIG_IGN);
  if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2");
  struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGCHLD, &sa, NULL) != 0) die("sigaction");
  sa.sa_handler = on_sigterm;
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGTERM, &sa, NULL) != 0) die("sigaction");
#ifdef __linux__
  prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphaned descendants come to us, not to init */
  prctl(PR_SET_PDEATHSIG, SIGTERM);  /* the worker died without closing our stdin */
#endif
  fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK);
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);

  size_t at = reply_begin(REP_READY, 0);
  put_u32(&outbuf, PROTOCOL_VERSION);
  put_u32(&outbuf, (uint32_t)getpid());
  reply_end(at);

  struct pollfd *fds = NULL;
  task_t **owner = NULL;
  size_t fds_cap = 0;
  for (;;) {
    if (got_sigterm && !shutting_down) begin_shutdown();
    if (shutting_down && !tasks && (outbuf.len == 0 || !stdin_open)) break;
    size_t n = 0, need = 3;
    for (task_t *t = tasks; t; t = t->next) need += 2;
    if (need > fds_cap) {
      fds_cap = need * 2;
      fds = realloc(fds, fds_cap * sizeof *fds);
      owner = realloc(owner, fds_cap * sizeof *owner);
      if (!fds || !owner) die("out of memory");
    }
    fds[n++] = (struct pollfd){ .fd = sigpipe_fds[0], .events = POLLIN };
    fds[n++] = (struct pollfd){ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN };
    fds[n++] = (struct pollfd){ .fd = outbuf.len ? STDOUT_FILENO : -1, .events = POLLOUT };
    bool congested = outbuf.len > OUT_HIGH_WATER;
    for (task_t *t = tasks; t; t = t->next) {
      for (int w = 0; w < 2; w++) {
        bool paused = w == 0 && t->stream && !t->stop && congested; /* backpressure: no line is lost */
        owner[n] = t;
        fds[n++] = (struct pollfd){ .fd = paused ? -1 : t->fd[w], .events = POLLIN };
      }
    }
    int64_t deadline = next_deadline(), now = now_ms();
    int timeout = deadline == NEVER ? -1 : deadline <= now ? 0 : (int)(deadline - now > INT_MAX ? INT_MAX : deadline - now);
    int ready = poll(fds, n, timeout);
    if (ready < 0 && errno != EINTR) die("poll");
    if (ready > 0) {
      if (fds[0].revents) reap();
      if (fds[1].revents) read_requests();
      for (size_t i = 3; i < n; i++) {
        if (!fds[i].revents) continue;
        task_t *t = owner[i];
        int w = (int)((i - 3) % 2);
        if (t->fd[w] == fds[i].fd) read_pipe(t, w);
      }
    }
    on_timers(now_ms());
    for (task_t *t = tasks, *next; t; t = next) {
      next = t->next;
      if (finished(t)) finish(t);
    }
    if (outbuf.len) flush_out();
  }
  return 0;
}
