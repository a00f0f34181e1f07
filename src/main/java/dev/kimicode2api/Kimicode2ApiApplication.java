package dev.kimicode2api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class Kimicode2ApiApplication {

	/** Reactor Netty's system property for the number of event-loop threads shared by the server and the client. */
	static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

	public static void main(String[] args) {
		useOneEventLoopPerCore();
		SpringApplication.run(Kimicode2ApiApplication.class, args);
	}

	/**
	 * Reactor Netty runs at least 4 event loops, even on 1 or 2 cores. On a 2-core machine that doubled the CPU spent
	 * per proxied request and halved throughput (docs/performance.md, tuning log); one loop per available core (at
	 * least 2) is what was measured better. An explicit {@code -Dreactor.netty.ioWorkerCount} still wins.
	 */
	static void useOneEventLoopPerCore() {
		if (System.getProperty(IO_WORKER_COUNT) == null) {
			System.setProperty(IO_WORKER_COUNT,
					String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
		}
	}

}
