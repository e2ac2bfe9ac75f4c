package dev.pagestore.torture.loop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The failover loop's timings, broken down the way a failover proceeds: the primary's death noticed (its ZooKeeper
 * session expires and the standby's watch fires), the standby's takeover (fence, tail, new ledger, writes open), and
 * the rest (the clients' re-attach and the first write). The first two come from the standby's log, whose lines start
 * with the local time of day to the millisecond.
 */
final class FailoverTimes {
    private static final Pattern GONE =
            Pattern.compile("(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*is gone \\(its ZooKeeper");
    private static final Pattern TAKEOVER = Pattern.compile("\\((\\d+) ms after the old primary was found gone");
    private static final long DAY_MILLIS = Duration.ofDays(1).toMillis();

    private final List<Long> failover = new ArrayList<>();
    private final List<Long> detection = new ArrayList<>();
    private final List<Long> takeover = new ArrayList<>();

    static List<String> names() {
        return List.of("failover ms median", "failover ms p90", "failover ms max", "detection ms median",
                "takeover ms median");
    }

    /**
     * Records one failover of {@code millis}, the primary killed at {@code killedAt} (local time of day), and what
     * the log of the standby that took over says.
     */
    void add(long millis, LocalTime killedAt, Path standbyLog) throws IOException {
        failover.add(millis);
        String log = Files.readString(standbyLog);
        last(GONE, log).map(LocalTime::parse).ifPresent(gone -> detection.add(
                Math.floorMod(Duration.between(killedAt, gone).toMillis(), DAY_MILLIS)));
        last(TAKEOVER, log).map(Long::parseLong).ifPresent(takeover::add);
    }

    void putInto(Map<String, Long> counts) {
        if (!failover.isEmpty()) {
            long[] sorted = sorted(failover);
            counts.put("failover ms median", sorted[sorted.length / 2]);
            counts.put("failover ms p90", sorted[(int) Math.min(sorted.length - 1, sorted.length * 9L / 10)]);
            counts.put("failover ms max", sorted[sorted.length - 1]);
        }
        if (!detection.isEmpty()) {
            counts.put("detection ms median", sorted(detection)[detection.size() / 2]);
        }
        if (!takeover.isEmpty()) {
            counts.put("takeover ms median", sorted(takeover)[takeover.size() / 2]);
        }
    }

    private static long[] sorted(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static Optional<String> last(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        return Optional.ofNullable(found);
    }
}
