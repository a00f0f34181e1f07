package dev.kimicode2api.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/**
 * Logback appender (wired in logback-test.xml) that keeps every formatted log line of the test JVM, so tests can
 * assert on what the gateway logs and the leak check can see Netty's {@code LEAK:} reports.
 */
public class LogCapture extends AppenderBase<ILoggingEvent> {

	private static final List<String> LINES = new CopyOnWriteArrayList<>();

	private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

	@Override
	protected void append(ILoggingEvent event) {
		String line = event.getLoggerName() + " " + event.getFormattedMessage();
		if (line.contains("LEAK:")) {
			LEAKS.add(line);
		}
		if (LINES.size() < 200_000) {
			LINES.add(line);
		}
	}

	public static List<String> lines() {
		return List.copyOf(LINES);
	}

	/**
	 * The {@code LEAK:} reports since the last call, which clears them: a report is charged to one class only (the
	 * first whose check runs after the leaked buffer was collected, which may be a later class than the one that leaked).
	 */
	public static synchronized List<String> takeLeaks() {
		List<String> taken = List.copyOf(LEAKS);
		LEAKS.removeAll(taken);
		return taken;
	}

	/** Waits up to two seconds for {@code count} access lines ({@code kimicode2api.access}) since the last clear. */
	public static List<String> accessLines(int count) throws InterruptedException {
		for (int i = 0; i < 100; i++) {
			List<String> lines = lines().stream().filter(l -> l.startsWith("kimicode2api.access")).toList();
			if (lines.size() >= count) {
				return lines;
			}
			Thread.sleep(20);
		}
		return lines().stream().filter(l -> l.startsWith("kimicode2api.access")).toList();
	}

	public static void clear() {
		LINES.clear();
	}

}
