import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The same-run reference of bench/api/run.sh: the least a vertx-web JSON endpoint does (a router,
 * the body read by BodyHandler, one handler answering {}), on one event loop like the api verticle.
 *
 *   java -cp vertdesk.jar:. MinimalApi <host> <port>
 */
public final class MinimalApi extends VerticleBase {

  private final String host;
  private final int port;

  private MinimalApi(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router r = Router.router(vertx);
    r.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(1 << 20));
    r.post("/api/heartbeat").handler(rc -> rc.response().putHeader("Content-Type", "application/json").end("{}"));
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(r).listen();
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    vertx.deployVerticle(() -> new MinimalApi(args[0], Integer.parseInt(args[1])), new DeploymentOptions().setInstances(1))
        .onSuccess(id -> System.out.println("minimal api listening on " + args[0] + ":" + args[1]))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
