package dev.vertdesk.accounts;

/**
 * One {@code POST /api/login} as the client sends it: the password step ({@code type: account})
 * or the second step after {@code email_check} ({@code type: email_code}), which carries the
 * first answer's {@code secret} and a code, and no password.
 *
 * @param code the TOTP or backup code ({@code tfaCode}, else {@code verificationCode})
 */
public record LoginRequest(String type, String username, String password, String code, String secret,
                           boolean autoLogin, ClientDevice device) {

  public static final String ACCOUNT = "account";
  public static final String SECOND_STEP = "email_code";
}
