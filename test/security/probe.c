/*
 * The attacker of tsrun's security tests: a small static program that runs inside a
 * container (or, for the oracles, on the host) and tries what docs/security.md says a
 * container cannot do. Each mode prints what it saw; the exit code is the verdict where the
 * test cannot read the output. One mode is a lab tool instead: `capture`, the tcpdump the
 * lab tests need. Compiled by test/security/probe.ts during the test set-up.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_SEARCH 10
#define KEY_SPEC_SESSION_KEYRING -3

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ENXIO: return "ENXIO";
  case EACCES: return "EACCES";
  case ENOTTY: return "ENOTTY";
  case EAGAIN: return "EAGAIN";
  case EIO: return "EIO";
  case ELOOP: return "ELOOP";
  case ENOKEY: return "ENOKEY";
  case EINVAL: return "EINVAL";
  case ENOSYS: return "ENOSYS";
  case EBADF: return "EBADF";
  case EFAULT: return "EFAULT";
  default: return strerror(e);
  }
}

/* Pushes `text` into the input queue of the terminal on fd; returns 1 if it all went in. */
static int push(int fd, const char *text) {
  for (const char *c = text; *c; c++)
    if (ioctl(fd, TIOCSTI, c) != 0) return 0;
  return 1;
}

/* tiocsti CMD: type CMD into any terminal within reach (the invoker's shell runs it later). */
static int tiocsti(const char *cmd) {
  char line[PATH_MAX + 8];
  snprintf(line, sizeof line, "%s\n", cmd);
  int pushed = 0, tty_errno = 0;
  int fd = open("/dev/tty", O_RDWR);
  if (fd < 0) tty_errno = errno;
  else pushed |= push(fd, line);
  for (int i = 0; i <= 2; i++) {
    pushed |= push(i, line);
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", i);
    int again = open(path, O_RDWR | O_NONBLOCK);
    if (again >= 0) pushed |= push(again, line);
  }
  fprintf(stderr, "dev-tty=%s pushed=%d\n", fd < 0 ? errname(tty_errno) : "opened", pushed);
  return pushed ? 0 : tty_errno;
}

/*
 * fds: what fds 0-2 are, and whether reopening them reads or truncates what they hold. The
 * report goes out only at the end, so no reread sees the probe's own words.
 */
static int fds(void) {
  char report[3][PATH_MAX + 64], leaked[3][4097];
  for (int i = 0; i <= 2; i++) {
    char path[32], link[PATH_MAX] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", i);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n >= 0) link[n] = 0;
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    ssize_t got = rd >= 0 ? read(rd, leaked[i], sizeof leaked[i] - 1) : -1;
    int read_errno = errno;
    leaked[i][got > 0 ? got : 0] = 0;
    int tr = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK);
    int trunc_errno = errno;
    snprintf(report[i], sizeof report[i], "fd%d=%s reread=%s truncate=%s\n", i, link,
             rd < 0 ? errname(read_errno) : got > 0 ? "data" : got == 0 ? "empty" : errname(read_errno),
             tr >= 0 ? "opened" : errname(trunc_errno));
  }
  for (int i = 0; i <= 2; i++) {
    fputs(report[i], stderr);
    if (leaked[i][0]) fprintf(stderr, "leaked:%s\n", leaked[i]);
  }
  puts("probe-done");
  return 0;
}

static int count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -errno;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF)
    if (c == '\n') n++;
  fclose(f);
  return n;
}

static int exists_here(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static volatile sig_atomic_t stop;
static void on_term(int sig) {
  (void)sig;
  stop = 1;
}

/*
 * watch SECONDS (or until SIGTERM): looks at every other process of the container as fast as it can, for the
 * exec race: a process whose /proc/PID/exe is a binary this container does not have (the
 * host's node), whose mount table is not the container's, or whose fds name host files.
 */
static int watch(int seconds) {
  int own_mounts = count_lines("/proc/1/mountinfo");
  signal(SIGTERM, on_term);
  int seen = 0, findings = 0, denied = 0;
  static char done[1 << 16];
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid == getpid()) continue;
      char path[64], link[PATH_MAX];
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      ssize_t n = readlink(path, link, sizeof link - 1);
      int link_errno = errno;
      if (n >= 0) {
        link[n] = 0;
        if (!exists_here(link) || strstr(link, "node")) {
          findings++;
          printf("finding pid=%d exe=%s\n", pid, link);
        }
      } else if (link_errno == EACCES || link_errno == EPERM) {
        denied++;
      }
      int exe = open(path, O_RDONLY);
      if (exe >= 0) {
        struct stat st;
        if (fstat(exe, &st) == 0 && st.st_size > 20 * 1024 * 1024) {
          findings++;
          printf("finding pid=%d exe-opened size=%lld\n", pid, (long long)st.st_size);
        }
        close(exe);
      }
      snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
      int mounts = count_lines(path);
      if (mounts > 0 && mounts != own_mounts) {
        findings++;
        printf("finding pid=%d mounts=%d own=%d\n", pid, mounts, own_mounts);
      }
      snprintf(path, sizeof path, "/proc/%d/fd", pid);
      DIR *fdd = opendir(path);
      if (fdd) {
        struct dirent *f;
        while ((f = readdir(fdd))) {
          if (f->d_name[0] == '.') continue;
          char fdpath[320];
          snprintf(fdpath, sizeof fdpath, "/proc/%d/fd/%s", pid, f->d_name);
          ssize_t m = readlink(fdpath, link, sizeof link - 1);
          if (m < 0) continue;
          link[m] = 0;
          if (link[0] == '/' && strncmp(link, "/dev/", 5) != 0 && !exists_here(link)) {
            findings++;
            printf("finding pid=%d fd=%s\n", pid, link);
          }
        }
        closedir(fdd);
      }
      if (pid < (int)sizeof done && !done[pid]) {
        done[pid] = 1;
        seen++;
      }
    }
    closedir(d);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (!stop && now.tv_sec - start.tv_sec < seconds);
  printf("seen=%d denied=%d findings=%d\n", seen, denied, findings);
  return findings > 0;
}

/* keyring DESC: searches the session keyring for a "user" key named DESC. */
static int keyring(const char *desc) {
  long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
  if (id >= 0) {
    printf("found key %ld\n", id);
    return 0;
  }
  printf("search=%s\n", errname(errno));
  return errno;
}

/* addkey DESC CMD...: on the host, a new session keyring holding DESC, then CMD under it. */
static int addkey(const char *desc, char **cmd) {
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) return perror("join"), 2;
  if (syscall(SYS_add_key, "user", desc, "host-secret", 11, KEY_SPEC_SESSION_KEYRING) < 0) return perror("add_key"), 2;
  execvp(cmd[0], cmd);
  perror("execvp");
  return 2;
}

/* fifo-hup PATH: on the host, reports whether anyone opened the FIFO PATH for writing meanwhile. */
static int fifo_hup(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return perror("open fifo"), 2;
  puts("ready");
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) {}
  struct pollfd p = {.fd = fd, .events = POLLIN};
  poll(&p, 1, 0);
  puts(p.revents & POLLHUP ? "opened" : "untouched");
  return 0;
}

/* jail TARGET: PID 1 chroots into /jail whose dev/pts/ptmx is a symlink to TARGET, then waits. */
static int jail(const char *target) {
  mkdir("/jail", 0755);
  mkdir("/jail/dev", 0755);
  mkdir("/jail/dev/pts", 0755);
  unlink("/jail/dev/pts/ptmx");
  if (symlink(target, "/jail/dev/pts/ptmx") != 0) return perror("symlink"), 2;
  if (chroot("/jail") != 0 || chdir("/") != 0) return perror("chroot"), 2;
  puts("jailed");
  fflush(stdout);
  for (;;) pause();
}

/* drop-exec PROGRAM ARGS...: becomes nobody, then runs PROGRAM (a setuid-root copy of this probe). */
static int drop_exec(char **cmd) {
  if (setgid(65534) != 0 || setuid(65534) != 0) return perror("setuid"), 2;
  execv(cmd[0], cmd);
  perror("execv");
  return 2;
}

/* Prints NAME=ok, or NAME=<errno name> when the call failed. */
static void report(const char *name, long rc) {
  printf("%s=%s\n", name, rc < 0 ? errname(errno) : "ok");
}

/*
 * syscalls: calls Docker's default seccomp profile refuses, and some it allows, each reported
 * as ok or the errno it failed with. Arguments are harmless: nothing here changes the system.
 */
static int syscalls(void) {
  struct perf_event_attr pe = {.type = PERF_TYPE_SOFTWARE, .size = sizeof pe, .config = PERF_COUNT_SW_CPU_CLOCK, .disabled = 1, .exclude_kernel = 1};
  report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -4 /* user keyring */, 0));
  report("add_key", syscall(SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_SESSION_KEYRING));
  report("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
  report("perf_event_open", syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
  report("userfaultfd", syscall(SYS_userfaultfd, 0));
  report("personality_addr_no_randomize", syscall(SYS_personality, 0x0040000));
  report("personality_query", syscall(SYS_personality, 0xffffffffUL));
  report("kcmp", syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0));
  report("move_pages", syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0));
  report("socket_vsock", syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0));
  report("socket_inet", syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0));
  report("clone3", syscall(SYS_clone3, NULL, 0));
  long child = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0);
  if (child == 0) _exit(0);
  report("clone_newns", child);
  child = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
  if (child == 0) _exit(0);
  report("clone_plain", child);
  while (wait(NULL) > 0) {}
  report("getpid", syscall(SYS_getpid));
  /* The i386 entry point, from this 64-bit process: getpid (20) and keyctl (288). */
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
  printf("i386_getpid=%s\n", r == getpid() ? "ok" : r < 0 ? errname((int)-r) : "wrong");
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(288), "b"(0), "c"(-4), "d"(0) : "memory");
  printf("i386_keyctl=%s\n", r >= 0 ? "ok" : errname((int)-r));
  return 0;
}

/* mknod-open b|c MAJOR MINOR: makes the node, then opens it read-write. */
static int mknod_open(char type, int major_, int minor_) {
  unlink("/tmp/probe-node");
  report("mknod", mknod("/tmp/probe-node", (type == 'b' ? S_IFBLK : S_IFCHR) | 0666, makedev(major_, minor_)));
  int fd = open("/tmp/probe-node", O_RDWR | O_NONBLOCK | O_NOCTTY);
  report("open", fd);
  return 0;
}

/* open PATH r|w: opens an existing node for reading or for writing. */
static int open_path(const char *path, const char *how) {
  report("open", open(path, (how[0] == 'w' ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_NOCTTY));
  return 0;
}

/* forks N: starts N sleeping children; prints how many started and why the next one did not. */
static int forks(int n) {
  int started = 0;
  for (; started < n; started++) {
    pid_t p = fork();
    if (p < 0) break;
    if (p == 0) {
      sleep(30);
      _exit(0);
    }
  }
  printf("started=%d%s%s\n", started, started < n ? " error=" : "", started < n ? errname(errno) : "");
  fflush(stdout);
  kill(0, SIGKILL);
  return 0;
}

/* alloc MB: allocates and touches MB megabytes, then says so. */
static int alloc(int mb) {
  for (int i = 0; i < mb; i++) {
    char *p = malloc(1 << 20);
    if (!p) return printf("malloc failed at %d MB\n", i), 1;
    memset(p, 1, 1 << 20);
  }
  printf("allocated %d MB\n", mb);
  return 0;
}

/* spin SECONDS: busy for SECONDS of wall time; prints the CPU time it got, in per cent of it. */
static int spin(int seconds) {
  struct timespec start, now, cpu;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do clock_gettime(CLOCK_MONOTONIC, &now);
  while (now.tv_sec - start.tv_sec < seconds);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  double wall = (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
  printf("cpu=%.0f%%\n", 100 * (cpu.tv_sec + cpu.tv_nsec / 1e9) / wall);
  return 0;
}

/*
 * capture IFACE COUNT FILE: the lab tests' tcpdump (Alpine's minirootfs has none): writes
 * the first COUNT IPv4 ICMP frames seen on IFACE to FILE in pcap format; gives up after 20 s.
 */
static int capture(const char *iface, int count, const char *path) {
  int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (s < 0) return printf("socket=%s\n", errname(errno)), 1;
  struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex(iface) };
  if (ll.sll_ifindex == 0 || bind(s, (struct sockaddr *)&ll, sizeof ll) < 0) return printf("bind=%s\n", errname(errno)), 1;
  FILE *out = fopen(path, "w");
  if (!out) return printf("open=%s\n", errname(errno)), 1;
  const unsigned int header[6] = { 0xa1b2c3d4, 2 | (4 << 16), 0, 0, 65535, 1 };
  fwrite(header, sizeof header, 1, out);
  fflush(out);
  alarm(20);
  unsigned char frame[65536];
  for (int seen = 0; seen < count;) {
    ssize_t n = recv(s, frame, sizeof frame, 0);
    if (n < 0) return printf("recv=%s\n", errname(errno)), 1;
    /* Ethernet type IPv4 (0x0800) and IP protocol ICMP (1). */
    if (n < 34 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 1) continue;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    const unsigned int rec[4] = { (unsigned int)tv.tv_sec, (unsigned int)tv.tv_usec, (unsigned int)n, (unsigned int)n };
    fwrite(rec, sizeof rec, 1, out);
    fwrite(frame, (size_t)n, 1, out);
    fflush(out);
    seen++;
  }
  fclose(out);
  printf("captured %d\n", count);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && !strcmp(argv[1], "tiocsti")) return tiocsti(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "fds")) return fds();
  if (argc >= 3 && !strcmp(argv[1], "watch")) return watch(atoi(argv[2]));
  if (argc >= 3 && !strcmp(argv[1], "keyring")) return keyring(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "addkey")) return addkey(argv[2], argv + 3);
  if (argc >= 3 && !strcmp(argv[1], "fifo-hup")) return fifo_hup(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "jail")) return jail(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "drop-exec")) return drop_exec(argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "euid")) return printf("euid=%d\n", (int)geteuid()), 0;
  if (argc >= 2 && !strcmp(argv[1], "syscalls")) return syscalls();
  if (argc >= 5 && !strcmp(argv[1], "mknod-open")) return mknod_open(argv[2][0], atoi(argv[3]), atoi(argv[4]));
  if (argc >= 4 && !strcmp(argv[1], "open")) return open_path(argv[2], argv[3]);
  if (argc >= 3 && !strcmp(argv[1], "forks")) return forks(atoi(argv[2]));
  if (argc >= 3 && !strcmp(argv[1], "alloc")) return alloc(atoi(argv[2]));
  if (argc >= 3 && !strcmp(argv[1], "spin")) return spin(atoi(argv[2]));
  if (argc >= 5 && !strcmp(argv[1], "capture")) return capture(argv[2], atoi(argv[3]), argv[4]);
  fprintf(stderr, "usage: probe tiocsti CMD | fds | watch SECONDS | keyring DESC | addkey DESC CMD... | fifo-hup PATH | jail TARGET | drop-exec PROGRAM... | euid | syscalls | mknod-open b|c MAJOR MINOR | open PATH r|w | forks N | alloc MB | spin SECONDS | capture IFACE COUNT FILE\n");
  return 2;
}
