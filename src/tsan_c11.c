/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tsan_c11.c - C11 threads over pthreads, for ThreadSanitizer builds only.
 *
 * Debian's librdkafka runs its threads with C11 threads (thrd_create,
 * mtx_lock, cnd_wait...).  glibc implements those by calling its internal
 * pthread functions directly, past the symbols that ThreadSanitizer
 * intercepts, and neither gcc's nor clang's runtime intercepts the C11
 * calls themselves: a thread librdkafka starts has no ThreadSanitizer
 * state, and its first malloc() crashes the process (in the daemon, in
 * mockkafka and in the unit tests that make a Kafka client), and the
 * runtime would not see librdkafka's locks either.  Defined in the program
 * itself, these functions take the place of glibc's for every library
 * (the program's symbols come first), and forward to the pthread calls
 * the runtime does intercept: threads get their state, and the locks and
 * condition variables become the happens-before edges they are.
 *
 * glibc's mtx_t and cnd_t are pthread_mutex_t and pthread_cond_t under
 * another name (same size and alignment; glibc casts them the same way),
 * thrd_t is pthread_t, and a C11 thread's int result travels through the
 * pthread void * result as glibc's own thrd_join() expects it.  Only the
 * calls librdkafka makes are here.  Linked only by --enable-sanitizers
 * lists with "thread" (Makefile.am); no other build has this file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t");
_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t");

struct start {
	thrd_start_t func;
	void *arg;
};

static int result(int r)
{
	if (r == 0)
		return thrd_success;
	if (r == ENOMEM)
		return thrd_nomem;
	if (r == EBUSY)
		return thrd_busy;
	if (r == ETIMEDOUT)
		return thrd_timedout;
	return thrd_error;
}

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;

	free(p);
	return (void *)(intptr_t)s.func(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
	struct start *s = malloc(sizeof(*s));
	int r;

	if (!s)
		return thrd_nomem;
	s->func = func;
	s->arg = arg;
	r = pthread_create((pthread_t *)thr, NULL, trampoline, s);
	if (r != 0)
		free(s);
	return result(r);
}

int thrd_join(thrd_t thr, int *res)
{
	void *value = NULL;
	int r = pthread_join((pthread_t)thr, &value);

	if (r == 0 && res)
		*res = (int)(intptr_t)value;
	return result(r);
}

int thrd_detach(thrd_t thr)
{
	return result(pthread_detach((pthread_t)thr));
}

int mtx_init(mtx_t *mtx, int type)
{
	pthread_mutexattr_t attr;
	int r;

	r = pthread_mutexattr_init(&attr);
	if (r == 0 && (type & mtx_recursive))
		r = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (r == 0)
		r = pthread_mutex_init((pthread_mutex_t *)mtx, &attr);
	pthread_mutexattr_destroy(&attr);
	return result(r);
}

int mtx_lock(mtx_t *mtx)
{
	return result(pthread_mutex_lock((pthread_mutex_t *)mtx));
}

int mtx_trylock(mtx_t *mtx)
{
	return result(pthread_mutex_trylock((pthread_mutex_t *)mtx));
}

int mtx_timedlock(mtx_t *restrict mtx, const struct timespec *restrict ts)
{
	return result(pthread_mutex_timedlock((pthread_mutex_t *)mtx, ts));
}

int mtx_unlock(mtx_t *mtx)
{
	return result(pthread_mutex_unlock((pthread_mutex_t *)mtx));
}

void mtx_destroy(mtx_t *mtx)
{
	pthread_mutex_destroy((pthread_mutex_t *)mtx);
}

int cnd_init(cnd_t *cond)
{
	return result(pthread_cond_init((pthread_cond_t *)cond, NULL));
}

int cnd_signal(cnd_t *cond)
{
	return result(pthread_cond_signal((pthread_cond_t *)cond));
}

int cnd_broadcast(cnd_t *cond)
{
	return result(pthread_cond_broadcast((pthread_cond_t *)cond));
}

int cnd_wait(cnd_t *cond, mtx_t *mtx)
{
	return result(pthread_cond_wait((pthread_cond_t *)cond,
					(pthread_mutex_t *)mtx));
}

int cnd_timedwait(cnd_t *restrict cond, mtx_t *restrict mtx,
		  const struct timespec *restrict ts)
{
	return result(pthread_cond_timedwait((pthread_cond_t *)cond,
					     (pthread_mutex_t *)mtx, ts));
}

void cnd_destroy(cnd_t *cond)
{
	pthread_cond_destroy((pthread_cond_t *)cond);
}
