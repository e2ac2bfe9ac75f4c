package dev.pagestore.bench.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The {@link ArrayBlockingQueue} peer: one producer, one consumer thread that drains in batches, in one process. The
 * descriptors are preallocated and recycled, so the figure is the queue's cost, not the allocator's.
 */
final class BlockingQueuePeer implements AutoCloseable {
    private final ArrayBlockingQueue<long[]> queue;
    private final long[][] pool;
    private final Thread consumer;
    private volatile boolean running = true;
    private int next;

    BlockingQueuePeer(int capacity) {
        queue = new ArrayBlockingQueue<>(capacity);
        pool = new long[capacity * 2][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new long[8];
        }
        consumer = new Thread(this::drain, "abq-consumer");
        consumer.setDaemon(true);
        consumer.start();
    }

    private void drain() {
        List<long[]> batch = new ArrayList<>(256);
        while (running) {
            try {
                long[] first = queue.take();
                batch.add(first);
                queue.drainTo(batch, 255);
                batch.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Puts {@code batch} descriptors, blocking while the queue is full. */
    void publish(int batch, long value) throws InterruptedException {
        for (int i = 0; i < batch; i++) {
            long[] d = pool[next];
            next = (next + 1) % pool.length;
            d[0] = value;
            queue.put(d);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.interrupt();
        consumer.join(5000);
    }
}
