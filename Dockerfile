# syntax=docker/dockerfile:1
# The task service in a container: the same jar and conf/ as the README's run command
# (`./mvnw -B -q package -DskipTests`, then `java @conf/jvm.options -jar target/vertx-asyncio.jar` in a directory with conf/).
#
#   docker build -t vertx-asyncio .
#   docker run --rm -p 8080:8080 vertx-asyncio
#   docker run --rm -p 9090:9090 -e HTTP_PORT=9090 -e LIMITS_PENDING_MAX=50 vertx-asyncio
#   docker run --rm -p 8080:8080 -v "$PWD/conf:/app/conf:ro" vertx-asyncio     # your own conf/ (its http.port holds)
#   docker run -p 8080:8080 -v vertx-asyncio-data:/app/data vertx-asyncio         # tasks kept across restarts
#
# The ENTRYPOINT and HEALTHCHECK commands are run outside Docker, against the real jar, by ContainerIT.

# ---- build: the image's own Maven and JDK (no wrapper download); the dependency layer first ----
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -q package -DskipTests

# ---- run: a JRE, as a non-root user ----
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
 && mkdir -p /app/data && chown app:app /app/data
WORKDIR /app
COPY --from=build /src/target/vertx-asyncio.jar /app/vertx-asyncio.jar
COPY conf /app/conf
COPY conf/jvm.options /app/jvm.options
USER app:app
# the task store (store.path "data": /app/data/tasks.db); a volume, so accepted tasks outlive the container.
# A host directory mounted here must be writable by uid 10001 (chown -R 10001 DIR), or run with --user.
VOLUME ["/app/data"]
# No HTTP_PORT here: the environment wins over conf/config.json, and would override a mounted conf/'s port.
ENV JAVA_OPTS=""
EXPOSE 8080
# /ready through bash's /dev/tcp (no curl needed), on the port the service listens on: HTTP_PORT when set,
# else conf/config.json's http.port, else 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "port=${HTTP_PORT:-}; if [[ -z $port && $(< conf/config.json) =~ '\"http.port\"'[[:space:]]*:[[:space:]]*([0-9]+) ]]; then port=${BASH_REMATCH[1]}; fi; exec 3<>/dev/tcp/127.0.0.1/${port:-8080} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# docker stop sends SIGTERM, then SIGKILL after its grace period (10 s unless --stop-timeout or -t says
# otherwise): shutdown.timeout (8 s in conf/config.json) fits inside it. A longer shutdown.timeout needs
# a longer grace: docker run --stop-timeout <shutdown.timeout + 5>.
STOPSIGNAL SIGTERM
# exec: java becomes PID 1 and receives SIGTERM itself (graceful shutdown, exit status 0). The JVM's options
# are conf/jvm.options, as the README's run command has them (ZGC: pauses under a millisecond where G1's grow
# with the tasks pending); a mounted conf/ without that file gets the image's copy, /app/jvm.options (its WORKDIR).
# JAVA_OPTS come after them, so that they win.
ENTRYPOINT ["sh", "-c", "opts=conf/jvm.options; [ -f \"$opts\" ] || opts=jvm.options; exec java \"@$opts\" $JAVA_OPTS -jar vertx-asyncio.jar \"$@\"", "vertx-asyncio"]
CMD ["conf/config.json"]
