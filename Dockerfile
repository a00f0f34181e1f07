# syntax=docker/dockerfile:1

# ---- Stage 1: build the jar and split it into Spring Boot layers ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Resolve dependencies first so this layer is reused until pom.xml changes.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline

COPY src ./src
RUN mvn -B -DskipTests package

# Spring Boot 4 tools jarmode: one directory per layer, each holding part of the extracted layout (the application
# jar, whose manifest names its dependencies in lib/). That layout, unlike the launcher's, is what AppCDS needs.
RUN java -Djarmode=tools -jar target/kimicode2api.jar extract --layers --destination extracted

# ---- Stage 2: minimal runtime ----
FROM eclipse-temurin:17-jre

# Fixed numeric UID/GID so Kubernetes runAsNonRoot/runAsUser 10001 can verify it.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app

# One COPY per layer, least to most frequently changing, for better layer reuse.
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./

# Spring AOT mode: the bean definitions that `mvn package` generated are used instead of working them out at start-up.
# AOT fixes the set of beans at build time: routes, their metadata and every setting in the README's table are still
# read at run time (none of them decides whether a bean exists; PackagedJarAotIT checks a sample), but a Spring Boot property that decides whether a bean exists (say, exposing another
# actuator endpoint) needs the normal mode: run the image with JDK_JAVA_OPTIONS="" for that.
ENV JDK_JAVA_OPTIONS="-Dspring.aot.enabled=true"

# AppCDS: a training run (src/main/docker/cds-training-run.sh) starts the gateway, sends it a few requests of every
# kind and stops it with SIGTERM; the JVM dumps every class it loaded into app.jsa. Nothing outside the container is
# contacted. It must run here, with the very JVM, class path and mode of the runtime; a JVM that cannot use the
# archive ignores it and starts normally. Measured on a 2-core machine (docs/performance.md): AppCDS and AOT together
# start in less than half the fat jar's time.
COPY src/main/docker/cds-training-run.sh /tmp/
# A fixed heap for the training run: on a build host with a very large RAM the default heap would turn compressed
# pointers off, and an archive made that way is ignored by every small pod.
RUN bash /tmp/cds-training-run.sh app.jsa -Xmx512m && chmod 0444 app.jsa && rm /tmp/cds-training-run.sh

# The JVM reads JAVA_TOOL_OPTIONS itself, so setting it at runtime
# (docker run -e / Kubernetes ConfigMap) replaces these defaults entirely.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.security.egd=file:/dev/./urandom"

USER 10001:10001
EXPOSE 8080

# Exec form: java is PID 1 and receives SIGTERM directly for graceful shutdown.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=app.jsa", "-jar", "kimicode2api.jar"]
