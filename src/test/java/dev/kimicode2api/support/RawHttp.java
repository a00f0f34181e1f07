package dev.kimicode2api.support;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 on a raw socket, for what an HTTP client refuses to send or hides: oversized or malformed heads, raw bytes
 * in a path, bodies with their own framing, a client that leaves in the middle of an answer, many requests on one
 * connection, a gateway that stops accepting connections.
 */
public final class RawHttp {

	private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

	private static final Pattern CHUNKED = Pattern.compile("(?im)^transfer-encoding:.*chunked");

	/** A response as read off the wire: status, head (status line and headers) and body (chunks joined). */
	public record Response(int status, String head, String body) {
	}

	private RawHttp() {
	}

	/** A new connection to the gateway; a read that waits more than 10 s fails instead of hanging the test. */
	public static Socket connect(int port) throws IOException {
		Socket socket = new Socket("127.0.0.1", port);
		socket.setSoTimeout(10_000);
		return socket;
	}

	/** Writes {@code request} (ISO-8859-1) on a new connection and reads one response. */
	public static Response exchange(int port, String request) throws IOException {
		return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
	}

	/** Writes {@code request} on a new connection and reads one response (by its Content-Length, else until closed). */
	public static Response exchange(int port, byte[] request) throws IOException {
		try (Socket socket = connect(port)) {
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

	/**
	 * Writes a {@code POST} of a JSON body (with any further header lines, such as {@code "Authorization: Bearer k"}) on
	 * a new connection, and returns the connection, to read the answer as it arrives ({@link #lines}) or to leave.
	 */
	public static Socket postJson(int port, String path, byte[] body, String... headers) throws IOException {
		Socket socket = connect(port);
		StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n")
			.append("Content-Type: application/json\r\n");
		for (String header : headers) {
			head.append(header).append("\r\n");
		}
		head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
		OutputStream out = socket.getOutputStream();
		out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
		out.write(body);
		out.flush();
		return socket;
	}

	/** The connection's answer, line by line as it arrives (head, chunk sizes and events alike). */
	public static BufferedReader lines(Socket socket) throws IOException {
		return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
	}

	/**
	 * A client that posts {@code body}, reads up to the first event, then stops reading for {@code stall} (the socket
	 * fills, and the rest of the stream waits in the gateway) and closes the connection.
	 */
	public static void readFirstEventStallAndLeave(int port, String path, String body, Duration stall)
			throws IOException, InterruptedException {
		try (Socket socket = postJson(port, path, body.getBytes(StandardCharsets.UTF_8))) {
			BufferedReader reader = lines(socket);
			String line = reader.readLine();
			assertThat(line).as("status line").isEqualTo("HTTP/1.1 200 OK");
			do {
				line = reader.readLine(); // the head and chunk sizes, up to the first event
			}
			while (line != null && !line.startsWith("data: "));
			if (line == null) {
				throw new IOException("the stream ended before its first event");
			}
			Thread.sleep(stall.toMillis());
		}
	}

	/** Whether the gateway refuses new connections within {@code attempts} tries 20 ms apart: it stopped accepting. */
	public static boolean refusesNewConnections(int port, int attempts) throws InterruptedException {
		for (int i = 0; i < attempts; i++) {
			try (Socket socket = new Socket("127.0.0.1", port)) {
				Thread.sleep(20);
			}
			catch (IOException refused) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Reads one response from {@code in}: its head, then a chunked body, a Content-Length body, or what comes until the
	 * close; the connection stays usable for the next response when the body had a length.
	 */
	public static Response read(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			head.write(b);
		}
		String headText = head.toString(StandardCharsets.ISO_8859_1);
		assertThat(headText).as("a complete response head in: " + headText).endsWith("\r\n\r\n");
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		Matcher length = CONTENT_LENGTH.matcher(headText);
		if (CHUNKED.matcher(headText).find()) {
			for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
				body.writeBytes(in.readNBytes(size));
				line(in);
			}
			line(in);
		}
		else if (length.find()) {
			body.writeBytes(in.readNBytes(Integer.parseInt(length.group(1))));
		}
		else {
			body.writeBytes(in.readAllBytes());
		}
		String status = headText.substring(0, headText.indexOf("\r\n"));
		return new Response(Integer.parseInt(status.split(" ")[1]), headText.substring(0, headText.length() - 4),
				body.toString(StandardCharsets.UTF_8));
	}

	private static int chunkSize(InputStream in) throws IOException {
		return Integer.parseInt(line(in).trim(), 16);
	}

	private static String line(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		for (int c = in.read(); c != '\n'; c = in.read()) {
			if (c < 0) {
				throw new EOFException("connection closed");
			}
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

}
