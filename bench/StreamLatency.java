import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-event latency of SSE streams: for every {@code data:} event that carries the fake upstream's {@code "ts_us"}
 * (wall-clock microseconds at which the upstream wrote it), arrival time minus that timestamp.
 *
 * <pre>java bench/StreamLatency.java NAME=PORT/PATH [NAME=PORT/PATH ...] [--streams K] [--events N] [--gap-ms G] [--rounds R]</pre>
 *
 * For each target in turn: R rounds (the first is a warm-up of this client and of the target and is not counted) of
 * K concurrent streams (thread per stream, blocking sockets, starts staggered over one gap), each asking for N events
 * G ms apart ({@code ?events=N&gap_ms=G}). Prints one line per target:
 * {@code RESULT name events=.. streams_ok=.. p50_us=.. p90_us=.. p99_us=.. max_us=..}. Talks to 127.0.0.1 only.
 */
public class StreamLatency {

	public static void main(String[] args) throws Exception {
		List<String[]> targets = new ArrayList<>();
		int streams = 16;
		int events = 100;
		int gapMs = 10;
		int rounds = 3;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--streams" -> streams = Integer.parseInt(args[++i]);
				case "--events" -> events = Integer.parseInt(args[++i]);
				case "--gap-ms" -> gapMs = Integer.parseInt(args[++i]);
				case "--rounds" -> rounds = Math.max(2, Integer.parseInt(args[++i]));
				default -> {
					int eq = args[i].indexOf('=');
					int slash = args[i].indexOf('/', eq);
					targets.add(new String[] { args[i].substring(0, eq), args[i].substring(eq + 1, slash),
							args[i].substring(slash) });
				}
			}
		}
		for (String[] t : targets) {
			long[] all = new long[0];
			int ok = 0;
			int expectedOk = 0;
			for (int r = 0; r < rounds; r++) {
				Round round = runRound(Integer.parseInt(t[1]), t[2], streams, events, gapMs);
				if (r == 0) {
					continue; // warm-up
				}
				expectedOk += streams;
				ok += round.ok.get();
				long[] merged = Arrays.copyOf(all, all.length + round.count());
				round.copyInto(merged, all.length);
				all = merged;
			}
			Arrays.sort(all);
			System.out.printf(Locale.ROOT,
					"RESULT %s events=%d streams_ok=%d/%d p50_us=%d p90_us=%d p99_us=%d max_us=%d%n", t[0], all.length,
					ok, expectedOk, pct(all, 50), pct(all, 90), pct(all, 99), all.length == 0 ? -1 : all[all.length - 1]);
		}
	}

	static long pct(long[] sorted, double p) {
		if (sorted.length == 0) {
			return -1;
		}
		int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
	}

	static final class Round {

		final AtomicInteger ok = new AtomicInteger();

		final long[][] perStream;

		final int[] counts;

		Round(int streams, int events) {
			perStream = new long[streams][events + 1];
			counts = new int[streams];
		}

		int count() {
			int n = 0;
			for (int c : counts) {
				n += c;
			}
			return n;
		}

		void copyInto(long[] dst, int at) {
			for (int i = 0; i < perStream.length; i++) {
				System.arraycopy(perStream[i], 0, dst, at, counts[i]);
				at += counts[i];
			}
		}

	}

	static Round runRound(int port, String path, int streams, int events, int gapMs) throws InterruptedException {
		Round round = new Round(streams, events);
		Thread[] threads = new Thread[streams];
		for (int i = 0; i < streams; i++) {
			int idx = i;
			long staggerNanos = (long) gapMs * 1_000_000L * i / streams;
			threads[i] = new Thread(() -> {
				try {
					Thread.sleep(staggerNanos / 1_000_000L, (int) (staggerNanos % 1_000_000L));
					if (oneStream(port, path, events, gapMs, round.perStream[idx], round.counts, idx)) {
						round.ok.incrementAndGet();
					}
				}
				catch (Exception e) {
					System.err.println("stream " + idx + " failed: " + e);
				}
			});
			threads[i].start();
		}
		for (Thread t : threads) {
			t.join(120_000L + (long) events * gapMs * 2);
		}
		return round;
	}

	static final byte[] BODY = ("{\"model\":\"kimi-for-coding\",\"stream\":true,"
			+ "\"messages\":[{\"role\":\"user\",\"content\":\"Count for the benchmark.\"}]}")
		.getBytes(StandardCharsets.US_ASCII);

	/** One stream: true when it ended with [DONE] after all events. Latencies go into {@code out}. */
	static boolean oneStream(int port, String path, int events, int gapMs, long[] out, int[] counts, int idx)
			throws IOException {
		try (Socket s = new Socket()) {
			s.setTcpNoDelay(true);
			s.setSoTimeout(60_000 + gapMs * 4);
			s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			String sep = path.contains("?") ? "&" : "?";
			String head = "POST " + path + sep + "events=" + events + "&gap_ms=" + gapMs + " HTTP/1.1\r\n"
					+ "Host: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
					+ "Authorization: Bearer bench\r\nContent-Length: " + BODY.length + "\r\nConnection: close\r\n\r\n";
			OutputStream os = s.getOutputStream();
			os.write(head.getBytes(StandardCharsets.ISO_8859_1));
			os.write(BODY);
			os.flush();
			InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
			String status = readLine(in);
			if (status == null || !status.startsWith("HTTP/1.1 200")) {
				System.err.println("stream " + idx + ": status " + status);
				return false;
			}
			boolean chunked = false;
			String line;
			while ((line = readLine(in)) != null && !line.isEmpty()) {
				String lower = line.toLowerCase(Locale.ROOT);
				if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
					chunked = true;
				}
			}
			InputStream body = chunked ? new ChunkedInputStream(in) : in;
			int n = 0;
			boolean done = false;
			String data;
			while ((data = readLine(body)) != null) {
				if (data.startsWith("data: ")) {
					Instant now = Instant.now();
					long arrival = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
					if (data.startsWith("data: [DONE]")) {
						done = true;
						break;
					}
					int ts = data.lastIndexOf("\"ts_us\":");
					if (ts >= 0 && n < out.length) {
						int end = ts + 8;
						while (end < data.length() && Character.isDigit(data.charAt(end))) {
							end++;
						}
						out[n++] = arrival - Long.parseLong(data.substring(ts + 8, end));
					}
				}
			}
			counts[idx] = n;
			return done && n == events;
		}
	}

	/** A line without its CR LF (or LF), or null at the end of the stream. */
	static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream(256);
		int c;
		while ((c = in.read()) >= 0) {
			if (c == '\n') {
				int len = b.size();
				byte[] bytes = b.toByteArray();
				if (len > 0 && bytes[len - 1] == '\r') {
					len--;
				}
				return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
			}
			b.write(c);
		}
		return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
	}

	/** Decodes HTTP/1.1 chunked transfer coding; end of stream after the last chunk. */
	static final class ChunkedInputStream extends InputStream {

		final InputStream in;

		int left;

		boolean eof;

		ChunkedInputStream(InputStream in) {
			this.in = in;
		}

		@Override
		public int read() throws IOException {
			if (eof) {
				return -1;
			}
			if (left == 0) {
				String size = readLine(in);
				while (size != null && size.isEmpty()) {
					size = readLine(in); // CRLF after the previous chunk
				}
				if (size == null) {
					eof = true;
					return -1;
				}
				int semi = size.indexOf(';');
				left = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
				if (left == 0) {
					eof = true;
					return -1;
				}
			}
			int c = in.read();
			if (c < 0) {
				eof = true;
				return -1;
			}
			left--;
			return c;
		}

	}

}
