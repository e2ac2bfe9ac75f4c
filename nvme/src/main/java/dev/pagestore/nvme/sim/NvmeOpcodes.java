package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.IoOpcode;

/** NVM command set I/O opcodes (NVM Command Set Specification 1.0, figure 20) the simulator implements. */
public final class NvmeOpcodes {
    public static final int FLUSH = 0x00;
    public static final int WRITE = 0x01;
    public static final int READ = 0x02;
    public static final int WRITE_ZEROES = 0x08;

    private NvmeOpcodes() {
    }

    public static boolean isKnown(int opcode) {
        return opcode == FLUSH || opcode == WRITE || opcode == READ || opcode == WRITE_ZEROES;
    }

    public static int of(IoOpcode opcode) {
        return switch (opcode) {
            case READ -> READ;
            case WRITE -> WRITE;
            case FLUSH -> FLUSH;
            case WRITE_ZEROES -> WRITE_ZEROES;
        };
    }

    public static String name(int opcode) {
        return switch (opcode) {
            case FLUSH -> "FLUSH";
            case WRITE -> "WRITE";
            case READ -> "READ";
            case WRITE_ZEROES -> "WRITE_ZEROES";
            default -> "opcode 0x" + Integer.toHexString(opcode);
        };
    }
}
