package dev.pagestore.replication;

/** A replicated store's page size and capacity: the same in every directory of the store. */
public record StoreShape(int pageSizeBytes, long capacityPages) {
}
