package dev.pagestore.replication;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * What pagestore keeps in ZooKeeper for a replicated store, under {@code /pagestore/stores/STORE_ID}, as short text:
 * <ul>
 *   <li>the store's own znode: its page size and capacity, so a directory of another shape cannot join it, and a
 *       standby is made with them;</li>
 *   <li>{@code primary}: the epoch and the directory that holds it; changed only by compare-and-set on its version,
 *       so two managers cannot both take the same epoch;</li>
 *   <li>{@code ledgers}: the store's ledgers in log order, a line {@code LEDGER_ID EPOCH} each, also changed only by
 *       compare-and-set;</li>
 *   <li>{@code alive}: ephemeral, made by the running primary; it vanishes with the primary's session.</li>
 * </ul>
 * Everything read back is checked: a znode that does not parse is an error naming it.
 */
final class StoreZnodes {
    static final String ROOT = "/pagestore";
    static final String STORES = ROOT + "/stores";

    private StoreZnodes() {
    }

    static String store(UUID storeId) {
        return STORES + "/" + storeId;
    }

    static String primary(UUID storeId) {
        return store(storeId) + "/primary";
    }

    static String ledgers(UUID storeId) {
        return store(storeId) + "/ledgers";
    }

    static String alive(UUID storeId) {
        return store(storeId) + "/alive";
    }

    /** The primary's epoch and the directory ({@code owner}, a directory's own id) that holds it. */
    record Primary(long epoch, UUID owner, String where) {
        byte[] encode() {
            return text("epoch=" + epoch + "\nowner=" + owner + "\nwhere=" + where + "\n");
        }

        static Primary decode(String path, byte[] data) throws IOException {
            Properties p = properties(path, data);
            return new Primary(positive(path, p, "epoch"), uuid(path, p, "owner"), p.getProperty("where", "?"));
        }
    }

    /** One ledger of the store's log, and the epoch of the primary that wrote it. */
    record Ledger(long ledgerId, long epoch) {
    }

    static byte[] encodeLedgers(List<Ledger> ledgers) {
        StringBuilder text = new StringBuilder();
        for (Ledger ledger : ledgers) {
            text.append(ledger.ledgerId()).append(' ').append(ledger.epoch()).append('\n');
        }
        return text(text.toString());
    }

    static List<Ledger> decodeLedgers(String path, byte[] data) throws IOException {
        List<Ledger> ledgers = new ArrayList<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException("two numbers expected");
                }
                long id = Long.parseLong(parts[0]);
                long epoch = Long.parseLong(parts[1]);
                if (id < 0 || epoch < 1 || (!ledgers.isEmpty() && epoch < ledgers.getLast().epoch())) {
                    throw new NumberFormatException("a ledger id >= 0 and epochs >= 1 that never go down expected");
                }
                ledgers.add(new Ledger(id, epoch));
            } catch (NumberFormatException e) {
                throw new IOException(path + ": line '" + line + "' is not LEDGER_ID EPOCH (" + e.getMessage() + ")");
            }
        }
        return ledgers;
    }

    static byte[] encodeShape(StoreShape shape) {
        return text("format=1\npageSizeBytes=" + shape.pageSizeBytes() + "\ncapacityPages=" + shape.capacityPages()
                + "\n");
    }

    static StoreShape decodeShape(String path, byte[] data) throws IOException {
        Properties p = properties(path, data);
        if (!"1".equals(p.getProperty("format"))) {
            throw new IOException(path + ": format '" + p.getProperty("format") + "', this build reads 1");
        }
        long pageSize = positive(path, p, "pageSizeBytes");
        long capacity = positive(path, p, "capacityPages");
        if (pageSize != 4096 && pageSize != 8192 && pageSize != 16384) {
            throw new IOException(path + ": pageSizeBytes=" + pageSize + " is not 4096, 8192 or 16384");
        }
        if (capacity > (1L << 50) / pageSize) {
            throw new IOException(path + ": capacityPages=" + capacity + " is beyond the largest store (1 PiB)");
        }
        return new StoreShape((int) pageSize, capacity);
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static Properties properties(String path, byte[] data) throws IOException {
        if (data == null) {
            throw new IOException(path + " has no data");
        }
        Properties p = new Properties();
        p.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
        return p;
    }

    private static long positive(String path, Properties p, String key) throws IOException {
        try {
            long value = Long.parseLong(p.getProperty(key, ""));
            if (value < 1) {
                throw new NumberFormatException("not positive");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IOException(path + ": " + key + "='" + p.getProperty(key) + "' is not a positive number");
        }
    }

    private static UUID uuid(String path, Properties p, String key) throws IOException {
        try {
            return UUID.fromString(p.getProperty(key, ""));
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + key + "='" + p.getProperty(key) + "' is not a UUID");
        }
    }
}
