package dev.kimicode2api.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream whose keep-alive timer has expired but whose close has not reached the client yet: a keep-alive
 * connection left idle longer than {@code keepAlive} gets its next request read and then closed without an answer,
 * which a proxy reusing that connection sees as "Connection prematurely closed BEFORE response". Any other request is
 * answered 200 with a small JSON body and the connection kept open. Plain blocking sockets, a thread per connection.
 */
public final class StaleKeepAliveUpstream implements AutoCloseable {

	public static final String BODY = "{\"id\":\"stale-test\",\"choices\":[]}";

	private final ServerSocket server;

	private final long keepAliveNanos;

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicInteger answered = new AtomicInteger();

	private final AtomicInteger closedUnanswered = new AtomicInteger();

	public StaleKeepAliveUpstream(Duration keepAlive) throws IOException {
		this.keepAliveNanos = keepAlive.toNanos();
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "stale-upstream-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	public String baseUrl() {
		return "http://127.0.0.1:" + server.getLocalPort();
	}

	public int connectionsOpened() {
		return connections.get();
	}

	public int requestsAnswered() {
		return answered.get();
	}

	/** Requests that arrived on a connection idle past the keep-alive and were closed unanswered. */
	public int requestsClosedUnanswered() {
		return closedUnanswered.get();
	}

	private void accept() {
		while (!server.isClosed()) {
			try {
				Socket socket = server.accept();
				connections.incrementAndGet();
				Thread worker = new Thread(() -> serve(socket), "stale-upstream-conn");
				worker.setDaemon(true);
				worker.start();
			}
			catch (IOException closed) {
				return;
			}
		}
	}

	private void serve(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			long idleSince = -1;
			while (readRequest(in)) {
				if (idleSince >= 0 && System.nanoTime() - idleSince > keepAliveNanos) {
					closedUnanswered.incrementAndGet();
					return;
				}
				byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
				out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
						+ "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				out.write(body);
				out.flush();
				answered.incrementAndGet();
				idleSince = System.nanoTime();
			}
		}
		catch (IOException gone) {
			// the client closed the connection
		}
	}

	/** Reads one request (head and Content-Length or chunked body); false at end of stream. */
	private static boolean readRequest(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (true) {
			int b = in.read();
			if (b < 0) {
				return false;
			}
			head.write(b);
			int n = head.size();
			byte[] h = head.toByteArray();
			if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
				break;
			}
		}
		String text = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
		java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?m)^content-length:\\s*(\\d+)").matcher(text);
		if (length.find()) {
			in.readNBytes(Integer.parseInt(length.group(1)));
		}
		else if (text.contains("transfer-encoding: chunked")) {
			for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
				in.readNBytes(size + 2);
			}
			line(in);
		}
		return true;
	}

	private static String line(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		for (int c = in.read(); c != '\n'; c = in.read()) {
			if (c < 0) {
				throw new java.io.EOFException();
			}
			line.append((char) c);
		}
		return line.toString();
	}

	@Override
	public void close() throws IOException {
		server.close();
	}

}
