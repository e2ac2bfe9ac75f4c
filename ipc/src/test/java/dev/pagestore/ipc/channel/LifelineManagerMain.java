package dev.pagestore.ipc.channel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM for {@link LifelineTest}: a manager that creates channel {@code args[0]}, then keeps {@code args[1]} MiB
 * of touched heap (so that its death takes the kernel a while to clean up, as a loaded manager's does), prints
 * {@code ready} and obeys stdin: {@code close} closes the channel normally and prints {@code closed}.
 */
public final class LifelineManagerMain {
    private LifelineManagerMain() {
    }

    public static void main(String[] args) throws Exception {
        Channel channel = Channel.create(args[0], new ChannelParameters(4096, 16, 16, 16));
        int mebibytes = Integer.parseInt(args[1]);
        byte[][] ballast = new byte[mebibytes * 4][];  // 256 KiB chunks: not humongous, so the heap is used fully
        for (int i = 0; i < ballast.length; i++) {
            ballast[i] = new byte[1 << 18];
            for (int j = 0; j < ballast[i].length; j += 4096) {
                ballast[i][j] = 1;
            }
        }
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("close")) {
                channel.close();
                System.out.println("closed");
            }
        }
        System.out.println("held " + ballast.length / 4 + " MiB");
    }
}
