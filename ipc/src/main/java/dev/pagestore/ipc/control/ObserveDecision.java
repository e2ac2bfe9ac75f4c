package dev.pagestore.ipc.control;

/** What an {@link AttachHandler} answers to OBSERVE: an {@link ObserveGrant} or a {@link Refusal}. */
public sealed interface ObserveDecision permits ObserveGrant, Refusal {
}
