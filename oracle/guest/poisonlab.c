/*
 * poisonlab: the guest side of the DAX Poison Lab kernel oracle.
 *
 * Runs inside a QEMU guest booted with Debian's 6.12.117 kernel, after
 * init.sh has created the fsdax namespace and mounted the filesystem. It reads
 * a plan (one command per line, written by oracle/src/plan.ts on the host),
 * builds the scenario's files and processes, runs its events one at a time,
 * and writes what happened as "@@ {json}" records to the output tty (the
 * guest's second serial port), which the host turns into a run report.
 *
 * Processes: one forked child per scenario process, driven over a socketpair
 * with one text command and one text reply at a time. Each child records
 * every SIGBUS it receives (code, address, lsb) in memory shared with the
 * controller, so signals are seen even when the child dies of them. A SIGBUS
 * that arrives during a load/store (a fault-path signal: re-executing the
 * access would fault forever) abandons the access with siglongjmp.
 *
 * Usage: poisonlab PLAN OUT      run a plan, records to OUT
 *        poisonlab emit KEY FILE write the contents of FILE as a record
 *        poisonlab note KEY TEXT write TEXT as a record
 *
 * Strings in the plan are %XX-encoded (no spaces); numbers are decimal or
 * 0x-hex, signed where noted.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef PR_MCE_KILL
#define PR_MCE_KILL 33
#define PR_MCE_KILL_CLEAR 0
#define PR_MCE_KILL_SET 1
#define PR_MCE_KILL_LATE 0
#define PR_MCE_KILL_EARLY 1
#define PR_MCE_KILL_DEFAULT 2
#endif
#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif
#ifndef FICLONERANGE
struct file_clone_range { int64_t src_fd; uint64_t src_offset, src_length, dest_offset; };
#define FICLONERANGE _IOW(0x94, 13, struct file_clone_range)
#endif

#define MAXPROC 32
#define MAXMAP 16
#define MAXSIG 256
#define MAXBAD 64
#define MAXFILE 64
#define LINE 8192

/* ------------------------------------------------------------------ output */

static FILE *out;

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* rec("t", "kind", "key", 's', "str", "key", 'i', (long long)n, "key", 'x', (unsigned long long)v, NULL) */
static void rec(const char *kind, ...)
{
	va_list ap;
	const char *key;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(out, "@@ {\"ts\":%ld.%03ld,\"t\":", (long)now.tv_sec, now.tv_nsec / 1000000);
	jstr(out, kind);
	va_start(ap, kind);
	while ((key = va_arg(ap, const char *))) {
		int ty = va_arg(ap, int);
		fprintf(out, ",");
		jstr(out, key);
		fprintf(out, ":");
		if (ty == 's') {
			const char *v = va_arg(ap, const char *);
			if (v)
				jstr(out, v);
			else
				fputs("null", out);
		} else if (ty == 'i') {
			fprintf(out, "%lld", va_arg(ap, long long));
		} else if (ty == 'x') {
			fprintf(out, "\"0x%llx\"", va_arg(ap, unsigned long long));
		} else if (ty == 'b') {
			fputs(va_arg(ap, int) ? "true" : "false", out);
		}
	}
	va_end(ap);
	fprintf(out, "}\n");
	fflush(out);
}

static char *slurp(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 4096, len = 0;
	char *buf;
	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	for (;;) {
		ssize_t n;
		if (len == cap)
			buf = realloc(buf, (cap *= 2) + 1);
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

static void emit_file(const char *key, const char *path)
{
	char *s = slurp(path, NULL);
	rec("file", "key", 's', key, "path", 's', path, "text", 's', s ? s : "", "ok", 'b', s != NULL, NULL);
	free(s);
}

/* ------------------------------------------------------------ plan parsing */

static void pdecode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char h[3] = {s[1], s[2], 0};
			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

static int split(char *line, char **tok, int max)
{
	int n = 0;
	char *save = NULL, *t;
	for (t = strtok_r(line, " \t\r\n", &save); t && n < max; t = strtok_r(NULL, " \t\r\n", &save)) {
		pdecode(t);
		tok[n++] = t;
	}
	return n;
}

static long long num(const char *s)
{
	return strtoll(s, NULL, 0);
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return NULL;
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case ENODATA: return "ENODATA";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EUCLEAN: return "EUCLEAN";
	case EHWPOISON: return "EHWPOISON";
	case ESHUTDOWN: return "ESHUTDOWN";
	case ENOTTY: return "ENOTTY";
	case EACCES: return "EACCES";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case EINTR: return "EINTR";
	default: return "E?";
	}
}

/* --------------------------------------------------------------- children */

struct sigrec {
	int signo, code, lsb, seq;
	unsigned long long addr;
};

struct sigbox {
	int n;
	struct sigrec r[MAXSIG];
};

struct mapping {
	char id[64];
	char file[512];
	unsigned long long addr, len, off;
	int live;
};

struct proc {
	int spid;        /* the scenario's pid */
	pid_t gpid;      /* the guest's pid */
	char comm[16];
	int fd;          /* controller end of the socketpair */
	int alive;
	int sigbus_default;
	int seen;        /* signals already reported */
	struct sigbox *box;
	struct mapping maps[MAXMAP];
	int nmaps;
};

static struct proc procs[MAXPROC];
static int nprocs;
static int *global_seq;          /* shared counter: delivery order across children */

/* child state */
static struct sigbox *mybox;
static int my_default;
static volatile sig_atomic_t in_access;
static sigjmp_buf access_jb;
static volatile sig_atomic_t got_sigbus;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (mybox->n < MAXSIG) {
		struct sigrec *r = &mybox->r[mybox->n];
		r->signo = sig;
		r->code = si->si_code;
		r->addr = (unsigned long long)(uintptr_t)si->si_addr;
		r->lsb = (si->si_code == BUS_MCEERR_AR || si->si_code == BUS_MCEERR_AO) ? si->si_addr_lsb : 0;
		r->seq = __atomic_add_fetch(global_seq, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&mybox->n, mybox->n + 1, __ATOMIC_SEQ_CST);
	}
	got_sigbus = 1;
	if (my_default) {
		/* the kernel's default action, with the signal recorded first */
		signal(SIGBUS, SIG_DFL);
		raise(SIGBUS);
		return;
	}
	if (in_access)
		siglongjmp(access_jb, 1);
}

static void reply(int fd, const char *fmt, ...)
{
	char buf[LINE];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	while (write(fd, buf, n) < 0 && errno == EINTR)
		;
}

static int readline_fd(int fd, char *buf, int max)
{
	int n = 0;
	while (n < max - 1) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? n : -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}

static uint64_t pagemap_entry(unsigned long long addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (off_t)(addr / 4096) * 8) != 8)
		e = 0;
	close(fd);
	return e;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

/* load or store every byte of [addr, addr+len); 0, or -EFAULT when a SIGBUS abandoned it */
static int access_range(unsigned long long addr, unsigned long long len, int store)
{
	volatile unsigned char *volatile p = (volatile unsigned char *)(uintptr_t)addr;
	volatile unsigned long long i;
	got_sigbus = 0;
	if (sigsetjmp(access_jb, 1) == 0) {
		in_access = 1;
		for (i = 0; i < len; i++) {
			if (store)
				p[i] = 0x5a;
			else
				sink += p[i];
		}
		in_access = 0;
		return 0;
	}
	in_access = 0;
	return -EFAULT;
}

static void block_sigbus(int block)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGBUS);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &m, NULL);
}

static void child_loop(int fd)
{
	char line[LINE], *tok[32];
	static int fds[MAXMAP];
	static struct mapping maps[MAXMAP];
	static int nmaps;
	for (;;) {
		int n;
		/*
		 * SIGBUS is blocked while the child waits for a command: an
		 * advisory (AO) signal sent during an event stays pending and is
		 * delivered once, when the next command (the controller's ping
		 * after every event) unblocks it, as in the scenario model
		 * (events are atomic; a pending SIGBUS is not queued again).
		 * It is unblocked while the child acts: a forced signal (AR, the
		 * fault path) that finds SIGBUS blocked resets the handler to
		 * SIG_DFL and kills (force_sig_info_to_task).
		 */
		block_sigbus(1);
		n = readline_fd(fd, line, sizeof line);
		if (n < 0)
			_exit(0);
		block_sigbus(0);
		n = split(line, tok, 32);
		if (n == 0)
			continue;
		if (!strcmp(tok[0], "ping")) {
			reply(fd, "pong");
		} else if (!strcmp(tok[0], "map") && n >= 8) {
			/* map ID FILE OFF LEN ADDR PROT FLAGS */
			int prot = !strcmp(tok[6], "rw") ? PROT_READ | PROT_WRITE : PROT_READ;
			int flags = !strcmp(tok[7], "private") ? MAP_PRIVATE
				    : !strcmp(tok[7], "shared-sync") ? MAP_SHARED_VALIDATE | MAP_SYNC
								      : MAP_SHARED;
			int ffd = open(tok[2], prot & PROT_WRITE ? O_RDWR : O_RDONLY);
			void *a;
			if (ffd < 0) {
				reply(fd, "err %d", errno);
				continue;
			}
			/*
			 * At the scenario's own address: MAP_FIXED_NOREPLACE, except
			 * with MAP_SHARED_VALIDATE, which refuses flags outside the
			 * legacy mask (EOPNOTSUPP): there the address is a hint.
			 */
			a = mmap((void *)(uintptr_t)num(tok[5]), num(tok[4]), prot,
				 flags | ((flags & MAP_SHARED_VALIDATE) == MAP_SHARED_VALIDATE ? 0 : MAP_FIXED_NOREPLACE), ffd,
				 num(tok[3]));
			if (a == MAP_FAILED && errno == EEXIST)
				a = mmap(NULL, num(tok[4]), prot, flags, ffd, num(tok[3]));
			if (a == MAP_FAILED) {
				reply(fd, "err %d", errno);
				close(ffd);
				continue;
			}
			if (nmaps < MAXMAP) {
				snprintf(maps[nmaps].id, sizeof maps[nmaps].id, "%s", tok[1]);
				maps[nmaps].addr = (uintptr_t)a;
				maps[nmaps].len = num(tok[4]);
				maps[nmaps].live = 1;
				fds[nmaps] = ffd;
				nmaps++;
			}
			reply(fd, "ok 0x%llx", (unsigned long long)(uintptr_t)a);
		} else if (!strcmp(tok[0], "populate") && n >= 3) {
			/* populate ADDR LEN WRITE: MAP_POPULATE's faults, in order */
			int r = madvise((void *)(uintptr_t)num(tok[1]), num(tok[2]),
					num(tok[3]) ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
			reply(fd, "ok %d", r < 0 ? -errno : 0);
		} else if (!strcmp(tok[0], "pagemap") && n >= 3) {
			unsigned long long a = num(tok[1]), len = num(tok[2]), i;
			char buf[LINE];
			int o = 0;
			for (i = 0; i < len && i < 512 * 4096ULL && o < LINE - 40; i += 4096) {
				uint64_t e = pagemap_entry(a + i);
				o += snprintf(buf + o, LINE - o, "%s%llx", i ? "," : "",
					      (e >> 63) & 1 ? (unsigned long long)(e & ((1ULL << 55) - 1)) : 0ULL);
			}
			buf[o] = 0;
			reply(fd, "ok %s", o ? buf : "-");
		} else if (!strcmp(tok[0], "unmap") && n >= 2) {
			int i, r = -ENOENT;
			for (i = 0; i < nmaps; i++)
				if (maps[i].live && !strcmp(maps[i].id, tok[1])) {
					r = munmap((void *)(uintptr_t)maps[i].addr, maps[i].len) ? -errno : 0;
					close(fds[i]);
					maps[i].live = 0;
				}
			reply(fd, "ok %d", r);
		} else if (!strcmp(tok[0], "madvise") && n >= 4) {
			int r = madvise((void *)(uintptr_t)num(tok[1]), num(tok[2]), (int)num(tok[3]));
			reply(fd, "ok %d", r < 0 ? -errno : 0);
		} else if (!strcmp(tok[0], "load") || !strcmp(tok[0], "store")) {
			reply(fd, "ok %d", access_range(num(tok[1]), num(tok[2]), tok[0][0] == 's'));
		} else if (!strcmp(tok[0], "mceload") && n >= 3) {
			/*
			 * Consume poison the way hardware would: fault the page in
			 * with a first load (the fault path may refuse it already:
			 * badblocks), report its physical address, then spin on
			 * loads until the host's machine check arrives.
			 */
			unsigned long long a = num(tok[1]), len = num(tok[2]);
			uint64_t e;
			int r = access_range(a, 1, 0);
			double t0;
			if (r) {
				reply(fd, "ok %d refused", r);
				continue;
			}
			e = pagemap_entry(a);
			if (!((e >> 63) & 1)) {
				reply(fd, "ok 0 notpresent");
				continue;
			}
			reply(fd, "spin 0x%llx", (unsigned long long)((e & ((1ULL << 55) - 1)) * 4096 + (a & 4095)));
			got_sigbus = 0;
			t0 = now_s();
			if (sigsetjmp(access_jb, 1) == 0) {
				volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)a;
				unsigned long k = 0;
				in_access = 1;
				for (;;) {
					unsigned long long i;
					for (i = 0; i < len; i++)
						sink += p[i];
					if ((++k & 0xffff) == 0 && now_s() - t0 > 90)
						break;
				}
				in_access = 0;
				reply(fd, "ok 0 timeout");
			} else {
				in_access = 0;
				reply(fd, "ok %d mce", -EFAULT);
			}
		} else if (!strcmp(tok[0], "rw") && n >= 7) {
			/* rw read|write PATH OFF LEN DIRECT FILL [BUFFER]: BUFFER, when not 0, is an address in one of this child's mappings */
			int wr = !strcmp(tok[1], "write");
			int ffd = open(tok[2], (wr ? O_WRONLY : O_RDONLY) | (num(tok[5]) ? O_DIRECT : 0));
			long long len = num(tok[4]), r;
			unsigned long long ubuf = n >= 8 ? num(tok[7]) : 0;
			void *buf;
			if (ffd < 0) {
				reply(fd, "ok %d open", -errno);
				continue;
			}
			if (ubuf) {
				buf = (void *)(uintptr_t)ubuf;
			} else {
				if (posix_memalign(&buf, 4096, len ? len : 1)) {
					reply(fd, "ok %d", -ENOMEM);
					close(ffd);
					continue;
				}
				memset(buf, (int)num(tok[6]), len);
			}
			r = wr ? pwrite(ffd, buf, len, num(tok[3])) : pread(ffd, buf, len, num(tok[3]));
			if (r < 0)
				r = -errno;
			if (!ubuf)
				free(buf);
			close(ffd);
			reply(fd, "ok %lld", r);
		} else if (!strcmp(tok[0], "punch") && n >= 4) {
			int ffd = open(tok[1], O_RDWR), r;
			if (ffd < 0) {
				reply(fd, "ok %d open", -errno);
				continue;
			}
			r = fallocate(ffd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, num(tok[2]), num(tok[3]));
			reply(fd, "ok %d", r < 0 ? -errno : 0);
			close(ffd);
		} else if (!strcmp(tok[0], "mcekill") && n >= 2) {
			int r;
			if (!strcmp(tok[1], "early"))
				r = prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
			else if (!strcmp(tok[1], "late"))
				r = prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0);
			else
				r = prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0);
			reply(fd, "ok %d", r < 0 ? -errno : 0);
		} else if (!strcmp(tok[0], "exit")) {
			_exit(0);
		} else {
			reply(fd, "err %d", EINVAL);
		}
	}
}

static struct proc *proc_by_spid(int spid)
{
	int i;
	for (i = 0; i < nprocs; i++)
		if (procs[i].spid == spid)
			return &procs[i];
	return NULL;
}

/* send a command to a child and read one reply line; -1 if it died */
static int ask(struct proc *p, char *replybuf, int max, const char *fmt, ...)
{
	char buf[LINE];
	va_list ap;
	int n;
	if (!p->alive)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(p->fd, buf, n) != n)
		return -1;
	return readline_fd(p->fd, replybuf, max);
}

static void spawn(int spid, const char *comm, const char *mcekill, int sigbus_default)
{
	struct proc *p = &procs[nprocs++];
	int sv[2];
	pid_t pid;
	p->spid = spid;
	snprintf(p->comm, sizeof p->comm, "%s", comm);
	p->box = mmap(NULL, sizeof(struct sigbox), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p->sigbus_default = sigbus_default;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		int i;
		close(sv[0]);
		for (i = 0; i < nprocs - 1; i++)
			close(procs[i].fd);
		mybox = p->box;
		my_default = sigbus_default;
		prctl(PR_SET_NAME, p->comm, 0, 0, 0);
		if (!strcmp(mcekill, "early"))
			prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
		else if (!strcmp(mcekill, "late"))
			prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0);
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
		block_sigbus(1);
		child_loop(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	p->fd = sv[0];
	p->gpid = pid;
	p->alive = 1;
	rec("proc", "pid", 'i', (long long)spid, "gpid", 'i', (long long)pid, "comm", 's', p->comm, NULL);
}

/* --------------------------------------------------------- kernel facts */

static int kmsg_fd = -1;
static unsigned long long data_start, ns_start;
static int have_layout;

/* a dm-linear table over pmem0 (plan "dmlinear"), in bytes: FIEMAP on a file of
 * a filesystem on the dm device gives dm offsets; each line maps [start,
 * start+len) of the dm device to [off, off+len) of pmem0's data area */
#define MAXDM 16
struct dmline { unsigned long long start, len, off; };
static struct dmline dmtab[MAXDM];
static int ndm;

struct badrange { unsigned long long start, end; };
static struct badrange bad[MAXBAD];
static int nbad;

static char trace_names[64][64];
static int trace_raw; /* debugging: every trace line as a record (with func_stack_trace, the callers) */
static int ntrace;

static void kmsg_drain(const char *event, int raw_all)
{
	char buf[LINE + 1];
	if (kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg_fd, buf, LINE);
		char *semi, *nl, *o, *s;
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		buf[n] = 0;
		semi = strchr(buf, ';');
		if (!semi)
			continue;
		nl = strchr(semi + 1, '\n');
		if (nl)
			*nl = 0;
		/* unescape \xNN */
		for (s = o = semi + 1; *s; s++) {
			if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3])) {
				char h[3] = {s[2], s[3], 0};
				*o++ = (char)strtol(h, NULL, 16);
				s += 3;
			} else {
				*o++ = *s;
			}
		}
		*o = 0;
		rec(raw_all ? "boot-dmesg" : "dmesg", "event", 's', event, "line", 's', semi + 1, NULL);
	}
}

static void trace_collect(const char *event)
{
	size_t len;
	char *s, *line, *save = NULL;
	long counts[64] = {0};
	int i;
	if (!ntrace)
		return;
	s = slurp("/sys/kernel/tracing/trace", &len);
	if (!s)
		return;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow, *f;
		if (line[0] == '#')
			continue;
		if (trace_raw)
			rec("trace", "event", 's', event, "line", 's', line, NULL);
		arrow = strstr(line, " <-");
		if (!arrow)
			continue;
		*arrow = 0;
		f = strrchr(line, ' ');
		f = f ? f + 1 : line;
		for (i = 0; i < ntrace; i++)
			if (!strcmp(f, trace_names[i]))
				counts[i]++;
	}
	free(s);
	for (i = 0; i < ntrace; i++)
		if (counts[i])
			rec("calls", "event", 's', event, "fn", 's', trace_names[i], "n", 'i', (long long)counts[i], NULL);
	i = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);
	if (i >= 0)
		close(i);
}

/*
 * Function-tracer counts of the named functions. Matching names one by one
 * in set_ftrace_filter scans every ftrace record per name (about a second
 * each under TCG), so the functions are selected by their index in
 * available_filter_functions instead, all in one write, and the names are
 * read back from set_ftrace_filter.
 */
static void trace_setup(char **names, int n)
{
	char *avail = slurp("/sys/kernel/tracing/available_filter_functions", NULL), *line, *save = NULL;
	char idx[4096], *back;
	int o = 0, fd, i;
	long k = 0;
	if (!avail)
		return;
	for (line = strtok_r(avail, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		k++;
		if (sp)
			*sp = 0;
		for (i = 0; i < n; i++)
			if (names[i][0] && !strcmp(line, names[i])) {
				o += snprintf(idx + o, sizeof idx - o, "%ld ", k);
				names[i][0] = 0; /* first match only */
			}
	}
	free(avail);
	fd = open("/sys/kernel/tracing/set_ftrace_filter", O_WRONLY | O_TRUNC);
	if (fd < 0 || !o)
		return;
	/* set_ftrace_filter takes one name (or index) per write() and returns what it consumed */
	for (i = 0; i < o;) {
		ssize_t w = write(fd, idx + i, o - i);
		if (w <= 0) {
			rec("note", "key", 's', "ftrace", "text", 's', strerror(errno), NULL);
			break;
		}
		i += w;
	}
	close(fd);
	back = slurp("/sys/kernel/tracing/set_ftrace_filter", NULL);
	save = NULL;
	for (line = back ? strtok_r(back, "\n", &save) : NULL; line && ntrace < 64; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (sp)
			*sp = 0;
		if (line[0] && line[0] != '#')
			snprintf(trace_names[ntrace++], 64, "%s", line);
	}
	free(back);
	fd = open("/sys/kernel/tracing/current_tracer", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "function", 8) < 0)
			ntrace = 0;
		close(fd);
	}
	for (i = 0; i < ntrace; i++)
		rec("traced", "fn", 's', trace_names[i], NULL);
	fd = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
}

static unsigned long long read_hex_file(const char *path)
{
	char *s = slurp(path, NULL);
	unsigned long long v = s ? strtoull(s, NULL, 0) : 0;
	free(s);
	return v;
}

/* the device offset of a file offset, through FIEMAP; -1 for a hole */
static long long file_phys_off(const char *path, unsigned long long off)
{
	int fd = open(path, O_RDONLY);
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} q;
	long long r = -1;
	if (fd < 0)
		return -1;
	memset(&q, 0, sizeof q);
	q.fm.fm_start = off;
	q.fm.fm_length = 1;
	q.fm.fm_flags = FIEMAP_FLAG_SYNC;
	q.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &q.fm) == 0 && q.fm.fm_mapped_extents == 1 &&
	    q.ext[0].fe_logical <= off && off < q.ext[0].fe_logical + q.ext[0].fe_length)
		r = (long long)(q.ext[0].fe_physical + (off - q.ext[0].fe_logical));
	close(fd);
	if (r >= 0 && ndm > 0) {
		/* a dm device's offset: through its table to the namespace's */
		int i;
		long long d = -1;
		for (i = 0; i < ndm; i++)
			if (dmtab[i].start <= (unsigned long long)r && (unsigned long long)r < dmtab[i].start + dmtab[i].len)
				d = (long long)(dmtab[i].off + ((unsigned long long)r - dmtab[i].start));
		r = d;
	}
	return r;
}

/* is the block behind a file offset shared (reflinked: FIEMAP_EXTENT_SHARED)? */
static int file_off_shared(const char *path, unsigned long long off)
{
	int fd = open(path, O_RDONLY), r = 0;
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} q;
	if (fd < 0)
		return 0;
	memset(&q, 0, sizeof q);
	q.fm.fm_start = off;
	q.fm.fm_length = 1;
	q.fm.fm_flags = FIEMAP_FLAG_SYNC;
	q.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &q.fm) == 0 && q.fm.fm_mapped_extents == 1 &&
	    q.ext[0].fe_logical <= off && off < q.ext[0].fe_logical + q.ext[0].fe_length)
		r = (q.ext[0].fe_flags & FIEMAP_EXTENT_SHARED) != 0;
	close(fd);
	return r;
}

static void emit_extents(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[256];
	} q;
	unsigned i;
	struct stat st;
	if (fd < 0) {
		rec("extents", "file", 's', path, "errno", 's', errname(errno), NULL);
		return;
	}
	fstat(fd, &st);
	memset(&q, 0, sizeof q);
	q.fm.fm_start = 0;
	q.fm.fm_length = ~0ULL;
	q.fm.fm_flags = FIEMAP_FLAG_SYNC;
	q.fm.fm_extent_count = 256;
	if (ioctl(fd, FS_IOC_FIEMAP, &q.fm) == 0) {
		for (i = 0; i < q.fm.fm_mapped_extents; i++)
			rec("extent", "file", 's', path, "logical", 'i', (long long)q.ext[i].fe_logical, "physical", 'i',
			    (long long)q.ext[i].fe_physical, "length", 'i', (long long)q.ext[i].fe_length, "flags", 'i',
			    (long long)q.ext[i].fe_flags, NULL);
	}
	rec("inode", "file", 's', path, "ino", 'i', (long long)st.st_ino, "size", 'i', (long long)st.st_size, NULL);
	close(fd);
}

static void emit_badblocks(const char *event)
{
	char *s = slurp("/run/bb-dev", NULL), *r = slurp("/run/bb-region", NULL);
	rec("badblocks", "event", 's', event, "dev", 's', s, "region", 's', r, NULL);
	free(s);
	free(r);
}

/* collect every child's new signals and deaths after an event */
static void collect(const char *event)
{
	int i, j;
	char buf[LINE];
	/* a round trip with every live child: any signal sent before now has been handled */
	for (i = 0; i < nprocs; i++)
		if (procs[i].alive && ask(&procs[i], buf, sizeof buf, "ping") < 0)
			procs[i].alive = 0;
	for (i = 0; i < nprocs; i++) {
		struct proc *p = &procs[i];
		int n;
		if (p->alive || p->gpid > 0) {
			int st, tries;
			pid_t w = waitpid(p->gpid, &st, WNOHANG);
			/*
			 * a child that no longer answers may still be exiting (an oops
			 * killed it inside a system call: make_task_dead tears its mm
			 * down first); give it up to 2 s to be reaped, so its death is
			 * recorded with the event that killed it
			 */
			for (tries = 0; w == 0 && !p->alive && tries < 200; tries++) {
				usleep(10000);
				w = waitpid(p->gpid, &st, WNOHANG);
			}
			if (w == p->gpid) {
				p->alive = 0;
				rec("death", "event", 's', event, "pid", 'i', (long long)p->spid, "signaled", 'b',
				    WIFSIGNALED(st), "sig", 'i', (long long)(WIFSIGNALED(st) ? WTERMSIG(st) : 0), "status",
				    'i', (long long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1), NULL);
				p->gpid = -p->gpid;
			}
		}
		n = __atomic_load_n(&p->box->n, __ATOMIC_SEQ_CST);
		for (j = p->seen; j < n; j++) {
			struct sigrec *r = &p->box->r[j];
			rec("signal", "event", 's', event, "pid", 'i', (long long)p->spid, "signo", 'i', (long long)r->signo,
			    "code", 'i', (long long)r->code, "addr", 'x', r->addr, "lsb", 'i', (long long)r->lsb, "seq", 'i',
			    (long long)r->seq, NULL);
		}
		p->seen = n;
	}
	kmsg_drain(event, 0);
	trace_collect(event);
	emit_badblocks(event);
}

static int overlaps_bad(unsigned long long s, unsigned long long e, unsigned long long *where)
{
	int i;
	for (i = 0; i < nbad; i++)
		if (s < bad[i].end && bad[i].start < e) {
			*where = s > bad[i].start ? s : bad[i].start;
			return 1;
		}
	return 0;
}

/* the guest physical address behind a process address, through its mapping's file */
static long long proc_addr_phys(struct proc *p, unsigned long long addr)
{
	int i;
	for (i = 0; i < p->nmaps; i++) {
		struct mapping *m = &p->maps[i];
		if (m->live && m->addr <= addr && addr < m->addr + m->len) {
			/* a device-dax mapping's offset is the device offset; a file's goes through FIEMAP */
			long long d = !strncmp(m->file, "/dev/", 5) ? (long long)(m->off + (addr - m->addr))
								 : file_phys_off(m->file, m->off + (addr - m->addr));
			if (d < 0) {
				/* FIEMAP refused (a shut-down filesystem says EIO): the page the child has mapped, from its pagemap */
				char buf[LINE];
				if (ask(p, buf, sizeof buf, "pagemap 0x%llx 4096", addr & ~4095ULL) > 0 && !strncmp(buf, "ok ", 3)) {
					unsigned long long pfn = strtoull(buf + 3, NULL, 16);
					if (pfn)
						return (long long)((pfn << 12) + (addr & 4095));
				}
				return -1;
			}
			return (long long)(data_start + d);
		}
	}
	return -1;
}

/* is every sector of [s, e) (guest physical) in the namespace badblocks? */
static int covered_by_badblocks(unsigned long long s, unsigned long long e)
{
	char *txt = slurp("/run/bb-dev", NULL), *line, *save = NULL;
	unsigned long long sec0 = (s - data_start) / 512, sec1 = (e - data_start + 511) / 512, x;
	int ok = 1;
	if (!txt)
		return 0;
	for (x = sec0; x < sec1 && ok; x++) {
		int hit = 0;
		char *copy = strdup(txt);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long a, n;
			if (sscanf(line, "%llu %llu", &a, &n) == 2 && a <= x && x < a + n)
				hit = 1;
		}
		free(copy);
		ok = hit;
	}
	free(txt);
	return ok;
}

/* does [s, e) overlap bad media that the namespace badblocks do not cover? (the kernel would consume it) */
static int bad_uncovered(unsigned long long s, unsigned long long e, unsigned long long *where)
{
	int i;
	for (i = 0; i < nbad; i++) {
		unsigned long long a = s > bad[i].start ? s : bad[i].start;
		unsigned long long b = e < bad[i].end ? e : bad[i].end;
		if (a < b && !covered_by_badblocks(a, b)) {
			*where = a;
			return 1;
		}
	}
	return 0;
}

/* would a store to [addr, addr+len) fault a shared file block whose copy (the CoW) reads bad media not in badblocks? */
static int store_copies_poison(struct proc *p, unsigned long long addr, unsigned long long len, unsigned long long *where)
{
	unsigned long long a;
	int i;
	for (a = addr & ~4095ULL; a < addr + len; a += 4096)
		for (i = 0; i < p->nmaps; i++) {
			struct mapping *m = &p->maps[i];
			unsigned long long off;
			long long d;
			if (!m->live || a < m->addr || a >= m->addr + m->len || !strncmp(m->file, "/dev/", 5))
				continue;
			off = m->off + (a - m->addr);
			d = file_phys_off(m->file, off);
			if (d >= 0 && file_off_shared(m->file, off) && bad_uncovered(data_start + d, data_start + d + 4096, where))
				return 1;
		}
	return 0;
}

static void write_sys(const char *path, const char *val, int *err)
{
	int fd = open(path, O_WRONLY);
	*err = 0;
	if (fd < 0) {
		*err = errno;
		return;
	}
	if (write(fd, val, strlen(val)) < 0)
		*err = errno;
	close(fd);
}

static char mce_reply[LINE];

/* ------------------------------------------------------------------- main */

static void run_plan(FILE *plan)
{
	char line[LINE], *tok[64], buf[LINE];
	int stopped = 0, firmware_first = 0;
	while (fgets(line, sizeof line, plan)) {
		int n = split(line, tok, 64);
		if (n == 0 || tok[0][0] == '#')
			continue;
		if (!strcmp(tok[0], "layout") && n >= 3) {
			data_start = read_hex_file(tok[1]);
			ns_start = read_hex_file(tok[2]);
			have_layout = 1;
			rec("layout", "dataStart", 'x', data_start, "nsStart", 'x', ns_start, NULL);
			{
				/* the kernel's zero page (my_zero_pfn): a read of an untouched anonymous private page maps it */
				volatile char *z = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (z != MAP_FAILED) {
					uint64_t e;
					(void)z[0];
					e = pagemap_entry((unsigned long long)(uintptr_t)z);
					if (e >> 63)
						rec("zeropfn", "pfn", 'x', (unsigned long long)(e & ((1ULL << 55) - 1)), NULL);
					munmap((void *)z, 4096);
				}
			}
		} else if (!strcmp(tok[0], "dmlinear") && n >= 4) {
			if (ndm < MAXDM) {
				dmtab[ndm].start = num(tok[1]);
				dmtab[ndm].len = num(tok[2]);
				dmtab[ndm].off = num(tok[3]);
				ndm++;
			}
		} else if (!strcmp(tok[0], "firmware-first")) {
			firmware_first = 1;
		} else if (!strcmp(tok[0], "file") && n >= 4) {
			/* file PATH SIZE FILL [EXTSIZE]: an extent size hint first, for aligned (PMD) placement */
			int fd = open(tok[1], O_CREAT | O_TRUNC | O_WRONLY, 0644);
			long long size = num(tok[2]), o;
			static char chunk[1 << 20];
			int err = 0;
			memset(chunk, (int)num(tok[3]), sizeof chunk);
			if (fd < 0)
				err = errno;
			if (!err && n >= 5 && num(tok[4]) > 0) {
				struct fsxattr fx;
				if (ioctl(fd, FS_IOC_FSGETXATTR, &fx) == 0) {
					fx.fsx_extsize = (unsigned)num(tok[4]);
					fx.fsx_xflags |= FS_XFLAG_EXTSIZE;
					if (ioctl(fd, FS_IOC_FSSETXATTR, &fx) < 0)
						err = errno;
				} else {
					err = errno;
				}
			}
			for (o = 0; !err && o < size; o += sizeof chunk) {
				long long k = size - o < (long long)sizeof chunk ? size - o : (long long)sizeof chunk;
				if (pwrite(fd, chunk, k, o) != k)
					err = errno ? errno : EIO;
			}
			if (!err && fsync(fd))
				err = errno;
			if (fd >= 0)
				close(fd);
			rec("setup", "op", 's', "file", "path", 's', tok[1], "errno", 's', errname(err), NULL);
		} else if (!strcmp(tok[0], "reflink") && n >= 3) {
			int s = open(tok[2], O_RDONLY), d = open(tok[1], O_CREAT | O_TRUNC | O_WRONLY, 0644), err = 0;
			if (s < 0 || d < 0 || ioctl(d, FICLONE, s) < 0 || fsync(d))
				err = errno;
			if (s >= 0)
				close(s);
			if (d >= 0)
				close(d);
			rec("setup", "op", 's', "reflink", "path", 's', tok[1], "errno", 's', errname(err), NULL);
		} else if (!strcmp(tok[0], "clone") && n >= 6) {
			/* clone DST SRC SRCOFF DSTOFF LEN */
			int s = open(tok[2], O_RDONLY), d = open(tok[1], O_WRONLY), err = 0;
			struct file_clone_range r = {s, num(tok[3]), num(tok[5]), num(tok[4])};
			if (s < 0 || d < 0 || ioctl(d, FICLONERANGE, &r) < 0 || fsync(d))
				err = errno;
			if (s >= 0)
				close(s);
			if (d >= 0)
				close(d);
			rec("setup", "op", 's', "clone", "path", 's', tok[1], "errno", 's', errname(err), NULL);
		} else if (!strcmp(tok[0], "run") && n >= 3) {
			/* run KEY CMD: a shell command's output as a record (e.g. xfs_io fsmap) */
			char cmd[LINE];
			snprintf(cmd, sizeof cmd, "%s > /tmp/run.out 2>&1", tok[2]);
			if (system(cmd) < 0)
				rec("note", "key", 's', tok[1], "text", 's', strerror(errno), NULL);
			emit_file(tok[1], "/tmp/run.out");
		} else if (!strcmp(tok[0], "extents") && n >= 2) {
			emit_extents(tok[1]);
		} else if (!strcmp(tok[0], "holdopen") && n >= 2) {
			if (open(tok[1], O_RDONLY) < 0)
				rec("setup", "op", 's', "holdopen", "path", 's', tok[1], "errno", 's', errname(errno), NULL);
		} else if (!strcmp(tok[0], "sysctl") && n >= 3) {
			int err;
			write_sys(tok[1], tok[2], &err);
			rec("setup", "op", 's', "sysctl", "path", 's', tok[1], "errno", 's', errname(err), NULL);
		} else if (!strcmp(tok[0], "traceraw")) {
			int err;
			trace_raw = 1;
			write_sys("/sys/kernel/tracing/options/func_stack_trace", "1", &err);
		} else if (!strcmp(tok[0], "trace")) {
			trace_setup(tok + 1, n - 1);
		} else if (!strcmp(tok[0], "proc") && n >= 5) {
			spawn((int)num(tok[1]), tok[2], tok[3], !strcmp(tok[4], "default"));
		} else if (!strcmp(tok[0], "map") && n >= 9) {
			/* map SPID ID FILE OFF LEN ADDR PROT FLAGS */
			struct proc *p = proc_by_spid((int)num(tok[1]));
			int r = p ? ask(p, buf, sizeof buf, "map %s %s %s %s %s %s %s", tok[2], tok[3], tok[4], tok[5], tok[6],
					tok[7], tok[8])
				  : -1;
			if (r > 0 && !strncmp(buf, "ok ", 3) && p->nmaps < MAXMAP) {
				struct mapping *m = &p->maps[p->nmaps++];
				snprintf(m->id, sizeof m->id, "%s", tok[2]);
				snprintf(m->file, sizeof m->file, "%s", tok[3]);
				m->off = num(tok[4]);
				m->len = num(tok[5]);
				m->addr = strtoull(buf + 3, NULL, 0);
				m->live = 1;
				rec("map", "pid", 'i', (long long)p->spid, "id", 's', tok[2], "addr", 'x', m->addr, "len", 'i',
				    (long long)m->len, "want", 's', tok[6], NULL);
			} else {
				rec("map", "pid", 'i', num(tok[1]), "id", 's', tok[2], "error", 's', r > 0 ? buf : "no reply", NULL);
			}
		} else if (!strcmp(tok[0], "populate") && n >= 4) {
			/* populate SPID ID WRITE */
			struct proc *p = proc_by_spid((int)num(tok[1]));
			int i;
			for (i = 0; p && i < p->nmaps; i++)
				if (!strcmp(p->maps[i].id, tok[2])) {
					ask(p, buf, sizeof buf, "populate 0x%llx %llu %s", p->maps[i].addr, p->maps[i].len, tok[3]);
					rec("populated", "pid", 'i', (long long)p->spid, "id", 's', tok[2], "reply", 's', buf, NULL);
				}
		} else if (!strcmp(tok[0], "pagemaps")) {
			int i, j;
			for (i = 0; i < nprocs; i++)
				for (j = 0; j < procs[i].nmaps; j++) {
					ask(&procs[i], buf, sizeof buf, "pagemap 0x%llx %llu", procs[i].maps[j].addr, procs[i].maps[j].len);
					rec("pagemap", "pid", 'i', (long long)procs[i].spid, "id", 's', procs[i].maps[j].id, "pfns", 's',
					    buf + 3, NULL);
				}
		} else if (!strcmp(tok[0], "begin")) {
			kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
			kmsg_drain("setup", 1);
			{
				int fd = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);
				if (fd >= 0)
					close(fd);
			}
			emit_badblocks("setup");
			rec("begin", NULL);
		} else if (!strcmp(tok[0], "ev") && n >= 3) {
			/* ev ID KIND ARGS... */
			const char *id = tok[1], *kind = tok[2];
			long long ret = 0;
			int ran = 1;
			const char *why = NULL;
			static char whybuf[256];
			struct proc *p = NULL;
			if (stopped) {
				rec("notrun", "event", 's', id, "reason", 's', "an earlier event could not be run", NULL);
				continue;
			}
			if ((!strcmp(kind, "media") || !strcmp(kind, "scrub-mce")) && n >= 5) {
				/* media file PATH OFF LEN | media data OFF LEN | media proc SPID ADDR LEN;
				   scrub-mce (same operands): the media goes bad and the host raises an
				   action-optional machine check (a patrol scrub's SRAO) for its first line */
				long long s = -1, len = 0;
				if (!strcmp(tok[3], "file") && n >= 7) {
					long long d = file_phys_off(tok[4], num(tok[5]));
					s = d < 0 ? -1 : (long long)data_start + d;
					len = num(tok[6]);
				} else if (!strcmp(tok[3], "data")) {
					s = (long long)data_start + num(tok[4]);
					len = num(tok[5]);
				} else if (!strcmp(tok[3], "proc") && n >= 7) {
					struct proc *q = proc_by_spid((int)num(tok[4]));
					s = q ? proc_addr_phys(q, num(tok[5])) : -1;
					len = num(tok[6]);
				}
				if (s < 0 || nbad >= MAXBAD) {
					ran = 0;
					why = "the media-error target has no block in the guest";
				} else {
					bad[nbad].start = s;
					bad[nbad].end = s + len;
					nbad++;
					rec("media", "event", 's', id, "phys", 'x', (unsigned long long)s, "len", 'i', len, NULL);
					if (!strcmp(kind, "scrub-mce")) {
						/* nothing waits in the guest: the decode chain's NFIT notifier adding the
						   badblock (after uc_decode_notifier, by priority) says the record was handled */
						unsigned long long target = (unsigned long long)s & ~63ULL;
						int tries;
						rec("mce-request", "event", 's', id, "phys", 'x', target, "kind", 's', "ao", NULL);
						for (tries = 0; tries < 150 && !covered_by_badblocks(target, target + 64); tries++)
							usleep(200000);
						usleep(500000);
						rec("mce-done", "event", 's', id, "reply", 's', tries < 150 ? "badblock" : "no badblock", NULL);
					}
				}
			} else if (!strcmp(kind, "madvise") && n >= 7) {
				p = proc_by_spid((int)num(tok[3]));
				if (ask(p, buf, sizeof buf, "madvise %s %s %s", tok[4], tok[5], tok[6]) > 0)
					ret = strtoll(buf + 3, NULL, 0);
				else
					ran = 0, why = "the process is gone";
			} else if (!strcmp(kind, "corrupt-file") && n >= 5) {
				/* the pfn behind a file offset, wherever the guest placed the file */
				char v[64];
				int err;
				long long d = file_phys_off(tok[3], num(tok[4]));
				unsigned long long pfn = (data_start + d) >> 12;
				if (d < 0) {
					ran = 0;
					why = "the corrupt-pfn target has no block in the guest";
				} else {
					snprintf(v, sizeof v, "0x%llx", pfn);
					write_sys("/sys/kernel/debug/hwpoison/corrupt-pfn", v, &err);
					ret = -err;
					rec("corrupt", "event", 's', id, "pfn", 'x', pfn, NULL);
				}
			} else if (!strcmp(kind, "corrupt") && n >= 4) {
				char v[64];
				int err;
				unsigned long long pfn = (unsigned long long)((long long)data_start + num(tok[3])) >> 12;
				snprintf(v, sizeof v, "0x%llx", pfn);
				write_sys("/sys/kernel/debug/hwpoison/corrupt-pfn", v, &err);
				ret = -err;
				rec("corrupt", "event", 's', id, "pfn", 'x', pfn, NULL);
			} else if (!strcmp(kind, "unpoison-file") && n >= 5) {
				/* the pfn behind a file offset, wherever the guest placed the file */
				char v[64];
				int err;
				long long d = file_phys_off(tok[3], num(tok[4]));
				unsigned long long pfn = (data_start + d) >> 12;
				if (d < 0) {
					ran = 0;
					why = "the unpoison-pfn target has no block in the guest";
				} else {
					snprintf(v, sizeof v, "0x%llx", pfn);
					write_sys("/sys/kernel/debug/hwpoison/unpoison-pfn", v, &err);
					ret = -err;
					rec("unpoison", "event", 's', id, "pfn", 'x', pfn, NULL);
				}
			} else if (!strcmp(kind, "unpoison") && n >= 4) {
				char v[64];
				int err;
				unsigned long long pfn = (unsigned long long)((long long)data_start + num(tok[3])) >> 12;
				snprintf(v, sizeof v, "0x%llx", pfn);
				write_sys("/sys/kernel/debug/hwpoison/unpoison-pfn", v, &err);
				ret = -err;
				rec("unpoison", "event", 's', id, "pfn", 'x', pfn, NULL);
			} else if ((!strcmp(kind, "load") || !strcmp(kind, "store")) && n >= 6) {
				unsigned long long a = num(tok[4]), len = num(tok[5]), where = 0;
				long long ph;
				p = proc_by_spid((int)num(tok[3]));
				ph = p ? proc_addr_phys(p, a) : -1;
				if (!strcmp(kind, "store") && ph >= 0 && store_copies_poison(p, a, len, &where)) {
					ran = 0;
					snprintf(whybuf, sizeof whybuf,
						 "the store's copy-on-write fault would read poison at 0x%llx in a kernel copy (dax_iomap_copy_around, copy_mc_to_kernel), which QEMU cannot raise",
						 where);
					why = whybuf;
				} else if (!strcmp(kind, "load") && ph >= 0 && overlaps_bad(ph, ph + len, &where)) {
					if (firmware_first) {
						ran = 0;
						why = "the load consumes poison, which under firmware-first reporting arrives through GHES; QEMU's x86 machine has no GHES";
					} else if (ask(p, buf, sizeof buf, "mceload 0x%llx %llu", a, len) > 0) {
						if (!strncmp(buf, "spin ", 5)) {
							unsigned long long gp = strtoull(buf + 5, NULL, 0);
							unsigned long long target = where & ~63ULL;
							if (target < (gp & ~4095ULL) || target >= (gp & ~4095ULL) + 4096)
								target = gp & ~63ULL;
							rec("mce-request", "event", 's', id, "phys", 'x', target, NULL);
							readline_fd(p->fd, mce_reply, sizeof mce_reply);
							ret = strtoll(mce_reply + 3, NULL, 0);
							rec("mce-done", "event", 's', id, "reply", 's', mce_reply, NULL);
						} else {
							ret = strtoll(buf + 3, NULL, 0);
							rec("mce-skipped", "event", 's', id, "reply", 's', buf, NULL);
						}
					} else {
						ran = 0, why = "the process is gone";
					}
				} else if (ask(p, buf, sizeof buf, "%s %s %s", kind, tok[4], tok[5]) > 0) {
					ret = strtoll(buf + 3, NULL, 0);
				} else {
					ran = 0, why = "the process is gone";
				}
			} else if (!strcmp(kind, "rw") && n >= 10) {
				/* ev ID rw SPID read|write PATH OFF LEN DIRECT FILL */
				long long off = num(tok[6]), len = num(tok[7]), o;
				unsigned long long where;
				p = proc_by_spid((int)num(tok[3]));
				if (!strcmp(tok[4], "read")) {
					/* a read of bad media not yet in badblocks would consume it in the kernel */
					for (o = off & ~4095LL; o < off + len; o += 4096) {
						long long d = file_phys_off(tok[5], o);
						unsigned long long s = d < 0 ? 0 : data_start + d;
						if (d >= 0 && bad_uncovered(s, s + 4096, &where)) {
							ran = 0;
							snprintf(whybuf, sizeof whybuf,
								 "the read would consume poison at 0x%llx in a kernel copy (copy_mc), which QEMU cannot raise",
								 where);
							why = whybuf;
						}
					}
				} else {
					/* a DAX write to a shared block copies the old block first (dax_iomap_copy_around):
					   bad media there not yet in badblocks would be consumed in a kernel copy */
					for (o = off & ~4095LL; o < off + len; o += 4096) {
						long long d = file_phys_off(tok[5], o);
						unsigned long long s = d < 0 ? 0 : data_start + d;
						if (d >= 0 && file_off_shared(tok[5], o) && bad_uncovered(s, s + 4096, &where)) {
							ran = 0;
							snprintf(whybuf, sizeof whybuf,
								 "the copy-on-write would read poison at 0x%llx in a kernel copy (dax_iomap_copy_around, copy_mc_to_kernel), which QEMU cannot raise",
								 where);
							why = whybuf;
						}
					}
				}
				if (ran && n >= 11 && num(tok[10]) && p) {
					/* a write from a buffer in the child's mappings: a buffer page over bad media is
					   consumed by the kernel's copy from user space (MCE_IN_KERNEL_COPYIN), unless it is
					   not present and its bad media is all in badblocks (then the copy's fault fails) */
					unsigned long long ub = num(tok[10]), a;
					for (a = ub & ~4095ULL; ran && a < ub + len; a += 4096) {
						unsigned long long s0 = a > ub ? a : ub, e0 = a + 4096 < ub + len ? a + 4096 : ub + len;
						long long ph = proc_addr_phys(p, s0);
						char pm[LINE];
						int present = ask(p, pm, sizeof pm, "pagemap 0x%llx 4096", a) > 0 && !strncmp(pm, "ok ", 3) && strtoull(pm + 3, NULL, 16) != 0;
						if (ph >= 0 && overlaps_bad(ph, ph + (e0 - s0), &where) && (present || bad_uncovered(ph, ph + (e0 - s0), &where))) {
							ran = 0;
							snprintf(whybuf, sizeof whybuf,
								 "the copy from the user buffer would consume poison at 0x%llx in the kernel (MCE_IN_KERNEL_COPYIN), which QEMU cannot raise",
								 where);
							why = whybuf;
						}
					}
				}
				if (ran) {
					if (ask(p, buf, sizeof buf, "rw %s %s %s %s %s %s %s", tok[4], tok[5], tok[6], tok[7], tok[8], tok[9], n >= 11 ? tok[10] : "0") > 0)
						ret = strtoll(buf + 3, NULL, 0);
					else
						ran = 0, why = "the process is gone";
				}
			} else if (!strcmp(kind, "punch") && n >= 7) {
				p = proc_by_spid((int)num(tok[3]));
				if (ask(p, buf, sizeof buf, "punch %s %s %s", tok[4], tok[5], tok[6]) > 0)
					ret = strtoll(buf + 3, NULL, 0);
				else
					ran = 0, why = "the process is gone";
			} else if (!strcmp(kind, "unbind")) {
				char *dev = slurp("/run/pfn-dev", NULL), *path = slurp("/run/unbind-path", NULL);
				int err;
				if (dev) {
					char *nl = strchr(dev, '\n');
					if (nl)
						*nl = 0;
				}
				write_sys(path ? path : "/sys/bus/nd/drivers/nd_pmem/unbind", dev ? dev : "", &err);
				ret = -err;
				free(dev);
				free(path);
			} else if (!strcmp(kind, "mmap") && n >= 11) {
				/* ev ID mmap SPID MAPID FILE OFF LEN ADDR PROT FLAGS [POPULATE WRITE] */
				p = proc_by_spid((int)num(tok[3]));
				if (ask(p, buf, sizeof buf, "map %s %s %s %s %s %s %s", tok[4], tok[5], tok[6], tok[7], tok[8], tok[9],
					tok[10]) > 0 &&
				    !strncmp(buf, "ok ", 3)) {
					struct mapping *m = &p->maps[p->nmaps++];
					snprintf(m->id, sizeof m->id, "%s", tok[4]);
					snprintf(m->file, sizeof m->file, "%s", tok[5]);
					m->off = num(tok[6]);
					m->len = num(tok[7]);
					m->addr = strtoull(buf + 3, NULL, 0);
					m->live = 1;
					rec("map", "pid", 'i', (long long)p->spid, "id", 's', tok[4], "addr", 'x', m->addr, "len", 'i',
					    (long long)m->len, "want", 's', tok[8], NULL);
					if (n >= 13 && num(tok[11]))
						ask(p, buf, sizeof buf, "populate 0x%llx %llu %s", m->addr, m->len, tok[12]);
				} else {
					ret = -EINVAL;
				}
			} else if (!strcmp(kind, "munmap") && n >= 5) {
				int i;
				p = proc_by_spid((int)num(tok[3]));
				ask(p, buf, sizeof buf, "unmap %s", tok[4]);
				for (i = 0; p && i < p->nmaps; i++)
					if (!strcmp(p->maps[i].id, tok[4]))
						p->maps[i].live = 0;
			} else if (!strcmp(kind, "exit") && n >= 4) {
				p = proc_by_spid((int)num(tok[3]));
				if (p && p->alive) {
					int st;
					ask(p, buf, sizeof buf, "exit");
					waitpid(p->gpid, &st, 0);
					p->alive = 0;
					p->gpid = -p->gpid;
				}
			} else if (!strcmp(kind, "mcekill") && n >= 5) {
				p = proc_by_spid((int)num(tok[3]));
				if (ask(p, buf, sizeof buf, "mcekill %s", tok[4]) > 0)
					ret = strtoll(buf + 3, NULL, 0);
			} else if (!strcmp(kind, "sysctl") && n >= 5) {
				/* sysctl PATH VALUE [PATH VALUE ...]: in order, the first failure is the result */
				int err = 0;
				for (int t = 3; t + 1 < n && !err; t += 2)
					write_sys(tok[t], tok[t + 1], &err);
				ret = -err;
			} else if (!strcmp(kind, "notrun")) {
				ran = 0;
				why = n >= 4 ? tok[3] : "not runnable";
			} else {
				ran = 0;
				why = "unknown plan command";
			}
			if (!ran) {
				stopped = 1;
				rec("notrun", "event", 's', id, "reason", 's', why, NULL);
				collect(id);
				continue;
			}
			rec("event", "event", 's', id, "ret", 'i', ret, "errno", 's', ret < 0 ? errname((int)-ret) : NULL, NULL);
			collect(id);
		} else if (!strcmp(tok[0], "end")) {
			int i;
			for (i = 0; i < nprocs; i++) {
				struct proc *p = &procs[i];
				if (p->alive) {
					ask(p, buf, sizeof buf, "exit");
				}
			}
			rec("end", NULL);
		}
	}
}

int main(int argc, char **argv)
{
	FILE *plan;
	if (argc >= 4 && !strcmp(argv[1], "emit")) {
		out = argc >= 5 ? fopen(argv[4], "w") : stdout;
		emit_file(argv[2], argv[3]);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "note")) {
		out = argc >= 5 ? fopen(argv[4], "w") : stdout;
		rec("note", "key", 's', argv[2], "text", 's', argv[3], NULL);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: poisonlab PLAN OUT | emit KEY FILE [OUT] | note KEY TEXT [OUT]\n");
		return 2;
	}
	plan = fopen(argv[1], "r");
	out = fopen(argv[2], "w");
	if (!plan || !out) {
		perror("poisonlab");
		return 1;
	}
	setvbuf(out, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	global_seq = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rec("start", NULL);
	run_plan(plan);
	return 0;
}
