package dev.vertdesk.config;

/**
 * The audit records of the API server ({@code audit}).
 *
 * @param retentionDays     records (connections, files, alarms, console operations, logins) older
 *                          than this are deleted by the hourly clean-up
 * @param linkWindowSeconds how far apart in time a device's connection record and the server's
 *                          punch or relay session for that device may be and still be linked; a
 *                          server session nobody posted a record for within this time becomes a
 *                          connection record of its own
 */
public record AuditConfig(int retentionDays, int linkWindowSeconds) {

  static AuditConfig from(ConfigBlock c) {
    return new AuditConfig(
        c.integer("retentionDays", 1, 36_500),
        c.integer("linkWindowSeconds", 1, 3600));
  }
}
