# syntax=docker/dockerfile:1
# The task service in a container: the same jar and conf/ as the README's local commands
# (`./mvnw -B -q package -DskipTests`, then `java -jar target/vertx-asyncio.jar` in a directory with conf/).
#
#   docker build -t vertx-asyncio .
#   docker run --rm -p 8080:8080 vertx-asyncio
#   docker run --rm -p 9090:9090 -e HTTP_PORT=9090 -e LIMITS_PENDING_MAX=50 vertx-asyncio
#   docker run --rm -p 8080:8080 -v "$PWD/conf:/app/conf:ro" vertx-asyncio     # your own conf/
#   docker run -p 8080:8080 -v vertx-asyncio-data:/app/data vertx-asyncio         # tasks kept across restarts

# ---- build: Maven + JDK, with the project's wrapper; the dependency layer first ----
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN chmod +x mvnw && ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q package -DskipTests

# ---- run: a JRE, as a non-root user ----
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
 && mkdir -p /app/data && chown app:app /app/data
WORKDIR /app
COPY --from=build /src/target/vertx-asyncio.jar /app/vertx-asyncio.jar
COPY conf /app/conf
USER app:app
# the task store (store.path "data": /app/data/tasks.db); a volume, so accepted tasks outlive the container
VOLUME ["/app/data"]
ENV HTTP_PORT=8080 JAVA_OPTS=""
EXPOSE 8080
# /ready through bash's /dev/tcp: no curl needed in the image
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# exec: java becomes PID 1 and receives SIGTERM itself (graceful shutdown, exit status 0)
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/vertx-asyncio.jar \"$@\"", "vertx-asyncio"]
CMD ["conf/config.json"]
