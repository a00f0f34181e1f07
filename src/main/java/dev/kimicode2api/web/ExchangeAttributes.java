package dev.kimicode2api.web;

/** Exchange attributes kimicode2api's filters share, so logs and metrics see what the rewrite saw. */
public final class ExchangeAttributes {

	/** The model name the client asked for (a virtual one included). */
	public static final String MODEL = "kimicode2api.model";

	/** {@code Boolean.TRUE} when the client asked for a streamed response. */
	public static final String STREAM = "kimicode2api.stream";

	/** {@link System#nanoTime()} when the request arrived. */
	public static final String START_NANOS = "kimicode2api.startNanos";

	/** Bytes of response body sent to the client so far. */
	public static final String RESPONSE_BYTES = "kimicode2api.responseBytes";

	/** Milliseconds from request to the first streamed byte. */
	public static final String FIRST_BYTE_MILLIS = "kimicode2api.firstByteMillis";

	/** {@code Boolean.TRUE} when the response's reasoning is to be moved into its content. */
	public static final String REASONING_INLINE = "kimicode2api.reasoningInline";

	/**
	 * What the gateway repaired in the request, by kind ({@code schema_type}, {@code reasoning_remembered}, …): a
	 * {@code Map<String, Integer>}, for the access line.
	 */
	public static final String REPAIRS = "kimicode2api.repairs";

	/** The upstream's token usage, once seen. */
	public static final String USAGE = "kimicode2api.usage";

	private ExchangeAttributes() {
	}

}
