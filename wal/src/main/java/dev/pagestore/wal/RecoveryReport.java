package dev.pagestore.wal;

/**
 * What a recovery scan found.
 *
 * @param redoLsn            where the scan started (the control file's redo point)
 * @param recordsReplayed    valid records read, SEGMENT_END included
 * @param pageImagesScanned  page images in those records (a page written N times counts N times)
 * @param pagesApplied       distinct pages handed to the {@link PageReplayer}, each once with its last image
 * @param bytesScanned       log bytes read and checked, from the redo point to where the scan stopped
 * @param segmentsScanned    segment files read
 * @param lastValidLsn       LSN of the last valid record, or -1 when none followed the redo point
 * @param endLsn             where the log continues: the byte after the last valid record
 * @param stopReason         why the scan stopped
 * @param detail             what exactly was found at the stop point
 * @param scanNanos          wall time of the scan, without the final page application
 */
public record RecoveryReport(long redoLsn, long recordsReplayed, long pageImagesScanned, long pagesApplied,
                             long bytesScanned, long segmentsScanned, long lastValidLsn, long endLsn,
                             StopReason stopReason, String detail, long scanNanos) {
}
