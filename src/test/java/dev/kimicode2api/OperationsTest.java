package dev.kimicode2api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.core.io.ClassPathResource;

import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, metrics, the exposed actuator surface, and the Kubernetes manifests held true against the application. */
class OperationsTest extends GatewayTest {

	/** Environment variables that are not Spring properties but the JVM's own. */
	static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

	@Test
	void probesAndPrometheusAreServedAndTheRestOfActuatorIsNot() throws Exception {
		assertThat(get("/actuator/health/liveness").body()).contains("\"status\":\"UP\"");
		assertThat(get("/actuator/health/readiness").body()).contains("\"status\":\"UP\"");
		var prometheus = get("/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
		assertThat(get("/actuator/gateway/routes").body()).contains("kimi-chat");
		for (String hidden : List.of("/actuator/env", "/actuator/configprops", "/actuator/heapdump",
				"/actuator/beans", "/actuator/loggers")) {
			assertThat(get(hidden).statusCode()).as(hidden).isEqualTo(404);
		}
		assertThat(upstream.requestCount()).isZero();
	}

	/**
	 * Reactor Netty 1.3.6 could stop reading a keep-alive connection after a request answered off the event loop
	 * (the health endpoint): the next request on it waited until the client gave up. Probes and SDKs reuse
	 * connections, so this runs many requests over one connection, each with a short deadline.
	 */
	@Test
	void keepAliveConnectionsKeepServingRequests() throws Exception {
		try (java.net.Socket socket = RawHttp.connect(port)) {
			socket.setSoTimeout(5000);
			java.io.InputStream in = socket.getInputStream();
			for (int i = 0; i < 300; i++) {
				String path = List.of("/actuator/health/liveness", "/v1/models", "/actuator/env").get(i % 3);
				socket.getOutputStream()
					.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				assertThat(RawHttp.read(in).status()).as("response %d (%s) on the same connection", i, path).isIn(200, 404);
			}
		}
	}


	@Test
	void kubernetesManifestsUseOnlyWhatTheApplicationServesAndReads() throws Exception {
		List<Path> files;
		try (Stream<Path> walk = Files.walk(Path.of("k8s"))) {
			files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
		}
		assertThat(files).extracting(Path::toString)
			.contains("k8s/kustomization.yaml", "k8s/deployment.yaml", "k8s/service.yaml", "k8s/configmap.yaml",
					"k8s/hpa.yaml", "k8s/pdb.yaml", "k8s/sidecar/deployment.yaml");
		Set<String> read = variablesTheApplicationReads();
		List<String> probePaths = new ArrayList<>();
		List<String> variables = new ArrayList<>();
		for (Path file : files) {
			for (Object document : new Yaml().loadAll(Files.readString(file))) {
				assertThat(document).as(file + " parses").isInstanceOf(Map.class);
				collect(document, probePaths, variables);
			}
		}
		assertThat(probePaths).isNotEmpty();
		for (String path : probePaths) {
			assertThat(get(path).statusCode()).as("probe path " + path).isEqualTo(200);
		}
		assertThat(variables).isNotEmpty();
		for (String variable : variables) {
			assertThat(read).as("environment variable " + variable + " set in k8s/").contains(variable);
		}
		String configMap = Files.readString(Path.of("k8s/configmap.yaml"));
		Map<String, Object> data = new Yaml().<Map<String, Map<String, Object>>>load(configMap).get("data")
			.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
		assertThat(read).containsAll(data.keySet().stream().filter(k -> !JVM_VARIABLES.contains(k)).toList());
		assertThat(data.get("SERVER_PORT")).isEqualTo("8080");
	}

	/** Every ${NAME...} placeholder in application.yml, plus the JVM's own variables. */
	static Set<String> variablesTheApplicationReads() throws IOException {
		Set<String> names = new java.util.HashSet<>(JVM_VARIABLES);
		try (InputStream in = new ClassPathResource("application.yml").getInputStream()) {
			Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(new String(in.readAllBytes()));
			while (m.find()) {
				names.add(m.group(1));
			}
		}
		return names;
	}

	@SuppressWarnings("unchecked")
	static void collect(Object node, List<String> probePaths, List<String> variables) {
		if (node instanceof Map<?, ?> map) {
			for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
				if (map.get(probe) instanceof Map<?, ?> p && p.get("httpGet") instanceof Map<?, ?> get) {
					probePaths.add((String) get.get("path"));
					assertThat(get.get("port")).as(probe + " port").isIn("http", 8080);
				}
			}
			// Only the gateway's containers: the sidecar example's application container has its own variables.
			if (map.get("env") instanceof List<?> env && String.valueOf(map.get("image")).contains("kimicode2api")) {
				env.forEach(e -> variables.add((String) ((Map<String, Object>) e).get("name")));
			}
			if (map.get("kind") != null && map.get("kind").equals("ConfigMap")
					&& map.get("data") instanceof Map<?, ?> data) {
				data.keySet().forEach(k -> variables.add((String) k));
			}
			map.values().forEach(v -> collect(v, probePaths, variables));
		}
		else if (node instanceof List<?> list) {
			list.forEach(v -> collect(v, probePaths, variables));
		}
	}

}
