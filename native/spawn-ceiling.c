/*
 * spawn-ceiling: how fast can this machine start, collect and reap processes? The ceiling that
 * `npm run bench:tasks` compares the worker against (bench/README.md).
 *
 *   spawn-ceiling [-n COUNT] [-c CONCURRENCY] [-w WARMUP] [-- ARGV...]     (default ARGV: date)
 *
 * Runs COUNT spawns of ARGV, CONCURRENCY at a time, doing what a task runner must do per task and
 * nothing more: posix_spawnp with stdin = /dev/null, stdout and stderr into pipes that are read until
 * EOF (the bytes are counted, not kept), each child in a process group of its own
 * (POSIX_SPAWN_SETPGROUP), reaped with waitpid. One thread: poll() over the pipes plus a self-pipe
 * that the SIGCHLD handler writes to. WARMUP spawns (unmeasured) come first.
 * Prints one JSON line: count, elapsed_ms, self_cpu_ms (getrusage RUSAGE_SELF), children_cpu_ms
 * (RUSAGE_CHILDREN), failed (children that did not exit 0), stdout_bytes. Exit 0, or 1 on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/** One concurrency slot: a running child (pid 0: free) and its two pipe read ends (-1 once at EOF). */
struct slot { pid_t pid; int fd[2]; int reaped; };

static int self_pipe[2];
static long long stdout_bytes;
static long failed;

static void on_sigchld(int sig) {
  int saved = errno;
  (void)sig;
  (void)!write(self_pipe[1], "", 1); /* a full pipe means a wake-up is already pending */
  errno = saved;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void set_flags(int fd, int fd_flags, int fl_flags) {
  if (fcntl(fd, F_SETFD, fd_flags) == -1 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | fl_flags) == -1) die("fcntl");
}

/** Starts argv in slot s: both pipes close-on-exec here, dup2'd onto 1 and 2 in the child. */
static void start(struct slot *s, char **argv) {
  int out[2], err[2];
  if (pipe(out) == -1 || pipe(err) == -1) die("pipe");
  for (int i = 0; i < 2; i++) { set_flags(out[i], FD_CLOEXEC, 0); set_flags(err[i], FD_CLOEXEC, 0); }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0); /* its own group, as the worker kills tasks by group */
  int rc = posix_spawnp(&s->pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) { errno = rc; die(argv[0]); }
  close(out[1]);
  close(err[1]);
  s->fd[0] = out[0];
  s->fd[1] = err[0];
  s->reaped = 0;
}

/** Reaps every exited child (WNOHANG) and marks its slot. */
static void reap(struct slot *slots, int n) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    for (int i = 0; i < n; i++) if (slots[i].pid == pid) slots[i].reaped = 1;
  }
}

/** Runs `total` spawns of argv, `conc` at a time, until every child is reaped and its pipes at EOF. */
static void run(long total, int conc, char **argv) {
  struct slot *slots = calloc((size_t)conc, sizeof *slots);
  struct pollfd *pfd = calloc((size_t)(2 * conc + 1), sizeof *pfd);
  int *owner = calloc((size_t)(2 * conc + 1), sizeof *owner); /* pfd[j] is stream owner[j] % 2 of slot owner[j] / 2 */
  static char buf[65536];
  if (!slots || !pfd || !owner) die("calloc");
  long started = 0, done = 0;
  while (done < total) {
    int nfds = 1;
    pfd[0] = (struct pollfd){ .fd = self_pipe[0], .events = POLLIN };
    for (int i = 0; i < conc; i++) {
      struct slot *s = &slots[i];
      if (s->pid == 0 && started < total) { start(s, argv); started++; }
      for (int k = 0; k < 2 && s->pid != 0; k++) {
        if (s->fd[k] < 0) continue;
        owner[nfds] = 2 * i + k;
        pfd[nfds++] = (struct pollfd){ .fd = s->fd[k], .events = POLLIN };
      }
    }
    if (poll(pfd, (nfds_t)nfds, -1) == -1) { if (errno == EINTR) continue; die("poll"); }
    if (pfd[0].revents) while (read(self_pipe[0], buf, sizeof buf) > 0) {}
    reap(slots, conc); /* every turn: a SIGCHLD may have come in just before poll() */
    for (int j = 1; j < nfds; j++) {
      if (!pfd[j].revents) continue;
      struct slot *s = &slots[owner[j] / 2];
      int k = owner[j] % 2;
      ssize_t got = read(s->fd[k], buf, sizeof buf);
      if (got > 0) { if (k == 0) stdout_bytes += got; continue; }
      if (got == -1 && errno == EINTR) continue;
      close(s->fd[k]); /* EOF (or a read error): this stream is done */
      s->fd[k] = -1;
    }
    for (int i = 0; i < conc; i++) {
      struct slot *s = &slots[i];
      if (s->pid != 0 && s->reaped && s->fd[0] < 0 && s->fd[1] < 0) { s->pid = 0; done++; }
    }
  }
  free(slots);
  free(pfd);
  free(owner);
}

static double ms(struct timeval tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

static double cpu_ms(int who) {
  struct rusage ru;
  getrusage(who, &ru);
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

static long number(const char *text, const char *name) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0) { fprintf(stderr, "spawn-ceiling: bad %s: %s\n", name, text); exit(1); }
  return v;
}

int main(int argc, char **argv) {
  long count = 1000, conc = 2, warmup = 0;
  int opt;
  while ((opt = getopt(argc, argv, "n:c:w:")) != -1) {
    if (opt == 'n') count = number(optarg, "-n");
    else if (opt == 'c') conc = number(optarg, "-c");
    else if (opt == 'w') warmup = number(optarg, "-w");
    else { fprintf(stderr, "usage: spawn-ceiling [-n COUNT] [-c CONCURRENCY] [-w WARMUP] [-- ARGV...]\n"); return 1; }
  }
  char *fallback[] = { "date", NULL };
  char **child_argv = optind < argc ? argv + optind : fallback;
  if (conc < 1) conc = 1;

  if (pipe(self_pipe) == -1) die("pipe");
  for (int i = 0; i < 2; i++) set_flags(self_pipe[i], FD_CLOEXEC, O_NONBLOCK);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  if (sigaction(SIGCHLD, &sa, NULL) == -1) die("sigaction");

  run(warmup, (int)conc, child_argv);
  failed = 0;
  stdout_bytes = 0;
  double self0 = cpu_ms(RUSAGE_SELF), children0 = cpu_ms(RUSAGE_CHILDREN);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  run(count, (int)conc, child_argv);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double elapsed = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("{\"count\":%ld,\"elapsed_ms\":%.3f,\"self_cpu_ms\":%.3f,\"children_cpu_ms\":%.3f,\"failed\":%ld,\"stdout_bytes\":%lld}\n",
         count, elapsed, cpu_ms(RUSAGE_SELF) - self0, cpu_ms(RUSAGE_CHILDREN) - children0, failed, stdout_bytes);
  return 0;
}
