package dev.pagestore.ipc.control;

/** What an {@link AttachHandler} answers to an attach: a {@link AttachGrant} or a {@link Refusal}. */
public sealed interface AttachDecision permits AttachGrant, Refusal {
}
