package dev.kimicode2api.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 on a raw socket, for what an HTTP client refuses to send: oversized or malformed heads, raw bytes in a
 * path, bodies with their own framing.
 */
public final class RawHttp {

	private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

	/** A response as read off the wire: status, head (status line and headers) and body. */
	public record Response(int status, String head, String body) {
	}

	private RawHttp() {
	}

	/** Writes {@code request} (ISO-8859-1) on a new connection and reads one response. */
	public static Response exchange(int port, String request) throws IOException {
		return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
	}

	/** Writes {@code request} on a new connection and reads one response (by its Content-Length, else until closed). */
	public static Response exchange(int port, byte[] request) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write(request);
				out.flush();
			}
			catch (IOException closedWhileWriting) {
				// The gateway may answer and close before it read everything; the answer is still there to read.
			}
			return read(socket.getInputStream());
		}
	}

	/** Reads one response from {@code in}: its head, then a Content-Length body (or what comes until the close). */
	public static Response read(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		int headEnd = -1;
		int length = -1;
		while (true) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			all.write(b);
			if (headEnd < 0) {
				String text = all.toString(StandardCharsets.ISO_8859_1);
				if (text.endsWith("\r\n\r\n")) {
					headEnd = text.length() - 4;
					Matcher m = CONTENT_LENGTH.matcher(text);
					length = m.find() ? Integer.parseInt(m.group(1)) : -1;
				}
			}
			if (headEnd >= 0 && length >= 0 && all.size() >= headEnd + 4 + length) {
				break;
			}
		}
		String text = all.toString(StandardCharsets.UTF_8);
		int end = text.indexOf("\r\n\r\n");
		assertThat(end).as("a complete response head in: " + text).isPositive();
		String head = text.substring(0, end);
		return new Response(Integer.parseInt(head.split(" ")[1]), head, text.substring(end + 4));
	}

}
