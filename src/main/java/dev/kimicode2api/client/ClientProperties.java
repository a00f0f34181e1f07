package dev.kimicode2api.client;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long the gateway waits on its own clients ({@code kimicode.client.*}). None of these limits a response: a
 * stream to the client may run as long as its upstream talks.
 *
 * @param headerTimeout longest time to receive a request's head (request line and headers), counted from the
 * connection's start for its first request and from the first byte of each later one; then the connection is closed
 * (no answer: the request is not known yet)
 * @param bodyIdleTimeout longest silence while a request's body is being read (the gateway asking for more and none
 * coming); then a 408 in the route's error shape if no answer has started, else the connection is closed
 * @param keepAliveTimeout longest time a connection may stay open between one response and the next request; above
 * a fronting load balancer's own idle timeout, so the gateway never closes a connection the balancer is about to use
 * @param maxConnections most client connections open at once (0: no limit); at the limit the gateway stops
 * accepting, so new connections wait in the listen backlog until one closes
 */
@Validated
@ConfigurationProperties("kimicode.client")
public record ClientProperties(@NotNull @DurationMin(millis = 1) @DefaultValue("30s") Duration headerTimeout,
		@NotNull @DurationMin(millis = 1) @DefaultValue("60s") Duration bodyIdleTimeout,
		@NotNull @DurationMin(millis = 1) @DefaultValue("620s") Duration keepAliveTimeout,
		@PositiveOrZero @DefaultValue("0") int maxConnections) {
}
