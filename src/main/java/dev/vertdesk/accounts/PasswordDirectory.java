package dev.vertdesk.accounts;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * A directory that checks the passwords of its users (LDAP, Active Directory), for names that
 * have no password here. The password is never stored.
 */
public interface PasswordDirectory {

  /** What became of one check. */
  enum Result {
    /** The password is right: {@link Answer} carries who it is. */
    ACCEPTED,
    /** No such user, or a wrong password: the answer never tells which. */
    REFUSED,
    /** The directory cannot be reached or refuses to answer (down, misconfigured, timed out). */
    UNAVAILABLE,
    /** Too many checks are under way already. */
    BUSY
  }

  /**
   * @param subject     what identifies the entry for good (entryUUID, objectGUID, else its DN)
   * @param email       its mail address, or empty
   * @param displayName its display name, or empty
   * @param admin       whether it belongs to the admin group; empty when none is configured
   */
  record Answer(Result result, String subject, String email, String displayName, Optional<Boolean> admin) {

    public static Answer of(Result result) {
      return new Answer(result, "", "", "", Optional.empty());
    }
  }

  /** What identities of this directory are recorded under ({@code user_identities.provider}). */
  String provider();

  /** Checks {@code name} and {@code password}; never fails, the answer says what happened. */
  Future<Answer> check(String name, String password);

  /** Whether a directory user without an account here gets one at the first login. */
  boolean createUsers();
}
