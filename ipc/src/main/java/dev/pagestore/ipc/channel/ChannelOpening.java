package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.linux.MappedRegion;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProtocolException;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link Channel}'s memory enters the channel protocol on each side. The manager reserves the region, writes the
 * header and formats both rings, takes the {@link Lifeline}, and publishes {@code CREATED} last, with a release store.
 * The worker maps the region, validates every header field against what the control plane announced, and claims the
 * channel by moving the state {@code CREATED -> ATTACHED} with one compare-and-exchange (so a second attacher fails,
 * naming the first), then records itself as the attacher.
 *
 * <p>On any failure the region is closed before the exception leaves (the manager also unlinks a named region it
 * created), so a failed open holds nothing. Thread safety: stateless.
 */
final class ChannelOpening {
    private ChannelOpening() {
    }

    /** Manager side: a named {@code /dev/shm} channel in {@code directory}. */
    static Channel createNamed(Path directory, String name, ChannelParameters parameters, WaitStrategy waitStrategy)
            throws IOException {
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        ChannelDescriptor.Layout layout = ChannelDescriptor.layoutOf(parameters);
        SharedMemoryRegion region = SharedMemoryRegion.create(directory, name, layout.totalSizeBytes());
        boolean success = false;
        try {
            Channel channel = format(region, parameters, layout, waitStrategy);
            success = true;
            return channel;
        } finally {
            if (!success) {
                region.unlink();  // format closed the region
            }
        }
    }

    /** Manager side: a channel in a sealed anonymous memfd named {@code label}. */
    static Channel createSealed(String label, ChannelParameters parameters, WaitStrategy waitStrategy)
            throws IOException {
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        ChannelDescriptor.Layout layout = ChannelDescriptor.layoutOf(parameters);
        return format(MemfdRegion.create(label, layout.totalSizeBytes(), MemfdRegion.SIZE_SEALS), parameters, layout,
                waitStrategy);
    }

    /** Worker side: the named {@code /dev/shm} channel {@code name} in {@code directory}. */
    static Channel attachNamed(Path directory, String name, ChannelParameters expected, WaitStrategy waitStrategy)
            throws IOException {
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        SharedMemoryRegion region;
        try {
            region = SharedMemoryRegion.attach(directory, name);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            if (Files.size(directory.resolve(name)) == 0) {
                throw new ChannelFormatException(ChannelFormatException.Reason.TRUNCATED, "channel " + name
                        + " is truncated: expected at least a " + ChannelDescriptor.HEADER_SIZE_BYTES
                        + "-byte header, found an empty file", e);
            }
            throw e;
        }
        return open(region, name, expected, waitStrategy);
    }

    /** Worker side: the sealed memfd channel {@code descriptor}, which this call owns and closes. */
    static Channel attachSealed(int descriptor, String label, ChannelParameters expected, WaitStrategy waitStrategy)
            throws IOException {
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        MemfdRegion region = MemfdRegion.map(descriptor, label, MemfdRegion.SIZE_SEALS, true);
        return open(region, label, expected, waitStrategy);
    }

    /** Formats a new channel in {@code region}; on failure the region is closed (a name it has stays). */
    private static Channel format(MappedRegion region, ChannelParameters parameters, ChannelDescriptor.Layout layout,
            WaitStrategy waitStrategy) throws IOException {
        boolean success = false;
        try {
            MemorySegment segment = region.segment();
            ChannelDescriptor.writeHeader(segment, parameters, layout, ProcessIdentity.current());
            RingDescriptor.format(segment.asSlice(layout.requestRingOffset()), parameters.requestRingCapacity(),
                    RequestDescriptor.SIZE_BYTES);
            RingDescriptor.format(segment.asSlice(layout.completionRingOffset()),
                    parameters.completionRingCapacity(), CompletionDescriptor.SIZE_BYTES);
            Channel channel = new Channel(region, Channel.Role.MANAGER, parameters, waitStrategy);
            Lifeline.hold(segment);
            channel.lifelineHeld();
            // Release, last: a worker that reads CREATED with an acquire load sees every field written above.
            OrderedAccess.setIntRelease(segment, ChannelDescriptor.STATE_OFFSET, ChannelDescriptor.STATE_CREATED);
            success = true;
            return channel;
        } finally {
            if (!success) {
                region.close();  // the caller removes a name, if the region has one
            }
        }
    }

    private static Channel open(MappedRegion region, String name, ChannelParameters expected,
            WaitStrategy waitStrategy) throws IOException {
        boolean success = false;
        try {
            MemorySegment segment = region.segment();
            ChannelParameters parameters = ChannelDescriptor.checkHeader(segment, name, expected);
            Channel channel;
            try {
                channel = new Channel(region, Channel.Role.WORKER, parameters, waitStrategy);
            } catch (RingProtocolException e) {
                throw new ChannelFormatException(ChannelFormatException.Reason.CORRUPT, "channel " + name
                        + " has a corrupt ring: " + e.getMessage(), e);
            }
            int previous = OrderedAccess.compareAndExchangeInt(segment, ChannelDescriptor.STATE_OFFSET,
                    ChannelDescriptor.STATE_CREATED, ChannelDescriptor.STATE_ATTACHED);
            if (previous != ChannelDescriptor.STATE_CREATED) {
                throw new ChannelFormatException(ChannelFormatException.Reason.WRONG_STATE, "channel " + name
                        + ": expected state CREATED (open for attach), found " + ChannelDescriptor.stateName(previous)
                        + ChannelDescriptor.attacher(segment).map(id -> " (attached by " + id + ")").orElse(""));
            }
            ChannelDescriptor.writeAttacher(segment, ProcessIdentity.current());
            success = true;
            return channel;
        } finally {
            if (!success) {
                region.close();
            }
        }
    }
}
