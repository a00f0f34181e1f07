package dev.kimicode2api.web;

/** Exchange attributes kimicode2api's filters share, so logs and metrics see what the rewrite saw. */
public final class ExchangeAttributes {

	/** The model name the client asked for (a virtual one included). */
	public static final String MODEL = "kimicode2api.model";

	/** {@code Boolean.TRUE} when the client asked for a streamed response. */
	public static final String STREAM = "kimicode2api.stream";

	private ExchangeAttributes() {
	}

}
