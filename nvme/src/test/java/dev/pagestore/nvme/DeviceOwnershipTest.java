package dev.pagestore.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.nvme.portable.PortableBlockDevice;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device has one owning process: a second opener is refused with the owner's pid. */
class DeviceOwnershipTest {
    @TempDir
    Path directory;

    /** Child process: opens the device and holds it until told to exit. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (PortableBlockDevice device = PortableBlockDevice.open(Path.of(args[0]),
                    DeviceFile.Options.create(1 << 20))) {
                System.out.println("OPEN " + ProcessHandle.current().pid() + " " + device.file());
                System.in.read();
            }
        }
    }

    @Test
    @SuppressWarnings("try")
    void shouldRefuseASecondOpenerInAnotherProcessNamingTheOwnersPid() throws Exception {
        Path file = directory.resolve("device.img");
        try (ChildJvm child = ChildJvm.start(Holder.class, file.toString())) {
            String line = child.awaitLineStartingWith("OPEN ", Duration.ofSeconds(60));
            DeviceInUseException e = assertThrows(DeviceInUseException.class,
                    () -> PortableBlockDevice.open(file, DeviceFile.Options.existing()));
            assertTrue(e.getMessage().contains("pid " + child.pid()), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(line.contains(String.valueOf(child.pid())), line);
            child.send("exit");
            assertEquals(0, child.awaitExit(Duration.ofSeconds(30)));
        }
        // The owner is gone: the device can be opened again.
        try (PortableBlockDevice device = PortableBlockDevice.open(file, DeviceFile.Options.existing())) {
            assertEquals(1 << 20, device.capacityBytes());
        }
    }

    @Test
    @SuppressWarnings("try")
    void shouldRefuseASecondOpenerInThisProcess() throws Exception {
        Path file = directory.resolve("device.img");
        try (PortableBlockDevice first = PortableBlockDevice.open(file, DeviceFile.Options.create(1 << 20))) {
            DeviceInUseException e = assertThrows(DeviceInUseException.class,
                    () -> PortableBlockDevice.open(file, DeviceFile.Options.existing()));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    @SuppressWarnings("try")
    void shouldRefuseASecondSimulatedDeviceOnTheSameBackingFile() throws Exception {
        Path file = directory.resolve("sim.img");
        try (SimulatedNvmeDevice first = SimulatedNvmeDevice.builder().capacityBytes(1 << 20).backingFile(file)
                .build()) {
            DeviceInUseException e = assertThrows(DeviceInUseException.class,
                    () -> SimulatedNvmeDevice.builder().capacityBytes(1 << 20).backingFile(file).build());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void shouldReportDirectIoGeometryOfARegularFile() throws Exception {
        Path file = directory.resolve("device.img");
        try (DeviceFile device = DeviceFile.open(file, DeviceFile.Options.create(3 * 4096 + 100))) {
            assertEquals(false, device.isBlockDevice());
            assertTrue(device.memoryAlignmentBytes() > 0 && device.offsetAlignmentBytes() > 0, device.toString());
            assertEquals(0, device.capacityBytes() % device.offsetAlignmentBytes(), device.toString());
            assertTrue(device.capacityBytes() >= 3 * 4096, device.toString());
            if (device.alignment().directIoSupported()) {
                assertTrue(device.directIo(), device.toString());
                int fd = device.openDescriptor();
                assertTrue(fd >= 0, "open O_DIRECT: " + fd);
                dev.pagestore.ipc.linux.LibcFiles.close(fd);
            }
            assertEquals(file.toAbsolutePath() + ".lock", device.lockFile().toString());
        }
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> DeviceFile.open(directory.resolve("missing"), DeviceFile.Options.existing()));
        assertThrows(java.io.IOException.class, () -> DeviceFile.open(directory, DeviceFile.Options.existing()));
        assertTrue(Files.exists(file));
    }
}
