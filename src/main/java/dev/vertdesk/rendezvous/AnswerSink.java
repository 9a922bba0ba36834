package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.RendezvousMessage;

/** The connection of a requester (A) that waits for the other device's answer. */
public interface AnswerSink {

  void deliver(RendezvousMessage message);
}
