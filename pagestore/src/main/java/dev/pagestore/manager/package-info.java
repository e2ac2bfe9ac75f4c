/**
 * The manager process's core: {@link dev.pagestore.manager.PageStoreManager} owns a data directory, its data file (a
 * {@code BlockDevice} opened by a {@link dev.pagestore.manager.DeviceFactory}), the WAL, the control socket and the
 * status region; {@code Reactor} threads each own one queue pair and serve worker channels. Uses {@code ipc},
 * {@code nvme} and {@code wal}; nothing in here is touched by workers except through shared memory and the socket.
 */
package dev.pagestore.manager;
