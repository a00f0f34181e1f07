package dev.kimicode2api.routing;

/** The error shape a route's clients parse. */
public enum ErrorDialect {

	/** {@code {"error":{"message":…,"type":…}}} */
	OPENAI

}
