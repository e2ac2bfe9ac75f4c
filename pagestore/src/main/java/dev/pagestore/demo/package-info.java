/**
 * {@code pagestore demo}: {@link dev.pagestore.demo.DemoRun} drives a manager process and
 * {@link dev.pagestore.demo.DemoWorker} processes (started with this JVM's {@code java} and class path), kills the
 * manager with SIGKILL midway, restarts it and verifies every page against the workers' acknowledged writes
 * ({@link dev.pagestore.demo.PageStamp} images). Uses the client, the cache and the status region; starts the manager
 * only as a separate process, by its command line.
 */
package dev.pagestore.demo;
