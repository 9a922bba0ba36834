package dev.vertdesk.accounts;

import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.LoginLog.Result;
import dev.vertdesk.config.AccountsConfig;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.crypto.SealedSecrets;
import dev.vertdesk.crypto.Totp;
import dev.vertdesk.events.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts as the RustDesk client and the console use them: the two-step login (password, then a
 * TOTP or backup code when the user enrolled one, else a code mailed to the user when the e-mail
 * check is on), bearer tokens, logout, TOTP enrolment.
 * Node-scoped: one per node, shared by every API verticle instance. Tokens are looked up in the
 * shared database and cached here for a few seconds; a logout, a disabled user or a reset password
 * is announced on the event bus ({@link Addresses#ACCOUNTS_INVALIDATE}) so every node drops its
 * copy at once.
 */
public final class AccountService {

  private static final Logger LOG = LoggerFactory.getLogger(AccountService.class);
  /** How long a node trusts a token it looked up without asking the database again. */
  static final long CACHE_MILLIS = 30_000;
  static final int CACHE_ENTRIES = 20_000;
  /** The second login step must come within this, and may be tried this often. */
  static final long CHALLENGE_MILLIS = 5 * 60_000;
  static final int CHALLENGE_ATTEMPTS = 5;
  /** A token's last use is written at most this often (the idle expiry does not need more). */
  static final long TOUCH_MILLIS = 5 * 60_000;
  static final int BACKUP_CODES = 10;
  private static final String WRONG_LOGIN = "Wrong username or password";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A principal known to this node, and when it was looked up. */
  private record Cached(Principal principal, long at, long touchedAt) {
  }

  private final Vertx vertx;
  private final AccountsConfig config;
  private final UserStore users;
  private final TokenStore tokens;
  private final LoginLog log;
  private final SealedSecrets secrets;
  private final LoginThrottle throttle;
  private final PasswordDirectory directory;
  private final IdentityStore identities;
  private final LoginMail mail;
  /**
   * Hashed with the same cost as a real password, to answer an unknown name as slowly; made on a
   * worker at the first use, never on the event loop that builds this service.
   */
  private volatile String dummyHash;
  private final Map<String, Cached> cache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };
  private MessageConsumer<JsonObject> invalidations;

  /**
   * @param secrets    seals TOTP secrets; {@code null} when the server has no signing key
   * @param directory  checks the passwords of names without one here (LDAP); {@code null} for none
   * @param identities links directory users to users here
   */
  public AccountService(Vertx vertx, AccountsConfig config, UserStore users, TokenStore tokens, LoginLog log,
                        SealedSecrets secrets, PasswordDirectory directory, IdentityStore identities) {
    this(vertx, config, users, tokens, log, secrets, directory, identities, LoginMail.NONE);
  }

  /** @param mail mails login codes and alarms ({@link LoginMail#NONE} on a node that mails nothing) */
  public AccountService(Vertx vertx, AccountsConfig config, UserStore users, TokenStore tokens, LoginLog log,
                        SealedSecrets secrets, PasswordDirectory directory, IdentityStore identities,
                        LoginMail mail) {
    this.vertx = vertx;
    this.config = config;
    this.users = users;
    this.tokens = tokens;
    this.log = log;
    this.secrets = secrets;
    this.directory = directory;
    this.identities = identities;
    this.mail = mail;
    this.throttle = new LoginThrottle(config);
  }

  /** Listens for other nodes' invalidations; completes once they reach this node. */
  public Future<Void> start() {
    invalidations = vertx.eventBus().consumer(Addresses.ACCOUNTS_INVALIDATE, m -> forget(m.body()));
    return invalidations.completion();
  }

  public Future<Void> stop() {
    return invalidations == null ? Future.succeededFuture() : invalidations.unregister();
  }

  public UserStore users() {
    return users;
  }

  // ------------------------------------------------------------------ login

  /** {@code POST /api/login}: the answer the client expects, or a refusal. */
  public Future<JsonObject> login(LoginRequest req, String ip) {
    long now = System.currentTimeMillis();
    long addressWait = throttle.addressWait(ip, now);
    if (addressWait > 0) {
      return refuse(req.username(), null, ip, Result.THROTTLED, "address", req.device(), tooMany(addressWait));
    }
    return switch (req.type()) {
      case LoginRequest.ACCOUNT -> passwordStep(req, ip, now);
      case LoginRequest.SECOND_STEP -> secondStep(req, ip, now);
      default -> Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "unsupported login type: " + req.type()));
    };
  }

  private Future<JsonObject> passwordStep(LoginRequest req, String ip, long now) {
    String name = req.username();
    if (!User.validName(name) || req.password().isEmpty()
        || req.password().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Argon2id.MAX_PASSWORD_BYTES) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, WRONG_LOGIN));
    }
    String key = User.nameKey(name);
    return users.byName(name).compose(user -> {
      long lockedUntil = user == null ? throttle.unknownNameLockedUntil(key) : user.lockedUntil();
      if (lockedUntil > now) {
        return refuse(name, user, ip, Result.LOCKED, "account", req.device(), tooMany(lockedUntil - now));
      }
      if (directory != null && (user == null || user.passwordHash() == null)) {
        // a local password always wins: the directory never speaks for an account that has one
        return directoryStep(name, user, req, ip, now);
      }
      String hash = user == null || user.passwordHash() == null ? null : user.passwordHash();
      return vertx.executeBlocking(() -> Argon2id.verify(req.password(), hash == null ? dummyHash() : hash), false).compose(ok -> {
        if (!ok || user == null || user.passwordHash() == null) {
          return failedPassword(name, user, ip, req.device(), now);
        }
        return passwordAccepted(user, req, ip, "password", now);
      });
    });
  }

  /** The password was right: the second step when the user enrolled one, else a token. */
  private Future<JsonObject> passwordAccepted(User user, LoginRequest req, String ip, String method, long now) {
    if (!user.enabled()) {
      return refuse(req.username(), user, ip, Result.FAILURE, "disabled", req.device(), method,
          new AccountException(Kind.FORBIDDEN, "This account is disabled"));
    }
    if (user.totpEnabled()) {
      return users.succeeded(user.guid(), user.lastLoginAt())
          .compose(v -> tokens.challenge(user.guid(), req.device().id(), now + CHALLENGE_MILLIS))
          .compose(secret -> log.record(req.username(), user, ip, method, Result.SECOND_FACTOR, "", req.device())
              .map(v -> new JsonObject()
                  .put("type", "email_check")
                  .put("tfa_type", "tfa_check")
                  .put("secret", secret)
                  // the second step takes its username from here (the client sends no password then)
                  .put("user", new JsonObject().put("name", user.name()).put("email", user.email()))));
    }
    return emailCheck(user).compose(needed -> needed ? emailStep(user, req, ip, method, now)
        : loggedIn(user, req.device(), ip, method, now));
  }

  // ------------------------------------------------------------------ e-mail login codes

  /** The second step's code mailed to the user is this many digits, as the client's dialog takes it. */
  static final int EMAIL_CODE_DIGITS = 6;

  /**
   * Whether this login needs a mailed code: when the node mails, and the user turned the check on
   * (or an admin did), or the node requires it of everyone with an address. A user whose check is
   * on but who has no address is refused (failing open would let anyone past who made an admin
   * clear the address); the node-wide rule leaves out users without one (the first admin has none).
   */
  private Future<Boolean> emailCheck(User user) {
    if (!mail.sends()) {
      return Future.succeededFuture(false);
    }
    boolean hasAddress = user.email() != null && !user.email().isBlank();
    return users.emailCheck(user.guid()).compose(on -> {
      if (on && !hasAddress) {
        return Future.failedFuture(new AccountException(Kind.FORBIDDEN,
            "E-mail verification is on for this account, but it has no e-mail address; ask an administrator"));
      }
      return Future.succeededFuture(on || (mail.codeForAll() && hasAddress));
    });
  }

  /**
   * The e-mail step: a challenge holding the code's hash, the code mailed, and the client's
   * {@code email_check} answer (its dialog shows {@code user.email}, masked here for whoever only
   * knows the password). The login's failure count is not reset until the code is right, so wrong
   * codes count towards the delay and the lockout like wrong passwords.
   */
  private Future<JsonObject> emailStep(User user, LoginRequest req, String ip, String method, long now) {
    String code = digits(EMAIL_CODE_DIGITS);
    return tokens.challenge(user.guid(), req.device().id(), now + mail.codeMillis(), code)
        .compose(secret -> mail.loginCode(user, code, req.device(), ip).transform(sent -> sent.succeeded()
            ? log.record(req.username(), user, ip, method, Result.SECOND_FACTOR, "email", req.device())
                .map(v -> new JsonObject()
                    .put("type", "email_check")
                    .put("tfa_type", "email_check")
                    .put("secret", secret)
                    .put("user", new JsonObject().put("name", user.name()).put("email", masked(user.email()))))
            : tokens.endChallenge(secret).transform(x -> refuse(req.username(), user, ip, Result.FAILURE, "mail",
                req.device(), method, sent.cause() instanceof AccountException e ? e
                    : new AccountException(Kind.UNAVAILABLE, "The verification e-mail could not be sent; try again later")))));
  }

  /** The second step of an e-mail challenge: the code, within the account's throttle. */
  private Future<JsonObject> emailCode(User user, String expectedHash, LoginRequest req, String ip, long now) {
    if (user.lockedUntil() > now) {
      return refuse(user.name(), user, ip, Result.LOCKED, "account", req.device(), tooMany(user.lockedUntil() - now));
    }
    String c = req.code().strip();
    boolean right = c.length() == EMAIL_CODE_DIGITS && c.chars().allMatch(ch -> ch >= '0' && ch <= '9')
        && MessageDigest.isEqual(TokenStore.codeHash(req.secret(), c).getBytes(StandardCharsets.US_ASCII),
            expectedHash.getBytes(StandardCharsets.US_ASCII));
    if (right) {
      return tokens.endChallenge(req.secret()).compose(v -> loggedIn(user, req.device(), ip, "email", now));
    }
    throttle.addressFailed(ip, now);
    int failures = user.failedLogins() + 1;
    return users.failed(user.guid(), failures, throttle.lockedUntil(failures, now)).compose(v -> {
      if (failures >= config.lockoutFailures()) {
        mail.lockedOut(user, ip, failures);
      }
      return refuse(user.name(), user, ip, Result.SECOND_FACTOR_FAILURE, "code", req.device(),
          new AccountException(Kind.UNAUTHORIZED, "Wrong verification code"));
    });
  }

  /** {@code alice@example.org} as {@code a***@example.org}: enough to recognise, not to learn. */
  static String masked(String email) {
    int at = email.indexOf('@');
    return at <= 0 ? "***" : email.charAt(0) + "***" + email.substring(at);
  }

  private static String digits(int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append((char) ('0' + RANDOM.nextInt(10)));
    }
    return b.toString();
  }

  /** The user turns the e-mail login check on: the node must mail, and the user have an address. */
  public Future<Void> enableEmailCheck(User signedIn) {
    return fresh(signedIn).compose(user -> {
      if (!mail.sends()) {
        return Future.failedFuture(new AccountException(Kind.CONFLICT, "this server does not send e-mail"));
      }
      if (user.email() == null || user.email().isBlank()) {
        return Future.failedFuture(new AccountException(Kind.CONFLICT,
            "this account has no e-mail address to send login codes to; ask an administrator"));
      }
      return users.setEmailCheck(user.guid(), true);
    });
  }

  /**
   * The user turns the e-mail login check off, proving it with the password (a stolen session
   * alone must not remove it). Users without a password here ask an admin.
   */
  public Future<Void> disableEmailCheck(User signedIn, String password, String ip) {
    return fresh(signedIn).compose(user -> {
      if (user.passwordHash() == null) {
        return Future.failedFuture(new AccountException(Kind.CONFLICT,
            "this account has no password here; ask an administrator"));
      }
      long now = System.currentTimeMillis();
      long wait = throttle.addressWait(ip, now);
      if (wait > 0) {
        return Future.failedFuture(tooMany(wait));
      }
      String given = password == null ? "" : password;
      return vertx.executeBlocking(() -> !given.isEmpty()
              && given.getBytes(StandardCharsets.UTF_8).length <= Argon2id.MAX_PASSWORD_BYTES
              && Argon2id.verify(given, user.passwordHash()), false)
          .compose(ok -> {
            if (!ok) {
              throttle.addressFailed(ip, now);
              return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "Wrong password"));
            }
            return users.setEmailCheck(user.guid(), false);
          });
    });
  }

  // ------------------------------------------------------------------ directory (LDAP) logins

  private static final String METHOD_DIRECTORY = "ldap";

  /**
   * A name without a password here, checked by the directory. A wrong password is answered and
   * counted exactly like a wrong local one (after as long as an Argon2id check, so the time
   * does not tell a local account from a directory user either).
   */
  private Future<JsonObject> directoryStep(String name, User user, LoginRequest req, String ip, long now) {
    return directory.check(name.strip(), req.password()).compose(answer -> switch (answer.result()) {
      case ACCEPTED -> directoryUser(name, user, answer, req, ip, now);
      case REFUSED -> vertx.executeBlocking(() -> Argon2id.verify(req.password(), dummyHash()), false)
          .compose(x -> failedPassword(name, user, ip, req.device(), now, METHOD_DIRECTORY));
      case BUSY -> refuse(name, user, ip, Result.THROTTLED, "directory-busy", req.device(), METHOD_DIRECTORY,
          new AccountException(Kind.TOO_MANY, "Too many sign-ins at once; try again in a moment"));
      case UNAVAILABLE -> refuse(name, user, ip, Result.FAILURE, "directory-unavailable", req.device(),
          METHOD_DIRECTORY, new AccountException(Kind.UNAVAILABLE,
              "The directory server cannot be reached; try again later"));
    });
  }

  /**
   * The directory accepted the password: the user linked to that entry, else a new one when
   * configured. A name here that belongs to someone else (another entry, or a provider's user)
   * is never taken over.
   */
  private Future<JsonObject> directoryUser(String name, User byName, PasswordDirectory.Answer answer,
                                           LoginRequest req, String ip, long now) {
    String provider = directory.provider();
    return identities.linked(provider, answer.subject()).compose(linked -> {
      if (linked != null && (byName == null || byName.guid().equals(linked.guid()))) {
        return identities.update(linked, answer.email(), answer.displayName(), answer.admin())
            .compose(adminChanged -> adminChanged ? invalidateUser(linked.guid()) : Future.succeededFuture())
            .compose(v -> users.byGuid(linked.guid()))
            .compose(user -> passwordAccepted(user, req, ip, METHOD_DIRECTORY, now));
      }
      if (byName != null || linked != null) {
        return refuse(name, byName, ip, Result.FAILURE, "identity-mismatch", req.device(), METHOD_DIRECTORY,
            new AccountException(Kind.FORBIDDEN, "This name belongs to another account here; ask an administrator"));
      }
      if (!directory.createUsers()) {
        return refuse(name, null, ip, Result.FAILURE, "no-account", req.device(), METHOD_DIRECTORY,
            new AccountException(Kind.FORBIDDEN, "There is no account here for this user; ask an administrator"));
      }
      return identities.create(name, answer.displayName(), answer.email(), answer.admin().orElse(false), provider,
              answer.subject())
          .onSuccess(u -> LOG.info("created user {} at the first directory login", u.name()))
          .compose(user -> passwordAccepted(user, req, ip, METHOD_DIRECTORY, now));
    });
  }

  private Future<JsonObject> failedPassword(String name, User user, String ip, ClientDevice device, long now) {
    return failedPassword(name, user, ip, device, now, "password");
  }

  private Future<JsonObject> failedPassword(String name, User user, String ip, ClientDevice device, long now,
                                            String method) {
    throttle.addressFailed(ip, now);
    Future<Void> counted;
    if (user == null) {
      throttle.unknownNameFailed(User.nameKey(name), now);
      counted = Future.succeededFuture();
    } else {
      int failures = user.failedLogins() + 1;
      counted = users.failed(user.guid(), failures, throttle.lockedUntil(failures, now));
      if (failures >= config.lockoutFailures()) {
        mail.lockedOut(user, ip, failures);
      }
    }
    return counted.compose(v -> refuse(name, user, ip, Result.FAILURE, "password", device, method,
        new AccountException(Kind.UNAUTHORIZED, WRONG_LOGIN)));
  }

  private Future<JsonObject> secondStep(LoginRequest req, String ip, long now) {
    if (req.secret().isEmpty() || req.secret().length() > 256) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "The login expired; sign in again"));
    }
    return tokens.challengeUser(req.secret(), now, CHALLENGE_ATTEMPTS).compose(challenge -> challenge == null
        ? refuse(req.username(), null, ip, Result.SECOND_FACTOR_FAILURE, "challenge", req.device(),
            new AccountException(Kind.UNAUTHORIZED, "The login expired; sign in again"))
        : users.byGuid(challenge.userGuid()).compose(user -> {
          if (user != null && user.enabled() && challenge.codeHash() != null) {
            return emailCode(user, challenge.codeHash(), req, ip, now);
          }
          if (user == null || !user.enabled() || !user.totpEnabled()) {
            return refuse(req.username(), user, ip, Result.SECOND_FACTOR_FAILURE, "account", req.device(),
                new AccountException(Kind.UNAUTHORIZED, "The login expired; sign in again"));
          }
          return checkCode(user, req.code(), now).compose(ok -> {
            if (!ok) {
              throttle.addressFailed(ip, now);
              return refuse(user.name(), user, ip, Result.SECOND_FACTOR_FAILURE, "code", req.device(),
                  new AccountException(Kind.UNAUTHORIZED, "Wrong verification code"));
            }
            return tokens.endChallenge(req.secret()).compose(v -> loggedIn(user, req.device(), ip, "totp", now));
          });
        }));
  }

  /** A TOTP code for a step not used before, or one of the user's backup codes. */
  private Future<Boolean> checkCode(User user, String code, long now) {
    String c = code.replace(" ", "");
    if (c.matches("\\d{" + Totp.DIGITS + "}")) {
      if (secrets == null || user.totpSecret() == null) {
        return Future.succeededFuture(false);
      }
      long step = Totp.accept(secrets.open(user.totpSecret()), c, now, user.totpLastStep());
      return step < 0 ? Future.succeededFuture(false) : users.useTotpStep(user.guid(), step);
    }
    String backup = c.replace("-", "").toLowerCase(Locale.ROOT);
    return backup.length() == 10 ? users.useBackupCode(user.guid(), TokenStore.hash(user.guid() + ":" + backup))
        : Future.succeededFuture(false);
  }

  /**
   * A user a sign-in provider vouched for (single sign-on): a session token for the client's
   * device, as after a password login ({@code method} names the provider in the login log). The
   * provider did the authentication, its own second factor included.
   */
  public Future<JsonObject> providerLogin(User user, ClientDevice device, String ip, String method) {
    if (!user.enabled()) {
      return refuse(user.name(), user, ip, Result.FAILURE, "disabled", device, method,
          new AccountException(Kind.FORBIDDEN, "This account is disabled"));
    }
    return loggedIn(user, device, ip, method, System.currentTimeMillis());
  }

  private Future<JsonObject> loggedIn(User user, ClientDevice device, String ip, String method, long now) {
    long expires = now + TimeUnit.DAYS.toMillis(config.tokenLifetimeDays());
    return users.succeeded(user.guid(), now)
        .compose(v -> tokens.issue(Principal.SESSION, user.guid(), "", "", device.toJson(), expires))
        .compose(token -> log.record(user.name(), user, ip, method, Result.SUCCESS, "", device)
            .onSuccess(v -> mail.signedIn(user, ip, now))
            .map(v -> new JsonObject()
                .put("type", "access_token")
                .put("access_token", token)
                .put("user", user.payload())));
  }

  private Future<JsonObject> refuse(String name, User user, String ip, Result result, String reason,
                                    ClientDevice device, AccountException answer) {
    return refuse(name, user, ip, result, reason, device, "password", answer);
  }

  private Future<JsonObject> refuse(String name, User user, String ip, Result result, String reason,
                                    ClientDevice device, String method, AccountException answer) {
    return log.record(name, user, ip, method, result, reason, device)
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("login log not written: {}", ar.cause().toString());
          }
          return Future.failedFuture(answer);
        });
  }

  private static AccountException tooMany(long waitMillis) {
    long seconds = Math.max(1, (waitMillis + 999) / 1000);
    return new AccountException(Kind.TOO_MANY, "Too many failed logins; try again in " + seconds + " s");
  }

  // ------------------------------------------------------------------ tokens

  /** The principal a bearer token speaks for; fails UNAUTHORIZED for anything else. */
  public Future<Principal> authenticate(String bearer) {
    if (bearer == null || bearer.isEmpty() || bearer.length() > 256) {
      return Future.failedFuture(new AccountException(Kind.UNAUTHORIZED, "Invalid token"));
    }
    String h = TokenStore.hash(bearer);
    long now = System.currentTimeMillis();
    Cached c;
    synchronized (cache) {
      c = cache.get(h);
    }
    if (c != null && now - c.at() < CACHE_MILLIS && c.principal().expiresAt() > now) {
      return Future.succeededFuture(c.principal());
    }
    return tokens.find(h).compose(stored -> {
      long idleMillis = TimeUnit.DAYS.toMillis(config.tokenIdleDays());
      if (stored == null || stored.expiresAt() <= now
          || (Principal.SESSION.equals(stored.kind()) && now - stored.lastUsedAt() > idleMillis)) {
        return Future.failedFuture(new AccountException(Kind.UNAUTHORIZED, "Invalid token"));
      }
      return users.byGuid(stored.userGuid()).compose(user -> {
        if (user == null || !user.enabled()) {
          return Future.failedFuture(new AccountException(Kind.UNAUTHORIZED, "Invalid token"));
        }
        Principal p = new Principal(h, stored.kind(), user, scopes(stored.scopes()), stored.expiresAt());
        boolean touch = now - stored.lastUsedAt() > TOUCH_MILLIS;
        synchronized (cache) {
          cache.put(h, new Cached(p, now, touch ? now : stored.lastUsedAt()));
        }
        return (touch ? tokens.touch(h, now) : Future.<Void>succeededFuture()).map(p);
      });
    });
  }

  /**
   * Whether {@code token} is a client's login (a session of an enabled user, neither expired nor
   * logged out): what signaling asks when logins are required. Fails only when the store cannot
   * be asked; an admin's API token is not a login.
   */
  public Future<Boolean> signedIn(String token) {
    return authenticate(token).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(Principal.SESSION.equals(ar.result().kind()));
      }
      return ar.cause() instanceof AccountException ? Future.succeededFuture(false) : Future.failedFuture(ar.cause());
    });
  }

  private static Set<String> scopes(String text) {
    return text == null || text.isBlank() ? Set.of() : Set.of(text.split(","));
  }

  /** {@code POST /api/logout}: that token only; the user's other sessions stay. */
  public Future<Void> logout(Principal p) {
    return tokens.revoke(p.tokenHash()).compose(v -> invalidate(new JsonObject().put("token", p.tokenHash())));
  }

  /** Every node drops what it cached of a user's tokens (disabled, password changed, signed out). */
  public Future<Void> invalidateUser(String userGuid) {
    return invalidate(new JsonObject().put("user", userGuid));
  }

  private Future<Void> invalidate(JsonObject what) {
    forget(what); // at once here, even before the bus delivers it
    vertx.eventBus().publish(Addresses.ACCOUNTS_INVALIDATE, what);
    return Future.succeededFuture();
  }

  private void forget(JsonObject what) {
    if (what == null) {
      return;
    }
    Object token = what.getValue("token");
    Object user = what.getValue("user");
    synchronized (cache) {
      if (token instanceof String t) {
        cache.remove(t);
      }
      if (user instanceof String u) {
        cache.values().removeIf(c -> c.principal().user() != null && u.equals(c.principal().user().guid()));
      }
    }
  }

  // ------------------------------------------------------------------ TOTP enrolment

  /**
   * Starts TOTP enrolment for the signed-in user: a new secret (sealed in the database) and the
   * {@code otpauth://} URI to scan. Login does not ask for codes until {@link #confirmTotp}.
   */
  public Future<JsonObject> startTotp(User signedIn, String issuer) {
    return fresh(signedIn).compose(user -> startTotpFor(user, issuer));
  }

  /** The user as stored now: a principal's copy may be some seconds old. */
  private Future<User> fresh(User user) {
    return users.byGuid(user.guid()).compose(u -> u == null
        ? Future.failedFuture(new AccountException(Kind.UNAUTHORIZED, "Invalid token")) : Future.succeededFuture(u));
  }

  private Future<JsonObject> startTotpFor(User user, String issuer) {
    if (user.totpEnabled()) {
      // a stolen session must not be able to replace the second factor
      return Future.failedFuture(new AccountException(Kind.CONFLICT, "two-factor login is on: turn it off first"));
    }
    if (secrets == null) {
      return Future.failedFuture(new AccountException(Kind.CONFLICT,
          "this server has no signing key (KEY is a bare public key): two-factor secrets cannot be sealed"));
    }
    String secret = Totp.newSecret();
    return users.startTotp(user.guid(), secrets.seal(secret)).map(v -> new JsonObject()
        .put("secret", secret)
        .put("uri", Totp.uri(issuer, user.name(), secret)));
  }

  /** Confirms enrolment with a first code; answers the backup codes, shown this once only. */
  public Future<JsonObject> confirmTotp(User signedIn, String code) {
    return fresh(signedIn).compose(user -> confirmTotpFor(user, code));
  }

  private Future<JsonObject> confirmTotpFor(User user, String code) {
    if (secrets == null || user.totpSecret() == null) {
      return Future.failedFuture(new AccountException(Kind.CONFLICT, "start the enrolment first"));
    }
    long step = Totp.accept(secrets.open(user.totpSecret()), code == null ? "" : code.trim(),
        System.currentTimeMillis(), user.totpLastStep());
    if (step < 0) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "Wrong verification code"));
    }
    List<String> codes = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < BACKUP_CODES; i++) {
      String c = backupCode();
      codes.add(c.substring(0, 5) + "-" + c.substring(5));
      hashes.add(TokenStore.hash(user.guid() + ":" + c));
    }
    return users.enableTotp(user.guid(), step, hashes)
        .map(v -> new JsonObject().put("backup_codes", new JsonArray(codes)));
  }

  /** The user turns the second factor off, proving it with a current code (or a backup code). */
  public Future<Void> disableTotp(User signedIn, String code) {
    return fresh(signedIn).compose(user -> !user.totpEnabled() ? Future.succeededFuture()
        : checkCode(user, code == null ? "" : code, System.currentTimeMillis()).compose(ok -> ok
            ? resetTotp(user.guid())
            : Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "Wrong verification code"))));
  }

  /** Removes a user's second factor (an admin resetting it, or after {@link #disableTotp}). */
  public Future<Void> resetTotp(String userGuid) {
    return users.disableTotp(userGuid).compose(v -> invalidateUser(userGuid));
  }

  private static String backupCode() {
    String alphabet = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i to misread
    StringBuilder b = new StringBuilder(10);
    for (int i = 0; i < 10; i++) {
      b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** The stand-in hash (blocking: call it on a worker). */
  private String dummyHash() {
    String h = dummyHash;
    if (h == null) {
      h = Argon2id.hash("no such user");
      dummyHash = h;
    }
    return h;
  }
}
