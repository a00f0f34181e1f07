package dev.kimicode2api.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The real application on a random port, in front of a {@link FakeUpstream} whose base URL carries a deeper path
 * with a trailing slash, as a user's {@code KIMI_API_BASE_URL} may.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayTest {

	protected static final FakeUpstream upstream = new FakeUpstream();

	protected static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@LocalServerPort
	protected int port;

	@DynamicPropertySource
	static void upstreamUrl(DynamicPropertyRegistry registry) {
		registry.add("KIMI_API_BASE_URL", () -> upstream.baseUrl() + "/deep/coding/");
	}

	@BeforeEach
	void resetUpstream() {
		upstream.reset();
		if (kimi2025()) {
			upstream.kimi2025();
		}
	}

	/**
	 * Whether this class's fake upstream plays Kimi as the seed knew it in 2025 (no catalogue, no User-Agent gate,
	 * thinking only when asked, minimal bodies accepted): for tests of the gateway's own behaviour (timeouts,
	 * retries, errors) where today's request checks are not the point. Today's Kimi is the default.
	 */
	protected boolean kimi2025() {
		return false;
	}

	@AfterAll
	static void keepUpstream() {
		// The fake lives as long as the JVM: Spring caches the application context across test classes.
	}

	protected URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + port + pathAndQuery);
	}

	protected HttpRequest.Builder request(String pathAndQuery) {
		return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30));
	}

	protected HttpResponse<String> postJson(String path, String body, String... headers) throws IOException,
			InterruptedException {
		HttpRequest.Builder builder = request(path).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		for (int i = 0; i < headers.length; i += 2) {
			builder.header(headers[i], headers[i + 1]);
		}
		return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
	}

	protected HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	/** The value of one Prometheus series (name and labels exactly as scraped), 0 when it is not there yet. */
	protected double metric(String series) throws IOException, InterruptedException {
		Matcher m = Pattern.compile(Pattern.quote(series) + " ([0-9.E+-]+)").matcher(get("/actuator/prometheus").body());
		return m.find() ? Double.parseDouble(m.group(1)) : 0;
	}

}
