package dev.jot.sinkhorn;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads for the parallel loops of one solve: the calling thread and {@code threads − 1}
 * workers that stay alive between loops. A loop's items are handed out one at a time from a shared counter,
 * so a thread that falls behind (the machine is busy) takes fewer of them; which thread runs an item never
 * changes what the item computes, so results do not depend on the number of threads.
 *
 * <p>Between loops a worker spins for a short while (a Sinkhorn iteration hands out work twice, with only
 * O(n + m) serial work between) and then parks; waking a parked thread costs tens of microseconds, which is
 * what a fork/join pool pays at every loop and what keeps small iterations from scaling.
 */
final class Team implements AutoCloseable {
    /** How long a worker spins for the next loop before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private IntConsumer task;
    private int count;
    private volatile Throwable failure;

    Team(int threads) {
        workers = new Thread[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            Thread t = new Thread(this::workerLoop, "jot-sweep-" + (w + 1));
            t.setDaemon(true);
            workers[w] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    /** Runs {@code task} for every item in [0, count) on the team and returns when all are done. */
    void run(int count, IntConsumer task) {
        if (count <= 0) {
            return;
        }
        if (count == 1 || workers.length == 0) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
            return;
        }
        this.task = task;
        this.count = count;
        next.set(0);
        failure = null;
        pending.set(workers.length);
        generation++; // the volatile write publishes task and count to the workers
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        try {
            work(task, count);
        } catch (RuntimeException | Error e) {
            next.set(count); // the others stop taking items
            awaitWorkers();
            throw e;
        }
        awaitWorkers();
        Throwable f = failure;
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }

    private void awaitWorkers() {
        long spins = 0;
        while (pending.get() != 0) {
            if (++spins < 1_000_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void work(IntConsumer t, int n) {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            t.accept(i);
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            long start = System.nanoTime();
            int g;
            while ((g = generation) == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 10_000_000);
                }
            }
            if (closed) {
                return;
            }
            seen = g;
            try {
                work(task, count);
            } catch (Throwable e) {
                failure = e;
                next.set(Integer.MAX_VALUE / 2);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
