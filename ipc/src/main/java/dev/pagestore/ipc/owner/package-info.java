/**
 * The one owner-thread check of every single-owner object in pagestore (queue pairs, io_uring rings, log devices on
 * a queue pair, robust futex lists, a worker's client): {@link dev.pagestore.ipc.owner.SingleOwner}, failing with
 * {@link dev.pagestore.ipc.owner.OwnerThreadException}.
 */
package dev.pagestore.ipc.owner;
