package dev.pagestore.nvme.portable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.DeviceFile;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortableBlockDeviceTest {
    @TempDir
    Path directory;

    @Test
    void shouldUseDirectIoWithTheStricterOfStatxAndFileStoreAlignment() throws Exception {
        Path file = directory.resolve("device.img");
        try (PortableBlockDevice device = PortableBlockDevice.open(file, DeviceFile.Options.create(1 << 20))) {
            DeviceFile claimed = device.file();
            if (claimed.alignment().directIoSupported()) {
                assertTrue(claimed.channelDirectIo(), device + ": O_DIRECT is available here and must be used");
            }
            long storeBlock = Files.getFileStore(file).getBlockSize();
            assertTrue(device.offsetAlignmentBytes() >= claimed.offsetAlignmentBytes(), device.toString());
            if (claimed.channelDirectIo()) {
                assertEquals(0, device.offsetAlignmentBytes() % storeBlock, device.toString());
                assertEquals(0, device.memoryAlignmentBytes() % storeBlock, device.toString());
            }
            assertEquals(1 << 20, device.capacityBytes());
            assertTrue(device.supportsWriteZeroes());
        }
    }
}
