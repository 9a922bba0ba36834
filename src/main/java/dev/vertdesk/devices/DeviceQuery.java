package dev.vertdesk.devices;

/**
 * A page of the admin device list ({@code GET /api/devices}). The filters are SQL {@code LIKE}
 * patterns matched without regard to case, as RustDesk's admin scripts send them ({@code %} any
 * text, {@code _} one character; {@code rustdesk/rustdesk: res/devices.py}); {@code null} for no
 * filter. For the user, its group and the device group, {@value #NONE} means "none assigned".
 *
 * @param current  1-based page
 * @param pageSize devices per page
 */
public record DeviceQuery(String id, String deviceName, String userName, String groupName, String deviceGroupName,
                          int current, int pageSize) {

  /** The filter value that asks for devices without a user, user group or device group. */
  public static final String NONE = "-";

  long offset() {
    return (long) (current - 1) * pageSize;
  }
}
