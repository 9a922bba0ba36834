package dev.vertdesk.devices;

/**
 * What a device's row assigns it, as guids ({@code null} for none): from these and the node's
 * strategy book a heartbeat resolves the device's strategy.
 */
record Assignments(String strategy, String user, String deviceGroup) {

  /** A device without a row in the inventory. */
  static final Assignments NONE = new Assignments(null, null, null);

  static Assignments of(DeviceInventory.Inventoried row) {
    return row == null ? NONE : new Assignments(row.strategyGuid(), row.userGuid(), row.deviceGroupGuid());
  }
}
