/**
 * What manager and client agree on beyond the ipc descriptors: where the control socket is. The request and completion
 * format, with batches and fenced-slot timeouts, is ipc's ({@code dev.pagestore.ipc.ring}).
 */
package dev.pagestore.protocol;
