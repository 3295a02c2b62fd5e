/**
 * Docker's default seccomp profile (moby profiles/seccomp/default.json), in tsrun's own
 * representation: what it allows, the calls it allows only with a capability, the argument
 * rules for clone, personality and socket, and EPERM for everything else. It covers the
 * entry points Docker's archMap gives this machine's architecture (src/sys/arch.ts): x86_64,
 * i386 and x32 on amd64, aarch64 on arm64.
 */
import { constants } from 'node:os';
import { ARCH } from '../../sys/arch';
import type { Action } from '../../sys/seccomp/filter';
import type { Profile, ProfileRule } from './profile';

const ALLOW: Action = { type: 'allow' };

/** Allowed to every container. */
const BASE = `
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl
fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv
futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid
getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid
getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list
getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32
getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl
io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
io_submit io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule
landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen
listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier
memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2
mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall
munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev
pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64
recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr
sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr
sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32
setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr
shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn
socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync
sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun
timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit
umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid
waitpid write writev`;

const names = (list: string): string[] => list.trim().split(/\s+/);

/** Namespace flags clone may not be given without CAP_SYS_ADMIN (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET). */
const CLONE_NAMESPACES = 0x7e020000n;
const AF_VSOCK = 40n;
/** personality values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, and the query. */
const PERSONALITIES = [0x0n, 0x8n, 0x20000n, 0x20008n, 0xffffffffn];

const RULES: ProfileRule[] = [
  { names: names(BASE), action: ALLOW },
  { names: ['process_vm_readv', 'process_vm_writev', 'ptrace'], action: ALLOW, minKernel: '4.8' },
  { names: ['socket'], action: ALLOW, args: [{ index: 0, op: 'ne', value: AF_VSOCK }] },
  ...PERSONALITIES.map((value): ProfileRule => ({ names: ['personality'], action: ALLOW, args: [{ index: 0, op: 'eq', value }] })),
  { names: ['arch_prctl'], action: ALLOW, arches: ['amd64', 'x32'] },
  { names: ['modify_ldt'], action: ALLOW, arches: ['amd64', 'x32', 'x86'] },
  { names: ['open_by_handle_at'], action: ALLOW, ifCaps: ['DAC_READ_SEARCH'] },
  {
    names: names(`bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount
      mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname
      setns syslog umount umount2 unshare`),
    action: ALLOW,
    ifCaps: ['SYS_ADMIN'],
  },
  { names: ['clone'], action: ALLOW, args: [{ index: 0, op: 'masked-eq', value: CLONE_NAMESPACES, valueTwo: 0n }], unlessCaps: ['SYS_ADMIN'] },
  // clone3's flags are behind a pointer a filter cannot read: ENOSYS makes libc fall back to clone.
  { names: ['clone3'], action: { type: 'errno', errno: constants.errno.ENOSYS }, unlessCaps: ['SYS_ADMIN'] },
  { names: ['reboot'], action: ALLOW, ifCaps: ['SYS_BOOT'] },
  { names: ['chroot'], action: ALLOW, ifCaps: ['SYS_CHROOT'] },
  { names: ['delete_module', 'init_module', 'finit_module'], action: ALLOW, ifCaps: ['SYS_MODULE'] },
  { names: ['acct'], action: ALLOW, ifCaps: ['SYS_PACCT'] },
  { names: names('kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'), action: ALLOW, ifCaps: ['SYS_PTRACE'] },
  { names: ['iopl', 'ioperm'], action: ALLOW, ifCaps: ['SYS_RAWIO'] },
  { names: names('settimeofday stime clock_settime clock_settime64'), action: ALLOW, ifCaps: ['SYS_TIME'] },
  { names: ['vhangup'], action: ALLOW, ifCaps: ['SYS_TTY_CONFIG'] },
  { names: names('get_mempolicy mbind set_mempolicy set_mempolicy_home_node'), action: ALLOW, ifCaps: ['SYS_NICE'] },
  { names: ['syslog'], action: ALLOW, ifCaps: ['SYSLOG'] },
  { names: ['bpf'], action: ALLOW, ifCaps: ['BPF'] },
  { names: ['perf_event_open'], action: ALLOW, ifCaps: ['PERFMON'] },
];

export const DEFAULT_PROFILE: Profile = {
  defaultAction: { type: 'errno', errno: constants.errno.EPERM },
  arches: ARCH.seccomp,
  rules: RULES,
};
