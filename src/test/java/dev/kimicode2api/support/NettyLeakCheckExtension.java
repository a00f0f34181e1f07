package dev.kimicode2api.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registered for every test class (junit-platform.properties): after a class, collects garbage and allocates a few
 * buffers so Netty's paranoid leak detector reports what it found, then fails if any {@code LEAK:} line was logged.
 */
public class NettyLeakCheckExtension implements AfterAllCallback {

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(50);
			for (int j = 0; j < 64; j++) {
				ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
				probe.release();
			}
		}
		assertThat(LogCapture.takeLeaks()).as("Netty LEAK: reports (from this class or, collected late, an earlier one)")
			.isEmpty();
	}

}
