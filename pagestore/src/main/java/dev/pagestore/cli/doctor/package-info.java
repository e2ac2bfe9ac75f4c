/**
 * The checks behind {@code pagestore doctor}. Each check is a small class whose {@code of(...)} takes its inputs
 * (paths, limits, a probe result) and returns a {@link dev.pagestore.cli.doctor.Check}; {@code run()} feeds it this
 * machine's values. {@link dev.pagestore.cli.doctor.Doctor} runs them all, turning an unexpected exception into a
 * FAIL line, and {@link dev.pagestore.cli.doctor.DoctorReport} prints the aligned report.
 *
 * <p>May use the Linux FFM layer ({@code dev.pagestore.ipc.linux}); binds nothing native itself (DESIGN.md §7).
 */
package dev.pagestore.cli.doctor;
