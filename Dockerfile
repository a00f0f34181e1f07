# syntax=docker/dockerfile:1

# ---- Stage 1: build the jar and split it into Spring Boot layers ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Resolve dependencies first so this layer is reused until pom.xml changes.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline

COPY src ./src
RUN mvn -B -DskipTests package

# Spring Boot 4 tools jarmode: exploded layout with launcher, one directory per layer.
RUN java -Djarmode=tools -jar target/kimicode2api.jar extract --layers --launcher --destination extracted

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

# The JVM reads JAVA_TOOL_OPTIONS itself, so setting it at runtime
# (docker run -e / Kubernetes ConfigMap) replaces these defaults entirely.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.security.egd=file:/dev/./urandom"

USER 10001:10001
EXPOSE 8080

# Exec form: java is PID 1 and receives SIGTERM directly for graceful shutdown.
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
