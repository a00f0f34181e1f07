import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Holds many concurrent slow SSE streams open through a server and checks that each one completes.
 *
 * <pre>java bench/StreamHold.java PORT PATH [--streams 10000] [--events 30] [--gap-ms 1000] [--ramp-s 10]
 *      [--rss-pid PID] [--grace-s 60]</pre>
 *
 * One selector thread (NIO), so 10,000 streams cost one thread here. Streams are opened evenly over the ramp; each
 * asks for N events G ms apart ({@code ?events=N&gap_ms=G}) and counts as correct only when it got status 200, all N
 * {@code data: {...}} events, {@code data: [DONE]} and a properly ended body. Everything stops at ramp + N*G + grace
 * seconds. peak_open counts client connections open at once; peak_live the streams whose 200 headers had arrived
 * and that had not finished, i.e. held open by the server at once. While it runs it samples VmRSS of --rss-pid every second and, at the end, the CPU seconds that process used;
 * each event's delay (arrival minus the upstream's {@code "ts_us"} write time) is reported as p50/p99/max. Prints
 * lines starting {@code RESULT}; talks to 127.0.0.1 only.
 */
public class StreamHold {

	static final byte[] BODY = ("{\"model\":\"kimi-for-coding\",\"stream\":true,"
			+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hold this stream open for the benchmark.\"}]}")
		.getBytes(StandardCharsets.US_ASCII);

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		String path = args[1];
		int streams = 10_000;
		int events = 30;
		int gapMs = 1000;
		double rampS = 10;
		long rssPid = -1;
		int graceS = 60;
		for (int i = 2; i < args.length; i++) {
			switch (args[i]) {
				case "--streams" -> streams = Integer.parseInt(args[++i]);
				case "--events" -> events = Integer.parseInt(args[++i]);
				case "--gap-ms" -> gapMs = Integer.parseInt(args[++i]);
				case "--ramp-s" -> rampS = Double.parseDouble(args[++i]);
				case "--rss-pid" -> rssPid = Long.parseLong(args[++i]);
				case "--grace-s" -> graceS = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException(args[i]);
			}
		}
		String sep = path.contains("?") ? "&" : "?";
		byte[] request = ("POST " + path + sep + "events=" + events + "&gap_ms=" + gapMs + " HTTP/1.1\r\n"
				+ "Host: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
				+ "Authorization: Bearer bench\r\nContent-Length: " + BODY.length + "\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
		ByteBuffer requestBuffer = ByteBuffer.allocate(request.length + BODY.length).put(request).put(BODY).flip();

		long rssIdleKb = rss(rssPid);
		long cpuStartTicks = cpuTicks(rssPid);
		long[] delays = new long[(int) Math.min(Integer.MAX_VALUE - 8, (long) streams * events)];
		long rssPeakKb = rssIdleKb;
		long fdPeak = fds(rssPid);
		Selector selector = Selector.open();
		Stream[] all = new Stream[streams];
		long start = System.nanoTime();
		long rampNanos = (long) (rampS * 1e9);
		long deadline = start + rampNanos + (long) events * gapMs * 1_000_000L + graceS * 1_000_000_000L;
		int opened = 0;
		int finished = 0;
		int open = 0;
		int peakOpen = 0;
		long nextRss = start + 1_000_000_000L;
		long nextProgress = start + 5_000_000_000L;
		ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
		while (finished < streams && System.nanoTime() < deadline) {
			long now = System.nanoTime();
			// open the streams due by now
			long due = rampNanos <= 0 ? streams : Math.min(streams, (now - start) * streams / rampNanos + 1);
			while (opened < due) {
				Stream s = new Stream(opened, events, requestBuffer.duplicate(), delays);
				all[opened++] = s;
				try {
					s.ch = SocketChannel.open();
					s.ch.configureBlocking(false);
					s.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
					boolean connected = s.ch.connect(new InetSocketAddress("127.0.0.1", port));
					s.key = s.ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, s);
					if (connected) {
						s.connected = true;
					}
					open++;
				}
				catch (IOException e) {
					s.fail("connect: " + e.getMessage());
					finished++;
				}
			}
			peakOpen = Math.max(peakOpen, open);
			selector.select(10);
			Iterator<SelectionKey> it = selector.selectedKeys().iterator();
			while (it.hasNext()) {
				SelectionKey key = it.next();
				it.remove();
				Stream s = (Stream) key.attachment();
				if (s.finished) {
					continue;
				}
				try {
					if (key.isConnectable()) {
						s.ch.finishConnect();
						s.connected = true;
						key.interestOps(SelectionKey.OP_WRITE);
					}
					if (key.isValid() && key.isWritable()) {
						s.ch.write(s.request);
						if (!s.request.hasRemaining()) {
							key.interestOps(SelectionKey.OP_READ);
						}
					}
					if (key.isValid() && key.isReadable()) {
						while (true) {
							readBuffer.clear();
							int n = s.ch.read(readBuffer);
							if (n < 0) {
								s.onEof();
								break;
							}
							if (n == 0) {
								break;
							}
							readBuffer.flip();
							s.feed(readBuffer);
							if (s.finished) {
								break;
							}
						}
					}
				}
				catch (IOException | RuntimeException e) {
					s.fail((s.connected ? "io: " : "connect: ") + e.getMessage());
				}
				if (s.finished) {
					finished++;
					open--;
					if (s.live) {
						live--;
					}
					s.closeQuietly();
				}
				peakLive = Math.max(peakLive, live);
			}
			now = System.nanoTime();
			if (now >= nextRss) {
				rssPeakKb = Math.max(rssPeakKb, rss(rssPid));
				fdPeak = Math.max(fdPeak, fds(rssPid));
				nextRss = now + 1_000_000_000L;
			}
			if (now >= nextProgress) {
				System.out.printf(Locale.ROOT, "progress t=%.0fs opened=%d open=%d live=%d finished=%d rss_mb=%d fds=%d%n",
						(now - start) / 1e9, opened, open, live, finished, rss(rssPid) / 1024, fds(rssPid));
				System.out.flush();
				nextProgress = now + 5_000_000_000L;
			}
		}
		long elapsed = System.nanoTime() - start;
		int ok = 0;
		Map<String, Integer> failures = new TreeMap<>();
		int totalEvents = 0;
		for (int i = 0; i < opened; i++) {
			Stream s = all[i];
			totalEvents += s.events;
			if (!s.finished) {
				s.fail("timeout: stream not finished at the deadline (" + s.events + " events so far)");
				s.closeQuietly();
			}
			if (s.ok) {
				ok++;
			}
			else {
				failures.merge(shorten(s.failure), 1, Integer::sum);
			}
		}
		long rssAfterKb = rss(rssPid);
		double cpuSeconds = cpuStartTicks < 0 ? -1 : (cpuTicks(rssPid) - cpuStartTicks) / 100.0;
		long[] sorted = Arrays.copyOf(delays, Math.min(delayCount, delays.length));
		Arrays.sort(sorted);
		System.out.printf(Locale.ROOT,
				"RESULT streams=%d ok=%d failed=%d peak_open=%d peak_live=%d events_received=%d elapsed_s=%.1f rss_idle_mb=%d "
						+ "rss_peak_mb=%d rss_after_mb=%d cpu_s=%.1f delay_p50_ms=%.1f delay_p99_ms=%.1f "
						+ "delay_max_ms=%.1f fd_peak=%d%n",
				streams, ok, streams - ok, peakOpen, peakLive, totalEvents, elapsed / 1e9, rssIdleKb / 1024, rssPeakKb / 1024,
				rssAfterKb / 1024, cpuSeconds, pct(sorted, 50) / 1000.0, pct(sorted, 99) / 1000.0,
				sorted.length == 0 ? -1 : sorted[sorted.length - 1] / 1000.0, fdPeak);
		failures.forEach((reason, count) -> System.out.println("FAILURE " + count + " x " + reason));
	}

	static int delayCount;

	/** Streams whose response headers (200) arrived and that have not finished: held open right now. */
	static int live;

	static int peakLive;

	static long pct(long[] sorted, double p) {
		if (sorted.length == 0) {
			return -1;
		}
		int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
	}

	/** Open file descriptors of a process, or -1. */
	static long fds(long pid) {
		if (pid <= 0) {
			return -1;
		}
		String[] names = new java.io.File("/proc/" + pid + "/fd").list();
		return names == null ? -1 : names.length;
	}

	/** utime + stime of a process in clock ticks (100 per second on Linux), or -1. */
	static long cpuTicks(long pid) {
		if (pid <= 0) {
			return -1;
		}
		try {
			String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(f[11]) + Long.parseLong(f[12]);
		}
		catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	static String shorten(String reason) {
		String r = reason == null ? "unknown" : reason.replaceAll("[0-9]+ events so far", "N events so far");
		return r.length() > 160 ? r.substring(0, 160) : r;
	}

	static long rss(long pid) {
		if (pid <= 0) {
			return -1;
		}
		try {
			for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", ""));
				}
			}
		}
		catch (IOException | RuntimeException ignored) {
		}
		return -1;
	}

	/** One stream's parser: status line and headers, then chunked or close-delimited body, then SSE lines. */
	static final class Stream {

		final int id;

		final int expectedEvents;

		final ByteBuffer request;

		SocketChannel ch;

		SelectionKey key;

		boolean connected;

		boolean live;

		boolean finished;

		boolean ok;

		String failure;

		// parse state
		final StringBuilder line = new StringBuilder(512);

		int phase; // 0 status, 1 headers, 2 chunk size, 3 chunk data, 4 chunk CRLF, 5 close-delimited body, 6 trailers

		int status;

		boolean chunked;

		int chunkLeft;

		final StringBuilder sse = new StringBuilder(512);

		int events;

		boolean done;

		final long[] delays;

		Stream(int id, int expectedEvents, ByteBuffer request, long[] delays) {
			this.delays = delays;
			this.id = id;
			this.expectedEvents = expectedEvents;
			this.request = request;
		}

		void fail(String why) {
			if (!finished) {
				finished = true;
				ok = false;
				failure = why;
			}
		}

		void succeedOrFail() {
			finished = true;
			if (status == 200 && done && events == expectedEvents) {
				ok = true;
			}
			else {
				ok = false;
				failure = status != 200 ? "status " + status
						: !done ? "no [DONE] (" + events + " events so far)"
								: "wrong event count (" + events + " events so far)";
			}
		}

		void closeQuietly() {
			try {
				if (ch != null) {
					ch.close();
				}
			}
			catch (IOException ignored) {
			}
		}

		void onEof() {
			if (phase == 5) {
				succeedOrFail();
			}
			else {
				fail("connection closed early in phase " + phase + " (" + events + " events so far, status "
						+ status + ")");
			}
		}

		void feed(ByteBuffer b) {
			while (b.hasRemaining() && !finished) {
				switch (phase) {
					case 0, 1, 2, 4, 6 -> {
						byte c = b.get();
						if (c == '\n') {
							int len = line.length();
							if (len > 0 && line.charAt(len - 1) == '\r') {
								line.setLength(len - 1);
							}
							onLine(line.toString());
							line.setLength(0);
						}
						else {
							line.append((char) (c & 0xff));
						}
					}
					case 3 -> {
						int n = Math.min(chunkLeft, b.remaining());
						for (int i = 0; i < n; i++) {
							sseByte(b.get());
						}
						chunkLeft -= n;
						if (chunkLeft == 0) {
							phase = 4;
						}
					}
					case 5 -> sseByte(b.get());
					default -> throw new IllegalStateException("phase " + phase);
				}
			}
		}

		void onLine(String l) {
			switch (phase) {
				case 0 -> {
					String[] parts = l.split(" ");
					status = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
					phase = 1;
				}
				case 1 -> {
					if (l.isEmpty()) {
						if (status != 200) {
							fail("status " + status);
							return;
						}
						phase = chunked ? 2 : 5;
						live = true;
						StreamHold.live++;
					}
					else {
						String lower = l.toLowerCase(Locale.ROOT);
						if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
							chunked = true;
						}
					}
				}
				case 2 -> {
					int semi = l.indexOf(';');
					chunkLeft = Integer.parseInt((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
					phase = chunkLeft == 0 ? 6 : 3;
				}
				case 4 -> {
					if (!l.isEmpty()) {
						fail("bad chunk framing");
						return;
					}
					phase = 2;
				}
				case 6 -> {
					if (l.isEmpty()) {
						succeedOrFail();
					}
				}
				default -> throw new IllegalStateException("phase " + phase);
			}
		}

		void sseByte(byte c) {
			if (c == '\n') {
				int len = sse.length();
				if (len >= 6 && sse.charAt(0) == 'd' && sse.indexOf("data: ") == 0) {
					if (sse.indexOf("data: [DONE]") == 0) {
						done = true;
					}
					else if (sse.charAt(6) == '{' && !done) {
						if (sse.indexOf("\"error\"") >= 0) {
							fail("error event: " + sse);
							return;
						}
						events++;
						int ts = sse.lastIndexOf("\"ts_us\":");
						if (ts >= 0 && delayCount < delays.length) {
							int end = ts + 8;
							long v = 0;
							while (end < sse.length() && Character.isDigit(sse.charAt(end))) {
								v = v * 10 + (sse.charAt(end++) - '0');
							}
							Instant now = Instant.now();
							delays[delayCount++] = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000 - v;
						}
					}
				}
				sse.setLength(0);
			}
			else if (c != '\r') {
				sse.append((char) (c & 0xff));
			}
		}

	}

}
