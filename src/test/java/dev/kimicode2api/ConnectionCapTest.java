package dev.kimicode2api;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.LogCapture;
import dev.kimicode2api.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code kimicode.client.max-connections}: at the limit a new client waits (it is not refused) and one warning names
 * the setting; it is served as soon as another connection closes.
 */
@TestPropertySource(properties = "kimicode.client.max-connections=3")
class ConnectionCapTest extends GatewayTest {

	@Test
	void atTheLimitANewClientWaitsUntilAConnectionClosesAndTheLogSaysWhy() throws Exception {
		List<Socket> open = new ArrayList<>();
		try {
			LogCapture.clear();
			for (int i = 0; i < 3; i++) {
				open.add(new Socket("127.0.0.1", port));
			}
			// once the gateway has taken all three (connections that arrive in one accept batch are all served)
			for (int i = 0; i < 500 && LogCapture.lines().stream().noneMatch(l -> l.contains("max-connections")); i++) {
				Thread.sleep(20);
			}
			// on a busy machine the third may take a while: the next client must come after it, not in its batch
			assertThat(LogCapture.lines()).anyMatch(l -> l.contains("max-connections"));
			try (Socket waiting = new Socket("127.0.0.1", port)) {
				waiting.getOutputStream()
					.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				waiting.setSoTimeout(1500);
				InputStream in = waiting.getInputStream();
				assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
				assertThat(LogCapture.lines()).anySatisfy(l -> assertThat(l).contains("3 client connections open")
					.contains("kimicode.client.max-connections"));

				open.remove(0).close();
				waiting.setSoTimeout(10_000);
				assertThat(RawHttp.read(in).status()).isEqualTo(200);
			}
		}
		finally {
			for (Socket socket : open) {
				socket.close();
			}
		}
	}

}
