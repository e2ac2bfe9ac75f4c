package dev.pagestore.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Request ids name their table entry, and only the current request of an entry answers to its id. */
class PendingTableTest {
    private static Pending read(long page) {
        return new Pending(0, RequestDescriptor.OPCODE_READ, page, null);
    }

    @Test
    void shouldFindARequestByItsIdAndNeverByAStaleOrForgedOne() {
        PendingTable table = new PendingTable(2);
        Pending first = read(1);
        long id = table.register(first);
        assertEquals(id, first.id);
        assertSame(first, table.get(id));
        assertSame(first, table.remove(id));
        assertNull(table.remove(id), "a second completion for the same id finds nothing");
        Pending second = read(2);
        long reused = table.register(second);
        assertNotEquals(id, reused, "the entry is reused under a new id");
        assertNull(table.get(id), "the old id does not reach the entry's new request");
        assertNull(table.get(reused + 1), "an id naming an entry with nothing registered");
        assertNull(table.get(1L << 40 | 0xffff), "an index beyond the table");
        assertNull(table.get(-1), "a negative id");
        assertSame(second, table.get(reused));
    }

    @Test
    void shouldGiveUniqueIdsRefuseBeyondCapacityAndEmptyOnRemoveAll() {
        PendingTable table = new PendingTable(4);
        Set<Long> ids = new HashSet<>();
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < 4; i++) {
                ids.add(table.register(read(i)));
            }
            assertThrows(IllegalStateException.class, () -> table.register(read(9)), "more than the permits");
            assertEquals(4, table.removeAll().size());
            assertEquals(0, table.removeAll().size());
        }
        assertEquals(400, ids.size(), "every id was new");
    }
}
