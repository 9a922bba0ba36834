import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The same-run reference of bench/ab/run.sh: a minimal vertx-web server answering the same
 * address book pages, byte for byte (dumped from Vertdesk before the runs), from memory: a
 * router, BodyHandler, one handler that picks the page by {@code current}. No database, no token
 * check: the floor of what any vertx-web server answering this pull costs.
 *
 *   java -cp vertdesk.jar:. MinimalAb <host> <port> <pages file>
 */
public final class MinimalAb extends VerticleBase {

  private final String host;
  private final int port;
  private final List<String> pages;

  private MinimalAb(String host, int port, List<String> pages) {
    this.host = host;
    this.port = port;
    this.pages = pages;
  }

  @Override
  public Future<?> start() {
    Router r = Router.router(vertx);
    r.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(1 << 20));
    r.post("/api/ab/peers").handler(rc -> {
      int current = Integer.parseInt(rc.queryParams().get("current"));
      rc.response().putHeader("Content-Type", "application/json").end(pages.get(Math.min(current, pages.size()) - 1));
    });
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true))
        .requestHandler(r).listen();
  }

  public static void main(String[] args) throws Exception {
    List<String> pages = Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    vertx.deployVerticle(() -> new MinimalAb(args[0], Integer.parseInt(args[1]), pages),
            new DeploymentOptions().setInstances(1))
        .onSuccess(id -> System.out.println("minimal ab listening on " + args[0] + ":" + args[1]))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
