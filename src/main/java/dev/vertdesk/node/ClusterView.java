package dev.vertdesk.node;

import java.util.List;
import java.util.function.Consumer;

/** Which nodes make up the cluster, as far as routing needs to know; one node when not clustered. */
public interface ClusterView {

  /** This node's ID (the event-bus node ID when clustered). */
  String self();

  boolean clustered();

  /** True while {@code node} is a member. */
  boolean alive(String node);

  List<String> members();

  /** Called once for every node that leaves, on a Hazelcast or Vert.x thread. */
  void onNodeLeft(Consumer<String> listener);

  /** The view of a node that is not clustered. */
  static ClusterView single(String nodeId) {
    return new ClusterView() {
      @Override
      public String self() {
        return nodeId;
      }

      @Override
      public boolean clustered() {
        return false;
      }

      @Override
      public boolean alive(String node) {
        return nodeId.equals(node);
      }

      @Override
      public List<String> members() {
        return List.of(nodeId);
      }

      @Override
      public void onNodeLeft(Consumer<String> listener) {
        // a single node never sees another leave
      }
    };
  }
}
